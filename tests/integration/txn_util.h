#pragma once

// Helpers of the transaction integration tests: librdkafka transactional producers, readers
// of a partition with either isolation level, and the consume-transform-produce loop of an
// exactly-once application (Pipeline).

#include "tests/integration/broker_process.h"
#include "tests/integration/rdkafka_util.h"
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace es::integration::txn_test {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

/// Small group timeouts, and timed-out transactions aborted within half a second.
inline constexpr const char* kTxnConfig = R"(broker:
  group.min.session.timeout.ms: 500
  group.initial.rebalance.delay.ms: 100
  transaction.abort.timed.out.transaction.cleanup.interval.ms: 500
  transaction.max.timeout.ms: 900000
)";

template <class Pred>
inline bool eventually(Pred pred, std::chrono::milliseconds limit = 60s) {
    auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(50ms);
    }
    return pred();
}

/// A transactional API error, taken apart and freed.
struct TxnError {
    bool ok = true;
    bool fatal = false;
    bool abortable = false;
    bool retriable = false;
    rd_kafka_resp_err_t code = RD_KAFKA_RESP_ERR_NO_ERROR;
    std::string what;

    static TxnError from(rd_kafka_error_t* error) {
        TxnError e;
        if (!error) return e;
        e.ok = false;
        e.fatal = rd_kafka_error_is_fatal(error);
        e.abortable = rd_kafka_error_txn_requires_abort(error);
        e.retriable = rd_kafka_error_is_retriable(error);
        e.code = rd_kafka_error_code(error);
        e.what = std::string(rd_kafka_error_name(error)) + ": " + rd_kafka_error_string(error);
        rd_kafka_error_destroy(error);
        return e;
    }
};

inline std::string describe(const TxnError& e) {
    if (e.ok) return "ok";
    return e.what + (e.fatal ? " (fatal)" : "") + (e.abortable ? " (abortable)" : "") +
           (e.retriable ? " (retriable)" : "");
}

/// A transactional producer (the Producer helper with a transactional.id).
inline std::unique_ptr<Producer> transactional_producer(
    const std::string& brokers, const std::string& txn_id,
    std::map<std::string, std::string> extra = {}) {
    std::map<std::string, std::string> props = {{"transactional.id", txn_id}, {"linger.ms", "5"}};
    for (auto& [k, v] : extra) props[k] = v;
    return std::make_unique<Producer>(brokers, props);
}

struct Record {
    int32_t partition;
    int64_t offset;
    std::string value;
    int64_t timestamp;
};

/// Reads one partition from the beginning to its end as this isolation level sees it (the high
/// watermark for read_uncommitted, the last stable offset for read_committed), or until
/// `idle_ms` passes without a message.
inline std::vector<Record> read_partition(const std::string& brokers, const std::string& topic,
                                          int32_t partition, bool read_committed,
                                          int idle_ms = 5000) {
    std::vector<Record> out;
    for (auto& c :
         consume(brokers, topic, partition, RD_KAFKA_OFFSET_BEGINNING, SIZE_MAX, idle_ms,
                 {{"isolation.level", read_committed ? "read_committed" : "read_uncommitted"}},
                 /*until_end=*/true)) {
        out.push_back({partition, c.offset, c.value.value_or(""), c.timestamp});
    }
    return out;
}

inline std::vector<std::string> values(const std::vector<Record>& records) {
    std::vector<std::string> out;
    for (const auto& r : records) out.push_back(r.value);
    return out;
}

inline std::vector<std::string> numbered(const std::string& prefix, int count) {
    std::vector<std::string> out;
    for (int i = 0; i < count; ++i) out.push_back(prefix + std::to_string(i));
    return out;
}

