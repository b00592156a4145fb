#pragma once

#include <system_error>

namespace es::registry::compat {

/// Errors of registry/compat. The registry answers every one with 42201 (invalid schema) or
/// 42203 (invalid compatibility level); the CLI exits with 2.
enum class Errc {
    invalid_json = 1,  // the text is not JSON, or is nested deeper than the parser allows
    invalid_schema,    // valid JSON that is not a valid schema; the message names the path
    invalid_level,     // not one of Confluent's compatibility level names
};

const std::error_category& compat_category();
std::error_code make_error_code(Errc e);

}  // namespace es::registry::compat

template <>
struct std::is_error_code_enum<es::registry::compat::Errc> : std::true_type {};
