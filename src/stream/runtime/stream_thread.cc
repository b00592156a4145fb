#include "stream/runtime/stream_thread.h"

#include "client/consumer.h"
#include "client/errc.h"
#include "client/producer.h"
#include "stream/api/errc.h"
#include "stream/runtime/logger.h"
#include "stream/state/kv_store.h"
#include "stream/state/task_db.h"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <set>
#include <thread>

namespace es::stream::runtime {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

/// Bound for the calls that wait on the cluster inside a commit.
constexpr auto kCommitTimeout = 30s;
/// Records taken from the consumer per poll.
constexpr size_t kPollBatch = 2000;
constexpr const char* kCheckpointPrefix = "changelog:";

TimeMs wall_clock_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

bool is(const Error& e, client::Errc code) { return e.is(code); }

}  // namespace

/// A task with its database and where its changelogs stand.
struct StreamThread::ActiveTask {
    TaskId id;
    std::unique_ptr<state::TaskDb> db;
    std::unique_ptr<Task> task;
    /// Per store: the changelog offset the database is current with (the checkpoint).
    std::map<std::string, int64_t> changelog_next;
    /// Per store: the next offset after this transaction's changelog records, once delivered.
    std::map<std::string, int64_t> pending_next;
    std::map<std::string, state::KvStore*> stores;
};

StreamThread::StreamThread(const Topology& topology, const RuntimeConfig& config,
                           const TopicPlan& plan, std::string client_id,
                           const std::atomic<bool>& stop, JobMetrics& metrics)
    : topology_(topology),
      config_(config),
      plan_(plan),
      client_id_(std::move(client_id)),
      stop_(stop),
      metrics_(metrics),
      exactly_once_(config.guarantee == Guarantee::exactly_once) {}

StreamThread::~StreamThread() {
    close_all_tasks();
    metrics_.forget(client_id_);
}

Status StreamThread::start_clients() {
    client::ClientConfig producer_config = config_.cluster;
    auto& pp = producer_config.properties;
    pp.try_emplace("client.id", client_id_);
    // Java's partitioner, so user sinks land where Kafka Streams would put the same keys.
    pp.try_emplace("partitioner", "murmur2_random");
    pp.try_emplace("enable.idempotence", "true");
    // Backpressure: when the cluster takes records slower than tasks make them, send() blocks
    // on a full queue, the thread stops polling, and the consumer's bounded prefetch fills:
    // memory stays bounded by these two queues and the uncommitted state.
    pp.try_emplace("queue.buffering.max.kbytes", "65536");
    if (exactly_once_) {
        pp["transactional.id"] = client_id_;
        pp.try_emplace("transaction.timeout.ms",
                       std::to_string(config_.transaction_timeout.count()));
    }
    ES_TRY(producer_, client::Producer::make(producer_config));
    if (exactly_once_) {
        // Fences this thread's previous incarnation and aborts what it left open, before any
        // state is restored from the changelogs it may have been writing.
        Status init;
        for (int attempt = 0; attempt < 5 && !stop_; ++attempt) {
            init = producer_->init_transactions(kCommitTimeout);
            if (init.ok() || !is(init.error(), client::Errc::timeout)) break;
        }
        if (!init.ok()) return std::move(init).error().with_context("init_transactions");
    }
    client::ClientConfig consumer_config = config_.cluster;
    consumer_config.properties.try_emplace("client.id", client_id_);
    consumer_config.properties.try_emplace("queued.max.messages.kbytes", "32768");
    consumer_config.properties.try_emplace("isolation.level",
                                           exactly_once_ ? "read_committed" : "read_uncommitted");
    ES_TRY(consumer_, client::GroupConsumer::make(consumer_config, config_.application_id, this));
    return consumer_->subscribe(plan_.input_topics());
}

