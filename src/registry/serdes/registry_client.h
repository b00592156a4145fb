#pragma once

// A client of a Confluent-compatible schema registry (edgestream's own or Confluent's), for
// the serializers and `edgestream schema check --registry`: schemas by id and registrations,
// both cached for the life of the client as Confluent's CachedSchemaRegistryClient does (ids
// never change meaning). cpp-httplib stays inside registry_client.cc.

#include "base/result.h"
#include "registry/compat/schema.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace es::registry::serdes {

/// A schema as the registry holds it under an id, with the schemas it refers to resolved
/// (dependency order), ready for parse_schema.
struct RegisteredSchema {
    int32_t id = 0;
    compat::SchemaType type = compat::SchemaType::avro;
    std::string text;
    std::vector<compat::SchemaReference> references;
};

/// An HTTP answer: status and body (JSON for the registry's own answers).
struct RegistryAnswer {
    int status = 0;
    std::string body;
};

/// Runs on: any thread; requests are serialized, cached answers are not.
class RegistryClient {
  public:
    /// `url`: http://host:port. Errc::registry_unavailable when it is not such a URL.
    static Result<std::shared_ptr<RegistryClient>> make(const std::string& url);
    ~RegistryClient();

    const std::string& url() const;

    /// GET /schemas/ids/{id}, then its references by subject and version. Errc::unknown_schema
    /// on 40403, registry_unavailable when the registry cannot answer.
    Result<std::shared_ptr<const RegisteredSchema>> schema_by_id(int32_t id);
    /// GET /subjects/{subject}/versions/latest (references not resolved). Errc::unknown_schema
    /// when the subject has no versions.
    Result<RegisteredSchema> latest(const std::string& subject);
    /// POST /subjects/{subject}/versions: the id of the schema under the subject, registered
    /// when new. Errc::registry_refused with the registry's message (incompatible, invalid).
    Result<int32_t> register_schema(const std::string& subject, compat::SchemaType type,
                                    const std::string& schema);
    /// One request as it is, for callers that read other answers (compatibility checks).
    /// Errc::registry_unavailable when no answer came.
    Result<RegistryAnswer> request(const std::string& method, const std::string& path,
                                   const std::string& body = {});

  private:
    struct Impl;
    explicit RegistryClient(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

/// A URL path segment: everything but RFC 3986's unreserved characters percent-encoded.
std::string percent_encoded(std::string_view segment);

/// Confluent's default subject name (TopicNameStrategy): "<topic>-value" or "<topic>-key".
std::string topic_subject(std::string_view topic, bool is_key);

}  // namespace es::registry::serdes
