#pragma once

#include "broker/executor.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

namespace es::broker::testing {

/// A shard for tests: one thread running posted work and timers in order.
class ThreadExecutor final : public Executor {
  public:
    ThreadExecutor() : thread_([this] { run(); }) {}
    ~ThreadExecutor() override {
        {
            std::lock_guard lock(mu_);
            stopping_ = true;
        }
        cv_.notify_all();
        thread_.join();
    }

    void post(std::function<void()> fn) override {
        {
            std::lock_guard lock(mu_);
            queue_.push_back(std::move(fn));
        }
        cv_.notify_all();
    }

    class TimerImpl final : public Timer {
      public:
        void cancel() override { cancelled = true; }
        std::atomic<bool> cancelled{false};
    };

    std::shared_ptr<Timer> post_after(int64_t delay_ms, std::function<void()> fn) override {
        auto timer = std::make_shared<TimerImpl>();
        auto due = std::chrono::steady_clock::now() + std::chrono::milliseconds(delay_ms);
        {
            std::lock_guard lock(mu_);
            timers_.emplace(due, [timer, fn] {
                if (!timer->cancelled) fn();
            });
        }
        cv_.notify_all();
        return timer;
    }

    bool on_this_thread() const override { return std::this_thread::get_id() == thread_.get_id(); }

  private:
    void run() {
        std::unique_lock lock(mu_);
        while (true) {
            auto now = std::chrono::steady_clock::now();
            if (!timers_.empty() && timers_.begin()->first <= now) {
                auto fn = std::move(timers_.begin()->second);
                timers_.erase(timers_.begin());
                lock.unlock();
                fn();
                lock.lock();
                continue;
            }
            if (!queue_.empty()) {
                auto fn = std::move(queue_.front());
                queue_.pop_front();
                lock.unlock();
                fn();
                lock.lock();
                continue;
            }
            if (stopping_) return;
            if (timers_.empty()) {
                cv_.wait(lock);
            } else {
                cv_.wait_until(lock, timers_.begin()->first);
            }
        }
    }

    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> queue_;
    std::multimap<std::chrono::steady_clock::time_point, std::function<void()>> timers_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace es::broker::testing
