#include "client/admin.h"

#include "client/errc.h"
#include "client/handle.h"

#include <fmt/core.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <utility>

namespace es::client {
namespace {

struct OptionsDeleter {
    void operator()(rd_kafka_AdminOptions_t* o) const { rd_kafka_AdminOptions_destroy(o); }
};
struct EventDeleter {
    void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};
struct MetadataDeleter {
    void operator()(const rd_kafka_metadata_t* md) const { rd_kafka_metadata_destroy(md); }
};
struct NewTopicDeleter {
    void operator()(rd_kafka_NewTopic_t* t) const { rd_kafka_NewTopic_destroy(t); }
};
struct DeleteTopicDeleter {
    void operator()(rd_kafka_DeleteTopic_t* t) const { rd_kafka_DeleteTopic_destroy(t); }
};
struct NewPartitionsDeleter {
    void operator()(rd_kafka_NewPartitions_t* p) const { rd_kafka_NewPartitions_destroy(p); }
};
struct ConfigResourceDeleter {
    void operator()(rd_kafka_ConfigResource_t* r) const { rd_kafka_ConfigResource_destroy(r); }
};

struct DeleteGroupDeleter {
    void operator()(rd_kafka_DeleteGroup_t* g) const { rd_kafka_DeleteGroup_destroy(g); }
};
struct ListGroupOffsetsDeleter {
    void operator()(rd_kafka_ListConsumerGroupOffsets_t* r) const {
        rd_kafka_ListConsumerGroupOffsets_destroy(r);
    }
};
struct AlterGroupOffsetsDeleter {
    void operator()(rd_kafka_AlterConsumerGroupOffsets_t* r) const {
        rd_kafka_AlterConsumerGroupOffsets_destroy(r);
    }
};
struct DeleteGroupOffsetsDeleter {
    void operator()(rd_kafka_DeleteConsumerGroupOffsets_t* r) const {
        rd_kafka_DeleteConsumerGroupOffsets_destroy(r);
    }
};

using EventPtr = std::unique_ptr<rd_kafka_event_t, EventDeleter>;
using detail::PartitionListPtr;

GroupState state_of(rd_kafka_consumer_group_state_t s) {
    switch (s) {
        case RD_KAFKA_CONSUMER_GROUP_STATE_PREPARING_REBALANCE:
            return GroupState::preparing_rebalance;
        case RD_KAFKA_CONSUMER_GROUP_STATE_COMPLETING_REBALANCE:
            return GroupState::completing_rebalance;
        case RD_KAFKA_CONSUMER_GROUP_STATE_STABLE:
            return GroupState::stable;
        case RD_KAFKA_CONSUMER_GROUP_STATE_DEAD:
            return GroupState::dead;
        case RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY:
            return GroupState::empty;
        case RD_KAFKA_CONSUMER_GROUP_STATE_UNKNOWN:
        case RD_KAFKA_CONSUMER_GROUP_STATE__CNT:
            break;
    }
    return GroupState::unknown;
}

Error error_of(const rd_kafka_error_t* error, std::string_view context) {
    const char* text = rd_kafka_error_string(error);
    return detail::make_error(rd_kafka_error_code(error), context, text ? text : "");
}

/// The one group result of a ListConsumerGroupOffsets/AlterConsumerGroupOffsets/
/// DeleteConsumerGroupOffsets/DeleteGroups answer, or its error.
Result<const rd_kafka_group_result_t*> one_group(const rd_kafka_group_result_t** results,
                                                 size_t count, std::string_view context) {
    if (count != 1) {
        return Error(Errc::local, fmt::format("{}: {} results for one group", context, count));
    }
    if (const rd_kafka_error_t* error = rd_kafka_group_result_error(results[0])) {
        return error_of(error, context);
    }
    return results[0];
}

/// The first partition-level error of a group result's partitions, if any.
Status partition_errors(const rd_kafka_topic_partition_list_t* list, std::string_view context) {
    if (!list) return ok_status();
    for (int i = 0; i < list->cnt; ++i) {
        const rd_kafka_topic_partition_t& p = list->elems[i];
        if (p.err) {
            return detail::make_error(
                p.err, fmt::format("{}: partition {}-{}", context, p.topic, p.partition));
        }
    }
    return ok_status();
}
using MetadataPtr = std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>;

ConfigSource source_of(rd_kafka_ConfigSource_t s) {
    switch (s) {
        case RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG:
            return ConfigSource::dynamic_topic;
        case RD_KAFKA_CONFIG_SOURCE_DYNAMIC_BROKER_CONFIG:
            return ConfigSource::dynamic_broker;
        case RD_KAFKA_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER_CONFIG:
            return ConfigSource::dynamic_default_broker;
        case RD_KAFKA_CONFIG_SOURCE_STATIC_BROKER_CONFIG:
            return ConfigSource::static_broker;
        case RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG:
            return ConfigSource::default_config;
        case RD_KAFKA_CONFIG_SOURCE_UNKNOWN_CONFIG:
        case RD_KAFKA_CONFIG_SOURCE__CNT:
            break;
    }
    return ConfigSource::unknown;
}

std::string quoted(std::string_view what, const std::string& name) {
    return fmt::format("{} \"{}\"", what, name);
}

}  // namespace

std::string_view to_string(ConfigSource source) {
    switch (source) {
        case ConfigSource::unknown:
            return "UNKNOWN";
        case ConfigSource::dynamic_topic:
            return "DYNAMIC_TOPIC_CONFIG";
        case ConfigSource::dynamic_broker:
            return "DYNAMIC_BROKER_CONFIG";
        case ConfigSource::dynamic_default_broker:
            return "DYNAMIC_DEFAULT_BROKER_CONFIG";
        case ConfigSource::static_broker:
            return "STATIC_BROKER_CONFIG";
        case ConfigSource::default_config:
            return "DEFAULT_CONFIG";
    }
    return "UNKNOWN";
}

std::string_view to_string(GroupState state) {
    switch (state) {
        case GroupState::unknown:
            return "Unknown";
        case GroupState::preparing_rebalance:
            return "PreparingRebalance";
        case GroupState::completing_rebalance:
            return "CompletingRebalance";
        case GroupState::stable:
            return "Stable";
        case GroupState::dead:
            return "Dead";
        case GroupState::empty:
            return "Empty";
    }
    return "Unknown";
}

struct Admin::Impl : detail::HandleState {
    detail::HandlePtr rk;
    rd_kafka_queue_t* queue = nullptr;
    std::chrono::milliseconds timeout{};

