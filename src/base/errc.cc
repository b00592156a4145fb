#include "base/errc.h"

#include "base/error_category.h"

#include <string>

namespace es {
namespace {

const char* describe(Errc e) {
    switch (e) {
        case Errc::truncated:
            return "input truncated";
        case Errc::length_too_large:
            return "length too large";
        case Errc::invalid_length:
            return "invalid length";
        case Errc::invalid_varint:
            return "invalid varint";
        case Errc::invalid_argument:
            return "invalid argument";
        case Errc::io_error:
            return "I/O error";
        case Errc::not_found:
            return "not found";
        case Errc::no_space:
            return "no space left on device";
    }
    return nullptr;
}

}  // namespace

const std::error_category& base_category() {
    static const EnumErrorCategory<Errc> category("base", describe);
    return category;
}

std::error_code make_error_code(Errc e) { return {static_cast<int>(e), base_category()}; }

}  // namespace es
