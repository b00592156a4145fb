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

using EventPtr = std::unique_ptr<rd_kafka_event_t, EventDeleter>;
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

}  // namespace es::client
