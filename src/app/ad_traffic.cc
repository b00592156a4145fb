#include "app/ad_traffic.h"

#include "base/bytes.h"
#include "stream/jobs/ad_events.h"

#include <map>

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

Result<std::unique_ptr<FramedValueEncoder>> make_ad_value_encoder(const std::string& registry_url,
                                                                  const AdTopics& topics) {
    return FramedValueEncoder::make(registry_url,
                                    {{topics[0], stream::jobs::impression_avro_schema()},
                                     {topics[1], stream::jobs::click_avro_schema()},
                                     {topics[2], stream::jobs::conversion_avro_schema()}});
}

std::string send_ad_traffic(client::Producer& producer, stream::jobs::AdsGenerator& generator,
                            const AdTopics& topics, const SendLimits& limits, AdCounts& sent,
                            const std::function<bool(int64_t second, const AdCounts&)>& tick,
                            FramedValueEncoder* encoder) {
    std::string encoded;
    stream::jobs::AdRecord r;  // what the record being sent points into
    auto next = [&](client::ProducerRecord& record) -> Result<bool> {
        r = generator.next();
        record.topic = topics[static_cast<size_t>(r.type)];
        record.key = as_bytes(r.user);
        if (encoder) {
            ES_CHECK(encoder->encode(static_cast<size_t>(r.type), r.json, encoded));
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
