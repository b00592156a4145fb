#pragma once

#include "base/result.h"
#include "registry/compat/compat.h"
#include "registry/compat/schema.h"
#include "registry/service/schema_log.h"
#include "registry/service/types.h"

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace es::registry::service {

/// A version selector of the REST API: a number >= 1, or the latest.
inline constexpr int32_t kLatestVersion = -1;

/// What a client sends to register, look up or check a schema.
struct SchemaRequest {
    std::string schema;
    compat::SchemaType type = compat::SchemaType::avro;
    std::vector<Reference> references;
    bool normalize = false;
    std::optional<int32_t> id;       // IMPORT mode only
    std::optional<int32_t> version;  // IMPORT mode only
};

/// A schema by its global id.
struct SchemaById {
    int32_t id = 0;
    compat::SchemaType type = compat::SchemaType::avro;
    std::string schema;
    std::vector<Reference> references;
};

struct CompatibilityVerdict {
    bool compatible = true;
    std::vector<std::string> messages;  // the reasons, when incompatible
};

/// Confluent Schema Registry's logic without HTTP: subjects, versions, global ids, config,
/// mode, compatibility, references, soft and permanent deletes. The state is built only from
/// the log's records (apply()); a write checks against the state, appends its records, and
/// returns once the log has applied them.
///
/// Ids are global: a schema (type, identity form from registry/compat, references) has one id
/// under every subject; ids start at 1 and grow. Errors carry Errc values equal to Confluent's
/// error codes, with Confluent's messages.
///
/// Runs on: any thread; reads share a state lock with apply(), writes are serialized.
class Registry {
  public:
    explicit Registry(SchemaLog& log);
    ~Registry();
    Registry(const Registry&) = delete;
    Registry& operator=(const Registry&) = delete;

    /// Replays the log (SchemaLog::start) into the state.
    Status start();

    // --- subjects and versions ----------------------------------------------------------------

    /// Registers the schema under the subject, or returns the id of the version it already
    /// has there. Errc::invalid_schema, incompatible (with the reasons), operation_not_permitted
    /// (READONLY mode; an id outside IMPORT mode), and the log's errors.
    Result<int32_t> register_schema(const std::string& subject, const SchemaRequest& request);
    /// The subject's version holding this schema (soft-deleted ones only with `deleted`).
    Result<SchemaVersion> lookup(const std::string& subject, const SchemaRequest& request,
                                 bool deleted) const;
    std::vector<std::string> subjects(bool deleted, const std::string& prefix = {}) const;
    Result<std::vector<int32_t>> versions(const std::string& subject, bool deleted) const;
    /// `version` is a number or kLatestVersion.
    Result<SchemaVersion> get_version(const std::string& subject, int32_t version,
                                      bool deleted) const;
    /// Ids of the schemas whose references name this version.
    Result<std::vector<int32_t>> referenced_by(const std::string& subject, int32_t version) const;
    /// Soft delete, or with `permanent` (only after a soft delete) removal. Returns the version.
    Result<int32_t> delete_version(const std::string& subject, int32_t version, bool permanent);
    /// Returns the versions deleted.
    Result<std::vector<int32_t>> delete_subject(const std::string& subject, bool permanent);

    // --- schemas by id --------------------------------------------------------------------------

    Result<SchemaById> schema_by_id(int32_t id) const;
    Result<std::vector<std::string>> subjects_of_id(int32_t id, bool deleted) const;
    Result<std::vector<std::pair<std::string, int32_t>>> versions_of_id(int32_t id,
                                                                        bool deleted) const;

    // --- config and mode (nullopt subject: global) -----------------------------------------------

    /// The global level (default BACKWARD), or the subject's (Errc::subject_level_not_configured
    /// when it has none, unless `default_to_global`).
    Result<compat::CompatibilityLevel> level(const std::optional<std::string>& subject,
                                             bool default_to_global) const;
    Status set_level(const std::optional<std::string>& subject, compat::CompatibilityLevel level);
    /// Removes the setting; returns the level it had (the global one when none was set).
    Result<compat::CompatibilityLevel> delete_level(const std::optional<std::string>& subject);

    Result<Mode> mode(const std::optional<std::string>& subject, bool default_to_global) const;
    /// IMPORT needs an empty registry (or subject) unless `force`.
    Status set_mode(const std::optional<std::string>& subject, Mode mode, bool force);
    Result<Mode> delete_mode(const std::optional<std::string>& subject);

    // --- compatibility
    // ----------------------------------------------------------------------------

    /// Checks the schema against one version, or with kLatestVersion against the versions the
    /// subject's level looks at (latest, or all for *_TRANSITIVE). A subject without versions
    /// is compatible for kLatestVersion and Errc::subject_not_found for a number.
    Result<CompatibilityVerdict> check(const std::string& subject, int32_t version,
                                       const SchemaRequest& request) const;

    /// Applies one record of the log (the SchemaLog callback). Records it cannot understand are
    /// logged and skipped.
    void apply(const LogRecord& record);

  private:
    struct Subject {
        std::map<int32_t, SchemaVersion> versions;
    };
    struct IdEntry {
        SchemaById schema;
        std::set<std::pair<std::string, int32_t>> users;  // (subject, version) holding it
    };
    struct Prepared;

    // All of these expect state_mutex_ held.
    Result<Prepared> prepare(const SchemaRequest& request) const;
    Result<std::vector<compat::SchemaReference>> resolve(const std::vector<Reference>& refs,
                                                         int depth) const;
    Result<compat::ParsedSchema> parse_version(const SchemaVersion& v) const;
    const SchemaVersion* find_version(const std::string& subject, int32_t version,
                                      bool deleted) const;
    Result<const SchemaVersion*> version_or_error(const std::string& subject, int32_t version,
                                                  bool deleted) const;
    compat::CompatibilityLevel effective_level(const std::string& subject) const;
    Mode effective_mode(const std::string& subject) const;
    Status check_writable(const std::string& subject) const;
    bool referenced(const std::string& subject, int32_t version) const;
    Result<CompatibilityVerdict> check_locked(
        const std::string& subject, const compat::ParsedSchema& parsed,
        const std::vector<const SchemaVersion*>& previous) const;
    void put_version(SchemaVersion v);
    void remove_version(const std::string& subject, int32_t version);

    Status write(std::vector<LogRecord> records);

    SchemaLog& log_;
    std::mutex write_mutex_;          // one write at a time: decide, append, apply
    mutable std::mutex state_mutex_;  // guards everything below
    std::map<std::string, Subject> subjects_;
    std::map<int32_t, IdEntry> ids_;
    std::map<std::string, int32_t> identities_;  // identity key -> id
    std::map<int32_t, std::string> identity_of_id_;
    int32_t max_id_ = 0;
    std::optional<compat::CompatibilityLevel> global_level_;
    std::map<std::string, compat::CompatibilityLevel> subject_levels_;
    std::optional<Mode> global_mode_;
    std::map<std::string, Mode> subject_modes_;
};

}  // namespace es::registry::service
