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

/// What both window operators share: their stores, the key being handled, the composite keys
/// of window state (key, window start) and timers (kind, two times, key), decoding of stored
/// aggregates and keys (state that does not decode is counted, never a crash), and emitting.
template <class K, class V, class Agg>
class WindowOperatorBase : public Input<K, V>,
                           public Emits<Windowed<K>, Agg>,
                           public EmitsLate<K, V> {
  public:
    WindowOperatorBase(WindowSpec spec, std::string store, WindowUpdate<K, V, Agg> update)
        : spec_(spec), store_name_(std::move(store)), update_(std::move(update)) {}

    void open(TaskContext& ctx) override {
        store_ = &ctx.store(store_name_);
        timers_ = std::make_unique<TimerQueue>(ctx.store(store_name_ + ".timers"));
    }

    void on_watermark(TimeMs watermark) override {
        timers_->fire_until(watermark, [&](TimeMs, std::string_view id) { fire(id); });
    }

  protected:
    static constexpr char kFire = 'F';     // the window's last instant: emit
    static constexpr char kCleanup = 'C';  // last instant + lateness: drop
    static constexpr size_t kTimerHeader = 1 + 2 * state::kEncodedI64Size;

    virtual void fire(std::string_view timer_id) = 0;

    /// Counts the record in and makes its key the current one.
    void begin(const Record<K, V>& r) {
        ++this->counters_.records_in;
        key_bytes_.clear();
        Serde<K>::encode(r.key, key_bytes_);
    }
    /// Reads a timer id back: its kind and times, and makes its key the current one.
    void begin_timer(std::string_view id, char& kind, TimeMs& a, TimeMs& b) {
        kind = id[0];
        a = state::load_encoded_i64(id.data() + 1);
        b = state::load_encoded_i64(id.data() + 1 + state::kEncodedI64Size);
        key_bytes_.assign(id.substr(kTimerHeader));
    }
    void state_key(TimeMs start) {
        skey_.clear();
        state::encode_bytes(skey_, key_bytes_);
        state::encode_i64(skey_, start);
    }
    std::string timer_id(char kind, TimeMs a, TimeMs b) const {
        std::string id(1, kind);
        state::encode_i64(id, a);
        state::encode_i64(id, b);
        id.append(key_bytes_);
        return id;
    }
    std::optional<Agg> decode_agg(std::string_view bytes) {
        auto agg = Serde<Agg>::decode(bytes);
        if (!agg.ok()) {
            ++undecodable_;
            return std::nullopt;
        }
        return std::move(agg).value();
    }
    std::optional<K> current_key() {
        auto k = Serde<K>::decode(key_bytes_);
        if (!k.ok()) {
            ++undecodable_;
            return std::nullopt;
        }
        return std::move(k).value();
    }
    void emit(const K& key, const TimeWindow& w, const Agg& agg) {
        this->out.emit(Record<Windowed<K>, Agg>{Windowed<K>{key, w}, agg, w.max_timestamp()});
    }
    void refuse_late(const Record<K, V>& r) {
        ++this->counters_.late_records;
        this->late.emit(r);
    }

    WindowSpec spec_;
    std::string store_name_;
    WindowUpdate<K, V, Agg> update_;
    state::KvStore* store_ = nullptr;
    std::unique_ptr<TimerQueue> timers_;
    std::string key_bytes_;
    std::string skey_;
    std::string value_;
    uint64_t undecodable_ = 0;
};

/// Tumbling and hopping windows: state per (key, window start) holds the aggregate.
template <class K, class V, class Agg>
class WindowAggregateOp final : public WindowOperatorBase<K, V, Agg> {
    using Base = WindowOperatorBase<K, V, Agg>;

  public:
    using Base::Base;

    void process(const Record<K, V>& r) override {
        this->begin(r);
        TimeMs wm = this->current_watermark();
        bool accepted = false;
        for (const TimeWindow& w : this->spec_.windows_for(r.timestamp)) {
            TimeMs cleanup = saturating_add(w.max_timestamp(), this->spec_.allowed_lateness);
            if (cleanup <= wm) continue;  // this window is gone
            accepted = true;
            this->state_key(w.start);
            std::optional<Agg> previous;
            if (auto bytes = this->store_->get(this->skey_)) previous = this->decode_agg(*bytes);
            bool first = !previous;
            Agg agg = this->update_(r.key, r.value, std::move(previous));
            this->value_.clear();
            Serde<Agg>::encode(agg, this->value_);
            this->store_->put(this->skey_, this->value_);
            if (first) {
                bool separate = this->spec_.allowed_lateness > 0;
                if (separate)
                    this->timers_->add(w.max_timestamp(),
                                       this->timer_id(Base::kFire, w.start, w.end));
                this->timers_->add(cleanup, this->timer_id(separate ? Base::kCleanup : Base::kFire,
                                                           w.start, w.end));
            }
            if (w.max_timestamp() <= wm) this->emit(r.key, w, agg);  // a late update: fire again
        }
        if (!accepted) this->refuse_late(r);
    }

