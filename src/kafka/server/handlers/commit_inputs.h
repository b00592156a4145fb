#pragma once

#include "broker/group_coordinator.h"
#include "model/topic_partition.h"

#include <vector>

namespace es::kafka::server::handlers {

/// The offsets of an OffsetCommit or TxnOffsetCommit request, as the group coordinator takes
/// them; fills `response_topics` with the same topics and partitions, in request order, for the
/// errors to come. Both requests name their fields alike.
template <class RequestTopics, class ResponseTopics>
std::vector<broker::OffsetCommitInput> commit_inputs(const RequestTopics& topics,
                                                     ResponseTopics& response_topics) {
    std::vector<broker::OffsetCommitInput> offsets;
    for (const auto& topic : topics) {
        auto& out = response_topics.emplace_back();
        out.name = topic.name;
        for (const auto& p : topic.partitions) {
            out.partitions.emplace_back().partition_index = p.partition_index;
            broker::OffsetCommitInput in;
            in.tp = model::TopicPartition{topic.name, model::PartitionId(p.partition_index)};
            in.offset = p.committed_offset;
            in.leader_epoch = p.committed_leader_epoch;  // -1 in versions without it
            in.metadata = p.committed_metadata;
            offsets.push_back(std::move(in));
        }
    }
    return offsets;
}

}  // namespace es::kafka::server::handlers
