// The stream processor against `edgestream serve`, as users run it: `edgestream run
// window-count` processes (counting by value, so records cross a repartition topic) killed -9
// at random moments and restarted, once on an empty disk (state restored from the changelogs),
// and several instances sharing one job while a third joins and leaves. In every case the
// read_committed output must equal what an uninterrupted run writes: every window exactly once
// with its exact count.

#include "tests/integration/broker_process.h"
#include "tests/integration/rdkafka_util.h"
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace es::integration {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

/// Short group timeouts so that a killed member's partitions move within a couple of seconds.
constexpr const char* kBrokerConfig = R"(broker:
  group.min.session.timeout.ms: 500
  group.initial.rebalance.delay.ms: 100
  transaction.abort.timed.out.transaction.cleanup.interval.ms: 500
)";

constexpr int kPartitions = 4;
constexpr int kValues = 12;         // distinct values counted
constexpr int64_t kSpacingMs = 2;   // event-time step between records
constexpr int64_t kJitterMs = 300;  // disorder, below the job's out-of-orderness
constexpr int64_t kWindowMs = 1000;

/// One `edgestream run window-count` process.
class JobProcess {
  public:
    JobProcess(std::string brokers, fs::path state_dir, std::string instance,
               std::vector<std::string> extra = {})
        : brokers_(std::move(brokers)),
          state_dir_(std::move(state_dir)),
          instance_(std::move(instance)),
          extra_(std::move(extra)) {
        fs::create_directories(state_dir_);
    }
    ~JobProcess() { kill9(); }

