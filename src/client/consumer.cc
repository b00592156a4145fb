#include "client/consumer.h"

#include "client/errc.h"
#include "client/handle.h"

#include <fmt/core.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace es::client {
namespace {

struct MessageDeleter {
    void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
struct MetadataDeleter {
    void operator()(const rd_kafka_metadata_t* md) const { rd_kafka_metadata_destroy(md); }
};

Bytes copy_bytes(const void* data, size_t size) {
    const auto* p = static_cast<const uint8_t*>(data);
    return Bytes(p, p + size);
}

}  // namespace

struct Consumer::Impl : detail::HandleState {
    detail::HandlePtr rk;
    std::chrono::milliseconds timeout{};
    rd_kafka_queue_t* queue = nullptr;
    detail::TopicHandles topics;
    /// The assignment, and for each partition whether it reached its end since its last record.
    std::map<model::TopicPartition, bool> at_end;
    /// How many entries of at_end are true: records need no lookup while it is 0.
    size_t ended = 0;
    /// An error met inside a batch, returned by the next poll_batch().
    std::optional<Error> pending_error;

    void mark_end(const model::TopicPartition& tp, bool end) {
        auto it = at_end.find(tp);
        if (it == at_end.end() || it->second == end) return;
        it->second = end;
        ended += end ? 1 : 0;
        ended -= end ? 0 : 1;
    }

    ~Impl() override {
        stop();
        topics.clear();
        if (queue) rd_kafka_queue_destroy(queue);
        rk.reset();
    }

    void stop() {
        for (const auto& [tp, eof] : at_end) {
            if (rd_kafka_topic_t* rkt = topics.find(tp.topic)) {
                rd_kafka_consume_stop(rkt, tp.partition.value());
            }
        }
        at_end.clear();
        ended = 0;
    }

    /// A fresh queue, so that nothing fetched for the old assignment is handed out.
    void reset_queue() {
        if (queue) rd_kafka_queue_destroy(queue);
        queue = rd_kafka_queue_new(rk.get());
    }

    /// The topic's partitions, sorted. The metadata request asks for every topic: one that names
    /// the topic can make a broker (and librdkafka's mock) create it, and a consumer of a
    /// misspelt topic must fail instead.
    Result<std::vector<int32_t>> partitions_of(const std::string& topic) {
        std::string context = fmt::format("looking up topic \"{}\"", topic);
        const rd_kafka_metadata_t* raw = nullptr;
        rd_kafka_resp_err_t err =
            rd_kafka_metadata(rk.get(), 1, nullptr, &raw, detail::to_ms(timeout));
        rd_kafka_poll(rk.get(), 0);  // collects the client-wide errors behind a timeout
        if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) {
            return detail::timeout_error(context, timeout, *this);
        }
        if (err) return detail::make_error(err, context, {}, this);
        std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter> md(raw);
        for (int i = 0; i < md->topic_cnt; ++i) {
            const rd_kafka_metadata_topic_t& t = md->topics[i];
            if (topic != t.topic) continue;
            if (t.err) return detail::make_error(t.err, context);
            std::vector<int32_t> ids;
            for (int p = 0; p < t.partition_cnt; ++p) ids.push_back(t.partitions[p].id);
            std::sort(ids.begin(), ids.end());
            return ids;
        }
        return detail::make_error(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, context,
                                  "no such topic in the cluster's metadata");
    }