    ~Impl() override {
        if (queue) rd_kafka_queue_destroy(queue);
        rk.reset();
    }

    std::unique_ptr<rd_kafka_AdminOptions_t, OptionsDeleter> options(rd_kafka_admin_op_t op) {
        std::unique_ptr<rd_kafka_AdminOptions_t, OptionsDeleter> o(
            rd_kafka_AdminOptions_new(rk.get(), op));
        char errstr[256];
        // Only fails for a value out of range, which to_ms() rules out.
        if (rd_kafka_AdminOptions_set_request_timeout(o.get(), detail::to_ms(timeout), errstr,
                                                      sizeof errstr) !=
            RD_KAFKA_RESP_ERR_NO_ERROR) {
            rd_kafka_AdminOptions_set_request_timeout(o.get(), 30000, errstr, sizeof errstr);
        }
        return o;
    }

    /// The result of the request just issued on `queue`.
    Result<EventPtr> wait(std::string_view context) {
        // librdkafka times the request out itself; the margin only guards against a lost event.
        EventPtr ev(rd_kafka_queue_poll(queue, detail::to_ms(timeout + std::chrono::seconds(5))));
        rd_kafka_poll(rk.get(), 0);  // collects the client-wide errors behind a timeout
        if (!ev) return detail::timeout_error(context, timeout, *this);
        if (rd_kafka_resp_err_t err = rd_kafka_event_error(ev.get())) {
            std::string where = err == RD_KAFKA_RESP_ERR__TIMED_OUT
                                    ? fmt::format("{} (timeout {} ms)", context, timeout.count())
                                    : std::string(context);
            return detail::make_error(err, where, rd_kafka_event_error_string(ev.get()), this);
        }
        return ev;
    }

    /// The error of the one topic a CreateTopics/DeleteTopics/CreatePartitions result holds.
    static Status topic_result(const rd_kafka_topic_result_t** results, size_t count,
                               std::string_view context) {
        if (count != 1) {
            return Error(Errc::local, fmt::format("{}: {} results for one topic", context, count));
        }
        if (rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[0])) {
            const char* text = rd_kafka_topic_result_error_string(results[0]);
            return detail::make_error(err, context, text ? text : "");
        }
        return ok_status();
    }

    Result<MetadataPtr> metadata(std::string_view context) {
        const rd_kafka_metadata_t* raw = nullptr;
        rd_kafka_resp_err_t err =
            rd_kafka_metadata(rk.get(), 1, nullptr, &raw, detail::to_ms(timeout));
        rd_kafka_poll(rk.get(), 0);
        if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) {
            return detail::timeout_error(context, timeout, *this);
        }
        if (err) return detail::make_error(err, context, {}, this);
        return MetadataPtr(raw);
    }

    /// The partition's log start and end offsets.
    Result<std::pair<int64_t, int64_t>> watermarks(const model::TopicPartition& tp) {
        int64_t low = -1;
        int64_t high = -1;
        std::string context = "reading the offsets of " + tp.to_string();
        rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
            rk.get(), tp.topic.c_str(), tp.partition.value(), &low, &high, detail::to_ms(timeout));
        rd_kafka_poll(rk.get(), 0);
        if (err == RD_KAFKA_RESP_ERR__TIMED_OUT)
            return detail::timeout_error(context, timeout, *this);
        if (err) return detail::make_error(err, context, {}, this);
        return std::pair{low, high};
    }

    /// The group's committed offsets: of `partitions`, or all of them when null.
    Result<PartitionListPtr> committed(const std::string& group,
                                       const rd_kafka_topic_partition_list_t* partitions,
                                       std::string_view context) {
        std::unique_ptr<rd_kafka_ListConsumerGroupOffsets_t, ListGroupOffsetsDeleter> request(
            rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), partitions));
        auto opts = options(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS);
        rd_kafka_ListConsumerGroupOffsets_t* requests[] = {request.get()};
        rd_kafka_ListConsumerGroupOffsets(rk.get(), requests, 1, opts.get(), queue);
        ES_TRY(EventPtr ev, wait(context));
        size_t count = 0;
        const rd_kafka_group_result_t** results = rd_kafka_ListConsumerGroupOffsets_result_groups(
            rd_kafka_event_ListConsumerGroupOffsets_result(ev.get()), &count);
        ES_TRY(const rd_kafka_group_result_t* result, one_group(results, count, context));
        const rd_kafka_topic_partition_list_t* list = rd_kafka_group_result_partitions(result);
        return PartitionListPtr(list ? rd_kafka_topic_partition_list_copy(list)
                                     : rd_kafka_topic_partition_list_new(0));
    }
};

