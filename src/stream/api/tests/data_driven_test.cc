// Runs every tests/data/stream/*.test file through the TestDriver: a header picks and
// parameterizes a small job, then `>` lines feed it and `<` lines state what it must have
// written by then, in order. See tests/data/stream/README.md for the format.

#include "stream/api/builder.h"
#include "stream/api/test_driver.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace es::stream {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct Params {
    std::string kind;  // window | session | rekey
    std::map<std::string, int64_t> values;
    std::string agg = "sum";

    int64_t get(const std::string& name, int64_t fallback = 0) const {
        auto it = values.find(name);
        return it == values.end() ? fallback : it->second;
    }
};

int64_t to_int(const std::string& s) { return std::stoll(s); }

std::string text_of(const Windowed<std::string>& w) {
    return w.key + "@" + std::to_string(w.window.start) + "-" + std::to_string(w.window.end);
}

/// Sends a window result to "out" as text, and the late records to "late".
template <class V>
void window_outputs(const WindowResult<std::string, V, int64_t>& result) {
    result
        .map([](const Windowed<std::string>& w, const int64_t& v) {
            return std::pair<std::string, std::string>(text_of(w), std::to_string(v));
        })
        .to("out");
    result.late_records()
        .map_values([](const V& v) {
            if constexpr (std::is_same_v<V, std::string>) {
                return v;
            } else {
                return std::to_string(v);
            }
        })
        .to("late");
}

Result<Topology> make_topology(const Params& p) {
    StreamBuilder b("data-driven");
    SourceOptions<std::string> options;
    options.max_out_of_orderness = std::chrono::milliseconds(p.get("ooo"));
    if (p.values.count("idle")) options.idle_timeout = std::chrono::milliseconds(p.get("idle"));
    auto in = b.source<std::string, std::string>("in", options);
    auto lateness = std::chrono::milliseconds(p.get("lateness"));
    if (p.kind == "window" || p.kind == "session") {
        WindowSpec spec;
        if (p.kind == "session") {
            spec = SessionWindows::with_gap(std::chrono::milliseconds(p.get("gap")));
        } else if (p.values.count("advance")) {
            spec = HoppingWindows::of(std::chrono::milliseconds(p.get("size")),
                                      std::chrono::milliseconds(p.get("advance")));
        } else {
            spec = TumblingWindows::of(std::chrono::milliseconds(p.get("size")));
        }
        spec.with_allowed_lateness(lateness);
        auto numbers = in.map_values(to_int);
        if (p.agg == "count") {
            window_outputs(numbers.window(spec, "w").count());
        } else {
            window_outputs(numbers.window(spec, "w").aggregate(
                [] { return int64_t{0}; }, [](int64_t v, int64_t acc) { return acc + v; },
                [](int64_t x, int64_t y) { return x + y; }));
        }
    } else if (p.kind == "rekey") {
        // The value names the new key: records move through a repartition topic, and the
        // window downstream runs on the in-band watermark.
        auto spec = TumblingWindows::of(std::chrono::milliseconds(p.get("size")));
        spec.with_allowed_lateness(lateness);
        window_outputs(in.key_by([](const std::string& v) { return v; }).window(spec, "w").count());
    } else if (p.kind == "interval") {
        auto right = b.source<std::string, std::string>("right", options);
        auto joined = in.interval_join(
            right, std::chrono::milliseconds(p.get("lower")),
            std::chrono::milliseconds(p.get("upper")),
            [](const std::string&, const std::string& l, const std::string& r) {
                return l + "," + r;
            },
            "j");
        joined.to("out");
        joined.late_left().map_values([](const std::string& v) { return "L:" + v; }).to("late");
        joined.late_right().map_values([](const std::string& v) { return "R:" + v; }).to("late");
    } else if (p.kind == "table") {
        auto table = b.table<std::string, std::string>("tab", "t");
        in.left_join(table, [](const std::string& v, const std::optional<std::string>& row) {
              return v + ":" + row.value_or("none");
          }).to("out");
    } else if (p.kind == "dedup") {
        // The value's text before '/' is the event id.
        auto unique = in.deduplicate([](const std::string& v) { return v.substr(0, v.find('/')); },
                                     std::chrono::milliseconds(p.get("within")), "d");
        unique.to("out");
        unique.late_records().to("late");
    } else {
        return Error(Errc::invalid_config, "unknown topology kind '" + p.kind + "'");
    }
    return b.build();
}

struct Step {
    int line = 0;
    bool input = false;
    std::vector<std::string> words;
};

struct Case {
    std::string name;
    Params params;
    int32_t partitions = 1;
    std::vector<Step> steps;
};

