#include "dashboard/cluster_reader.h"

#include "client/admin.h"
#include "dashboard/lag_status.h"

#include <algorithm>
#include <set>

namespace es::dashboard {
namespace {

/// Leaders change rarely: read every this many samples.
constexpr uint64_t kRefreshEvery = 10;

std::optional<double> per_second(int64_t now_value, int64_t before_value, int64_t now_ms,
                                 int64_t before_ms) {
    if (now_ms <= before_ms || now_value < before_value) return std::nullopt;
    return static_cast<double>(now_value - before_value) * 1000.0 /
           static_cast<double>(now_ms - before_ms);
}

void add_to(std::optional<double>& sum, std::optional<double> v) {
    if (v) sum = sum.value_or(0) + *v;
}

template <class Series>
void prune(Series& series, int64_t now) {
    while (!series.empty() && series.front().time < now - kHistoryMs) series.pop_front();
}

}  // namespace

ClusterReader::ClusterReader(std::unique_ptr<client::Admin> admin) : admin_(std::move(admin)) {}

ClusterReader::~ClusterReader() = default;

Status ClusterReader::read_topic(int64_t now, const std::string& name, bool refresh,
                                 TopicState& topic) {
    if (refresh || topic.partitions.empty()) {
        ES_TRY(auto infos, admin_->describe_partitions(name));
        std::vector<PartitionState> parts;
        for (const client::PartitionInfo& info : infos) {
            auto old = std::find_if(
                topic.partitions.begin(), topic.partitions.end(),
                [&](const PartitionState& p) { return p.partition == info.id.value(); });
            PartitionState p = old != topic.partitions.end() ? std::move(*old) : PartitionState{};
            p.partition = info.id.value();
            p.leader = info.leader;
            parts.push_back(std::move(p));
        }
        topic.partitions = std::move(parts);
    }
    auto find = [&](int32_t id) -> PartitionState* {
        for (PartitionState& p : topic.partitions) {
            if (p.partition == id) return &p;
        }
        return nullptr;
    };
    ES_TRY(auto offsets, admin_->log_offsets(name));
    for (const client::PartitionOffsets& o : offsets) {
        PartitionState* p = find(o.partition.value());
        if (!p) continue;
        p->start_offset = o.start.value();
        int64_t end = o.end.value();
        p->msgs_per_s.reset();
        if (!p->ends.empty()) {
            p->msgs_per_s = per_second(end, p->ends.back().value, now, p->ends.back().time);
        }
        p->end_offset = end;
        p->ends.push_back({now, end});
        prune(p->ends, now);
    }
    return ok_status();
}

Status ClusterReader::read_topics(int64_t now, ClusterState& state) {
    ES_TRY(auto listed, admin_->list_topics());
    bool refresh = ticks_++ % kRefreshEvery == 0;
    std::map<std::string, TopicState> next;
    std::set<int32_t> leaders;
    std::optional<double> in_rate;
    for (const client::TopicSummary& summary : listed) {
        TopicState topic = std::move(topics_[summary.name]);
        topic.name = summary.name;
        topic.internal = summary.name.starts_with("__");  // as client::Admin tells them apart
        Status read = read_topic(now, summary.name, refresh, topic);
        topic.error = read.ok() ? std::string() : read.error().to_string();
        if (!read.ok()) {
            for (PartitionState& p : topic.partitions) p.msgs_per_s.reset();
        }
        topic.msgs_per_s.reset();
        int64_t messages = 0;
        bool counted = !topic.partitions.empty();
        for (const PartitionState& p : topic.partitions) {
            if (p.leader >= 0) leaders.insert(p.leader);
            add_to(topic.msgs_per_s, p.msgs_per_s);
            counted = counted && p.start_offset && p.end_offset;
            if (counted) messages += *p.end_offset - *p.start_offset;
        }
        topic.messages.reset();
        if (counted) topic.messages = messages;
        if (!topic.internal) add_to(in_rate, topic.msgs_per_s);
        next[summary.name] = std::move(topic);
    }
    topics_ = std::move(next);
    state.topics.clear();
    for (const auto& [name, topic] : topics_) state.topics.push_back(topic);
    // The cluster's brokers from metadata (with their addresses), else the leaders seen.
    if (refresh || brokers_.empty()) {
        if (auto listed_brokers = admin_->brokers(); listed_brokers.ok()) {
            brokers_.clear();
            for (const client::BrokerInfo& b : *listed_brokers) {
                brokers_.push_back({b.id, b.host, b.port});
            }
        }
    }
    state.brokers = brokers_;
    if (state.brokers.empty()) {
        for (int32_t id : leaders) state.brokers.push_back({id, {}, 0});
    }
    state.in_msgs_per_s = in_rate;
    return ok_status();
}

void ClusterReader::read_group(int64_t now, const std::string& name, GroupState& group) {
    group.group = name;
    group.described = true;
    group.error.clear();
    auto fail = [&](const Error& e) {
        group.described = false;
        group.error = e.to_string();
        group.status = LagStatus::err;
    };
    auto described = admin_->describe_group(name);
    if (!described.ok()) return fail(described.error());
    auto offsets = admin_->group_offsets(name);
    if (!offsets.ok()) return fail(offsets.error());
    group.state = std::string(client::to_string(described->state));
    group.members = static_cast<int>(described->members.size());
    std::vector<GroupPartitionState> parts;
    std::vector<LagStatus> statuses;
    std::optional<int64_t> total;
    for (const client::GroupPartitionOffset& row : *offsets) {
        auto old = std::find_if(
            group.partitions.begin(), group.partitions.end(), [&](const GroupPartitionState& p) {
                return p.topic == row.tp.topic && p.partition == row.tp.partition.value();
            });
        GroupPartitionState p =
            old != group.partitions.end() ? std::move(*old) : GroupPartitionState{};
        p.topic = row.tp.topic;
        p.partition = row.tp.partition.value();
        p.committed.reset();
        if (row.committed) p.committed = row.committed->value();
        p.end_offset.reset();
        if (row.log_end) p.end_offset = row.log_end->value();
        p.lag = row.lag;
        p.committed_per_s.reset();
        if (p.committed && !p.points.empty() && p.points.back().committed) {
            p.committed_per_s =
                per_second(*p.committed, *p.points.back().committed, now, p.points.back().time);
        }
        push_lag_point(p.points, {now, p.committed, p.end_offset, p.lag});
        p.status = partition_status(p.points, group.members > 0);
        statuses.push_back(p.status);
        if (p.lag) total = total.value_or(0) + *p.lag;
        parts.push_back(std::move(p));
    }
    group.partitions = std::move(parts);
    group.lag = total;
    group.status = group_status(true, statuses);
    if (total) group.history.push_back({now, *total});
    prune(group.history, now);
}

Status ClusterReader::read_groups(int64_t now, ClusterState& state) {
    ES_TRY(auto listed, admin_->list_groups());
    std::map<std::string, GroupState> next;
    std::optional<double> out_rate;
    for (const client::GroupListing& listing : listed) {
        GroupState group = std::move(groups_[listing.group_id]);
        read_group(now, listing.group_id, group);
        for (const GroupPartitionState& p : group.partitions) add_to(out_rate, p.committed_per_s);
        next[listing.group_id] = std::move(group);
    }
    groups_ = std::move(next);
    state.groups.clear();
    for (const auto& [name, group] : groups_) state.groups.push_back(group);
    state.out_msgs_per_s = out_rate;
    return ok_status();
}

std::map<std::string, JobInput> ClusterReader::job_inputs() const {
    std::map<std::string, JobInput> out;
    for (const auto& [name, group] : groups_) {
        JobInput& in = out[name];
        in.group_lag = group.lag;
        for (const GroupPartitionState& p : group.partitions) {
            if (p.end_offset) in.input_end = in.input_end.value_or(0) + *p.end_offset;
        }
    }
    return out;
}

}  // namespace es::dashboard
