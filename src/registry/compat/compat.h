#pragma once

// The compatibility vocabulary shared by every schema type (Avro, JSON Schema, Protobuf):
// Confluent's levels, one incompatibility with its path and rule, and the level semantics
// applied to any pairwise "can this reader read that writer" check.

#include "base/result.h"

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace es::registry::compat {

/// Confluent Schema Registry's compatibility levels.
enum class CompatibilityLevel {
    none,
    backward,             // the new schema reads data written with the latest version
    backward_transitive,  // ... with every previous version
    forward,              // the latest version reads data written with the new schema
    forward_transitive,   // every previous version reads data written with the new schema
    full,                 // backward and forward against the latest version
    full_transitive,      // backward and forward against every previous version
};

/// Confluent's name: "NONE", "BACKWARD", "BACKWARD_TRANSITIVE", ...
std::string_view to_string(CompatibilityLevel level);

/// Parses Confluent's names case-insensitively; Errc::invalid_level otherwise.
Result<CompatibilityLevel> parse_compatibility_level(std::string_view text);

/// One reason why a reader schema cannot read data written with a writer schema.
struct Incompatibility {
    /// JSON-pointer-like location of the problem, walked from the root of the reader schema as
    /// Avro's SchemaCompatibility walks it: "/fields/2/type" (reader field 2), "/items",
    /// "/values", "/symbols", "/size", "/name", and a writer union's branch index ("/1"). "/"
    /// is the root.
    std::string path;
    /// A stable identifier, Confluent's Avro names where they exist: TYPE_MISMATCH,
    /// READER_FIELD_MISSING_DEFAULT_VALUE, MISSING_UNION_BRANCH, MISSING_ENUM_SYMBOLS,
    /// NAME_MISMATCH, FIXED_SIZE_MISMATCH; SCHEMA_TOO_DEEP when the check gave up.
    std::string rule;
    /// A sentence a person can act on, in terms of "reader" and "writer".
    std::string message;

    friend bool operator==(const Incompatibility&, const Incompatibility&) = default;
};

/// An incompatibility of the new schema with one previous version, in one direction.
struct CompatibilityIssue {
    std::size_t previous_index = 0;  // into previous_versions_oldest_first
    bool new_is_reader = true;       // true: backward direction (new reads previous)
    Incompatibility incompatibility;
};

/// "new schema (reader) vs previous version 2 of 3 (writer): /fields/1: READER_FIELD_...: ..."
std::string to_string(const CompatibilityIssue& issue, std::size_t previous_count);

struct CompatibilityResult {
    std::vector<CompatibilityIssue> issues;  // every direction and version checked, in order
    bool compatible() const { return issues.empty(); }
};

/// can_read(reader_is_new, previous_index): the incompatibilities of reading with the one
/// schema data written with the other. reader_is_new says which side reads.
using PairwiseCheck =
    std::function<std::vector<Incompatibility>(bool reader_is_new, std::size_t previous_index)>;

/// Applies the level to a history of previous_count versions (oldest first): BACKWARD and
/// FORWARD check the latest only, *_TRANSITIVE every previous version (oldest first), FULL both
/// directions, NONE nothing. An empty history is always compatible.
CompatibilityResult check_compatibility(CompatibilityLevel level, std::size_t previous_count,
                                        const PairwiseCheck& can_read);

/// The same over concrete schemas: can_read(const S& reader, const S& writer) returns
/// std::vector<Incompatibility>; previous is any random-access range of S (oldest first).
template <class S, class Range, class CanRead>
CompatibilityResult check_compatibility(CompatibilityLevel level, const S& new_schema,
                                        const Range& previous_versions_oldest_first,
                                        CanRead&& can_read) {
    return check_compatibility(
        level, std::size(previous_versions_oldest_first),
        [&](bool reader_is_new, std::size_t i) -> std::vector<Incompatibility> {
            const S& old_schema = previous_versions_oldest_first[i];
            return reader_is_new ? can_read(new_schema, old_schema)
                                 : can_read(old_schema, new_schema);
        });
}

}  // namespace es::registry::compat
