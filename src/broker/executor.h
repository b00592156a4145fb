#pragma once

#include <cstdint>
#include <functional>
#include <memory>

namespace es::broker {

/// A shard's event loop as the broker sees it: somewhere to run work and timers. The server
/// implements it over an asio::io_context per core; tests implement it over a plain queue.
/// broker/ stays free of any networking library this way.
class Executor {
  public:
    virtual ~Executor() = default;

    /// Runs fn on this shard's thread, after whatever is queued before it.
    virtual void post(std::function<void()> fn) = 0;

    /// A one-shot timer; cancel() prevents fn if it has not run yet. Runs on this shard.
    class Timer {
      public:
        virtual ~Timer() = default;
        virtual void cancel() = 0;
    };
    virtual std::shared_ptr<Timer> post_after(int64_t delay_ms, std::function<void()> fn) = 0;

    /// True when called from this shard's thread.
    virtual bool on_this_thread() const = 0;
};

/// Wraps `done` so that it runs on `origin`, whichever thread calls the wrapper.
template <class T>
std::function<void(T)> answer_on(Executor& origin, std::function<void(T)> done) {
    return [&origin, done = std::move(done)](T value) mutable {
        auto box = std::make_shared<T>(std::move(value));
        origin.post([done, box] { done(std::move(*box)); });
    };
}

}  // namespace es::broker
