#include "stream/api/builder.h"

#include "stream/api/errc.h"

#include <fmt/core.h>

namespace es::stream {
namespace detail {

int GraphBuilder::add(NodeSpec spec, std::string_view base, std::string name) {
    spec.id = next_id();
    spec.name = name.empty() ? fmt::format("{}-{}", base, spec.id) : std::move(name);
    nodes_.push_back(std::move(spec));
    return nodes_.back().id;
}

}  // namespace detail

Result<Topology> StreamBuilder::build() {
    if (graph_->error()) return Error(Errc::invalid_topology, *graph_->error());
    return Topology::make(graph_->job(), graph_->take());
}

}  // namespace es::stream
