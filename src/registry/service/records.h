#pragma once

// Confluent Schema Registry's _schemas record format, so that a topic written by Confluent reads
// here and the other way round. Keys are JSON objects whose field order matters to compaction
// (records with byte-equal keys replace each other), so they are written in Confluent's order:
//
//   SCHEMA         {"keytype":"SCHEMA","subject":"s","version":1,"magic":1}
//                  -> {"subject","version","id","schemaType" (not for AVRO),"references",
//                      "schema","deleted"} or a tombstone (permanent delete of the version)
//   CONFIG         {"keytype":"CONFIG","subject":null|"s","magic":0}
//                  -> {"compatibilityLevel":"BACKWARD"} or a tombstone (back to the default)
//   MODE           {"keytype":"MODE","subject":null|"s","magic":0} -> {"mode":"READWRITE"}
//   DELETE_SUBJECT {"keytype":"DELETE_SUBJECT","subject":"s","magic":0}
//                  -> {"subject":"s","version":N}: versions up to N are soft-deleted
//   CLEAR_SUBJECT  {"keytype":"CLEAR_SUBJECT","subject":"s","magic":0} -> {"subject":"s"}:
//                  written after a permanent subject delete
//   NOOP           {"keytype":"NOOP","magic":0}: ignored

#include "base/result.h"
#include "registry/compat/compat.h"
#include "registry/service/types.h"

#include <optional>
#include <string>
#include <string_view>

namespace es::registry::service::records {

enum class KeyType { schema, config, mode, delete_subject, clear_subject, noop };

struct Key {
    KeyType type = KeyType::noop;
    std::optional<std::string> subject;  // nullopt: the global CONFIG or MODE
    int32_t version = 0;                 // SCHEMA only
};

std::string schema_key(const std::string& subject, int32_t version);
std::string config_key(const std::optional<std::string>& subject);
std::string mode_key(const std::optional<std::string>& subject);
std::string delete_subject_key(const std::string& subject);
std::string clear_subject_key(const std::string& subject);

std::string schema_value(const SchemaVersion& v);
std::string config_value(compat::CompatibilityLevel level);
std::string mode_value(Mode mode);
std::string delete_subject_value(const std::string& subject, int32_t version);
std::string clear_subject_value(const std::string& subject);

/// Errc::store_error naming what is wrong, for a key this registry does not understand.
Result<Key> parse_key(std::string_view text);
Result<SchemaVersion> parse_schema_value(std::string_view text);
Result<compat::CompatibilityLevel> parse_config_value(std::string_view text);
Result<Mode> parse_mode_value(std::string_view text);
/// The version up to which a DELETE_SUBJECT soft-deletes.
Result<int32_t> parse_delete_subject_value(std::string_view text);

}  // namespace es::registry::service::records