Admin::Admin(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Admin::~Admin() = default;

Result<std::unique_ptr<Admin>> Admin::make(const ClientConfig& config) {
    auto impl = std::make_unique<Impl>();
    impl->timeout = config.timeout;
    static const std::map<std::string, std::string> defaults = {{"client.id", "edgestream"}};
    // The Admin API runs on a producer handle, which sends nothing until asked.
    ES_TRY(impl->rk, detail::make_handle(detail::HandleKind::producer, config, defaults, *impl));
    impl->queue = rd_kafka_queue_new(impl->rk.get());
    return std::unique_ptr<Admin>(new Admin(std::move(impl)));
}

Status Admin::create_topic(const std::string& name, int32_t partitions, int16_t replication_factor,
                           const std::map<std::string, std::string>& configs) {
    std::string context = quoted("creating topic", name);
    if (name.empty()) return Error(Errc::invalid_argument, "creating a topic: empty name");
    if (partitions == 0 || partitions < -1 || replication_factor == 0 || replication_factor < -1) {
        return Error(Errc::invalid_argument,
                     fmt::format("{}: {} partitions, replication factor {} (each must be at least "
                                 "1, or -1 for the broker's default)",
                                 context, partitions, replication_factor));
    }
    char errstr[512];
    std::unique_ptr<rd_kafka_NewTopic_t, NewTopicDeleter> topic(
        rd_kafka_NewTopic_new(name.c_str(), partitions, replication_factor, errstr, sizeof errstr));
    if (!topic) return Error(Errc::invalid_argument, fmt::format("{}: {}", context, errstr));
    for (const auto& [key, value] : configs) {
        if (rd_kafka_resp_err_t err =
                rd_kafka_NewTopic_set_config(topic.get(), key.c_str(), value.c_str())) {
            return detail::make_error(err, fmt::format("{}: config \"{}\"", context, key));
        }
    }
    auto options = impl_->options(RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_NewTopic_t* topics[] = {topic.get()};
    rd_kafka_CreateTopics(impl_->rk.get(), topics, 1, options.get(), impl_->queue);
    ES_TRY(EventPtr ev, impl_->wait(context));
    size_t count = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev.get()), &count);
    return Impl::topic_result(results, count, context);
}

Status Admin::delete_topic(const std::string& name) {
    std::string context = quoted("deleting topic", name);
    if (name.empty()) return Error(Errc::invalid_argument, "deleting a topic: empty name");
    std::unique_ptr<rd_kafka_DeleteTopic_t, DeleteTopicDeleter> topic(
        rd_kafka_DeleteTopic_new(name.c_str()));
    auto options = impl_->options(RD_KAFKA_ADMIN_OP_DELETETOPICS);
    rd_kafka_DeleteTopic_t* topics[] = {topic.get()};
    rd_kafka_DeleteTopics(impl_->rk.get(), topics, 1, options.get(), impl_->queue);
    ES_TRY(EventPtr ev, impl_->wait(context));
    size_t count = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev.get()), &count);
    return Impl::topic_result(results, count, context);
}

Result<std::vector<BrokerInfo>> Admin::brokers() {
    ES_TRY(MetadataPtr md, impl_->metadata("listing brokers"));
    std::vector<BrokerInfo> out;
    for (int i = 0; i < md->broker_cnt; ++i) {
        const rd_kafka_metadata_broker_t& b = md->brokers[i];
        out.push_back({b.id, b.host ? b.host : "", b.port});
    }
    std::sort(out.begin(), out.end(),
              [](const BrokerInfo& a, const BrokerInfo& b) { return a.id < b.id; });
    return out;
}

