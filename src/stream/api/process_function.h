#pragma once

// Keyed process functions: user code that sees each record of a key with that key's state and
// timers, as Flink's KeyedProcessFunction. State lives in RocksDB stores with changelogs, and
// timers in a store ordered by time, so both survive restarts and task moves.
//
//     class CountPerUser : public KeyedProcessFunction<std::string, Click, int64_t> {
//       public:
//         void process(const Click& c, Context& ctx) override {
//             int64_t n = count_.get().value_or(0) + 1;
//             count_.put(n);
//             ctx.emit(n);
//             ctx.register_event_timer(ctx.timestamp() + 60'000);  // forget idle users
//         }
//         void on_timer(TimeMs, TimeDomain, Context&) override { count_.clear(); }
//       private:
//         ValueState<int64_t> count_{this, "count"};
//     };
//
// State handles always act on the key of the record or timer being handled.

#include "stream/api/record.h"
#include "stream/api/serde.h"
#include "stream/state/key_codec.h"
#include "stream/state/kv_store.h"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace es::stream {

enum class TimeDomain { event_time, processing_time };

/// What a state handle needs to act on the current key; set by the process operator.
struct KeyScope {
    const std::string* key_bytes = nullptr;
    TimeMs timestamp = 0;  // of the record or timer being handled: the TTL counts from it
};

class StateHandle;

/// The part of a process function that does not depend on its types: its declared states.
class ProcessFunctionBase {
  public:
    virtual ~ProcessFunctionBase() = default;
    ProcessFunctionBase() = default;
    ProcessFunctionBase(const ProcessFunctionBase&) = delete;
    ProcessFunctionBase& operator=(const ProcessFunctionBase&) = delete;

    const std::vector<StateHandle*>& states() const { return states_; }

  private:
    friend class StateHandle;
    std::vector<StateHandle*> states_;
};

/// A named piece of keyed state: one store of the task, `<node>.<name>`.
class StateHandle {
  public:
    StateHandle(ProcessFunctionBase* owner, std::string name,
                std::optional<std::chrono::milliseconds> ttl = std::nullopt)
        : name_(std::move(name)) {
        if (ttl) ttl_ = ttl->count();
        owner->states_.push_back(this);
    }
    virtual ~StateHandle() = default;
    StateHandle(const StateHandle&) = delete;
    StateHandle& operator=(const StateHandle&) = delete;

    const std::string& name() const { return name_; }
    const std::optional<TimeMs>& ttl() const { return ttl_; }
    void bind(state::KvStore* store, const KeyScope* scope) {
        store_ = store;
        scope_ = scope;
    }

  protected:
    const std::string& key() const { return *scope_->key_bytes; }
    TimeMs now() const { return scope_->timestamp; }

    state::KvStore* store_ = nullptr;
    const KeyScope* scope_ = nullptr;

  private:
    std::string name_;
    std::optional<TimeMs> ttl_;
};

/// One value per key.
template <HasSerde T>
class ValueState final : public StateHandle {
  public:
    using StateHandle::StateHandle;

    std::optional<T> get() const {
        auto bytes = store_->get(key());
        if (!bytes) return std::nullopt;
        auto v = Serde<T>::decode(*bytes);
        if (!v.ok()) return std::nullopt;
        return std::move(v).value();
    }
    void put(const T& value) {
        buf_.clear();
        Serde<T>::encode(value, buf_);
        store_->put(key(), buf_, now());
    }
    void clear() { store_->remove(key()); }

  private:
    std::string buf_;
};

/// A list per key, read and written whole: for short lists (a user's recent touches).
template <HasSerde T>
class ListState final : public StateHandle {
  public:
    using StateHandle::StateHandle;

    std::vector<T> get() const {
        auto bytes = store_->get(key());
        if (!bytes) return {};
        auto v = Serde<std::vector<T>>::decode(*bytes);
        if (!v.ok()) return {};
        return std::move(v).value();
    }
    void add(const T& value) {
        std::vector<T> list = get();
        list.push_back(value);
        update(list);
    }
    void update(const std::vector<T>& list) {
        if (list.empty()) return clear();
        buf_.clear();
        Serde<std::vector<T>>::encode(list, buf_);
        store_->put(key(), buf_, now());
    }
    void clear() { store_->remove(key()); }

  private:
    std::string buf_;
};

