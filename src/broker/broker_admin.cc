// Topic administration: create, delete, grow and reconfigure topics, and per-partition
// statistics. Each change goes to the catalog first, then to the partitions on their shards.

#include "broker/broker.h"
#include "broker/broker_internal.h"
#include "broker/errc.h"
#include "broker/logger.h"
#include "storage/group_committer.h"
#include "storage/log.h"

#include <algorithm>

namespace es::broker {

using model::TopicPartition;

namespace {

/// For a Gather<Status> over partitions: `done` with the first failure, or success.
std::function<void(std::vector<Status>)> first_failure(std::function<void(Status)> done) {
    return [done = std::move(done)](std::vector<Status> results) {
        for (auto& r : results) {
            if (!r.ok()) return done(std::move(r));
        }
        done(Status{});
    };
}

}  // namespace

void Broker::open_on_owners(Executor& origin, const TopicInfo& topic, int32_t from, int32_t to,
                            std::function<void(Status)> done) {
    auto gather = std::make_shared<Gather<Status>>(origin, static_cast<size_t>(to - from),
                                                   first_failure(std::move(done)));
    for (int32_t i = from; i < to; ++i) {
        TopicPartition tp{topic.name, model::PartitionId(i)};
        size_t shard = owner(tp);
        shards_[shard]->post([this, shard, topic, i, gather, from] {
            auto p = open_partition(topic, i);
            if (!p.ok()) {
                gather->complete(static_cast<size_t>(i - from),
                                 Error(Errc::kafka_storage_error, p.error().to_string()));
                return;
            }
            TopicPartition key = (*p)->tp();
            shard_state_[shard]->partitions[key] = std::move(p).value();
            gather->complete(static_cast<size_t>(i - from), Status{});
        });
    }
    gather->start_if_empty();
}

void Broker::create_topic(Executor& origin, std::string name, int32_t partitions,
                          std::map<std::string, std::string> configs, bool validate_only,
                          std::function<void(Result<TopicInfo>)> done) {
    if (partitions == -1) partitions = config_.num_partitions;
    auto created = catalog_.create(name, partitions, std::move(configs), validate_only);
    if (!created.ok() || validate_only) {
        origin.post([done, created] { done(created); });
        return;
    }
    TopicInfo info = *created;
    broker_log.info("created topic {} with {} partitions", info.name, info.partitions);
    open_on_owners(origin, info, 0, info.partitions, [done, info](Status opened) {
        if (!opened.ok()) {
            done(std::move(opened).error());
        } else {
            done(info);
        }
    });
}

void Broker::delete_topic(Executor& origin, std::string name, std::function<void(Status)> done) {
    auto topic = catalog_.find(name);
    if (!topic) {
        origin.post([done, name] {
            done(Error(Errc::unknown_topic_or_partition, "topic '" + name + "' does not exist"));
        });
        return;
    }
    // The catalog first: after a crash in between, start() removes the orphaned directories.
    auto removed = catalog_.remove(name);
    if (!removed.ok()) {
        origin.post([done, removed] { done(removed); });
        return;
    }
    auto gather = std::make_shared<Gather<Status>>(origin, static_cast<size_t>(topic->partitions),
                                                   first_failure(std::move(done)));
    for (int32_t i = 0; i < topic->partitions; ++i) {
        TopicPartition tp{name, model::PartitionId(i)};
        size_t shard = owner(tp);
        shards_[shard]->post([this, shard, tp, gather, i] {
            Status result;
            auto& parts = shard_state_[shard]->partitions;
            if (auto it = parts.find(tp); it != parts.end()) {
                result = it->second->log().remove();
                parts.erase(it);
            }
            gather->complete(static_cast<size_t>(i), std::move(result));
        });
    }
    gather->start_if_empty();
    broker_log.info("deleted topic {}", name);
}

void Broker::create_partitions(Executor& origin, std::string name, int32_t count,
                               bool validate_only, std::function<void(Status)> done) {
    auto topic = catalog_.find(name);
    if (!topic) {
        origin.post([done, name] {
            done(Error(Errc::unknown_topic_or_partition, "topic '" + name + "' does not exist"));
        });
        return;
    }
    if (count <= topic->partitions || count > 100000) {
        origin.post([done, topic, count] {
            done(Error(Errc::invalid_partitions,
                       "topic '" + topic->name + "' has " + std::to_string(topic->partitions) +
                           " partitions; " + std::to_string(count) + " would not be more"));
        });
        return;
    }
    if (validate_only) {
        origin.post([done] { done(Status{}); });
        return;
    }
    auto updated = catalog_.set_partitions(name, count);
    if (!updated.ok()) {
        origin.post([done, updated] { done(updated.error()); });
        return;
    }
    open_on_owners(origin, *updated, topic->partitions, count, std::move(done));
}

void Broker::set_topic_configs(Executor& origin, std::string name,
                               std::map<std::string, std::string> configs, bool validate_only,
                               std::function<void(Status)> done) {
    if (!catalog_.find(name)) {
        origin.post([done, name] {
            done(Error(Errc::unknown_topic_or_partition, "topic '" + name + "' does not exist"));
        });
        return;
    }
    if (validate_only) {
        auto checked = TopicConfig::make(catalog_.defaults(), std::move(configs));
        origin.post([done, checked] { done(checked.ok() ? Status{} : Status(checked.error())); });
        return;
    }
    auto updated = catalog_.set_configs(name, std::move(configs));
    if (!updated.ok()) {
        origin.post([done, updated] { done(updated.error()); });
        return;
    }
    TopicInfo info = *updated;
    auto gather = std::make_shared<Gather<Status>>(origin, static_cast<size_t>(info.partitions),
                                                   [done](std::vector<Status>) { done(Status{}); });
    for (int32_t i = 0; i < info.partitions; ++i) {
        TopicPartition tp{name, model::PartitionId(i)};
        size_t shard = owner(tp);
        shards_[shard]->post([this, shard, tp, info, gather, i] {
            if (Partition* p = local(shard, tp)) apply_topic_settings(*p, info);
            gather->complete(static_cast<size_t>(i), Status{});
        });
    }
    gather->start_if_empty();
}

Broker::FlushFigures Broker::flush_figures() const {
    FlushFigures f;
    if (!committer_) return f;
    storage::GroupCommitter::Stats stats = committer_->stats();
    f.requests = stats.requests;
    f.syncs = stats.syncs;
    f.latency = committer_->sync_latency();
    return f;
}

void Broker::partition_stats(Executor& origin,
                             std::function<void(std::vector<PartitionStats>)> done) {
    auto gather = std::make_shared<Gather<std::vector<PartitionStats>>>(
        origin, shards_.size(), [done](std::vector<std::vector<PartitionStats>> per_shard) {
            std::vector<PartitionStats> all;
            for (auto& v : per_shard) all.insert(all.end(), v.begin(), v.end());
            std::sort(all.begin(), all.end(),
                      [](const PartitionStats& a, const PartitionStats& b) { return a.tp < b.tp; });
            done(std::move(all));
        });
    for (size_t shard = 0; shard < shards_.size(); ++shard) {
        shards_[shard]->post([this, shard, gather] {
            std::vector<PartitionStats> stats;
            for (const auto& [tp, p] : shard_state_[shard]->partitions) {
                stats.push_back({tp, p->log().size_bytes(), p->log().start_offset(),
                                 p->log().end_offset(), p->high_watermark()});
            }
            gather->complete(shard, std::move(stats));
        });
    }
    gather->start_if_empty();
}

}  // namespace es::broker
