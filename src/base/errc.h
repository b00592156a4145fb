#pragma once

#include <system_error>

namespace es {

/// Errors of base/: decoding untrusted bytes and talking to the operating system.
enum class Errc {
    truncated = 1,     // fewer bytes left than the field needs
    length_too_large,  // a length prefix beyond what is left or beyond the allowed maximum
    invalid_length,    // a negative length where null is not allowed
    invalid_varint,    // a varint longer than its type allows
    invalid_argument,  // a caller passed a value outside the documented range
    io_error,          // a system call failed; the message names it and errno's text
    not_found,         // a file or entry that was expected is absent
    no_space,          // ENOSPC / EDQUOT
};

const std::error_category& base_category();
std::error_code make_error_code(Errc e);

}  // namespace es

template <>
struct std::is_error_code_enum<es::Errc> : std::true_type {};
