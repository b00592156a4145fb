#pragma once

// JSON Schema (draft-07 first; the keywords of drafts 4, 6, 2019-09 and 2020-12 where they
// coincide): parsing with validation of the keywords that matter for compatibility, $ref
// resolution (local JSON pointers, anchors, and the registry's schema references), a canonical
// form for identity, and Confluent Schema Registry's compatibility rules (open, closed and
// partially open content models). Pure code, no I/O. See README.md for the rules and limits.

#include "base/result.h"
#include "registry/compat/compat.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace es::registry::compat {

/// Index of a node inside one JsonSchema.
using JsonNodeId = int32_t;

/// The seven JSON Schema type names, as bits of JsonSchemaNode::types.
enum class JsonType : uint8_t { null, boolean, object, array, number, integer, string };

/// "null", "boolean", "object", ... as JSON Schema spells the type.
std::string_view to_string(JsonType type);

inline constexpr uint8_t json_type_bit(JsonType t) {
    return static_cast<uint8_t>(1u << static_cast<unsigned>(t));
}

/// A subschema inside an applicator keyword, with its index as written (allOf/anyOf/oneOf keep
/// only the first of identical subschemas, so indexes may skip).
struct JsonSubschema {
    std::size_t index = 0;
    JsonNodeId node = -1;
};

/// One schema location (an object or boolean schema). Only the keywords that the compatibility
/// check uses are kept; everything else stays in the canonical form.
struct JsonSchemaNode {
    /// Which document (0 = the schema itself, others = references) and the JSON pointer of the
    /// node inside it ("" = the document root).
    int32_t document = 0;
    std::string pointer;

    bool is_false = false;  // the boolean schema false
    JsonNodeId ref = -1;    // $ref target (siblings of $ref are ignored, as in draft-07)
    std::string ref_text;   // $ref as written
    bool has_default = false;

    bool has_type = false;
    uint8_t types = 0;  // json_type_bit()s of "type"

    std::optional<std::vector<std::string>> enum_values;  // canonical JSON of each value
    std::optional<std::string> const_value;               // canonical JSON

    // string
    std::optional<double> min_length, max_length;
    std::optional<std::string> pattern;
    // number
    std::optional<double> minimum, maximum, exclusive_minimum, exclusive_maximum, multiple_of;
    // object
    std::vector<std::pair<std::string, JsonNodeId>> properties;  // sorted by name
    std::vector<std::pair<std::string, JsonNodeId>> pattern_properties;
    std::vector<std::string> required;
    JsonNodeId additional_properties = -1;  // -1: absent
    std::optional<double> min_properties, max_properties;
    /// "dependencies"/"dependentRequired" arrays and "dependencies"/"dependentSchemas" schemas;
    /// the string is the keyword used, for paths.
    std::map<std::string, std::pair<std::string, std::vector<std::string>>> dependency_arrays;
    std::map<std::string, std::pair<std::string, JsonNodeId>> dependency_schemas;
    // array
    JsonNodeId items = -1;             // "items" as one schema for every item
    std::vector<JsonNodeId> tuple;     // "items" as an array, or "prefixItems"
    std::string tuple_keyword;         // "items" or "prefixItems"
    JsonNodeId additional_items = -1;  // "additionalItems", or "items" after "prefixItems"
    std::string additional_items_keyword;
    std::optional<double> min_items, max_items;
    bool unique_items = false;
    // applicators
    std::vector<JsonSubschema> all_of, any_of, one_of;
    JsonNodeId not_ = -1;
};

/// A parsed, validated JSON Schema with every $ref resolved. Copyable.
class JsonSchema {
  public:
    JsonNodeId root() const { return root_; }
    const JsonSchemaNode& node(JsonNodeId id) const { return nodes_[static_cast<std::size_t>(id)]; }
    const std::vector<JsonSchemaNode>& nodes() const { return nodes_; }
    /// Document names: [0] is "" (this schema), then each reference that was used.
    const std::vector<std::string>& document_names() const { return document_names_; }
    /// Things accepted but worth knowing, each with its path (unknown $schema, patterns the
    /// checker cannot evaluate, ...).
    const std::vector<std::string>& notes() const { return notes_; }
    /// Sorted keys, no whitespace, integral numbers written as integers: two schemas with the
    /// same canonical form are the same schema to the registry.
    const std::string& canonical_form() const { return canonical_; }

  private:
    friend class JsonSchemaParser;
    std::vector<JsonSchemaNode> nodes_;
    std::vector<std::string> document_names_;
    std::vector<std::string> documents_;  // canonical text of each document
    std::vector<std::string> notes_;
    JsonNodeId root_ = -1;
    std::string canonical_;
};

/// Schemas that $ref may name (the registry's schema references): the key is the reference
/// name, matched against the part of a $ref before '#' (as written, or resolved against the
/// referring document's $id), or against the referenced schema's own root $id.
using JsonSchemaReferences = std::map<std::string, JsonSchema>;

/// Limits for untrusted input.
inline constexpr int kJsonSchemaMaxJsonDepth = 256;   // nesting of JSON arrays and objects
inline constexpr int kJsonSchemaMaxCheckDepth = 500;  // nested steps of the compatibility check
inline constexpr std::size_t kJsonSchemaMaxPatternSubject = 256;  // property names matched

/// Parses and validates one schema (JSON text). Errc::invalid_json when the text is not JSON
/// (or nested too deep), Errc::invalid_schema with the JSON pointer of the first problem.
Result<JsonSchema> parse_json_schema(std::string_view text, const JsonSchemaReferences& refs = {});

/// The canonical form (computed by parse_json_schema).
std::string canonical_form(const JsonSchema& schema);

/// Confluent Schema Registry's JSON Schema rules: every reason why data valid under `writer`
/// may be invalid under `reader` (Confluent's incompatible Difference types), empty when none.
/// Paths are JSON pointers walked through the reader schema; "/" is the root.
std::vector<Incompatibility> json_schema_can_read(const JsonSchema& reader,
                                                  const JsonSchema& writer);

}  // namespace es::registry::compat
