#include "stream/api/test_driver.h"

#include "stream/api/errc.h"
#include "stream/api/partitioner.h"
#include "stream/state/task_db.h"

#include <fmt/core.h>

#include <algorithm>

namespace es::stream {
namespace {

/// Rounds of commit preparation before the driver gives up on internal records that keep
/// producing more (a cycle would be a bug in a job, not a reason to hang a test).
constexpr int kMaxCommitRounds = 64;

}  // namespace

TestDriver::TestDriver(const Topology& topology, Options options)
    : topology_(topology), options_(std::move(options)), now_(options_.start_time) {}

TestDriver::~TestDriver() {
    tasks_.clear();  // before the databases they write to
    dbs_.clear();
}

Result<std::unique_ptr<TestDriver>> TestDriver::make(const Topology& topology, Options options) {
    if (options.partitions < 1) return Error(Errc::invalid_config, "partitions must be at least 1");
    std::unique_ptr<TestDriver> driver(new TestDriver(topology, std::move(options)));
    ES_CHECK(driver->open_tasks());
    return driver;
}

Status TestDriver::open_tasks() {
    for (const SubTopology& sub : topology_.subtopologies()) {
        for (int32_t p = 0; p < options_.partitions; ++p) {
            TaskId id{sub.id, p};
            ES_TRY(auto db, state::TaskDb::open(options_.state_dir / id.to_string()));
            ES_TRY(auto task, Task::make(topology_, id, *db, *this));
            dbs_[id] = std::move(db);
            tasks_[id] = std::move(task);
        }
    }
    return ok_status();
}

std::string TestDriver::internal_topic(std::string_view suffix) const {
    return fmt::format("{}-{}", options_.application_id, suffix);
}

Status TestDriver::pipe(std::string_view topic, std::optional<std::string_view> key,
                        std::optional<std::string_view> value, TimeMs timestamp,
                        std::optional<int32_t> partition) {
    CapturedRecord r;
    r.topic = std::string(topic);
    r.partition = partition ? *partition : (key ? partition_for_key(*key, options_.partitions) : 0);
    if (r.partition < 0 || r.partition >= options_.partitions) {
        return Error(Errc::invalid_config,
                     fmt::format("no partition {} of {}", r.partition, topic));
    }
    if (key) r.key = std::string(*key);
    if (value) r.value = std::string(*value);
    r.timestamp = timestamp;
    ES_CHECK(deliver(r));
    ES_CHECK(drain());
    if (options_.commit_each_record) return commit();
    return health();
}

Status TestDriver::deliver(const CapturedRecord& r) {
    RawRecord raw;
    if (r.key) raw.key = *r.key;
    if (r.value) raw.value = *r.value;
    raw.timestamp = r.timestamp;
    raw.partition = r.partition;
    for (auto& [id, task] : tasks_) {
        if (id.partition != r.partition) continue;
        const auto& inputs = task->input_topics();
        if (std::find(inputs.begin(), inputs.end(), r.topic) == inputs.end()) continue;
        task->process(r.topic, raw);
    }
    return ok_status();
}

Status TestDriver::drain() {
    while (!internal_.empty()) {
        CapturedRecord r = std::move(internal_.front());
        internal_.pop_front();
        ES_CHECK(deliver(r));
    }
    return ok_status();
}

Status TestDriver::advance_time(TimeMs now) {
    now_ = std::max(now_, now);
    for (auto& [id, task] : tasks_) task->punctuate();
    ES_CHECK(drain());
    return health();
}

Status TestDriver::commit() {
    for (int round = 0;; ++round) {
        if (round == kMaxCommitRounds) {
            return Error(Errc::invalid_topology, "internal records keep flowing at commit");
        }
        for (auto& [id, task] : tasks_) task->prepare_commit();
        if (internal_.empty()) break;
        ES_CHECK(drain());
    }
    for (auto& [id, db] : dbs_) ES_CHECK(db->commit({}));
    return ok_status();
}

Status TestDriver::restart() {
    ES_CHECK(commit());
    tasks_.clear();
    dbs_.clear();
    return open_tasks();
}

Status TestDriver::health() const {
    for (const auto& [id, db] : dbs_) ES_CHECK(db->health());
    return ok_status();
}

std::vector<CapturedRecord> TestDriver::take(std::string_view topic) {
    auto it = outputs_.find(topic);
    if (it == outputs_.end()) return {};
    return std::exchange(it->second, {});
}

void TestDriver::send(const OutgoingRecord& record) {
    CapturedRecord r;
    r.topic = std::string(record.topic);
    if (record.key) r.key = std::string(*record.key);
    if (record.value) r.value = std::string(*record.value);
    r.timestamp = record.timestamp;
    r.partition = record.partition
                      ? *record.partition
                      : (record.key ? partition_for_key(*record.key, options_.partitions) : 0);
    bool internal = r.topic.starts_with(options_.application_id + "-");
    if (internal) {
        internal_.push_back(std::move(r));
    } else {
        outputs_[r.topic].push_back(std::move(r));
    }
}

void TestDriver::bad_record(std::string_view, std::string_view topic, const RawRecord& record,
                            const Error& error) {
    CapturedRecord r;
    r.topic = std::string(topic);
    r.partition = record.partition;
    if (record.key) r.key = std::string(*record.key);
    if (record.value) r.value = std::string(*record.value);
    r.timestamp = record.timestamp;
    bad_records_.emplace_back(std::move(r), error.to_string());
}

}  // namespace es::stream