std::vector<std::string> split(const std::string& line) {
    std::istringstream in(line);
    std::vector<std::string> out;
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

Case parse(const fs::path& file) {
    Case c;
    c.name = file.stem().string();
    std::ifstream in(file);
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
        auto words = split(line);
        if (words.empty() || words[0][0] == '#') continue;
        if (words[0] == "topology") {
            c.params.kind = words.at(1);
            for (size_t i = 2; i < words.size(); ++i) {
                auto eq = words[i].find('=');
                std::string k = words[i].substr(0, eq);
                std::string v = words[i].substr(eq + 1);
                if (k == "agg") {
                    c.params.agg = v;
                } else if (k == "partitions") {
                    c.partitions = static_cast<int32_t>(to_int(v));
                } else {
                    c.params.values[k] = to_int(v);
                }
            }
        } else if (words[0] == ">" || words[0] == "<") {
            Step s{n, words[0] == ">", {words.begin() + 1, words.end()}};
            c.steps.push_back(std::move(s));
        } else {
            ADD_FAILURE() << file << ":" << n << ": cannot read '" << line << "'";
        }
    }
    return c;
}

fs::path data_dir() { return fs::path(ES_SOURCE_DIR) / "tests" / "data" / "stream"; }

std::vector<fs::path> case_files() {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(data_dir())) {
        if (e.path().extension() == ".test") out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

class DataDriven : public testing::TestWithParam<fs::path> {};

TEST_P(DataDriven, OutputMatchesTheExpectedLinesAfterEachInput) {
    Case c = parse(GetParam());
    auto topology = make_topology(c.params);
    ASSERT_TRUE(topology.ok()) << topology.error().to_string();
    fs::path dir = fs::temp_directory_path() /
                   ("es-stream-dd-" + c.name + "-" + std::to_string(std::random_device{}()));
    TestDriver::Options options;
    options.state_dir = dir;
    options.partitions = c.partitions;
    {
        auto driver = TestDriver::make(*topology, options);
        ASSERT_TRUE(driver.ok()) << driver.error().to_string();
        std::vector<std::string> produced;  // "topic key value ts", in order
        size_t checked = 0;
        bool sorted = c.params.get("sort") != 0;
        auto collect = [&] {
            size_t first = produced.size();
            for (const char* topic : {"out", "late"}) {
                for (auto& r : (*driver)->take(topic)) {
                    produced.push_back(std::string(topic) + " " + r.key.value_or("null") + " " +
                                       r.value.value_or("null") + " " +
                                       std::to_string(r.timestamp));
                }
            }
            if (sorted)
                std::sort(produced.begin() + static_cast<std::ptrdiff_t>(first), produced.end());
        };
        for (const Step& s : c.steps) {
            if (s.input) {
                const auto& w = s.words;
                Status st;
                if (w.at(0) == "in" || w.at(0) == "right" || w.at(0) == "tab") {
                    std::optional<int32_t> partition;
                    if (w.size() > 4) partition = static_cast<int32_t>(to_int(w[4].substr(1)));
                    std::optional<std::string_view> value;
                    if (w.at(2) != "-") value = w.at(2);
                    st = (*driver)->pipe(w[0], w.at(1), value, to_int(w.at(3)), partition);
                } else if (w.at(0) == "time") {
                    st = (*driver)->advance_time(to_int(w.at(1)));
                } else if (w.at(0) == "restart") {
                    st = (*driver)->restart();
                } else {
                    FAIL() << "line " << s.line << ": unknown input '" << w.at(0) << "'";
                }
                ASSERT_TRUE(st.ok()) << "line " << s.line << ": " << st.error().to_string();
                collect();
                continue;
            }
            std::string expected;
            for (const auto& w : s.words) expected += (expected.empty() ? "" : " ") + w;
            ASSERT_LT(checked, produced.size())
                << "line " << s.line << ": expected '" << expected << "', nothing more was written";
            EXPECT_EQ(produced[checked], expected) << "line " << s.line;
            ++checked;
        }
        collect();
        EXPECT_EQ(checked, produced.size()) << "unexpected output after the last expected line: "
                                            << (checked < produced.size() ? produced[checked] : "");
        std::cout << c.name << ": " << c.steps.size() << " steps, " << checked
                  << " expected records matched\n";
    }
    fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Files, DataDriven, testing::ValuesIn(case_files()),
                         [](const testing::TestParamInfo<fs::path>& param_info) {
                             std::string n = param_info.param.stem().string();
                             std::replace(n.begin(), n.end(), '-', '_');
                             return n;
                         });

}  // namespace
}  // namespace es::stream
