#include "registry/serdes/errc.h"

#include "base/error_category.h"

namespace es::registry::serdes {
namespace {

const char* describe(Errc e) {
    switch (e) {
        case Errc::bad_data:
            return "bad data";
        case Errc::unknown_schema:
            return "unknown schema id";
        case Errc::wrong_schema_type:
            return "wrong schema type";
        case Errc::registry_unavailable:
            return "schema registry unavailable";
        case Errc::registry_refused:
            return "schema registry refused the request";
        case Errc::invalid_schema:
            return "invalid schema";
    }
    return nullptr;
}

}  // namespace

const std::error_category& serdes_category() {
    static const EnumErrorCategory<Errc> category("registry/serdes", describe);
    return category;
}

std::error_code make_error_code(Errc e) { return {static_cast<int>(e), serdes_category()}; }

}  // namespace es::registry::serdes