    void start() {
        std::vector<std::string> args = {
            ES_BINARY_PATH, "run", "window-count", "--brokers", brokers_, "--state-dir",
            state_dir_.string(), "--instance-id", instance_, "--commit-interval-ms", "100",
            // One member per instance: the tests count on
            // every instance getting tasks of 4 partitions.
            "--threads", "1", "-p", "input=in", "-p", "output=out", "-p", "by=value", "-p",
            "window=1s", "-p", "out-of-orderness=500ms", "-X", "session.timeout.ms=1500", "-X",
            "heartbeat.interval.ms=300"};
        args.insert(args.end(), extra_.begin(), extra_.end());
        pid_ = spawn_logged(std::move(args), (state_dir_ / "job.log").string());
    }
    void kill9() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }
    /// SIGTERM: commit and leave the group. Returns the exit code.
    int stop() {
        if (pid_ <= 0) return -1;
        ::kill(pid_, SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::string log() const {
        std::ifstream in(state_dir_ / "job.log");
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }
    const fs::path& state_dir() const { return state_dir_; }

  private:
    std::string brokers_;
    fs::path state_dir_;
    std::string instance_;
    std::vector<std::string> extra_;
    pid_t pid_ = -1;
};

using WindowKey = std::pair<std::string, int64_t>;  // value, window start

class StreamJobTest : public ::testing::Test {
  protected:
    StreamJobTest() : broker_(kBrokerConfig) {}

    void SetUp() override {
        ASSERT_TRUE(broker_.start()) << broker_.log();
        for (const char* topic : {"in", "out", "out-late"}) {
            ASSERT_EQ(create_topic(broker_.brokers(), topic, kPartitions),
                      RD_KAFKA_RESP_ERR_NO_ERROR);
        }
        dir_ = fs::path(broker_.data_dir()) / "jobs";
    }
    void TearDown() override {
        if (HasFailure())
            std::printf("--- serve.log (tail) ---\n%s\n", tail(broker_.log()).c_str());
    }

    static std::string tail(const std::string& s, size_t n = 6000) {
        return s.size() > n ? s.substr(s.size() - n) : s;
    }

    /// Sends `count` records over `duration`, spread over the partitions, with event times that
    /// advance by kSpacingMs with up to kJitterMs of disorder, then one far-future record per
    /// partition so that every window the data touched closes. Fills expected_.
    void produce(int count, std::chrono::milliseconds duration) {
        Producer producer(broker_.brokers(), {{"enable.idempotence", "true"}, {"linger.ms", "5"}});
        std::mt19937 rng(42);
        std::uniform_int_distribution<int64_t> jitter(0, kJitterMs);
        std::uniform_int_distribution<int> value(0, kValues - 1);
        int64_t base = 1'700'000'000'000;  // a fixed epoch keeps windows the same on every run
        auto started = Clock::now();
        int64_t last = base;
        for (int i = 0; i < count; ++i) {
            int64_t ts = base + i * kSpacingMs - jitter(rng);
            last = std::max(last, ts);
            std::string v = "v" + std::to_string(value(rng));
            ASSERT_EQ(producer.send("in", i % kPartitions, v, "k" + std::to_string(i), nullptr, ts),
                      RD_KAFKA_RESP_ERR_NO_ERROR);
            expected_[{v, ts - ((ts % kWindowMs) + kWindowMs) % kWindowMs}]++;
            if (i % 500 == 0) {
                producer.poll(0);
                std::this_thread::sleep_until(started + duration * i / count);
            }
        }
        for (int p = 0; p < kPartitions; ++p) {
            ASSERT_EQ(producer.send("in", p, "flush", "flush", nullptr, last + 10 * kWindowMs),
                      RD_KAFKA_RESP_ERR_NO_ERROR);
        }
        ASSERT_EQ(producer.flush(30000), RD_KAFKA_RESP_ERR_NO_ERROR);
        ASSERT_EQ(producer.deliveries.failed, 0u);
        produced_ = true;
    }

    /// The job's committed output: per (value, window start), how many results and the last count.
    struct Output {
        std::map<WindowKey, int> times;
        std::map<WindowKey, int64_t> count;
        size_t late = 0;
    };
    Output read_output() {
        Output out;
        std::map<std::string, std::string> rc{{"isolation.level", "read_committed"}};
        for (int p = 0; p < kPartitions; ++p) {
            for (const auto& r : consume(broker_.brokers(), "out", p, RD_KAFKA_OFFSET_BEGINNING,
                                         1'000'000, 3000, rc, true)) {
                auto doc = nlohmann::json::parse(r.value.value_or(""), nullptr, false);
                if (doc.is_discarded()) continue;
                WindowKey k{doc.value("key", ""), doc.value("start", int64_t{0})};
                if (k.first == "flush") continue;
                out.times[k]++;
                out.count[k] = doc.value("count", int64_t{0});
            }
            out.late += consume(broker_.brokers(), "out-late", p, RD_KAFKA_OFFSET_BEGINNING,
                                1'000'000, 3000, rc, true)
                            .size();
        }
        return out;
    }

    void wait_for_some_output(std::chrono::seconds limit) {
        auto deadline = Clock::now() + limit;
        while (Clock::now() < deadline && read_output().times.empty())
            std::this_thread::sleep_for(200ms);
    }

    /// Waits until the output has a result for every expected window (or the limit passes).
    Output wait_for_output(std::chrono::seconds limit) {
        auto deadline = Clock::now() + limit;
        Output out;
        while (Clock::now() < deadline) {
            out = read_output();
            if (out.times.size() >= expected_.size()) break;
            std::this_thread::sleep_for(1s);
        }
        return out;
    }

    void expect_exactly_once(const Output& out) {
        int missing = 0, duplicated = 0, wrong = 0, extra = 0;
        for (const auto& [k, n] : expected_) {
            auto it = out.times.find(k);
            if (it == out.times.end()) {
                ++missing;
                continue;
            }
            if (it->second > 1) ++duplicated;
            if (out.count.at(k) != n) ++wrong;
        }
        for (const auto& [k, n] : out.times) extra += expected_.count(k) ? 0 : 1;
        std::printf(
            "checked %zu windows of %d records: %d missing, %d duplicated, %d wrong counts, "
            "%d unexpected, %zu late\n",
            expected_.size(), total(), missing, duplicated, wrong, extra, out.late);
        EXPECT_EQ(missing, 0);
        EXPECT_EQ(duplicated, 0);
        EXPECT_EQ(wrong, 0);
        EXPECT_EQ(extra, 0);
        EXPECT_EQ(out.late, 0u);
    }

    /// True when the log reports an assignment with at least one task.
    static bool had_tasks(const std::string& log) {
        for (size_t at = 0; (at = log.find(" tasks after assignment", at)) != std::string::npos;
             ++at) {
            size_t start = log.rfind(' ', at - 1);
            if (start != std::string::npos && log.substr(start + 1, at - start - 1) != "0")
                return true;
        }
        return false;
    }

    /// Waits until the job's log reports its n-th assignment (each start logs one).
    static void wait_for_assignments(const JobProcess& job, int n, std::chrono::seconds limit) {
        auto deadline = Clock::now() + limit;
        while (Clock::now() < deadline) {
            std::string log = job.log();
            int seen = 0;
            for (size_t at = 0; (at = log.find("tasks after assignment", at)) != std::string::npos;
                 ++at)
                ++seen;
            if (seen >= n) return;
            std::this_thread::sleep_for(50ms);
        }
        ADD_FAILURE() << "the job got no assignment within " << limit.count() << " s:\n"
                      << tail(job.log());
    }

    int total() const {
        int n = 0;
        for (const auto& [k, c] : expected_) n += static_cast<int>(c);
        return n;
    }

    BrokerProcess broker_;
    fs::path dir_;
    std::map<WindowKey, int64_t> expected_;
    std::atomic<bool> produced_{false};
};

TEST_F(StreamJobTest, KilledAndRestartedJobWritesTheUninterruptedOutput) {
    JobProcess job(broker_.brokers(), dir_ / "a", "instance-a");
    job.start();
    std::thread producer([&] { produce(20000, 8s); });
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> pause_ms(200, 1500);
    int kills = 0;
    for (; kills < 4; ++kills) {
        // Kill while it works: after it got its tasks, at a random moment of processing.
        wait_for_assignments(job, kills + 1, 60s);
        if (kills == 2) wait_for_some_output(60s);
        std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng)));
        job.kill9();
        if (kills == 2) {
            // Only once results came out: state was committed, so there is a changelog to replay.
            ASSERT_FALSE(read_output().times.empty());
            // Once on an empty disk: the tasks must rebuild their state from the changelogs.
            fs::remove_all(dir_ / "a" / "window-count");
        }
        job.start();
    }
    producer.join();
    Output out = wait_for_output(120s);
    std::printf("job killed -9 %d times (once with its state wiped)\n", kills);
    expect_exactly_once(out);
    std::string log = job.log();
    EXPECT_NE(log.find("changelog records"), std::string::npos)
        << "no task restored state from a changelog:\n"
        << tail(log);
    if (HasFailure()) std::printf("--- job.log (tail) ---\n%s\n", tail(log).c_str());
    EXPECT_EQ(job.stop(), 0);
}

