#pragma once

// Operators at the edges of a task: sources decode Kafka records, sinks encode them, and the
// repartition pair moves records to the task that owns their new key through an internal topic.
//
// A repartition topic's values start with one byte: 'D' then the value's bytes for a record,
// 'W' then the upstream task's partition (big-endian int32) and its watermark (big-endian
// int64), or 'I' then the upstream task's partition when all of that task's inputs are idle.
// Every upstream task sends its watermark to every partition at its commits, and a downstream
// task holds its watermark at the minimum over the upstream tasks that are not idle.

#include "base/bytes.h"
#include "stream/api/operator.h"
#include "stream/api/partitioner.h"
#include "stream/api/serde.h"
#include "stream/api/topology.h"

#include <functional>
#include <string>
#include <type_traits>
#include <utility>

namespace es::stream::ops {

inline constexpr char kRepartitionRecord = 'D';
inline constexpr char kRepartitionWatermark = 'W';
inline constexpr char kRepartitionIdle = 'I';

/// Decodes `bytes` with Serde<T>; a null key decodes as empty bytes, except for NoKey.
template <class T>
Result<T> decode_field(const std::optional<std::string_view>& bytes) {
    return Serde<T>::decode(bytes.value_or(std::string_view()));
}

/// Where a source takes a record's event time from: a function of the value and the Kafka
/// timestamp, or (when empty) the Kafka timestamp itself.
template <class V>
using EventTimeFn = std::function<TimeMs(const V& value, TimeMs record_timestamp)>;

/// Decodes a record's value bytes when Serde<V> is not the format (a Confluent-framed Avro
/// value, whose schema comes from a registry). Each task gets its own copy of the function,
/// so state it captures by value is per task and needs no lock.
template <class V>
using ValueDecoderFn = std::function<Result<V>(std::string_view bytes)>;

template <class K, class V>
class SourceOp final : public SourceOperatorBase, public Emits<K, V> {
  public:
    SourceOp(std::string topic, EventTimeFn<V> event_time, ValueDecoderFn<V> value_decoder = {})
        : topic_(std::move(topic)),
          event_time_(std::move(event_time)),
          value_decoder_(std::move(value_decoder)) {}

    void open(TaskContext& ctx) override { ctx_ = &ctx; }

    Outcome process_raw(const RawRecord& raw) override {
        ++this->counters_.records_in;
        auto key = decode_field<K>(raw.key);
        if (!key.ok()) return bad(raw, std::move(key).error().with_context("key"));
        auto value = value_decoder_ ? value_decoder_(raw.value.value_or(std::string_view()))
                                    : decode_field<V>(raw.value);
        if (!value.ok()) return bad(raw, std::move(value).error().with_context("value"));
        TimeMs ts = event_time_ ? event_time_(*value, raw.timestamp) : raw.timestamp;
        this->out.emit(Record<K, V>{std::move(key).value(), std::move(value).value(), ts});
        return {Outcome::Kind::record, ts, 0};
    }

  private:
    Outcome bad(const RawRecord& raw, Error error) {
        ctx_->bad_record(this->name(), topic_, raw, error);
        return {Outcome::Kind::bad_record, raw.timestamp, 0};
    }

    std::string topic_;
    EventTimeFn<V> event_time_;
    ValueDecoderFn<V> value_decoder_;
    TaskContext* ctx_ = nullptr;
};

/// Writes records to a user topic; the producer's partitioner places them by key.
template <class K, class V>
class SinkOp final : public Input<K, V> {
  public:
    explicit SinkOp(std::string topic) : topic_(std::move(topic)) {}
    void open(TaskContext& ctx) override { ctx_ = &ctx; }

    void process(const Record<K, V>& r) override {
        ++this->counters_.records_in;
        key_.clear();
        value_.clear();
        std::optional<std::string_view> key;
        if constexpr (!std::is_same_v<K, NoKey>) {
            Serde<K>::encode(r.key, key_);
            key = key_;
        }
        Serde<V>::encode(r.value, value_);
        ctx_->send(OutgoingRecord{topic_, std::nullopt, key, value_, r.timestamp});
        ++this->counters_.records_out;
    }

