#pragma once

// Figures that hot paths bump without locks and an exporter reads when asked (serve/ renders
// them as Prometheus text through http/metrics_text.h). Relaxed atomics: a reader sees each
// figure whole, not all figures at one instant, which is what a scrape needs.

#include <array>
#include <atomic>
#include <cstdint>

namespace es {

/// A latency histogram with Prometheus-style fixed upper bounds, 100 µs to 5 min (requests
/// and flushes use the low end, a stream job's processing lag behind event time the high end).
class LatencyHistogram {
  public:
    static constexpr std::array<double, 19> kBoundsSeconds = {
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
        0.25,   0.5,     1.0,    2.5,   5.0,    10.0,  30.0, 60.0,  300.0};
    static constexpr size_t kBuckets = kBoundsSeconds.size();

    /// The bucket of a duration: the first bound at or above it, kBuckets beyond the last.
    static size_t bucket_of(int64_t ns) {
        const double seconds = static_cast<double>(ns < 0 ? 0 : ns) / 1e9;
        size_t i = 0;
        while (i < kBuckets && seconds > kBoundsSeconds[i]) ++i;
        return i;
    }

    struct Snapshot {
        std::array<uint64_t, kBoundsSeconds.size()> cumulative{};  // observations <= bound
        uint64_t count = 0;
        double sum_seconds = 0;
    };

    void observe_ns(int64_t ns) {
        if (size_t i = bucket_of(ns); i < kBuckets) {
            buckets_[i].fetch_add(1, std::memory_order_relaxed);
        }
        count_.fetch_add(1, std::memory_order_relaxed);
        sum_ns_.fetch_add(static_cast<uint64_t>(ns < 0 ? 0 : ns), std::memory_order_relaxed);
    }

    /// Observations counted elsewhere first (per bucket, beyond the last bound not listed), so
    /// that a hot loop touches the shared atomics once per batch rather than once per record.
    void add(const std::array<uint64_t, kBuckets>& buckets, uint64_t count, uint64_t sum_ns) {
        for (size_t i = 0; i < kBuckets; ++i) {
            if (buckets[i]) buckets_[i].fetch_add(buckets[i], std::memory_order_relaxed);
        }
        count_.fetch_add(count, std::memory_order_relaxed);
        sum_ns_.fetch_add(sum_ns, std::memory_order_relaxed);
    }

    Snapshot snapshot() const {
        Snapshot s;
        uint64_t running = 0;
        for (size_t i = 0; i < kBoundsSeconds.size(); ++i) {
            running += buckets_[i].load(std::memory_order_relaxed);
            s.cumulative[i] = running;
        }
        s.count = count_.load(std::memory_order_relaxed);
        s.sum_seconds = static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
        return s;
    }

  private:
    std::array<std::atomic<uint64_t>, kBoundsSeconds.size()> buckets_{};
    std::atomic<uint64_t> count_{0};
    std::atomic<uint64_t> sum_ns_{0};
};

}  // namespace es
