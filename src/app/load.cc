#include "app/load.h"

#include "client/consumer.h"

#include <algorithm>
#include <cstring>
#include <memory>

namespace es::app::load {

int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
        .count();
}

namespace {

/// Records per poll_batch(): enough to amortize the queue's lock, few enough to stay in cache.
constexpr size_t kBatch = 2048;

double percentile_ms(const std::vector<int64_t>& sorted, double p) {
    if (sorted.empty()) return 0;
    size_t i =
        std::min(sorted.size() - 1, static_cast<size_t>(p * static_cast<double>(sorted.size())));
    return static_cast<double>(sorted[i]) / 1e6;
}

/// What a sampled delivery callback needs: small enough for std::function's inline storage.
struct DeliverySample {
    std::vector<int64_t>* out;
    int64_t sent_ns;

    void operator()(const Result<client::DeliveryReport>& r) const {
        if (r.ok()) out->push_back(now_ns() - sent_ns);
    }
};

}  // namespace

Latency summarize(std::vector<int64_t>& samples_ns) {
    std::sort(samples_ns.begin(), samples_ns.end());
    Latency l;
    l.samples = samples_ns.size();
    l.p50 = percentile_ms(samples_ns, 0.50);
    l.p99 = percentile_ms(samples_ns, 0.99);
    l.p999 = percentile_ms(samples_ns, 0.999);
    l.max = samples_ns.empty() ? 0.0 : static_cast<double>(samples_ns.back()) / 1e6;
    return l;
}

ProduceResult produce(client::Producer& producer, const ProduceOptions& o, const Tick& tick) {
    ProduceResult result;
    Bytes value(o.stamp ? std::max<size_t>(o.message_bytes, 8) : o.message_bytes, 'x');
    result.value_bytes = value.size();
    if (o.latency_every && o.messages) result.delivery_ns.reserve(o.messages / o.latency_every + 1);
    client::ProducerRecord record;
    record.topic = o.topic;
    record.value = BytesView(value);

    const client::ProducerStats before = producer.stats();
    auto start = Clock::now();
    auto next_tick = start + std::chrono::seconds(1);
    uint64_t sent = 0;
    uint32_t until_sample = 1;  // the first message is sampled
    // The clock is read once per message at most. With a rate, once per burst: every message
    // due at one reading goes out stamped with it (microseconds apart while the producer keeps
    // up), which halves the clock reads of a paced run (the clock was 7% of a 1M msgs/s e2e run's
    // CPU). Without a rate, for every message when stamping or bounded by a duration, else only for
    // a sampled message and every 1024th one (for the progress tick).
    const bool every = !o.rate && (o.stamp || o.duration.count());
    uint64_t due = 0;  // with a rate: how many messages are due by `now`
    Clock::time_point now{};
    for (;;) {
        if (o.messages && sent >= o.messages) break;
        const bool sample = o.latency_every && until_sample == 1;
        // Also every 1024th message with a rate: a producer behind it sends long bursts, whose
        // stamps and --duration must not go stale.
        if (every || sample || sent % 1024 == 0 || (o.rate && sent >= due)) {
            now = Clock::now();
            if (o.duration.count() && now - start >= o.duration) break;
            if (now >= next_tick) {
                if (tick) tick((now - start) / std::chrono::seconds(1), producer.stats());
                next_tick += std::chrono::seconds(1);
            }
            if (o.rate) {
                double elapsed = std::chrono::duration<double>(now - start).count();
                due = static_cast<uint64_t>(elapsed * static_cast<double>(o.rate)) + 1;
                if (sent >= due) {
                    producer.poll(std::chrono::milliseconds(1));
                    continue;
                }
            }
        }
        int64_t t =
            std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
        if (o.stamp) std::memcpy(value.data(), &t, 8);
        Status s;
        if (sample) {
            until_sample = o.latency_every;
            s = producer.send(record, DeliverySample{&result.delivery_ns, t});
        } else {
            if (o.latency_every) --until_sample;
            s = producer.send(record);
        }
        if (!s.ok()) {
            result.error = s.error().to_string();
            break;
        }
        ++sent;
    }
    auto flushed = producer.flush(o.flush_timeout);
    if (!flushed.ok() && result.error.empty()) result.error = flushed.error().to_string();
    result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const client::ProducerStats after = producer.stats();
    result.stats.sent = after.sent - before.sent;
    result.stats.delivered = after.delivered - before.delivered;
    result.stats.failed = after.failed - before.failed;
    return result;
}

void ConsumerLoop::run(const client::ClientConfig& config, const ConsumeOptions& o) {
    read(config, o);
    ready = true;
}

void ConsumerLoop::read(const client::ClientConfig& config, const ConsumeOptions& o) {
    auto consumer = client::Consumer::make(config);
    if (!consumer.ok()) {
        error = consumer.error().to_string();
        return;
    }
    auto assigned = (*consumer)->assign(
        o.topic, o.partitions,
        o.from_end ? client::StartPosition::end() : client::StartPosition::beginning());
    if (!assigned.ok()) {
        error = assigned.error().to_string();
        return;
    }
    if (!o.from_end) ready = true;
    auto start = Clock::now();
    started = start;
    // When the last record arrived: the clock is read once per batch.
    auto last = start;
    for (;;) {
        if (!ready && (*consumer)->at_end()) ready = true;
        if (o.max_messages && consumed.load(std::memory_order_relaxed) >= o.max_messages) {
            last = Clock::now();
            break;
        }
        bool may_stop = o.until_end || stop.load(std::memory_order_relaxed);
        if (may_stop && !o.max_messages && consumed.load(std::memory_order_relaxed) >= expected &&
            (*consumer)->at_end()) {
            break;  // `last` stays: the end shows a fetch wait after the last record
        }
        // Records come in batches of views (no copy per record): the consumer's fast path.
        auto polled = (*consumer)->poll_batch(kBatch, std::chrono::milliseconds(100));
        if (!polled.ok() || polled->empty()) {
            if (may_stop && o.idle_timeout.count() && Clock::now() - last > o.idle_timeout) {
                if (!polled.ok()) error = polled.error().to_string();
                break;
            }
            continue;
        }
        uint64_t taken = 0;
        uint64_t batch_bytes = 0;
        uint64_t room =
            o.max_messages ? o.max_messages - consumed.load(std::memory_order_relaxed) : UINT64_MAX;
        int64_t now = o.measure_latency ? now_ns() : 0;
        for (const client::MessageView& m : *polled) {
            if (taken == room) break;
            ++taken;
            if (!m.value) continue;
            if (o.measure_latency && m.value->size() >= 8) {
                int64_t sent = 0;
                std::memcpy(&sent, m.value->data(), 8);
                latencies_ns.push_back(now - sent);
            }
            batch_bytes += m.value->size();
        }
        bytes.fetch_add(batch_bytes, std::memory_order_relaxed);
        consumed.fetch_add(taken, std::memory_order_relaxed);
        last = Clock::now();
    }
    finished = last;
    seconds = std::chrono::duration<double>(last - start).count();
}

Status warm_up(client::Producer& producer, const std::string& topic,
               std::chrono::milliseconds timeout) {
    client::ProducerRecord record;
    record.topic = topic;
    record.value = BytesView();
    auto sent = producer.send_and_wait(record, timeout);
    if (!sent.ok()) return std::move(sent).error();
    return {};
}

}  // namespace es::app::load
