#pragma once

#include <system_error>

namespace es::kafka::protocol {

/// Errors of kafka/protocol: frames that do not decode.
enum class Errc {
    malformed = 1,        // a field does not decode, or bytes are left over
    unsupported_version,  // an API version the codec does not implement
    unknown_api,          // an API key the codec does not know
};

const std::error_category& protocol_category();
std::error_code make_error_code(Errc e);

}  // namespace es::kafka::protocol

template <>
struct std::is_error_code_enum<es::kafka::protocol::Errc> : std::true_type {};
