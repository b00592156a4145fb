#pragma once

// The registry's vocabulary: versions of subjects, references, modes, and the records of the
// _schemas log (Confluent's JSON key and value, as bytes).

#include "base/result.h"
#include "registry/compat/schema.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace es::registry::service {

/// Confluent's modes: READWRITE (default), READONLY (no writes), IMPORT (writes with explicit
/// ids and versions, for migrating a registry).
enum class Mode { readwrite, readonly, import };
std::string_view to_string(Mode mode);
/// Case-insensitive; Errc::invalid_mode otherwise.
Result<Mode> parse_mode(std::string_view text);

/// A schema's reference to a version of another subject, under the name the schema uses for it
/// (an Avro full name, a JSON Schema $ref, a Protobuf import path).
struct Reference {
    std::string name;
    std::string subject;
    int32_t version = 0;

    friend bool operator==(const Reference&, const Reference&) = default;
};

/// One version of a subject: Confluent's SchemaValue.
struct SchemaVersion {
    std::string subject;
    int32_t version = 0;
    int32_t id = 0;
    compat::SchemaType type = compat::SchemaType::avro;
    std::string schema;
    std::vector<Reference> references;
    bool deleted = false;  // soft-deleted
};

/// A record of the _schemas log: a JSON key, and a JSON value or a tombstone.
struct LogRecord {
    std::string key;
    std::optional<std::string> value;

    friend bool operator==(const LogRecord&, const LogRecord&) = default;
};

}  // namespace es::registry::service
