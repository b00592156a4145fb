#include "stream/api/errc.h"

#include "base/error_category.h"

namespace es::stream {
namespace {

const char* describe(Errc e) {
    switch (e) {
        case Errc::bad_record:
            return "bad record";
        case Errc::invalid_topology:
            return "invalid topology";
        case Errc::unknown_job:
            return "unknown job";
        case Errc::invalid_config:
            return "invalid config";
        case Errc::state:
            return "state store failure";
        case Errc::not_copartitioned:
            return "inputs not co-partitioned";
    }
    return nullptr;
}

}  // namespace

const std::error_category& stream_category() {
    static const EnumErrorCategory<Errc> category("stream", describe);
    return category;
}

std::error_code make_error_code(Errc e) { return {static_cast<int>(e), stream_category()}; }

}  // namespace es::stream
