#pragma once

// The typed DSL that builds a job's topology, in the spirit of Kafka Streams' KStream and
// Flink's DataStream:
//
//     StreamBuilder b("clicks-per-minute");
//     b.source<std::string, Click>("clicks", {.event_time = click_time, .max_out_of_orderness =
//     5s})
//         .key_by([](const Click& c) { return c.campaign; })
//         .window(TumblingWindows::of(1min))
//         .count()
//         .to("clicks-per-minute");
//     ES_TRY(Topology t, b.build());
//
// Every stream carries a key and a value. Operations that keep state per key (windows, joins,
// deduplication, process functions) need records with equal keys in the same task: when the key
// changed since the records were read (key_by, map, flat_map), the builder inserts a
// repartition topic before them, as Kafka Streams does.

#include "stream/api/ops/combine.h"
#include "stream/api/ops/dedup.h"
#include "stream/api/ops/io.h"
#include "stream/api/ops/join.h"
#include "stream/api/ops/process.h"
#include "stream/api/ops/stateless.h"
#include "stream/api/ops/window.h"
#include "stream/api/topology.h"

#include <fmt/core.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace es::stream {

namespace detail {

/// The graph under construction, shared by every stream handle of one builder.
class GraphBuilder {
  public:
    explicit GraphBuilder(std::string job) : job_(std::move(job)) {}

    /// Adds a node named `name`, or `<base>-<id>` when `name` is empty; returns its id.
    int add(NodeSpec spec, std::string_view base, std::string name);
    NodeSpec& node(int id) { return nodes_[static_cast<size_t>(id)]; }
    const std::string& job() const { return job_; }
    std::vector<NodeSpec> take() { return std::move(nodes_); }
    int next_id() const { return static_cast<int>(nodes_.size()); }
    /// Records a mistake in how the DSL was used; build() reports the first one.
    void invalid(std::string what) {
        if (!error_) error_ = std::move(what);
    }
    const std::optional<std::string>& error() const { return error_; }

  private:
    std::string job_;
    std::optional<std::string> error_;
    std::vector<NodeSpec> nodes_;
};

}  // namespace detail

/// Options of a source topic.
template <class V>
struct SourceOptions {
    /// Event time of a record; the Kafka record timestamp when empty.
    ops::EventTimeFn<V> event_time = {};
    std::chrono::milliseconds max_out_of_orderness{0};
    /// A partition silent this long (processing time) stops holding the watermark back.
    std::optional<std::chrono::milliseconds> idle_timeout = std::nullopt;
    /// Decodes values instead of Serde<V> (stream/formats makes them, e.g. for Confluent-framed
    /// Avro with schemas from a registry); an error makes the record a bad record.
    ops::ValueDecoderFn<V> value_decoder = {};
    /// Names the node (and so nothing else: a source has no store).
    std::string name = {};
};

template <class K, class V>
class Stream;
template <class K, class V>
class WindowedStream;
template <class K, class V>
class Table;
template <class KOut, class VOut, class K, class V>
class WithLate;

class StreamBuilder {
  public:
    explicit StreamBuilder(std::string job)
        : graph_(std::make_shared<detail::GraphBuilder>(std::move(job))) {}

    /// Records of `topic`, decoded with Serde<K> and Serde<V>.
    template <class K, class V>
    Stream<K, V> source(std::string topic, SourceOptions<V> options = {});

    /// The latest value per key of a compacted topic, materialized in the store `name` of every
    /// task (a null value deletes the key). Join a stream with it: the stream's topic and the
    /// table's topic must have the same number of partitions, keyed the same way.
    template <class K, class V>
    Table<K, V> table(std::string topic, std::string name);

    /// Checks and freezes the topology.
    Result<Topology> build();

  private:
    std::shared_ptr<detail::GraphBuilder> graph_;
};

/// A handle on the output of one node. Cheap to copy; every copy adds to the same graph.
template <class K, class V>
class Stream {
  public:
    using Key = K;
    using Value = V;
    /// Which output of the node's operator this stream is (its main output, or a side output).
    using OutputOf = std::function<Output<K, V>&(OperatorBase&)>;

