#pragma once

// One face for the three schema types, for the registry service and `edgestream schema check`:
// parse by type with references, an identity form, and compatibility at a level.

#include "base/result.h"
#include "registry/compat/compat.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace es::registry::compat {

enum class SchemaType { avro, json, protobuf };

/// Confluent's names: "AVRO", "JSON", "PROTOBUF".
std::string_view to_string(SchemaType type);
/// Case-insensitive; an empty text is AVRO (Confluent's default). Errc::invalid_schema otherwise.
Result<SchemaType> parse_schema_type(std::string_view text);

/// A schema that the one being parsed refers to: by name (Avro, JSON Schema) or by import path
/// (Protobuf). References come in dependency order: one may refer to those before it.
struct SchemaReference {
    std::string name;
    std::string text;
};

class ParsedSchema {
  public:
    SchemaType type() const;
    /// Equal for schemas that read and write the same data the same way: Avro's normalized
    /// form (canonical form plus defaults, aliases, order, logical types; docs dropped), JSON
    /// Schema's canonical JSON (sorted keys), Protobuf's descriptor text.
    const std::string& identity() const;
    /// Accepted but worth a warning (ignored logical types, a missing proto syntax line).
    std::vector<std::string> notes() const;

    struct Impl;

  private:
    friend Result<ParsedSchema> parse_schema(SchemaType, std::string_view,
                                             const std::vector<SchemaReference>&);
    friend std::vector<Incompatibility> can_read(const ParsedSchema&, const ParsedSchema&);
    std::shared_ptr<const Impl> impl_;
};

/// Errc::invalid_json or invalid_schema with the path of the problem; a reference that does
/// not parse names the reference.
Result<ParsedSchema> parse_schema(SchemaType type, std::string_view text,
                                  const std::vector<SchemaReference>& references = {});

/// Whether data written with `writer` reads with `reader`; schemas of different types never do.
std::vector<Incompatibility> can_read(const ParsedSchema& reader, const ParsedSchema& writer);

/// check_compatibility over parsed schemas of any one type.
CompatibilityResult check_compatibility(CompatibilityLevel level, const ParsedSchema& new_schema,
                                        const std::vector<ParsedSchema>& previous_oldest_first);

}  // namespace es::registry::compat
