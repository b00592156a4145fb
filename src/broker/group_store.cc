#include "broker/group_store.h"

#include "base/clock.h"
#include "broker/errc.h"
#include "broker/group_records.h"
#include "broker/logger.h"
#include "model/record_batch.h"

namespace es::broker {

namespace {

const model::TopicPartition kPartition{OffsetsTopicStore::kTopic, model::PartitionId(0)};

}  // namespace

void OffsetsTopicStore::open(std::function<void(Result<std::vector<GroupRecord>>)> done) {
    auto records = std::make_shared<std::vector<GroupRecord>>();
    if (broker_.catalog().find(kTopic)) {
        read_from(model::Offset(0), records, std::move(done));
        return;
    }
    broker_.create_topic(home_, kTopic, 1, {{"cleanup.policy", "compact"}}, false,
                         [done](Result<TopicInfo> created) {
                             if (!created.ok()) return done(std::move(created).error());
                             done(std::vector<GroupRecord>{});
                         });
}

void OffsetsTopicStore::read_from(model::Offset offset,
                                  std::shared_ptr<std::vector<GroupRecord>> into,
                                  std::function<void(Result<std::vector<GroupRecord>>)> done) {
    FetchSpec spec;
    spec.partitions.push_back({kPartition, offset, 8 << 20});
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
            if (!batch.ok()) return done(std::move(batch).error().with_context(kTopic));
            next = batch->last_offset() + 1;
            auto set = batch->records(64 << 20);
            if (!set.ok()) return done(std::move(set).error().with_context(kTopic));
            if (!batch->is_control()) {
                for (const auto& r : set->records()) {
                    if (!r.key) continue;
                    auto decoded = decode_group_record(*r.key, r.value);
                    if (!decoded.ok()) {
                        // One unreadable record must not cost every group its offsets.
                        broker_log.error("{}: skipping a record at {}: {}", kTopic,
                                         (batch->base_offset() + r.offset_delta).value(),
                                         decoded.error().to_string());
                        continue;
                    }
                    into->push_back(std::move(decoded).value());
                }
            }
            rest = rest.subspan(batch->size());
        }
        if (next.value() < 0 || next >= out.high_watermark) {
            broker_log.info("{}: loaded {} group records", kTopic, into->size());
            return done(std::move(*into));
        }
        read_from(next, into, done);
    });
}

void OffsetsTopicStore::write(std::vector<GroupRecord> records, std::function<void(Status)> done) {
    if (records.empty()) {
        done(Status{});
        return;
    }
    int64_t now = wall_clock_ms();
    std::vector<EncodedGroupRecord> encoded;
    encoded.reserve(records.size());
    for (const auto& r : records) encoded.push_back(encode_group_record(r));
    model::RecordBatchBuilder builder(model::Offset(0));
    for (const auto& e : encoded) {
        builder.add(BytesView(e.key), e.value ? std::optional<BytesView>(*e.value) : std::nullopt,
                    now);
    }
    auto built = builder.build();
    if (!built.ok()) {
        done(built.error());
        return;
    }
    auto batch = std::make_shared<Bytes>(std::move(built).value());
    ProduceInput input{kPartition, MutableBytesView(*batch)};
    broker_.produce(home_, {input}, /*acks=*/-1, [batch, done](std::vector<ProduceOutput> outs) {
        if (outs.at(0).error) return done(*outs.at(0).error);
        done(Status{});
    });
}

}  // namespace es::broker
