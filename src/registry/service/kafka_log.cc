#include "registry/service/kafka_log.h"

#include "base/bytes.h"
#include "base/log.h"
#include "client/admin.h"
#include "client/consumer.h"
#include "client/errc.h"
#include "client/producer.h"
#include "registry/service/errc.h"

#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>

namespace es::registry::service {
namespace {

const log::Logger kafka_log{"registry"};

}  // namespace

struct KafkaLog::Impl {
    KafkaLogConfig config;
    std::unique_ptr<client::Consumer> consumer;
    std::unique_ptr<client::Producer> producer;  // the writer's only

    std::mutex write_mutex;  // one transaction at a time
    std::atomic<bool> fenced{false};

    std::mutex mutex;  // guards the reader's progress below
    std::condition_variable progress;
    int64_t applied = -1;  // offset of the last record applied
    bool caught_up = false;
    bool stopping = false;
    Apply apply;
    std::thread reader;

    void read_loop();
};

void KafkaLog::Impl::read_loop() {
    for (;;) {
        {
            std::lock_guard lock(mutex);
            if (stopping) return;
        }
        auto batch = consumer->poll_batch(256, std::chrono::milliseconds(100));
        if (!batch.ok()) {
            kafka_log.warn("reading {}: {}", config.topic, batch.error().to_string());
            continue;
        }
        int64_t last = -1;
        for (const auto& m : *batch) {
            last = m.offset.value();
            if (!m.key) {
                kafka_log.warn("{} offset {}: record without a key, skipped", config.topic, last);
                continue;
            }
            LogRecord record{std::string(as_string_view(*m.key)), std::nullopt};
            if (m.value) record.value = std::string(as_string_view(*m.value));
            try {
                apply(record);
            } catch (const std::exception& e) {
                kafka_log.error("{} offset {}: applying failed: {}", config.topic, last, e.what());
            }
        }
        bool end = consumer->at_end();
        std::lock_guard lock(mutex);
        if (last >= 0) applied = last;
        if (end) caught_up = true;
        progress.notify_all();
    }
}

KafkaLog::KafkaLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

KafkaLog::~KafkaLog() { stop(); }

Result<std::unique_ptr<KafkaLog>> KafkaLog::make(KafkaLogConfig config) {
    auto impl = std::make_unique<Impl>();
    impl->config = std::move(config);
    const auto& cfg = impl->config;
    {
        ES_TRY(auto admin, client::Admin::make(cfg.cluster));
        auto created = admin->create_topic(cfg.topic, 1, cfg.replication_factor,
                                           {{"cleanup.policy", "compact"}});
        if (!created.ok() && !created.error().is(client::Errc::topic_exists)) {
            return Error(Errc::store_error,
                         "creating " + cfg.topic + ": " + created.error().to_string());
        }
    }
    if (cfg.writer) {
        client::ClientConfig pc = cfg.cluster;
        pc.properties.emplace("transactional.id", cfg.transactional_id);
        pc.properties.emplace("acks", "all");
        pc.properties.emplace("enable.idempotence", "true");
        pc.properties.emplace("linger.ms", "0");
        ES_TRY(impl->producer, client::Producer::make(pc));
        // Fences an older writer and aborts what it left open, so that the replay below sees
        // everything committed.
        auto init = impl->producer->init_transactions(cfg.timeout);
        if (!init.ok()) {
            return Error(Errc::store_error,
                         "becoming the writer of " + cfg.topic + ": " + init.error().to_string());
        }
    }
    client::ClientConfig cc = cfg.cluster;
    cc.properties.emplace("isolation.level", "read_committed");
    cc.properties.emplace("fetch.wait.max.ms", "50");
    ES_TRY(impl->consumer, client::Consumer::make(cc));
    // A topic just created may take a moment to show up in metadata.
    auto deadline = std::chrono::steady_clock::now() + cfg.timeout;
    auto assigned = impl->consumer->assign(cfg.topic, {}, client::StartPosition::beginning());
    while (!assigned.ok() && assigned.error().is(client::Errc::unknown_topic) &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        assigned = impl->consumer->assign(cfg.topic, {}, client::StartPosition::beginning());
    }
    if (!assigned.ok()) {
        return Error(Errc::store_error,
                     "reading " + cfg.topic + ": " + assigned.error().to_string());
    }
    return std::unique_ptr<KafkaLog>(new KafkaLog(std::move(impl)));
}

Status KafkaLog::start(Apply apply) {
    if (impl_->reader.joinable()) return Error(Errc::store_error, "already started");
    impl_->apply = std::move(apply);
    impl_->reader = std::thread([impl = impl_.get()] { impl->read_loop(); });
    std::unique_lock lock(impl_->mutex);
    if (!impl_->progress.wait_for(lock, impl_->config.timeout, [&] { return impl_->caught_up; })) {
        return Error(Errc::timeout, "replaying " + impl_->config.topic + " did not reach its end");
    }
    return ok_status();
}

Status KafkaLog::append(const std::vector<LogRecord>& records) {
    auto& impl = *impl_;
    std::lock_guard write(impl.write_mutex);
    if (!impl.producer)
        return Error(Errc::not_leader, "this registry is a follower: not the writer");
    if (impl.fenced) {
        return Error(Errc::not_leader, "another registry became the writer (this one is fenced)");
    }
    {
        std::lock_guard lock(impl.mutex);
        if (impl.stopping || !impl.reader.joinable()) {
            return Error(Errc::store_error, "the schema log is not running");
        }
    }
    auto fail = [&](const Error& e, const char* what) -> Error {
        if (e.is(client::Errc::fenced) || e.is(client::Errc::fatal)) {
            // The producer can do nothing more: a newer writer took over (or librdkafka gave
            // up on the producer), so this registry stops being the writer.
            impl.fenced = true;
            kafka_log.warn("no longer the writer of {}: {}", impl.config.topic, e.to_string());
            return Error(
                Errc::not_leader,
                "another registry became the writer (this one is fenced): " + e.to_string());
        }
        impl.producer->abort_transaction(impl.config.timeout).ignore_error();
        Errc code = e.is(client::Errc::timeout) ? Errc::timeout : Errc::store_error;
        return Error(code, std::string(what) + ": " + e.to_string());
    };
    if (auto s = impl.producer->begin_transaction(); !s.ok()) return fail(s.error(), "beginning");
    int64_t last = -1;
    std::optional<Error> delivery_error;
    for (const auto& r : records) {
        client::ProducerRecord pr;
        pr.topic = impl.config.topic;
        pr.partition = model::PartitionId(0);
        pr.key = as_bytes(r.key);
        if (r.value) pr.value = as_bytes(*r.value);
        auto sent = impl.producer->send(pr, [&](const Result<client::DeliveryReport>& d) {
            if (d.ok()) {
                last = std::max<int64_t>(last, d->offset.value());
            } else if (!delivery_error) {
                delivery_error = d.error();
            }
        });
        if (!sent.ok()) return fail(sent.error(), "writing");
    }
    if (auto s = impl.producer->commit_transaction(impl.config.timeout); !s.ok()) {
        return fail(s.error(), "committing");
    }
    if (delivery_error) return Error(Errc::store_error, delivery_error->to_string());
    std::unique_lock lock(impl.mutex);
    if (!impl.progress.wait_for(lock, impl.config.timeout,
                                [&] { return impl.applied >= last || impl.stopping; })) {
        return Error(Errc::timeout, "the write was committed but not read back in time");
    }
    return ok_status();
}

void KafkaLog::stop() {
    {
        std::lock_guard lock(impl_->mutex);
        impl_->stopping = true;
        impl_->progress.notify_all();
    }
    if (impl_->reader.joinable()) impl_->reader.join();
}

bool KafkaLog::is_writer() const { return impl_->producer && !impl_->fenced; }

}  // namespace es::registry::service
