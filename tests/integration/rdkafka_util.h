#pragma once

// Thin test-only helpers over the librdkafka C API: the integration tests drive the broker the
// way a C client does, with no edgestream code in between.

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace es::integration {

struct RdDeleter {
    void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using RdHandle = std::unique_ptr<rd_kafka_t, RdDeleter>;

inline rd_kafka_conf_t* make_conf(const std::map<std::string, std::string>& props) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char err[512];
    for (const auto& [k, v] : props) {
        if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
            rd_kafka_conf_destroy(conf);
            throw std::runtime_error("config " + k + "=" + v + ": " + err);
        }
    }
    return conf;
}

/// Every delivery report of a producer: value -> (error, partition, offset).
struct Deliveries {
    struct Report {
        rd_kafka_resp_err_t err;
        int32_t partition;
        int64_t offset;
        std::string value;
    };
    std::mutex mu;
    std::vector<Report> reports;
    std::atomic<size_t> ok{0};
    std::atomic<size_t> failed{0};
};

inline void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* d = static_cast<Deliveries*>(opaque);
    std::lock_guard lock(d->mu);
    d->reports.push_back({m->err, m->partition, m->offset,
                          std::string(static_cast<const char*>(m->payload), m->len)});
    (m->err ? d->failed : d->ok)++;
}

class Producer {
  public:
    Producer(const std::string& brokers, std::map<std::string, std::string> props = {}) {
        props["bootstrap.servers"] = brokers;
        rd_kafka_conf_t* conf = make_conf(props);
        rd_kafka_conf_set_opaque(conf, &deliveries);
        rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
        char err[512];
        rk_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err));
        if (!rk_) throw std::runtime_error(std::string("producer: ") + err);
    }

    rd_kafka_resp_err_t send(const std::string& topic, int32_t partition, const std::string& value,
                             std::optional<std::string> key = std::nullopt,
                             rd_kafka_headers_t* headers = nullptr, int64_t timestamp_ms = 0) {
        // The macros cast their arguments without parentheses: pass plain variables.
        const void* key_data = key ? key->data() : nullptr;
        size_t key_size = key ? key->size() : 0;
        while (true) {
            auto err = rd_kafka_producev(
                rk_.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
                RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                RD_KAFKA_V_KEY(key_data, key_size), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                RD_KAFKA_V_HEADERS(headers ? rd_kafka_headers_copy(headers) : nullptr),
                RD_KAFKA_V_TIMESTAMP(timestamp_ms), RD_KAFKA_V_END);
            if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) return err;
            rd_kafka_poll(rk_.get(), 10);
        }
    }

    /// Waits for every outstanding delivery report.
    rd_kafka_resp_err_t flush(int timeout_ms = 30000) {
        return rd_kafka_flush(rk_.get(), timeout_ms);
    }
    void poll(int timeout_ms) { rd_kafka_poll(rk_.get(), timeout_ms); }
    rd_kafka_t* handle() { return rk_.get(); }

    Deliveries deliveries;

  private:
    RdHandle rk_;
};

struct Consumed {
    int64_t offset;
    std::optional<std::string> key;
    std::optional<std::string> value;
    std::vector<std::pair<std::string, std::string>> headers;
    int64_t timestamp = -1;
    rd_kafka_timestamp_type_t timestamp_type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
};

/// Reads one partition from `offset` with librdkafka's simple (group-less) consumer, as kcat -C
/// does, until `count` messages or `timeout_ms` without progress, or (until_end) the end of the
/// partition as the consumer's isolation.level sees it.
inline std::vector<Consumed> consume(const std::string& brokers, const std::string& topic,
                                     int32_t partition, int64_t offset, size_t count,
                                     int timeout_ms = 10000,
                                     std::map<std::string, std::string> props = {},
                                     bool until_end = false) {
    props["bootstrap.servers"] = brokers;
    if (until_end) props["enable.partition.eof"] = "true";
    char err[512];
    RdHandle rk(rd_kafka_new(RD_KAFKA_CONSUMER, make_conf(props), err, sizeof err));
    if (!rk) throw std::runtime_error(std::string("consumer: ") + err);
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk.get(), topic.c_str(), nullptr);
    rd_kafka_consume_start(rkt, partition, offset);
    std::vector<Consumed> out;
    while (out.size() < count) {
        rd_kafka_message_t* m = rd_kafka_consume(rkt, partition, timeout_ms);
        if (!m) break;  // nothing within the timeout
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            rd_kafka_message_destroy(m);
            if (until_end) break;
            continue;
        }
        if (m->err) {
            std::string what = rd_kafka_message_errstr(m);
            rd_kafka_message_destroy(m);
            rd_kafka_consume_stop(rkt, partition);
            rd_kafka_topic_destroy(rkt);
            throw std::runtime_error("consume: " + what);
        }
        Consumed c;
        c.offset = m->offset;
        c.timestamp = rd_kafka_message_timestamp(m, &c.timestamp_type);
        if (m->key) c.key = std::string(static_cast<const char*>(m->key), m->key_len);
        if (m->payload) c.value = std::string(static_cast<const char*>(m->payload), m->len);
        rd_kafka_headers_t* hdrs = nullptr;
        if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            const char* name;
            const void* val;
            size_t size;
            for (size_t i = 0;
                 rd_kafka_header_get_all(hdrs, i, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
                 ++i) {
                c.headers.emplace_back(
                    name, val ? std::string(static_cast<const char*>(val), size) : std::string());
            }
        }
        out.push_back(std::move(c));
        rd_kafka_message_destroy(m);
    }
    rd_kafka_consume_stop(rkt, partition);
    rd_kafka_topic_destroy(rkt);
    return out;
}

/// Creates a topic with the Admin API and waits for the answer; `error` gets the broker's message.
inline rd_kafka_resp_err_t create_topic(const std::string& brokers, const std::string& name,
                                        int partitions,
                                        const std::map<std::string, std::string>& configs = {},
                                        std::string* error = nullptr) {
    char err[512];
    RdHandle rk(rd_kafka_new(RD_KAFKA_PRODUCER, make_conf({{"bootstrap.servers", brokers}}), err,
                             sizeof err));
    if (!rk) return RD_KAFKA_RESP_ERR__INVALID_ARG;
    rd_kafka_NewTopic_t* topic =
        rd_kafka_NewTopic_new(name.c_str(), partitions, 1, err, sizeof err);
    for (const auto& [k, v] : configs) rd_kafka_NewTopic_set_config(topic, k.c_str(), v.c_str());
    rd_kafka_queue_t* queue = rd_kafka_queue_new(rk.get());
    rd_kafka_CreateTopics(rk.get(), &topic, 1, nullptr, queue);
    rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, 10000);
    rd_kafka_resp_err_t result = RD_KAFKA_RESP_ERR__TIMED_OUT;
    if (ev) {
        const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev);
        size_t n = 0;
        const rd_kafka_topic_result_t** topics = rd_kafka_CreateTopics_result_topics(res, &n);
        result = n == 1 ? rd_kafka_topic_result_error(topics[0]) : rd_kafka_event_error(ev);
        if (error && n == 1 && rd_kafka_topic_result_error_string(topics[0])) {
            *error = rd_kafka_topic_result_error_string(topics[0]);
        }
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_NewTopic_destroy(topic);
    rd_kafka_queue_destroy(queue);
    return result;
}

}  // namespace es::integration
