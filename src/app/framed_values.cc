#include "app/framed_values.h"

#include "registry/serdes/confluent_serde.h"

namespace es::app {

struct FramedValueEncoder::Impl {
    std::vector<registry::serdes::Serializer> serializers;  // in the order of the topics
};

FramedValueEncoder::FramedValueEncoder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FramedValueEncoder::~FramedValueEncoder() = default;

Result<std::unique_ptr<FramedValueEncoder>> FramedValueEncoder::make(
    const std::string& registry_url, const std::vector<Topic>& topics) {
    ES_TRY(auto registry, registry::serdes::RegistryClient::make(registry_url));
    auto impl = std::make_unique<Impl>();
    for (const Topic& t : topics) {
        impl->serializers.emplace_back(registry, registry::serdes::topic_subject(t.topic, false),
                                       registry::compat::SchemaType::avro,
                                       std::string(t.avro_schema));
        ES_CHECK(impl->serializers.back().prepare());
    }
    return std::unique_ptr<FramedValueEncoder>(new FramedValueEncoder(std::move(impl)));
}

Status FramedValueEncoder::encode(size_t topic, std::string_view json, std::string& out) {
    out.clear();
    ES_TRY(registry::serdes::Datum datum, registry::serdes::datum_from_json(json));
    return impl_->serializers.at(topic).encode(datum, out);
}

}  // namespace es::app
