// Unit tests of stream/runtime's pieces that need no Kafka cluster: the job file parser, the
// metrics renderings (checked against the formats their readers expect, not against fixed
// strings), and the job parameters and registry of stream/api that the runtime reads them with.

#include "stream/api/errc.h"
#include "stream/api/job.h"
#include "stream/runtime/config.h"
#include "stream/runtime/metrics.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace es::stream::runtime {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// --- parse_job_file ------------------------------------------------------------------------

constexpr const char* kOrigin = "jobs/clicks.yaml";

Result<JobFile> parse(const std::string& text, JobFile base = {}) {
    return parse_job_file(text, std::move(base), kOrigin);
}

/// The refusal every malformed file must get: invalid_config, naming where and what.
void expect_refused(const std::string& text, const std::string& names) {
    auto r = parse(text);
    ASSERT_FALSE(r.ok()) << "accepted:\n" << text;
    EXPECT_TRUE(r.error().is(Errc::invalid_config)) << r.error().to_string();
    EXPECT_NE(r.error().message().find(kOrigin), std::string::npos) << r.error().message();
    EXPECT_NE(r.error().message().find(names), std::string::npos)
        << "'" << names << "' missing from: " << r.error().message();
}

TEST(JobFile, EveryKeyIsApplied) {
    auto r = parse(R"(
application.id: clicks
bootstrap.servers: 10.0.0.1:9092,10.0.0.2:9092
processing.guarantee: at_least_once
commit.interval.ms: 250
num.stream.threads: 4
state.dir: /var/lib/edgestream/streams
instance.id: host-a
dead.letter.topic: clicks-bad
repartition.partitions: 12
replication.factor: 3
transaction.timeout.ms: 60000
)");
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    const RuntimeConfig& rt = r->runtime;
    EXPECT_EQ(rt.application_id, "clicks");
    EXPECT_EQ(rt.cluster.brokers, "10.0.0.1:9092,10.0.0.2:9092");
    EXPECT_EQ(rt.guarantee, Guarantee::at_least_once);
    EXPECT_EQ(rt.commit_interval, 250ms);
    EXPECT_EQ(rt.threads, 4);
    EXPECT_EQ(rt.state_dir, fs::path("/var/lib/edgestream/streams"));
    EXPECT_EQ(rt.instance_id, "host-a");
    EXPECT_EQ(rt.dead_letter_topic, "clicks-bad");
    EXPECT_EQ(rt.repartition_partitions, 12);
    EXPECT_EQ(rt.replication_factor, 3);
    EXPECT_EQ(rt.transaction_timeout, 60000ms);
}

TEST(JobFile, ParamsAndClientMapsMergeOverTheBase) {
    JobFile base;
    base.params.set("input", "events");
    base.params.set("window", "1min");
    base.runtime.cluster.properties["acks"] = "all";
    auto r = parse(R"(
params:
  window: 5min
  by: value
client:
  security.protocol: plaintext
  linger.ms: 5
)",
                   base);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    std::map<std::string, std::string> params{
        {"input", "events"}, {"window", "5min"}, {"by", "value"}};
    EXPECT_EQ(r->params.values(), params);
    std::map<std::string, std::string> client{
        {"acks", "all"}, {"security.protocol", "plaintext"}, {"linger.ms", "5"}};
    EXPECT_EQ(r->runtime.cluster.properties, client);
}

TEST(JobFile, KeysAbsentFromTheFileKeepTheBaseValues) {
    JobFile base;
    base.runtime.application_id = "window-count";
    base.runtime.threads = 3;
    base.runtime.guarantee = Guarantee::at_least_once;
    auto r = parse("commit.interval.ms: 50\n", base);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->runtime.application_id, "window-count");
    EXPECT_EQ(r->runtime.threads, 3);
    EXPECT_EQ(r->runtime.guarantee, Guarantee::at_least_once);
    EXPECT_EQ(r->runtime.commit_interval, 50ms);
}

TEST(JobFile, ProcessingGuaranteeAcceptsExactlyOnceV2AndAtLeastOnceOnly) {
    JobFile base;
    base.runtime.guarantee = Guarantee::at_least_once;
    EXPECT_EQ(parse("processing.guarantee: exactly_once", base)->runtime.guarantee,
              Guarantee::exactly_once);
    EXPECT_EQ(parse("processing.guarantee: exactly_once_v2", base)->runtime.guarantee,
              Guarantee::exactly_once);
    EXPECT_EQ(parse("processing.guarantee: at_least_once")->runtime.guarantee,
              Guarantee::at_least_once);
    for (const char* bad : {"EXACTLY_ONCE", "at_most_once", "none", "\"\"", "yes"})
        expect_refused(std::string("processing.guarantee: ") + bad, "processing.guarantee");
}