    Stream(std::shared_ptr<detail::GraphBuilder> graph, int node, OutputOf output_of,
           bool key_changed)
        : graph_(std::move(graph)),
          node_(node),
          output_of_(std::move(output_of)),
          key_changed_(key_changed) {}

    /// Records for which pred(value) (or pred(key, value)) holds.
    template <class Pred>
    Stream<K, V> filter(Pred pred) const {
        return add_op<K, V>("filter", "filter", key_changed_,
                            [pred] { return std::make_unique<ops::FilterOp<K, V, Pred>>(pred); });
    }

    /// A new value from f(value) (or f(key, value)); the key stays, so no repartition follows.
    template <class F, class V2 = ops::kv_result_t<F, K, V>>
    Stream<K, V2> map_values(F f) const {
        return add_op<K, V2>("map-values", "map values", key_changed_,
                             [f] { return std::make_unique<ops::MapValuesOp<K, V, V2, F>>(f); });
    }

    /// A new key and value: f(key, value) returns std::pair<K2, V2>.
    template <class F, class P = std::invoke_result_t<F&, const K&, const V&>>
    Stream<typename P::first_type, typename P::second_type> map(F f) const {
        using K2 = typename P::first_type;
        using V2 = typename P::second_type;
        return add_op<K2, V2>("map", "map", true,
                              [f] { return std::make_unique<ops::MapOp<K, V, K2, V2, F>>(f); });
    }

    /// Re-keys the stream by f(value) (or f(key, value)).
    template <class F, class K2 = ops::kv_result_t<F, K, V>>
    Stream<K2, V> key_by(F f) const {
        return add_op<K2, V>("key-by", "key by", true,
                             [f] { return std::make_unique<ops::KeyByOp<K, V, K2, F>>(f); });
    }

    /// Zero or more values per record: f returns a container of values.
    template <class F, class C = ops::kv_result_t<F, K, V>>
    Stream<K, typename C::value_type> flat_map_values(F f) const {
        using V2 = typename C::value_type;
        return add_op<K, V2>("flat-map-values", "flat map values", key_changed_, [f] {
            return std::make_unique<ops::FlatMapValuesOp<K, V, V2, F>>(f);
        });
    }

    /// Zero or more records per record: f(key, value) returns a container of std::pair<K2, V2>.
    template <class F, class C = std::invoke_result_t<F&, const K&, const V&>>
    Stream<typename C::value_type::first_type, typename C::value_type::second_type> flat_map(
        F f) const {
        using K2 = typename C::value_type::first_type;
        using V2 = typename C::value_type::second_type;
        return add_op<K2, V2>("flat-map", "flat map", true,
                              [f] { return std::make_unique<ops::FlatMapOp<K, V, K2, V2, F>>(f); });
    }

    /// Calls f(record) for every record and passes it on.
    template <class F>
    Stream<K, V> peek(F f) const {
        return add_op<K, V>("peek", "peek", key_changed_,
                            [f] { return std::make_unique<ops::PeekOp<K, V, F>>(f); });
    }

    /// The records of both streams, in the order they arrive. Both must live in the same
    /// sub-topology or be re-keyed: a merge of streams read from different topics reads both in
    /// one task.
    Stream<K, V> merge(const Stream<K, V>& other) const {
        NodeSpec spec;
        spec.what = "merge";
        spec.inputs = {edge(), other.edge()};
        spec.make = [] { return std::make_unique<ops::PeekOp<K, V, ops::NoPeek>>(ops::NoPeek{}); };
        int id = graph_->add(std::move(spec), "merge", {});
        return Stream<K, V>(graph_, id, main_output(), key_changed_ || other.key_changed_);
    }

    /// Writes every record to `topic` with Serde<K> and Serde<V> (a NoKey key is null).
    void to(std::string topic) const {
        NodeSpec spec;
        spec.kind = NodeKind::sink;
        spec.what = "sink";
        spec.topic = topic;
        spec.inputs = {edge()};
        spec.make = [topic] { return std::make_unique<ops::SinkOp<K, V>>(topic); };
        graph_->add(std::move(spec), "sink", {});
    }

