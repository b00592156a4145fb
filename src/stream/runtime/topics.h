#pragma once

// The topics a job reads and writes, with their partition counts: checked (inputs exist and
// are co-partitioned) and created (repartition and changelog topics) before any task starts.

#include "base/result.h"
#include "stream/api/topology.h"
#include "stream/runtime/config.h"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace es::client {
class Admin;
}

namespace es::stream::runtime {

class TopicPlan {
  public:
    /// Looks up the job's input topics, checks that the inputs of each sub-topology have the
    /// same partition count (Errc::not_copartitioned naming them), creates the internal topics
    /// that are missing and checks the partition counts of those that exist.
    static Result<TopicPlan> prepare(const Topology& topology, const RuntimeConfig& config,
                                     client::Admin& admin);

    const std::string& application_id() const { return app_; }
    /// `<application id>-<suffix>`.
    std::string internal_topic(std::string_view suffix) const;
    /// `<application id>-<store>-changelog`.
    std::string changelog_topic(std::string_view store) const;
    const std::string& dead_letter_topic() const { return dead_letter_; }
    /// Partitions of a topic the job reads or an internal topic; 1 for one it does not know
    /// (sinks: the producer's partitioner places those records).
    int32_t partitions(std::string_view topic) const;
    /// Full name of every topic the job reads, for the group subscription.
    std::vector<std::string> input_topics() const;
    /// The sub-topology reading `topic`, or -1.
    int subtopology_of(std::string_view topic) const;

  private:
    std::string app_;
    std::string dead_letter_;
    std::map<std::string, int32_t, std::less<>> partitions_;
    std::map<std::string, int, std::less<>> reader_;  // input topic -> sub-topology
};

}  // namespace es::stream::runtime