/// A map per key, each entry its own store entry: for large per-key state. Entries iterate in
/// the order of their encoded map keys (numbers encode big-endian, so non-negative ones sort
/// numerically).
template <HasSerde MK, HasSerde MV>
class MapState final : public StateHandle {
  public:
    using StateHandle::StateHandle;

    std::optional<MV> get(const MK& map_key) const {
        auto bytes = store_->get(entry_key(map_key));
        if (!bytes) return std::nullopt;
        auto v = Serde<MV>::decode(*bytes);
        if (!v.ok()) return std::nullopt;
        return std::move(v).value();
    }
    void put(const MK& map_key, const MV& value) {
        std::string k = entry_key(map_key);
        buf_.clear();
        Serde<MV>::encode(value, buf_);
        store_->put(k, buf_, now());
    }
    void remove(const MK& map_key) { store_->remove(entry_key(map_key)); }
    /// Calls fn(map_key, value) in order; fn returns false to stop.
    void for_each(const std::function<bool(const MK&, const MV&)>& fn) const {
        std::vector<std::pair<MK, MV>> entries;
        std::string prefix = prefix_of_key();
        store_->scan_prefix(prefix, [&](std::string_view k, std::string_view v) {
            auto mk = Serde<MK>::decode(k.substr(prefix.size()));
            auto mv = Serde<MV>::decode(v);
            if (mk.ok() && mv.ok())
                entries.emplace_back(std::move(mk).value(), std::move(mv).value());
            return true;
        });
        for (const auto& [mk, mv] : entries) {
            if (!fn(mk, mv)) break;
        }
    }
    /// Calls fn(map_key) in order for the entries whose encoded map keys lie in
    /// [encode(from), encode(to)), without reading their values (get() reads the ones needed):
    /// a range of a large map costs its keys only. fn returns false to stop.
    void for_each_key_in(const MK& from, const MK& to,
                         const std::function<bool(const MK&)>& fn) const {
        const std::string prefix = prefix_of_key();
        std::string lo = prefix;
        std::string hi = prefix;
        Serde<MK>::encode(from, lo);
        Serde<MK>::encode(to, hi);
        if (hi <= lo) return;
        // Collected first: fn may write to this map, which a live scan must not see.
        std::vector<MK> keys;
        store_->scan(lo, hi, [&](std::string_view k, std::string_view) {
            auto mk = Serde<MK>::decode(k.substr(prefix.size()));
            if (mk.ok()) keys.push_back(std::move(mk).value());
            return true;
        });
        for (const MK& k : keys) {
            if (!fn(k)) break;
        }
    }
    /// Removes every entry of the current key.
    void clear() {
        std::vector<std::string> keys;
        store_->scan_prefix(prefix_of_key(), [&](std::string_view k, std::string_view) {
            keys.emplace_back(k);
            return true;
        });
        for (const auto& k : keys) store_->remove(k);
    }

  private:
    std::string prefix_of_key() const {
        std::string p;
        state::encode_bytes(p, key());
        return p;
    }
    std::string entry_key(const MK& map_key) const {
        std::string k = prefix_of_key();
        Serde<MK>::encode(map_key, k);
        return k;
    }

    std::string buf_;
};

/// What a process function may do while handling a record or a timer.
template <class K, class Out>
class ProcessContext {
  public:
    virtual ~ProcessContext() = default;
    virtual const K& key() const = 0;
    /// The record's event time, or the timer's time.
    virtual TimeMs timestamp() const = 0;
    virtual TimeMs watermark() const = 0;
    virtual TimeMs now() const = 0;
    /// Emits a result stamped with timestamp().
    virtual void emit(const Out& value) = 0;
    virtual void emit(const Out& value, TimeMs timestamp) = 0;
    virtual void register_event_timer(TimeMs at) = 0;
    virtual void delete_event_timer(TimeMs at) = 0;
    virtual void register_processing_timer(TimeMs at) = 0;
    virtual void delete_processing_timer(TimeMs at) = 0;
};

template <class K, class V, class Out>
class KeyedProcessFunction : public ProcessFunctionBase {
  public:
    using Context = ProcessContext<K, Out>;

    virtual void process(const V& value, Context& ctx) = 0;
    /// A timer of the current key fired. Event-time timers fire when the watermark reaches
    /// them, processing-time ones when the wall clock does.
    virtual void on_timer(TimeMs /*at*/, TimeDomain /*domain*/, Context& /*ctx*/) {}
};

}  // namespace es::stream
