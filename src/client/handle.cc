#include "client/handle.h"

#include "client/logger.h"

#include <fmt/core.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <limits>
#include <utility>

namespace es::client::detail {
namespace {

/// librdkafka logs from its own threads, at syslog levels. Errors that matter to the caller come
/// back as Results (with the last broker error attached to timeouts), so librdkafka's error lines
/// (connect refused, disconnected) would only repeat them: they go to debug. Warnings (a
/// property ignored by this kind of client, ...) stay visible.
void on_log(const rd_kafka_t* rk, int level, const char* facility, const char* line) {
    log::Level l = log::Level::trace;
    if (level <= 2) {
        l = log::Level::error;
    } else if (level == 4) {
        l = log::Level::warn;
    } else if (level <= 6) {
        l = log::Level::debug;
    }
    if (!client_log.enabled(l)) return;
    const char* name = rk ? rd_kafka_name(rk) : "rdkafka";
    switch (l) {
        case log::Level::error:
            client_log.error("{} {}: {}", name, facility, line);
            break;
        case log::Level::warn:
            client_log.warn("{} {}: {}", name, facility, line);
            break;
        case log::Level::debug:
            client_log.debug("{} {}: {}", name, facility, line);
            break;
        case log::Level::trace:
        case log::Level::info:
        case log::Level::off:
            client_log.trace("{} {}: {}", name, facility, line);
            break;
    }
}

void on_error(rd_kafka_t* /*rk*/, int err, const char* reason, void* opaque) {
    auto* state = static_cast<HandleState*>(opaque);
    state->record_error(
        fmt::format("{} ({})", reason, rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err))));
}

Status set_property(rd_kafka_conf_t* conf, const std::string& name, const std::string& value) {
    char errstr[512];
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK) {
        return Error(Errc::config, fmt::format("property \"{}\": {}", name, errstr));
    }
    return ok_status();
}

}  // namespace

void HandleState::record_error(std::string text) {
    std::lock_guard lock(mu_);
    last_error_ = std::move(text);
    last_error_at_ = std::chrono::steady_clock::now();
}

std::string HandleState::last_error(std::chrono::milliseconds max_age) const {
    std::lock_guard lock(mu_);
    if (last_error_.empty() || std::chrono::steady_clock::now() - last_error_at_ > max_age) {
        return {};
    }
    return last_error_;
}

void HandleDeleter::operator()(rd_kafka_s* rk) const { rd_kafka_destroy(rk); }

Result<HandlePtr> make_handle(HandleKind kind, const ClientConfig& config,
                              const std::map<std::string, std::string>& defaults,
                              HandleState& state,
                              const std::function<void(rd_kafka_conf_s*)>& configure) {
    if (config.brokers.empty()) {
        return Error(Errc::config, "no brokers given (bootstrap.servers is empty)");
    }
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    // rd_kafka_new() takes the configuration only when it succeeds.
    std::unique_ptr<rd_kafka_conf_t, decltype(&rd_kafka_conf_destroy)> owned(
        conf, &rd_kafka_conf_destroy);
    for (const auto& [name, value] : defaults) ES_CHECK(set_property(conf, name, value));
    ES_CHECK(set_property(conf, "bootstrap.servers", config.brokers));
    for (const auto& [name, value] : config.properties) ES_CHECK(set_property(conf, name, value));

    rd_kafka_conf_set_log_cb(conf, on_log);
    rd_kafka_conf_set_error_cb(conf, on_error);
    rd_kafka_conf_set_opaque(conf, &state);
    if (configure) configure(conf);

    char errstr[512];
    rd_kafka_t* rk =
        rd_kafka_new(kind == HandleKind::producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER, conf,
                     errstr, sizeof errstr);
    if (!rk) return Error(Errc::config, fmt::format("creating the client: {}", errstr));
    owned.release();
    return HandlePtr(rk);
}

