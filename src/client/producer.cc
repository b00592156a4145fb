#include "client/producer.h"

#include "client/errc.h"
#include "client/group_consumer.h"
#include "client/handle.h"
#include "client/logger.h"

#include <fmt/core.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace es::client {

struct Producer::Impl : detail::HandleState {
    detail::HandlePtr rk;
    /// Callbacks of records in flight, by the id that travels as the message opaque (0: none).
    std::unordered_map<uint64_t, DeliveryCallback> callbacks;
    uint64_t next_id = 1;
    detail::TopicHandles topics;
    /// Sends since the last rd_kafka_poll(): delivery reports are served every kPollEvery.
    uint32_t sends_since_poll = 0;
    ProducerStats stats;
    uint64_t failed_since_flush = 0;
    std::optional<Error> first_error;  // since the last flush()
    bool closing = false;

    ~Impl() override {
        if (!rk) return;
        // Nothing waits for what is still queued: drop it without calling back into code that
        // may be gone, then let librdkafka stop its threads.
        closing = true;
        rd_kafka_purge(rk.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        topics.clear();
        rk.reset();
    }

    static void on_delivery(rd_kafka_t* /*rk*/, const rd_kafka_message_t* m, void* opaque) {
        auto* self = static_cast<Impl*>(static_cast<detail::HandleState*>(opaque));
        self->delivered(m);
    }

    void delivered(const rd_kafka_message_t* m) {
        std::string topic = m->rkt ? rd_kafka_topic_name(m->rkt) : std::string();
        Result<DeliveryReport> result = [&]() -> Result<DeliveryReport> {
            if (m->err) {
                std::string context =
                    m->partition >= 0 ? fmt::format("delivering to {} [{}]", topic, m->partition)
                                      : fmt::format("delivering to {}", topic);
                // Not rd_kafka_message_errstr(): for a delivery report that is the payload.
                return detail::make_error(m->err, context, {}, this);
            }
            return DeliveryReport{topic, model::PartitionId(m->partition), model::Offset(m->offset),
                                  detail::timestamp_of(m)};
        }();
        if (result.ok()) {
            ++stats.delivered;
        } else {
            ++stats.failed;
            ++failed_since_flush;
            if (!first_error) first_error = result.error();
        }
        auto id = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(m->_private));
        if (id == 0) return;
        auto node = callbacks.extract(id);
        if (node.empty() || closing) return;
        try {
            node.mapped()(result);
        } catch (const std::exception& e) {
            client_log.error("a delivery callback threw: {}", e.what());
        } catch (...) {
            client_log.error("a delivery callback threw");
        }
    }
};

Producer::Producer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Producer::~Producer() = default;

Result<std::unique_ptr<Producer>> Producer::make(const ClientConfig& config) {
    auto impl = std::make_unique<Impl>();
    static const std::map<std::string, std::string> defaults = {{"client.id", "edgestream"}};
    ES_TRY(impl->rk, detail::make_handle(detail::HandleKind::producer, config, defaults, *impl,
                                         [](rd_kafka_conf_s* conf) {
                                             rd_kafka_conf_set_dr_msg_cb(conf, &Impl::on_delivery);
                                         }));
    return std::unique_ptr<Producer>(new Producer(std::move(impl)));
}