TEST(JobFile, EmptyOrCommentOnlyDocumentReturnsTheBaseUnchanged) {
    JobFile base;
    base.runtime.application_id = "kept";
    base.params.set("window", "1h");
    for (const char* text : {"", "\n\n", "# nothing here\n", "---\n", "~\n"}) {
        auto r = parse(text, base);
        ASSERT_TRUE(r.ok()) << "'" << text << "': " << r.error().to_string();
        EXPECT_EQ(r->runtime.application_id, "kept");
        EXPECT_EQ(r->params.values(), base.params.values());
    }
}

TEST(JobFile, NumbersAtTheirBoundsAreAccepted) {
    auto low = parse(
        "commit.interval.ms: 1\nnum.stream.threads: 1\nrepartition.partitions: 0\n"
        "replication.factor: -1\ntransaction.timeout.ms: 1000\n");
    ASSERT_TRUE(low.ok()) << low.error().to_string();
    EXPECT_EQ(low->runtime.commit_interval, 1ms);
    EXPECT_EQ(low->runtime.replication_factor, -1);
    auto high = parse(
        "commit.interval.ms: 3600000\nnum.stream.threads: 64\nrepartition.partitions: 100000\n"
        "replication.factor: 32\ntransaction.timeout.ms: 900000\n");
    ASSERT_TRUE(high.ok()) << high.error().to_string();
    EXPECT_EQ(high->runtime.threads, 64);
    EXPECT_EQ(high->runtime.transaction_timeout, 900000ms);
}

TEST(JobFile, OutOfRangeNumbersAreRefusedNamingTheKey) {
    expect_refused("commit.interval.ms: 0", "commit.interval.ms");
    expect_refused("commit.interval.ms: 3600001", "commit.interval.ms");
    expect_refused("num.stream.threads: 65", "num.stream.threads");
    expect_refused("num.stream.threads: 0", "num.stream.threads");
    expect_refused("transaction.timeout.ms: 5", "transaction.timeout.ms");
    expect_refused("transaction.timeout.ms: 900001", "transaction.timeout.ms");
    expect_refused("replication.factor: -2", "replication.factor");
    expect_refused("replication.factor: 33", "replication.factor");
    expect_refused("repartition.partitions: -1", "repartition.partitions");
}

TEST(JobFile, NonIntegerNumbersAreRefusedNamingTheKey) {
    for (const char* bad :
         {"1.5", "ten", "0x10", "+5", "5ms", "99999999999999999999", "\"\"", "1e3", "true"}) {
        expect_refused(std::string("commit.interval.ms: ") + bad, "commit.interval.ms");
    }
}

TEST(JobFile, UnknownKeyIsRefusedNamingIt) {
    expect_refused("application.id: a\ncommit.interval: 100\n", "commit.interval");
    // Kafka Streams spells it with an underscore-free key; a typo must not pass silently.
    expect_refused("num.streams.threads: 2", "num.streams.threads");
}

TEST(JobFile, TextThatIsNotYamlIsRefused) {
    expect_refused("application.id: [unclosed", "not valid YAML");
    expect_refused("a: b: c", "not valid YAML");
    expect_refused("\"unterminated", "not valid YAML");
}

TEST(JobFile, TopLevelListOrScalarIsRefused) {
    expect_refused("- application.id: a\n- commit.interval.ms: 5\n", "mapping at the top level");
    expect_refused("just a string", "mapping at the top level");
}

TEST(JobFile, ParamsOrClientGivenAsListAreRefused) {
    expect_refused("params:\n  - window\n  - 5min\n", "params");
    expect_refused("client: [a, b]", "client");
    expect_refused("params: 5min", "params");
}

TEST(JobFile, NestedMapOrListWhereAScalarIsExpectedIsRefusedNamingTheKey) {
    expect_refused("application.id:\n  name: clicks\n", "application.id");
    expect_refused("num.stream.threads: [1, 2]", "num.stream.threads");
    expect_refused("params:\n  window:\n    size: 5min\n", "params.window");
    expect_refused("client:\n  acks: [all]\n", "client.acks");
}

TEST(JobFile, NullValueIsRefusedNamingTheKey) {
    expect_refused("application.id:\n", "application.id");
    expect_refused("params:\n  window: ~\n", "params.window");
}

