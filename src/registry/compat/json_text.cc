#include "registry/compat/json_text.h"

#include "registry/compat/errc.h"

#include <nlohmann/json.hpp>

namespace es::registry::compat {

Status check_json_depth(std::string_view text, int max_depth) {
    int depth = 0;
    bool in_string = false;
    bool escaped = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max_depth) {
                return Error(Errc::invalid_json, "JSON nested deeper than " +
                                                     std::to_string(max_depth) +
                                                     " levels at byte " + std::to_string(i));
            }
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return ok_status();
}

const char* json_kind(const nlohmann::json& value) {
    using Type = nlohmann::json::value_t;
    switch (value.type()) {
        case Type::null:
            return "null";
        case Type::boolean:
            return "a boolean";
        case Type::number_integer:
        case Type::number_unsigned:
        case Type::number_float:
            return "a number";
        case Type::string:
            return "a string";
        case Type::array:
            return "an array";
        case Type::object:
            return "an object";
        case Type::binary:
        case Type::discarded:
            break;
    }
    return "an unexpected value";
}

std::string escape_pointer_token(std::string_view token) {
    std::string out;
    for (char c : token) {
        if (c == '~') {
            out += "~0";
        } else if (c == '/') {
            out += "~1";
        } else {
            out.push_back(c);
        }
    }
    return out;
}

}  // namespace es::registry::compat
