#pragma once

// A job's dataflow graph as the builder leaves it: nodes with their factories, split into
// sub-topologies at repartition topics. A Topology is immutable and shared by every task of
// every sub-topology; each task makes its own operator instances from the factories.

#include "base/result.h"
#include "stream/api/operator.h"
#include "stream/api/record.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace es::stream {

/// A state store an operator uses: one RocksDB column family per task, with a compacted
/// changelog topic `<application id>-<name>-changelog`.
struct StoreSpec {
    std::string name;
    std::optional<TimeMs> ttl_ms;  // entries expire this long after their event time
};

enum class NodeKind {
    source,              // reads a topic; its records drive the watermark
    table_source,        // reads a compacted topic into a table; does not hold the watermark back
    repartition_source,  // reads an internal repartition topic; watermarks come in-band
    processor,
    sink,
    repartition_sink,
};

/// How a source derives its watermark: the largest event time seen minus the bound, minus one
/// (Flink's bounded-out-of-orderness). A partition without records for `idle_timeout` of
/// processing time stops holding the task's watermark back until its next record.
struct WatermarkSpec {
    TimeMs max_out_of_orderness = 0;
    std::optional<TimeMs> idle_timeout;
};

/// A source operator: decodes Kafka records and starts them down the chain.
class SourceOperatorBase : public virtual OperatorBase {
  public:
    struct Outcome {
        enum class Kind { record, bad_record, watermark, idle };
        Kind kind = Kind::record;
        TimeMs timestamp = 0;  // the record's event time, or the watermark
        int32_t upstream = 0;  // watermark, idle: the upstream task (partition) that sent it
    };
    virtual Outcome process_raw(const RawRecord& record) = 0;
};

/// Connects a parent's output to a child's input: the typed lambda knows both ends.
using Attach = std::function<void(OperatorBase& parent, OperatorBase& child)>;

struct Edge {
    int node = 0;
    Attach attach;
};

struct NodeSpec {
    int id = 0;
    std::string name;  // unique in the topology; also names its stores
    std::string what;  // for describe(): "filter", "window-aggregate (tumbling 60000 ms)", ...
    NodeKind kind = NodeKind::processor;
    std::vector<Edge> inputs;
    /// source, table source, sink: the topic; repartition nodes: the internal topic's suffix.
    std::string topic;
    std::vector<StoreSpec> stores;
    WatermarkSpec watermark;  // sources only
    std::function<std::unique_ptr<OperatorBase>()> make;
    int subtopology = -1;
};

struct SubTopology {
    int id = 0;
    std::vector<int> nodes;  // topological order
    /// Topics read, as in NodeSpec::topic, with whether each is internal (a repartition topic).
    struct InputTopic {
        std::string topic;
        bool internal = false;
    };
    std::vector<InputTopic> inputs;
};

class Topology {
  public:
    /// Checks the graph and splits it into sub-topologies. Errc::invalid_topology for a graph
    /// with no source, a node name used twice, or a store name used twice.
    static Result<Topology> make(std::string name, std::vector<NodeSpec> nodes);

    const std::string& name() const { return name_; }
    const std::vector<NodeSpec>& nodes() const { return nodes_; }
    const NodeSpec& node(int id) const { return nodes_[static_cast<size_t>(id)]; }
    const std::vector<SubTopology>& subtopologies() const { return subs_; }
    /// Every store of the topology, of every sub-topology.
    std::vector<StoreSpec> stores(int subtopology) const;
    /// Internal topics (repartition) by suffix.
    std::vector<std::string> repartition_topics() const;
    /// The sub-topology that writes the repartition topic with this suffix.
    int writer_of(std::string_view repartition_suffix) const;

    /// A readable listing in the spirit of Kafka Streams' TopologyDescription.
    std::string describe() const;

  private:
    std::string name_;
    std::vector<NodeSpec> nodes_;
    std::vector<SubTopology> subs_;
};

}  // namespace es::stream