TEST_F(StreamJobTest, InstancesShareTheJobAndAThirdJoiningAndLeavingLosesNothing) {
    JobProcess a(broker_.brokers(), dir_ / "a", "instance-a");
    JobProcess b(broker_.brokers(), dir_ / "b", "instance-b");
    JobProcess c(broker_.brokers(), dir_ / "c", "instance-c");
    a.start();
    b.start();
    std::thread producer([&] { produce(20000, 9s); });
    std::this_thread::sleep_for(2500ms);
    c.start();  // joins: partitions move to it
    std::this_thread::sleep_for(3000ms);
    EXPECT_EQ(c.stop(), 0);  // leaves cleanly: its partitions move back
    std::this_thread::sleep_for(1500ms);
    EXPECT_EQ(b.stop(), 0);  // a carries on alone
    producer.join();
    Output out = wait_for_output(120s);
    expect_exactly_once(out);
    for (auto* j : {&a, &b, &c}) {
        EXPECT_TRUE(had_tasks(j->log())) << j->state_dir() << " never got a task";
    }
    if (HasFailure()) {
        for (auto* j : {&a, &b, &c}) {
            std::printf("--- %s (tail) ---\n%s\n", j->state_dir().c_str(), tail(j->log()).c_str());
        }
    }
    EXPECT_EQ(a.stop(), 0);
}

TEST_F(StreamJobTest, AtLeastOnceLosesNoWindowAcrossAKill) {
    std::vector<std::string> extra = {"--guarantee", "at_least_once"};
    JobProcess job(broker_.brokers(), dir_ / "alo", "instance-alo", extra);
    job.start();
    std::thread producer([&] { produce(10000, 4s); });
    wait_for_assignments(job, 1, 60s);
    wait_for_some_output(60s);
    job.kill9();
    job.start();
    producer.join();
    Output out = wait_for_output(120s);
    // Work since the last commit is redone: windows may come out twice and counts may include
    // records twice, but none is missing or short.
    int missing = 0, short_counts = 0;
    for (const auto& [k, n] : expected_) {
        auto it = out.count.find(k);
        if (it == out.count.end()) {
            ++missing;
        } else if (it->second < n) {
            ++short_counts;
        }
    }
    std::printf("at-least-once: %zu windows, %d missing, %d short after a kill -9\n",
                expected_.size(), missing, short_counts);
    EXPECT_EQ(missing, 0);
    EXPECT_EQ(short_counts, 0);
    if (HasFailure()) std::printf("--- job.log (tail) ---\n%s\n", tail(job.log()).c_str());
    EXPECT_EQ(job.stop(), 0);
}

