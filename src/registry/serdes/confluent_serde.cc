#include "registry/serdes/confluent_serde.h"

#include "registry/serdes/avro_codec.h"
#include "registry/serdes/errc.h"
#include "registry/serdes/protobuf_codec.h"
#include "registry/serdes/wire_format.h"

#include <fmt/format.h>

#include <optional>
#include <vector>

namespace es::registry::serdes {

/// One schema's codec; JSON needs none (the payload is the JSON text).
struct Deserializer::Codec {
    compat::SchemaType type = compat::SchemaType::avro;
    std::optional<AvroCodec> avro;
    std::optional<ProtobufCodec> protobuf;
};

Deserializer::Deserializer(std::shared_ptr<RegistryClient> registry,
                           std::optional<compat::SchemaType> type)
    : registry_(std::move(registry)), type_(type) {}

Deserializer::Deserializer(const Deserializer& other)
    : registry_(other.registry_), type_(other.type_) {}

Deserializer& Deserializer::operator=(const Deserializer& other) {
    if (this != &other) {
        registry_ = other.registry_;
        type_ = other.type_;
        codecs_.clear();
        last_id_ = -1;
    }
    return *this;
}

Deserializer::~Deserializer() = default;

Result<Deserializer::Codec*> Deserializer::codec_for(int32_t id) {
    if (auto it = codecs_.find(id); it != codecs_.end()) return it->second.get();
    ES_TRY(std::shared_ptr<const RegisteredSchema> schema, registry_->schema_by_id(id));
    if (type_ && schema->type != *type_) {
        return Error(Errc::wrong_schema_type,
                     fmt::format("schema id {} is {}, the data is read as {}", id,
                                 compat::to_string(schema->type), compat::to_string(*type_)));
    }
    auto codec = std::make_unique<Codec>();
    codec->type = schema->type;
    switch (schema->type) {
        case compat::SchemaType::avro: {
            if (!schema->references.empty()) {
                return Error(Errc::invalid_schema,
                             fmt::format("schema id {}: Avro schemas with references are not "
                                         "supported by the libavro codec",
                                         id));
            }
            auto avro = AvroCodec::make(schema->text);
            if (!avro.ok()) {
                return Error(Errc::invalid_schema,
                             fmt::format("schema id {}: {}", id, avro.error().message()));
            }
            codec->avro.emplace(std::move(avro).value());
            break;
        }
        case compat::SchemaType::json:
            break;
        case compat::SchemaType::protobuf: {
            auto protobuf = ProtobufCodec::make(schema->text, schema->references);
            if (!protobuf.ok()) {
                return Error(Errc::invalid_schema,
                             fmt::format("schema id {}: {}", id, protobuf.error().message()));
            }
            codec->protobuf.emplace(std::move(protobuf).value());
            break;
        }
    }
    return codecs_.emplace(id, std::move(codec)).first->second.get();
}

Result<Datum> Deserializer::decode(std::string_view framed) {
    // Whether message indexes follow the id depends on the id's schema type.
    ES_TRY(Framed f, unframe(framed, type_ == compat::SchemaType::protobuf));
    ES_TRY(Codec * codec, codec_for(f.schema_id));
    if (codec->type == compat::SchemaType::protobuf && !type_) {
        ES_TRY(f, unframe(framed, true));
    }
    last_id_ = f.schema_id;
    switch (codec->type) {
        case compat::SchemaType::avro:
            return codec->avro->decode(f.payload);
        case compat::SchemaType::json:
            return datum_from_json(f.payload);
        case compat::SchemaType::protobuf:
            return codec->protobuf->decode(f.message_indexes, f.payload);
    }
    return Error(Errc::wrong_schema_type, "unknown schema type");
}

struct Serializer::Codec {
    std::optional<AvroCodec> avro;
    std::optional<ProtobufCodec> protobuf;
    std::vector<int32_t> message_indexes;  // of the Serializer's message_, framed into each value
};

Serializer::Serializer(std::shared_ptr<RegistryClient> registry, std::string subject,
                       compat::SchemaType type, std::string schema, std::string message)
    : registry_(std::move(registry)),
      subject_(std::move(subject)),
      type_(type),
      schema_(std::move(schema)),
      message_(std::move(message)) {}

Serializer::Serializer(const Serializer& other)
    : registry_(other.registry_),
      subject_(other.subject_),
      type_(other.type_),
      schema_(other.schema_),
      message_(other.message_) {}

Serializer& Serializer::operator=(const Serializer& other) {
    if (this != &other) {
        registry_ = other.registry_;
        subject_ = other.subject_;
        type_ = other.type_;
        schema_ = other.schema_;
        message_ = other.message_;
        id_ = -1;
        codec_.reset();
    }
    return *this;
}

Serializer::~Serializer() = default;

Result<int32_t> Serializer::prepare() {
    if (codec_) return id_;
    auto codec = std::make_unique<Codec>();
    switch (type_) {
        case compat::SchemaType::avro: {
            ES_TRY(AvroCodec avro, AvroCodec::make(schema_));
            codec->avro.emplace(std::move(avro));
            break;
        }
        case compat::SchemaType::json:
            break;
        case compat::SchemaType::protobuf: {
            // The message is looked up before registering, so a misnamed one registers nothing.
            ES_TRY(ProtobufCodec protobuf, ProtobufCodec::make(schema_));
            ES_TRY(codec->message_indexes, protobuf.message_indexes(message_));
            codec->protobuf.emplace(std::move(protobuf));
            break;
        }
    }
    ES_TRY(id_, registry_->register_schema(subject_, type_, schema_));
    codec_ = std::move(codec);
    return id_;
}

Status Serializer::encode(const Datum& datum, std::string& out) {
    ES_CHECK(prepare());
    size_t start = out.size();
    append_header(id_, out);
    Status encoded;
    switch (type_) {
        case compat::SchemaType::avro:
            encoded = codec_->avro->encode(datum, out);
            break;
        case compat::SchemaType::json:
            out.append(datum_to_json(datum));
            break;
        case compat::SchemaType::protobuf:
            append_message_indexes(codec_->message_indexes, out);
            encoded = codec_->protobuf->encode(message_, datum, out);
            break;
    }
    if (!encoded.ok()) out.resize(start);
    return encoded;
}

}  // namespace es::registry::serdes