Status StreamThread::run() {
    now_ = wall_clock_ms();
    ES_CHECK(start_clients());
    auto next_commit = Clock::now() + config_.commit_interval;
    while (!stop_) {
        auto wait = std::clamp(
            std::chrono::duration_cast<std::chrono::milliseconds>(next_commit - Clock::now()), 0ms,
            100ms);
        auto batch = consumer_->poll_batch(kPollBatch, wait);
        now_ = wall_clock_ms();
        if (deferred_) return std::exchange(deferred_, std::nullopt).value();
        if (!batch.ok()) {
            const Error& e = batch.error();
            if (is(e, client::Errc::fatal) || is(e, client::Errc::fenced))
                return std::move(batch).error();
            stream_runtime_log.warn("{}: {}", client_id_, e.to_string());
            continue;
        }
        ES_CHECK(process(*batch));
        for (auto& [id, t] : tasks_) t->task->punctuate();
        if (deferred_) return std::exchange(deferred_, std::nullopt).value();
        if (Clock::now() >= next_commit || uncommitted_bytes() > config_.max_uncommitted_bytes) {
            commit_positions_past_markers();
            Status st = commit();
            if (!st.ok()) {
                if (is(st.error(), client::Errc::fenced) || is(st.error(), client::Errc::fatal))
                    return st;
                ES_CHECK(abort_and_reset(st.error()));
            }
            next_commit = Clock::now() + config_.commit_interval;
        }
    }
    // A clean stop: commit what is done, then leave the group so others take over at once.
    Status st = commit();
    if (!st.ok()) {
        stream_runtime_log.warn("{}: last commit failed, the next owner redoes it: {}", client_id_,
                                st.error().to_string());
        discard_uncommitted();
    }
    close_all_tasks();
    consumer_->close().ignore_error();
    return ok_status();
}

Status StreamThread::process(const client::MessageBatch& batch) {
    if (batch.empty()) return ok_status();
    // Records of one task from several partitions go in event-time order (the smallest
    // timestamp first, offsets kept in order within a partition), as Kafka Streams picks them.
    std::map<TaskId, std::vector<std::vector<size_t>>> per_task;
    std::map<std::pair<TaskId, std::string_view>, size_t> lane_of;
    for (size_t i = 0; i < batch.size(); ++i) {
        const client::MessageView& m = batch[i];
        int sub = plan_.subtopology_of(m.topic);
        if (sub < 0) continue;
        TaskId id{sub, m.partition.value()};
        if (!tasks_.count(id)) continue;  // revoked while fetched
        auto& lanes = per_task[id];
        auto [it, added] = lane_of.try_emplace({id, m.topic}, lanes.size());
        if (added) lanes.emplace_back();
        lanes[it->second].push_back(i);
    }
    uint64_t processed = 0;
    int64_t lag_sum = 0;
    std::array<uint64_t, LatencyHistogram::kBuckets> lag_buckets{};  // this batch's lags
    uint64_t lag_count = 0;
    uint64_t lag_ns = 0;
    for (auto& [id, lanes] : per_task) {
        Task& task = *tasks_.at(id)->task;
        std::vector<size_t> head(lanes.size(), 0);
        std::vector<int64_t> next_offset(lanes.size(), -1);
        while (true) {
            size_t best = lanes.size();
            for (size_t l = 0; l < lanes.size(); ++l) {
                if (head[l] == lanes[l].size()) continue;
                if (best == lanes.size() ||
                    batch[lanes[l][head[l]]].timestamp.value_or(client::Timestamp{}).ms <
                        batch[lanes[best][head[best]]].timestamp.value_or(client::Timestamp{}).ms) {
                    best = l;
                }
            }
            if (best == lanes.size()) break;
            const client::MessageView& m = batch[lanes[best][head[best]++]];
            RawRecord raw;
            if (m.key) raw.key = as_string_view(*m.key);
            if (m.value) raw.value = as_string_view(*m.value);
            raw.timestamp = m.timestamp ? m.timestamp->ms : 0;
            raw.partition = m.partition.value();
            raw.offset = m.offset.value();
            current_topic_ = m.topic;
            current_offset_ = raw.offset;
            if (exactly_once_) ES_CHECK(ensure_transaction());
            task.process(m.topic, raw);
            next_offset[best] = raw.offset + 1;
            ++processed;
            if (raw.timestamp > 0) {
                const int64_t lag_ms = now_ - raw.timestamp;
                lag_sum += lag_ms;
                const size_t bucket = LatencyHistogram::bucket_of(lag_ms * 1'000'000);
                if (bucket < LatencyHistogram::kBuckets) ++lag_buckets[bucket];
                ++lag_count;
                lag_ns += static_cast<uint64_t>(std::max<int64_t>(lag_ms, 0)) * 1'000'000;
            }
        }
        // One position per input partition and batch, not per record.
        for (size_t l = 0; l < lanes.size(); ++l) {
            if (next_offset[l] < 0) continue;
            const client::MessageView& last = batch[lanes[l].back()];
            positions_[model::TopicPartition{std::string(last.topic), last.partition}] =
                next_offset[l];
        }
    }
    if (processed) {
        dirty_ = true;
        metrics_.records_processed += processed;
        metrics_.lag_ms_sum += lag_sum;
        metrics_.lag_samples += processed;
        metrics_.processing_lag.add(lag_buckets, lag_count, lag_ns);
    }
    return ok_status();
}

