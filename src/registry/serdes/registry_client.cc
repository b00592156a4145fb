#include "registry/serdes/registry_client.h"

#include "registry/serdes/errc.h"

#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>

namespace es::registry::serdes {
namespace {

constexpr const char* kContentType = "application/vnd.schemaregistry.v1+json";
// A reference chain longer than this is a cycle or hostile.
constexpr int kMaxReferenceDepth = 32;

/// The registry's error message, or the start of whatever else it answered.
std::string registry_message(const RegistryAnswer& answer) {
    auto j = nlohmann::json::parse(answer.body, nullptr, false);
    if (j.is_object() && j.contains("message") && j["message"].is_string()) {
        return fmt::format("{} (error {})", j["message"].get<std::string>(),
                           j.value("error_code", answer.status));
    }
    return fmt::format("HTTP {}: {}", answer.status, answer.body.substr(0, 200));
}

}  // namespace

struct RegistryClient::Impl {
    std::string url;
    std::mutex request_mutex;  // httplib::Client is used by one request at a time
    httplib::Client http;
    std::mutex cache_mutex;
    std::map<int32_t, std::shared_ptr<const RegisteredSchema>> by_id;
    std::map<std::tuple<std::string, compat::SchemaType, std::string>, int32_t> registered;

    explicit Impl(const std::string& u) : url(u), http(u) {}
};

RegistryClient::RegistryClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RegistryClient::~RegistryClient() = default;

Result<std::shared_ptr<RegistryClient>> RegistryClient::make(const std::string& url) {
    if (url.rfind("http://", 0) != 0) {
        return Error(Errc::registry_unavailable,
                     "schema registry URL must start with http://, got '" + url + "'");
    }
    auto impl = std::make_unique<Impl>(url);
    if (!impl->http.is_valid()) {
        return Error(Errc::registry_unavailable, "not a schema registry URL: '" + url + "'");
    }
    impl->http.set_connection_timeout(10);
    impl->http.set_read_timeout(30);
    impl->http.set_keep_alive(true);
    return std::shared_ptr<RegistryClient>(new RegistryClient(std::move(impl)));
}

const std::string& RegistryClient::url() const { return impl_->url; }

Result<RegistryAnswer> RegistryClient::request(const std::string& method, const std::string& path,
                                               const std::string& body) {
    std::lock_guard lock(impl_->request_mutex);
    auto send = [&]() -> std::optional<httplib::Result> {
        if (method == "GET") return impl_->http.Get(path);
        if (method == "POST") return impl_->http.Post(path, body, kContentType);
        if (method == "PUT") return impl_->http.Put(path, body, kContentType);
        if (method == "DELETE") return impl_->http.Delete(path);
        return std::nullopt;
    };
    std::optional<httplib::Result> sent = send();
    if (!sent) return Error(Errc::registry_unavailable, "unsupported HTTP method " + method);
    httplib::Result& res = *sent;
    if (!res) {
        return Error(Errc::registry_unavailable, fmt::format("schema registry {}: {}", impl_->url,
                                                             httplib::to_string(res.error())));
    }
    if (res->status >= 500) {
        return Error(Errc::registry_unavailable,
                     fmt::format("schema registry {} answered {} to {} {}", impl_->url, res->status,
                                 method, path));
    }
    return RegistryAnswer{res->status, std::move(res->body)};
}

Result<std::shared_ptr<const RegisteredSchema>> RegistryClient::schema_by_id(int32_t id) {
    {
        std::lock_guard lock(impl_->cache_mutex);
        if (auto it = impl_->by_id.find(id); it != impl_->by_id.end()) return it->second;
    }
    ES_TRY(RegistryAnswer answer, request("GET", fmt::format("/schemas/ids/{}", id)));
    if (answer.status == 404) {
        return Error(Errc::unknown_schema,
                     fmt::format("schema id {}: {}", id, registry_message(answer)));
    }
    if (answer.status != 200) {
        return Error(Errc::registry_unavailable,
                     fmt::format("schema id {}: {}", id, registry_message(answer)));
    }
    auto schema = std::make_shared<RegisteredSchema>();
    schema->id = id;
    // References resolve depth first, so that each lands after those it refers to.
    std::set<std::pair<std::string, int32_t>> seen;
    std::function<Status(const nlohmann::json&, int)> add_references =
        [&](const nlohmann::json& doc, int depth) -> Status {
        if (!doc.contains("references") || !doc["references"].is_array()) return {};
        if (depth > kMaxReferenceDepth) {
            return Error(Errc::bad_data, fmt::format("schema id {}: references nest deeper than {}",
                                                     id, kMaxReferenceDepth));
        }
        for (const auto& ref : doc["references"]) {
            if (!ref.is_object() || !ref.value("name", nlohmann::json()).is_string() ||
                !ref.value("subject", nlohmann::json()).is_string() ||
                !ref.value("version", nlohmann::json()).is_number_integer()) {
                return Error(Errc::bad_data, fmt::format("schema id {}: malformed reference", id));
            }
            std::string subject = ref["subject"].get<std::string>();
            int32_t version = ref["version"].get<int32_t>();
            if (!seen.insert({subject, version}).second) continue;
            ES_TRY(RegistryAnswer r,
                   request("GET", fmt::format("/subjects/{}/versions/{}", percent_encoded(subject),
                                              version)));
            auto j = nlohmann::json::parse(r.body, nullptr, false);
            if (r.status != 200 || !j.is_object() ||
                !j.value("schema", nlohmann::json()).is_string()) {
                return Error(Errc::unknown_schema,
                             fmt::format("schema id {}: reference {} version {}: {}", id, subject,
                                         version, registry_message(r)));
            }
            ES_CHECK(add_references(j, depth + 1));
            schema->references.push_back(
                {ref["name"].get<std::string>(), j["schema"].get<std::string>()});
        }
        return {};
    };
    auto doc = nlohmann::json::parse(answer.body, nullptr, false);
    if (!doc.is_object() || !doc.value("schema", nlohmann::json()).is_string()) {
        return Error(Errc::registry_unavailable,
                     fmt::format("schema id {}: the registry's answer has no schema", id));
    }
    schema->text = doc["schema"].get<std::string>();
    auto type = compat::parse_schema_type(doc.value("schemaType", std::string()));
    if (!type.ok()) {
        return Error(Errc::wrong_schema_type,
                     fmt::format("schema id {}: {}", id, type.error().message()));
    }
    schema->type = *type;
    ES_CHECK(add_references(doc, 0));
    std::lock_guard lock(impl_->cache_mutex);
    return impl_->by_id.emplace(id, std::move(schema)).first->second;
}

Result<RegisteredSchema> RegistryClient::latest(const std::string& subject) {
    ES_TRY(RegistryAnswer answer,
           request("GET", "/subjects/" + percent_encoded(subject) + "/versions/latest"));
    auto doc = nlohmann::json::parse(answer.body, nullptr, false);
    if (answer.status == 404) {
        return Error(Errc::unknown_schema,
                     fmt::format("subject {}: {}", subject, registry_message(answer)));
    }
    if (answer.status != 200 || !doc.is_object() ||
        !doc.value("schema", nlohmann::json()).is_string() ||
        !doc.value("id", nlohmann::json()).is_number_integer()) {
        return Error(Errc::registry_unavailable,
                     fmt::format("subject {}: {}", subject, registry_message(answer)));
    }
    RegisteredSchema schema;
    schema.id = doc["id"].get<int32_t>();
    schema.text = doc["schema"].get<std::string>();
    ES_TRY(schema.type, compat::parse_schema_type(doc.value("schemaType", std::string())));
    return schema;
}

Result<int32_t> RegistryClient::register_schema(const std::string& subject, compat::SchemaType type,
                                                const std::string& schema) {
    auto key = std::make_tuple(subject, type, schema);
    {
        std::lock_guard lock(impl_->cache_mutex);
        if (auto it = impl_->registered.find(key); it != impl_->registered.end()) return it->second;
    }
    nlohmann::json body = {{"schema", schema}};
    if (type != compat::SchemaType::avro) body["schemaType"] = std::string(compat::to_string(type));
    ES_TRY(RegistryAnswer answer,
           request("POST", "/subjects/" + percent_encoded(subject) + "/versions", body.dump()));
    auto doc = nlohmann::json::parse(answer.body, nullptr, false);
    if (answer.status != 200 || !doc.is_object() ||
        !doc.value("id", nlohmann::json()).is_number_integer()) {
        return Error(Errc::registry_refused, fmt::format("registering under subject {}: {}",
                                                         subject, registry_message(answer)));
    }
    int32_t id = doc["id"].get<int32_t>();
    std::lock_guard lock(impl_->cache_mutex);
    impl_->registered.emplace(std::move(key), id);
    return id;
}

std::string percent_encoded(std::string_view segment) {
    std::string out;
    for (unsigned char c : segment) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out += fmt::format("%{:02X}", c);
        }
    }
    return out;
}

std::string topic_subject(std::string_view topic, bool is_key) {
    return std::string(topic) + (is_key ? "-key" : "-value");
}

}  // namespace es::registry::serdes
