#include "broker/partition.h"

#include <algorithm>

namespace es::broker {

Partition::Partition(model::TopicPartition tp, std::unique_ptr<storage::Log> log)
    : tp_(std::move(tp)), log_(std::move(log)), high_watermark_(log_->end_offset()) {}

model::Offset Partition::last_stable_offset() const {
    auto unstable = producer_state.first_unstable_offset();
    if (!unstable) return high_watermark_;
    // As Kafka: never below the log start, which DeleteRecords or retention may move past the
    // first offset of a transaction that is still open.
    return std::min(std::max(*unstable, log_->start_offset()), high_watermark_);
}

void Partition::appended() {
    if (!waits_for_durability()) advance(log_->end_offset());
}

void Partition::durable(model::Offset durable_end) {
    advance(std::min(durable_end, log_->end_offset()));
}

void Partition::clamp() {
    high_watermark_ = std::clamp(high_watermark_, log_->start_offset(), log_->end_offset());
}

void Partition::advance(model::Offset hw) {
    if (hw <= high_watermark_) return;
    high_watermark_ = hw;
    if (waiters_.empty()) return;
    auto woken = std::move(waiters_);
    waiters_.clear();
    for (auto& [token, wake] : woken) wake();
}

void Partition::add_waiter(const void* token, std::function<void()> wake) {
    waiters_.emplace(token, std::move(wake));
}

void Partition::remove_waiters(const void* token) { waiters_.erase(token); }

}  // namespace es::broker