Status StreamThread::ensure_transaction() {
    if (in_transaction_) return ok_status();
    ES_CHECK(producer_->begin_transaction());
    in_transaction_ = true;
    return ok_status();
}

void StreamThread::send(const OutgoingRecord& record) {
    if (exactly_once_) {
        Status st = ensure_transaction();
        if (!st.ok()) {
            if (!deferred_) deferred_ = std::move(st).error();
            return;
        }
    }
    client::ProducerRecord out;
    out.topic = record.topic;
    if (record.partition) out.partition = model::PartitionId(*record.partition);
    if (record.key) out.key = as_bytes(*record.key);
    if (record.value) out.value = as_bytes(*record.value);
    out.timestamp_ms = std::max<TimeMs>(record.timestamp, 0);
    Status st = producer_->send(out);
    if (!st.ok()) {
        // A record that cannot even be queued (too large, unknown partition): the transaction
        // must not commit without it.
        if (!deferred_)
            deferred_ =
                std::move(st).error().with_context(fmt::format("sending to {}", record.topic));
        return;
    }
    dirty_ = true;
    ++metrics_.records_sent;
}

void StreamThread::bad_record(std::string_view node, std::string_view topic,
                              const RawRecord& record, const Error& error) {
    ++metrics_.bad_records;
    stream_runtime_log.warn("{}: record {}[{}]@{} refused by {}: {}; sent to {}", client_id_, topic,
                            record.partition, record.offset, node, error.to_string(),
                            plan_.dead_letter_topic());
    std::string reason = error.to_string();
    std::string partition = std::to_string(record.partition);
    std::string offset = std::to_string(record.offset);
    client::OutgoingHeader headers[] = {
        {"es.error", as_bytes(reason)},        {"es.topic", as_bytes(topic)},
        {"es.partition", as_bytes(partition)}, {"es.offset", as_bytes(offset)},
        {"es.node", as_bytes(node)},
    };
    if (exactly_once_ && !ensure_transaction().ok()) return;
    client::ProducerRecord out;
    out.topic = plan_.dead_letter_topic();
    if (record.key) out.key = as_bytes(*record.key);
    if (record.value) out.value = as_bytes(*record.value);
    out.headers = headers;
    out.timestamp_ms = std::max<TimeMs>(record.timestamp, 0);
    Status st = producer_->send(out);
    if (!st.ok() && !deferred_)
        deferred_ = std::move(st).error().with_context("dead-lettering a bad record");
    dirty_ = true;
}

size_t StreamThread::uncommitted_bytes() const {
    size_t total = 0;
    for (const auto& [id, t] : tasks_) {
        for (const auto& [name, store] : t->task->stores()) total += store->dirty_bytes();
    }
    return total;
}

