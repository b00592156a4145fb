#pragma once

#include <system_error>

namespace es::storage {

/// Errors of storage/.
enum class Errc {
    offset_out_of_range = 1,  // below the log start offset or beyond the log end offset
    corrupt_segment,          // a segment or index that recovery could not accept
    log_failed,               // an earlier write or fdatasync failed: nothing more is accepted
                              // or reported durable until the log is reopened and recovered
    log_closed,               // the log was closed or removed
    invalid_batch,            // the batch handed to append() is not a valid v2 batch
    batch_too_large,          // a batch larger than a segment may hold
};

const std::error_category& storage_category();
std::error_code make_error_code(Errc e);

}  // namespace es::storage

template <>
struct std::is_error_code_enum<es::storage::Errc> : std::true_type {};
