#include "storage/errc.h"

#include "base/error_category.h"

#include <string>

namespace es::storage {
namespace {

const char* describe(Errc e) {
    switch (e) {
        case Errc::offset_out_of_range:
            return "offset out of range";
        case Errc::corrupt_segment:
            return "corrupt segment";
        case Errc::log_failed:
            return "log failed after an I/O error";
        case Errc::log_closed:
            return "log closed";
        case Errc::invalid_batch:
            return "invalid record batch";
        case Errc::batch_too_large:
            return "record batch too large";
    }
    return nullptr;
}

}  // namespace

const std::error_category& storage_category() {
    static const EnumErrorCategory<Errc> category("storage", describe);
    return category;
}

std::error_code make_error_code(Errc e) { return {static_cast<int>(e), storage_category()}; }

}  // namespace es::storage