  private:
    void fire(std::string_view id) override {
        if (id.size() < Base::kTimerHeader) return;
        char kind;
        TimeWindow w;
        this->begin_timer(id, kind, w.start, w.end);
        this->state_key(w.start);
        if (kind == Base::kFire) {
            std::optional<Agg> agg;
            if (auto bytes = this->store_->get(this->skey_)) agg = this->decode_agg(*bytes);
            std::optional<K> key = this->current_key();
            if (agg && key) this->emit(*key, w, *agg);
        }
        if (kind == Base::kCleanup || this->spec_.allowed_lateness == 0)
            this->store_->remove(this->skey_);
    }
};

/// Session windows: records of a key closer than the gap share a session [first, last + gap),
/// as in Flink. A record that bridges two sessions merges them (their aggregates combined with
/// `merge`). The stored value is the session's last event time, then the aggregate.
template <class K, class V, class Agg>
class SessionAggregateOp final : public WindowOperatorBase<K, V, Agg> {
    using Base = WindowOperatorBase<K, V, Agg>;

  public:
    using Merge = std::function<Agg(const K& key, Agg&& a, Agg&& b)>;

    SessionAggregateOp(WindowSpec spec, std::string store, WindowUpdate<K, V, Agg> update,
                       Merge merge)
        : Base(spec, std::move(store), std::move(update)), merge_(std::move(merge)) {}

    void process(const Record<K, V>& r) override {
        this->begin(r);
        TimeMs wm = this->current_watermark();
        TimeMs ts = r.timestamp;
        if (cleanup_of(ts) <= wm) return this->refuse_late(r);
        // Sessions of this key that the record touches: [s, e + gap) overlaps [ts, ts + gap).
        struct Session {
            TimeMs start, last;
            std::string stored;
        };
        std::vector<Session> touched;
        prefix_.clear();
        state::encode_bytes(prefix_, this->key_bytes_);
        TimeMs gap = this->spec_.gap;
        this->store_->scan_prefix(prefix_, [&](std::string_view key, std::string_view value) {
            if (key.size() != prefix_.size() + state::kEncodedI64Size ||
                value.size() < state::kEncodedI64Size) {
                return true;
            }
            TimeMs start = state::load_encoded_i64(key.data() + prefix_.size());
            TimeMs last = state::load_encoded_i64(value.data());
            if (start < saturating_add(ts, gap) && ts < saturating_add(last, gap)) {
                touched.push_back({start, last, std::string(value.substr(state::kEncodedI64Size))});
            }
            return start < saturating_add(ts, gap);
        });
        TimeMs start = ts;
        TimeMs last = ts;
        std::optional<Agg> acc;
        for (Session& s : touched) {
            start = std::min(start, s.start);
            last = std::max(last, s.last);
            if (auto agg = this->decode_agg(s.stored)) {
                acc = acc ? merge_(r.key, std::move(*acc), std::move(*agg)) : std::move(*agg);
            }
            forget(s.start, s.last);
        }
        Agg agg = this->update_(r.key, r.value, std::move(acc));
        this->state_key(start);
        this->value_.clear();
        state::encode_i64(this->value_, last);
        Serde<Agg>::encode(agg, this->value_);
        this->store_->put(this->skey_, this->value_);
        TimeWindow w = window_of(start, last);
        for (const auto& [at, id] : timers_of(start, last)) this->timers_->add(at, id);
        if (w.max_timestamp() <= wm) this->emit(r.key, w, agg);
    }

  private:
    TimeWindow window_of(TimeMs start, TimeMs last) const {
        return {start, saturating_add(last, this->spec_.gap)};
    }
    TimeMs cleanup_of(TimeMs last) const {
        return saturating_add(window_of(last, last).max_timestamp(), this->spec_.allowed_lateness);
    }

    /// The timers of a session: one that fires and cleans up, or (with lateness) one of each.
    std::vector<std::pair<TimeMs, std::string>> timers_of(TimeMs start, TimeMs last) const {
        if (this->spec_.allowed_lateness == 0) {
            return {{cleanup_of(last), this->timer_id(Base::kFire, start, last)}};
        }
        return {{window_of(start, last).max_timestamp(), this->timer_id(Base::kFire, start, last)},
                {cleanup_of(last), this->timer_id(Base::kCleanup, start, last)}};
    }

    /// Removes a session that is being merged into a new one, with its timers.
    void forget(TimeMs start, TimeMs last) {
        this->state_key(start);
        this->store_->remove(this->skey_);
        for (const auto& [at, id] : timers_of(start, last)) this->timers_->remove(at, id);
    }

    void fire(std::string_view id) override {
        if (id.size() < Base::kTimerHeader) return;
        char kind;
        TimeMs start, last;
        this->begin_timer(id, kind, start, last);
        this->state_key(start);
        if (kind == Base::kFire) {
            auto stored = this->store_->get(this->skey_);
            std::optional<K> key = this->current_key();
            if (stored && key && stored->size() >= state::kEncodedI64Size) {
                auto agg =
                    this->decode_agg(std::string_view(*stored).substr(state::kEncodedI64Size));
                if (agg) this->emit(*key, window_of(start, last), *agg);
            }
        }
        if (kind == Base::kCleanup || this->spec_.allowed_lateness == 0)
            this->store_->remove(this->skey_);
    }

    Merge merge_;
    std::string prefix_;
};

}  // namespace es::stream::ops