Errc errc_for(int rd_err) {
    switch (static_cast<rd_kafka_resp_err_t>(rd_err)) {
        case RD_KAFKA_RESP_ERR__TRANSPORT:
        case RD_KAFKA_RESP_ERR__RESOLVE:
        case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
        case RD_KAFKA_RESP_ERR__SSL:
        case RD_KAFKA_RESP_ERR__AUTHENTICATION:
        case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
        case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
            return Errc::transport;
        case RD_KAFKA_RESP_ERR__TIMED_OUT:
        case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
        case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
        case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
            return Errc::timeout;
        case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
        case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
        case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
            return Errc::unknown_topic;
        case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
            return Errc::topic_exists;
        case RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE:
        case RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED:
        case RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION:
            return Errc::unsupported;
        case RD_KAFKA_RESP_ERR__INVALID_ARG:
        case RD_KAFKA_RESP_ERR__INVALID_TYPE:
            return Errc::invalid_argument;
        case RD_KAFKA_RESP_ERR__NOT_CONFIGURED:
            return Errc::config;
        case RD_KAFKA_RESP_ERR__STATE:
            return Errc::invalid_state;
        case RD_KAFKA_RESP_ERR__FENCED:
        case RD_KAFKA_RESP_ERR_PRODUCER_FENCED:
        case RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH:
        case RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID:
            return Errc::fenced;
        case RD_KAFKA_RESP_ERR__FATAL:
            return Errc::fatal;
        default:
            return rd_err >= 0 ? Errc::kafka : Errc::local;
    }
}

Error make_error(int rd_err, std::string_view context, std::string_view detail,
                 const HandleState* state, std::chrono::milliseconds recent) {
    auto err = static_cast<rd_kafka_resp_err_t>(rd_err);
    std::string message = fmt::format("{}: {} ({}): {}", context, rd_kafka_err2name(err), rd_err,
                                      detail.empty() ? rd_kafka_err2str(err) : detail);
    Errc code = errc_for(rd_err);
    if (state && (code == Errc::timeout || code == Errc::transport)) {
        std::string last = state->last_error(recent);
        if (!last.empty()) message += "; last broker error: " + last;
    }
    return Error(code, std::move(message));
}

Error timeout_error(std::string_view context, std::chrono::milliseconds timeout,
                    const HandleState& state) {
    std::string message = fmt::format("{}: timed out after {} ms", context, timeout.count());
    // A little more than the timeout: the error that made the operation wait may be older.
    std::string last = state.last_error(timeout + std::chrono::seconds(5));
    if (!last.empty()) message += "; last broker error: " + last;
    return Error(Errc::timeout, std::move(message));
}

Error fatal_error(rd_kafka_s* rk, std::string_view context) {
    char reason[512] = "";
    rd_kafka_resp_err_t err = rd_kafka_fatal_error(rk, reason, sizeof reason);
    if (!err) return Error(Errc::fatal, fmt::format("{}: fatal error (no details)", context));
    std::string message =
        fmt::format("{}: fatal: {} ({}): {}", context, rd_kafka_err2name(err), err, reason);
    return Error(errc_for(err) == Errc::fenced ? Errc::fenced : Errc::fatal, std::move(message));
}

Error take_error(rd_kafka_error_s* error, std::string_view context, rd_kafka_s* rk,
                 const HandleState* state) {
    std::unique_ptr<rd_kafka_error_t, decltype(&rd_kafka_error_destroy)> owned(
        error, &rd_kafka_error_destroy);
    rd_kafka_resp_err_t code = rd_kafka_error_code(error);
    if (rd_kafka_error_is_fatal(error)) {
        if (code == RD_KAFKA_RESP_ERR__FATAL && rk) return fatal_error(rk, context);
        std::string message =
            fmt::format("{}: fatal: {} ({}): {}", context, rd_kafka_error_name(error), code,
                        rd_kafka_error_string(error));
        return Error(errc_for(code) == Errc::fenced ? Errc::fenced : Errc::fatal,
                     std::move(message));
    }
    if (rd_kafka_error_txn_requires_abort(error)) {
        return Error(Errc::abortable,
                     fmt::format("{}: {} ({}): {}; abort the transaction", context,
                                 rd_kafka_error_name(error), code, rd_kafka_error_string(error)));
    }
    Error e = make_error(code, context, rd_kafka_error_string(error), state);
    // A retriable error that errc_for() does not know (a broker code the coordinator returns
    // while it moves, say) would otherwise read as final.
    if (rd_kafka_error_is_retriable(error) && !e.is(Errc::timeout) && !e.is(Errc::transport)) {
        return Error(Errc::timeout, e.message() + " (retriable)");
    }
    return e;
}