/// The committed offsets of `group` for partitions 0..partitions-1 of `topic`, read by a fresh
/// consumer that does not join the group. -1 where nothing is committed; nullopt on error.
inline std::optional<std::vector<int64_t>> committed_offsets(const std::string& brokers,
                                                             const std::string& group,
                                                             const std::string& topic,
                                                             int partitions) {
    char err[512];
    RdHandle rk(rd_kafka_new(
        RD_KAFKA_CONSUMER,
        make_conf(
            {{"bootstrap.servers", brokers}, {"group.id", group}, {"enable.auto.commit", "false"}}),
        err, sizeof err));
    if (!rk) return std::nullopt;
    rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(partitions);
    for (int p = 0; p < partitions; ++p) rd_kafka_topic_partition_list_add(parts, topic.c_str(), p);
    std::optional<std::vector<int64_t>> out;
    if (rd_kafka_committed(rk.get(), parts, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        out.emplace(partitions, -1);
        for (int i = 0; i < parts->cnt; ++i) {
            if (parts->elems[i].err) {
                out.reset();
                break;
            }
            (*out)[parts->elems[i].partition] =
                parts->elems[i].offset < 0 ? -1 : parts->elems[i].offset;
        }
    }
    rd_kafka_topic_partition_list_destroy(parts);
    rd_kafka_consumer_close(rk.get());
    return out;
}

/// The high watermarks of partitions 0..partitions-1.
inline std::vector<int64_t> end_offsets(const std::string& brokers, const std::string& topic,
                                        int partitions) {
    Producer any(brokers);
    std::vector<int64_t> out;
    for (int p = 0; p < partitions; ++p) {
        int64_t low = -1, high = -1;
        rd_kafka_query_watermark_offsets(any.handle(), topic.c_str(), p, &low, &high, 10000);
        out.push_back(high);
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// The consume-transform-produce loop of an exactly-once application, handling errors the way
// librdkafka's documentation asks: abort and rewind on abortable errors, retry retriable ones,
// recreate the producer on fatal ones.

struct PipelineOptions {
    std::string input;
    std::string output;
    std::string group;
    std::string txn_id;
    int partitions = 3;
    size_t batch = 100;
    int abort_every = 4;  ///< every n-th transaction is aborted on purpose (0: never)
    std::chrono::milliseconds pause{0};  ///< between transactions
    std::chrono::seconds deadline{90};
    std::function<bool()> may_finish = [] { return true; };
};

class Pipeline {
  public:
    Pipeline(std::string brokers, PipelineOptions options)
        : brokers_(std::move(brokers)), o_(std::move(options)) {}
    ~Pipeline() {
        if (consumer_) {
            rd_kafka_consumer_close(consumer_);
            rd_kafka_destroy(consumer_);
        }
    }

    /// Runs until every input record is committed through a transaction. Returns false (with
    /// `error()` set) on a deadline or an unexpected failure.
    bool run() {
        auto deadline = Clock::now() + o_.deadline;
        make_consumer();
        if (!make_producer(deadline)) return false;
        while (Clock::now() < deadline) {
            std::vector<rd_kafka_message_t*> batch = poll_batch();
            if (rebalanced_.exchange(false)) {
                // The assignment changed under the batch: none of it has been produced yet, so
                // drop it and restart from the committed offsets.
                ++rebalances_;
                for (auto* m : batch) rd_kafka_message_destroy(m);
                if (!rewind(deadline)) return false;
                continue;
            }
            if (batch.empty()) {
                if (o_.may_finish() && finished()) return true;
                continue;
            }
            process(batch, deadline);
            for (auto* m : batch) rd_kafka_message_destroy(m);
            if (!error_.empty()) return false;
            if (o_.pause.count()) std::this_thread::sleep_for(o_.pause);
        }
        error_ = "deadline passed: " + std::to_string(commits_) + " commits";
        return false;
    }

    const std::string& error() const { return error_; }
    int commits() const { return commits_; }
    int aborts() const { return aborts_; }
    int producers() const { return producers_; }
    int rebalances() const { return rebalances_; }
    int retries() const { return retries_; }

  private:
    static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                             rd_kafka_topic_partition_list_t* parts, void* opaque) {
        static_cast<Pipeline*>(opaque)->rebalanced_ = true;
        if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
            rd_kafka_assign(rk, parts);
        } else {
            rd_kafka_assign(rk, nullptr);
        }
    }

    void make_consumer() {
        rd_kafka_conf_t* conf = make_conf({{"bootstrap.servers", brokers_},
                                           {"group.id", o_.group},
                                           {"isolation.level", "read_committed"},
                                           {"enable.auto.commit", "false"},
                                           {"auto.offset.reset", "earliest"},
                                           {"session.timeout.ms", "10000"},
                                           {"heartbeat.interval.ms", "500"}});
        rd_kafka_conf_set_opaque(conf, this);
        rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
        char err[512];
        consumer_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
        if (!consumer_) throw std::runtime_error(err);
        rd_kafka_poll_set_consumer(consumer_);
        rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(topics, o_.input.c_str(), RD_KAFKA_PARTITION_UA);
        rd_kafka_subscribe(consumer_, topics);
        rd_kafka_topic_partition_list_destroy(topics);
    }

    /// A new producer with the same transactional.id: init_transactions fences the old one and
    /// aborts whatever it left open.
    bool make_producer(Clock::time_point deadline) {
        producer_.reset();
        producer_ = transactional_producer(
            brokers_, o_.txn_id,
            {{"transaction.timeout.ms", "30000"}, {"message.timeout.ms", "30000"}});
        ++producers_;
        while (Clock::now() < deadline) {
            TxnError e = TxnError::from(rd_kafka_init_transactions(producer_->handle(), 10000));
            if (e.ok) return true;
            if (e.fatal) {
                error_ = "init_transactions: " + describe(e);
                return false;
            }
            ++retries_;
            std::printf("  init_transactions: %s; retrying\n", describe(e).c_str());
            std::this_thread::sleep_for(200ms);
        }
        error_ = "init_transactions did not succeed before the deadline";
        return false;
    }

    std::vector<rd_kafka_message_t*> poll_batch() {
        std::vector<rd_kafka_message_t*> batch;
        int idle = 0;
        while (batch.size() < o_.batch && idle < 3) {
            rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer_, 100);
            if (rebalanced_) {
                if (m) rd_kafka_message_destroy(m);
                break;
            }
            if (!m) {
                ++idle;
                continue;
            }
            if (m->err) {
                // Partition EOF is off; anything else is a transient consumer error (broker down).
                rd_kafka_message_destroy(m);
                ++idle;
                continue;
            }
            batch.push_back(m);
        }
        return batch;
    }

    /// One transaction over `batch`.
    void process(const std::vector<rd_kafka_message_t*>& batch, Clock::time_point deadline) {
        TxnError e = TxnError::from(rd_kafka_begin_transaction(producer_->handle()));
        if (!e.ok) {
            recover(e, "begin_transaction", deadline);
            return;
        }
        std::map<int32_t, int64_t> next;
        for (auto* m : batch) {
            std::string value = "out-" + std::string(static_cast<const char*>(m->payload), m->len);
            rd_kafka_resp_err_t err = producer_->send(o_.output, m->partition, value);
            if (err) {
                TxnError pe;
                pe.ok = false;
                pe.code = err;
                pe.what = rd_kafka_err2name(err);
                char buf[256];
                pe.fatal = rd_kafka_fatal_error(producer_->handle(), buf, sizeof buf) != 0;
                pe.abortable = !pe.fatal;
                recover(pe, "produce", deadline);
                return;
            }
            next[m->partition] = m->offset + 1;
        }
        ++txns_;
        if (o_.abort_every && txns_ % o_.abort_every == 0) {
            // On purpose: the records reach the log, then the transaction is aborted.
            rd_kafka_flush(producer_->handle(), 10000);
            TxnError a = abort_with_retries(deadline);
            if (!a.ok) {
                recover(a, "abort_transaction", deadline);
                return;
            }
            ++aborts_;
            rewind(deadline);
            return;
        }
        rd_kafka_topic_partition_list_t* offsets = rd_kafka_topic_partition_list_new(3);
        for (auto [p, o] : next) {
            rd_kafka_topic_partition_list_add(offsets, o_.input.c_str(), p)->offset = o;
        }
        rd_kafka_consumer_group_metadata_t* cgmd = rd_kafka_consumer_group_metadata(consumer_);
        while (true) {
            e = TxnError::from(
                rd_kafka_send_offsets_to_transaction(producer_->handle(), offsets, cgmd, 10000));
            if (e.ok || !e.retriable || e.fatal || e.abortable || Clock::now() > deadline) break;
            ++retries_;
        }
        rd_kafka_consumer_group_metadata_destroy(cgmd);
        rd_kafka_topic_partition_list_destroy(offsets);
        if (!e.ok) {
            recover(e, "send_offsets_to_transaction", deadline);
            return;
        }
        while (true) {
            e = TxnError::from(rd_kafka_commit_transaction(producer_->handle(), 10000));
            if (e.ok || !e.retriable || e.fatal || e.abortable || Clock::now() > deadline) break;
            ++retries_;
        }
        if (!e.ok) {
            recover(e, "commit_transaction", deadline);
            return;
        }
        ++commits_;
    }

    TxnError abort_with_retries(Clock::time_point deadline) {
        while (true) {
            TxnError e = TxnError::from(rd_kafka_abort_transaction(producer_->handle(), 10000));
            if (e.ok || !e.retriable || e.fatal || Clock::now() > deadline) return e;
            ++retries_;
        }
    }

    /// After a failed step: abort if the transaction can be aborted, otherwise start over with a
    /// new producer; then rewind the consumer to the committed offsets.
    void recover(const TxnError& e, const char* step, Clock::time_point deadline) {
        std::printf("  %s failed: %s\n", step, describe(e).c_str());
        bool recreate = e.fatal;
        if (!recreate) {
            TxnError a = abort_with_retries(deadline);
            if (a.ok) {
                ++aborts_;
            } else {
                std::printf("  abort_transaction failed: %s; recreating the producer\n",
                            describe(a).c_str());
                recreate = true;
            }
        }
        if (recreate && !make_producer(deadline)) return;  // error_ is set
        rewind(deadline);
    }

    /// Seeks every assigned partition back to the group's committed offset.
    bool rewind(Clock::time_point deadline) {
        while (Clock::now() < deadline) {
            rd_kafka_topic_partition_list_t* parts = nullptr;
            if (rd_kafka_assignment(consumer_, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR) {
                std::this_thread::sleep_for(100ms);
                continue;
            }
            if (parts->cnt == 0) {  // nothing assigned: the next assignment starts at committed
                rd_kafka_topic_partition_list_destroy(parts);
                return true;
            }
            rd_kafka_resp_err_t err = rd_kafka_committed(consumer_, parts, 10000);
            bool ok = err == RD_KAFKA_RESP_ERR_NO_ERROR;
            for (int i = 0; ok && i < parts->cnt; ++i) {
                if (parts->elems[i].err) ok = false;
                if (parts->elems[i].offset < 0) parts->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
            }
            if (ok) {
                rd_kafka_error_t* se = rd_kafka_seek_partitions(consumer_, parts, 10000);
                if (se) {
                    std::printf("  seek: %s\n", rd_kafka_error_string(se));
                    rd_kafka_error_destroy(se);
                    ok = false;
                }
            }
            rd_kafka_topic_partition_list_destroy(parts);
            if (ok) return true;
            ++retries_;
            std::this_thread::sleep_for(200ms);
        }
        error_ = "could not rewind to the committed offsets before the deadline";
        return false;
    }

    /// Every input record is behind the group's committed offsets.
    bool finished() {
        auto committed = committed_offsets(brokers_, o_.group, o_.input, o_.partitions);
        if (!committed) return false;
        auto ends = end_offsets(brokers_, o_.input, o_.partitions);
        for (int p = 0; p < o_.partitions; ++p) {
            if (ends[p] < 0 || (*committed)[p] != ends[p]) return false;
        }
        return true;
    }

    std::string brokers_;
    PipelineOptions o_;
    rd_kafka_t* consumer_ = nullptr;
    std::unique_ptr<Producer> producer_;
    std::atomic<bool> rebalanced_{false};
    std::string error_;
    int txns_ = 0;
    int commits_ = 0;
    int aborts_ = 0;
    int producers_ = 0;
    int rebalances_ = 0;
    int retries_ = 0;
};

}  // namespace es::integration::txn_test
