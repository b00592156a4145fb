#include "model/errc.h"

#include "base/error_category.h"

#include <string>

namespace es::model {
namespace {

const char* describe(Errc e) {
    switch (e) {
        case Errc::invalid_batch:
            return "invalid record batch";
        case Errc::corrupt_batch:
            return "corrupt record batch (CRC mismatch)";
        case Errc::unsupported_magic:
            return "unsupported record batch magic";
        case Errc::invalid_record:
            return "invalid record";
        case Errc::unsupported_compression:
            return "unsupported compression codec";
        case Errc::corrupt_compressed_data:
            return "corrupt compressed data";
        case Errc::decompressed_too_large:
            return "decompressed data too large";
    }
    return nullptr;
}

}  // namespace

const std::error_category& model_category() {
    static const EnumErrorCategory<Errc> category("model", describe);
    return category;
}

std::error_code make_error_code(Errc e) { return {static_cast<int>(e), model_category()}; }

}  // namespace es::model
