#include "stream/api/topology.h"

#include "stream/api/errc.h"

#include <fmt/core.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <set>

namespace es::stream {
namespace {

bool is_source(NodeKind k) {
    return k == NodeKind::source || k == NodeKind::table_source ||
           k == NodeKind::repartition_source;
}

const char* kind_label(NodeKind k) {
    switch (k) {
        case NodeKind::source:
            return "source";
        case NodeKind::table_source:
            return "table";
        case NodeKind::repartition_source:
            return "repartition source";
        case NodeKind::processor:
            return "processor";
        case NodeKind::sink:
            return "sink";
        case NodeKind::repartition_sink:
            return "repartition sink";
    }
    return "?";
}

int find_root(std::vector<int>& parent, int x) {
    while (parent[static_cast<size_t>(x)] != x) {
        parent[static_cast<size_t>(x)] =
            parent[static_cast<size_t>(parent[static_cast<size_t>(x)])];
        x = parent[static_cast<size_t>(x)];
    }
    return x;
}

}  // namespace

Result<Topology> Topology::make(std::string name, std::vector<NodeSpec> nodes) {
    if (nodes.empty()) return Error(Errc::invalid_topology, "the job has no nodes");
    std::set<std::string> names;
    std::set<std::string> store_names;
    bool has_source = false;
    for (size_t i = 0; i < nodes.size(); ++i) {
        const NodeSpec& n = nodes[i];
        if (n.id != static_cast<int>(i)) {
            return Error(Errc::invalid_topology, fmt::format("node {} has id {}", i, n.id));
        }
        if (!names.insert(n.name).second) {
            return Error(Errc::invalid_topology, fmt::format("two nodes are named '{}'", n.name));
        }
        for (const StoreSpec& s : n.stores) {
            if (!store_names.insert(s.name).second) {
                return Error(Errc::invalid_topology,
                             fmt::format("two stores are named '{}'", s.name));
            }
        }
        for (const Edge& e : n.inputs) {
            if (e.node < 0 || e.node >= n.id) {
                return Error(Errc::invalid_topology,
                             fmt::format("node '{}' reads from node {}, which does not precede it",
                                         n.name, e.node));
            }
        }
        if (is_source(n.kind)) {
            has_source = true;
            if (!n.inputs.empty()) {
                return Error(Errc::invalid_topology,
                             fmt::format("source '{}' has an upstream node", n.name));
            }
        } else if (n.inputs.empty()) {
            return Error(Errc::invalid_topology, fmt::format("node '{}' has no input", n.name));
        }
        if (!n.make) {
            return Error(Errc::invalid_topology, fmt::format("node '{}' has no factory", n.name));
        }
    }
    if (!has_source) return Error(Errc::invalid_topology, "the job reads no topic");

    // Sub-topologies are the connected parts of the graph: repartition topics are the only
    // links between them, and a repartition source has no upstream edge.
    std::vector<int> parent(nodes.size());
    std::iota(parent.begin(), parent.end(), 0);
    for (const NodeSpec& n : nodes) {
        for (const Edge& e : n.inputs) {
            parent[static_cast<size_t>(find_root(parent, n.id))] = find_root(parent, e.node);
        }
    }
    std::map<int, int> sub_of_root;  // first node id of a part -> sub-topology id
    Topology t;
    t.name_ = std::move(name);
    for (NodeSpec& n : nodes) {
        int root = find_root(parent, n.id);
        auto [it, added] = sub_of_root.try_emplace(root, static_cast<int>(t.subs_.size()));
        if (added) t.subs_.push_back(SubTopology{it->second, {}, {}});
        SubTopology& sub = t.subs_[static_cast<size_t>(it->second)];
        n.subtopology = sub.id;
        sub.nodes.push_back(n.id);
        if (is_source(n.kind)) {
            bool internal = n.kind == NodeKind::repartition_source;
            bool seen = std::any_of(sub.inputs.begin(), sub.inputs.end(),
                                    [&](const auto& in) { return in.topic == n.topic; });
            if (seen) {
                return Error(Errc::invalid_topology,
                             fmt::format("topic '{}' is read twice in one sub-topology", n.topic));
            }
            sub.inputs.push_back({n.topic, internal});
        }
    }
    t.nodes_ = std::move(nodes);
    for (const std::string& topic : t.repartition_topics()) {
        if (t.writer_of(topic) < 0) {
            return Error(Errc::invalid_topology,
                         fmt::format("repartition topic '{}' has no writer", topic));
        }
    }
    return t;
}

std::vector<StoreSpec> Topology::stores(int subtopology) const {
    std::vector<StoreSpec> out;
    for (const NodeSpec& n : nodes_) {
        if (n.subtopology != subtopology) continue;
        out.insert(out.end(), n.stores.begin(), n.stores.end());
    }
    return out;
}

std::vector<std::string> Topology::repartition_topics() const {
    std::vector<std::string> out;
    for (const NodeSpec& n : nodes_) {
        if (n.kind == NodeKind::repartition_source) out.push_back(n.topic);
    }
    return out;
}

int Topology::writer_of(std::string_view suffix) const {
    for (const NodeSpec& n : nodes_) {
        if (n.kind == NodeKind::repartition_sink && n.topic == suffix) return n.subtopology;
    }
    return -1;
}

std::string Topology::describe() const {
    std::map<int, std::vector<std::string>> children;
    for (const NodeSpec& n : nodes_) {
        for (const Edge& e : n.inputs) children[e.node].push_back(n.name);
    }
    std::string out = fmt::format("Topology {}\n", name_);
    for (const SubTopology& sub : subs_) {
        out += fmt::format("  Sub-topology {}\n", sub.id);
        for (int id : sub.nodes) {
            const NodeSpec& n = node(id);
            std::string line = fmt::format("    {} ({}): {}", n.name, kind_label(n.kind), n.what);
            if (!n.topic.empty()) {
                bool internal =
                    n.kind == NodeKind::repartition_source || n.kind == NodeKind::repartition_sink;
                line += fmt::format(" [{}{}]", internal ? "<application id>-" : "", n.topic);
            }
            if (n.kind == NodeKind::source) {
                line += fmt::format(" watermark: max out-of-orderness {} ms",
                                    n.watermark.max_out_of_orderness);
                if (n.watermark.idle_timeout) {
                    line += fmt::format(", idle after {} ms", *n.watermark.idle_timeout);
                }
            }
            for (const StoreSpec& s : n.stores) {
                line += fmt::format(" store {}", s.name);
                if (s.ttl_ms) line += fmt::format(" (ttl {} ms)", *s.ttl_ms);
            }
            auto it = children.find(id);
            if (it != children.end()) {
                line += " --> ";
                for (size_t i = 0; i < it->second.size(); ++i) {
                    line += (i ? ", " : "") + it->second[i];
                }
            }
            out += line + "\n";
        }
    }
    return out;
}

}  // namespace es::stream
