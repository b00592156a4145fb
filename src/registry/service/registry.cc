#include "registry/service/registry.h"

#include "base/log.h"
#include "registry/service/errc.h"
#include "registry/service/records.h"

#include <algorithm>
#include <cctype>

namespace es::registry::service {
namespace {

const log::Logger registry_log{"registry"};

constexpr int kMaxReferenceDepth = 32;

std::string identity_key(compat::SchemaType type, const std::string& identity,
                         const std::vector<Reference>& refs) {
    std::string key(to_string(type));
    key += '\0';
    key += identity;
    for (const auto& r : refs) {
        key += '\0';
        key += r.name;
        key += '\0';
        key += r.subject;
        key += '\0';
        key += std::to_string(r.version);
    }
    return key;
}

std::string quoted(const std::string& subject) { return "'" + subject + "'"; }

Error subject_not_found(const std::string& subject) {
    return Error(Errc::subject_not_found, "Subject " + quoted(subject) + " not found.");
}

Error version_not_found(int32_t version) {
    return Error(Errc::version_not_found, "Version " + std::to_string(version) + " not found.");
}

Error schema_not_found(std::optional<int32_t> id = std::nullopt) {
    return Error(Errc::schema_not_found,
                 id ? "Schema " + std::to_string(*id) + " not found" : "Schema not found");
}

Error reference_exists(const std::string& subject, int32_t version) {
    return Error(Errc::reference_exists,
                 "One or more references exist to the schema {magic=1,keytype=SCHEMA,subject=" +
                     subject + ",version=" + std::to_string(version) + "}.");
}

}  // namespace

std::string_view to_string(Mode mode) {
    switch (mode) {
        case Mode::readwrite:
            return "READWRITE";
        case Mode::readonly:
            return "READONLY";
        case Mode::import:
            return "IMPORT";
    }
    return "READWRITE";
}

Result<Mode> parse_mode(std::string_view text) {
    std::string upper(text);
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (upper == "READWRITE") return Mode::readwrite;
    if (upper == "READONLY") return Mode::readonly;
    if (upper == "IMPORT") return Mode::import;
    return Error(Errc::invalid_mode, "Invalid mode. Valid values are READWRITE, READONLY, IMPORT");
}

struct Registry::Prepared {
    compat::ParsedSchema parsed;
    std::string key;   // identity_key()
    std::string text;  // what is stored: the request's text, or the normalized form
    std::vector<Reference> references;
};

Registry::Registry(SchemaLog& log) : log_(log) {}
Registry::~Registry() = default;

Status Registry::start() {
    return log_.start([this](const LogRecord& r) { apply(r); });
}

Status Registry::write(std::vector<LogRecord> records) { return log_.append(records); }

// --- state helpers (state_mutex_ held) ---------------------------------------------------------

Result<std::vector<compat::SchemaReference>> Registry::resolve(const std::vector<Reference>& refs,
                                                               int depth) const {
    std::vector<compat::SchemaReference> out;
    if (depth > kMaxReferenceDepth) {
        return Error(Errc::invalid_schema, "Invalid schema: references nested too deeply");
    }
    auto add = [&out](compat::SchemaReference r) {
        for (const auto& o : out) {
            if (o.name == r.name) return;
        }
        out.push_back(std::move(r));
    };
    for (const auto& ref : refs) {
        const SchemaVersion* v = find_version(ref.subject, ref.version, true);
        if (v == nullptr) {
            return Error(Errc::invalid_schema, "Invalid schema: reference '" + ref.name +
                                                   "' names subject '" + ref.subject +
                                                   "' version " + std::to_string(ref.version) +
                                                   ", which does not exist");
        }
        ES_TRY(auto nested, resolve(v->references, depth + 1));
        for (auto& n : nested) add(std::move(n));
        add({ref.name, v->schema});
    }
    return out;
}

Result<compat::ParsedSchema> Registry::parse_version(const SchemaVersion& v) const {
    ES_TRY(auto refs, resolve(v.references, 0));
    return compat::parse_schema(v.type, v.schema, refs);
}

Result<Registry::Prepared> Registry::prepare(const SchemaRequest& request) const {
    if (request.schema.empty()) return Error(Errc::invalid_schema, "Empty schema");
    Prepared p;
    for (const auto& r : request.references) {
        if (r.name.empty() || r.subject.empty()) {
            return Error(Errc::invalid_schema,
                         "Invalid schema: a reference needs a name and a subject");
        }
        Reference concrete = r;
        if (r.version == kLatestVersion) {
            const SchemaVersion* latest = find_version(r.subject, kLatestVersion, false);
            if (latest != nullptr) concrete.version = latest->version;
        } else if (r.version < 1) {
            return Error(Errc::invalid_schema, "Invalid schema: reference '" + r.name +
                                                   "' has invalid version " +
                                                   std::to_string(r.version));
        }
        p.references.push_back(std::move(concrete));
    }
    ES_TRY(auto resolved, resolve(p.references, 0));
    auto parsed = compat::parse_schema(request.type, request.schema, resolved);
    if (!parsed.ok()) {
        return Error(Errc::invalid_schema, "Invalid schema " + parsed.error().message());
    }
    p.parsed = std::move(parsed).value();
    p.key = identity_key(request.type, p.parsed.identity(), p.references);
    p.text = request.schema;
    if (request.normalize && request.type != compat::SchemaType::protobuf) {
        // Store the normalized form only when it reads back as the same schema.
        auto again = compat::parse_schema(request.type, p.parsed.identity(), resolved);
        if (again.ok() && again->identity() == p.parsed.identity()) p.text = p.parsed.identity();
    }
    return p;
}

const SchemaVersion* Registry::find_version(const std::string& subject, int32_t version,
                                            bool deleted) const {
    auto it = subjects_.find(subject);
    if (it == subjects_.end()) return nullptr;
    const auto& versions = it->second.versions;
    if (version == kLatestVersion) {
        for (auto v = versions.rbegin(); v != versions.rend(); ++v) {
            if (deleted || !v->second.deleted) return &v->second;
        }
        return nullptr;
    }
    auto v = versions.find(version);
    if (v == versions.end() || (v->second.deleted && !deleted)) return nullptr;
    return &v->second;
}

Result<const SchemaVersion*> Registry::version_or_error(const std::string& subject, int32_t version,
                                                        bool deleted) const {
    if (find_version(subject, kLatestVersion, deleted) == nullptr) {
        return subject_not_found(subject);
    }
    const SchemaVersion* v = find_version(subject, version, deleted);
    if (v == nullptr) return version_not_found(version);
    return v;
}

compat::CompatibilityLevel Registry::effective_level(const std::string& subject) const {
    if (auto it = subject_levels_.find(subject); it != subject_levels_.end()) return it->second;
    return global_level_.value_or(compat::CompatibilityLevel::backward);
}

Mode Registry::effective_mode(const std::string& subject) const {
    if (auto it = subject_modes_.find(subject); it != subject_modes_.end()) return it->second;
    return global_mode_.value_or(Mode::readwrite);
}

Status Registry::check_writable(const std::string& subject) const {
    if (effective_mode(subject) == Mode::readonly) {
        return Error(Errc::operation_not_permitted,
                     "Subject " + quoted(subject) + " is in read-only mode");
    }
    return ok_status();
}

bool Registry::referenced(const std::string& subject, int32_t version) const {
    for (const auto& [name, s] : subjects_) {
        for (const auto& [n, v] : s.versions) {
            for (const auto& r : v.references) {
                if (r.subject == subject && r.version == version) return true;
            }
        }
    }
    return false;
}

Result<CompatibilityVerdict> Registry::check_locked(
    const std::string& subject, const compat::ParsedSchema& parsed,
    const std::vector<const SchemaVersion*>& previous) const {
    std::vector<compat::ParsedSchema> history;
    for (const SchemaVersion* v : previous) {
        auto p = parse_version(*v);
        if (!p.ok()) {
            registry_log.warn("subject {} version {} does not parse, not checked against: {}",
                              v->subject, v->version, p.error().to_string());
            continue;
        }
        history.push_back(std::move(p).value());
    }
    auto result = compat::check_compatibility(effective_level(subject), parsed, history);
    CompatibilityVerdict verdict;
    verdict.compatible = result.compatible();
    for (const auto& issue : result.issues) {
        verdict.messages.push_back(compat::to_string(issue, history.size()));
    }
    return verdict;
}

// --- writes
// ---------------------------------------------------------------------------------------

Result<int32_t> Registry::register_schema(const std::string& subject,
                                          const SchemaRequest& request) {
    std::lock_guard write_lock(write_mutex_);
    SchemaVersion v;
    {
        std::lock_guard lock(state_mutex_);
        Mode mode = effective_mode(subject);
        if (mode == Mode::readonly) {
            return Error(Errc::operation_not_permitted,
                         "Subject " + quoted(subject) + " is in read-only mode");
        }
        if ((request.id || request.version) && mode != Mode::import) {
            return Error(Errc::operation_not_permitted,
                         "Subject " + quoted(subject) +
                             " is not in import mode: an id or version cannot be given");
        }
        ES_TRY(Prepared p, prepare(request));
        std::vector<const SchemaVersion*> live;
        int32_t max_version = 0;
        if (auto it = subjects_.find(subject); it != subjects_.end()) {
            for (const auto& [n, existing] : it->second.versions) {
                max_version = std::max(max_version, n);
                if (existing.deleted) continue;
                live.push_back(&existing);
                auto idk = identity_of_id_.find(existing.id);
                if (idk != identity_of_id_.end() && idk->second == p.key &&
                    (!request.id || *request.id == existing.id)) {
                    return existing.id;  // already registered here: no new version
                }
            }
        }
        if (mode != Mode::import && !live.empty()) {
            std::vector<const SchemaVersion*> previous = live;
            ES_TRY(auto verdict, check_locked(subject, p.parsed, previous));
            if (!verdict.compatible) {
                std::string details;
                for (const auto& m : verdict.messages) details += (details.empty() ? "" : "; ") + m;
                return Error(Errc::incompatible,
                             "Schema being registered is incompatible with an earlier schema for "
                             "subject \"" +
                                 subject + "\", details: [" + details + "]");
            }
        }
        if (request.id) {
            if (*request.id < 1) {
                return Error(Errc::invalid_schema, "Invalid id " + std::to_string(*request.id));
            }
            auto idk = identity_of_id_.find(*request.id);
            if (idk != identity_of_id_.end() && idk->second != p.key) {
                return Error(Errc::operation_not_permitted, "Overwrite new schema with id " +
                                                                std::to_string(*request.id) +
                                                                " is not permitted.");
            }
            v.id = *request.id;
        } else if (auto known = identities_.find(p.key); known != identities_.end()) {
            v.id = known->second;
        } else {
            v.id = max_id_ + 1;
        }
        if (request.version) {
            if (*request.version < 1) {
                return Error(Errc::invalid_version, "The specified version '" +
                                                        std::to_string(*request.version) +
                                                        "' is not a valid version id.");
            }
            if (find_version(subject, *request.version, true) != nullptr) {
                return Error(Errc::operation_not_permitted,
                             "Version " + std::to_string(*request.version) + " of subject " +
                                 quoted(subject) + " already exists");
            }
            v.version = *request.version;
        } else {
            v.version = max_version + 1;
        }
        v.subject = subject;
        v.type = request.type;
        v.schema = p.text;
        v.references = p.references;
    }
    ES_CHECK(write({{records::schema_key(subject, v.version), records::schema_value(v)}}));
    return v.id;
}

Result<int32_t> Registry::delete_version(const std::string& subject, int32_t version,
                                         bool permanent) {
    std::lock_guard write_lock(write_mutex_);
    LogRecord record;
    int32_t number = 0;
    {
        std::lock_guard lock(state_mutex_);
        ES_CHECK(check_writable(subject));
        // A numbered version is found soft-deleted or not (to answer 40406); "latest" is the
        // latest live one, or for a permanent delete the latest of all.
        bool any = permanent || version != kLatestVersion;
        ES_TRY(const SchemaVersion* v, version_or_error(subject, version, any));
        number = v->version;
        if (!permanent && v->deleted) {
            return Error(Errc::version_soft_deleted,
                         "Subject " + quoted(subject) + " Version " + std::to_string(number) +
                             " was soft deleted.Set permanent=true to delete permanently");
        }
        if (permanent && !v->deleted) {
            return Error(Errc::version_not_soft_deleted,
                         "Subject " + quoted(subject) + " Version " + std::to_string(number) +
                             " was not deleted first before being permanently deleted");
        }
        if (referenced(subject, number)) return reference_exists(subject, number);
        record.key = records::schema_key(subject, number);
        if (!permanent) {
            SchemaVersion copy = *v;
            copy.deleted = true;
            record.value = records::schema_value(copy);
        }
    }
    ES_CHECK(write({record}));
    return number;
}

Result<std::vector<int32_t>> Registry::delete_subject(const std::string& subject, bool permanent) {
    std::lock_guard write_lock(write_mutex_);
    std::vector<LogRecord> out;
    std::vector<int32_t> deleted;
    {
        std::lock_guard lock(state_mutex_);
        ES_CHECK(check_writable(subject));
        auto it = subjects_.find(subject);
        if (it == subjects_.end() || it->second.versions.empty()) {
            return subject_not_found(subject);
        }
        const auto& versions = it->second.versions;
        bool any_live = std::any_of(versions.begin(), versions.end(),
                                    [](const auto& v) { return !v.second.deleted; });
        for (const auto& [n, v] : versions) {
            if (referenced(subject, n)) return reference_exists(subject, n);
        }
        if (!permanent) {
            if (!any_live) {
                return Error(Errc::subject_soft_deleted,
                             "Subject " + quoted(subject) +
                                 " was soft deleted.Set permanent=true to delete permanently");
            }
            for (const auto& [n, v] : versions) {
                if (!v.deleted) deleted.push_back(n);
            }
            out.push_back({records::delete_subject_key(subject),
                           records::delete_subject_value(subject, versions.rbegin()->first)});
            if (subject_levels_.count(subject)) {
                out.push_back({records::config_key(subject), std::nullopt});
            }
            if (subject_modes_.count(subject)) {
                out.push_back({records::mode_key(subject), std::nullopt});
            }
        } else {
            if (any_live) {
                return Error(Errc::subject_not_soft_deleted,
                             "Subject " + quoted(subject) +
                                 " was not deleted first before being permanently deleted");
            }
            for (const auto& [n, v] : versions) {
                deleted.push_back(n);
                out.push_back({records::schema_key(subject, n), std::nullopt});
            }
            out.push_back(
                {records::clear_subject_key(subject), records::clear_subject_value(subject)});
        }
    }
    ES_CHECK(write(std::move(out)));
    return deleted;
}

Status Registry::set_level(const std::optional<std::string>& subject,
                           compat::CompatibilityLevel level) {
    std::lock_guard write_lock(write_mutex_);
    return write({{records::config_key(subject), records::config_value(level)}});
}

Result<compat::CompatibilityLevel> Registry::delete_level(
    const std::optional<std::string>& subject) {
    std::lock_guard write_lock(write_mutex_);
    compat::CompatibilityLevel previous;
    {
        std::lock_guard lock(state_mutex_);
        if (subject) {
            if (!subjects_.count(*subject) && !subject_levels_.count(*subject)) {
                return subject_not_found(*subject);
            }
            previous = effective_level(*subject);
        } else {
            previous = global_level_.value_or(compat::CompatibilityLevel::backward);
        }
    }
    ES_CHECK(write({{records::config_key(subject), std::nullopt}}));
    return previous;
}

Status Registry::set_mode(const std::optional<std::string>& subject, Mode mode, bool force) {
    std::lock_guard write_lock(write_mutex_);
    {
        std::lock_guard lock(state_mutex_);
        if (mode == Mode::import && !force) {
            bool has_schemas = subject ? subjects_.count(*subject) > 0 : !subjects_.empty();
            if (has_schemas) {
                return Error(Errc::operation_not_permitted,
                             "Cannot import since found existing subjects");
            }
        }
    }
    return write({{records::mode_key(subject), records::mode_value(mode)}});
}

Result<Mode> Registry::delete_mode(const std::optional<std::string>& subject) {
    std::lock_guard write_lock(write_mutex_);
    Mode previous;
    {
        std::lock_guard lock(state_mutex_);
        if (subject) {
            if (!subjects_.count(*subject) && !subject_modes_.count(*subject)) {
                return subject_not_found(*subject);
            }
            previous = effective_mode(*subject);
        } else {
            previous = global_mode_.value_or(Mode::readwrite);
        }
    }
    ES_CHECK(write({{records::mode_key(subject), std::nullopt}}));
    return previous;
}

// --- reads
// -----------------------------------------------------------------------------------------

Result<SchemaVersion> Registry::lookup(const std::string& subject, const SchemaRequest& request,
                                       bool deleted) const {
    std::lock_guard lock(state_mutex_);
    if (find_version(subject, kLatestVersion, deleted) == nullptr) {
        return subject_not_found(subject);
    }
    ES_TRY(Prepared p, prepare(request));
    const auto& versions = subjects_.at(subject).versions;
    for (const auto& [n, v] : versions) {
        if (v.deleted && !deleted) continue;
        auto idk = identity_of_id_.find(v.id);
        if (idk != identity_of_id_.end() && idk->second == p.key) return v;
    }
    return schema_not_found();
}

std::vector<std::string> Registry::subjects(bool deleted, const std::string& prefix) const {
    std::lock_guard lock(state_mutex_);
    std::vector<std::string> out;
    for (const auto& [name, s] : subjects_) {
        if (name.compare(0, prefix.size(), prefix) != 0) continue;
        if (find_version(name, kLatestVersion, deleted) != nullptr) out.push_back(name);
    }
    return out;
}

Result<std::vector<int32_t>> Registry::versions(const std::string& subject, bool deleted) const {
    std::lock_guard lock(state_mutex_);
    if (find_version(subject, kLatestVersion, deleted) == nullptr) {
        return subject_not_found(subject);
    }
    std::vector<int32_t> out;
    for (const auto& [n, v] : subjects_.at(subject).versions) {
        if (deleted || !v.deleted) out.push_back(n);
    }
    return out;
}

Result<SchemaVersion> Registry::get_version(const std::string& subject, int32_t version,
                                            bool deleted) const {
    std::lock_guard lock(state_mutex_);
    ES_TRY(const SchemaVersion* v, version_or_error(subject, version, deleted));
    return *v;
}

Result<std::vector<int32_t>> Registry::referenced_by(const std::string& subject,
                                                     int32_t version) const {
    std::lock_guard lock(state_mutex_);
    ES_TRY(const SchemaVersion* target, version_or_error(subject, version, false));
    std::set<int32_t> ids;
    for (const auto& [name, s] : subjects_) {
        for (const auto& [n, v] : s.versions) {
            if (v.deleted) continue;
            for (const auto& r : v.references) {
                if (r.subject == subject && r.version == target->version) ids.insert(v.id);
            }
        }
    }
    return std::vector<int32_t>(ids.begin(), ids.end());
}

Result<SchemaById> Registry::schema_by_id(int32_t id) const {
    std::lock_guard lock(state_mutex_);
    auto it = ids_.find(id);
    if (it == ids_.end()) return schema_not_found(id);
    return it->second.schema;
}

Result<std::vector<std::string>> Registry::subjects_of_id(int32_t id, bool deleted) const {
    ES_TRY(auto pairs, versions_of_id(id, deleted));
    std::vector<std::string> out;
    for (const auto& [subject, version] : pairs) {
        if (out.empty() || out.back() != subject) out.push_back(subject);
    }
    return out;
}

Result<std::vector<std::pair<std::string, int32_t>>> Registry::versions_of_id(int32_t id,
                                                                              bool deleted) const {
    std::lock_guard lock(state_mutex_);
    auto it = ids_.find(id);
    if (it == ids_.end()) return schema_not_found(id);
    std::vector<std::pair<std::string, int32_t>> out;
    for (const auto& [subject, version] : it->second.users) {
        const SchemaVersion* v = find_version(subject, version, deleted);
        if (v != nullptr) out.emplace_back(subject, version);
    }
    return out;
}

Result<compat::CompatibilityLevel> Registry::level(const std::optional<std::string>& subject,
                                                   bool default_to_global) const {
    std::lock_guard lock(state_mutex_);
    if (subject) {
        if (auto it = subject_levels_.find(*subject); it != subject_levels_.end()) {
            return it->second;
        }
        if (!default_to_global) {
            return Error(Errc::subject_level_not_configured,
                         "Subject " + quoted(*subject) +
                             " does not have subject-level compatibility configured");
        }
    }
    return global_level_.value_or(compat::CompatibilityLevel::backward);
}

Result<Mode> Registry::mode(const std::optional<std::string>& subject,
                            bool default_to_global) const {
    std::lock_guard lock(state_mutex_);
    if (subject) {
        if (auto it = subject_modes_.find(*subject); it != subject_modes_.end()) {
            return it->second;
        }
        if (!default_to_global) {
            return Error(
                Errc::subject_mode_not_configured,
                "Subject " + quoted(*subject) + " does not have subject-level mode configured");
        }
    }
    return global_mode_.value_or(Mode::readwrite);
}

Result<CompatibilityVerdict> Registry::check(const std::string& subject, int32_t version,
                                             const SchemaRequest& request) const {
    std::lock_guard lock(state_mutex_);
    std::vector<const SchemaVersion*> previous;
    if (version == 0) {
        // Every live version; the subject's level decides which ones count.
        if (auto it = subjects_.find(subject); it != subjects_.end()) {
            for (const auto& [n, v] : it->second.versions) {
                if (!v.deleted) previous.push_back(&v);
            }
        }
    } else {
        ES_TRY(const SchemaVersion* v, version_or_error(subject, version, false));
        previous.push_back(v);
    }
    ES_TRY(Prepared p, prepare(request));
    return check_locked(subject, p.parsed, previous);
}

// --- the log's records
// ----------------------------------------------------------------------------

void Registry::put_version(SchemaVersion v) {
    remove_version(v.subject, v.version);
    std::string key;
    auto parsed = parse_version(v);
    if (parsed.ok()) {
        key = identity_key(v.type, parsed->identity(), v.references);
    } else {
        registry_log.warn("subject {} version {} (id {}) does not parse: {}", v.subject, v.version,
                          v.id, parsed.error().to_string());
        key = identity_key(v.type, "unparsed:" + v.schema, v.references);
    }
    auto& entry = ids_[v.id];
    if (entry.users.empty()) {
        entry.schema = SchemaById{v.id, v.type, v.schema, v.references};
        identity_of_id_[v.id] = key;
        identities_.emplace(key, v.id);
    }
    entry.users.emplace(v.subject, v.version);
    max_id_ = std::max(max_id_, v.id);
    auto& slot = subjects_[v.subject].versions[v.version];
    slot = std::move(v);
}

void Registry::remove_version(const std::string& subject, int32_t version) {
    auto s = subjects_.find(subject);
    if (s == subjects_.end()) return;
    auto v = s->second.versions.find(version);
    if (v == s->second.versions.end()) return;
    int32_t id = v->second.id;
    s->second.versions.erase(v);
    if (s->second.versions.empty()) subjects_.erase(s);
    auto entry = ids_.find(id);
    if (entry == ids_.end()) return;
    entry->second.users.erase({subject, version});
    if (entry->second.users.empty()) {
        ids_.erase(entry);
        auto key = identity_of_id_.find(id);
        if (key != identity_of_id_.end()) {
            auto known = identities_.find(key->second);
            if (known != identities_.end() && known->second == id) identities_.erase(known);
            identity_of_id_.erase(key);
        }
    }
}

void Registry::apply(const LogRecord& record) {
    auto key = records::parse_key(record.key);
    if (!key.ok()) {
        registry_log.warn("skipping a _schemas record: {}", key.error().to_string());
        return;
    }
    std::lock_guard lock(state_mutex_);
    const auto& subject = key->subject;
    switch (key->type) {
        case records::KeyType::noop:
            return;
        case records::KeyType::schema: {
            if (!record.value) {
                remove_version(*subject, key->version);
                return;
            }
            auto v = records::parse_schema_value(*record.value);
            if (!v.ok()) {
                registry_log.warn("skipping SCHEMA {} {}: {}", *subject, key->version,
                                  v.error().to_string());
                return;
            }
            v->subject = *subject;
            v->version = key->version;
            put_version(std::move(v).value());
            return;
        }
        case records::KeyType::config: {
            if (!record.value) {
                subject ? void(subject_levels_.erase(*subject)) : global_level_.reset();
                return;
            }
            auto level = records::parse_config_value(*record.value);
            if (!level.ok()) {
                registry_log.warn("skipping CONFIG: {}", level.error().to_string());
                return;
            }
            if (subject) {
                subject_levels_[*subject] = *level;
            } else {
                global_level_ = *level;
            }
            return;
        }
        case records::KeyType::mode: {
            if (!record.value) {
                subject ? void(subject_modes_.erase(*subject)) : global_mode_.reset();
                return;
            }
            auto mode = records::parse_mode_value(*record.value);
            if (!mode.ok()) {
                registry_log.warn("skipping MODE: {}", mode.error().to_string());
                return;
            }
            if (subject) {
                subject_modes_[*subject] = *mode;
            } else {
                global_mode_ = *mode;
            }
            return;
        }
        case records::KeyType::delete_subject: {
            if (!record.value) return;
            auto up_to = records::parse_delete_subject_value(*record.value);
            if (!up_to.ok()) {
                registry_log.warn("skipping DELETE_SUBJECT: {}", up_to.error().to_string());
                return;
            }
            auto it = subjects_.find(*subject);
            if (it == subjects_.end()) return;
            for (auto& [n, v] : it->second.versions) {
                if (n <= *up_to) v.deleted = true;
            }
            return;
        }
        case records::KeyType::clear_subject: {
            auto it = subjects_.find(*subject);
            if (it == subjects_.end()) return;
            std::vector<int32_t> gone;
            for (const auto& [n, v] : it->second.versions) {
                if (v.deleted) gone.push_back(n);
            }
            for (int32_t n : gone) remove_version(*subject, n);
            return;
        }
    }
}

}  // namespace es::registry::service
