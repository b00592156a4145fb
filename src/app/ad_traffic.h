#pragma once

// Sending generated ad traffic (stream/jobs/ads_generator.h) to its three topics, paced or as
// fast as possible: the loop that `edgestream gen ads` and `edgestream demo` share.

#include "app/framed_values.h"
#include "app/paced_send.h"
#include "client/config.h"
#include "client/producer.h"
#include "stream/jobs/ads_generator.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace es::app {

/// The topics of impressions, clicks and conversions, in AdEventType order.
using AdTopics = std::array<std::string, 3>;
AdTopics ad_topics(const std::string& prefix);

/// What was sent, by type, and the flaws among it.
struct AdCounts {
    std::array<uint64_t, 3> by_type{};
    uint64_t duplicates = 0;
    uint64_t late = 0;

    uint64_t total() const { return by_type[0] + by_type[1] + by_type[2]; }
};

/// The framed encoder of the three inputs with their Avro schemas (stream/jobs/ad_events.h).
Result<std::unique_ptr<FramedValueEncoder>> make_ad_value_encoder(const std::string& registry_url,
                                                                  const AdTopics& topics);

/// An idempotent acks=all producer for the traffic: a retried batch is neither lost nor written
/// twice, so the topics hold exactly what was counted. `config.properties` win.
Result<std::unique_ptr<client::Producer>> make_ad_producer(client::ClientConfig config);

/// Sends generator records keyed by user, stamped with their event time, until a limit is
/// reached or `tick` returns false. tick(second, sent) runs once per second of wall clock.
/// Returns the first send or encoding error, or an empty string; `sent` counts what was handed
/// over. Values are the generator's JSON, or what `encoder` makes of it when given.
std::string send_ad_traffic(client::Producer& producer, stream::jobs::AdsGenerator& generator,
                            const AdTopics& topics, const SendLimits& limits, AdCounts& sent,
                            const std::function<bool(int64_t second, const AdCounts&)>& tick,
                            FramedValueEncoder* encoder = nullptr);

}  // namespace es::app
