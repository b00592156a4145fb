#include "registry/service/registry_http.h"

#include "base/log.h"
#include "registry/compat/json_text.h"
#include "registry/service/errc.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <exception>
#include <limits>
#include <optional>
#include <string>
#include <utility>

namespace es::registry::service {
namespace {

using Json = nlohmann::ordered_json;
using http::Request;
using http::Response;

const log::Logger http_log{"registry"};

constexpr const char* kContentType = "application/vnd.schemaregistry.v1+json";
/// Request bodies are small envelopes (the schema is a string inside), so deeper nesting is
/// refused before parsing.
constexpr int kMaxBodyDepth = 64;

Response json_response(const Json& body, int status = 200) {
    return {status, kContentType, body.dump(-1, ' ', false, Json::error_handler_t::replace)};
}

Response error_response(const Error& error) {
    Errc code = error.code_as(Errc::store_error);
    std::string message = error.message();
    if (error.code().category() != service_category()) message = error.to_string();
    if (message.empty()) message = error.code().message();
    Json body;
    body["error_code"] = static_cast<int>(code);
    body["message"] = message;
    return json_response(body, http_status(code));
}

template <class T>
Response answer(const Result<T>& r, Json (*to_json)(const T&)) {
    if (!r.ok()) return error_response(r.error());
    return json_response(to_json(*r));
}

bool flag(const Request& r, const char* name) {
    auto it = r.params.find(name);
    if (it == r.params.end()) return false;
    std::string v = it->second;
    std::transform(v.begin(), v.end(), v.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return v == "true";
}

std::optional<int64_t> to_int(const std::string& text) {
    int64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return v;
}

Result<int32_t> version_param(const std::string& text) {
    std::string lower = text;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower == "latest") return kLatestVersion;
    auto v = to_int(text);
    if (v && (*v == kLatestVersion || (*v >= 1 && *v <= std::numeric_limits<int32_t>::max()))) {
        return static_cast<int32_t>(*v);
    }
    return Error(Errc::invalid_version,
                 "The specified version '" + text +
                     "' is not a valid version id. Allowed values are between [1, 2^31-1] and "
                     "the string \"latest\"");
}

Result<int32_t> id_param(const std::string& text) {
    auto v = to_int(text);
    if (!v || *v < 0 || *v > std::numeric_limits<int32_t>::max()) {
        return Error(Errc::schema_not_found, "Schema " + text + " not found");
    }
    return static_cast<int32_t>(*v);
}

Result<Json> parse_body(const Request& r) {
    if (!compat::check_json_depth(r.body, kMaxBodyDepth).ok()) {
        return Error(Errc::bad_request, "Request body is nested deeper than " +
                                            std::to_string(kMaxBodyDepth) + " levels");
    }
    Json body = Json::parse(r.body, nullptr, false);
    if (body.is_discarded()) return Error(Errc::bad_request, "Request body is not valid JSON");
    if (!body.is_object()) return Error(Errc::unprocessable, "Request body must be a JSON object");
    return body;
}

Error wrong_type(const char* field, const char* expected) {
    return Error(Errc::unprocessable, std::string("Field '") + field + "' must be " + expected);
}

Result<std::optional<int32_t>> optional_int(const Json& body, const char* field) {
    auto it = body.find(field);
    if (it == body.end() || it->is_null()) return std::optional<int32_t>();
    if (!it->is_number_integer()) return wrong_type(field, "an integer");
    auto v = it->get<int64_t>();
    if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
        return wrong_type(field, "a 32-bit integer");
    }
    return std::optional<int32_t>(static_cast<int32_t>(v));
}

Result<SchemaRequest> schema_request(const Request& r) {
    ES_TRY(Json body, parse_body(r));
    SchemaRequest req;
    auto schema = body.find("schema");
    if (schema == body.end() || schema->is_null())
        return Error(Errc::invalid_schema, "Empty schema");
    if (!schema->is_string()) return wrong_type("schema", "a string");
    req.schema = schema->get<std::string>();
    if (auto t = body.find("schemaType"); t != body.end() && !t->is_null()) {
        if (!t->is_string()) return wrong_type("schemaType", "a string");
        auto type = compat::parse_schema_type(t->get<std::string>());
        if (!type.ok()) {
            return Error(Errc::invalid_schema, "Invalid schema type '" + t->get<std::string>() +
                                                   "': expected AVRO, JSON or PROTOBUF");
        }
        req.type = *type;
    }
    if (auto refs = body.find("references"); refs != body.end() && !refs->is_null()) {
        if (!refs->is_array()) return wrong_type("references", "an array");
        for (const auto& ref : *refs) {
            if (!ref.is_object()) return wrong_type("references", "an array of objects");
            Reference out;
            auto name = ref.find("name");
            auto subject = ref.find("subject");
            if (name == ref.end() || !name->is_string())
                return wrong_type("references[].name", "a string");
            if (subject == ref.end() || !subject->is_string()) {
                return wrong_type("references[].subject", "a string");
            }
            out.name = name->get<std::string>();
            out.subject = subject->get<std::string>();
            ES_TRY(auto version, optional_int(ref, "version"));
            if (!version) return wrong_type("references[].version", "an integer");
            out.version = *version;
            req.references.push_back(std::move(out));
        }
    }
    ES_TRY(req.id, optional_int(body, "id"));
    ES_TRY(req.version, optional_int(body, "version"));
    req.normalize = flag(r, "normalize");
    return req;
}

Json references_json(const std::vector<Reference>& refs) {
    Json out = Json::array();
    for (const auto& r : refs) {
        Json o;
        o["name"] = r.name;
        o["subject"] = r.subject;
        o["version"] = r.version;
        out.push_back(std::move(o));
    }
    return out;
}

Json version_json(const SchemaVersion& v) {
    Json j;
    j["subject"] = v.subject;
    j["version"] = v.version;
    j["id"] = v.id;
    if (v.type != compat::SchemaType::avro) j["schemaType"] = std::string(to_string(v.type));
    if (!v.references.empty()) j["references"] = references_json(v.references);
    j["schema"] = v.schema;
    return j;
}

Json by_id_json(const SchemaById& s) {
    Json j;
    if (s.type != compat::SchemaType::avro) j["schemaType"] = std::string(to_string(s.type));
    if (!s.references.empty()) j["references"] = references_json(s.references);
    j["schema"] = s.schema;
    return j;
}

template <class T>
Json plain_json(const T& v) {
    return Json(v);
}

Json level_json(const compat::CompatibilityLevel& level) {
    Json j;
    j["compatibilityLevel"] = std::string(to_string(level));
    return j;
}

Json mode_json(const Mode& mode) {
    Json j;
    j["mode"] = std::string(to_string(mode));
    return j;
}

Result<compat::CompatibilityLevel> level_body(const Request& r) {
    ES_TRY(Json body, parse_body(r));
    auto it = body.find("compatibility");
    if (it == body.end()) it = body.find("compatibilityLevel");
    Error invalid(Errc::invalid_level,
                  "Invalid compatibility level. Valid values are none, backward, forward, full, "
                  "backward_transitive, forward_transitive, and full_transitive");
    if (it == body.end() || !it->is_string()) return invalid;
    auto level = compat::parse_compatibility_level(it->get<std::string>());
    if (!level.ok()) return invalid;
    return *level;
}

Result<Mode> mode_body(const Request& r) {
    ES_TRY(Json body, parse_body(r));
    auto it = body.find("mode");
    if (it == body.end() || !it->is_string()) {
        return Error(Errc::invalid_mode,
                     "Invalid mode. Valid values are READWRITE, READONLY, IMPORT");
    }
    return parse_mode(it->get<std::string>());
}

std::optional<std::string> subject_of(const Request& r) {
    if (r.matches.empty()) return std::nullopt;
    return r.matches[0];
}

}  // namespace

