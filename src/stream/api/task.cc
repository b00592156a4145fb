#include "stream/api/task.h"

#include "stream/api/errc.h"
#include "stream/api/logger.h"
#include "stream/api/ops/io.h"
#include "stream/state/kv_store.h"
#include "stream/state/task_db.h"

#include <fmt/core.h>

#include <algorithm>
#include <cstdlib>

namespace es::stream {
namespace {

constexpr std::string_view kTaskWatermarkKey = ".";
/// Entries of one TTL store examined per commit: expiry keeps up with a steady input without
/// making any one commit long.
constexpr size_t kExpireBudget = 10'000;

void append_be64(std::string& out, TimeMs v) {
    serde_detail::append_be64(out, static_cast<uint64_t>(v));
}

}  // namespace

std::string Task::clock_store_name(int subtopology) {
    return fmt::format("_clock.{}", subtopology);
}

std::string TaskId::to_string() const { return fmt::format("{}_{}", subtopology, partition); }

/// One input topic's event-time clock.
struct Task::Clock {
    enum class Mode {
        event_time,  // from record timestamps, bounded out-of-orderness
        in_band,     // from the markers upstream tasks write into a repartition topic
        none,        // a table: never holds the watermark back
    };
    struct Upstream {
        TimeMs watermark = kMinTime;
        bool idle = false;
    };

    std::string topic;  // full name
    std::string key;    // in the clock store
    SourceOperatorBase* source = nullptr;
    Mode mode = Mode::none;
    TimeMs out_of_orderness = 0;
    std::optional<TimeMs> idle_timeout;
    TimeMs max_timestamp = kMinTime;
    std::vector<Upstream> upstream;
    TimeMs last_activity = 0;
    bool idle = false;
    bool dirty = false;

    /// The watermark this input allows, or nullopt when it is idle.
    std::optional<TimeMs> current() const {
        if (idle) return std::nullopt;
        if (mode == Mode::event_time) {
            if (max_timestamp == kMinTime) return kMinTime;
            return saturating_add(saturating_add(max_timestamp, -out_of_orderness), -1);
        }
        std::optional<TimeMs> low;
        for (const Upstream& u : upstream) {
            if (!u.idle) low = std::min(low.value_or(kMaxTime), u.watermark);
        }
        return low;
    }

    std::string encode() const {
        std::string out;
        if (mode == Mode::event_time) {
            append_be64(out, max_timestamp);
        } else {
            for (const Upstream& u : upstream) {
                append_be64(out, u.watermark);
                out.push_back(u.idle ? 1 : 0);
            }
        }
        return out;
    }

