#pragma once

#include "model/strong_int.h"

#include <compare>
#include <functional>
#include <string>

namespace es::model {

struct TopicPartition {
    std::string topic;
    PartitionId partition;

    auto operator<=>(const TopicPartition&) const = default;

    /// "topic-3", the form Kafka uses for partition directories and log lines.
    std::string to_string() const { return topic + "-" + std::to_string(partition.value()); }
};

}  // namespace es::model

template <>
struct std::hash<es::model::TopicPartition> {
    size_t operator()(const es::model::TopicPartition& tp) const noexcept {
        return std::hash<std::string>{}(tp.topic) * 31 + std::hash<int32_t>{}(tp.partition.value());
    }
};
