#pragma once

// Confluent-framed values (wire_format.h) of any of the three schema types, with schemas from a
// registry: what Confluent's KafkaAvroSerializer / KafkaJsonSchemaSerializer /
// KafkaProtobufSerializer and their deserializers do, over Datum.
//
// A Deserializer reads whatever schema id a record names (writers may move to newer schemas at
// any time) and keeps one codec per id; a Serializer registers its schema under its subject
// once and frames every value with the id it got.

#include "base/result.h"
#include "registry/compat/schema.h"
#include "registry/serdes/datum.h"
#include "registry/serdes/registry_client.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace es::registry::serdes {

class AvroCodec;
class ProtobufCodec;

/// Runs on: one thread at a time. Copies share the registry client (and its cache) and build
/// their own codecs, so give each thread a copy.
class Deserializer {
  public:
    /// `type`: the schema type the data must have (a record framed with an id of another type
    /// is Errc::wrong_schema_type); nullopt reads whatever type the id names (a console tool).
    Deserializer(std::shared_ptr<RegistryClient> registry, std::optional<compat::SchemaType> type);
    Deserializer(const Deserializer& other);
    Deserializer& operator=(const Deserializer& other);
    ~Deserializer();

    /// Errc::bad_data (not framed, not a value of the schema), unknown_schema,
    /// wrong_schema_type, registry_unavailable.
    Result<Datum> decode(std::string_view framed);
    /// The schema id of the last record decoded.
    int32_t last_schema_id() const { return last_id_; }

  private:
    struct Codec;
    Result<Codec*> codec_for(int32_t id);

    std::shared_ptr<RegistryClient> registry_;
    std::optional<compat::SchemaType> type_;
    std::map<int32_t, std::unique_ptr<Codec>> codecs_;
    int32_t last_id_ = -1;
};

/// Runs on: one thread at a time; copies share the registry client.
class Serializer {
  public:
    /// Writes values of `schema` (of `type`) under `subject` (topic_subject() for Confluent's
    /// default). For Protobuf, `message` names the message type (full name, without a leading
    /// dot); empty means the first message of the file.
    Serializer(std::shared_ptr<RegistryClient> registry, std::string subject,
               compat::SchemaType type, std::string schema, std::string message = {});
    Serializer(const Serializer& other);
    Serializer& operator=(const Serializer& other);
    ~Serializer();

    /// Registers the schema (once; a no-op after the first success) and checks that the codec
    /// accepts it. Errc::registry_refused, registry_unavailable, invalid_schema.
    Result<int32_t> prepare();
    /// Appends the framed value. Errc::bad_data when the Datum does not fit the schema.
    Status encode(const Datum& datum, std::string& out);

  private:
    struct Codec;
    std::shared_ptr<RegistryClient> registry_;
    std::string subject_;
    compat::SchemaType type_;
    std::string schema_;
    std::string message_;
    int32_t id_ = -1;
    std::unique_ptr<Codec> codec_;
};

}  // namespace es::registry::serdes
