#include "registry/compat/errc.h"

#include "base/error_category.h"

namespace es::registry::compat {
namespace {

const char* describe(Errc e) {
    switch (e) {
        case Errc::invalid_json:
            return "invalid JSON";
        case Errc::invalid_schema:
            return "invalid schema";
        case Errc::invalid_level:
            return "invalid compatibility level";
    }
    return nullptr;
}

}  // namespace

const std::error_category& compat_category() {
    static const EnumErrorCategory<Errc> category("registry/compat", describe);
    return category;
}

std::error_code make_error_code(Errc e) { return {static_cast<int>(e), compat_category()}; }

}  // namespace es::registry::compat