Result<std::vector<TopicSummary>> Admin::list_topics() {
    ES_TRY(MetadataPtr md, impl_->metadata("listing topics"));
    std::vector<TopicSummary> out;
    for (int i = 0; i < md->topic_cnt; ++i) {
        const rd_kafka_metadata_topic_t& t = md->topics[i];
        TopicSummary& s = out.emplace_back();
        s.name = t.topic;
        s.partitions = t.partition_cnt;
        s.replication_factor = t.partition_cnt > 0 ? t.partitions[0].replica_cnt : 0;
    }
    std::sort(out.begin(), out.end(),
              [](const TopicSummary& a, const TopicSummary& b) { return a.name < b.name; });
    return out;
}

Result<std::vector<PartitionInfo>> Admin::describe_partitions(const std::string& name) {
    std::string context = quoted("describing topic", name);
    // All topics: a request naming the topic could make a broker auto-create it.
    ES_TRY(MetadataPtr md, impl_->metadata(context));
    for (int i = 0; i < md->topic_cnt; ++i) {
        const rd_kafka_metadata_topic_t& t = md->topics[i];
        if (name != t.topic) continue;
        if (t.err) return detail::make_error(t.err, context);
        std::vector<PartitionInfo> out;
        for (int p = 0; p < t.partition_cnt; ++p) {
            const rd_kafka_metadata_partition_t& mp = t.partitions[p];
            PartitionInfo& info = out.emplace_back();
            info.id = model::PartitionId(mp.id);
            info.leader = mp.leader;
            info.replicas.assign(mp.replicas, mp.replicas + mp.replica_cnt);
            info.isr.assign(mp.isrs, mp.isrs + mp.isr_cnt);
            if (mp.err) info.error = rd_kafka_err2name(mp.err);
        }
        std::sort(out.begin(), out.end(),
                  [](const PartitionInfo& a, const PartitionInfo& b) { return a.id < b.id; });
        return out;
    }
    return Error(Errc::unknown_topic, context + ": no such topic");
}

Result<std::vector<ConfigEntry>> Admin::describe_configs(const std::string& name) {
    std::string context = quoted("describing the configs of topic", name);
    if (name.empty()) return Error(Errc::invalid_argument, "describing configs: empty topic name");
    std::unique_ptr<rd_kafka_ConfigResource_t, ConfigResourceDeleter> resource(
        rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name.c_str()));
    auto options = impl_->options(RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
    rd_kafka_ConfigResource_t* resources[] = {resource.get()};
    rd_kafka_DescribeConfigs(impl_->rk.get(), resources, 1, options.get(), impl_->queue);
    ES_TRY(EventPtr ev, impl_->wait(context));
    size_t count = 0;
    const rd_kafka_ConfigResource_t** results = rd_kafka_DescribeConfigs_result_resources(
        rd_kafka_event_DescribeConfigs_result(ev.get()), &count);
    if (count != 1) {
        return Error(Errc::local, fmt::format("{}: {} results for one topic", context, count));
    }
    if (rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(results[0])) {
        const char* text = rd_kafka_ConfigResource_error_string(results[0]);
        return detail::make_error(err, context, text ? text : "");
    }
    size_t n = 0;
    const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(results[0], &n);
    std::vector<ConfigEntry> out;
    for (size_t i = 0; i < n; ++i) {
        ConfigEntry& e = out.emplace_back();
        e.name = rd_kafka_ConfigEntry_name(entries[i]);
        if (const char* value = rd_kafka_ConfigEntry_value(entries[i])) e.value = value;
        e.source = source_of(rd_kafka_ConfigEntry_source(entries[i]));
        e.is_default = rd_kafka_ConfigEntry_is_default(entries[i]) != 0;
        e.read_only = rd_kafka_ConfigEntry_is_read_only(entries[i]) != 0;
        e.sensitive = rd_kafka_ConfigEntry_is_sensitive(entries[i]) != 0;
    }
    std::sort(out.begin(), out.end(),
              [](const ConfigEntry& a, const ConfigEntry& b) { return a.name < b.name; });
    return out;
}

Result<TopicDescription> Admin::describe_topic(const std::string& name) {
    TopicDescription d;
    d.name = name;
    ES_TRY(d.partitions, describe_partitions(name));
    ES_TRY(d.configs, describe_configs(name));
    return d;
}

