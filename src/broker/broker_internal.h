#pragma once

// What the broker's implementation files share (broker.cc, broker_admin.cc): not part of the
// module's interface.

#include "broker/broker.h"
#include "broker/partition.h"

#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

namespace es::broker {

struct Broker::ShardState {
    std::unordered_map<model::TopicPartition, std::unique_ptr<Partition>> partitions;
};

/// Collects one result per input, from whichever shard produces it, on the origin shard; runs
/// `done` there once all have arrived.
template <class Out>
class Gather : public std::enable_shared_from_this<Gather<Out>> {
  public:
    Gather(Executor& origin, size_t n, std::function<void(std::vector<Out>)> done)
        : origin_(origin), results_(n), size_(n), remaining_(n), done_(std::move(done)) {}

    /// Answers at once when there was nothing to gather. Looks only at the size fixed at
    /// construction: remaining_ belongs to the origin shard and may already be counting down.
    void start_if_empty() {
        if (size_ == 0) {
            auto self = this->shared_from_this();
            origin_.post([self] { self->done_(std::move(self->results_)); });
        }
    }

    /// Callable from any thread.
    void complete(size_t index, Out out) {
        auto self = this->shared_from_this();
        auto box = std::make_shared<Out>(std::move(out));
        origin_.post([self, index, box] {
            self->results_[index] = std::move(*box);
            if (--self->remaining_ == 0) self->done_(std::move(self->results_));
        });
    }

  private:
    Executor& origin_;
    std::vector<Out> results_;
    const size_t size_;
    size_t remaining_;  // touched only on the origin shard
    std::function<void(std::vector<Out>)> done_;
};

}  // namespace es::broker