void PartitionListDeleter::operator()(rd_kafka_topic_partition_list_s* list) const {
    rd_kafka_topic_partition_list_destroy(list);
}

PartitionListPtr to_partition_list(const std::vector<model::TopicPartition>& partitions) {
    PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
    for (const model::TopicPartition& tp : partitions) {
        rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition.value());
    }
    return list;
}

PartitionListPtr to_partition_list(const std::vector<TopicPartitionOffset>& offsets) {
    PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
    for (const TopicPartitionOffset& o : offsets) {
        rd_kafka_topic_partition_list_add(list.get(), o.tp.topic.c_str(), o.tp.partition.value())
            ->offset = o.offset.value();
    }
    return list;
}

std::vector<model::TopicPartition> partitions_of(const rd_kafka_topic_partition_list_s* list) {
    std::vector<model::TopicPartition> out;
    if (!list) return out;
    out.reserve(static_cast<size_t>(list->cnt));
    for (int i = 0; i < list->cnt; ++i) {
        out.push_back({list->elems[i].topic, model::PartitionId(list->elems[i].partition)});
    }
    return out;
}

std::optional<Error> first_partition_error(const rd_kafka_topic_partition_list_s* list,
                                           std::string_view context) {
    for (int i = 0; list && i < list->cnt; ++i) {
        const rd_kafka_topic_partition_t& p = list->elems[i];
        if (p.err) {
            model::TopicPartition tp{p.topic, model::PartitionId(p.partition)};
            return make_error(p.err, fmt::format("{} {}", context, tp.to_string()));
        }
    }
    return std::nullopt;
}

Error message_error(const rd_kafka_message_s* m, const HandleState* state) {
    std::string context = "consuming";
    if (m->rkt) {
        context = fmt::format(
            "consuming {}",
            model::TopicPartition{rd_kafka_topic_name(m->rkt), model::PartitionId(m->partition)}
                .to_string());
    }
    return make_error(m->err, context, rd_kafka_message_errstr(m), state);
}

std::optional<Timestamp> timestamp_of(const rd_kafka_message_s* message) {
    rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
    int64_t ms = rd_kafka_message_timestamp(message, &type);
    switch (type) {
        case RD_KAFKA_TIMESTAMP_CREATE_TIME:
            return Timestamp{ms, model::TimestampType::create_time};
        case RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME:
            return Timestamp{ms, model::TimestampType::log_append_time};
        case RD_KAFKA_TIMESTAMP_NOT_AVAILABLE:
            break;
    }
    return std::nullopt;
}

int to_ms(std::chrono::milliseconds d) {
    return static_cast<int>(std::clamp<int64_t>(d.count(), 0, std::numeric_limits<int32_t>::max()));
}

Status check_offsets(const std::vector<TopicPartitionOffset>& offsets, std::string_view context) {
    for (const TopicPartitionOffset& o : offsets) {
        if (o.offset.value() < 0) {
            return Error(Errc::invalid_argument,
                         fmt::format("{}: negative offset {} for {}", context, o.offset.value(),
                                     o.tp.to_string()));
        }
    }
    return ok_status();
}

rd_kafka_topic_s* TopicHandles::get(rd_kafka_s* rk, std::string_view topic) {
    if (last_ && *last_name_ == topic) return last_;
    auto it = by_name_.find(topic);
    if (it == by_name_.end()) {
        std::string name(topic);  // NUL-terminated for librdkafka
        rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, name.c_str(), nullptr);
        if (!rkt) return nullptr;
        it = by_name_.emplace(std::move(name), rkt).first;
    }
    last_name_ = &it->first;  // switching topics copies no name
    last_ = it->second;
    return last_;
}

rd_kafka_topic_s* TopicHandles::find(std::string_view topic) const {
    auto it = by_name_.find(topic);
    return it == by_name_.end() ? nullptr : it->second;
}

void TopicHandles::clear() {
    for (auto& [name, rkt] : by_name_) rd_kafka_topic_destroy(rkt);
    by_name_.clear();
    last_name_ = nullptr;
    last_ = nullptr;
}

}  // namespace es::client::detail