Status Admin::alter_topic_configs(const std::string& name,
                                  const std::map<std::string, std::string>& set,
                                  const std::vector<std::string>& remove) {
    std::string context = quoted("altering the configs of topic", name);
    for (const std::string& key : remove) {
        if (set.count(key)) {
            return Error(Errc::invalid_argument,
                         fmt::format("{}: \"{}\" is both set and removed", context, key));
        }
    }
    // AlterConfigs replaces the topic's whole set of overrides: start from the current ones.
    ES_TRY(std::vector<ConfigEntry> current, describe_configs(name));
    std::map<std::string, std::string> overrides;
    for (const ConfigEntry& e : current) {
        if (e.source != ConfigSource::dynamic_topic) continue;
        if (!e.value) {
            return Error(Errc::unsupported,
                         fmt::format("{}: the override \"{}\" is sensitive and cannot be read "
                                     "back, so AlterConfigs would drop it",
                                     context, e.name));
        }
        overrides[e.name] = *e.value;
    }
    for (const std::string& key : remove) overrides.erase(key);
    for (const auto& [key, value] : set) overrides[key] = value;

    std::unique_ptr<rd_kafka_ConfigResource_t, ConfigResourceDeleter> resource(
        rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name.c_str()));
    for (const auto& [key, value] : overrides) {
        if (rd_kafka_resp_err_t err =
                rd_kafka_ConfigResource_set_config(resource.get(), key.c_str(), value.c_str())) {
            return detail::make_error(err, fmt::format("{}: config \"{}\"", context, key));
        }
    }
    auto options = impl_->options(RD_KAFKA_ADMIN_OP_ALTERCONFIGS);
    rd_kafka_ConfigResource_t* resources[] = {resource.get()};
    rd_kafka_AlterConfigs(impl_->rk.get(), resources, 1, options.get(), impl_->queue);
    ES_TRY(EventPtr ev, impl_->wait(context));
    size_t count = 0;
    const rd_kafka_ConfigResource_t** results = rd_kafka_AlterConfigs_result_resources(
        rd_kafka_event_AlterConfigs_result(ev.get()), &count);
    if (count != 1) {
        return Error(Errc::local, fmt::format("{}: {} results for one topic", context, count));
    }
    if (rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(results[0])) {
        const char* text = rd_kafka_ConfigResource_error_string(results[0]);
        return detail::make_error(err, context, text ? text : "");
    }
    return ok_status();
}

Status Admin::create_partitions(const std::string& name, int32_t total_partitions) {
    std::string context = quoted("adding partitions to topic", name);
    if (name.empty()) return Error(Errc::invalid_argument, "adding partitions: empty topic name");
    if (total_partitions < 1) {
        return Error(Errc::invalid_argument,
                     fmt::format("{}: a topic needs at least one partition, not {}", context,
                                 total_partitions));
    }
    char errstr[512];
    std::unique_ptr<rd_kafka_NewPartitions_t, NewPartitionsDeleter> request(
        rd_kafka_NewPartitions_new(name.c_str(), static_cast<size_t>(total_partitions), errstr,
                                   sizeof errstr));
    if (!request) return Error(Errc::invalid_argument, fmt::format("{}: {}", context, errstr));
    auto options = impl_->options(RD_KAFKA_ADMIN_OP_CREATEPARTITIONS);
    rd_kafka_NewPartitions_t* requests[] = {request.get()};
    rd_kafka_CreatePartitions(impl_->rk.get(), requests, 1, options.get(), impl_->queue);
    ES_TRY(EventPtr ev, impl_->wait(context));
    size_t count = 0;
    const rd_kafka_topic_result_t** results = rd_kafka_CreatePartitions_result_topics(
        rd_kafka_event_CreatePartitions_result(ev.get()), &count);
    return Impl::topic_result(results, count, context);
}

// --- consumer groups ------------------------------------------------------------------------

Result<std::vector<GroupListing>> Admin::list_groups() {
    constexpr std::string_view context = "listing consumer groups";
    // rd_kafka_list_groups (ListGroups v0 to every broker, then DescribeGroups), not
    // rd_kafka_ListConsumerGroups: librdkafka 2.0.2 sends ListGroups v3+ with a second tagged
    // fields byte, which Kafka ignores but a broker that checks for trailing bytes refuses. It
    // also gives the protocol type, which the newer API does not.
    const rd_kafka_group_list* list = nullptr;
    rd_kafka_resp_err_t err =
        rd_kafka_list_groups(impl_->rk.get(), nullptr, &list, detail::to_ms(impl_->timeout));
    rd_kafka_poll(impl_->rk.get(), 0);
    if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) {
        return detail::timeout_error(context, impl_->timeout, *impl_);
    }
    if (err == RD_KAFKA_RESP_ERR__PARTIAL) {
        // Some broker did not answer: a partial list would mislead.
        rd_kafka_group_list_destroy(list);
        return detail::make_error(err, context, "not every broker answered", impl_.get());
    }
    if (err) return detail::make_error(err, context, {}, impl_.get());
    std::unique_ptr<const rd_kafka_group_list, void (*)(const rd_kafka_group_list*)> owned(
        list, rd_kafka_group_list_destroy);
    std::vector<GroupListing> out;
    for (int i = 0; i < list->group_cnt; ++i) {
        const rd_kafka_group_info& info = list->groups[i];
        if (info.err) {
            return detail::make_error(
                info.err, fmt::format("{}: group \"{}\"", context, info.group ? info.group : ""));
        }
        GroupListing& g = out.emplace_back();
        g.group_id = info.group ? info.group : "";
        g.state = info.state ? state_of(rd_kafka_consumer_group_state_code(info.state))
                             : GroupState::unknown;
        g.protocol_type = info.protocol_type ? info.protocol_type : "";
        g.simple = g.protocol_type.empty();
    }
    std::sort(out.begin(), out.end(),
              [](const GroupListing& a, const GroupListing& b) { return a.group_id < b.group_id; });
    return out;
}

