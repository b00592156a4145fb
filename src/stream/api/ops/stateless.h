#pragma once

// Operators that keep no state: filter, map, flat map, peek and pass-through (merge). User
// functions take the value, or the key and the value, whichever they accept.

#include "stream/api/operator.h"

#include <type_traits>
#include <utility>

namespace es::stream::ops {

/// Calls f(key, value) when f accepts it, else f(value).
template <class F, class K, class V>
decltype(auto) call_kv(F& f, const K& key, const V& value) {
    if constexpr (std::is_invocable_v<F&, const K&, const V&>) {
        return f(key, value);
    } else {
        return f(value);
    }
}

template <class F, class K, class V>
using kv_result_t = std::decay_t<decltype(call_kv(std::declval<F&>(), std::declval<const K&>(),
                                                  std::declval<const V&>()))>;

template <class K, class V, class Pred>
class FilterOp final : public Input<K, V>, public Emits<K, V> {
  public:
    explicit FilterOp(Pred pred) : pred_(std::move(pred)) {}
    void process(const Record<K, V>& r) override {
        ++this->counters_.records_in;
        if (call_kv(pred_, r.key, r.value)) this->out.emit(r);
    }

  private:
    Pred pred_;
};

/// map_values: the key and the timestamp stay.
template <class K, class V, class V2, class F>
class MapValuesOp final : public Input<K, V>, public Emits<K, V2> {
  public:
    explicit MapValuesOp(F f) : f_(std::move(f)) {}
    void process(const Record<K, V>& r) override {
        ++this->counters_.records_in;
        this->out.emit(Record<K, V2>{r.key, call_kv(f_, r.key, r.value), r.timestamp});
    }

  private:
    F f_;
};

/// map: f returns std::pair<K2, V2>, a new key and value.
template <class K, class V, class K2, class V2, class F>
class MapOp final : public Input<K, V>, public Emits<K2, V2> {
  public:
    explicit MapOp(F f) : f_(std::move(f)) {}
    void process(const Record<K, V>& r) override {
        ++this->counters_.records_in;
        auto [k, v] = f_(r.key, r.value);
        this->out.emit(Record<K2, V2>{std::move(k), std::move(v), r.timestamp});
    }

  private:
    F f_;
};

/// key_by: a new key computed from the value (or key and value); the value stays.
template <class K, class V, class K2, class F>
class KeyByOp final : public Input<K, V>, public Emits<K2, V> {
  public:
    explicit KeyByOp(F f) : f_(std::move(f)) {}
    void process(const Record<K, V>& r) override {
        ++this->counters_.records_in;
        this->out.emit(Record<K2, V>{call_kv(f_, r.key, r.value), r.value, r.timestamp});
    }

  private:
    F f_;
};

/// flat_map_values: f returns a container of new values.
template <class K, class V, class V2, class F>
class FlatMapValuesOp final : public Input<K, V>, public Emits<K, V2> {
  public:
    explicit FlatMapValuesOp(F f) : f_(std::move(f)) {}
    void process(const Record<K, V>& r) override {
        ++this->counters_.records_in;
        for (auto& v : call_kv(f_, r.key, r.value)) {
            this->out.emit(Record<K, V2>{r.key, std::move(v), r.timestamp});
        }
    }

  private:
    F f_;
};

/// flat_map: f returns a container of std::pair<K2, V2>.
template <class K, class V, class K2, class V2, class F>
class FlatMapOp final : public Input<K, V>, public Emits<K2, V2> {
  public:
    explicit FlatMapOp(F f) : f_(std::move(f)) {}
    void process(const Record<K, V>& r) override {
        ++this->counters_.records_in;
        for (auto& [k, v] : f_(r.key, r.value)) {
            this->out.emit(Record<K2, V2>{std::move(k), std::move(v), r.timestamp});
        }
    }

  private:
    F f_;
};

/// peek: sees every record and passes it on; also the node that merges several streams.
template <class K, class V, class F>
class PeekOp final : public Input<K, V>, public Emits<K, V> {
  public:
    explicit PeekOp(F f) : f_(std::move(f)) {}
    void process(const Record<K, V>& r) override {
        ++this->counters_.records_in;
        f_(r);
        this->out.emit(r);
    }

  private:
    F f_;
};

struct NoPeek {
    template <class R>
    void operator()(const R&) const {}
};

}  // namespace es::stream::ops
