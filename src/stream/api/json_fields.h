#pragma once

// Fast decoding of flat JSON objects into structs, for sources whose records are JSON and many
// (ad events, Nexmark bids): simdjson's parser with the kernel for this CPU, a few times faster
// than nlohmann's. The caller lists the fields it wants with where each goes; other fields are
// skipped. simdjson stays inside json_fields.cc.

#include "base/result.h"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace es::stream {

struct JsonField {
    std::string_view name;
    /// Where the value goes: a string, an integer (a JSON integer), or a number (any JSON number).
    std::variant<std::string*, int64_t*, double*> target;
    bool required = true;
};

/// Decodes `in`, a JSON object, into the targets of `fields`. Errc::bad_record, naming `type`
/// and the field, when `in` is not a JSON object, a field has another JSON type than its target,
/// or a required field is missing. A field given twice takes its last value.
Status read_json_object(std::string_view in, std::span<const JsonField> fields, const char* type);

}  // namespace es::stream