void RegistryHttp::add_routes(http::HttpServer& server) {
    server.set_max_body_bytes(kMaxBodyBytes);
    Registry* registry = &registry_;
    auto add = [&server](const char* method, const char* pattern, http::Handler h) {
        server.route(method, pattern, [h = std::move(h)](const Request& r) -> Response {
            try {
                return h(r);
            } catch (const std::exception& e) {
                http_log.error("{} {}: {}", r.method, r.path, e.what());
                return error_response(Error(Errc::store_error, e.what()));
            }
        });
    };

    add("GET", "/", [](const Request&) { return json_response(Json::object()); });

    // --- subjects -----------------------------------------------------------------------------
    add("GET", "/subjects", [&reg = *registry](const Request& r) {
        auto prefix = r.params.count("subjectPrefix") ? r.params.at("subjectPrefix") : "";
        return json_response(Json(reg.subjects(flag(r, "deleted"), prefix)));
    });
    add("POST", "/subjects/([^/]+)", [&reg = *registry](const Request& r) {
        auto req = schema_request(r);
        if (!req.ok()) return error_response(req.error());
        return answer(reg.lookup(r.matches[0], *req, flag(r, "deleted")), version_json);
    });
    add("POST", "/subjects/([^/]+)/versions", [&reg = *registry](const Request& r) {
        auto req = schema_request(r);
        if (!req.ok()) return error_response(req.error());
        auto id = reg.register_schema(r.matches[0], *req);
        if (!id.ok()) return error_response(id.error());
        Json j;
        j["id"] = *id;
        return json_response(j);
    });
    add("GET", "/subjects/([^/]+)/versions", [&reg = *registry](const Request& r) {
        return answer(reg.versions(r.matches[0], flag(r, "deleted")), plain_json);
    });
    add("GET", "/subjects/([^/]+)/versions/([^/]+)", [&reg = *registry](const Request& r) {
        auto v = version_param(r.matches[1]);
        if (!v.ok()) return error_response(v.error());
        return answer(reg.get_version(r.matches[0], *v, flag(r, "deleted")), version_json);
    });
    add("GET", "/subjects/([^/]+)/versions/([^/]+)/schema", [&reg = *registry](const Request& r) {
        auto v = version_param(r.matches[1]);
        if (!v.ok()) return error_response(v.error());
        auto got = reg.get_version(r.matches[0], *v, flag(r, "deleted"));
        if (!got.ok()) return error_response(got.error());
        return Response{200, kContentType, got->schema};
    });
    add("GET", "/subjects/([^/]+)/versions/([^/]+)/referencedby",
        [&reg = *registry](const Request& r) {
            auto v = version_param(r.matches[1]);
            if (!v.ok()) return error_response(v.error());
            return answer(reg.referenced_by(r.matches[0], *v), plain_json);
        });
    add("DELETE", "/subjects/([^/]+)/versions/([^/]+)", [&reg = *registry](const Request& r) {
        auto v = version_param(r.matches[1]);
        if (!v.ok()) return error_response(v.error());
        return answer(reg.delete_version(r.matches[0], *v, flag(r, "permanent")), plain_json);
    });
    add("DELETE", "/subjects/([^/]+)", [&reg = *registry](const Request& r) {
        return answer(reg.delete_subject(r.matches[0], flag(r, "permanent")), plain_json);
    });

    // --- schemas by id ------------------------------------------------------------------------
    add("GET", "/schemas/types", [](const Request&) {
        return json_response(Json::array({"JSON", "PROTOBUF", "AVRO"}));
    });
    add("GET", "/schemas/ids/([^/]+)", [&reg = *registry](const Request& r) {
        auto id = id_param(r.matches[0]);
        if (!id.ok()) return error_response(id.error());
        if (auto s = r.params.find("subject"); s != r.params.end() && !s->second.empty()) {
            auto users = reg.subjects_of_id(*id, true);
            if (!users.ok()) return error_response(users.error());
            if (std::find(users->begin(), users->end(), s->second) == users->end()) {
                return error_response(Error(Errc::schema_not_found,
                                            "Schema " + std::to_string(*id) +
                                                " not found under subject '" + s->second + "'"));
            }
        }
        return answer(reg.schema_by_id(*id), by_id_json);
    });
    add("GET", "/schemas/ids/([^/]+)/schema", [&reg = *registry](const Request& r) {
        auto id = id_param(r.matches[0]);
        if (!id.ok()) return error_response(id.error());
        auto s = reg.schema_by_id(*id);
        if (!s.ok()) return error_response(s.error());
        return Response{200, kContentType, s->schema};
    });
    add("GET", "/schemas/ids/([^/]+)/subjects", [&reg = *registry](const Request& r) {
        auto id = id_param(r.matches[0]);
        if (!id.ok()) return error_response(id.error());
        return answer(reg.subjects_of_id(*id, flag(r, "deleted")), plain_json);
    });
    add("GET", "/schemas/ids/([^/]+)/versions", [&reg = *registry](const Request& r) {
        auto id = id_param(r.matches[0]);
        if (!id.ok()) return error_response(id.error());
        auto pairs = reg.versions_of_id(*id, flag(r, "deleted"));
        if (!pairs.ok()) return error_response(pairs.error());
        Json out = Json::array();
        for (const auto& [subject, version] : *pairs) {
            Json o;
            o["subject"] = subject;
            o["version"] = version;
            out.push_back(std::move(o));
        }
        return json_response(out);
    });

    // --- config and mode ----------------------------------------------------------------------
    for (const char* pattern : {"/config", "/config/([^/]+)"}) {
        add("GET", pattern, [&reg = *registry](const Request& r) {
            return answer(reg.level(subject_of(r), flag(r, "defaultToGlobal")), level_json);
        });
        add("PUT", pattern, [&reg = *registry](const Request& r) {
            auto level = level_body(r);
            if (!level.ok()) return error_response(level.error());
            auto set = reg.set_level(subject_of(r), *level);
            if (!set.ok()) return error_response(set.error());
            Json j;
            j["compatibility"] = std::string(to_string(*level));
            return json_response(j);
        });
        add("DELETE", pattern, [&reg = *registry](const Request& r) {
            return answer(reg.delete_level(subject_of(r)), level_json);
        });
    }
    for (const char* pattern : {"/mode", "/mode/([^/]+)"}) {
        add("GET", pattern, [&reg = *registry](const Request& r) {
            return answer(reg.mode(subject_of(r), flag(r, "defaultToGlobal")), mode_json);
        });
        add("PUT", pattern, [&reg = *registry](const Request& r) {
            auto mode = mode_body(r);
            if (!mode.ok()) return error_response(mode.error());
            auto set = reg.set_mode(subject_of(r), *mode, flag(r, "force"));
            if (!set.ok()) return error_response(set.error());
            return json_response(mode_json(*mode));
        });
        add("DELETE", pattern, [&reg = *registry](const Request& r) {
            return answer(reg.delete_mode(subject_of(r)), mode_json);
        });
    }

    // --- compatibility ------------------------------------------------------------------------
    auto compatibility = [&reg = *registry](const Request& r, int32_t version) {
        auto req = schema_request(r);
        if (!req.ok()) return error_response(req.error());
        auto verdict = reg.check(r.matches[0], version, *req);
        if (!verdict.ok()) return error_response(verdict.error());
        Json j;
        j["is_compatible"] = verdict->compatible;
        if (flag(r, "verbose")) j["messages"] = verdict->messages;
        return json_response(j);
    };
    add("POST", "/compatibility/subjects/([^/]+)/versions/([^/]+)",
        [compatibility](const Request& r) {
            auto v = version_param(r.matches[1]);
            if (!v.ok()) return error_response(v.error());
            return compatibility(r, *v);
        });
    add("POST", "/compatibility/subjects/([^/]+)/versions",
        [compatibility](const Request& r) { return compatibility(r, 0); });
}

}  // namespace es::registry::service