    /// Offsets for the timestamp starts, in the order of `starts` (-1: past the last record).
    Result<std::vector<int64_t>> offsets_for_times(const std::vector<PartitionStart>& starts) {
        detail::PartitionListPtr list(
            rd_kafka_topic_partition_list_new(static_cast<int>(starts.size())));
        for (const PartitionStart& s : starts) {
            rd_kafka_topic_partition_list_add(list.get(), s.tp.topic.c_str(),
                                              s.tp.partition.value())
                ->offset = s.start.value;
        }
        const char* context = "looking up offsets by timestamp";
        rd_kafka_resp_err_t err =
            rd_kafka_offsets_for_times(rk.get(), list.get(), detail::to_ms(timeout));
        rd_kafka_poll(rk.get(), 0);
        if (err == RD_KAFKA_RESP_ERR__TIMED_OUT)
            return detail::timeout_error(context, timeout, *this);
        if (err) return detail::make_error(err, context, {}, this);
        std::vector<int64_t> offsets;
        for (const PartitionStart& s : starts) {
            const rd_kafka_topic_partition_t* p = rd_kafka_topic_partition_list_find(
                list.get(), s.tp.topic.c_str(), s.tp.partition.value());
            if (!p)
                return Error(Errc::local,
                             fmt::format("{}: no answer for {}", context, s.tp.to_string()));
            if (p->err)
                return detail::make_error(p->err,
                                          fmt::format("{} for {}", context, s.tp.to_string()));
            offsets.push_back(p->offset);
        }
        return offsets;
    }
};

Consumer::Consumer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Consumer::~Consumer() = default;

Result<std::unique_ptr<Consumer>> Consumer::make(const ClientConfig& config) {
    auto impl = std::make_unique<Impl>();
    impl->timeout = config.timeout;
    // No group: nothing to commit, and the legacy consumer must not try to store offsets.
    static const std::map<std::string, std::string> defaults = {
        {"client.id", "edgestream"},
        {"enable.partition.eof", "true"},
        {"enable.auto.commit", "false"},
    };
    ES_TRY(impl->rk, detail::make_handle(detail::HandleKind::consumer, config, defaults, *impl));
    impl->reset_queue();
    return std::unique_ptr<Consumer>(new Consumer(std::move(impl)));
}

Status Consumer::assign(const std::string& topic, const std::vector<model::PartitionId>& partitions,
                        StartPosition start) {
    if (topic.empty()) return Error(Errc::invalid_argument, "assigning: empty topic name");
    std::vector<PartitionStart> starts;
    if (partitions.empty()) {
        ES_TRY(std::vector<int32_t> ids, impl_->partitions_of(topic));
        for (int32_t id : ids) starts.push_back({{topic, model::PartitionId(id)}, start});
    } else {
        for (model::PartitionId p : partitions) starts.push_back({{topic, p}, start});
    }
    return assign(starts);
}

