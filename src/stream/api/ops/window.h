#pragma once

// Window aggregation over event time: tumbling and hopping windows (WindowAggregateOp) and
// session windows (SessionAggregateOp), with allowed lateness and a late-record output.
//
// A window fires once when the watermark passes its last instant, emitting
// Record<Windowed<K>, Agg> stamped with that instant. Records that arrive later but within the
// allowed lateness update the window and make it fire again with the new result. The window's
// state is dropped when the watermark passes its last instant plus the allowed lateness; a
// record that belongs only to dropped windows goes to the late output.
//
// State: `<node>` holds the aggregate per (key, window start); `<node>.timers` the firing and
// clean-up times. Both are ordinary stores with changelogs, so a moved or restarted task fires
// exactly what the original would have.

#include "base/log.h"
#include "stream/api/operator.h"
#include "stream/api/serde.h"
#include "stream/api/timers.h"
#include "stream/api/window.h"
#include "stream/state/key_codec.h"
#include "stream/state/kv_store.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace es::stream::ops {

/// `update(key, value, previous)` folds a record into a window's aggregate; `previous` is
/// nullopt for the window's first record.
template <class K, class V, class Agg>
using WindowUpdate =
    std::function<Agg(const K& key, const V& value, std::optional<Agg>&& previous)>;

/// Shared by both window operators: decoding stored aggregates and keys, and the counter of
/// state that did not decode (a corrupt store is logged and counted, never a crash).
template <class K, class Agg>
struct WindowState {
    std::optional<Agg> load(state::KvStore& store, std::string_view key) {
        auto bytes = store.get(key);
        if (!bytes) return std::nullopt;
        auto agg = Serde<Agg>::decode(*bytes);
        if (!agg.ok()) {
            ++undecodable;
            return std::nullopt;
        }
        return std::move(agg).value();
    }
    std::optional<K> key_of(std::string_view key_bytes) {
        auto k = Serde<K>::decode(key_bytes);
        if (!k.ok()) {
            ++undecodable;
            return std::nullopt;
        }
        return std::move(k).value();
    }
    uint64_t undecodable = 0;
};

template <class K, class V, class Agg>
class WindowAggregateOp final : public Input<K, V>,
                                public Emits<Windowed<K>, Agg>,
                                public EmitsLate<K, V> {
  public:
    WindowAggregateOp(WindowSpec spec, std::string store, WindowUpdate<K, V, Agg> update)
        : spec_(spec), store_name_(std::move(store)), update_(std::move(update)) {}

    void open(TaskContext& ctx) override {
        store_ = &ctx.store(store_name_);
        timers_ = std::make_unique<TimerQueue>(ctx.store(store_name_ + ".timers"));
    }

    void process(const Record<K, V>& r) override {
        ++this->counters_.records_in;
        key_bytes_.clear();
        Serde<K>::encode(r.key, key_bytes_);
        TimeMs wm = this->current_watermark();
        bool accepted = false;
        for (const TimeWindow& w : spec_.windows_for(r.timestamp)) {
            TimeMs cleanup = saturating_add(w.max_timestamp(), spec_.allowed_lateness);
            if (cleanup <= wm) continue;  // this window is gone
            accepted = true;
            state_key(w.start);
            std::optional<Agg> previous = state_.load(*store_, skey_);
            bool first = !previous;
            Agg agg = update_(r.key, r.value, std::move(previous));
            value_.clear();
            Serde<Agg>::encode(agg, value_);
            store_->put(skey_, value_);
            if (first) schedule(w, cleanup);
            if (w.max_timestamp() <= wm) emit(r.key, w, agg);  // a late update: fire again
        }
        if (!accepted) {
            ++this->counters_.late_records;
            this->late.emit(r);
        }
    }

    void on_watermark(TimeMs watermark) override {
        timers_->fire_until(watermark, [&](TimeMs, std::string_view id) { fire(id); });
    }

  private:
    // Timer ids: kind, window start, window end, key bytes.
    static constexpr char kFire = 'F';     // the window's last instant: emit
    static constexpr char kCleanup = 'C';  // last instant + lateness: emit if not yet, drop

    void state_key(TimeMs start) {
        skey_.clear();
        state::encode_bytes(skey_, key_bytes_);
        state::encode_i64(skey_, start);
    }

    void schedule(const TimeWindow& w, TimeMs cleanup) {
        bool separate = spec_.allowed_lateness > 0;
        if (separate) timers_->add(w.max_timestamp(), timer_id(kFire, w));
        timers_->add(cleanup, timer_id(separate ? kCleanup : kFire, w));
    }

    std::string timer_id(char kind, const TimeWindow& w) const {
        std::string id(1, kind);
        state::encode_i64(id, w.start);
        state::encode_i64(id, w.end);
        id.append(key_bytes_);
        return id;
    }

    void fire(std::string_view id) {
        if (id.size() < 1 + 2 * state::kEncodedI64Size) return;
        char kind = id[0];
        TimeWindow w{state::load_encoded_i64(id.data() + 1),
                     state::load_encoded_i64(id.data() + 1 + state::kEncodedI64Size)};
        key_bytes_.assign(id.substr(1 + 2 * state::kEncodedI64Size));
        state_key(w.start);
        bool last = kind == kCleanup || spec_.allowed_lateness == 0;
        if (kind == kFire) {
            std::optional<Agg> agg = state_.load(*store_, skey_);
            std::optional<K> key = state_.key_of(key_bytes_);
            if (agg && key) emit(*key, w, *agg);
        }
        if (last) store_->remove(skey_);
    }

    void emit(const K& key, const TimeWindow& w, const Agg& agg) {
        this->out.emit(Record<Windowed<K>, Agg>{Windowed<K>{key, w}, agg, w.max_timestamp()});
    }

    WindowSpec spec_;
    std::string store_name_;
    WindowUpdate<K, V, Agg> update_;
    state::KvStore* store_ = nullptr;
    std::unique_ptr<TimerQueue> timers_;
    WindowState<K, Agg> state_;
    std::string key_bytes_;
    std::string skey_;
    std::string value_;
};

