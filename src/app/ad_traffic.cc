#include "app/ad_traffic.h"

#include "base/bytes.h"
#include "registry/serdes/confluent_serde.h"
#include "stream/jobs/ad_events.h"

#include <map>
#include <vector>

namespace es::app {

AdTopics ad_topics(const std::string& prefix) {
    return {prefix + "impressions", prefix + "clicks", prefix + "conversions"};
}

Result<std::unique_ptr<client::Producer>> make_ad_producer(client::ClientConfig config) {
    std::map<std::string, std::string> props = {
        {"acks", "all"},
        {"enable.idempotence", "true"},
        {"linger.ms", "5"},
        {"queue.buffering.max.messages", "1000000"},
    };
    for (auto& [k, v] : config.properties) props[k] = v;
    config.properties = std::move(props);
    return client::Producer::make(config);
}

struct AdValueEncoder::Impl {
    std::vector<registry::serdes::Serializer> serializers;  // in AdEventType order
};

AdValueEncoder::AdValueEncoder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AdValueEncoder::~AdValueEncoder() = default;

Result<std::unique_ptr<AdValueEncoder>> AdValueEncoder::make(const std::string& registry_url,
                                                             const AdTopics& topics) {
    ES_TRY(auto registry, registry::serdes::RegistryClient::make(registry_url));
    const std::string_view schemas[] = {stream::jobs::impression_avro_schema(),
                                        stream::jobs::click_avro_schema(),
                                        stream::jobs::conversion_avro_schema()};
    auto impl = std::make_unique<Impl>();
    for (size_t i = 0; i < topics.size(); ++i) {
        impl->serializers.emplace_back(registry, registry::serdes::topic_subject(topics[i], false),
                                       registry::compat::SchemaType::avro, std::string(schemas[i]));
        ES_CHECK(impl->serializers.back().prepare());
    }
    return std::unique_ptr<AdValueEncoder>(new AdValueEncoder(std::move(impl)));
}

Status AdValueEncoder::encode(stream::jobs::AdEventType type, std::string_view json,
                              std::string& out) {
    out.clear();
    ES_TRY(registry::serdes::Datum datum, registry::serdes::datum_from_json(json));
    return impl_->serializers[static_cast<size_t>(type)].encode(datum, out);
}

std::string send_ad_traffic(client::Producer& producer, stream::jobs::AdsGenerator& generator,
                            const AdTopics& topics, const SendLimits& limits, AdCounts& sent,
                            const std::function<bool(int64_t second, const AdCounts&)>& tick,
                            AdValueEncoder* encoder) {
    std::string encoded;
    stream::jobs::AdRecord r;  // what the record being sent points into
    auto next = [&](client::ProducerRecord& record) -> Result<bool> {
        r = generator.next();
        record.topic = topics[static_cast<size_t>(r.type)];
        record.key = as_bytes(r.user);
        if (encoder) {
            ES_CHECK(encoder->encode(r.type, r.json, encoded));
            record.value = as_bytes(encoded);
        } else {
            record.value = as_bytes(r.json);
        }
        record.timestamp_ms = r.ts;
        ++sent.by_type[static_cast<size_t>(r.type)];
        sent.duplicates += r.duplicate;
        sent.late += r.late;
        return true;
    };
    return send_paced(producer, limits, next, [&](int64_t second) { return tick(second, sent); });
}

}  // namespace es::app