Status StreamThread::commit() {
    if (!dirty_ && positions_.empty()) return ok_status();
    auto started = Clock::now();
    for (auto& [id, t] : tasks_) t->task->prepare_commit();
    // Every changed state entry goes to its changelog, inside the same transaction.
    for (auto& [id, t] : tasks_) {
        ActiveTask* at = t.get();
        for (const auto& [name, store] : at->task->stores()) {
            if (store->dirty_count() == 0) continue;
            std::string topic = plan_.changelog_topic(name);
            std::string store_name = name;
            store->for_each_dirty([&](std::string_view key,
                                      std::optional<std::string_view> stored) {
                client::ProducerRecord out;
                out.topic = topic;
                out.partition = model::PartitionId(at->id.partition);
                out.key = as_bytes(key);
                if (stored) out.value = as_bytes(*stored);
                if (exactly_once_ && !ensure_transaction().ok()) return;
                Status st =
                    producer_->send(out, [at, store_name](const Result<client::DeliveryReport>& r) {
                        if (!r.ok()) return;
                        int64_t& next = at->pending_next[store_name];
                        next = std::max(next, r->offset.value() + 1);
                    });
                if (!st.ok() && !deferred_)
                    deferred_ = std::move(st).error().with_context("sending to " + topic);
            });
        }
    }
    if (deferred_) return std::exchange(deferred_, std::nullopt).value();
    std::vector<client::TopicPartitionOffset> offsets;
    for (const auto& [tp, next] : positions_) {
        offsets.push_back({tp, model::Offset(next)});
        committed_[tp] = next;
    }
    if (exactly_once_) {
        ES_CHECK(ensure_transaction());
        if (!offsets.empty()) {
            ES_CHECK(producer_->send_offsets_to_transaction(offsets, *consumer_, kCommitTimeout));
        }
        ES_CHECK(producer_->commit_transaction(kCommitTimeout));
        in_transaction_ = false;
    } else {
        ES_CHECK(producer_->flush(kCommitTimeout));
        if (!offsets.empty()) ES_CHECK(consumer_->commit(offsets));
    }
    // Kafka has the work: now RocksDB may have it too, with the changelog offsets it matches.
    for (auto& [id, t] : tasks_) {
        for (const auto& [store, next] : t->pending_next) {
            int64_t& known = t->changelog_next[store];
            known = std::max(known, next);
        }
        t->pending_next.clear();
        std::map<std::string, std::string> checkpoint;
        for (const auto& [store, next] : t->changelog_next) {
            checkpoint[kCheckpointPrefix + store] = std::to_string(next);
        }
        Status st = t->db->commit(checkpoint);
        if (!st.ok()) {
            // Kafka committed; the database did not. Rebuilding the task from its checkpoint
            // replays the changelog, so nothing is lost, but this database is suspect.
            return Error(Errc::state,
                         fmt::format("task {}: {}", id.to_string(), st.error().to_string()));
        }
    }
    positions_.clear();
    dirty_ = false;
    auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count();
    metrics_.record_commit(micros);
    publish_metrics();
    return ok_status();
}

void StreamThread::commit_positions_past_markers() {
    if (dirty_ || !positions_.empty() || committed_.empty()) return;
    for (const client::TopicPartitionOffset& p : consumer_->positions()) {
        auto it = committed_.find(p.tp);
        if (it != committed_.end() && p.offset.value() > it->second) {
            positions_[p.tp] = p.offset.value();
        }
    }
}

Status StreamThread::abort_and_reset(const Error& cause,
                                     const std::vector<model::TopicPartition>& leaving) {
    ++metrics_.aborts;
    stream_runtime_log.warn("{}: aborting and rebuilding tasks: {}", client_id_, cause.to_string());
    if (exactly_once_ && in_transaction_) {
        Status st = producer_->abort_transaction(kCommitTimeout);
        if (!st.ok()) {
            return std::move(st).error().with_context("aborting after: " + cause.to_string());
        }
        in_transaction_ = false;
    }
    auto is_leaving = [&](const model::TopicPartition& tp) {
        return std::find(leaving.begin(), leaving.end(), tp) != leaving.end();
    };
    std::set<TaskId> gone;
    for (const model::TopicPartition& tp : leaving) {
        int sub = plan_.subtopology_of(tp.topic);
        if (sub >= 0) gone.insert(TaskId{sub, tp.partition.value()});
    }
    std::vector<TaskId> ids;
    for (auto& [id, t] : tasks_) {
        t->db->rollback();
        if (!gone.count(id)) ids.push_back(id);
    }
    close_all_tasks();
    positions_.clear();
    committed_.clear();
    dirty_ = false;
    // Back to the committed input offsets, with tasks rebuilt from their committed state.
    std::vector<model::TopicPartition> kept;
    for (const model::TopicPartition& tp : consumer_->assignment()) {
        if (!is_leaving(tp)) kept.push_back(tp);
    }
    ES_TRY(auto committed, consumer_->committed(kept));
    for (const model::TopicPartition& tp : kept) {
        model::Offset next(0);
        for (const auto& c : committed) {
            if (c.tp == tp) next = c.offset;
        }
        ES_CHECK(consumer_->seek(tp, next));
    }
    return open_tasks(ids);
}