/// Session windows: records of a key closer than the gap share a session [first, last + gap),
/// as in Flink. A record that bridges two sessions merges them (their aggregates combined with
/// `merge`). The stored value is the session's last event time, then the aggregate.
template <class K, class V, class Agg>
class SessionAggregateOp final : public Input<K, V>,
                                 public Emits<Windowed<K>, Agg>,
                                 public EmitsLate<K, V> {
  public:
    using Merge = std::function<Agg(const K& key, Agg&& a, Agg&& b)>;

    SessionAggregateOp(WindowSpec spec, std::string store, WindowUpdate<K, V, Agg> update,
                       Merge merge)
        : spec_(spec),
          store_name_(std::move(store)),
          update_(std::move(update)),
          merge_(std::move(merge)) {}

    void open(TaskContext& ctx) override {
        store_ = &ctx.store(store_name_);
        timers_ = std::make_unique<TimerQueue>(ctx.store(store_name_ + ".timers"));
    }

    void process(const Record<K, V>& r) override {
        ++this->counters_.records_in;
        key_bytes_.clear();
        Serde<K>::encode(r.key, key_bytes_);
        TimeMs wm = this->current_watermark();
        TimeMs ts = r.timestamp;
        if (cleanup_of(ts) <= wm) {
            ++this->counters_.late_records;
            this->late.emit(r);
            return;
        }
        // Sessions of this key that the record touches: [s, e + gap) overlaps [ts, ts + gap).
        struct Session {
            TimeMs start, last;
            std::string stored;
        };
        std::vector<Session> touched;
        prefix_.clear();
        state::encode_bytes(prefix_, key_bytes_);
        store_->scan_prefix(prefix_, [&](std::string_view key, std::string_view value) {
            if (key.size() != prefix_.size() + state::kEncodedI64Size ||
                value.size() < state::kEncodedI64Size) {
                return true;
            }
            TimeMs start = state::load_encoded_i64(key.data() + prefix_.size());
            TimeMs last = state::load_encoded_i64(value.data());
            if (start < saturating_add(ts, spec_.gap) && ts < saturating_add(last, spec_.gap)) {
                touched.push_back({start, last, std::string(value.substr(state::kEncodedI64Size))});
            }
            return start < saturating_add(ts, spec_.gap);
        });
        TimeMs start = ts;
        TimeMs last = ts;
        std::optional<Agg> acc;
        for (Session& s : touched) {
            start = std::min(start, s.start);
            last = std::max(last, s.last);
            auto agg = Serde<Agg>::decode(s.stored);
            if (!agg.ok()) {
                ++state_.undecodable;
            } else if (acc) {
                acc = merge_(r.key, std::move(*acc), std::move(agg).value());
            } else {
                acc = std::move(agg).value();
            }
            forget(s.start, s.last);
        }
        Agg agg = update_(r.key, r.value, std::move(acc));
        state_key(start);
        value_.clear();
        state::encode_i64(value_, last);
        Serde<Agg>::encode(agg, value_);
        store_->put(skey_, value_);
        TimeWindow w = window_of(start, last);
        bool separate = spec_.allowed_lateness > 0;
        if (separate) timers_->add(w.max_timestamp(), timer_id(kFire, start, last));
        timers_->add(cleanup_of(last), timer_id(separate ? kCleanup : kFire, start, last));
        if (w.max_timestamp() <= wm) emit(r.key, w, agg);
    }

    void on_watermark(TimeMs watermark) override {
        timers_->fire_until(watermark, [&](TimeMs, std::string_view id) { fire(id); });
    }

  private:
    static constexpr char kFire = 'F';
    static constexpr char kCleanup = 'C';

    TimeWindow window_of(TimeMs start, TimeMs last) const {
        return {start, saturating_add(last, spec_.gap)};
    }
    TimeMs cleanup_of(TimeMs last) const {
        return saturating_add(window_of(last, last).max_timestamp(), spec_.allowed_lateness);
    }

    void state_key(TimeMs start) {
        skey_.clear();
        state::encode_bytes(skey_, key_bytes_);
        state::encode_i64(skey_, start);
    }

    std::string timer_id(char kind, TimeMs start, TimeMs last) const {
        std::string id(1, kind);
        state::encode_i64(id, start);
        state::encode_i64(id, last);
        id.append(key_bytes_);
        return id;
    }

    /// Removes a session that is being merged into a new one, with its timers.
    void forget(TimeMs start, TimeMs last) {
        state_key(start);
        store_->remove(skey_);
        bool separate = spec_.allowed_lateness > 0;
        if (separate)
            timers_->remove(window_of(start, last).max_timestamp(), timer_id(kFire, start, last));
        timers_->remove(cleanup_of(last), timer_id(separate ? kCleanup : kFire, start, last));
    }

    void fire(std::string_view id) {
        if (id.size() < 1 + 2 * state::kEncodedI64Size) return;
        char kind = id[0];
        TimeMs start = state::load_encoded_i64(id.data() + 1);
        TimeMs last = state::load_encoded_i64(id.data() + 1 + state::kEncodedI64Size);
        key_bytes_.assign(id.substr(1 + 2 * state::kEncodedI64Size));
        state_key(start);
        if (kind == kFire) {
            auto stored = store_->get(skey_);
            std::optional<K> key = state_.key_of(key_bytes_);
            if (stored && key && stored->size() >= state::kEncodedI64Size) {
                auto agg =
                    Serde<Agg>::decode(std::string_view(*stored).substr(state::kEncodedI64Size));
                if (agg.ok()) {
                    emit(*key, window_of(start, last), *agg);
                } else {
                    ++state_.undecodable;
                }
            }
        }
        if (kind == kCleanup || spec_.allowed_lateness == 0) store_->remove(skey_);
    }

    void emit(const K& key, const TimeWindow& w, const Agg& agg) {
        this->out.emit(Record<Windowed<K>, Agg>{Windowed<K>{key, w}, agg, w.max_timestamp()});
    }

    WindowSpec spec_;
    std::string store_name_;
    WindowUpdate<K, V, Agg> update_;
    Merge merge_;
    state::KvStore* store_ = nullptr;
    std::unique_ptr<TimerQueue> timers_;
    WindowState<K, Agg> state_;
    std::string key_bytes_;
    std::string prefix_;
    std::string skey_;
    std::string value_;
};

}  // namespace es::stream::ops