TEST(JobFile, NonScalarKeyIsRefused) {
    auto r = parse("? [a, b]\n: 1\n");
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(r.error().is(Errc::invalid_config));
    EXPECT_NE(r.error().message().find(kOrigin), std::string::npos);
}

fs::path scratch_dir(const std::string& what) {
    fs::path dir = fs::temp_directory_path() /
                   ("es-runtime-test-" + what + "-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir);
    return dir;
}

TEST(JobFile, LoadOfAMissingFileIsRefusedNamingThePath) {
    fs::path missing = fs::temp_directory_path() / "es-runtime-test-no-such-dir" / "job.yaml";
    auto r = load_job_file(missing, {});
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(r.error().is(Errc::invalid_config));
    EXPECT_NE(r.error().message().find(missing.string()), std::string::npos) << r.error().message();
}

TEST(JobFile, LoadReadsTheFileAndNamesItInErrors) {
    fs::path dir = scratch_dir("load");
    fs::path good = dir / "good.yaml";
    fs::path bad = dir / "bad.yaml";
    std::ofstream(good) << "application.id: from-file\nparams:\n  window: 10s\n";
    std::ofstream(bad) << "num.stream.threads: 65\n";
    auto r = load_job_file(good, {});
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->runtime.application_id, "from-file");
    EXPECT_EQ(r->params.get("window", ""), "10s");
    auto refused = load_job_file(bad, {});
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().message().find(bad.string()), std::string::npos);
    EXPECT_NE(refused.error().message().find("num.stream.threads"), std::string::npos);
    fs::remove_all(dir);
}

// Disabled: load_job_file() opens a directory without error (std::ifstream succeeds on Linux,
// the read then yields nothing), so `--config /some/dir` runs the job with the defaults.
TEST(JobFile, LoadOfADirectoryIsRefused) {
    fs::path dir = scratch_dir("dir");
    auto r = load_job_file(dir, {});
    EXPECT_FALSE(r.ok());
    fs::remove_all(dir);
}

// --- JobMetrics: Prometheus text format ----------------------------------------------------

struct Sample {
    std::string name;
    std::map<std::string, std::string> labels;
    double value = 0;
};