Status Producer::send(const ProducerRecord& record, DeliveryCallback on_delivery) {
    if (record.topic.empty()) return Error(Errc::invalid_argument, "sending: empty topic name");
    rd_kafka_topic_t* rkt = impl_->topics.get(impl_->rk.get(), record.topic);
    const std::string_view topic = record.topic;
    if (!rkt) {
        return detail::make_error(rd_kafka_last_error(), fmt::format("sending to {}", topic), {},
                                  impl_.get());
    }
    std::vector<std::string> header_keys;
    header_keys.reserve(record.headers.size());

    // librdkafka reads a null pointer as a null key or value; an empty one needs a real address.
    static const char kEmpty = 0;
    auto data_of = [](BytesView b) {
        return b.empty() ? const_cast<char*>(&kEmpty)
                         : reinterpret_cast<char*>(const_cast<uint8_t*>(b.data()));
    };

    // The arguments live on the stack unless the record has many headers: no allocation per
    // record on the common path.
    constexpr size_t kInline = 16;
    std::array<rd_kafka_vu_t, kInline> inline_vus;
    std::vector<rd_kafka_vu_t> heap_vus;
    size_t capacity = 7 + record.headers.size();
    if (capacity > kInline) heap_vus.resize(capacity);
    rd_kafka_vu_t* vus = capacity > kInline ? heap_vus.data() : inline_vus.data();
    size_t count = 0;
    auto add = [vus, &count](rd_kafka_vtype_t type) -> rd_kafka_vu_t& {
        rd_kafka_vu_t& vu = vus[count++];
        vu = rd_kafka_vu_t{};
        vu.vtype = type;
        return vu;
    };
    add(RD_KAFKA_VTYPE_RKT).u.ptr = rkt;
    add(RD_KAFKA_VTYPE_PARTITION).u.i32 =
        record.partition ? record.partition->value() : RD_KAFKA_PARTITION_UA;
    add(RD_KAFKA_VTYPE_MSGFLAGS).u.i = RD_KAFKA_MSG_F_COPY;
    if (record.key) {
        auto& vu = add(RD_KAFKA_VTYPE_KEY);
        vu.u.mem.ptr = data_of(*record.key);
        vu.u.mem.size = record.key->size();
    }
    if (record.value) {
        auto& vu = add(RD_KAFKA_VTYPE_VALUE);
        vu.u.mem.ptr = data_of(*record.value);
        vu.u.mem.size = record.value->size();
    }
    for (const OutgoingHeader& h : record.headers) {
        const std::string& key = header_keys.emplace_back(h.key);
        auto& vu = add(RD_KAFKA_VTYPE_HEADER);
        vu.u.header.name = key.c_str();
        vu.u.header.val = h.value ? data_of(*h.value) : nullptr;
        vu.u.header.size = h.value ? static_cast<ssize_t>(h.value->size()) : 0;
    }
    if (record.timestamp_ms) add(RD_KAFKA_VTYPE_TIMESTAMP).u.i64 = *record.timestamp_ms;
    uint64_t id = on_delivery ? impl_->next_id++ : 0;
    add(RD_KAFKA_VTYPE_OPAQUE).u.ptr = reinterpret_cast<void*>(static_cast<uintptr_t>(id));

    for (;;) {
        rd_kafka_error_t* error = rd_kafka_produceva(impl_->rk.get(), vus, count);
        if (!error) break;
        rd_kafka_resp_err_t code = rd_kafka_error_code(error);
        if (code == RD_KAFKA_RESP_ERR__FATAL || rd_kafka_error_is_fatal(error)) {
            return detail::take_error(error, fmt::format("sending to {}", topic), impl_->rk.get(),
                                      impl_.get());
        }
        std::string text = rd_kafka_error_string(error);
        rd_kafka_error_destroy(error);
        if (code != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            return detail::make_error(code, fmt::format("sending to {}", topic), text, impl_.get());
        }
        // Room appears as deliveries complete; serving them is what frees the queue.
        rd_kafka_poll(impl_->rk.get(), 100);
    }
    ++impl_->stats.sent;
    if (on_delivery) impl_->callbacks.emplace(id, std::move(on_delivery));
    // Serve what is ready, so that callbacks keep pace with a caller that only sends; not at
    // every record, as each poll takes the queue's lock.
    constexpr uint32_t kPollEvery = 64;
    if (++impl_->sends_since_poll >= kPollEvery) {
        impl_->sends_since_poll = 0;
        rd_kafka_poll(impl_->rk.get(), 0);
    }
    return ok_status();
}

Result<DeliveryReport> Producer::send_and_wait(const ProducerRecord& record,
                                               std::chrono::milliseconds timeout) {
    // Shared with the callback, which may run after this call gave up waiting.
    auto outcome = std::make_shared<std::optional<Result<DeliveryReport>>>();
    ES_CHECK(send(record, [outcome](const Result<DeliveryReport>& r) { *outcome = r; }));
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!outcome->has_value()) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return detail::timeout_error(
                fmt::format("waiting for the delivery to {}", record.topic), timeout, *impl_);
        }
        rd_kafka_poll(impl_->rk.get(), std::min(detail::to_ms(left), 100));
    }
    return std::move(**outcome);
}

