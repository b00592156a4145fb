#include "stream/runtime/topics.h"

#include "client/admin.h"
#include "client/errc.h"
#include "stream/api/errc.h"
#include "stream/api/task.h"
#include "stream/runtime/logger.h"

#include <fmt/core.h>

#include <algorithm>

namespace es::stream::runtime {
namespace {

/// Repartition topics keep records a week: long enough for any lag we expect to recover from;
/// downstream tasks read them soon after they are written.
constexpr const char* kRepartitionRetentionMs = "604800000";

Result<int32_t> partition_count(client::Admin& admin, const std::string& topic) {
    auto parts = admin.describe_partitions(topic);
    if (!parts.ok()) return std::move(parts).error();
    return static_cast<int32_t>(parts->size());
}

/// Creates `topic` with `partitions` unless it exists; an existing one must have that count.
Status ensure_topic(client::Admin& admin, const std::string& topic, int32_t partitions,
                    int16_t replication, const std::map<std::string, std::string>& configs) {
    auto existing = partition_count(admin, topic);
    if (existing.ok()) {
        if (*existing != partitions) {
            return Error(Errc::not_copartitioned,
                         fmt::format("internal topic {} has {} partitions, the job needs {}: "
                                     "delete it or reset the application",
                                     topic, *existing, partitions));
        }
        return ok_status();
    }
    if (!existing.error().is(client::Errc::unknown_topic)) return std::move(existing).error();
    auto created = admin.create_topic(topic, partitions, replication, configs);
    if (!created.ok() && !created.error().is(client::Errc::topic_exists)) return created;
    stream_runtime_log.info("created topic {} ({} partitions)", topic, partitions);
    return ok_status();
}

}  // namespace

std::string TopicPlan::internal_topic(std::string_view suffix) const {
    return fmt::format("{}-{}", app_, suffix);
}

std::string TopicPlan::changelog_topic(std::string_view store) const {
    return fmt::format("{}-{}-changelog", app_, store);
}

int32_t TopicPlan::partitions(std::string_view topic) const {
    auto it = partitions_.find(topic);
    return it == partitions_.end() ? 1 : it->second;
}

std::vector<std::string> TopicPlan::input_topics() const {
    std::vector<std::string> out;
    for (const auto& [topic, sub] : reader_) out.push_back(topic);
    return out;
}

int TopicPlan::subtopology_of(std::string_view topic) const {
    auto it = reader_.find(topic);
    return it == reader_.end() ? -1 : it->second;
}

Result<TopicPlan> TopicPlan::prepare(const Topology& topology, const RuntimeConfig& config,
                                     client::Admin& admin) {
    TopicPlan plan;
    plan.app_ = config.application_id;
    plan.dead_letter_ =
        config.dead_letter_topic.empty() ? plan.internal_topic("dlq") : config.dead_letter_topic;
    // User topics first: they must exist, and they size the repartition topics.
    int32_t widest = 1;
    for (const SubTopology& sub : topology.subtopologies()) {
        for (const auto& in : sub.inputs) {
            if (in.internal) continue;
            auto n = partition_count(admin, in.topic);
            if (!n.ok()) {
                if (n.error().is(client::Errc::unknown_topic)) {
                    return Error(
                        Errc::invalid_config,
                        fmt::format("input topic {} does not exist: create it first", in.topic));
                }
                return std::move(n).error();
            }
            plan.partitions_[in.topic] = *n;
            widest = std::max(widest, *n);
        }
    }
    int32_t repartition =
        config.repartition_partitions > 0 ? config.repartition_partitions : widest;
    for (const std::string& suffix : topology.repartition_topics()) {
        std::string topic = plan.internal_topic(suffix);
        ES_CHECK(ensure_topic(
            admin, topic, repartition, config.replication_factor,
            {{"cleanup.policy", "delete"}, {"retention.ms", kRepartitionRetentionMs}}));
        plan.partitions_[topic] = repartition;
    }
    // Each sub-topology: co-partitioned inputs, then one changelog partition per task.
    for (const SubTopology& sub : topology.subtopologies()) {
        std::optional<int32_t> count;
        std::string first;
        for (const auto& in : sub.inputs) {
            std::string topic = in.internal ? plan.internal_topic(in.topic) : in.topic;
            int32_t n = plan.partitions_.at(topic);
            if (!plan.reader_.emplace(topic, sub.id).second) {
                return Error(Errc::invalid_topology,
                             fmt::format("topic {} is read by two sub-topologies; read it once "
                                         "and share the stream",
                                         topic));
            }
            if (!count) {
                count = n;
                first = topic;
            } else if (*count != n) {
                return Error(Errc::not_copartitioned,
                             fmt::format("{} has {} partitions and {} has {}: inputs joined in "
                                         "one sub-topology need the same number",
                                         first, *count, topic, n));
            }
        }
        std::vector<std::string> stores;
        for (const StoreSpec& s : topology.stores(sub.id)) stores.push_back(s.name);
        stores.push_back(Task::clock_store_name(sub.id));
        for (const std::string& store : stores) {
            std::string topic = plan.changelog_topic(store);
            ES_CHECK(ensure_topic(admin, topic, count.value_or(1), config.replication_factor,
                                  {{"cleanup.policy", "compact"}}));
            plan.partitions_[topic] = count.value_or(1);
        }
    }
    // The dead-letter topic may be shared and sized by its owner: any partition count will do.
    if (!partition_count(admin, plan.dead_letter_).ok()) {
        ES_CHECK(ensure_topic(admin, plan.dead_letter_, 1, config.replication_factor, {}));
    }
    return plan;
}

}  // namespace es::stream::runtime