    /// Folds records of the same key and the same `slice` of event time inside the task:
    /// init() starts a fold, add(value, fold) adds a record. Before a window aggregation on a
    /// changed key, this moves one record per key and slice through the repartition topic
    /// instead of every record (the local phase of a two-phase aggregation; the aggregation
    /// then merges folds). A fold carries the time of its first record and leaves when the
    /// watermark passes its slice, or at the next commit. `slice` must divide the size and the
    /// advance of the windows downstream, so that every record lands in the same windows.
    template <class Init, class Add, class Agg = std::invoke_result_t<Init&>>
    Stream<K, Agg> combine_per_slice(std::chrono::milliseconds slice, Init init, Add add) const {
        if (slice.count() <= 0) graph_->invalid("combine_per_slice: the slice must be positive");
        return add_op<K, Agg>("combine", "combine per key and time slice", key_changed_,
                              [slice, init, add] {
                                  return std::make_unique<ops::CombineOp<K, V, Agg, Init, Add>>(
                                      slice.count(), init, add);
                              });
    }

    /// Moves records through an internal topic so that each lands in the task that owns its
    /// key: inserted by the builder before stateful operations on a re-keyed stream.
    Stream<K, V> repartition(std::string name = {}) const {
        NodeSpec sink;
        sink.kind = NodeKind::repartition_sink;
        sink.what = "repartition by key";
        sink.inputs = {edge()};
        int sink_id = graph_->add(std::move(sink), "repartition", std::move(name));
        std::string suffix = graph_->node(sink_id).name;
        graph_->node(sink_id).topic = suffix;
        graph_->node(sink_id).make = [suffix] {
            return std::make_unique<ops::RepartitionSinkOp<K, V>>(suffix);
        };
        NodeSpec source;
        source.kind = NodeKind::repartition_source;
        source.what = "read repartitioned records";
        source.topic = suffix;
        source.make = [suffix] { return std::make_unique<ops::RepartitionSourceOp<K, V>>(suffix); };
        int source_id = graph_->add(std::move(source), suffix + "-source", {});
        return Stream<K, V>(graph_, source_id, main_output(), false);
    }

    /// Groups records by key into windows of event time (repartitioning first when needed);
    /// `name` names the operator and its stores (`<name>`, `<name>.timers`), which keeps their
    /// changelog topics stable when the job changes.
    WindowedStream<K, V> window(WindowSpec spec, std::string name = {}) const;

    /// Each record joined with the table's current value for its key (inner: records without
    /// one are dropped). joiner(value, row) makes the result.
    template <class T, class F, class R = std::invoke_result_t<F&, const V&, const T&>>
    Stream<K, R> join(const Table<K, T>& table, F joiner) const;
    /// As join(), but records without a row are kept: joiner(value, std::optional<T>).
    template <class T, class F,
              class R = std::invoke_result_t<F&, const V&, const std::optional<T>&>>
    Stream<K, R> left_join(const Table<K, T>& table, F joiner) const;

    /// Pairs of records with equal keys where
    /// this.ts + lower <= other.ts <= this.ts + upper, joined by joiner(key, this, other).
    /// Late records of either side (at or before the watermark) go to the result's
    /// late_left()/late_right() outputs.
    template <class B, class F, class R = std::invoke_result_t<F&, const K&, const V&, const B&>>
    auto interval_join(const Stream<K, B>& other, std::chrono::milliseconds lower,
                       std::chrono::milliseconds upper, F joiner, std::string name = {}) const;

    /// Drops records whose id(value) was seen less than `within` apart in event time; records
    /// too old to judge go to late_records().
    template <class F, class Id = std::invoke_result_t<F&, const V&>>
    WithLate<K, V, K, V> deduplicate(F id, std::chrono::milliseconds within,
                                     std::string name = {}) const;

    /// Runs a KeyedProcessFunction made by `make` once per task.
    template <class Out>
    Stream<K, Out> process(std::function<std::unique_ptr<KeyedProcessFunction<K, V, Out>>()> make,
                           std::string name = {}) const;

