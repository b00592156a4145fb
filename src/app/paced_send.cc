#include "app/paced_send.h"

namespace es::app {

using Clock = std::chrono::steady_clock;

std::string send_paced(client::Producer& producer, const SendLimits& limits, const NextRecord& next,
                       const std::function<bool(int64_t second)>& tick) {
    const auto start = Clock::now();
    auto next_tick = start + std::chrono::seconds(1);
    const bool timed = limits.rate > 0 || limits.duration.count() > 0;
    for (uint64_t sent = 0;; ++sent) {
        if (limits.events && sent >= limits.events) return {};
        // The clock once per record when pacing or timed, otherwise once per 256 (for the tick).
        while (timed || sent % 256 == 0) {
            const auto now = Clock::now();
            if (limits.duration.count() > 0 && now - start >= limits.duration) return {};
            if (now >= next_tick) {
                if (!tick((next_tick - start) / std::chrono::seconds(1))) return {};
                next_tick += std::chrono::seconds(1);
            }
            if (limits.rate <= 0) break;
            const auto due =
                start + std::chrono::nanoseconds(static_cast<int64_t>(
                            sent * 1'000'000'000ULL / static_cast<uint64_t>(limits.rate)));
            if (now >= due) break;
            producer.poll(std::chrono::milliseconds(1));
        }
        client::ProducerRecord record;
        auto more = next(record);
        if (!more.ok()) return more.error().to_string();
        if (!*more) return {};
        if (Status s = producer.send(record); !s.ok()) return s.error().to_string();
    }
}

}  // namespace es::app
