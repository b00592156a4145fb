#include "registry/service/records.h"

#include "registry/service/errc.h"

#include <nlohmann/json.hpp>

#include <limits>

namespace es::registry::service::records {
namespace {

using Ordered = nlohmann::ordered_json;
using Json = nlohmann::json;

std::string dump(const Ordered& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Ordered subject_json(const std::optional<std::string>& subject) {
    return subject ? Ordered(*subject) : Ordered(nullptr);
}

std::string small_key(const char* type, const std::optional<std::string>& subject) {
    Ordered k;
    k["keytype"] = type;
    k["subject"] = subject_json(subject);
    k["magic"] = 0;
    return dump(k);
}

Error bad(std::string message) { return Error(Errc::store_error, std::move(message)); }

Result<Json> parse_object(std::string_view text, const char* what) {
    Json j = Json::parse(text.begin(), text.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) return bad(std::string(what) + " is not a JSON object");
    return j;
}

Result<std::string> string_field(const Json& j, const char* name) {
    auto it = j.find(name);
    if (it == j.end() || !it->is_string()) {
        return bad(std::string("field '") + name + "' is missing or not a string");
    }
    return it->get<std::string>();
}

Result<int32_t> int_field(const Json& j, const char* name) {
    auto it = j.find(name);
    if (it == j.end() || !it->is_number_integer()) {
        return bad(std::string("field '") + name + "' is missing or not an integer");
    }
    auto v = it->get<int64_t>();
    if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
        return bad(std::string("field '") + name + "' is out of range");
    }
    return static_cast<int32_t>(v);
}

}  // namespace

std::string schema_key(const std::string& subject, int32_t version) {
    Ordered k;
    k["keytype"] = "SCHEMA";
    k["subject"] = subject;
    k["version"] = version;
    k["magic"] = 1;
    return dump(k);
}

std::string config_key(const std::optional<std::string>& subject) {
    return small_key("CONFIG", subject);
}
std::string mode_key(const std::optional<std::string>& subject) {
    return small_key("MODE", subject);
}
std::string delete_subject_key(const std::string& subject) {
    return small_key("DELETE_SUBJECT", subject);
}
std::string clear_subject_key(const std::string& subject) {
    return small_key("CLEAR_SUBJECT", subject);
}

std::string schema_value(const SchemaVersion& v) {
    Ordered j;
    j["subject"] = v.subject;
    j["version"] = v.version;
    j["id"] = v.id;
    if (v.type != compat::SchemaType::avro) j["schemaType"] = std::string(to_string(v.type));
    if (!v.references.empty()) {
        Ordered refs = Ordered::array();
        for (const auto& r : v.references) {
            Ordered o;
            o["name"] = r.name;
            o["subject"] = r.subject;
            o["version"] = r.version;
            refs.push_back(std::move(o));
        }
        j["references"] = std::move(refs);
    }
    j["schema"] = v.schema;
    j["deleted"] = v.deleted;
    return dump(j);
}

std::string config_value(compat::CompatibilityLevel level) {
    Ordered j;
    j["compatibilityLevel"] = std::string(to_string(level));
    return dump(j);
}

std::string mode_value(Mode mode) {
    Ordered j;
    j["mode"] = std::string(to_string(mode));
    return dump(j);
}

std::string delete_subject_value(const std::string& subject, int32_t version) {
    Ordered j;
    j["subject"] = subject;
    j["version"] = version;
    return dump(j);
}

std::string clear_subject_value(const std::string& subject) {
    Ordered j;
    j["subject"] = subject;
    return dump(j);
}

Result<Key> parse_key(std::string_view text) {
    ES_TRY(Json j, parse_object(text, "key"));
    ES_TRY(std::string type, string_field(j, "keytype"));
    Key key;
    if (type == "SCHEMA") {
        key.type = KeyType::schema;
    } else if (type == "CONFIG") {
        key.type = KeyType::config;
    } else if (type == "MODE") {
        key.type = KeyType::mode;
    } else if (type == "DELETE_SUBJECT") {
        key.type = KeyType::delete_subject;
    } else if (type == "CLEAR_SUBJECT") {
        key.type = KeyType::clear_subject;
    } else if (type == "NOOP") {
        key.type = KeyType::noop;
        return key;
    } else {
        return bad("unknown keytype '" + type + "'");
    }
    auto subject = j.find("subject");
    if (subject != j.end() && subject->is_string()) {
        key.subject = subject->get<std::string>();
    } else if (subject != j.end() && !subject->is_null()) {
        return bad("field 'subject' is not a string");
    }
    bool global_allowed = key.type == KeyType::config || key.type == KeyType::mode;
    if (!key.subject && !global_allowed) return bad(type + " key without a subject");
    if (key.type == KeyType::schema) {
        ES_TRY(key.version, int_field(j, "version"));
        if (key.version < 1) return bad("SCHEMA key with version " + std::to_string(key.version));
    }
    return key;
}

Result<SchemaVersion> parse_schema_value(std::string_view text) {
    ES_TRY(Json j, parse_object(text, "SCHEMA value"));
    SchemaVersion v;
    ES_TRY(v.subject, string_field(j, "subject"));
    ES_TRY(v.version, int_field(j, "version"));
    ES_TRY(v.id, int_field(j, "id"));
    ES_TRY(v.schema, string_field(j, "schema"));
    if (auto t = j.find("schemaType"); t != j.end() && !t->is_null()) {
        if (!t->is_string()) return bad("field 'schemaType' is not a string");
        auto type = compat::parse_schema_type(t->get<std::string>());
        if (!type.ok()) return bad("unknown schemaType '" + t->get<std::string>() + "'");
        v.type = *type;
    }
    if (auto refs = j.find("references"); refs != j.end() && !refs->is_null()) {
        if (!refs->is_array()) return bad("field 'references' is not an array");
        for (const auto& r : *refs) {
            if (!r.is_object()) return bad("a reference is not an object");
            Reference ref;
            ES_TRY(ref.name, string_field(r, "name"));
            ES_TRY(ref.subject, string_field(r, "subject"));
            ES_TRY(ref.version, int_field(r, "version"));
            v.references.push_back(std::move(ref));
        }
    }
    if (auto d = j.find("deleted"); d != j.end() && !d->is_null()) {
        if (!d->is_boolean()) return bad("field 'deleted' is not a boolean");
        v.deleted = d->get<bool>();
    }
    if (v.id < 0 || v.version < 1) return bad("SCHEMA value with a negative id or version");
    return v;
}

Result<compat::CompatibilityLevel> parse_config_value(std::string_view text) {
    ES_TRY(Json j, parse_object(text, "CONFIG value"));
    ES_TRY(std::string level, string_field(j, "compatibilityLevel"));
    auto parsed = compat::parse_compatibility_level(level);
    if (!parsed.ok()) return bad("unknown compatibilityLevel '" + level + "'");
    return *parsed;
}

Result<Mode> parse_mode_value(std::string_view text) {
    ES_TRY(Json j, parse_object(text, "MODE value"));
    ES_TRY(std::string mode, string_field(j, "mode"));
    auto parsed = parse_mode(mode);
    if (!parsed.ok()) return bad("unknown mode '" + mode + "'");
    return *parsed;
}

Result<int32_t> parse_delete_subject_value(std::string_view text) {
    ES_TRY(Json j, parse_object(text, "DELETE_SUBJECT value"));
    return int_field(j, "version");
}

}  // namespace es::registry::service::records
