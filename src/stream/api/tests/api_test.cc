// Unit tests of stream/api pieces that are not input -> output over time: serdes on hostile
// bytes, Kafka's partitioner, window assignment, topology checks, and process functions with
// state and timers through the test driver.

#include "stream/api/builder.h"
#include "stream/api/partitioner.h"
#include "stream/api/serde_json.h"
#include "stream/api/test_driver.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

namespace es::stream {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

TEST(Partitioner, Murmur2MatchesKafkasReferenceValues) {
    // The values of Kafka's UtilsTest.testMurmur2, as signed 32-bit integers.
    EXPECT_EQ(static_cast<int32_t>(murmur2("21")), -973932308);
    EXPECT_EQ(static_cast<int32_t>(murmur2("foobar")), -790332482);
    EXPECT_EQ(static_cast<int32_t>(murmur2("a-little-bit-long-string")), -985981536);
    EXPECT_EQ(static_cast<int32_t>(murmur2("a-little-bit-longer-string")), -1486304829);
    EXPECT_EQ(static_cast<int32_t>(murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8")),
              -58897971);
    EXPECT_EQ(static_cast<int32_t>(murmur2("abc")), 479470107);
}

TEST(Partitioner, PartitionIsPositiveMurmurModuloCount) {
    EXPECT_EQ(partition_for_key("21", 7), static_cast<int32_t>((-973932308 & 0x7fffffff) % 7));
    EXPECT_EQ(partition_for_key("anything", 1), 0);
}

TEST(Serde, NumbersRoundTripAndRejectWrongSizes) {
    EXPECT_EQ(*Serde<int64_t>::decode(encode_to_string<int64_t>(-42)), -42);
    EXPECT_EQ(*Serde<int32_t>::decode(encode_to_string<int32_t>(7)), 7);
    EXPECT_DOUBLE_EQ(*Serde<double>::decode(encode_to_string(2.5)), 2.5);
    EXPECT_TRUE(Serde<int64_t>::decode("1234567").error().is(Errc::bad_record));
    EXPECT_TRUE(Serde<int32_t>::decode("").error().is(Errc::bad_record));
}

TEST(Serde, ListsAndPairsRoundTripAndRejectHostileLengths) {
    std::vector<std::string> list{"a", "", "ccc"};
    EXPECT_EQ(*Serde<std::vector<std::string>>::decode(encode_to_string(list)), list);
    std::pair<std::string, int64_t> pair{"k", 9};
    EXPECT_EQ((*Serde<std::pair<std::string, int64_t>>::decode(encode_to_string(pair))), pair);
    // A count far beyond the bytes, a length beyond the input, trailing bytes, a bad varint.
    EXPECT_FALSE(Serde<std::vector<std::string>>::decode("\xff\xff\xff\x7f").ok());
    EXPECT_FALSE(Serde<std::vector<std::string>>::decode(std::string("\x01\x05"
                                                                     "ab",
                                                                     4))
                     .ok());
    EXPECT_FALSE(Serde<std::vector<std::string>>::decode(std::string("\x01\x01"
                                                                     "ab",
                                                                     4))
                     .ok());
    EXPECT_FALSE(
        Serde<std::vector<std::string>>::decode("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80")
            .ok());
    EXPECT_FALSE((Serde<std::pair<std::string, int64_t>>::decode("\x09xx").ok()));
}

TEST(Serde, WindowedKeysKeepTheKeyFirstAndRejectShortInput) {
    Windowed<std::string> w{"user", {1000, 2000}};
    std::string bytes = encode_to_string(w);
    EXPECT_EQ(bytes.substr(0, 4), "user");
    EXPECT_EQ(*Serde<Windowed<std::string>>::decode(bytes), w);
    EXPECT_FALSE(Serde<Windowed<std::string>>::decode("short").ok());
}

struct Click {
    std::string user;
    int64_t ts = 0;
    bool operator==(const Click&) const = default;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Click, user, ts)

}  // namespace

template <>
struct Serde<Click> : JsonSerde<Click> {};

namespace {

TEST(Serde, JsonRoundTripsAndRejectsMalformedAndMismatchedDocuments) {
    Click c{"u1", 5};
    EXPECT_EQ(*Serde<Click>::decode(encode_to_string(c)), c);
    EXPECT_TRUE(Serde<Click>::decode("{not json").error().is(Errc::bad_record));
    auto wrong_type = Serde<Click>::decode(R"({"user": 3, "ts": "x"})");
    ASSERT_FALSE(wrong_type.ok());
    EXPECT_NE(wrong_type.error().message().find("does not match"), std::string::npos);
}

TEST(Windows, TumblingAndHoppingAssignmentIncludingNegativeTimes) {
    auto tumbling = TumblingWindows::of(10s);
    EXPECT_EQ(tumbling.windows_for(0), (std::vector<TimeWindow>{{0, 10000}}));
    EXPECT_EQ(tumbling.windows_for(9999), (std::vector<TimeWindow>{{0, 10000}}));
    EXPECT_EQ(tumbling.windows_for(-1), (std::vector<TimeWindow>{{-10000, 0}}));
    auto hopping = HoppingWindows::of(10s, 5s);
    EXPECT_EQ(hopping.windows_for(7000), (std::vector<TimeWindow>{{0, 10000}, {5000, 15000}}));
    EXPECT_EQ(HoppingWindows::of(10s, 3s).windows_for(9000).size(), 4u);  // 0, 3, 6, 9 s
}

TEST(Topology, RefusesDuplicateNamesAndSessionWindowsWithoutMerge) {
    {
        StreamBuilder b("dup");
        auto in = b.source<std::string, std::string>("in");
        in.window(TumblingWindows::of(1s), "w")
            .count()
            .map([](const auto& k, const auto& v) {
                return std::pair<std::string, std::string>(k.key, std::to_string(v));
            })
            .to("out");
        in.window(TumblingWindows::of(2s), "w").count();
        auto t = b.build();
        ASSERT_FALSE(t.ok());
        EXPECT_TRUE(t.error().is(Errc::invalid_topology));
        EXPECT_NE(t.error().message().find("'w'"), std::string::npos) << t.error().message();
    }
    {
        StreamBuilder b("session");
        auto in = b.source<std::string, int64_t>("in");
        in.window(SessionWindows::with_gap(1s))
            .aggregate([] { return int64_t{0}; }, [](int64_t v, int64_t a) { return a + v; });
        auto t = b.build();
        ASSERT_FALSE(t.ok());
        EXPECT_NE(t.error().message().find("merge"), std::string::npos);
    }
}

TEST(Topology, KeyChangesInsertRepartitionTopicsAndDescribeListsSubTopologies) {
    StreamBuilder b("describe");
    b.source<std::string, std::string>("clicks", {.max_out_of_orderness = 5s})
        .key_by([](const std::string& v) { return v; })
        .window(TumblingWindows::of(1min), "per-minute")
        .count()
        .map([](const Windowed<std::string>& w, int64_t n) {
            return std::pair<std::string, int64_t>(w.key, n);
        })
        .to("counts");
    auto t = b.build();
    ASSERT_TRUE(t.ok()) << t.error().to_string();
    ASSERT_EQ(t->subtopologies().size(), 2u);
    EXPECT_EQ(t->repartition_topics().size(), 1u);
    std::string text = t->describe();
    EXPECT_NE(text.find("Sub-topology 1"), std::string::npos) << text;
    EXPECT_NE(text.find("store per-minute.timers"), std::string::npos) << text;
    EXPECT_NE(text.find("max out-of-orderness 5000 ms"), std::string::npos) << text;
}

/// Counts records per key, emits the running count, and on an event-time timer one minute
/// after the last record emits -1 and forgets the key.
class CountUntilIdle : public KeyedProcessFunction<std::string, std::string, int64_t> {
  public:
    void process(const std::string&, Context& ctx) override {
        int64_t n = count_.get().value_or(0) + 1;
        count_.put(n);
        if (auto previous = deadline_.get()) ctx.delete_event_timer(*previous);
        deadline_.put(ctx.timestamp() + 60'000);
        ctx.register_event_timer(ctx.timestamp() + 60'000);
        ctx.emit(n);
    }
    void on_timer(TimeMs, TimeDomain domain, Context& ctx) override {
        if (domain != TimeDomain::event_time) return;
        count_.clear();
        deadline_.clear();
        ctx.emit(-1);
    }

  private:
    ValueState<int64_t> count_{this, "count"};
    ValueState<int64_t> deadline_{this, "deadline"};
};

class DriverTest : public testing::Test {
  protected:
    void SetUp() override {
        dir_ =
            fs::temp_directory_path() / ("es-stream-api-" + std::to_string(std::random_device{}()));
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path dir_;
};

std::vector<std::string> values_of(const std::vector<CapturedRecord>& records) {
    std::vector<std::string> out;
    for (const auto& r : records) out.push_back(r.key.value_or("") + "=" + r.value.value_or(""));
    return out;
}

TEST_F(DriverTest, ProcessFunctionStateAndTimersSurviveARestart) {
    StreamBuilder b("process");
    b.source<std::string, std::string>("in")
        .process<int64_t>([] { return std::make_unique<CountUntilIdle>(); }, "counter")
        .map_values([](int64_t n) { return std::to_string(n); })
        .to("out");
    auto t = b.build();
    ASSERT_TRUE(t.ok()) << t.error().to_string();
    auto driver = TestDriver::make(*t, {.state_dir = dir_});
    ASSERT_TRUE(driver.ok()) << driver.error().to_string();
    auto& d = **driver;
    ASSERT_TRUE(d.pipe("in", "a", "x", 1000).ok());
    ASSERT_TRUE(d.pipe("in", "a", "x", 2000).ok());
    ASSERT_TRUE(d.pipe("in", "b", "x", 3000).ok());
    EXPECT_EQ(values_of(d.take("out")), (std::vector<std::string>{"a=1", "a=2", "b=1"}));
    ASSERT_TRUE(d.restart().ok());
    // a's timer moved to 62000 when its second record came; b's is at 63000. The watermark
    // trails the largest timestamp by 1 ms.
    ASSERT_TRUE(d.pipe("in", "c", "x", 62001).ok());
    EXPECT_EQ(values_of(d.take("out")), (std::vector<std::string>{"c=1", "a=-1"}));
    ASSERT_TRUE(d.pipe("in", "a", "x", 63500).ok());
    EXPECT_EQ(values_of(d.take("out")), (std::vector<std::string>{"a=1", "b=-1"}));
}

TEST_F(DriverTest, AnIdlePartitionStopsHoldingTheWatermarkBack) {
    StreamBuilder b("idle");
    b.source<std::string, std::string>("in", {.idle_timeout = 5s})
        .window(TumblingWindows::of(10s), "w")
        .count()
        .map([](const Windowed<std::string>& w, int64_t n) {
            return std::pair<std::string, std::string>(w.key, std::to_string(n));
        })
        .to("out");
    auto t = b.build();
    ASSERT_TRUE(t.ok()) << t.error().to_string();
    auto driver = TestDriver::make(*t, {.state_dir = dir_, .partitions = 2});
    ASSERT_TRUE(driver.ok()) << driver.error().to_string();
    auto& d = **driver;
    // Both records in partition 0; partition 1 never gets one. One task per partition here,
    // so partition 0's task is alone with its clock and fires as the watermark passes.
    ASSERT_TRUE(d.pipe("in", "k", "x", 1000, 0).ok());
    ASSERT_TRUE(d.pipe("in", "k", "x", 20000, 0).ok());
    EXPECT_EQ(values_of(d.take("out")), (std::vector<std::string>{"k=1"}));
}

TEST_F(DriverTest, WindowProcessSeesEveryRecordOfTheWindowInArrivalOrder) {
    StreamBuilder b("window-process");
    auto listed = b.source<std::string, std::string>("in")
                      .window(TumblingWindows::of(10s), "w")
                      .process([](const std::string& key, const TimeWindow& w,
                                  const std::vector<std::string>& values) {
                          std::string out = key + "@" + std::to_string(w.start) + ":";
                          for (const auto& v : values) out += v;
                          return out;
                      });
    listed
        .map([](const Windowed<std::string>& w, const std::string& text) {
            return std::pair<std::string, std::string>(w.key, text);
        })
        .to("out");
    listed.late_records().to("late");
    auto t = b.build();
    ASSERT_TRUE(t.ok()) << t.error().to_string();
    auto driver = TestDriver::make(*t, {.state_dir = dir_});
    ASSERT_TRUE(driver.ok()) << driver.error().to_string();
    auto& d = **driver;
    ASSERT_TRUE(d.pipe("in", "k", "c", 3000).ok());
    ASSERT_TRUE(d.pipe("in", "k", "a", 1000).ok());
    ASSERT_TRUE(d.pipe("in", "k", "b", 2000).ok());
    ASSERT_TRUE(d.pipe("in", "k", "z", 10000).ok());
    EXPECT_EQ(values_of(d.take("out")), (std::vector<std::string>{"k=k@0:cab"}));
    ASSERT_TRUE(d.pipe("in", "k", "late", 500).ok());
    EXPECT_EQ(values_of(d.take("late")), (std::vector<std::string>{"k=late"}));
}

TEST_F(DriverTest, MalformedRepartitionRecordsAreReportedAndDoNotMoveTheWatermark) {
    StreamBuilder b("hostile-repartition");
    b.source<std::string, std::string>("in")
        .key_by([](const std::string& v) { return v; })
        .window(TumblingWindows::of(10s), "w")
        .count()
        .map([](const Windowed<std::string>& w, int64_t n) {
            return std::pair<std::string, std::string>(w.key, std::to_string(n));
        })
        .to("out");
    auto t = b.build();
    ASSERT_TRUE(t.ok()) << t.error().to_string();
    auto driver = TestDriver::make(*t, {.state_dir = dir_});
    ASSERT_TRUE(driver.ok()) << driver.error().to_string();
    auto& d = **driver;
    // Someone else writes into the job's internal topic: empty, unknown type, short markers.
    for (std::string_view v : {std::string_view(""), std::string_view("Xjunk"),
                               std::string_view("W\x00\x00"), std::string_view("I\x00")}) {
        ASSERT_TRUE(d.pipe("test-w-repartition", "k", v, 1000).ok());
    }
    ASSERT_TRUE(d.pipe("test-w-repartition", "k", std::nullopt, 1000).ok());
    EXPECT_EQ(d.bad_records().size(), 5u);
    for (const auto& [record, reason] : d.bad_records()) {
        EXPECT_NE(reason.find("bad record"), std::string::npos) << reason;
    }
    // The job still works: a record and the watermark go through the real path.
    ASSERT_TRUE(d.pipe("in", "a", "x", 1000).ok());
    ASSERT_TRUE(d.pipe("in", "b", "y", 20000).ok());
    EXPECT_EQ(values_of(d.take("out")), (std::vector<std::string>{"x=1"}));
}

TEST_F(DriverTest, UndecodableRecordsAreReportedNotDropped) {
    StreamBuilder b("bad");
    b.source<std::string, int64_t>("in").map_values([](int64_t v) { return v * 2; }).to("out");
    auto t = b.build();
    ASSERT_TRUE(t.ok());
    auto driver = TestDriver::make(*t, {.state_dir = dir_});
    ASSERT_TRUE(driver.ok());
    auto& d = **driver;
    ASSERT_TRUE(d.pipe("in", "k", "not eight bytes", 1000).ok());
    ASSERT_TRUE(d.pipe("in", "k", encode_to_string<int64_t>(21), 2000).ok());
    ASSERT_EQ(d.bad_records().size(), 1u);
    EXPECT_EQ(d.bad_records()[0].first.value, "not eight bytes");
    EXPECT_NE(d.bad_records()[0].second.find("int64"), std::string::npos)
        << d.bad_records()[0].second;
    auto out = d.take("out");
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(*Serde<int64_t>::decode(*out[0].value), 42);
}

}  // namespace
}  // namespace es::stream
