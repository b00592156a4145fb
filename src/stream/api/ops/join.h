#pragma once

// Joins: a stream with a table (a compacted topic materialized per task), and an interval join
// of two keyed streams over event time. Both sides are partitioned by the same key, so a task
// sees every record of its keys on both sides.

#include "stream/api/operator.h"
#include "stream/api/serde.h"
#include "stream/api/timers.h"
#include "stream/api/topology.h"
#include "stream/state/key_codec.h"
#include "stream/state/kv_store.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace es::stream::ops {

/// Reads a compacted topic into a store: the latest value per key, a null value deletes it.
/// Emits nothing; joins read the store. It does not move the watermark: a table that rarely
/// changes must not stall the windows of the streams joined with it.
template <class K, class V>
class TableSourceOp final : public SourceOperatorBase {
  public:
    TableSourceOp(std::string topic, std::string store)
        : topic_(std::move(topic)), store_name_(std::move(store)) {}

    void open(TaskContext& ctx) override {
        ctx_ = &ctx;
        store_ = &ctx.store(store_name_);
    }

    Outcome process_raw(const RawRecord& raw) override {
        ++this->counters_.records_in;
        auto key = Serde<K>::decode(raw.key.value_or(std::string_view()));
        if (!key.ok()) return bad(raw, std::move(key).error().with_context("key"));
        key_.clear();
        Serde<K>::encode(*key, key_);  // the canonical bytes lookups will use
        if (!raw.value) {
            store_->remove(key_);
        } else {
            auto value = Serde<V>::decode(*raw.value);
            if (!value.ok()) return bad(raw, std::move(value).error().with_context("value"));
            store_->put(key_, *raw.value);
        }
        return {Outcome::Kind::record, raw.timestamp, 0};
    }

  private:
    Outcome bad(const RawRecord& raw, Error error) {
        ctx_->bad_record(this->name(), topic_, raw, error);
        return {Outcome::Kind::bad_record, raw.timestamp, 0};
    }

    std::string topic_;
    std::string store_name_;
    TaskContext* ctx_ = nullptr;
    state::KvStore* store_ = nullptr;
    std::string key_;
};

/// Each stream record looks up the table's current value for its key. An inner join drops
/// records without one; a left join calls the joiner with nullopt.
template <class K, class V, class T, class R>
class StreamTableJoinOp final : public Input<K, V>, public Emits<K, R> {
  public:
    using Joiner = std::function<R(const V& value, const std::optional<T>& row)>;

    StreamTableJoinOp(std::string table_store, Joiner joiner, bool left)
        : store_name_(std::move(table_store)), joiner_(std::move(joiner)), left_(left) {}

    void open(TaskContext& ctx) override { store_ = &ctx.store(store_name_); }

    void process(const Record<K, V>& r) override {
        ++this->counters_.records_in;
        key_.clear();
        Serde<K>::encode(r.key, key_);
        std::optional<T> row;
        if (auto bytes = store_->get(key_)) {
            auto decoded = Serde<T>::decode(*bytes);
            if (decoded.ok()) row = std::move(decoded).value();
        }
        if (!row && !left_) return;
        this->out.emit(Record<K, R>{r.key, joiner_(r.value, row), r.timestamp});
    }

  private:
    std::string store_name_;
    Joiner joiner_;
    bool left_;
    state::KvStore* store_ = nullptr;
    std::string key_;
};

/// Joins records of two streams with equal keys whose event times satisfy
/// left.ts + lower <= right.ts <= left.ts + upper (Flink's interval join). Each side is buffered
/// per (key, timestamp) until the watermark shows no partner can still arrive; the result is
/// stamped with the later of the two timestamps. A record at or before the watermark is late
/// (its partners may be gone): it goes to its side's late output.
template <class K, class A, class B, class R>
class IntervalJoinOp final : public Emits<K, R> {
  public:
    using Joiner = std::function<R(const K& key, const A& left, const B& right)>;

    IntervalJoinOp(std::string store, TimeMs lower, TimeMs upper, Joiner joiner)
        : store_name_(std::move(store)), lower_(lower), upper_(upper), joiner_(std::move(joiner)) {
        left_in_.self = this;
        right_in_.self = this;
    }

    Input<K, A>* left_input() { return &left_in_; }
    Input<K, B>* right_input() { return &right_in_; }
    Output<K, A> late_left;
    Output<K, B> late_right;

    void open(TaskContext& ctx) override {
        left_ = &ctx.store(store_name_ + ".left");
        right_ = &ctx.store(store_name_ + ".right");
        timers_ = std::make_unique<TimerQueue>(ctx.store(store_name_ + ".timers"));
    }