Result<std::unique_ptr<StreamThread::ActiveTask>> StreamThread::open_store(TaskId id) {
    auto t = std::make_unique<ActiveTask>();
    t->id = id;
    std::filesystem::path dir = config_.state_dir / config_.application_id / id.to_string();
    std::error_code ec;
    std::filesystem::create_directories(dir.parent_path(), ec);
    ES_TRY(t->db, state::TaskDb::open(dir));
    // The stores exist before the task reads them, so that restoring fills them first.
    std::vector<StoreSpec> specs = topology_.stores(id.subtopology);
    specs.push_back(StoreSpec{Task::clock_store_name(id.subtopology), std::nullopt});
    for (const StoreSpec& s : specs) {
        ES_TRY(t->stores[s.name], t->db->store(state::StoreOptions{s.name, s.ttl_ms}));
        t->changelog_next[s.name] = 0;
    }
    for (const auto& [key, value] : t->db->checkpoint()) {
        if (!key.starts_with(kCheckpointPrefix)) continue;
        std::string store = key.substr(std::string_view(kCheckpointPrefix).size());
        int64_t next = 0;
        auto [end, parse_error] = std::from_chars(value.data(), value.data() + value.size(), next);
        if (parse_error != std::errc() || end != value.data() + value.size() || next < 0) {
            // Not a checkpoint we wrote: replay that changelog from the start instead.
            stream_runtime_log.warn("task {}: ignoring checkpoint {}='{}'", id.to_string(), key,
                                    value);
            continue;
        }
        if (t->changelog_next.count(store)) t->changelog_next[store] = next;
    }
    return t;
}

Status StreamThread::open_tasks(const std::vector<TaskId>& ids) {
    std::vector<std::unique_ptr<ActiveTask>> opened;
    for (const TaskId& id : ids) {
        auto t = open_store(id);
        if (!t.ok()) return std::move(t).error().with_context("opening task " + id.to_string());
        opened.push_back(std::move(t).value());
    }
    ES_CHECK(restore(opened));
    for (auto& t : opened) {
        ES_TRY(t->task, Task::make(topology_, t->id, *t->db, *this));
        TaskId id = t->id;
        tasks_[id] = std::move(t);
    }
    publish_metrics();
    return ok_status();
}

Status StreamThread::restore(const std::vector<std::unique_ptr<ActiveTask>>& tasks) {
    if (tasks.empty()) return ok_status();
    if (!restorer_) {
        client::ClientConfig c = config_.cluster;
        c.properties.try_emplace("client.id", client_id_ + "-restore");
        // Only committed changes: an aborted transaction's state never comes back.
        c.properties["isolation.level"] = "read_committed";
        // The end of a changelog is found by an empty fetch: do not let the broker hold it.
        c.properties.try_emplace("fetch.wait.max.ms", "10");
        ES_TRY(restorer_, client::Consumer::make(c));
    }
    // Every changelog partition of every task in one assignment: they are read in parallel.
    struct Target {
        ActiveTask* task;
        std::string store;
    };
    std::vector<client::PartitionStart> starts;
    std::map<model::TopicPartition, Target> target_of;
    for (const auto& t : tasks) {
        for (const auto& [store, next] : t->changelog_next) {
            model::TopicPartition tp{plan_.changelog_topic(store),
                                     model::PartitionId(t->id.partition)};
            starts.push_back({tp, client::StartPosition::at_offset(model::Offset(next))});
            target_of[tp] = Target{t.get(), store};
        }
    }
    ES_CHECK(restorer_->assign(starts));
    std::map<ActiveTask*, uint64_t> restored;
    Status result;
    model::TopicPartition key_tp;
    while (result.ok() && !restorer_->at_end()) {
        if (stop_) {
            result = Error(Errc::state, "stopped while restoring");
            break;
        }
        auto batch = restorer_->poll_batch(5000, 200ms);
        if (!batch.ok()) {
            result = std::move(batch).error().with_context("reading changelogs");
            break;
        }
        for (const client::MessageView& m : *batch) {
            key_tp.topic.assign(m.topic);
            key_tp.partition = m.partition;
            Target& target = target_of.at(key_tp);
            std::optional<std::string_view> value;
            if (m.value) value = as_string_view(*m.value);
            Status st = target.task->stores.at(target.store)
                            ->restore(m.key ? as_string_view(*m.key) : std::string_view(), value);
            if (!st.ok()) {
                result = Error(Errc::state, fmt::format("task {}: changelog {} at offset {}: {}",
                                                        target.task->id.to_string(), m.topic,
                                                        m.offset.value(), st.error().to_string()));
                break;
            }
            int64_t& next = target.task->changelog_next[target.store];
            next = std::max(next, m.offset.value() + 1);
            ++restored[target.task];
        }
    }
    restorer_->unassign();
    ES_CHECK(result);
    for (const auto& t : tasks) {
        std::map<std::string, std::string> checkpoint;
        for (const auto& [store, next] : t->changelog_next) {
            checkpoint[kCheckpointPrefix + store] = std::to_string(next);
        }
        ES_CHECK(t->db->finish_restore(checkpoint));
        uint64_t n = restored[t.get()];
        metrics_.restored_records += n;
        if (n) {
            stream_runtime_log.info("{}: task {} restored {} changelog records", client_id_,
                                    t->id.to_string(), n);
        }
    }
    return ok_status();
}

