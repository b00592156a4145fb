#pragma once

// A topic read from a little before now onwards, without a consumer group (nothing is
// committed, so the dashboard leaves no trace on the cluster).

#include "base/result.h"
#include "client/config.h"
#include "client/fwd.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace es::dashboard {

/// Runs on: one thread (the sampler's).
class TopicFeed {
  public:
    /// read_committed: only what committed transactions wrote (the jobs write exactly once).
    static Result<std::unique_ptr<TopicFeed>> make(client::ClientConfig config, std::string topic,
                                                   std::chrono::milliseconds lookback);
    ~TopicFeed();
    TopicFeed(const TopicFeed&) = delete;
    TopicFeed& operator=(const TopicFeed&) = delete;

    /// Hands each record value that arrived since the last call to `on_value` (at most
    /// `max_records`). `partitions`: how many the topic has now (0 while it does not exist);
    /// when that changes, every partition is read again from `now - lookback`.
    Status poll(int32_t partitions, int64_t now, size_t max_records,
                const std::function<void(std::string_view)>& on_value);

    const std::string& topic() const { return topic_; }

  private:
    TopicFeed(std::unique_ptr<client::Consumer> consumer, std::string topic,
              std::chrono::milliseconds lookback);

    std::unique_ptr<client::Consumer> consumer_;
    std::string topic_;
    std::chrono::milliseconds lookback_;
    int32_t assigned_ = 0;
};

}  // namespace es::dashboard