/// A strict reader of the Prometheus text exposition format (0.0.4), enough to catch what a
/// scraper would refuse: samples before their family's HELP and TYPE, a family split in two,
/// bad names, unescaped or unterminated label values, unparsable values, duplicate series.
/// Records the first problem in `error` and returns the samples read until then.
std::vector<Sample> parse_prometheus(const std::string& text, std::string& error) {
    std::vector<Sample> samples;
    auto fail = [&](size_t line_no, const std::string& what) {
        if (error.empty()) error = "line " + std::to_string(line_no) + ": " + what;
    };
    auto name_ok = [](const std::string& n) {
        if (n.empty() || std::isdigit(static_cast<unsigned char>(n[0]))) return false;
        for (char c : n) {
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != ':') return false;
        }
        return true;
    };
    if (!text.empty() && text.back() != '\n') fail(0, "output does not end with a newline");
    std::set<std::string> helped, typed, closed, series;
    std::string current;  // the family whose samples are being read
    size_t line_no = 0;
    size_t start = 0;
    while (start < text.size() && error.empty()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(start, end - start);
        start = end + 1;
        ++line_no;
        if (line.empty()) continue;
        if (line[0] == '#') {
            std::istringstream in(line.substr(1));
            std::string kind, name, rest;
            in >> kind >> name;
            std::getline(in, rest);
            if (kind != "HELP" && kind != "TYPE") continue;  // other comments are free text
            if (!name_ok(name)) fail(line_no, "bad metric name '" + name + "'");
            if (closed.count(name)) fail(line_no, name + " declared after its samples");
            auto& seen = kind == "HELP" ? helped : typed;
            if (!seen.insert(name).second) fail(line_no, kind + " twice for " + name);
            if (kind == "TYPE" && rest != " counter" && rest != " gauge" && rest != " histogram" &&
                rest != " summary" && rest != " untyped") {
                fail(line_no, "unknown type '" + rest + "'");
            }
            continue;
        }
        Sample s;
        size_t i = 0;
        while (i < line.size() && line[i] != '{' && line[i] != ' ') s.name.push_back(line[i++]);
        if (!name_ok(s.name)) fail(line_no, "bad sample name '" + s.name + "'");
        if (!helped.count(s.name) || !typed.count(s.name))
            fail(line_no, s.name + " has a sample before its HELP and TYPE");
        if (s.name != current) {
            if (closed.count(s.name)) fail(line_no, s.name + " is split into two groups");
            if (!current.empty()) closed.insert(current);
            current = s.name;
        }
        if (i < line.size() && line[i] == '{') {
            ++i;
            while (i < line.size() && line[i] != '}' && error.empty()) {
                std::string label;
                while (i < line.size() && line[i] != '=') label.push_back(line[i++]);
                if (!name_ok(label) || label.find(':') != std::string::npos)
                    fail(line_no, "bad label name '" + label + "'");
                if (i + 1 >= line.size() || line[i + 1] != '"') {
                    fail(line_no, "label value is not quoted");
                    break;
                }
                i += 2;
                std::string value;
                bool closed_quote = false;
                while (i < line.size()) {
                    char c = line[i++];
                    if (c == '"') {
                        closed_quote = true;
                        break;
                    }
                    if (c != '\\') {
                        value.push_back(c);
                        continue;
                    }
                    char e = i < line.size() ? line[i++] : '\0';
                    if (e == '\\' || e == '"') {
                        value.push_back(e);
                    } else if (e == 'n') {
                        value.push_back('\n');
                    } else {
                        fail(line_no, std::string("bad escape \\") + e);
                    }
                }
                if (!closed_quote) fail(line_no, "unterminated label value");
                if (!s.labels.emplace(label, value).second) fail(line_no, "label twice: " + label);
                if (i < line.size() && line[i] == ',') ++i;
            }
            if (i >= line.size() || line[i] != '}') fail(line_no, "labels not closed");
            ++i;
        }
        if (i >= line.size() || line[i] != ' ') {
            fail(line_no, "no space before the value");
            break;
        }
        std::string value = line.substr(i + 1);
        if (value.find(' ') != std::string::npos) value = value.substr(0, value.find(' '));
        if (value == "+Inf" || value == "-Inf" || value == "NaN") {
            s.value = std::strtod(value == "NaN" ? "nan" : value.c_str(), nullptr);
        } else {
            char* parsed_end = nullptr;
            s.value = std::strtod(value.c_str(), &parsed_end);
            if (value.empty() || parsed_end != value.c_str() + value.size() ||
                value.find_first_of("iInN") != std::string::npos) {
                fail(line_no, "bad value '" + value + "'");
            }
        }
        std::string key = s.name;
        for (const auto& [k, v] : s.labels) key += "\x1f" + k + "=" + v;
        if (!series.insert(key).second) fail(line_no, "duplicate series " + s.name);
        samples.push_back(std::move(s));
    }
    return samples;
}

std::optional<double> sample_value(const std::vector<Sample>& samples, const std::string& name,
                                   const std::map<std::string, std::string>& labels) {
    for (const Sample& s : samples) {
        if (s.name == name && s.labels == labels) return s.value;
    }
    return std::nullopt;
}

TEST(PrometheusParser, RefusesWhatAScraperWouldRefuse) {
    // The checks below lean on this reader, so it must notice the mistakes they guard against.
    std::string error;
    parse_prometheus("a_total 1\n", error);
    EXPECT_NE(error.find("before its HELP"), std::string::npos) << error;
    error.clear();
    parse_prometheus("# HELP a x\n# TYPE a gauge\na{l=\"x\"y\"} 1\n", error);
    EXPECT_FALSE(error.empty());
    error.clear();
    parse_prometheus("# HELP a x\n# TYPE a gauge\na{l=\"x\"} 1\na{l=\"x\"} 2\n", error);
    EXPECT_NE(error.find("duplicate"), std::string::npos) << error;
    error.clear();
    parse_prometheus("# HELP a x\n# TYPE a gauge\na 1\n# HELP b x\n# TYPE b gauge\nb 1\na 2\n",
                     error);
    EXPECT_NE(error.find("split"), std::string::npos) << error;
    error.clear();
    parse_prometheus("# HELP a x\n# TYPE a gauge\na inf\n", error);
    EXPECT_FALSE(error.empty());
    error.clear();
    auto ok = parse_prometheus("# HELP a x\n# TYPE a gauge\na{l=\"q\\\"b\\\\n\\n\"} 2.5\n", error);
    ASSERT_TRUE(error.empty()) << error;
    ASSERT_EQ(ok.size(), 1u);
    EXPECT_EQ(ok[0].labels.at("l"), "q\"b\\n\n");
    EXPECT_EQ(ok[0].value, 2.5);
}

