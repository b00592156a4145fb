#pragma once

// The JSON answers of docs/dashboard.md's /v1/ API, rendered once per sample and shared by
// every request and event stream until the next.

#include "dashboard/state.h"

#include <string>

namespace es::dashboard {

struct RenderedSnapshot {
    std::string overview;
    std::string topics;
    std::string groups;
    std::string jobs;
    std::string attribution;
    std::string alerts;
    /// The data of a /v1/stream `snapshot` event: the six objects above under their names.
    std::string event;
};

RenderedSnapshot render(const ClusterState& state);

}  // namespace es::dashboard