TEST_F(StreamJobTest, MetricsAreServedAsPrometheusTextAndPublishedToTheMetricsTopic) {
    uint16_t port = free_port();
    std::vector<std::string> extra = {"--metrics-addr", "127.0.0.1:" + std::to_string(port),
                                      "--metrics-interval-ms", "300"};
    JobProcess job(broker_.brokers(), dir_ / "m", "instance-m", extra);
    job.start();
    produce(2000, 1s);
    Output out = wait_for_output(60s);
    expect_exactly_once(out);
    httplib::Client http("127.0.0.1", port);
    std::string text;
    auto deadline = Clock::now() + 30s;
    while (Clock::now() < deadline) {
        auto res = http.Get("/metrics");
        if (res && res->status == 200) {
            text = res->body;
            // Figures arrive with commits and the lag with the next measurement.
            if (text.find("edgestream_job_consumer_lag{") != std::string::npos &&
                text.find("edgestream_job_records_processed_total{job=\"window-count\"} ") !=
                    std::string::npos) {
                break;
            }
        }
        std::this_thread::sleep_for(200ms);
    }
    for (const char* metric :
         {"edgestream_job_records_processed_total{job=\"window-count\"} ",
          "edgestream_job_commits_total", "edgestream_job_commit_duration_seconds",
          "edgestream_task_watermark_lag_seconds{", "edgestream_task_state_entries{",
          "edgestream_operator_records_in_total{job=\"window-count\",task=\"1_0\",operator="
          "\"counts\"}",
          "edgestream_operator_late_records_total{", "edgestream_job_consumer_lag{"}) {
        EXPECT_NE(text.find(metric), std::string::npos) << "no " << metric << " in:\n" << text;
    }
    auto job_json = http.Get("/v1/job");
    ASSERT_TRUE(job_json && job_json->status == 200);
    auto doc = nlohmann::json::parse(job_json->body, nullptr, false);
    ASSERT_FALSE(doc.is_discarded()) << job_json->body;
    EXPECT_EQ(doc.value("job", ""), "window-count");
    EXPECT_EQ(doc["tasks"].size(), 8u) << job_json->body;
    // Idle after its work, the job's lag reaches 0: its committed offsets pass the transaction
    // markers its own commits left at the end of the repartition topic.
    int64_t lag = -1;
    for (auto idle_deadline = Clock::now() + 20s; Clock::now() < idle_deadline;) {
        auto res = http.Get("/v1/job");
        auto j = res ? nlohmann::json::parse(res->body, nullptr, false) : nlohmann::json();
        lag = j.is_object() ? j.value("consumer_lag", int64_t{-1}) : -1;
        if (lag == 0) break;
        std::this_thread::sleep_for(300ms);
    }
    EXPECT_EQ(lag, 0) << "an idle job's lag";
    std::printf("checked: an idle job reports consumer lag 0\n");
    // The metrics topic holds the same JSON, keyed by application id.
    // The latest records: the job keeps writing, so the partition has no end to wait for.
    auto records =
        consume(broker_.brokers(), "edgestream-job-metrics", 0, RD_KAFKA_OFFSET_TAIL(2), 2, 5000);
    ASSERT_FALSE(records.empty());
    EXPECT_EQ(records.back().key.value_or(""), "window-count");
    auto published = nlohmann::json::parse(records.back().value.value_or(""), nullptr, false);
    ASSERT_FALSE(published.is_discarded());
    EXPECT_GT(published.value("records_processed", 0), 0);
    std::printf("/metrics: %zu bytes; metrics topic: %zu records\n", text.size(), records.size());
    if (HasFailure()) std::printf("--- job.log (tail) ---\n%s\n", tail(job.log()).c_str());
    EXPECT_EQ(job.stop(), 0);
}

}  // namespace
}  // namespace es::integration
