#pragma once

// Timers of one operator, kept in a state store ordered by time so that they survive restarts
// and move with the task (their store has a changelog like any other).

#include "stream/api/record.h"

#include <functional>
#include <string>
#include <string_view>

namespace es::stream::state {
class KvStore;
}

namespace es::stream {

/// Runs on: the task's thread.
class TimerQueue {
  public:
    /// Reads the earliest timer from `store`, which outlives the queue.
    explicit TimerQueue(state::KvStore& store);

    /// Schedules `id` (opaque bytes: the operator's key and namespace) at `at`. Scheduling the
    /// same (at, id) twice keeps one timer.
    void add(TimeMs at, std::string_view id);
    void remove(TimeMs at, std::string_view id);

    /// Fires, in time order and each once, every timer due at or before `until`, removing it
    /// first; `fire` may add and remove timers, and ones it adds that are due fire too.
    void fire_until(TimeMs until, const std::function<void(TimeMs at, std::string_view id)>& fire);

    /// The time of the earliest timer (a lower bound after removals), kMaxTime when none.
    TimeMs earliest() const { return earliest_; }

  private:
    void find_earliest();

    state::KvStore& store_;
    TimeMs earliest_ = kMaxTime;
    std::string key_;  // scratch
};

}  // namespace es::stream