    /// This stream, repartitioned first when its key changed since it was read. The topic is
    /// named after the operator that needs it (`<node>-repartition`) when that one is named, so
    /// that it stays the same when the job changes elsewhere.
    Stream<K, V> partitioned_by_key(const std::string& for_node = {}) const {
        if (!key_changed_) return *this;
        return repartition(for_node.empty() ? std::string() : for_node + "-repartition");
    }

    // --- for operations defined outside this class ----------------------------------------

    /// An edge from this stream to a child whose Input<K, V> is `input_of(child)`.
    Edge edge(std::function<Input<K, V>*(OperatorBase&)> input_of = {}) const {
        auto output_of = output_of_;
        if (!input_of)
            input_of = [](OperatorBase& child) { return &dynamic_cast<Input<K, V>&>(child); };
        return Edge{node_, [output_of, input_of](OperatorBase& parent, OperatorBase& child) {
                        output_of(parent).connect(input_of(child));
                    }};
    }
    const std::shared_ptr<detail::GraphBuilder>& graph() const { return graph_; }
    bool key_changed() const { return key_changed_; }
    int node_id() const { return node_; }
    static OutputOf main_output() {
        return [](OperatorBase& op) -> Output<K, V>& { return dynamic_cast<Emits<K, V>&>(op).out; };
    }

  private:
    template <class K2, class V2, class Make>
    Stream<K2, V2> add_op(std::string_view base, std::string what, bool key_changed,
                          Make make) const {
        NodeSpec spec;
        spec.what = std::move(what);
        spec.inputs = {edge()};
        spec.make = std::move(make);
        int id = graph_->add(std::move(spec), base, {});
        return Stream<K2, V2>(graph_, id, Stream<K2, V2>::main_output(), key_changed);
    }

    std::shared_ptr<detail::GraphBuilder> graph_;
    int node_;
    OutputOf output_of_;
    bool key_changed_;
};

template <class K, class V>
Stream<K, V> StreamBuilder::source(std::string topic, SourceOptions<V> options) {
    NodeSpec spec;
    spec.kind = NodeKind::source;
    spec.what = "source";
    spec.topic = topic;
    spec.watermark.max_out_of_orderness = options.max_out_of_orderness.count();
    if (options.idle_timeout) spec.watermark.idle_timeout = options.idle_timeout->count();
    spec.make = [topic, event_time = options.event_time, decoder = options.value_decoder] {
        return std::make_unique<ops::SourceOp<K, V>>(topic, event_time, decoder);
    };
    int id = graph_->add(std::move(spec), "source", std::move(options.name));
    return Stream<K, V>(graph_, id, Stream<K, V>::main_output(), false);
}

/// A stream of results, and the side output of the late records the operator refused.
template <class KOut, class VOut, class K, class V>
class WithLate : public Stream<KOut, VOut> {
  public:
    /// `late_node` is the operator with the late output; -1: the one that made `results`.
    explicit WithLate(Stream<KOut, VOut> results, int late_node = -1)
        : Stream<KOut, VOut>(std::move(results)),
          late_node_(late_node < 0 ? this->node_id() : late_node) {}

    /// Records later than the watermark and allowed lateness let the operator take. Never
    /// silently lost: route them somewhere.
    Stream<K, V> late_records() const {
        return Stream<K, V>(
            this->graph(), late_node_,
            [](OperatorBase& op) -> Output<K, V>& {
                return dynamic_cast<EmitsLate<K, V>&>(op).late;
            },
            false);
    }

  private:
    int late_node_;
};

template <class K, class V, class Agg>
using WindowResult = WithLate<Windowed<K>, Agg, K, V>;

template <class K, class V>
class WindowedStream {
  public:
    WindowedStream(Stream<K, V> input, WindowSpec spec, std::string name)
        : input_(std::move(input)), spec_(spec), name_(std::move(name)) {}