    void decode(std::string_view in) {
        if (mode == Mode::event_time && in.size() == 8) {
            max_timestamp = static_cast<TimeMs>(serde_detail::read_be64(in));
        } else if (mode == Mode::in_band && in.size() == upstream.size() * 9) {
            for (size_t i = 0; i < upstream.size(); ++i) {
                upstream[i].watermark =
                    static_cast<TimeMs>(serde_detail::read_be64(in.substr(i * 9)));
                upstream[i].idle = in[i * 9 + 8] != 0;
            }
        }
        // Anything else (the upstream task count changed): start the clock over, which only
        // delays windows; it never fires one early.
    }
};

Task::Task(const Topology& topology, TaskId id, state::TaskDb& db, TaskIo& io)
    : topology_(topology), id_(id), db_(db), io_(io) {}

Task::~Task() = default;

Result<std::unique_ptr<Task>> Task::make(const Topology& topology, TaskId id, state::TaskDb& db,
                                         TaskIo& io) {
    if (id.subtopology < 0 || id.subtopology >= static_cast<int>(topology.subtopologies().size())) {
        return Error(Errc::invalid_topology, fmt::format("no sub-topology {}", id.subtopology));
    }
    std::unique_ptr<Task> task(new Task(topology, id, db, io));
    Status status = task->init();
    if (!status.ok()) return std::move(status).error().with_context("task " + id.to_string());
    return task;
}

Status Task::init() {
    const SubTopology& sub = topology_.subtopologies()[static_cast<size_t>(id_.subtopology)];
    for (const StoreSpec& spec : topology_.stores(id_.subtopology)) {
        ES_TRY(state::KvStore * s, db_.store(state::StoreOptions{spec.name, spec.ttl_ms}));
        stores_.emplace(spec.name, s);
        if (spec.ttl_ms) ttl_stores_.push_back(s);
    }
    std::string clock = clock_store_name(id_.subtopology);
    ES_TRY(clock_store_, db_.store(state::StoreOptions{clock, std::nullopt}));
    stores_.emplace(clock, clock_store_);

    std::map<int, OperatorBase*> by_node;
    TimeMs now = io_.now();
    for (int node_id : sub.nodes) {
        const NodeSpec& node = topology_.node(node_id);
        std::unique_ptr<OperatorBase> op = node.make();
        op->set_name(node.name);
        for (const Edge& e : node.inputs) e.attach(*by_node.at(e.node), *op);
        by_node[node_id] = op.get();
        if (node.kind == NodeKind::source || node.kind == NodeKind::table_source ||
            node.kind == NodeKind::repartition_source) {
            Clock c;
            bool internal = node.kind == NodeKind::repartition_source;
            c.topic = internal ? io_.internal_topic(node.topic) : node.topic;
            c.key = node.topic;
            c.source = dynamic_cast<SourceOperatorBase*>(op.get());
            if (!c.source) {
                return Error(Errc::invalid_topology,
                             fmt::format("source node '{}' does not decode records", node.name));
            }
            c.last_activity = now;
            if (node.kind == NodeKind::source) {
                c.mode = Clock::Mode::event_time;
                c.out_of_orderness = node.watermark.max_out_of_orderness;
                c.idle_timeout = node.watermark.idle_timeout;
            } else if (internal) {
                c.mode = Clock::Mode::in_band;
                const SubTopology& writer =
                    topology_.subtopologies()[static_cast<size_t>(topology_.writer_of(node.topic))];
                const auto& first = writer.inputs.front();
                std::string writer_topic =
                    first.internal ? io_.internal_topic(first.topic) : first.topic;
                c.upstream.resize(
                    static_cast<size_t>(std::max(1, io_.partition_count(writer_topic))));
            }
            if (auto saved = clock_store_->get(c.key)) c.decode(*saved);
            input_topics_.push_back(c.topic);
            clocks_.push_back(std::move(c));
        }
        ops_.push_back(std::move(op));
    }
    if (auto saved = clock_store_->get(kTaskWatermarkKey); saved && saved->size() == 8) {
        watermark_ = static_cast<TimeMs>(serde_detail::read_be64(*saved));
    }
    for (auto& op : ops_) op->restore_watermark(watermark_);
    for (auto& op : ops_) op->open(*this);
    return db_.health();
}

std::vector<std::string> Task::store_names() const {
    std::vector<std::string> out;
    for (const auto& [name, store] : stores_) out.push_back(name);
    return out;
}

void Task::process(std::string_view topic, const RawRecord& record) {
    auto it = std::find_if(clocks_.begin(), clocks_.end(),
                           [&](const Clock& c) { return c.topic == topic; });
    if (it == clocks_.end()) {
        // The runtime routes by input_topics(); anything else is a bug there, not bad input.
        stream_log.error("task {} got a record of {}, which it does not read", id_.to_string(),
                         topic);
        return;
    }
    Clock& c = *it;
    SourceOperatorBase::Outcome outcome = c.source->process_raw(record);
    c.last_activity = io_.now();
    bool was_idle = c.idle;
    c.idle = false;
    switch (outcome.kind) {
        case SourceOperatorBase::Outcome::Kind::record:
            if (c.mode == Clock::Mode::event_time && outcome.timestamp > c.max_timestamp) {
                c.max_timestamp = outcome.timestamp;
                c.dirty = true;
            }
            break;
        case SourceOperatorBase::Outcome::Kind::watermark:
        case SourceOperatorBase::Outcome::Kind::idle: {
            auto i = static_cast<size_t>(outcome.upstream);
            if (c.mode != Clock::Mode::in_band || i >= c.upstream.size()) break;
            Clock::Upstream& u = c.upstream[i];
            if (outcome.kind == SourceOperatorBase::Outcome::Kind::idle) {
                u.idle = true;
            } else {
                u.idle = false;
                u.watermark = std::max(u.watermark, outcome.timestamp);
            }
            c.dirty = true;
            break;
        }
        case SourceOperatorBase::Outcome::Kind::bad_record:
            break;
    }
    if (c.dirty || was_idle) update_watermark();
}

void Task::update_watermark() {
    std::optional<TimeMs> low;
    bool timed_inputs = false;
    for (const Clock& c : clocks_) {
        if (c.mode == Clock::Mode::none) continue;
        timed_inputs = true;
        if (auto w = c.current()) low = std::min(low.value_or(kMaxTime), *w);
    }
    bool all_idle = timed_inputs && !low;
    for (auto& [topic, f] : forwards_) {
        if (f.idle && !all_idle) f.sent = kMinTime;  // downstream must hear from us again
        f.idle = all_idle;
    }
    if (!low || *low <= watermark_) return;
    watermark_ = *low;
    watermark_dirty_ = true;
    for (auto& op : ops_) op->advance_watermark(watermark_);
}

void Task::punctuate() {
    TimeMs now = io_.now();
    bool changed = false;
    for (Clock& c : clocks_) {
        if (c.idle_timeout && !c.idle && now - c.last_activity >= *c.idle_timeout) {
            c.idle = true;
            changed = true;
        }
    }
    if (changed) update_watermark();
    for (auto& op : ops_) op->on_processing_time(now);
}

void Task::prepare_commit() {
    for (auto& op : ops_) op->prepare_commit();
    // TTLs count in event time, so expiry follows the watermark and a replay expires the same.
    if (watermark_ != kMinTime) {
        for (state::KvStore* s : ttl_stores_) s->expire(watermark_, kExpireBudget);
    }
    for (Clock& c : clocks_) {
        if (!c.dirty) continue;
        clock_store_->put(c.key, c.encode());
        c.dirty = false;
    }
    if (watermark_dirty_) {
        std::string v;
        append_be64(v, watermark_);
        clock_store_->put(kTaskWatermarkKey, v);
        watermark_dirty_ = false;
    }
    send_watermark_markers();
}

void Task::send_watermark_markers() {
    for (auto& [topic, f] : forwards_) {
        std::string marker;
        if (f.idle && !f.idle_sent) {
            marker = ops::encode_idle_marker(id_.partition);
            f.idle_sent = true;
        } else if (!f.idle && f.watermark > f.sent) {
            marker = ops::encode_watermark_marker(id_.partition, f.watermark);
            f.sent = f.watermark;
            f.idle_sent = false;
        } else {
            continue;
        }
        int32_t partitions = io_.partition_count(topic);
        TimeMs now = io_.now();
        for (int32_t p = 0; p < partitions; ++p) {
            io_.send(OutgoingRecord{topic, p, std::nullopt, marker, now});
        }
    }
}

state::KvStore& Task::store(std::string_view name) {
    auto it = stores_.find(name);
    if (it == stores_.end()) {
        // Operators open only the stores their node declared; reaching here is a bug in an
        // operator, and continuing would lose its state silently.
        stream_log.error("task {}: operator asked for undeclared store '{}'", id_.to_string(),
                         name);
        std::abort();
    }
    return *it->second;
}

TimeMs Task::now() const { return io_.now(); }

void Task::send(const OutgoingRecord& record) { io_.send(record); }

int32_t Task::partition_count(std::string_view topic) { return io_.partition_count(topic); }

std::string Task::internal_topic(std::string_view suffix) const {
    return io_.internal_topic(suffix);
}

void Task::forward_watermark(std::string_view topic, TimeMs watermark) {
    auto it = forwards_.find(topic);
    if (it == forwards_.end()) it = forwards_.emplace(std::string(topic), Forward{}).first;
    it->second.watermark = std::max(it->second.watermark, watermark);
}

void Task::bad_record(std::string_view node, std::string_view topic, const RawRecord& record,
                      const Error& error) {
    ++bad_records_;
    io_.bad_record(node, topic, record, error);
}

}  // namespace es::stream
