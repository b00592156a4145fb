#pragma once

// What the listener and its handlers count as they go, read at scrape time (serve/ renders it
// for /metrics). Hot paths touch relaxed atomics only; a topic's counters are found once per
// request under a shared lock and created on first use.

#include "base/metrics.h"

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace es::kafka::server {

/// Request figures of one API key.
struct ApiFigures {
    std::atomic<uint64_t> requests{0};
    std::atomic<uint64_t> failed{0};  // answered by closing the connection (malformed, unknown)
    LatencyHistogram latency;         // from the request read to its answer handed to the socket
};

/// Record bytes produced to and fetched from one topic.
struct TopicFigures {
    std::atomic<uint64_t> bytes_in{0};
    std::atomic<uint64_t> bytes_out{0};
};

/// Runs on: any thread.
class TopicCounters {
  public:
    TopicFigures& of(std::string_view topic) {
        {
            std::shared_lock lock(mu_);
            if (auto it = topics_.find(topic); it != topics_.end()) return *it->second;
        }
        std::unique_lock lock(mu_);
        auto& slot = topics_[std::string(topic)];
        if (!slot) slot = std::make_unique<TopicFigures>();
        return *slot;
    }
    /// Every topic seen, with its figures (which live as long as this).
    std::vector<std::pair<std::string, const TopicFigures*>> list() const {
        std::shared_lock lock(mu_);
        std::vector<std::pair<std::string, const TopicFigures*>> out;
        for (const auto& [name, figures] : topics_) out.emplace_back(name, figures.get());
        return out;
    }

  private:
    mutable std::shared_mutex mu_;
    std::map<std::string, std::unique_ptr<TopicFigures>, std::less<>> topics_;
};

struct ServerMetrics {
    static constexpr size_t kApiSlots = 128;  // API keys are small numbers (70-odd today)
    std::array<ApiFigures, kApiSlots> apis;
    TopicCounters topics;
    std::atomic<uint64_t> connections_accepted{0};
    std::atomic<uint64_t> connections_refused{0};
    std::atomic<uint64_t> bytes_in{0};   // request frames, size prefix included
    std::atomic<uint64_t> bytes_out{0};  // response frames, size prefix included
};

}  // namespace es::kafka::server