    /// Folds each window's records into an accumulator: `init()` makes an empty one and
    /// `add(value, acc)` (or `add(key, value, acc)`) returns the next. Session windows also
    /// need `merge(a, b)` (or `merge(key, a, b)`) for when a record joins two sessions.
    template <class Init, class Add, class Agg = std::decay_t<std::invoke_result_t<Init&>>>
    WindowResult<K, V, Agg> aggregate(Init init, Add add) const {
        return build<Agg>("aggregate",
                          [init, add](const K& k, const V& v, std::optional<Agg>&& prev) {
                              Agg acc = prev ? std::move(*prev) : init();
                              return call_add(add, k, v, std::move(acc));
                          },
                          {});
    }

    template <class Init, class Add, class MergeF,
              class Agg = std::decay_t<std::invoke_result_t<Init&>>>
    WindowResult<K, V, Agg> aggregate(Init init, Add add, MergeF merge) const {
        return build<Agg>(
            "aggregate",
            [init, add](const K& k, const V& v, std::optional<Agg>&& prev) {
                Agg acc = prev ? std::move(*prev) : init();
                return call_add(add, k, v, std::move(acc));
            },
            [merge](const K& k, Agg&& a, Agg&& b) -> Agg {
                if constexpr (std::is_invocable_v<MergeF&, const K&, Agg&&, Agg&&>) {
                    return merge(k, std::move(a), std::move(b));
                } else {
                    return merge(std::move(a), std::move(b));
                }
            });
    }

    /// Combines the values of each window with f(a, b); the first value starts it.
    template <class F>
    WindowResult<K, V, V> reduce(F f) const {
        return build<V>(
            "reduce",
            [f](const K&, const V& v, std::optional<V>&& prev) {
                return prev ? f(std::move(*prev), v) : v;
            },
            [f](const K&, V&& a, V&& b) { return f(std::move(a), std::move(b)); });
    }

    /// Every record of each window, in arrival order, handed to fn(key, window, values) when the
    /// window fires (Flink's ProcessWindowFunction). The window's records are kept whole until
    /// then: prefer aggregate() when a running result will do.
    template <class F, class Out = std::invoke_result_t<F&, const K&, const TimeWindow&,
                                                        const std::vector<V>&>>
    WithLate<Windowed<K>, Out, K, V> process(F fn) const {
        auto collected = aggregate([] { return std::vector<V>{}; },
                                   [](const V& v, std::vector<V>&& acc) {
                                       acc.push_back(v);
                                       return std::move(acc);
                                   },
                                   [](std::vector<V>&& a, std::vector<V>&& b) {
                                       a.insert(a.end(), std::make_move_iterator(b.begin()),
                                                std::make_move_iterator(b.end()));
                                       return std::move(a);
                                   });
        auto results =
            collected.map_values([fn](const Windowed<K>& w, const std::vector<V>& values) mutable {
                return fn(w.key, w.window, values);
            });
        return WithLate<Windowed<K>, Out, K, V>(results, collected.node_id());
    }

    /// The number of records in each window.
    WindowResult<K, V, int64_t> count() const {
        return build<int64_t>(
            "count",
            [](const K&, const V&, std::optional<int64_t>&& prev) { return prev.value_or(0) + 1; },
            [](const K&, int64_t&& a, int64_t&& b) { return a + b; });
    }

  private:
    template <class Add, class Agg>
    static Agg call_add(Add& add, const K& k, const V& v, Agg&& acc) {
        if constexpr (std::is_invocable_v<Add&, const K&, const V&, Agg&&>) {
            return add(k, v, std::move(acc));
        } else {
            return add(v, std::move(acc));
        }
    }

