#include "broker/broker.h"

#include "base/clock.h"
#include "broker/broker_internal.h"
#include "broker/errc.h"
#include "broker/logger.h"
#include "broker/partition.h"
#include "broker/producer_id_allocator.h"
#include "model/errc.h"
#include "model/record_batch.h"
#include "storage/errc.h"
#include "storage/group_committer.h"
#include "storage/log.h"

#include <algorithm>
#include <atomic>
#include <charconv>

namespace es::broker {

using model::Offset;
using model::TopicPartition;

namespace {

Error unknown_partition(const TopicPartition& tp) {
    return Error(Errc::unknown_topic_or_partition, "no partition " + tp.to_string());
}

/// Storage and model errors in the terms of the broker (and so of Kafka).
Error from_storage(const Error& e) {
    if (e.is(storage::Errc::offset_out_of_range))
        return Error(Errc::offset_out_of_range, e.message());
    if (e.is(storage::Errc::invalid_batch)) return Error(Errc::corrupt_message, e.message());
    return Error(Errc::kafka_storage_error, e.to_string());
}

/// What a producer's batch must satisfy before it is written: magic 2, a valid CRC, the size
/// limit, records that decode with offset deltas 0..n-1, and keys on a compacted topic.
Status validate_batch(const model::RecordBatchView& batch, const Partition& p) {
    if (batch.size() > static_cast<size_t>(p.max_message_bytes)) {
        return Error(Errc::message_too_large, "batch of " + std::to_string(batch.size()) +
                                                  " bytes exceeds max.message.bytes " +
                                                  std::to_string(p.max_message_bytes));
    }
    if (batch.is_control()) {
        return Error(Errc::invalid_record, "producers may not write control batches");
    }
    // The common case without building a record list; any doubt takes the detailed path below.
    size_t max_inflate = static_cast<size_t>(p.log().config().max_decompressed_batch_bytes);
    if (batch.records_are_sequential(max_inflate, p.compacted)) return {};
    auto records =
        batch.records(static_cast<size_t>(p.log().config().max_decompressed_batch_bytes));
    if (!records.ok()) return Error(Errc::invalid_record, records.error().to_string());
    if (static_cast<int64_t>(records->size()) != int64_t{batch.last_offset_delta()} + 1) {
        return Error(Errc::invalid_record, "record count does not match the last offset delta");
    }
    int32_t expected = 0;
    for (const auto& r : *records) {
        if (r.offset_delta != expected++) {
            return Error(Errc::invalid_record, "offset deltas are not 0..n-1");
        }
        if (p.compacted && !r.key) {
            return Error(Errc::invalid_record, "a compacted topic needs a key on every record");
        }
    }
    return {};
}

/// Writes the partition's producer state at the log end. A failure costs only replay time at
/// the next start (the older snapshot or the log itself still give the state), so it is logged
/// rather than failing what triggered it.
void snapshot_producers(storage::FileSystem& fs, Partition& p) {
    if (auto written = write_producer_snapshot(fs, p.log(), p.producer_state); !written.ok()) {
        broker_log.warn("{}: producer state snapshot: {}", p.tp().to_string(),
                        written.error().to_string());
    }
}

model::Offset active_base(const storage::Log& log) { return log.segments().rbegin()->first; }

Error from_parse(const Error& e) {
    if (e.is(model::Errc::unsupported_magic)) {
        return Error(Errc::invalid_record,
                     "only record batches with magic 2 are accepted (" + e.message() + ")");
    }
    return Error(Errc::corrupt_message, e.to_string());
}

}  // namespace

Broker::Broker(BrokerConfig config, std::vector<Executor*> shards)
    : config_(std::move(config)),
      fs_(config_.fs ? *config_.fs : storage::posix_file_system()),
      shards_(std::move(shards)),
      catalog_(fs_, config_.data_dir, config_.defaults),
      committer_(std::make_unique<storage::GroupCommitter>()),
      producer_ids_(
          std::make_unique<ProducerIdAllocator>(fs_, config_.data_dir + "/meta/producer-ids")) {
    for (size_t i = 0; i < shards_.size(); ++i)
        shard_state_.push_back(std::make_unique<ShardState>());
}

Broker::~Broker() = default;

size_t Broker::owner(const TopicPartition& tp) const {
    size_t h = std::hash<std::string>{}(tp.topic);
    return (h + static_cast<size_t>(tp.partition.value())) % shards_.size();
}

std::string Broker::partition_dir(const TopicPartition& tp) const {
    return config_.data_dir + "/" + tp.to_string();
}

void Broker::apply_topic_settings(Partition& p, const TopicInfo& topic) {
    p.max_message_bytes = topic.config.max_message_bytes();
    p.log_append_time = topic.config.log_append_time();
    p.compacted = topic.config.compacted();
    storage::LogConfig lc = topic.config.log_config();
    bool was_interval = p.log().config().flush_policy == storage::FlushPolicy::interval;
    p.log().set_config(lc);
    if (lc.flush_policy == storage::FlushPolicy::interval && !was_interval) {
        committer_->sync_periodically(p.log().durability(), lc.flush_interval_ms);
    }
}

Result<std::unique_ptr<Partition>> Broker::open_partition(const TopicInfo& topic, int32_t index) {
    TopicPartition tp{topic.name, model::PartitionId(index)};
    ES_TRY(std::unique_ptr<storage::Log> log,
           storage::Log::open(fs_, partition_dir(tp), topic.config.log_config()));
    auto p = std::make_unique<Partition>(tp, std::move(log));
    ES_TRY(p->producer_state,
           load_producer_state(fs_, p->log(), wall_clock_ms(), config_.producer_id_expiration_ms));
    if (p->log().config().flush_policy == storage::FlushPolicy::interval) {
        committer_->sync_periodically(p->log().durability(), p->log().config().flush_interval_ms);
    }
    apply_topic_settings(*p, topic);
    return p;
}

Status Broker::start() {
    ES_CHECK(fs_.create_directories(config_.data_dir));
    ES_CHECK(catalog_.load());
    ES_CHECK(fs_.create_directories(config_.data_dir + "/meta"));
    ES_CHECK(producer_ids_->load());
    size_t opened = 0;
    for (const TopicInfo& topic : catalog_.list()) {
        for (int32_t i = 0; i < topic.partitions; ++i) {
            ES_TRY(std::unique_ptr<Partition> p, open_partition(topic, i));
            size_t shard = owner(p->tp());
            shard_state_[shard]->partitions.emplace(p->tp(), std::move(p));
            ++opened;
        }
    }
    // Directories of deleted topics (a crash between the catalog change and the removal).
    ES_TRY(std::vector<std::string> entries, fs_.list(config_.data_dir));
    for (const auto& name : entries) {
        size_t dash = name.rfind('-');
        if (name == "meta" || dash == std::string::npos || dash + 1 == name.size()) continue;
        int32_t index = -1;
        auto [end, ec] = std::from_chars(name.data() + dash + 1, name.data() + name.size(), index);
        if (ec != std::errc() || end != name.data() + name.size()) continue;
        auto topic = catalog_.find(name.substr(0, dash));
        if (!topic || index >= topic->partitions) {
            broker_log.warn("removing {}: its topic no longer exists", name);
            ES_CHECK(fs_.remove_all(config_.data_dir + "/" + name));
        }
    }
    broker_log.info("broker {}: {} topics, {} partitions over {} shards in {}", config_.node_id,
                    catalog_.list().size(), opened, shards_.size(), config_.data_dir);
    return {};
}

Status Broker::stop() {
    committer_->stop();
    Status first;
    for (auto& shard : shard_state_) {
        for (auto& [tp, p] : shard->partitions) {
            // Before the close: a start then needs no replay at all.
            if (p->producer_state.dirty() ||
                p->producer_state.snapshot_offset() != p->log().end_offset()) {
                snapshot_producers(fs_, *p);
            }
            auto closed = p->log().close();
            if (!closed.ok() && first.ok()) first = closed;
        }
        shard->partitions.clear();
    }
    return first;
}

Partition* Broker::local(size_t shard, const TopicPartition& tp) {
    auto& parts = shard_state_[shard]->partitions;
    auto it = parts.find(tp);
    return it == parts.end() ? nullptr : it->second.get();
}

// ---------------------------------------------------------------------------------------------
// Produce

ProduceOutput Broker::append_local(size_t shard, ProduceInput& input, int16_t acks,
                                   std::function<void(ProduceOutput)> finish) {
    ProduceOutput out;
    Partition* p = local(shard, input.tp);
    if (!p) {
        out.error = unknown_partition(input.tp);
        return out;
    }
    // Validate every batch first: a partition's data in one request is taken whole or not at all.
    std::vector<MutableBytesView> batches;
    bool idempotent = false;
    std::optional<DuplicateBatch> duplicate;
    MutableBytesView rest = input.records;
    if (rest.empty()) {
        out.error = Error(Errc::invalid_record, "no record batch");
        return out;
    }
    while (!rest.empty()) {
        auto view = model::RecordBatchView::parse(rest);
        if (!view.ok()) {
            out.error = from_parse(view.error());
            return out;
        }
        auto valid = validate_batch(*view, *p);
        if (!valid.ok()) {
            out.error = valid.error();
            return out;
        }
        if (view->is_transactional() && !view->has_producer_id()) {
            out.error = Error(Errc::invalid_record, "a transactional batch needs a producer id");
            return out;
        }
        if (view->has_producer_id()) {
            idempotent = true;
            auto checked = p->producer_state.check(*view);
            if (!checked.ok()) {
                out.error = std::move(checked).error().with_context(input.tp.to_string());
                return out;
            }
            duplicate = *checked;
        }
        batches.push_back(rest.first(view->size()));
        rest = rest.subspan(view->size());
    }
    if (idempotent && batches.size() > 1) {
        // Kafka refuses more than one batch per partition in every produce request since v3;
        // here only idempotent ones, whose sequence checks assume exactly one.
        out.error = Error(Errc::invalid_record,
                          "a produce request may carry one record batch per partition from an "
                          "idempotent producer, not " +
                              std::to_string(batches.size()));
        return out;
    }
    Offset needed;
    if (duplicate) {
        // A retry of a batch already in the log: the first append's answer, nothing written.
        out.base_offset = duplicate->base_offset;
        out.log_append_time = p->log_append_time ? duplicate->timestamp : -1;
        needed = duplicate->last_offset + 1;
    } else {
        Offset base_before = active_base(p->log());
        for (size_t i = 0; i < batches.size(); ++i) {
            auto appended = p->log().append(batches[i], p->log_append_time, /*crc_checked=*/true);
            if (!appended.ok()) {
                out.error = from_storage(appended.error());
                return out;
            }
            if (i == 0) {
                out.base_offset = appended->base_offset;
                out.log_append_time = appended->log_append_time;
            }
        }
        if (idempotent) {
            // The stored bytes: base offset (and log-append time) rewritten by the append.
            auto stored = model::RecordBatchView::parse(batches[0], /*verify_crc=*/false);
            if (stored.ok()) p->producer_state.update(*stored, wall_clock_ms());
        }
        // At each roll, as Kafka does: a restart replays at most the active segment.
        if (active_base(p->log()) != base_before) snapshot_producers(fs_, *p);
        p->appended();
        needed = p->log().end_offset();
    }
    out.log_start = p->log().start_offset();
    if (!p->waits_for_durability()) return out;
    // A retry of a batch that is durable already needs no sync.
    if (duplicate && p->high_watermark() >= needed) return out;

    // Durable before visible, and before acks=all is answered; the sync is shared with every
    // other append waiting on this log.
    if (acks != -1) {
        sync_then(shard, *p, needed, nullptr);
        return out;
    }
    auto pending = std::make_shared<ProduceOutput>(out);
    sync_then(shard, *p, needed, [pending, finish](Status synced) {
        if (!synced.ok())
            pending->error = Error(Errc::kafka_storage_error, synced.error().message());
        finish(*pending);
    });
    out.base_offset = Offset(-2);  // marker: the answer comes from the sync callback
    return out;
}

void Broker::sync_then(size_t shard, Partition& p, Offset needed,
                       std::function<void(Status)> done) {
    TopicPartition tp = p.tp();
    committer_->request_sync(
        p.log().durability(), [this, shard, tp, needed, done](Result<Offset> durable) {
            shards_[shard]->post([this, shard, tp, needed, done, durable] {
                if (Partition* part = local(shard, tp); part && durable.ok()) {
                    part->durable(*durable);
                }
                if (!done) return;
                if (!durable.ok()) {
                    done(Error(Errc::kafka_storage_error, durable.error().to_string()));
                } else if (*durable < needed) {
                    done(Error(Errc::kafka_storage_error, "sync did not cover the batch"));
                } else {
                    done(Status{});
                }
            });
        });
}

void Broker::produce(Executor& origin, std::vector<ProduceInput> inputs, int16_t acks,
                     std::function<void(std::vector<ProduceOutput>)> done) {
    auto gather = std::make_shared<Gather<ProduceOutput>>(origin, inputs.size(), std::move(done));
    if (acks != 0 && acks != 1 && acks != -1) {
        for (size_t i = 0; i < inputs.size(); ++i) {
            ProduceOutput out;
            out.error = Error(Errc::invalid_required_acks, "acks must be -1, 0 or 1");
            gather->complete(i, std::move(out));
        }
        gather->start_if_empty();
        return;
    }
    for (size_t i = 0; i < inputs.size(); ++i) {
        size_t shard = owner(inputs[i].tp);
        auto input = std::make_shared<ProduceInput>(std::move(inputs[i]));
        shards_[shard]->post([this, shard, input, acks, gather, i] {
            auto append = [this, shard, input, acks, gather, i] {
                auto finish = [gather, i](ProduceOutput out) {
                    gather->complete(i, std::move(out));
                };
                ProduceOutput out = append_local(shard, *input, acks, finish);
                if (out.base_offset != Offset(-2)) gather->complete(i, std::move(out));
            };
            const Partition* p = local(shard, input->tp);
            auto producer = p ? needs_verification(*p, input->records) : std::nullopt;
            if (!producer) return append();
            // The coordinator answers on this shard; batches verified in a row keep their order.
            txn_verifier_(*shards_[shard], producer->first, producer->second, input->tp,
                          [append, gather, i](Status approved) {
                              if (approved.ok()) return append();
                              ProduceOutput out;
                              out.error = approved.error();
                              gather->complete(i, std::move(out));
                          });
        });
    }
    gather->start_if_empty();
}

std::optional<std::pair<model::ProducerId, model::ProducerEpoch>> Broker::needs_verification(
    const Partition& p, BytesView records) const {
    if (!txn_verifier_) return std::nullopt;
    auto batch = model::RecordBatchView::parse(records, /*verify_crc=*/false);
    if (!batch.ok() || !batch->is_transactional() || !batch->has_producer_id()) {
        return std::nullopt;  // not transactional, or refused by the append anyway
    }
    const ProducerEntry* entry = p.producer_state.find(batch->producer_id());
    if (entry && entry->epoch == batch->producer_epoch() && entry->txn_first_offset.value() >= 0) {
        return std::nullopt;  // the transaction is open here already
    }
    return std::make_pair(batch->producer_id(), batch->producer_epoch());
}

// ---------------------------------------------------------------------------------------------
// Transaction markers

Status Broker::append_marker(size_t shard, Partition& p, const TxnMarker& marker) {
    (void)shard;
    if (auto allowed = p.producer_state.check_marker(marker.producer_id, marker.producer_epoch);
        !allowed.ok()) {
        return std::move(allowed).error().with_context(p.tp().to_string());
    }
    Bytes batch = model::make_control_batch(
        Offset(0), marker.producer_id, marker.producer_epoch,
        marker.commit ? model::ControlRecord::Type::commit : model::ControlRecord::Type::abort,
        marker.coordinator_epoch, wall_clock_ms());
    Offset base_before = active_base(p.log());
    auto appended = p.log().append(MutableBytesView(batch), false, /*crc_checked=*/true);
    if (!appended.ok()) return from_storage(appended.error());
    auto stored = model::RecordBatchView::parse(BytesView(batch), /*verify_crc=*/false);
    if (stored.ok()) p.producer_state.update(*stored, wall_clock_ms());
    if (active_base(p.log()) != base_before) snapshot_producers(fs_, p);
    p.appended();
    return {};
}

void Broker::write_txn_markers(Executor& origin, TxnMarker marker,
                               std::vector<TopicPartition> partitions,
                               std::function<void(std::vector<Status>)> done) {
    auto gather = std::make_shared<Gather<Status>>(origin, partitions.size(), std::move(done));
    for (size_t i = 0; i < partitions.size(); ++i) {
        size_t shard = owner(partitions[i]);
        TopicPartition tp = partitions[i];
        shards_[shard]->post([this, shard, tp, marker, gather, i] {
            Partition* p = local(shard, tp);
            if (!p) return gather->complete(i, unknown_partition(tp));
            if (auto written = append_marker(shard, *p, marker); !written.ok()) {
                return gather->complete(i, std::move(written));
            }
            if (!p->waits_for_durability()) return gather->complete(i, Status{});
            sync_then(shard, *p, p->log().end_offset(),
                      [gather, i](Status synced) { gather->complete(i, std::move(synced)); });
        });
    }
    gather->start_if_empty();
}

// ---------------------------------------------------------------------------------------------
// Fetch

FetchOutput Broker::read_local(size_t shard, const FetchInput& input, bool read_committed) {
    FetchOutput out;
    Partition* p = local(shard, input.tp);
    if (!p) {
        out.error = unknown_partition(input.tp);
        return out;
    }
    out.high_watermark = p->high_watermark();
    out.last_stable_offset = p->last_stable_offset();
    out.log_start = p->log().start_offset();
    if (input.offset < out.log_start || input.offset > p->log().end_offset()) {
        out.error = Error(Errc::offset_out_of_range,
                          "fetch offset " + std::to_string(input.offset.value()) + " outside [" +
                              std::to_string(out.log_start.value()) + ", " +
                              std::to_string(p->log().end_offset().value()) + "]");
        return out;
    }
    if (input.max_bytes <= 0) return out;
    Offset visible = read_committed ? out.last_stable_offset : out.high_watermark;
    auto read = p->log().read(input.offset, static_cast<size_t>(input.max_bytes), visible);
    if (!read.ok()) {
        out.error = from_storage(read.error());
        return out;
    }
    out.records = std::move(read->data);
    if (read_committed && !out.records.empty()) {
        out.aborted_transactions =
            p->producer_state.aborted_between(input.offset, read->next_offset);
    }
    return out;
}

void Broker::fetch(Executor& origin, FetchSpec spec,
                   std::function<void(std::vector<FetchOutput>)> done) {
    struct State {
        FetchSpec spec;
        std::function<void(std::vector<FetchOutput>)> done;
        std::atomic<bool> woken{false};
        bool waiting = false;
        std::shared_ptr<Executor::Timer> timer;
        std::function<void(bool)> read_round;
    };
    auto state = std::make_shared<State>();
    state->spec = std::move(spec);
    state->done = std::move(done);

    // One round of reads. An answer below min_bytes waits for new data or the timeout, then
    // reads once more (`last`) and answers whatever is there.
    std::weak_ptr<State> weak = state;
    state->read_round = [this, &origin, weak](bool last) {
        auto st = weak.lock();
        if (!st) return;
        auto on_read = [this, &origin, st, last](std::vector<FetchOutput> outs) {
            // Trim to the response limit in request order; the first batch always goes out.
            int64_t total = 0;
            bool any_error = false;
            for (auto& o : outs) {
                if (o.error) any_error = true;
                if (o.records.empty()) continue;
                if (total > 0 &&
                    total + static_cast<int64_t>(o.records.size()) > st->spec.max_bytes) {
                    o.records = Buffer();
                    continue;
                }
                total += static_cast<int64_t>(o.records.size());
            }
            if (last || total >= st->spec.min_bytes || any_error || st->spec.max_wait_ms <= 0) {
                if (st->waiting) withdraw(st->spec, st.get());
                if (st->timer) st->timer->cancel();
                auto finish = std::move(st->done);
                st->read_round = nullptr;  // breaks the cycle state -> round -> state
                finish(std::move(outs));
                return;
            }
            st->waiting = true;
            auto wake = [&origin, st] {
                if (st->woken.exchange(true)) return;
                origin.post([st] {
                    if (st->read_round) st->read_round(true);
                });
            };
            for (size_t i = 0; i < st->spec.partitions.size(); ++i) {
                const auto& input = st->spec.partitions[i];
                size_t shard = owner(input.tp);
                TopicPartition tp = input.tp;
                // Data that became visible between the read and now would never wake a waiter
                // registered after it: compare with the high watermark the read saw.
                Offset seen = outs[i].high_watermark;
                shards_[shard]->post([this, shard, tp, seen, wake, st] {
                    Partition* p = local(shard, tp);
                    if (!p || st->woken) return;
                    if (p->high_watermark() > seen) {
                        wake();
                    } else {
                        p->add_waiter(st.get(), wake);
                    }
                });
            }
            st->timer = origin.post_after(st->spec.max_wait_ms, wake);
        };
        const auto& parts = st->spec.partitions;
        auto gather = std::make_shared<Gather<FetchOutput>>(origin, parts.size(), on_read);
        for (size_t i = 0; i < parts.size(); ++i) {
            size_t shard = owner(parts[i].tp);
            FetchInput input = parts[i];
            input.max_bytes = std::min(input.max_bytes, st->spec.max_bytes);
            bool committed = st->spec.read_committed;
            shards_[shard]->post([this, shard, input, committed, gather, i] {
                gather->complete(i, read_local(shard, input, committed));
            });
        }
        gather->start_if_empty();
    };
    state->read_round(false);
}

void Broker::withdraw(const FetchSpec& spec, const void* token) {
    for (const auto& input : spec.partitions) {
        size_t shard = owner(input.tp);
        TopicPartition tp = input.tp;
        shards_[shard]->post([this, shard, tp, token] {
            if (Partition* p = local(shard, tp)) p->remove_waiters(token);
        });
    }
}

// ---------------------------------------------------------------------------------------------
// ListOffsets

namespace {

/// The first record of the batch at `base` whose timestamp is >= target (or, with
/// max_timestamp, the first record holding the batch's largest timestamp).
std::optional<std::pair<Offset, int64_t>> find_record(const storage::Log& log, Offset base,
                                                      int64_t target, bool max_timestamp) {
    auto read = log.read(base, 1);
    if (!read.ok() || read->data.empty()) return std::nullopt;
    auto batch = model::RecordBatchView::parse(read->data.view());
    if (!batch.ok()) return std::nullopt;
    if (batch->timestamp_type() == model::TimestampType::log_append_time) {
        return std::make_pair(std::max(batch->base_offset(), log.start_offset()),
                              batch->max_timestamp());
    }
    auto records = batch->records(static_cast<size_t>(log.config().max_decompressed_batch_bytes));
    if (!records.ok()) return std::nullopt;
    for (const auto& r : *records) {
        Offset offset = batch->base_offset() + r.offset_delta;
        int64_t ts = batch->first_timestamp() + r.timestamp_delta;
        if (offset < log.start_offset()) continue;
        bool match = max_timestamp ? ts == batch->max_timestamp() : ts >= target;
        if (match) return std::make_pair(offset, ts);
    }
    return std::nullopt;
}

}  // namespace

ListOffsetsOutput Broker::list_local(size_t shard, const ListOffsetsInput& input,
                                     bool read_committed) {
    ListOffsetsOutput out;
    Partition* p = local(shard, input.tp);
    if (!p) {
        out.error = unknown_partition(input.tp);
        return out;
    }
    const storage::Log& log = p->log();
    // What the asking consumer could read: read_committed ones stop at the last stable offset.
    Offset hw = read_committed ? p->last_stable_offset() : p->high_watermark();
    if (input.timestamp == -2) {
        out.offset = log.start_offset();
        return out;
    }
    if (input.timestamp == -1) {
        out.offset = hw;
        return out;
    }
    if (input.timestamp == -3) {
        // The segment with the largest timestamp, then the batch, then the record.
        const storage::Segment* best = nullptr;
        for (const auto& [base, seg] : log.segments()) {
            if (seg->max_timestamp() >= 0 &&
                (!best || seg->max_timestamp() > best->max_timestamp())) {
                best = seg.get();
            }
        }
        if (!best) return out;
        auto batch = best->find_by_timestamp(best->max_timestamp());
        if (!batch.ok() || !*batch) return out;
        if (auto found = find_record(log, (*batch)->base_offset, 0, true);
            found && found->first < hw) {
            out.offset = found->first;
            out.timestamp = found->second;
        }
        return out;
    }
    if (input.timestamp < 0) {
        out.error = Error(Errc::invalid_request, "timestamp " + std::to_string(input.timestamp));
        return out;
    }
    auto base = log.batch_for_timestamp(input.timestamp);
    if (!base.ok()) {
        out.error = from_storage(base.error());
        return out;
    }
    if (!*base) return out;
    if (auto found = find_record(log, **base, input.timestamp, false); found && found->first < hw) {
        out.offset = found->first;
        out.timestamp = found->second;
    }
    return out;
}

void Broker::list_offsets(Executor& origin, std::vector<ListOffsetsInput> inputs,
                          bool read_committed,
                          std::function<void(std::vector<ListOffsetsOutput>)> done) {
    auto gather =
        std::make_shared<Gather<ListOffsetsOutput>>(origin, inputs.size(), std::move(done));
    for (size_t i = 0; i < inputs.size(); ++i) {
        size_t shard = owner(inputs[i].tp);
        ListOffsetsInput input = inputs[i];
        shards_[shard]->post([this, shard, input, read_committed, gather, i] {
            gather->complete(i, list_local(shard, input, read_committed));
        });
    }
    gather->start_if_empty();
}

// ---------------------------------------------------------------------------------------------
// DeleteRecords

void Broker::delete_records(Executor& origin, std::vector<DeleteRecordsInput> inputs,
                            std::function<void(std::vector<DeleteRecordsOutput>)> done) {
    auto gather =
        std::make_shared<Gather<DeleteRecordsOutput>>(origin, inputs.size(), std::move(done));
    for (size_t i = 0; i < inputs.size(); ++i) {
        size_t shard = owner(inputs[i].tp);
        DeleteRecordsInput input = inputs[i];
        shards_[shard]->post([this, shard, input, gather, i] {
            DeleteRecordsOutput out;
            Partition* p = local(shard, input.tp);
            if (!p) {
                out.error = unknown_partition(input.tp);
            } else {
                Offset target = input.offset == Offset(-1) ? p->high_watermark() : input.offset;
                if (target > p->high_watermark() || target < Offset(0)) {
                    out.error = Error(Errc::offset_out_of_range,
                                      "offset " + std::to_string(target.value()) +
                                          " beyond the high watermark " +
                                          std::to_string(p->high_watermark().value()));
                } else if (auto moved = p->log().advance_start_offset(target); !moved.ok()) {
                    out.error = from_storage(moved.error());
                }
                p->clamp();
                out.low_watermark = p->log().start_offset();
            }
            gather->complete(i, std::move(out));
        });
    }
    gather->start_if_empty();
}

void Broker::housekeeping(size_t shard) {
    for (auto& [tp, p] : shard_state_[shard]->partitions) {
        storage::Log& log = p->log();
        if (auto rolled = log.maybe_roll_by_age(); !rolled.ok()) {
            broker_log.warn("{}: {}", tp.to_string(), rolled.error().to_string());
        }
        if (auto kept = log.apply_retention(); !kept.ok()) {
            broker_log.warn("{}: retention: {}", tp.to_string(), kept.error().to_string());
        }
        if (log.config().cleanup_compact && log.segment_count() > 1) {
            // Transactions: nothing past the last stable offset is cleaned (it may still be
            // aborted), and aborted records go rather than outlive the committed values.
            storage::CompactionFilter filter;
            filter.cleanable_end = p->last_stable_offset();
            const ProducerStateTable& producers = p->producer_state;
            filter.aborted = [&producers](model::ProducerId id, Offset base) {
                return producers.is_aborted(id, base);
            };
            if (auto compacted = log.compact(filter); !compacted.ok()) {
                broker_log.warn("{}: compaction: {}", tp.to_string(),
                                compacted.error().to_string());
            }
        }
        if (auto cp = log.checkpoint_recovery_point(); !cp.ok()) {
            broker_log.warn("{}: {}", tp.to_string(), cp.error().to_string());
        }
        p->clamp();
        p->producer_state.remove_aborted_before(log.start_offset());
        // Idle producers go (producer.id.expiration.ms); a snapshot follows any change, and a
        // roll (by age or retention) since the last one, to bound the replay after a crash.
        ProducerStateTable& producers = p->producer_state;
        producers.remove_expired(wall_clock_ms(), config_.producer_id_expiration_ms);
        if (producers.dirty() || active_base(log) > producers.snapshot_offset()) {
            snapshot_producers(fs_, *p);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Producer ids

void Broker::init_producer_id(Executor& origin,
                              std::function<void(Result<InitProducerIdOutput>)> done) {
    // The allocator belongs to shard 0; it writes to disk once per block of ids.
    shards_[0]->post([this, &origin, done = std::move(done)] {
        Result<InitProducerIdOutput> result = [&]() -> Result<InitProducerIdOutput> {
            ES_TRY(model::ProducerId id, producer_ids_->next());
            return InitProducerIdOutput{id, model::ProducerEpoch(0)};
        }();
        if (!result.ok()) broker_log.error("InitProducerId: {}", result.error().to_string());
        origin.post([done, result = std::move(result)] { done(result); });
    });
}

}  // namespace es::broker
