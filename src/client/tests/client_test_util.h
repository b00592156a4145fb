#pragma once

// Helpers shared by the client tests (src/client/tests) and the client integration tests
// (tests/integration/client_test.cc).

#include "client/consumer.h"
#include "client/producer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace es::client::testing {

using namespace std::chrono_literals;

inline Bytes bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

/// Polls until every assigned partition reported its end (and at least `min` records came),
/// or until a generous guard expires so that a broken build fails instead of hanging.
inline std::vector<Message> consume_to_end(Consumer& consumer, size_t min = 0) {
    std::vector<Message> out;
    auto guard = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < guard) {
        auto polled = consumer.poll(100ms);
        if (!polled.ok()) {
            ADD_FAILURE() << polled.error().to_string();
            return out;
        }
        if (*polled) {
            out.push_back(std::move(**polled));
        } else if (consumer.at_end() && out.size() >= min) {
            return out;
        }
    }
    ADD_FAILURE() << "the consumer did not reach the end (" << out.size() << " records)";
    return out;
}

/// Sends `count` records "key-<i>" / "value-<i>" to one partition and waits for them.
inline void produce_numbered(Producer& producer, const std::string& topic, int partition, int first,
                             int count, int64_t timestamp_base = 1'700'000'000'000) {
    for (int i = first; i < first + count; ++i) {
        std::string key = "key-" + std::to_string(i);
        std::string value = "value-" + std::to_string(i);
        ProducerRecord r;
        r.topic = topic;
        r.partition = model::PartitionId(partition);
        r.key = as_bytes(key);
        r.value = as_bytes(value);
        r.timestamp_ms = timestamp_base + i;
        ASSERT_TRUE(producer.send(r).ok());
    }
    Status flushed = producer.flush(30s);
    ASSERT_TRUE(flushed.ok()) << flushed.error().to_string();
}

inline std::unique_ptr<Producer> make_producer(const ClientConfig& config) {
    auto producer = Producer::make(config);
    EXPECT_TRUE(producer.ok()) << producer.error().to_string();
    return producer.ok() ? std::move(producer).value() : nullptr;
}

inline std::unique_ptr<Consumer> make_consumer(const ClientConfig& config) {
    auto consumer = Consumer::make(config);
    EXPECT_TRUE(consumer.ok()) << consumer.error().to_string();
    return consumer.ok() ? std::move(consumer).value() : nullptr;
}

}  // namespace es::client::testing