    template <class Agg>
    WindowResult<K, V, Agg> build(std::string_view what, ops::WindowUpdate<K, V, Agg> update,
                                  typename ops::SessionAggregateOp<K, V, Agg>::Merge merge) const {
        const auto& graph = input_.graph();
        bool session = spec_.kind == WindowSpec::Kind::session;
        NodeSpec spec;
        spec.what = fmt::format("window {} ({})", what, spec_.describe());
        spec.inputs = {input_.edge()};
        int id = graph->add(std::move(spec), "window", name_);
        NodeSpec& node = graph->node(id);
        node.stores = {StoreSpec{node.name, std::nullopt},
                       StoreSpec{node.name + ".timers", std::nullopt}};
        WindowSpec window = spec_;
        std::string store = node.name;
        if (session) {
            if (!merge) {
                graph->invalid(
                    fmt::format("session window '{}' needs a merge function: "
                                "aggregate(init, add, merge)",
                                node.name));
            }
            node.make = [window, store, update, merge] {
                return std::make_unique<ops::SessionAggregateOp<K, V, Agg>>(window, store, update,
                                                                            merge);
            };
        } else {
            node.make = [window, store, update] {
                return std::make_unique<ops::WindowAggregateOp<K, V, Agg>>(window, store, update);
            };
        }
        return WindowResult<K, V, Agg>(
            Stream<Windowed<K>, Agg>(graph, id, Stream<Windowed<K>, Agg>::main_output(), true));
    }

    Stream<K, V> input_;
    WindowSpec spec_;
    std::string name_;
};

template <class K, class V>
WindowedStream<K, V> Stream<K, V>::window(WindowSpec spec, std::string name) const {
    Stream<K, V> input = partitioned_by_key(name);
    return WindowedStream<K, V>(std::move(input), spec, std::move(name));
}

template <class K, class V>
class Table {
  public:
    Table(std::shared_ptr<detail::GraphBuilder> graph, int node, std::string store)
        : graph_(std::move(graph)), node_(node), store_(std::move(store)) {}

    int node_id() const { return node_; }
    const std::string& store() const { return store_; }
    /// Ties a joining node to the table's sub-topology: the table emits nothing on it.
    Edge edge() const {
        return Edge{node_, [](OperatorBase&, OperatorBase&) {}};
    }

  private:
    std::shared_ptr<detail::GraphBuilder> graph_;
    int node_;
    std::string store_;
};

template <class K, class V>
Table<K, V> StreamBuilder::table(std::string topic, std::string name) {
    NodeSpec spec;
    spec.kind = NodeKind::table_source;
    spec.what = "table";
    spec.topic = topic;
    int id = graph_->add(std::move(spec), "table", std::move(name));
    NodeSpec& node = graph_->node(id);
    std::string store = node.name;
    node.stores = {StoreSpec{store, std::nullopt}};
    node.make = [topic, store] { return std::make_unique<ops::TableSourceOp<K, V>>(topic, store); };
    return Table<K, V>(graph_, id, store);
}

template <class K, class V>
template <class T, class F, class R>
Stream<K, R> Stream<K, V>::join(const Table<K, T>& table, F joiner) const {
    Stream<K, V> input = partitioned_by_key();
    NodeSpec spec;
    spec.what = "join table " + table.store();
    spec.inputs = {input.edge(), table.edge()};
    std::string store = table.store();
    spec.make = [store, joiner] {
        return std::make_unique<ops::StreamTableJoinOp<K, V, T, R>>(
            store, [joiner](const V& v, const std::optional<T>& row) { return joiner(v, *row); },
            false);
    };
    int id = graph_->add(std::move(spec), "join", {});
    return Stream<K, R>(graph_, id, Stream<K, R>::main_output(), false);
}

template <class K, class V>
template <class T, class F, class R>
Stream<K, R> Stream<K, V>::left_join(const Table<K, T>& table, F joiner) const {
    Stream<K, V> input = partitioned_by_key();
    NodeSpec spec;
    spec.what = "left join table " + table.store();
    spec.inputs = {input.edge(), table.edge()};
    std::string store = table.store();
    spec.make = [store, joiner] {
        return std::make_unique<ops::StreamTableJoinOp<K, V, T, R>>(store, joiner, true);
    };
    int id = graph_->add(std::move(spec), "left-join", {});
    return Stream<K, R>(graph_, id, Stream<K, R>::main_output(), false);
}

/// The result of an interval join, and its two late outputs.
template <class K, class A, class B, class R>
class IntervalJoinResult : public Stream<K, R> {
  public:
    explicit IntervalJoinResult(Stream<K, R> results) : Stream<K, R>(std::move(results)) {}

