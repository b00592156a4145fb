#include "broker/internal_topic.h"

#include "base/clock.h"
#include "broker/errc.h"
#include "broker/logger.h"
#include "model/record_batch.h"

namespace es::broker {

void InternalTopic::open(std::function<void(Result<std::vector<KeyValue>>)> done) {
    auto records = std::make_shared<std::vector<KeyValue>>();
    if (broker_.catalog().find(name_)) {
        read_from(model::Offset(0), records, std::move(done));
        return;
    }
    broker_.create_topic(home_, name_, 1, {{"cleanup.policy", "compact"}}, false,
                         [done](Result<TopicInfo> created) {
                             if (!created.ok()) return done(std::move(created).error());
                             done(std::vector<KeyValue>{});
                         });
}

void InternalTopic::read_from(model::Offset offset, std::shared_ptr<std::vector<KeyValue>> into,
                              std::function<void(Result<std::vector<KeyValue>>)> done) {
    model::TopicPartition tp{name_, model::PartitionId(0)};
    FetchSpec spec;
    spec.partitions.push_back({tp, offset, 8 << 20});
    spec.max_wait_ms = 0;
    broker_.fetch(home_, std::move(spec), [this, into, done](std::vector<FetchOutput> outs) {
        FetchOutput& out = outs.at(0);
        if (out.error) {
            // Compaction or retention may have moved the start past 0: begin there.
            if (out.error->is(Errc::offset_out_of_range) && into->empty() &&
                out.log_start > model::Offset(0)) {
                return read_from(out.log_start, into, done);
            }
            return done(*out.error);
        }
        BytesView rest = out.records.view();
        model::Offset next(-1);
        while (!rest.empty()) {
            auto batch = model::RecordBatchView::parse(rest);
            if (!batch.ok()) return done(std::move(batch).error().with_context(name_));
            next = batch->last_offset() + 1;
            if (!batch->is_control()) {
                auto set = batch->records(64 << 20);
                if (!set.ok()) return done(std::move(set).error().with_context(name_));
                for (const auto& r : set->records()) {
                    if (!r.key) continue;
                    KeyValue& kv = into->emplace_back();
                    kv.key.assign(r.key->begin(), r.key->end());
                    if (r.value) kv.value.emplace(r.value->begin(), r.value->end());
                }
            }
            rest = rest.subspan(batch->size());
        }
        if (next.value() < 0 || next >= out.high_watermark) {
            broker_log.info("{}: loaded {} records", name_, into->size());
            return done(std::move(*into));
        }
        read_from(next, into, done);
    });
}

void InternalTopic::write(const std::vector<KeyValue>& records, std::function<void(Status)> done) {
    if (records.empty()) {
        done(Status{});
        return;
    }
    int64_t now = wall_clock_ms();
    model::RecordBatchBuilder builder(model::Offset(0));
    for (const auto& kv : records) {
        builder.add(BytesView(kv.key),
                    kv.value ? std::optional<BytesView>(*kv.value) : std::nullopt, now);
    }
    auto built = builder.build();
    if (!built.ok()) {
        done(built.error());
        return;
    }
    auto batch = std::make_shared<Bytes>(std::move(built).value());
    ProduceInput input{{name_, model::PartitionId(0)}, MutableBytesView(*batch)};
    broker_.produce(home_, {input}, /*acks=*/-1, [batch, done](std::vector<ProduceOutput> outs) {
        if (outs.at(0).error) return done(*outs.at(0).error);
        done(Status{});
    });
}

}  // namespace es::broker