void StreamThread::close_tasks(const std::vector<model::TopicPartition>& partitions) {
    for (const model::TopicPartition& tp : partitions) {
        int sub = plan_.subtopology_of(tp.topic);
        if (sub < 0) continue;
        tasks_.erase(TaskId{sub, tp.partition.value()});
    }
    for (auto it = positions_.begin(); it != positions_.end();) {
        bool gone = std::find(partitions.begin(), partitions.end(), it->first) != partitions.end();
        it = gone ? positions_.erase(it) : std::next(it);
    }
    for (const model::TopicPartition& tp : partitions) committed_.erase(tp);
    publish_metrics();  // a task this thread gave away must not be reported from here again
}

void StreamThread::close_all_tasks() {
    for (auto& [id, t] : tasks_) t->task.reset();  // before the databases they write to
    tasks_.clear();
    publish_metrics();
}

void StreamThread::on_assigned(const std::vector<model::TopicPartition>& partitions) {
    ++metrics_.rebalances;
    std::set<TaskId> wanted;
    for (const model::TopicPartition& tp : partitions) {
        int sub = plan_.subtopology_of(tp.topic);
        if (sub >= 0) wanted.insert(TaskId{sub, tp.partition.value()});
    }
    std::vector<TaskId> missing;
    for (const TaskId& id : wanted) {
        if (!tasks_.count(id)) missing.push_back(id);
    }
    if (deferred_) return;
    Status st = open_tasks(missing);
    if (!st.ok()) {
        deferred_ = std::move(st).error();
        return;
    }
    stream_runtime_log.info("{}: {} tasks after assignment of {} partitions", client_id_,
                            tasks_.size(), partitions.size());
}

void StreamThread::on_revoked(const std::vector<model::TopicPartition>& partitions) {
    // Commit what was done for them while this member still owns them; the next owner starts
    // where this commit leaves off.
    Status st = commit();
    if (st.ok()) {
        close_tasks(partitions);
        return;
    }
    // The next owner redoes the uncommitted work of the revoked partitions; the ones this member
    // keeps (cooperative protocol) go back to their committed offsets with rebuilt tasks.
    Status reset = abort_and_reset(st.error(), partitions);
    if (!reset.ok() && !deferred_) deferred_ = std::move(reset).error();
}

void StreamThread::on_lost(const std::vector<model::TopicPartition>& partitions) {
    // Another member may own them already: this transaction must not commit.
    stream_runtime_log.warn("{}: lost {} partitions; aborting the open transaction", client_id_,
                            partitions.size());
    discard_uncommitted();
    close_all_tasks();
}

void StreamThread::discard_uncommitted() {
    if (exactly_once_ && in_transaction_) {
        producer_->abort_transaction(kCommitTimeout).ignore_error();
        in_transaction_ = false;
    }
    for (auto& [id, t] : tasks_) t->db->rollback();
    positions_.clear();
    committed_.clear();
    dirty_ = false;
}

void StreamThread::publish_metrics() {
    std::vector<TaskFigures> figures;
    for (auto& [id, t] : tasks_) {
        TaskFigures f;
        f.task = id.to_string();
        f.watermark = t->task->watermark();
        for (const auto& [name, store] : t->task->stores()) {
            f.state_entries += store->approximate_entries();
            f.state_bytes += store->approximate_bytes();
        }
        for (const auto& op : t->task->operators()) {
            const OperatorCounters& c = op->counters();
            f.operators.push_back(
                {op->name(), c.records_in, c.records_out, c.late_records, c.dropped_records});
        }
        figures.push_back(std::move(f));
    }
    metrics_.publish(client_id_, std::move(figures));
}

}  // namespace es::stream::runtime