Result<GroupDescription> Admin::describe_group(const std::string& group) {
    std::string context = quoted("describing group", group);
    if (group.empty()) return Error(Errc::invalid_argument, "describing a group: empty group id");
    auto options = impl_->options(RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS);
    const char* groups[] = {group.c_str()};
    rd_kafka_DescribeConsumerGroups(impl_->rk.get(), groups, 1, options.get(), impl_->queue);
    ES_TRY(EventPtr ev, impl_->wait(context));
    size_t count = 0;
    const rd_kafka_ConsumerGroupDescription_t** results =
        rd_kafka_DescribeConsumerGroups_result_groups(
            rd_kafka_event_DescribeConsumerGroups_result(ev.get()), &count);
    if (count != 1) {
        return Error(Errc::local, fmt::format("{}: {} results for one group", context, count));
    }
    const rd_kafka_ConsumerGroupDescription_t* g = results[0];
    GroupDescription d;
    d.group_id = group;
    if (const rd_kafka_error_t* error = rd_kafka_ConsumerGroupDescription_error(g)) {
        // Kafka answers Dead for an unknown group; newer brokers say GROUP_ID_NOT_FOUND.
        if (rd_kafka_error_code(error) != RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND) {
            return error_of(error, context);
        }
        d.state = GroupState::dead;
        return d;
    }
    d.state = state_of(rd_kafka_ConsumerGroupDescription_state(g));
    if (const char* assignor = rd_kafka_ConsumerGroupDescription_partition_assignor(g)) {
        d.protocol = assignor;
    }
    d.simple = rd_kafka_ConsumerGroupDescription_is_simple_consumer_group(g) != 0;
    if (const rd_kafka_Node_t* node = rd_kafka_ConsumerGroupDescription_coordinator(g)) {
        d.coordinator = rd_kafka_Node_id(node);
    }
    size_t members = rd_kafka_ConsumerGroupDescription_member_count(g);
    for (size_t i = 0; i < members; ++i) {
        const rd_kafka_MemberDescription_t* m = rd_kafka_ConsumerGroupDescription_member(g, i);
        GroupMemberInfo& info = d.members.emplace_back();
        auto text = [](const char* s) { return s ? std::string(s) : std::string(); };
        info.member_id = text(rd_kafka_MemberDescription_consumer_id(m));
        info.group_instance_id = text(rd_kafka_MemberDescription_group_instance_id(m));
        info.client_id = text(rd_kafka_MemberDescription_client_id(m));
        info.host = text(rd_kafka_MemberDescription_host(m));
        const rd_kafka_MemberAssignment_t* a = rd_kafka_MemberDescription_assignment(m);
        const rd_kafka_topic_partition_list_t* list =
            a ? rd_kafka_MemberAssignment_partitions(a) : nullptr;
        for (int p = 0; list && p < list->cnt; ++p) {
            info.assignment.push_back(
                {list->elems[p].topic, model::PartitionId(list->elems[p].partition)});
        }
        std::sort(info.assignment.begin(), info.assignment.end());
    }
    std::sort(d.members.begin(), d.members.end(),
              [](const GroupMemberInfo& a, const GroupMemberInfo& b) {
                  return a.member_id < b.member_id;
              });
    return d;
}

Result<std::vector<GroupPartitionOffset>> Admin::group_offsets(const std::string& group) {
    std::string context = quoted("reading the offsets of group", group);
    ES_TRY(GroupDescription d, describe_group(group));
    // Every partition of every topic, not the null list that means "all committed offsets":
    // librdkafka 2.0.2 encodes that null list with 3 stray bytes, which Kafka ignores but a
    // broker that checks for trailing bytes refuses. Offsets of deleted topics are not shown.
    ES_TRY(MetadataPtr md, impl_->metadata(context));
    PartitionListPtr all(rd_kafka_topic_partition_list_new(0));
    for (int i = 0; i < md->topic_cnt; ++i) {
        const rd_kafka_metadata_topic_t& t = md->topics[i];
        if (t.err || std::string_view(t.topic).starts_with("__")) continue;  // internal
        for (int p = 0; p < t.partition_cnt; ++p) {
            rd_kafka_topic_partition_list_add(all.get(), t.topic, t.partitions[p].id);
        }
    }
    PartitionListPtr committed(rd_kafka_topic_partition_list_new(0));
    if (all->cnt > 0) {
        ES_TRY(committed, impl_->committed(group, all.get(), context));
    }

    std::map<model::TopicPartition, GroupPartitionOffset> rows;
    for (int i = 0; i < committed->cnt; ++i) {
        const rd_kafka_topic_partition_t& p = committed->elems[i];
        if (!p.err && p.offset < 0) continue;  // nothing committed
        model::TopicPartition tp{p.topic, model::PartitionId(p.partition)};
        GroupPartitionOffset& row = rows[tp];
        row.tp = tp;
        if (p.err) {
            row.error = rd_kafka_err2name(p.err);
        } else {
            row.committed = model::Offset(p.offset);
        }
    }
    for (const GroupMemberInfo& m : d.members) {
        for (const model::TopicPartition& tp : m.assignment) {
            GroupPartitionOffset& row = rows[tp];
            row.tp = tp;
            row.member_id = m.member_id;
            row.client_id = m.client_id;
            row.host = m.host;
        }
    }
    std::vector<GroupPartitionOffset> out;
    for (auto& [tp, row] : rows) {
        auto marks = impl_->watermarks(tp);
        if (marks.ok()) {
            row.log_end = model::Offset(marks->second);
            if (row.committed) row.lag = marks->second - row.committed->value();
        } else if (row.error.empty()) {
            row.error = marks.error().message();
        }
        out.push_back(std::move(row));
    }
    return out;
}

