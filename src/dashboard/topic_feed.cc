#include "dashboard/topic_feed.h"

#include "client/consumer.h"

#include <utility>

namespace es::dashboard {

TopicFeed::TopicFeed(std::unique_ptr<client::Consumer> consumer, std::string topic,
                     std::chrono::milliseconds lookback)
    : consumer_(std::move(consumer)), topic_(std::move(topic)), lookback_(lookback) {}

TopicFeed::~TopicFeed() = default;

Result<std::unique_ptr<TopicFeed>> TopicFeed::make(client::ClientConfig config, std::string topic,
                                                   std::chrono::milliseconds lookback) {
    config.properties.emplace("isolation.level", "read_committed");
    config.properties.emplace("client.id", "edgestream-dashboard");
    ES_TRY(auto consumer, client::Consumer::make(config));
    return std::unique_ptr<TopicFeed>(
        new TopicFeed(std::move(consumer), std::move(topic), lookback));
}

Status TopicFeed::poll(int32_t partitions, int64_t now, size_t max_records,
                       const std::function<void(std::string_view)>& on_value) {
    if (partitions != assigned_) {
        assigned_ = 0;
        consumer_->unassign();
        if (partitions == 0) return ok_status();
        ES_CHECK(consumer_->assign(topic_, {},
                                   client::StartPosition::at_timestamp(now - lookback_.count())));
        assigned_ = partitions;
    }
    if (assigned_ == 0) return ok_status();
    size_t seen = 0;
    while (seen < max_records) {
        ES_TRY(client::MessageBatch batch,
               consumer_->poll_batch(max_records - seen, std::chrono::milliseconds(0)));
        if (batch.empty()) break;
        seen += batch.size();
        for (const client::MessageView& m : batch) {
            if (!m.value) continue;
            on_value(as_string_view(*m.value));
        }
    }
    return ok_status();
}

}  // namespace es::dashboard
