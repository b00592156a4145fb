#pragma once

// What the JSON-based schema parsers (Avro, JSON Schema) and the registry share about JSON
// text: a nesting check before any parser sees hostile input, and JSON-pointer path tokens.

#include "base/result.h"

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <string_view>

namespace es::registry::compat {

/// Errc::invalid_json when arrays and objects nest deeper than `max_depth` (counted outside
/// strings, without parsing), so that no later recursion over the document can go deep.
Status check_json_depth(std::string_view text, int max_depth);

/// "a string", "an object", ...: what a value is, for error messages.
const char* json_kind(const nlohmann::json& value);

/// A JSON-pointer reference token (RFC 6901): "~" -> "~0", "/" -> "~1".
std::string escape_pointer_token(std::string_view token);

}  // namespace es::registry::compat
