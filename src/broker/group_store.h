#pragma once

#include "base/result.h"
#include "broker/broker.h"
#include "broker/group_coordinator.h"
#include "broker/internal_topic.h"

#include <functional>
#include <vector>

namespace es::broker {

/// The group coordinator's records in Kafka's internal topic __consumer_offsets (an
/// InternalTopic: compacted, one partition, acks=all), so that a commit is answered only once it
/// is on disk.
///
/// Runs on: `home` (the coordinator's executor) for open(); write() may be called anywhere.
class OffsetsTopicStore final : public GroupStore {
  public:
    static constexpr const char* kTopic = "__consumer_offsets";

    OffsetsTopicStore(Broker& broker, Executor& home) : topic_(broker, home, kTopic) {}

    /// Creates the topic when it is missing, then reads every record in it, oldest first.
    void open(std::function<void(Result<std::vector<GroupRecord>>)> done);

    void write(std::vector<GroupRecord> records, std::function<void(Status)> done) override;

  private:
    InternalTopic topic_;
};

}  // namespace es::broker
