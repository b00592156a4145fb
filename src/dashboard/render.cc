#include "dashboard/render.h"

#include <nlohmann/json.hpp>

#include <string_view>

namespace es::dashboard {
namespace {

using Json = nlohmann::json;

/// Absent figures are null rather than 0.
template <class T>
Json opt(const std::optional<T>& v) {
    return v ? Json(*v) : Json(nullptr);
}

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

Json alert_json(const Alert& a) {
    return {{"rule", a.rule},
            {"severity", std::string(to_string(a.severity))},
            {"subject", a.subject},
            {"message", a.message},
            {"since", a.since}};
}

Json alerts_array(const ClusterState& s) {
    Json out = Json::array();
    for (const Alert& a : s.alerts) out.push_back(alert_json(a));
    return out;
}

Json overview(const ClusterState& s) {
    Json brokers = Json::array();
    for (const ClusterState::Broker& b : s.brokers) {
        if (b.host.empty()) {
            brokers.push_back({{"id", b.id}, {"host", nullptr}, {"port", nullptr}});
        } else {
            brokers.push_back({{"id", b.id}, {"host", b.host}, {"port", b.port}});
        }
    }
    size_t partitions = 0;
    for (const TopicState& t : s.topics) partitions += t.partitions.size();
    Json latency = nullptr;
    if (s.latency) {
        latency = {{"p50", s.latency->p50}, {"p99", s.latency->p99}, {"max", s.latency->max}};
    }
    Json j = {{"time", s.time},
              {"brokers", brokers},
              {"topics", s.topics.size()},
              {"partitions", partitions},
              {"in_msgs_per_s", opt(s.in_msgs_per_s)},
              {"out_msgs_per_s", opt(s.out_msgs_per_s)},
              {"groups", s.groups.size()},
              {"jobs", s.jobs.size()},
              {"alerts", alerts_array(s)},
              {"latency_ms", latency}};
    if (!s.error.empty()) j["error"] = s.error;
    return j;
}

Json topics(const ClusterState& s) {
    Json list = Json::array();
    for (const TopicState& t : s.topics) {
        Json parts = Json::array();
        for (const PartitionState& p : t.partitions) {
            parts.push_back({{"partition", p.partition},
                             {"leader", p.leader},
                             {"start_offset", opt(p.start_offset)},
                             {"end_offset", opt(p.end_offset)},
                             {"msgs_per_s", opt(p.msgs_per_s)}});
        }
        Json topic = {{"name", t.name},
                      {"internal", t.internal},
                      {"partitions", parts},
                      {"messages", opt(t.messages)},
                      {"msgs_per_s", opt(t.msgs_per_s)}};
        if (!t.error.empty()) topic["error"] = t.error;
        list.push_back(std::move(topic));
    }
    return {{"time", s.time}, {"topics", list}};
}

Json groups(const ClusterState& s) {
    Json list = Json::array();
    for (const GroupState& g : s.groups) {
        Json parts = Json::array();
        for (const GroupPartitionState& p : g.partitions) {
            parts.push_back({{"topic", p.topic},
                             {"partition", p.partition},
                             {"committed", opt(p.committed)},
                             {"end_offset", opt(p.end_offset)},
                             {"lag", opt(p.lag)},
                             {"status", std::string(to_string(p.status))}});
        }
        Json history = Json::array();
        for (const TimedValue& v : g.history) history.push_back({v.time, v.value});
        Json group = {{"group", g.group},
                      {"state", g.state},
                      {"members", g.members},
                      {"lag", opt(g.lag)},
                      {"status", std::string(to_string(g.status))},
                      {"partitions", parts},
                      {"history", history}};
        if (!g.error.empty()) group["error"] = g.error;
        list.push_back(std::move(group));
    }
    return {{"time", s.time}, {"groups", list}};
}

Json jobs(const ClusterState& s) {
    Json list = Json::array();
    for (const JobState& j : s.jobs) {
        Json ops = Json::array();
        for (const OperatorState& o : j.operators) {
            ops.push_back({{"node", o.node},
                           {"in_per_s", opt(o.in_per_s)},
                           {"out_per_s", opt(o.out_per_s)},
                           {"late", o.late},
                           {"dropped", o.dropped}});
        }
        list.push_back({{"job", j.job},
                        {"instances", j.instances},
                        {"records_per_s", opt(j.records_per_s)},
                        {"records_processed", j.records_processed},
                        {"bad_records", j.bad_records},
                        {"commits", j.commits},
                        {"last_commit_ms", opt(j.last_commit_ms)},
                        {"max_commit_ms", opt(j.max_commit_ms)},
                        {"consumer_lag", opt(j.consumer_lag)},
                        {"watermark_lag_ms", opt(j.watermark_lag_ms)},
                        {"late_records", j.late_records},
                        {"state_entries", j.state_entries},
                        {"state_bytes", j.state_bytes},
                        {"thread_restarts", opt(j.thread_restarts)},
                        {"updated", j.updated},
                        {"operators", ops}});
    }
    return {{"time", s.time}, {"jobs", list}};
}

Json attribution(const ClusterState& s) {
    Json list = Json::array();
    for (const CampaignWindow& c : s.campaigns) {
        list.push_back({{"campaign", c.campaign},
                        {"window_end", c.window_end},
                        {"impressions", c.impressions},
                        {"clicks", c.clicks},
                        {"conversions", c.conversions},
                        {"revenue", c.revenue}});
    }
    return {{"time", s.time}, {"topic", s.attribution_topic}, {"campaigns", list}};
}

}  // namespace

RenderedSnapshot render(const ClusterState& state) {
    RenderedSnapshot r;
    r.overview = dump(overview(state));
    r.topics = dump(topics(state));
    r.groups = dump(groups(state));
    r.jobs = dump(jobs(state));
    r.attribution = dump(attribution(state));
    r.alerts = dump(Json{{"time", state.time}, {"alerts", alerts_array(state)}});
    // Spliced rather than rendered again: the parts are already valid JSON.
    r.event = "{\"overview\":" + r.overview + ",\"topics\":" + r.topics +
              ",\"groups\":" + r.groups + ",\"jobs\":" + r.jobs +
              ",\"attribution\":" + r.attribution + ",\"alerts\":" + r.alerts + "}";
    return r;
}

}  // namespace es::dashboard
