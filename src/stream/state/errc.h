#pragma once

#include <system_error>

namespace es::stream::state {

/// Errors of stream/state. The runtime treats every one as "this task's state cannot be trusted
/// right now": abort the transaction, roll back, and for io/corrupt reopen or wipe and restore.
enum class Errc {
    io = 1,            // RocksDB or the file system failed; the message carries RocksDB's text
    corrupt,           // bytes on disk or in a changelog record that do not decode
    invalid_argument,  // a caller's value outside the documented range (store name, options)
    closed,            // a write to RocksDB failed earlier; the TaskDb must be reopened
};

const std::error_category& state_category();
std::error_code make_error_code(Errc e);

}  // namespace es::stream::state

template <>
struct std::is_error_code_enum<es::stream::state::Errc> : std::true_type {};