Result<std::vector<PartitionOffsets>> Admin::log_offsets(const std::string& topic) {
    std::string context = quoted("reading the log offsets of topic", topic);
    ES_TRY(std::vector<PartitionInfo> info, describe_partitions(topic));
    // ListOffsets by timestamp: -2 is the earliest offset, -1 the latest (the log end).
    auto round = [&](int64_t which) -> Result<PartitionListPtr> {
        PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(info.size())));
        for (const PartitionInfo& p : info) {
            rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p.id.value())->offset =
                which;
        }
        rd_kafka_resp_err_t err =
            rd_kafka_offsets_for_times(impl_->rk.get(), list.get(), detail::to_ms(impl_->timeout));
        rd_kafka_poll(impl_->rk.get(), 0);
        if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) {
            return detail::timeout_error(context, impl_->timeout, *impl_);
        }
        if (err) return detail::make_error(err, context, {}, impl_.get());
        ES_CHECK(partition_errors(list.get(), context));
        return list;
    };
    ES_TRY(PartitionListPtr starts, round(RD_KAFKA_OFFSET_BEGINNING));
    ES_TRY(PartitionListPtr ends, round(RD_KAFKA_OFFSET_END));
    std::vector<PartitionOffsets> out;
    for (const PartitionInfo& p : info) {
        const auto* s =
            rd_kafka_topic_partition_list_find(starts.get(), topic.c_str(), p.id.value());
        const auto* e = rd_kafka_topic_partition_list_find(ends.get(), topic.c_str(), p.id.value());
        if (!s || !e) continue;
        out.push_back({p.id, model::Offset(s->offset), model::Offset(e->offset)});
    }
    return out;
}

Result<std::vector<OffsetChange>> Admin::reset_group_offsets(
    const std::string& group, const std::string& topic, StartPosition to,
    const std::vector<model::PartitionId>& partitions, bool dry_run) {
    std::string context =
        fmt::format("resetting the offsets of group \"{}\" on topic \"{}\"", group, topic);
    if (group.empty() || topic.empty()) {
        return Error(Errc::invalid_argument,
                     fmt::format("{}: empty {}", context, group.empty() ? "group id" : "topic"));
    }
    if (to.kind == StartPosition::Kind::offset && to.value < 0) {
        return Error(Errc::invalid_argument,
                     fmt::format("{}: negative offset {}", context, to.value));
    }
    // Kafka's tool refuses too: a live member would overwrite the offsets with its own commits.
    ES_TRY(GroupDescription d, describe_group(group));
    if (d.state != GroupState::empty && d.state != GroupState::dead) {
        return Error(Errc::kafka,
                     fmt::format("{}: the group is {} with {} member(s); offsets can only be "
                                 "reset while it has none (state Empty): stop its consumers first",
                                 context, to_string(d.state), d.members.size()));
    }

    ES_TRY(std::vector<PartitionInfo> info, describe_partitions(topic));
    std::vector<model::PartitionId> chosen;
    if (partitions.empty()) {
        for (const PartitionInfo& p : info) chosen.push_back(p.id);
    } else {
        for (model::PartitionId id : partitions) {
            bool known = std::any_of(info.begin(), info.end(),
                                     [&](const PartitionInfo& p) { return p.id == id; });
            if (!known) {
                return Error(Errc::unknown_topic,
                             fmt::format("{}: the topic has no partition {} ({} partitions)",
                                         context, id.value(), info.size()));
            }
            chosen.push_back(id);
        }
        std::sort(chosen.begin(), chosen.end());
        chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());
    }

    PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(chosen.size())));
    for (model::PartitionId id : chosen) {
        rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), id.value());
    }
    ES_TRY(PartitionListPtr previous, impl_->committed(group, list.get(), context));

    // Where each partition goes. By time: ListOffsets, -1 meaning past the last record.
    PartitionListPtr by_time;
    if (to.kind == StartPosition::Kind::timestamp) {
        by_time.reset(rd_kafka_topic_partition_list_copy(list.get()));
        for (int i = 0; i < by_time->cnt; ++i) by_time->elems[i].offset = to.value;
        rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(impl_->rk.get(), by_time.get(),
                                                             detail::to_ms(impl_->timeout));
        rd_kafka_poll(impl_->rk.get(), 0);
        if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) {
            return detail::timeout_error(context, impl_->timeout, *impl_);
        }
        if (err) return detail::make_error(err, context, {}, impl_.get());
        ES_CHECK(partition_errors(by_time.get(), context));
    }

    std::vector<OffsetChange> changes;
    for (model::PartitionId id : chosen) {
        model::TopicPartition tp{topic, id};
        ES_TRY(auto marks, impl_->watermarks(tp));
        auto [low, high] = marks;
        int64_t next = 0;
        switch (to.kind) {
            case StartPosition::Kind::beginning:
                next = low;
                break;
            case StartPosition::Kind::end:
                next = high;
                break;
            case StartPosition::Kind::offset:
                next = std::clamp(to.value, low, high);
                break;
            case StartPosition::Kind::timestamp: {
                const rd_kafka_topic_partition_t* p =
                    rd_kafka_topic_partition_list_find(by_time.get(), topic.c_str(), id.value());
                next = p && p->offset >= 0 ? p->offset : high;
                break;
            }
        }
        OffsetChange& c = changes.emplace_back();
        c.tp = tp;
        c.next = model::Offset(next);
        const rd_kafka_topic_partition_t* before =
            rd_kafka_topic_partition_list_find(previous.get(), topic.c_str(), id.value());
        if (before && !before->err && before->offset >= 0)
            c.previous = model::Offset(before->offset);
        rd_kafka_topic_partition_list_find(list.get(), topic.c_str(), id.value())->offset = next;
    }
    if (dry_run) return changes;

    std::unique_ptr<rd_kafka_AlterConsumerGroupOffsets_t, AlterGroupOffsetsDeleter> request(
        rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), list.get()));
    auto options = impl_->options(RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS);
    rd_kafka_AlterConsumerGroupOffsets_t* requests[] = {request.get()};
    rd_kafka_AlterConsumerGroupOffsets(impl_->rk.get(), requests, 1, options.get(), impl_->queue);
    ES_TRY(EventPtr ev, impl_->wait(context));
    size_t count = 0;
    const rd_kafka_group_result_t** results = rd_kafka_AlterConsumerGroupOffsets_result_groups(
        rd_kafka_event_AlterConsumerGroupOffsets_result(ev.get()), &count);
    ES_TRY(const rd_kafka_group_result_t* result, one_group(results, count, context));
    ES_CHECK(partition_errors(rd_kafka_group_result_partitions(result), context));
    return changes;
}