    void on_watermark(TimeMs watermark) override {
        timers_->fire_until(watermark, [&](TimeMs, std::string_view id) {
            // id: side, buffered timestamp, key bytes. Drops that (key, timestamp) list.
            if (id.size() < 1 + state::kEncodedI64Size) return;
            TimeMs ts = state::load_encoded_i64(id.data() + 1);
            key_bytes_.assign(id.substr(1 + state::kEncodedI64Size));
            buffer_key(ts);
            (id[0] == 'L' ? left_ : right_)->remove(bkey_);
        });
    }

  private:
    void process_left(const Record<K, A>& r) {
        ++this->counters_.records_in;
        if (r.timestamp <= this->current_watermark()) {
            ++this->counters_.late_records;
            late_left.emit(r);
            return;
        }
        key_bytes_.clear();
        Serde<K>::encode(r.key, key_bytes_);
        append(*left_, r.value, r.timestamp);
        timers_->add(saturating_add(r.timestamp, upper_), timer_id('L', r.timestamp));
        scan<B>(*right_, saturating_add(r.timestamp, lower_), saturating_add(r.timestamp, upper_),
                [&](TimeMs ts, const B& b) {
                    this->out.emit(
                        Record<K, R>{r.key, joiner_(r.key, r.value, b), std::max(ts, r.timestamp)});
                });
    }

    void process_right(const Record<K, B>& r) {
        ++this->counters_.records_in;
        if (r.timestamp <= this->current_watermark()) {
            ++this->counters_.late_records;
            late_right.emit(r);
            return;
        }
        key_bytes_.clear();
        Serde<K>::encode(r.key, key_bytes_);
        append(*right_, r.value, r.timestamp);
        timers_->add(saturating_add(r.timestamp, -lower_), timer_id('R', r.timestamp));
        scan<A>(*left_, saturating_add(r.timestamp, -upper_), saturating_add(r.timestamp, -lower_),
                [&](TimeMs ts, const A& a) {
                    this->out.emit(
                        Record<K, R>{r.key, joiner_(r.key, a, r.value), std::max(ts, r.timestamp)});
                });
    }

    void buffer_key(TimeMs ts) {
        bkey_.clear();
        state::encode_bytes(bkey_, key_bytes_);
        state::encode_i64(bkey_, ts);
    }

    std::string timer_id(char side, TimeMs ts) const {
        std::string id(1, side);
        state::encode_i64(id, ts);
        id.append(key_bytes_);
        return id;
    }

    /// Appends to the list of values buffered for (key, ts).
    template <class T>
    void append(state::KvStore& store, const T& value, TimeMs ts) {
        buffer_key(ts);
        std::vector<T> list;
        if (auto bytes = store.get(bkey_)) {
            auto decoded = Serde<std::vector<T>>::decode(*bytes);
            if (decoded.ok()) list = std::move(decoded).value();
        }
        list.push_back(value);
        value_.clear();
        Serde<std::vector<T>>::encode(list, value_);
        store.put(bkey_, value_, ts);
    }

    /// Calls fn(ts, value) for every value buffered for the current key with ts in [from, to].
    template <class T, class F>
    void scan(state::KvStore& store, TimeMs from, TimeMs to, F&& fn) {
        std::string begin;
        state::encode_bytes(begin, key_bytes_);
        std::string end = begin;
        state::encode_i64(begin, from);
        if (to == kMaxTime) {
            end = state::prefix_end(end).value_or(std::string());
        } else {
            state::encode_i64(end, to + 1);
        }
        std::vector<std::pair<TimeMs, std::vector<T>>> found;
        store.scan(begin, end, [&](std::string_view key, std::string_view value) {
            if (key.size() < state::kEncodedI64Size) return true;
            auto list = Serde<std::vector<T>>::decode(value);
            if (list.ok()) {
                found.emplace_back(
                    state::load_encoded_i64(key.data() + key.size() - state::kEncodedI64Size),
                    std::move(list).value());
            }
            return true;
        });
        for (auto& [ts, list] : found) {
            for (const T& v : list) fn(ts, v);
        }
    }

    struct LeftIn final : Input<K, A> {
        IntervalJoinOp* self = nullptr;
        void process(const Record<K, A>& r) override { self->process_left(r); }
    };
    struct RightIn final : Input<K, B> {
        IntervalJoinOp* self = nullptr;
        void process(const Record<K, B>& r) override { self->process_right(r); }
    };

    std::string store_name_;
    TimeMs lower_;
    TimeMs upper_;
    Joiner joiner_;
    LeftIn left_in_;
    RightIn right_in_;
    state::KvStore* left_ = nullptr;
    state::KvStore* right_ = nullptr;
    std::unique_ptr<TimerQueue> timers_;
    std::string key_bytes_;
    std::string bkey_;
    std::string value_;
};

}  // namespace es::stream::ops
