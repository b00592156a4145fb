#include "stream/state/errc.h"

#include "base/error_category.h"

#include <string>

namespace es::stream::state {
namespace {

const char* describe(Errc e) {
    switch (e) {
        case Errc::io:
            return "state I/O error";
        case Errc::corrupt:
            return "corrupt state";
        case Errc::invalid_argument:
            return "invalid argument";
        case Errc::closed:
            return "state database closed after a failed write";
    }
    return nullptr;
}

}  // namespace

const std::error_category& state_category() {
    static const EnumErrorCategory<Errc> category("stream/state", describe);
    return category;
}

std::error_code make_error_code(Errc e) { return {static_cast<int>(e), state_category()}; }

}  // namespace es::stream::state
