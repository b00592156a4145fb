#pragma once

// Topics and consumer groups as the admin API reports them, sampled into ClusterState with
// rates and histories.

#include "base/result.h"
#include "client/fwd.h"
#include "dashboard/jobs.h"
#include "dashboard/state.h"

#include <map>
#include <memory>
#include <string>

namespace es::dashboard {

/// Runs on: one thread (the sampler's); every call blocks on the cluster.
class ClusterReader {
  public:
    explicit ClusterReader(std::unique_ptr<client::Admin> admin);
    ~ClusterReader();
    ClusterReader(const ClusterReader&) = delete;
    ClusterReader& operator=(const ClusterReader&) = delete;

    /// Fills state.topics, state.brokers and state.in_msgs_per_s. A topic whose offsets
    /// cannot be read keeps its partitions with null offsets and says why in its `error`.
    Status read_topics(int64_t now, ClusterState& state);
    /// Fills state.groups (with lag status) and state.out_msgs_per_s.
    Status read_groups(int64_t now, ClusterState& state);
    /// What the groups say about the jobs' inputs, by group id (a job's group is its name).
    std::map<std::string, JobInput> job_inputs() const;

  private:
    Status read_topic(int64_t now, const std::string& name, bool refresh, TopicState& topic);
    void read_group(int64_t now, const std::string& name, GroupState& group);

    std::unique_ptr<client::Admin> admin_;
    std::map<std::string, TopicState> topics_;   // with their histories
    std::vector<ClusterState::Broker> brokers_;  // from metadata, read again on refresh
    std::map<std::string, GroupState> groups_;
    uint64_t ticks_ = 0;
};

}  // namespace es::dashboard
