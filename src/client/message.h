#pragma once

#include "base/bytes.h"
#include "model/record_batch.h"
#include "model/strong_int.h"
#include "model/topic_partition.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace es::client {

/// A record's timestamp and who set it: the producer (create time) or the broker (log append).
struct Timestamp {
    int64_t ms = 0;
    model::TimestampType type = model::TimestampType::create_time;

    bool operator==(const Timestamp&) const = default;
};

/// A header of a consumed record. Keys may repeat; a value may be null.
struct Header {
    std::string key;
    std::optional<Bytes> value;

    bool operator==(const Header&) const = default;
};

/// A consumed record; owns its bytes. A null key or value stays std::nullopt, which is not the
/// same as an empty one.
struct Message {
    std::string topic;
    model::PartitionId partition;
    model::Offset offset;
    std::optional<Bytes> key;
    std::optional<Bytes> value;
    std::vector<Header> headers;
    std::optional<Timestamp> timestamp;  // nullopt when the record carries none
};

/// A consumed record as views into the client's buffers (no copy): valid while the
/// MessageBatch it came from lives. Headers are not decoded on this path.
struct MessageView {
    std::string_view topic;
    model::PartitionId partition;
    model::Offset offset;
    std::optional<BytesView> key;
    std::optional<BytesView> value;
    std::optional<Timestamp> timestamp;
};

/// A header of a record to produce; views, copied by Producer::send().
struct OutgoingHeader {
    std::string_view key;
    std::optional<BytesView> value;
};

/// A record to produce. Everything is a view that only has to live through the send() call:
/// librdkafka copies it.
struct ProducerRecord {
    std::string_view topic;
    std::optional<model::PartitionId> partition;  // nullopt: the partitioner picks (by key)
    std::optional<BytesView> key;                 // nullopt: null key
    std::optional<BytesView> value;               // nullopt: null value (a tombstone)
    std::span<const OutgoingHeader> headers;
    std::optional<int64_t> timestamp_ms;  // nullopt: the time of send()
};

/// A consumer group's position in a partition: `offset` is the next offset to read (the last
/// processed record's offset + 1), as Kafka commits it.
struct TopicPartitionOffset {
    model::TopicPartition tp;
    model::Offset offset;

    bool operator==(const TopicPartitionOffset&) const = default;
};

/// Where an acknowledged record landed.
struct DeliveryReport {
    std::string topic;
    model::PartitionId partition;
    model::Offset offset;
    std::optional<Timestamp> timestamp;
};

}  // namespace es::client
