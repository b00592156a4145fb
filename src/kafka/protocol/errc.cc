#include "kafka/protocol/errc.h"

#include "base/error_category.h"

#include <string>

namespace es::kafka::protocol {
namespace {

const char* describe(Errc e) {
    switch (e) {
        case Errc::malformed:
            return "malformed request";
        case Errc::unsupported_version:
            return "unsupported API version";
        case Errc::unknown_api:
            return "unknown API key";
    }
    return nullptr;
}

}  // namespace

const std::error_category& protocol_category() {
    static const EnumErrorCategory<Errc> category("kafka-protocol", describe);
    return category;
}

std::error_code make_error_code(Errc e) { return {static_cast<int>(e), protocol_category()}; }

}  // namespace es::kafka::protocol