Status Admin::delete_group(const std::string& group) {
    std::string context = quoted("deleting group", group);
    if (group.empty()) return Error(Errc::invalid_argument, "deleting a group: empty group id");
    std::unique_ptr<rd_kafka_DeleteGroup_t, DeleteGroupDeleter> request(
        rd_kafka_DeleteGroup_new(group.c_str()));
    auto options = impl_->options(RD_KAFKA_ADMIN_OP_DELETEGROUPS);
    rd_kafka_DeleteGroup_t* requests[] = {request.get()};
    rd_kafka_DeleteGroups(impl_->rk.get(), requests, 1, options.get(), impl_->queue);
    ES_TRY(EventPtr ev, impl_->wait(context));
    size_t count = 0;
    const rd_kafka_group_result_t** results =
        rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(ev.get()), &count);
    ES_CHECK(one_group(results, count, context));
    return ok_status();
}

Status Admin::delete_group_offsets(const std::string& group, const std::string& topic,
                                   const std::vector<model::PartitionId>& partitions) {
    std::string context =
        fmt::format("deleting the offsets of group \"{}\" on topic \"{}\"", group, topic);
    if (group.empty() || topic.empty()) {
        return Error(Errc::invalid_argument,
                     fmt::format("{}: empty {}", context, group.empty() ? "group id" : "topic"));
    }
    std::vector<model::PartitionId> chosen = partitions;
    if (chosen.empty()) {
        ES_TRY(std::vector<PartitionInfo> info, describe_partitions(topic));
        for (const PartitionInfo& p : info) chosen.push_back(p.id);
    }
    PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(chosen.size())));
    for (model::PartitionId id : chosen) {
        rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), id.value());
    }
    std::unique_ptr<rd_kafka_DeleteConsumerGroupOffsets_t, DeleteGroupOffsetsDeleter> request(
        rd_kafka_DeleteConsumerGroupOffsets_new(group.c_str(), list.get()));
    auto options = impl_->options(RD_KAFKA_ADMIN_OP_DELETECONSUMERGROUPOFFSETS);
    rd_kafka_DeleteConsumerGroupOffsets_t* requests[] = {request.get()};
    rd_kafka_DeleteConsumerGroupOffsets(impl_->rk.get(), requests, 1, options.get(), impl_->queue);
    ES_TRY(EventPtr ev, impl_->wait(context));
    size_t count = 0;
    const rd_kafka_group_result_t** results = rd_kafka_DeleteConsumerGroupOffsets_result_groups(
        rd_kafka_event_DeleteConsumerGroupOffsets_result(ev.get()), &count);
    ES_TRY(const rd_kafka_group_result_t* result, one_group(results, count, context));
    return partition_errors(rd_kafka_group_result_partitions(result), context);
}

}  // namespace es::client
