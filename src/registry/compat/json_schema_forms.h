#pragma once

// How the JSON Schema compatibility check sees a schema (json_schema_compat.cc): every node as
// a "form", the shape Confluent's loader (everit) would give it: a typed schema, an enum, a not,
// a combined schema (allOf/anyOf/oneOf), the empty schema or false. A node with several of these
// is a product (allOf) of its facets, and a "type" array a sum (anyOf) of one typed facet per
// type. Internal to registry/compat; the rules themselves are in json_schema_compat.cc.

#include "registry/compat/compat.h"
#include "registry/compat/json_schema.h"
#include "registry/compat/json_text.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

namespace es::registry::compat::json_forms {

enum class Facet : uint8_t {
    whole,
    typed,
    types_sum,
    enum_,
    const_,
    not_,
    all_of,
    any_of,
    one_of,
    product
};

enum class Kind {
    empty,
    false_,
    null,
    boolean,
    object,
    array,
    number,
    string,
    enum_,
    not_,
    all,
    any,
    one
};

struct Form {
    JsonNodeId node = -1;
    Facet facet = Facet::whole;
    JsonType type = JsonType::null;  // typed facets
};

struct Sub {
    Form form;
    std::string path;  // relative to the combined schema's node
};

inline std::string number_text(double d) {
    if (std::trunc(d) == d && std::fabs(d) < 9007199254740992.0) {
        return std::to_string(static_cast<int64_t>(d));
    }
    std::ostringstream out;
    out.precision(17);
    out << d;
    return out.str();
}

inline std::string list_text(const std::vector<std::string>& items, std::size_t limit = 5) {
    std::string out;
    for (std::size_t i = 0; i < items.size() && i < limit; ++i) {
        if (i > 0) out += ", ";
        out += items[i];
    }
    if (items.size() > limit) out += ", ... (" + std::to_string(items.size()) + " in all)";
    return out;
}

inline void prefix(std::vector<Incompatibility>& list, const std::string& path) {
    for (auto& inc : list) inc.path = path + inc.path;
}

inline bool contains(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

/// One side (reader or writer) of the check: forms of its nodes.
class Side {
  public:
    explicit Side(const JsonSchema& schema) : s_(schema) {}

    const JsonSchemaNode& node(JsonNodeId id) const { return s_.node(id); }

    /// Follows $ref (the parser refused cycles of bare references).
    JsonNodeId resolve(JsonNodeId id) const {
        std::size_t steps = 0;
        while (s_.node(id).ref >= 0 && steps++ <= s_.nodes().size()) id = s_.node(id).ref;
        return id;
    }

    uint8_t inferred_types(const JsonSchemaNode& n) const {
        if (n.has_type) return n.types;
        uint8_t bits = 0;
        if (n.min_length || n.max_length || n.pattern) bits |= json_type_bit(JsonType::string);
        if (n.minimum || n.maximum || n.exclusive_minimum || n.exclusive_maximum || n.multiple_of) {
            bits |= json_type_bit(JsonType::number);
        }
        if (!n.properties.empty() || !n.pattern_properties.empty() || !n.required.empty() ||
            n.additional_properties >= 0 || n.min_properties || n.max_properties ||
            !n.dependency_arrays.empty() || !n.dependency_schemas.empty()) {
            bits |= json_type_bit(JsonType::object);
        }
        if (n.items >= 0 || !n.tuple.empty() || n.additional_items >= 0 || n.min_items ||
            n.max_items || n.unique_items) {
            bits |= json_type_bit(JsonType::array);
        }
        return bits;
    }

    std::vector<Form> facets(JsonNodeId id) const {
        const auto& n = s_.node(id);
        std::vector<Form> out;
        if (n.is_false) return out;
        uint8_t bits = inferred_types(n);
        int count = 0;
        JsonType only = JsonType::null;
        for (int t = 0; t <= static_cast<int>(JsonType::string); ++t) {
            if ((bits & json_type_bit(static_cast<JsonType>(t))) != 0) {
                ++count;
                only = static_cast<JsonType>(t);
            }
        }
        if (count == 1) out.push_back({id, Facet::typed, only});
        if (count > 1) out.push_back({id, Facet::types_sum});
        if (n.enum_values) out.push_back({id, Facet::enum_});
        if (n.const_value) out.push_back({id, Facet::const_});
        if (n.not_ >= 0) out.push_back({id, Facet::not_});
        if (!n.all_of.empty()) out.push_back({id, Facet::all_of});
        if (!n.any_of.empty()) out.push_back({id, Facet::any_of});
        if (!n.one_of.empty()) out.push_back({id, Facet::one_of});
        return out;
    }

    Form form(JsonNodeId id) const {
        id = resolve(id);
        if (s_.node(id).is_false) return {id, Facet::whole};
        auto fs = facets(id);
        if (fs.empty()) return {id, Facet::whole};
        if (fs.size() == 1) return fs[0];
        return {id, Facet::product};
    }

    Kind kind(const Form& f) const {
        switch (f.facet) {
            case Facet::whole:
                return s_.node(f.node).is_false ? Kind::false_ : Kind::empty;
            case Facet::typed:
                switch (f.type) {
                    case JsonType::null:
                        return Kind::null;
                    case JsonType::boolean:
                        return Kind::boolean;
                    case JsonType::object:
                        return Kind::object;
                    case JsonType::array:
                        return Kind::array;
                    case JsonType::number:
                    case JsonType::integer:
                        return Kind::number;
                    case JsonType::string:
                        return Kind::string;
                }
                return Kind::empty;
            case Facet::types_sum:
            case Facet::any_of:
                return Kind::any;
            case Facet::enum_:
            case Facet::const_:
                return Kind::enum_;
            case Facet::not_:
                return Kind::not_;
            case Facet::all_of:
            case Facet::product:
                return Kind::all;
            case Facet::one_of:
                return Kind::one;
        }
        return Kind::empty;
    }

    bool is_empty(JsonNodeId id) const { return kind(form(id)) == Kind::empty; }
    bool is_false(JsonNodeId id) const { return kind(form(id)) == Kind::false_; }

    /// The subschemas of a combined form, with their paths.
    std::vector<Sub> subs(const Form& f) const {
        std::vector<Sub> out;
        const auto& n = s_.node(f.node);
        auto keyword = [&](const std::vector<JsonSubschema>& list, const char* name) {
            for (const auto& s : list) {
                out.push_back(
                    {form(s.node), std::string("/") + name + "/" + std::to_string(s.index)});
            }
        };
        switch (f.facet) {
            case Facet::product:
                for (const auto& facet : facets(f.node)) out.push_back({facet, ""});
                break;
            case Facet::types_sum:
                for (int t = 0; t <= static_cast<int>(JsonType::string); ++t) {
                    if ((inferred_types(n) & json_type_bit(static_cast<JsonType>(t))) != 0) {
                        out.push_back({{f.node, Facet::typed, static_cast<JsonType>(t)}, ""});
                    }
                }
                break;
            case Facet::all_of:
                keyword(n.all_of, "allOf");
                break;
            case Facet::any_of:
                keyword(n.any_of, "anyOf");
                break;
            case Facet::one_of:
                keyword(n.one_of, "oneOf");
                break;
            default:
                break;
        }
        return out;
    }

    /// Where a combined form's keyword is, for paths.
    std::string combined_path(const Form& f) const {
        switch (f.facet) {
            case Facet::types_sum:
                return "/type";
            case Facet::all_of:
                return "/allOf";
            case Facet::any_of:
                return "/anyOf";
            case Facet::one_of:
                return "/oneOf";
            default:
                return "";
        }
    }

    std::string describe(const Form& f) const {
        const auto& n = s_.node(f.node);
        switch (kind(f)) {
            case Kind::empty:
                return "any value";
            case Kind::false_:
                return "no value (false)";
            case Kind::null:
                return "null";
            case Kind::boolean:
                return "a boolean";
            case Kind::object:
                return "an object";
            case Kind::array:
                return "an array";
            case Kind::number:
                return f.type == JsonType::integer ? "an integer" : "a number";
            case Kind::string:
                return "a string";
            case Kind::enum_:
                return f.facet == Facet::const_
                           ? "the constant " + *n.const_value
                           : "one of the enum values [" + list_text(*n.enum_values) + "]";
            case Kind::not_:
                return "a 'not' schema";
            case Kind::all:
            case Kind::any:
            case Kind::one: {
                std::vector<std::string> parts;
                for (const auto& s : subs(f)) parts.push_back(describe(s.form));
                const char* word = kind(f) == Kind::all   ? "all of"
                                   : kind(f) == Kind::any ? "any of"
                                                          : "exactly one of";
                return std::string(word) + " (" + list_text(parts, 4) + ")";
            }
        }
        return "?";
    }

  private:
    const JsonSchema& s_;
};

}  // namespace es::registry::compat::json_forms