    Stream<K, A> late_left() const {
        return Stream<K, A>(
            this->graph(), this->node_id(),
            [](OperatorBase& op) -> Output<K, A>& {
                return dynamic_cast<ops::IntervalJoinOp<K, A, B, R>&>(op).late_left;
            },
            false);
    }
    Stream<K, B> late_right() const {
        return Stream<K, B>(
            this->graph(), this->node_id(),
            [](OperatorBase& op) -> Output<K, B>& {
                return dynamic_cast<ops::IntervalJoinOp<K, A, B, R>&>(op).late_right;
            },
            false);
    }
};

template <class K, class V>
template <class B, class F, class R>
auto Stream<K, V>::interval_join(const Stream<K, B>& other, std::chrono::milliseconds lower,
                                 std::chrono::milliseconds upper, F joiner,
                                 std::string name) const {
    using Op = ops::IntervalJoinOp<K, V, B, R>;
    if (lower > upper) graph_->invalid("interval join: lower bound above the upper bound");
    Stream<K, V> left = partitioned_by_key(name.empty() ? name : name + "-left");
    Stream<K, B> right = other.partitioned_by_key(name.empty() ? name : name + "-right");
    NodeSpec spec;
    spec.what = fmt::format("interval join [{} ms, {} ms]", lower.count(), upper.count());
    spec.inputs = {
        left.edge([](OperatorBase& op) { return dynamic_cast<Op&>(op).left_input(); }),
        right.edge([](OperatorBase& op) { return dynamic_cast<Op&>(op).right_input(); })};
    int id = graph_->add(std::move(spec), "interval-join", std::move(name));
    NodeSpec& node = graph_->node(id);
    std::string store = node.name;
    node.stores = {StoreSpec{store + ".left", std::nullopt},
                   StoreSpec{store + ".right", std::nullopt},
                   StoreSpec{store + ".timers", std::nullopt}};
    TimeMs lo = lower.count();
    TimeMs hi = upper.count();
    node.make = [store, lo, hi, joiner] { return std::make_unique<Op>(store, lo, hi, joiner); };
    return IntervalJoinResult<K, V, B, R>(
        Stream<K, R>(graph_, id, Stream<K, R>::main_output(), false));
}

template <class K, class V>
template <class F, class Id>
WithLate<K, V, K, V> Stream<K, V>::deduplicate(F id, std::chrono::milliseconds within,
                                               std::string name) const {
    Stream<K, V> input = partitioned_by_key(name);
    NodeSpec spec;
    spec.what = fmt::format("deduplicate within {} ms", within.count());
    spec.inputs = {input.edge()};
    int node_id = graph_->add(std::move(spec), "dedup", std::move(name));
    NodeSpec& node = graph_->node(node_id);
    std::string store = node.name;
    TimeMs ttl = within.count();
    node.stores = {StoreSpec{store, ttl}};
    node.make = [store, ttl, id] {
        return std::make_unique<ops::DeduplicateOp<K, V, Id>>(store, ttl, id);
    };
    return WithLate<K, V, K, V>(Stream<K, V>(graph_, node_id, main_output(), false));
}

template <class K, class V>
template <class Out>
Stream<K, Out> Stream<K, V>::process(
    std::function<std::unique_ptr<KeyedProcessFunction<K, V, Out>>()> make,
    std::string name) const {
    Stream<K, V> input = partitioned_by_key(name);
    NodeSpec spec;
    spec.what = "process";
    spec.inputs = {input.edge()};
    int id = graph_->add(std::move(spec), "process", std::move(name));
    NodeSpec& node = graph_->node(id);
    std::string prefix = node.name;
    // One instance now, only to learn which states the function declares.
    auto probe = make();
    for (const StateHandle* s : probe->states())
        node.stores.push_back(StoreSpec{prefix + "." + s->name(), s->ttl()});
    node.stores.push_back(StoreSpec{prefix + ".timers", std::nullopt});
    node.stores.push_back(StoreSpec{prefix + ".ptimers", std::nullopt});
    node.make = [prefix, make] {
        return std::make_unique<ops::ProcessOp<K, V, Out>>(prefix, make());
    };
    return Stream<K, Out>(graph_, id, Stream<K, Out>::main_output(), false);
}

}  // namespace es::stream