void Producer::poll(std::chrono::milliseconds timeout) {
    rd_kafka_poll(impl_->rk.get(), detail::to_ms(timeout));
}

Status Producer::flush(std::chrono::milliseconds timeout) {
    rd_kafka_resp_err_t err = rd_kafka_flush(impl_->rk.get(), detail::to_ms(timeout));
    uint64_t failed = std::exchange(impl_->failed_since_flush, 0);
    if (auto first = std::exchange(impl_->first_error, std::nullopt)) {
        if (failed == 1) return std::move(*first);
        return std::move(*first).with_context(
            fmt::format("{} deliveries failed, the first", failed));
    }
    if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) {
        return detail::timeout_error(
            fmt::format("flushing: {} records still in flight", impl_->stats.in_flight()), timeout,
            *impl_);
    }
    if (err) return detail::make_error(err, "flushing", {}, impl_.get());
    return ok_status();
}

ProducerStats Producer::stats() const { return impl_->stats; }

Status Producer::init_transactions(std::chrono::milliseconds timeout) {
    rd_kafka_error_t* error = rd_kafka_init_transactions(impl_->rk.get(), detail::to_ms(timeout));
    if (error) {
        return detail::take_error(error, "initializing transactions", impl_->rk.get(), impl_.get());
    }
    return ok_status();
}

Status Producer::begin_transaction() {
    rd_kafka_error_t* error = rd_kafka_begin_transaction(impl_->rk.get());
    if (error) {
        return detail::take_error(error, "beginning a transaction", impl_->rk.get(), impl_.get());
    }
    return ok_status();
}

Status Producer::send_offsets_to_transaction(const std::vector<TopicPartitionOffset>& offsets,
                                             const GroupConsumer& consumer,
                                             std::chrono::milliseconds timeout) {
    std::string context =
        fmt::format("sending the offsets of group \"{}\" to the transaction", consumer.group_id());
    if (offsets.empty()) return ok_status();
    ES_CHECK(detail::check_offsets(offsets, context));
    detail::PartitionListPtr list = detail::to_partition_list(offsets);
    std::unique_ptr<rd_kafka_consumer_group_metadata_t,
                    decltype(&rd_kafka_consumer_group_metadata_destroy)>
        metadata(rd_kafka_consumer_group_metadata(detail::GroupConsumerAccess::handle(consumer)),
                 &rd_kafka_consumer_group_metadata_destroy);
    rd_kafka_error_t* error = rd_kafka_send_offsets_to_transaction(
        impl_->rk.get(), list.get(), metadata.get(), detail::to_ms(timeout));
    if (error) return detail::take_error(error, context, impl_->rk.get(), impl_.get());
    return ok_status();
}

Status Producer::commit_transaction(std::chrono::milliseconds timeout) {
    rd_kafka_error_t* error = rd_kafka_commit_transaction(impl_->rk.get(), detail::to_ms(timeout));
    // The commit flushed the records; their delivery callbacks may still be queued.
    rd_kafka_poll(impl_->rk.get(), 0);
    if (error) {
        return detail::take_error(error, "committing the transaction", impl_->rk.get(),
                                  impl_.get());
    }
    return ok_status();
}

Status Producer::abort_transaction(std::chrono::milliseconds timeout) {
    rd_kafka_error_t* error = rd_kafka_abort_transaction(impl_->rk.get(), detail::to_ms(timeout));
    rd_kafka_poll(impl_->rk.get(), 0);  // the purged records' callbacks
    // The purged records are failures of this transaction, not of the next flush().
    impl_->first_error.reset();
    impl_->failed_since_flush = 0;
    if (error) {
        return detail::take_error(error, "aborting the transaction", impl_->rk.get(), impl_.get());
    }
    return ok_status();
}

}  // namespace es::client
