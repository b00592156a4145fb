#pragma once

// Avro schemas: parsing with the validation of the Avro 1.11 specification, Parsing Canonical
// Form, a normalized form for identity, and the specification's schema resolution rules as a
// compatibility check. Pure code: no I/O, no libavro (serdes use libavro; this module only
// judges schemas). See README.md for the rules and the limits.

#include "base/result.h"
#include "registry/compat/compat.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace es::registry::compat {

enum class AvroType {
    null,
    boolean,
    int_,
    long_,
    float_,
    double_,
    bytes,
    string,
    record,
    enum_,
    array,
    map,
    union_,
    fixed,
};

/// "int", "record", ... as the specification spells the type.
std::string_view to_string(AvroType type);

/// Index of a node inside one AvroSchema.
using AvroNodeId = int32_t;

struct AvroField {
    std::string name;
    std::vector<std::string> aliases;
    std::string doc;
    AvroNodeId type = -1;
    /// The default as compact JSON text (already checked against the type), if any.
    std::optional<std::string> default_json;
    std::string order = "ascending";  // ascending | descending | ignore
};

/// One schema node. A named type (record, enum, fixed) exists once and every reference to it
/// is its id, so recursive schemas are cycles of ids.
struct AvroNode {
    AvroType type = AvroType::null;

    // Named types.
    std::string full_name;             // "com.acme.User"; no leading dot in the null namespace
    std::vector<std::string> aliases;  // full names, resolved against the type's namespace
    std::string doc;

    std::vector<AvroField> fields;            // record
    std::vector<std::string> symbols;         // enum
    std::optional<std::string> enum_default;  // enum
    AvroNodeId items = -1;                    // array
    AvroNodeId values = -1;                   // map
    std::vector<AvroNodeId> branches;         // union
    int64_t size = 0;                         // fixed

    /// A valid logical type ("decimal", "date", ...), or empty when there is none or it was
    /// ignored (AvroSchema::notes() says why).
    std::string logical_type;
    int32_t precision = 0;  // decimal
    int32_t scale = 0;      // decimal

    /// "User" for "com.acme.User".
    std::string_view simple_name() const;
    bool is_named() const {
        return type == AvroType::record || type == AvroType::enum_ || type == AvroType::fixed;
    }
};

/// A parsed, validated Avro schema. Copyable; nodes refer to each other by id.
class AvroSchema {
  public:
    AvroNodeId root() const { return root_; }
    const AvroNode& node(AvroNodeId id) const { return nodes_[static_cast<std::size_t>(id)]; }
    const std::vector<AvroNode>& nodes() const { return nodes_; }
    /// Every named type: full name -> id (including those imported from references).
    const std::map<std::string, AvroNodeId>& named_types() const { return names_; }
    /// Things accepted but worth knowing, each with its path: ignored logical types.
    const std::vector<std::string>& notes() const { return notes_; }

    const std::string& canonical_form() const { return canonical_; }
    const std::string& normalized_form() const { return normalized_; }

  private:
    friend class AvroParser;
    std::vector<AvroNode> nodes_;
    std::map<std::string, AvroNodeId> names_;
    std::vector<std::string> notes_;
    AvroNodeId root_ = -1;
    std::string canonical_;
    std::string normalized_;
};

/// Named types the schema may reference without defining them (the registry's "references"):
/// every named type defined anywhere in these schemas becomes available by its full name. The
/// key is the reference's name and is not interpreted.
using AvroReferences = std::map<std::string, AvroSchema>;

/// Limits for untrusted input.
inline constexpr int kAvroMaxJsonDepth = 256;     // nesting of JSON arrays and objects
inline constexpr int kAvroMaxSchemaDepth = 1000;  // nesting of definitions, and of checks

/// Parses and validates one schema (JSON text). Errc::invalid_json when the text is not JSON
/// (or too deep), Errc::invalid_schema with the JSON path of the first problem otherwise.
Result<AvroSchema> parse_avro(std::string_view json, const AvroReferences& references = {});

/// The specification's Parsing Canonical Form (computed by parse_avro).
std::string canonical_form(const AvroSchema& schema);

/// The canonical form plus what changes how data is read or interpreted: logical types with
/// precision and scale, field defaults, field order other than ascending, aliases, enum
/// defaults. Two schemas with the same normalized form are the same schema to the registry.
std::string normalized_form(const AvroSchema& schema);

/// Avro schema resolution: every reason why data written with `writer` cannot be read with
/// `reader`, empty when it can. Logical types are not compared (resolution ignores them).
std::vector<Incompatibility> avro_can_read(const AvroSchema& reader, const AvroSchema& writer);

}  // namespace es::registry::compat
