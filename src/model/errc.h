#pragma once

#include <system_error>

namespace es::model {

/// Errors of model/: record batches and records that do not follow the v2 format.
enum class Errc {
    invalid_batch = 1,        // a header field out of range, lengths that do not add up
    corrupt_batch,            // CRC32C mismatch
    unsupported_magic,        // magic other than 2
    invalid_record,           // a record inside the batch does not decode
    unsupported_compression,  // codec id 5..7
    corrupt_compressed_data,  // the codec rejected the payload
    decompressed_too_large,   // the payload inflates beyond the caller's limit
};

const std::error_category& model_category();
std::error_code make_error_code(Errc e);

}  // namespace es::model

template <>
struct std::is_error_code_enum<es::model::Errc> : std::true_type {};