Status Consumer::assign(const std::vector<PartitionStart>& partitions) {
    unassign();
    // Every partition must exist: librdkafka would otherwise wait for it silently.
    std::map<std::string, std::vector<int32_t>> known;
    for (const PartitionStart& s : partitions) {
        if (s.tp.topic.empty()) return Error(Errc::invalid_argument, "assigning: empty topic name");
        auto it = known.find(s.tp.topic);
        if (it == known.end()) {
            ES_TRY(auto ids, impl_->partitions_of(s.tp.topic));
            it = known.emplace(s.tp.topic, std::move(ids)).first;
        }
        if (!std::binary_search(it->second.begin(), it->second.end(), s.tp.partition.value())) {
            return Error(Errc::unknown_topic,
                         fmt::format("assigning: topic \"{}\" has no partition {} (it has {})",
                                     s.tp.topic, s.tp.partition.value(), it->second.size()));
        }
        if (s.start.kind == StartPosition::Kind::offset && s.start.value < 0) {
            return Error(Errc::invalid_argument, fmt::format("assigning {}: negative offset {}",
                                                             s.tp.to_string(), s.start.value));
        }
    }

    std::vector<PartitionStart> by_time;
    for (const PartitionStart& s : partitions) {
        if (s.start.kind == StartPosition::Kind::timestamp) by_time.push_back(s);
    }
    std::vector<int64_t> time_offsets;
    if (!by_time.empty()) {
        ES_TRY(time_offsets, impl_->offsets_for_times(by_time));
    }

    // A topic handle made now knows no partition leaders until librdkafka's next metadata
    // refresh, and a partition started without a leader has its first offset lookup put off
    // by 500 ms (seen in librdkafka's fetch debug log: "no current leader for partition").
    // One metadata request after making the handles fills the leaders in (for every topic, as
    // partitions_of() asks).
    bool made = false;
    for (const PartitionStart& s : partitions) {
        if (impl_->topics.find(s.tp.topic)) continue;
        made = impl_->topics.get(impl_->rk.get(), s.tp.topic) != nullptr || made;
    }
    const rd_kafka_metadata_t* md = nullptr;
    if (made && rd_kafka_metadata(impl_->rk.get(), 1, nullptr, &md,
                                  detail::to_ms(impl_->timeout)) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_metadata_destroy(md);
    }  // else: starting the partitions below reports what is wrong

    size_t next_time_offset = 0;
    for (const PartitionStart& s : partitions) {
        int64_t offset = 0;
        switch (s.start.kind) {
            case StartPosition::Kind::beginning:
                offset = RD_KAFKA_OFFSET_BEGINNING;
                break;
            case StartPosition::Kind::end:
                offset = RD_KAFKA_OFFSET_END;
                break;
            case StartPosition::Kind::offset:
                offset = s.start.value;
                break;
            case StartPosition::Kind::timestamp:
                offset = time_offsets[next_time_offset++];
                if (offset < 0) offset = RD_KAFKA_OFFSET_END;  // no record that late
                break;
        }
        rd_kafka_topic_t* rkt = impl_->topics.get(impl_->rk.get(), s.tp.topic);
        if (!rkt ||
            rd_kafka_consume_start_queue(rkt, s.tp.partition.value(), offset, impl_->queue) == -1) {
            Error error = detail::make_error(rd_kafka_last_error(),
                                             fmt::format("starting {}", s.tp.to_string()));
            unassign();
            return error;
        }
        impl_->at_end.emplace(s.tp, false);
    }
    return ok_status();
}

void Consumer::unassign() {
    if (impl_->at_end.empty()) return;
    impl_->stop();
    impl_->reset_queue();
}

Result<std::optional<Message>> Consumer::poll(std::chrono::milliseconds timeout) {
    rd_kafka_poll(impl_->rk.get(), 0);  // client-wide errors, for the messages of later errors
    std::unique_ptr<rd_kafka_message_t, MessageDeleter> m(
        rd_kafka_consume_queue(impl_->queue, detail::to_ms(timeout)));
    if (!m) return std::optional<Message>();

    model::TopicPartition tp{m->rkt ? rd_kafka_topic_name(m->rkt) : std::string(),
                             model::PartitionId(m->partition)};
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        impl_->mark_end(tp, true);
        return std::optional<Message>();
    }
    if (m->err) return detail::message_error(m.get(), impl_.get());
    if (impl_->ended) impl_->mark_end(tp, false);

    Message msg;
    msg.topic = std::move(tp.topic);
    msg.partition = tp.partition;
    msg.offset = model::Offset(m->offset);
    if (m->key) msg.key = copy_bytes(m->key, m->key_len);
    if (m->payload) msg.value = copy_bytes(m->payload, m->len);
    msg.timestamp = detail::timestamp_of(m.get());
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(m.get(), &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name = nullptr;
        const void* value = nullptr;
        size_t size = 0;
        for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) ==
                           RD_KAFKA_RESP_ERR_NO_ERROR;
             ++i) {
            Header& h = msg.headers.emplace_back();
            h.key = name;
            if (value) h.value = copy_bytes(value, size);
        }
    }
    return std::optional<Message>(std::move(msg));
}