TEST(JobMetrics, RecordCommitCountsAndKeepsTheLastAndTheLongest) {
    JobMetrics m("job");
    for (int64_t us : {5000, 3000, 9000, 7000}) m.record_commit(us);
    EXPECT_EQ(m.commits.load(), 4u);
    EXPECT_EQ(m.last_commit_us.load(), 7000);
    EXPECT_EQ(m.max_commit_us.load(), 9000);
}

TEST(JobMetrics, PrometheusOfAFreshJobIsValidWithEveryJobCounterAtZero) {
    JobMetrics m("window-count");
    std::string error;
    auto samples = parse_prometheus(m.prometheus(1000), error);
    ASSERT_TRUE(error.empty()) << error << "\n" << m.prometheus(1000);
    for (const char* name :
         {"edgestream_job_records_processed_total", "edgestream_job_records_sent_total",
          "edgestream_job_bad_records_total", "edgestream_job_commits_total",
          "edgestream_job_aborts_total", "edgestream_job_rebalances_total",
          "edgestream_job_restored_records_total", "edgestream_job_thread_restarts_total",
          "edgestream_job_commit_duration_seconds", "edgestream_job_commit_duration_max_seconds",
          "edgestream_job_processing_lag_seconds"}) {
        EXPECT_EQ(sample_value(samples, name, {{"job", "window-count"}}), 0.0) << name;
    }
}

std::vector<TaskFigures> two_tasks() {
    TaskFigures a;
    a.task = "0_0";
    a.watermark = 58'000;
    a.state_entries = 12;
    a.state_bytes = 4096;
    a.operators = {{"source-0", 100, 100, 0, 0}, {"counts", 100, 7, 3, 0}};
    TaskFigures b;
    b.task = "1_0";  // no watermark yet: no lag sample, but state figures
    b.operators = {{"dedup", 5, 4, 0, 1}};
    return {a, b};
}