  private:
    std::string topic_;
    TaskContext* ctx_ = nullptr;
    std::string key_;
    std::string value_;
};

template <class K, class V>
class RepartitionSinkOp final : public Input<K, V> {
  public:
    explicit RepartitionSinkOp(std::string suffix) : suffix_(std::move(suffix)) {}
    void open(TaskContext& ctx) override {
        ctx_ = &ctx;
        topic_ = ctx.internal_topic(suffix_);
        partitions_ = ctx.partition_count(topic_);
    }

    void process(const Record<K, V>& r) override {
        ++this->counters_.records_in;
        key_.clear();
        Serde<K>::encode(r.key, key_);
        value_.assign(1, kRepartitionRecord);
        Serde<V>::encode(r.value, value_);
        ctx_->send(OutgoingRecord{topic_, partition_for_key(key_, partitions_), key_, value_,
                                  r.timestamp});
        ++this->counters_.records_out;
    }

    void on_watermark(TimeMs watermark) override { ctx_->forward_watermark(topic_, watermark); }

  private:
    std::string suffix_;
    std::string topic_;
    int32_t partitions_ = 1;
    TaskContext* ctx_ = nullptr;
    std::string key_;
    std::string value_;
};

template <class K, class V>
class RepartitionSourceOp final : public SourceOperatorBase, public Emits<K, V> {
  public:
    explicit RepartitionSourceOp(std::string suffix) : suffix_(std::move(suffix)) {}
    void open(TaskContext& ctx) override { ctx_ = &ctx; }

    Outcome process_raw(const RawRecord& raw) override {
        std::string_view value = raw.value.value_or(std::string_view());
        if (value.empty()) return bad(raw, Error(Errc::bad_record, "empty repartition record"));
        if (value[0] == kRepartitionWatermark) {
            if (value.size() != 13) {
                return bad(raw, Error(Errc::bad_record, "watermark marker of the wrong size"));
            }
            const auto* p = reinterpret_cast<const uint8_t*>(value.data()) + 1;
            return {Outcome::Kind::watermark, static_cast<TimeMs>(load_be64(p + 4)),
                    static_cast<int32_t>(load_be32(p))};
        }
        if (value[0] == kRepartitionIdle) {
            if (value.size() != 5) {
                return bad(raw, Error(Errc::bad_record, "idle marker of the wrong size"));
            }
            const auto* p = reinterpret_cast<const uint8_t*>(value.data()) + 1;
            return {Outcome::Kind::idle, 0, static_cast<int32_t>(load_be32(p))};
        }
        if (value[0] != kRepartitionRecord) {
            return bad(raw, Error(Errc::bad_record, "unknown repartition record type"));
        }
        ++this->counters_.records_in;
        auto key = decode_field<K>(raw.key);
        if (!key.ok()) return bad(raw, std::move(key).error().with_context("key"));
        auto v = Serde<V>::decode(value.substr(1));
        if (!v.ok()) return bad(raw, std::move(v).error().with_context("value"));
        this->out.emit(Record<K, V>{std::move(key).value(), std::move(v).value(), raw.timestamp});
        return {Outcome::Kind::record, raw.timestamp, 0};
    }

  private:
    Outcome bad(const RawRecord& raw, Error error) {
        ctx_->bad_record(this->name(), ctx_->internal_topic(suffix_), raw, error);
        return {Outcome::Kind::bad_record, raw.timestamp, 0};
    }

    std::string suffix_;
    TaskContext* ctx_ = nullptr;
};

/// The value of a watermark marker record.
std::string encode_watermark_marker(int32_t upstream_partition, TimeMs watermark);
/// The value of an idle marker record.
std::string encode_idle_marker(int32_t upstream_partition);

}  // namespace es::stream::ops
