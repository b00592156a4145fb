#include "client/errc.h"

#include "base/error_category.h"

#include <string>

namespace es::client {
namespace {

const char* describe(Errc e) {
    switch (e) {
        case Errc::config:
            return "invalid client configuration";
        case Errc::transport:
            return "broker unreachable";
        case Errc::timeout:
            return "timed out";
        case Errc::kafka:
            return "broker error";
        case Errc::unknown_topic:
            return "unknown topic or partition";
        case Errc::topic_exists:
            return "topic already exists";
        case Errc::unsupported:
            return "not supported by the broker";
        case Errc::invalid_argument:
            return "invalid argument";
        case Errc::local:
            return "client error";
        case Errc::invalid_state:
            return "not valid in the client's state";
        case Errc::fenced:
            return "fenced by a newer instance";
        case Errc::fatal:
            return "fatal client error";
        case Errc::abortable:
            return "transaction must be aborted";
    }
    return nullptr;
}

}  // namespace

const std::error_category& client_category() {
    static const EnumErrorCategory<Errc> category("client", describe);
    return category;
}

std::error_code make_error_code(Errc e) { return {static_cast<int>(e), client_category()}; }

}  // namespace es::client