TEST(JobMetrics, PrometheusCarriesCountersTaskAndOperatorFigures) {
    JobMetrics m("window-count");
    m.records_processed = 100;
    m.records_sent = 9;
    m.bad_records = 2;
    m.rebalances = 1;
    m.lag_ms_sum = 3000;
    m.lag_samples = 2;
    m.record_commit(250'000);
    m.publish("window-count-host-0", two_tasks());
    std::string text = m.prometheus(60'000);
    std::string error;
    auto samples = parse_prometheus(text, error);
    ASSERT_TRUE(error.empty()) << error << "\n" << text;
    const std::map<std::string, std::string> job{{"job", "window-count"}};
    EXPECT_EQ(sample_value(samples, "edgestream_job_records_processed_total", job), 100.0);
    EXPECT_EQ(sample_value(samples, "edgestream_job_records_sent_total", job), 9.0);
    EXPECT_EQ(sample_value(samples, "edgestream_job_bad_records_total", job), 2.0);
    EXPECT_EQ(sample_value(samples, "edgestream_job_commits_total", job), 1.0);
    EXPECT_EQ(sample_value(samples, "edgestream_job_commit_duration_seconds", job), 0.25);
    EXPECT_EQ(sample_value(samples, "edgestream_job_commit_duration_max_seconds", job), 0.25);
    EXPECT_EQ(sample_value(samples, "edgestream_job_processing_lag_seconds", job), 1.5);
    auto task = [](const char* t) {
        return std::map<std::string, std::string>{{"job", "window-count"}, {"task", t}};
    };
    EXPECT_EQ(sample_value(samples, "edgestream_task_watermark_lag_seconds", task("0_0")), 2.0);
    EXPECT_FALSE(sample_value(samples, "edgestream_task_watermark_lag_seconds", task("1_0")));
    EXPECT_EQ(sample_value(samples, "edgestream_task_state_entries", task("0_0")), 12.0);
    EXPECT_EQ(sample_value(samples, "edgestream_task_state_bytes", task("0_0")), 4096.0);
    EXPECT_EQ(sample_value(samples, "edgestream_task_state_entries", task("1_0")), 0.0);
    auto op = [](const char* t, const char* node) {
        return std::map<std::string, std::string>{
            {"job", "window-count"}, {"task", t}, {"operator", node}};
    };
    EXPECT_EQ(sample_value(samples, "edgestream_operator_records_in_total", op("0_0", "counts")),
              100.0);
    EXPECT_EQ(sample_value(samples, "edgestream_operator_records_out_total", op("0_0", "counts")),
              7.0);
    EXPECT_EQ(sample_value(samples, "edgestream_operator_late_records_total", op("0_0", "counts")),
              3.0);
    EXPECT_EQ(
        sample_value(samples, "edgestream_operator_dropped_records_total", op("1_0", "dedup")),
        1.0);
}

TEST(JobMetrics, PublishReplacesAThreadsTasksAndForgetRemovesThem) {
    JobMetrics m("j");
    m.publish("t0", two_tasks());
    TaskFigures other;
    other.task = "0_1";
    m.publish("t1", {other});
    auto tasks_in_json = [&] {
        std::set<std::string> out;
        nlohmann::json j = nlohmann::json::parse(m.json(0));
        for (const auto& t : j["tasks"]) out.insert(t["task"].get<std::string>());
        return out;
    };
    EXPECT_EQ(tasks_in_json(), (std::set<std::string>{"0_0", "1_0", "0_1"}));
    TaskFigures kept;
    kept.task = "0_0";
    m.publish("t0", {kept});
    EXPECT_EQ(tasks_in_json(), (std::set<std::string>{"0_0", "0_1"}));
    m.forget("t0");
    EXPECT_EQ(tasks_in_json(), (std::set<std::string>{"0_1"}));
    m.forget("t1");
    m.forget("never-published");
    EXPECT_TRUE(tasks_in_json().empty());
    std::string error;
    auto samples = parse_prometheus(m.prometheus(0), error);
    ASSERT_TRUE(error.empty()) << error;
    for (const Sample& s : samples) EXPECT_EQ(s.labels.count("task"), 0u) << s.name;
}

/// Names a scraper and a JSON reader must get back byte for byte.
const std::string kHostile = std::string("a\"b\\c\nd\te\x01\x1f\x7f'{}=,") + "\r" + "end";

TEST(JobMetrics, PrometheusStaysValidWithHostileJobAndOperatorNames) {
    JobMetrics m(kHostile);
    TaskFigures t;
    t.task = "0_0";
    t.watermark = 0;
    t.operators = {{kHostile, 1, 1, 0, 0}, {"\\", 2, 2, 0, 0}, {"\"", 3, 3, 0, 0}};
    m.publish("thread", {t});
    std::string text = m.prometheus(1000);
    std::string error;
    auto samples = parse_prometheus(text, error);
    ASSERT_TRUE(error.empty()) << error << "\n" << text;
    EXPECT_EQ(sample_value(samples, "edgestream_job_commits_total", {{"job", kHostile}}), 0.0);
    auto op = [](const std::string& node) {
        return std::map<std::string, std::string>{
            {"job", kHostile}, {"task", "0_0"}, {"operator", node}};
    };
    EXPECT_EQ(sample_value(samples, "edgestream_operator_records_in_total", op(kHostile)), 1.0);
    EXPECT_EQ(sample_value(samples, "edgestream_operator_records_in_total", op("\\")), 2.0);
    EXPECT_EQ(sample_value(samples, "edgestream_operator_records_in_total", op("\"")), 3.0);
}

// --- JobMetrics: JSON ----------------------------------------------------------------------

TEST(JobMetrics, JsonHasTheJobFiguresAndEveryTaskWithItsOperators) {
    JobMetrics m("window-count");
    m.records_processed = 100;
    m.records_sent = 9;
    m.bad_records = 2;
    m.aborts = 1;
    m.rebalances = 3;
    m.restored_records = 40;
    m.record_commit(1200);
    m.record_commit(800);
    m.publish("window-count-host-0", two_tasks());
    m.processing_lag.observe_ns(500'000'000);
    m.processing_lag.observe_ns(20'000'000'000);
    m.processing_lag.observe_ns(400'000'000'000);
    nlohmann::json j = nlohmann::json::parse(m.json(60'000));
    EXPECT_EQ(j["job"], "window-count");
    EXPECT_EQ(j["time"], 60'000);
    EXPECT_EQ(j["records_processed"], 100);
    EXPECT_EQ(j["records_sent"], 9);
    EXPECT_EQ(j["bad_records"], 2);
    EXPECT_EQ(j["commits"], 2);
    EXPECT_EQ(j["aborts"], 1);
    EXPECT_EQ(j["rebalances"], 3);
    EXPECT_EQ(j["restored_records"], 40);
    EXPECT_EQ(j["last_commit_us"], 800);
    EXPECT_EQ(j["max_commit_us"], 1200);
    ASSERT_EQ(j["tasks"].size(), 2u);
    // The processing lag's cumulative buckets, then the count.
    ASSERT_EQ(j["lag_histogram"].size(), LatencyHistogram::kBuckets + 1);
    EXPECT_EQ(j["lag_histogram"][LatencyHistogram::kBuckets], 3);
    EXPECT_EQ(j["lag_histogram"][12], 1);  // 0.5 s: at or below the 1 s bound
    EXPECT_EQ(j["lag_histogram"][16], 2);  // and 20 s: at or below 30 s; 400 s only in the count
    const nlohmann::json& a = j["tasks"][0];
    EXPECT_EQ(a["task"], "0_0");
    EXPECT_EQ(a["thread"], "window-count-host-0");
    EXPECT_EQ(a["watermark"], 58'000);
    EXPECT_EQ(a["state_entries"], 12);
    EXPECT_EQ(a["state_bytes"], 4096);
    ASSERT_EQ(a["operators"].size(), 2u);
    EXPECT_EQ(a["operators"][1],
              nlohmann::json::parse(R"({"node":"counts","in":100,"out":7,"late":3,"dropped":0})"));
}

TEST(JobMetrics, JsonRendersAnUnsetWatermarkAsNull) {
    JobMetrics m("j");
    m.publish("t", two_tasks());
    nlohmann::json j = nlohmann::json::parse(m.json(0));
    ASSERT_EQ(j["tasks"].size(), 2u);
    EXPECT_TRUE(j["tasks"][1]["watermark"].is_null()) << j.dump();
    EXPECT_TRUE(j["tasks"][1]["operators"].is_array());
}

TEST(JobMetrics, JsonOfAFreshJobHasAnEmptyTaskList) {
    JobMetrics m("j");
    nlohmann::json j = nlohmann::json::parse(m.json(5));
    EXPECT_TRUE(j["tasks"].is_array());
    EXPECT_TRUE(j["tasks"].empty());
    EXPECT_EQ(j["commits"], 0);
}

TEST(JobMetrics, JsonStaysValidAndExactWithHostileNames) {
    JobMetrics m(kHostile);
    TaskFigures t;
    t.task = kHostile;
    t.operators = {{kHostile, 1, 0, 0, 0}};
    m.publish(kHostile, {t});
    std::string text = m.json(0);
    nlohmann::json j;
    ASSERT_NO_THROW(j = nlohmann::json::parse(text)) << text;
    EXPECT_EQ(j["job"], kHostile);
    EXPECT_EQ(j["tasks"][0]["task"], kHostile);
    EXPECT_EQ(j["tasks"][0]["thread"], kHostile);
    EXPECT_EQ(j["tasks"][0]["operators"][0]["node"], kHostile);
}

// --- JobParams, parse_duration, JobRegistry (stream/api, read by the runtime) --------------

TEST(ParseDuration, EveryUnitScalesToMilliseconds) {
    EXPECT_EQ(*parse_duration("500ms"), 500ms);
    EXPECT_EQ(*parse_duration("10s"), 10s);
    EXPECT_EQ(*parse_duration("5min"), 5min);
    EXPECT_EQ(*parse_duration("5m"), 5min);
    EXPECT_EQ(*parse_duration("2h"), 2h);
    EXPECT_EQ(*parse_duration("7d"), std::chrono::hours(7 * 24));
    EXPECT_EQ(*parse_duration("0s"), 0ms);
}

TEST(ParseDuration, BareIntegerIsMilliseconds) {
    EXPECT_EQ(*parse_duration("250"), 250ms);
    EXPECT_EQ(*parse_duration("0"), 0ms);
}

TEST(ParseDuration, NegativeEmptyOrNonNumericIsRefused) {
    for (const char* bad : {"-5s", "-1", "", "s", "abc", " 5s", "+5s"}) {
        auto r = parse_duration(bad);
        ASSERT_FALSE(r.ok()) << "'" << bad << "'";
        EXPECT_TRUE(r.error().is(Errc::invalid_config));
    }
}

TEST(ParseDuration, UnknownUnitIsRefusedNamingIt) {
    for (const char* bad : {"5x", "5 s", "5sec", "1.5s", "5S", "5ms5", "10us"}) {
        auto r = parse_duration(bad);
        ASSERT_FALSE(r.ok()) << "'" << bad << "'";
        EXPECT_TRUE(r.error().is(Errc::invalid_config));
        EXPECT_NE(r.error().message().find("unit"), std::string::npos) << r.error().message();
    }
}

TEST(ParseDuration, OverflowIsRefusedAndTheLargestValueIsAccepted) {
    // INT64_MAX / 86'400'000 days is the most that fits in int64 milliseconds.
    EXPECT_EQ(parse_duration("106751991167d")->count(), int64_t{106751991167} * 86'400'000);
    EXPECT_FALSE(parse_duration("106751991168d").ok());
    EXPECT_FALSE(parse_duration("9223372036854775807s").ok());
    EXPECT_EQ(parse_duration("9223372036854775807")->count(), INT64_MAX);
    EXPECT_FALSE(parse_duration("9223372036854775808").ok());
    EXPECT_FALSE(parse_duration("99999999999999999999999ms").ok());
}

TEST(JobParams, GetReturnsTheValueOrTheFallback) {
    JobParams p(std::map<std::string, std::string>{{"input", "clicks"}});
    EXPECT_EQ(p.get("input", "events"), "clicks");
    EXPECT_EQ(p.get("output", "events-counts"), "events-counts");
    EXPECT_TRUE(p.has("input"));
    EXPECT_FALSE(p.has("output"));
    p.set("input", "views");
    EXPECT_EQ(p.get("input", ""), "views");
}

TEST(JobParams, GetIntChecksSyntaxAndRangeNamingTheParameter) {
    JobParams p(std::map<std::string, std::string>{
        {"n", "12"}, {"bad", "12x"}, {"big", "99999999999999999999"}, {"neg", "-3"}});
    EXPECT_EQ(*p.get_int("n", 0), 12);
    EXPECT_EQ(*p.get_int("absent", 7), 7);
    EXPECT_EQ(*p.get_int("neg", 0), -3);
    for (auto r : {p.get_int("bad", 0), p.get_int("big", 0), p.get_int("n", 0, 0, 10),
                   p.get_int("neg", 0, 0)}) {
        ASSERT_FALSE(r.ok());
        EXPECT_TRUE(r.error().is(Errc::invalid_config));
        EXPECT_NE(r.error().message().find("parameter "), std::string::npos);
    }
    EXPECT_NE(p.get_int("bad", 0).error().message().find("bad"), std::string::npos);
}

TEST(JobParams, GetDurationNamesTheParameterInItsError) {
    JobParams p(std::map<std::string, std::string>{{"window", "5min"}, {"lateness", "abc"}});
    EXPECT_EQ(*p.get_duration("window", 1s), 5min);
    EXPECT_EQ(*p.get_duration("absent", 1s), 1s);
    auto r = p.get_duration("lateness", 0ms);
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(r.error().is(Errc::invalid_config));
    EXPECT_NE(r.error().message().find("lateness"), std::string::npos) << r.error().message();
}

JobInfo job_named(const std::string& name) {
    return JobInfo{name, "test job", {}, [](const JobParams&) -> Result<Topology> {
                       return Error(Errc::invalid_topology, "not built in this test");
                   }};
}

TEST(JobRegistry, AddingTheSameNameTwiceIsRefused) {
    JobRegistry registry;
    ASSERT_TRUE(registry.add(job_named("window-count")).ok());
    Status again = registry.add(job_named("window-count"));
    ASSERT_FALSE(again.ok());
    EXPECT_TRUE(again.error().is(Errc::invalid_config));
    EXPECT_NE(again.error().message().find("window-count"), std::string::npos);
    EXPECT_EQ(registry.list().size(), 1u);
}

TEST(JobRegistry, FindReturnsTheJobAndListIsSortedByName) {
    JobRegistry registry;
    ASSERT_TRUE(registry.add(job_named("b-job")).ok());
    ASSERT_TRUE(registry.add(job_named("a-job")).ok());
    auto found = registry.find("b-job");
    ASSERT_TRUE(found.ok());
    EXPECT_EQ((*found)->name, "b-job");
    auto list = registry.list();
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0]->name, "a-job");
    EXPECT_EQ(list[1]->name, "b-job");
}

TEST(JobRegistry, UnknownJobIsRefusedListingTheKnownNames) {
    JobRegistry registry;
    ASSERT_TRUE(registry.add(job_named("window-count")).ok());
    ASSERT_TRUE(registry.add(job_named("dedup")).ok());
    auto r = registry.find("windowcount");
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(r.error().is(Errc::unknown_job));
    EXPECT_NE(r.error().message().find("windowcount"), std::string::npos);
    EXPECT_NE(r.error().message().find("dedup, window-count"), std::string::npos)
        << r.error().message();
    EXPECT_TRUE(JobRegistry().find("x").error().is(Errc::unknown_job));
}

}  // namespace
}  // namespace es::stream::runtime
