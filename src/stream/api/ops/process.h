#pragma once

#include "stream/api/operator.h"
#include "stream/api/process_function.h"
#include "stream/api/serde.h"
#include "stream/api/timers.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace es::stream::ops {

/// Runs a KeyedProcessFunction: binds its states to the task's stores, keeps its timers in
/// `<node>.timers` (event time) and `<node>.ptimers` (processing time), keyed by the key's bytes.
template <class K, class V, class Out>
class ProcessOp final : public Input<K, V>, public Emits<K, Out>, private ProcessContext<K, Out> {
  public:
    using Function = KeyedProcessFunction<K, V, Out>;

    ProcessOp(std::string node, std::unique_ptr<Function> fn)
        : node_(std::move(node)), fn_(std::move(fn)) {}

    void open(TaskContext& ctx) override {
        ctx_ = &ctx;
        for (StateHandle* s : fn_->states()) s->bind(&ctx.store(node_ + "." + s->name()), &scope_);
        event_timers_ = std::make_unique<TimerQueue>(ctx.store(node_ + ".timers"));
        processing_timers_ = std::make_unique<TimerQueue>(ctx.store(node_ + ".ptimers"));
        scope_.key_bytes = &key_bytes_;
    }

    void process(const Record<K, V>& r) override {
        ++this->counters_.records_in;
        key_bytes_.clear();
        Serde<K>::encode(r.key, key_bytes_);
        key_ = &r.key;
        scope_.timestamp = r.timestamp;
        fn_->process(r.value, *this);
        key_ = nullptr;
    }

    void on_watermark(TimeMs watermark) override {
        event_timers_->fire_until(watermark, [&](TimeMs at, std::string_view id) {
            fire(at, id, TimeDomain::event_time);
        });
    }

    void on_processing_time(TimeMs now) override {
        processing_timers_->fire_until(now, [&](TimeMs at, std::string_view id) {
            fire(at, id, TimeDomain::processing_time);
        });
    }

  private:
    void fire(TimeMs at, std::string_view id, TimeDomain domain) {
        auto key = Serde<K>::decode(id);
        if (!key.ok()) return;  // a timer of a key that no longer decodes: nothing to call
        key_bytes_.assign(id);
        K k = std::move(key).value();
        key_ = &k;
        scope_.timestamp = at;
        fn_->on_timer(at, domain, *this);
        key_ = nullptr;
    }

    // ProcessContext
    const K& key() const override { return *key_; }
    TimeMs timestamp() const override { return scope_.timestamp; }
    TimeMs watermark() const override { return this->current_watermark(); }
    TimeMs now() const override { return ctx_->now(); }
    void emit(const Out& value) override { emit(value, scope_.timestamp); }
    void emit(const Out& value, TimeMs ts) override {
        this->out.emit(Record<K, Out>{*key_, value, ts});
    }
    void register_event_timer(TimeMs at) override { event_timers_->add(at, key_bytes_); }
    void delete_event_timer(TimeMs at) override { event_timers_->remove(at, key_bytes_); }
    void register_processing_timer(TimeMs at) override { processing_timers_->add(at, key_bytes_); }
    void delete_processing_timer(TimeMs at) override { processing_timers_->remove(at, key_bytes_); }

    std::string node_;
    std::unique_ptr<Function> fn_;
    TaskContext* ctx_ = nullptr;
    std::unique_ptr<TimerQueue> event_timers_;
    std::unique_ptr<TimerQueue> processing_timers_;
    KeyScope scope_;
    std::string key_bytes_;
    const K* key_ = nullptr;
};

}  // namespace es::stream::ops