Result<MessageBatch> Consumer::poll_batch(size_t max, std::chrono::milliseconds timeout) {
    if (impl_->pending_error) {
        Error e = std::move(*impl_->pending_error);
        impl_->pending_error.reset();
        return e;
    }
    rd_kafka_poll(impl_->rk.get(), 0);  // client-wide errors, as poll()
    MessageBatch batch;
    if (max == 0) return batch;
    std::vector<rd_kafka_message_t*> got(max);
    // rd_kafka_consume_batch_queue with a timeout waits for a full batch: what is there now,
    // else wait for one record only, then take what came with it.
    ssize_t n = rd_kafka_consume_batch_queue(impl_->queue, 0, got.data(), max);
    if (n <= 0) {
        got[0] = rd_kafka_consume_queue(impl_->queue, detail::to_ms(timeout));
        if (!got[0]) return batch;
        ssize_t more =
            max > 1 ? rd_kafka_consume_batch_queue(impl_->queue, 0, got.data() + 1, max - 1) : 0;
        n = 1 + std::max<ssize_t>(more, 0);
    }
    detail::MessageBatchAccess::reserve(batch, static_cast<size_t>(n));
    for (ssize_t i = 0; i < n; ++i) {
        rd_kafka_message_t* m = got[static_cast<size_t>(i)];
        if (m->err || impl_->ended) {
            model::TopicPartition tp{m->rkt ? rd_kafka_topic_name(m->rkt) : std::string(),
                                     model::PartitionId(m->partition)};
            if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                impl_->mark_end(tp, true);
                detail::MessageBatchAccess::adopt(batch, m);
                continue;
            }
            if (m->err) {
                if (!impl_->pending_error)
                    impl_->pending_error = detail::message_error(m, impl_.get());
                detail::MessageBatchAccess::adopt(batch, m);
                continue;
            }
            impl_->mark_end(tp, false);
        }
        detail::MessageBatchAccess::append(batch, m);
    }
    return batch;
}

MessageBatch::~MessageBatch() { release(); }

MessageBatch::MessageBatch(MessageBatch&& other) noexcept
    : owned_(std::move(other.owned_)), views_(std::move(other.views_)) {
    other.owned_.clear();
    other.views_.clear();
}

MessageBatch& MessageBatch::operator=(MessageBatch&& other) noexcept {
    if (this != &other) {
        release();
        owned_ = std::move(other.owned_);
        views_ = std::move(other.views_);
        other.owned_.clear();
        other.views_.clear();
    }
    return *this;
}

namespace detail {

void MessageBatchAccess::reserve(MessageBatch& batch, size_t n) {
    batch.owned_.reserve(batch.owned_.size() + n);
    batch.views_.reserve(batch.views_.size() + n);
}

void MessageBatchAccess::adopt(MessageBatch& batch, rd_kafka_message_s* m) {
    batch.owned_.push_back(m);
}

void MessageBatchAccess::append(MessageBatch& batch, rd_kafka_message_s* m) {
    batch.owned_.push_back(m);
    MessageView& v = batch.views_.emplace_back();
    v.topic = m->rkt ? rd_kafka_topic_name(m->rkt) : std::string_view();
    v.partition = model::PartitionId(m->partition);
    v.offset = model::Offset(m->offset);
    if (m->key) v.key = BytesView(static_cast<const uint8_t*>(m->key), m->key_len);
    if (m->payload) v.value = BytesView(static_cast<const uint8_t*>(m->payload), m->len);
    v.timestamp = detail::timestamp_of(m);
}

}  // namespace detail

void MessageBatch::release() {
    for (void* m : owned_) rd_kafka_message_destroy(static_cast<rd_kafka_message_t*>(m));
    owned_.clear();
    views_.clear();
}

bool Consumer::at_end() const {
    if (impl_->at_end.empty()) return false;
    return std::all_of(impl_->at_end.begin(), impl_->at_end.end(),
                       [](const auto& entry) { return entry.second; });
}

std::vector<model::TopicPartition> Consumer::assignment() const {
    std::vector<model::TopicPartition> out;
    for (const auto& [tp, eof] : impl_->at_end) out.push_back(tp);
    return out;
}

}  // namespace es::client
