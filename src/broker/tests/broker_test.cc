#include "broker/broker.h"

#include "broker/errc.h"
#include "broker/tests/broker_fixture.h"
#include "broker/tests/thread_executor.h"
#include "model/record_batch.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <future>

namespace es::broker {
namespace {

using model::Offset;
using model::PartitionId;
using model::TopicPartition;

class TempDir {
  public:
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "es-broker-XXXXXX").string();
        path_ = ::mkdtemp(tmpl.data());
    }
    ~TempDir() { std::filesystem::remove_all(path_); }
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

Bytes batch(int n, const std::string& tag, int64_t ts = 1000, bool with_keys = true,
            int8_t magic = 2) {
    model::RecordBatchBuilder b(Offset(0));
    for (int i = 0; i < n; ++i) {
        std::string key = "k" + std::to_string(i);
        std::string value = tag + "-" + std::to_string(i);
        b.add(with_keys ? std::optional<BytesView>(as_bytes(key)) : std::nullopt, as_bytes(value),
              ts + i);
    }
    Bytes out = std::move(b.build()).value();
    out[model::batch_layout::magic] = static_cast<uint8_t>(magic);
    return out;
}

/// A broker on two shards, num.partitions 3.
class BrokerFixture : public testing::BrokerTestBase {
  protected:
    void configure(BrokerConfig& config) override { config.num_partitions = 3; }

    Result<TopicInfo> create(const std::string& name, int32_t partitions,
                             std::map<std::string, std::string> configs = {}) {
        return await<Result<TopicInfo>>([&](auto done) {
            broker_->create_topic(origin_, name, partitions, configs, false, done);
        });
    }
    std::vector<ProduceOutput> produce(const TopicPartition& tp, Bytes& data, int16_t acks = -1) {
        return await<std::vector<ProduceOutput>>([&](auto done) {
            broker_->produce(origin_, {{tp, MutableBytesView(data)}}, acks, done);
        });
    }
    FetchOutput fetch(const TopicPartition& tp, Offset offset, int32_t max_wait_ms = 0,
                      int32_t min_bytes = 1) {
        FetchSpec spec;
        spec.partitions = {{tp, offset, 1 << 20}};
        spec.max_wait_ms = max_wait_ms;
        spec.min_bytes = min_bytes;
        auto outs = await<std::vector<FetchOutput>>(
            [&](auto done) { broker_->fetch(origin_, spec, done); });
        return std::move(outs[0]);
    }
    ListOffsetsOutput list(const TopicPartition& tp, int64_t ts) {
        return await<std::vector<ListOffsetsOutput>>([&](auto done) {
            broker_->list_offsets(origin_, {{tp, ts}}, false, done);
        })[0];
    }
};

TEST_F(BrokerFixture, ProducedBatchesAreFetchedBackByteForByte) {
    ASSERT_TRUE(create("orders", 4).ok());
    TopicPartition tp{"orders", PartitionId(2)};
    Bytes b1 = batch(3, "a");
    Bytes b2 = batch(2, "b");
    auto r1 = produce(tp, b1);
    ASSERT_FALSE(r1[0].error) << r1[0].error->to_string();
    EXPECT_EQ(r1[0].base_offset, Offset(0));
    auto r2 = produce(tp, b2, /*acks=*/1);
    EXPECT_EQ(r2[0].base_offset, Offset(3));

    auto f =
        fetch(tp, Offset(0), /*max_wait_ms=*/5000, /*min_bytes=*/int32_t(b1.size() + b2.size()));
    ASSERT_FALSE(f.error);
    EXPECT_EQ(f.high_watermark, Offset(5));
    ASSERT_EQ(f.records.size(), b1.size() + b2.size());
    EXPECT_TRUE(std::equal(b1.begin(), b1.end(), f.records.data()));
    EXPECT_TRUE(std::equal(b2.begin(), b2.end(), f.records.data() + b1.size()));
}

TEST_F(BrokerFixture, LongPollIsWokenByAnAppend) {
    ASSERT_TRUE(create("events", 1).ok());
    TopicPartition tp{"events", PartitionId(0)};
    FetchSpec spec;
    spec.partitions = {{tp, Offset(0), 1 << 20}};
    spec.max_wait_ms = 60'000;  // far longer than the test: only the append can end the wait
    std::promise<std::vector<FetchOutput>> p;
    auto f = p.get_future();
    broker_->fetch(origin_, spec, [&p](std::vector<FetchOutput> o) { p.set_value(std::move(o)); });
    Bytes b = batch(1, "wake");
    ASSERT_FALSE(produce(tp, b, 0).empty());
    auto outs = f.get();
    ASSERT_FALSE(outs[0].error);
    EXPECT_EQ(outs[0].records.size(), b.size());
}

TEST_F(BrokerFixture, FetchWithNothingNewAnswersEmptyAfterTheWait) {
    ASSERT_TRUE(create("quiet", 1).ok());
    auto f = fetch({"quiet", PartitionId(0)}, Offset(0), /*max_wait_ms=*/20);
    ASSERT_FALSE(f.error);
    EXPECT_TRUE(f.records.empty());
    EXPECT_EQ(f.high_watermark, Offset(0));
}

TEST_F(BrokerFixture, BadBatchesAreRefusedWithTheirKafkaErrors) {
    ASSERT_TRUE(create("strict", 1, {{"max.message.bytes", "200"}}).ok());
    ASSERT_TRUE(create("keyed", 1, {{"cleanup.policy", "compact"}}).ok());
    TopicPartition tp{"strict", PartitionId(0)};
    Bytes corrupt = batch(1, "x");
    corrupt.back() ^= 0xff;
    EXPECT_TRUE(produce(tp, corrupt)[0].error->is(Errc::corrupt_message));
    Bytes old_magic = batch(1, "x", 1000, true, 1);
    EXPECT_TRUE(produce(tp, old_magic)[0].error->is(Errc::invalid_record));
    Bytes big = batch(20, std::string(50, 'x'));
    EXPECT_TRUE(produce(tp, big)[0].error->is(Errc::message_too_large));
    Bytes no_keys = batch(2, "x", 1000, false);
    EXPECT_TRUE(produce({"keyed", PartitionId(0)}, no_keys)[0].error->is(Errc::invalid_record));
    Bytes empty;
    EXPECT_TRUE(produce(tp, empty)[0].error->is(Errc::invalid_record));
    Bytes good = batch(1, "ok");
    EXPECT_TRUE(
        produce({"strict", PartitionId(7)}, good)[0].error->is(Errc::unknown_topic_or_partition));
    EXPECT_EQ(fetch(tp, Offset(0)).high_watermark, Offset(0)) << "nothing was written";
}

TEST_F(BrokerFixture, ListOffsetsAnswersEarliestLatestAndByTimestamp) {
    ASSERT_TRUE(create("times", 1).ok());
    TopicPartition tp{"times", PartitionId(0)};
    Bytes b1 = batch(3, "a", 1000);  // 1000..1002
    Bytes b2 = batch(3, "b", 5000);  // 5000..5002
    produce(tp, b1);
    produce(tp, b2);
    EXPECT_EQ(list(tp, -2).offset, Offset(0));
    EXPECT_EQ(list(tp, -1).offset, Offset(6));
    auto at = list(tp, 1001);
    EXPECT_EQ(at.offset, Offset(1));
    EXPECT_EQ(at.timestamp, 1001);
    EXPECT_EQ(list(tp, 3000).offset, Offset(3));
    EXPECT_EQ(list(tp, 9999).offset, Offset(-1));
    auto max = list(tp, -3);
    EXPECT_EQ(max.offset, Offset(5));
    EXPECT_EQ(max.timestamp, 5002);
}

TEST_F(BrokerFixture, DeleteRecordsMovesTheLogStart) {
    ASSERT_TRUE(create("trim", 1).ok());
    TopicPartition tp{"trim", PartitionId(0)};
    Bytes b = batch(10, "a");
    produce(tp, b);
    auto outs = await<std::vector<DeleteRecordsOutput>>([&](auto done) {
        broker_->delete_records(origin_, {{tp, Offset(4)}, {tp, Offset(99)}}, done);
    });
    ASSERT_FALSE(outs[0].error);
    EXPECT_EQ(outs[0].low_watermark, Offset(4));
    EXPECT_TRUE(outs[1].error->is(Errc::offset_out_of_range));
    EXPECT_TRUE(fetch(tp, Offset(2)).error->is(Errc::offset_out_of_range));
    EXPECT_EQ(list(tp, -2).offset, Offset(4));
}

TEST_F(BrokerFixture, TopicAdminChangesSurviveARestart) {
    ASSERT_TRUE(create("admin", 2, {{"retention.ms", "12345"}}).ok());
    EXPECT_TRUE(create("admin", 2).error().is(Errc::topic_already_exists));
    EXPECT_TRUE(create("admin_", 2).ok());
    EXPECT_TRUE(create("admin.", 1).error().is(Errc::invalid_topic)) << "collides with admin_";
    EXPECT_TRUE(create("bad name", 1).error().is(Errc::invalid_topic));
    EXPECT_TRUE(create("zero", 0).error().is(Errc::invalid_partitions));
    auto defaulted = create("defaulted", -1);
    ASSERT_TRUE(defaulted.ok());
    EXPECT_EQ(defaulted->partitions, 3) << "num.partitions";

    auto grown = await<Status>(
        [&](auto done) { broker_->create_partitions(origin_, "admin", 5, false, done); });
    ASSERT_TRUE(grown.ok()) << grown.error().to_string();
    auto shrink = await<Status>(
        [&](auto done) { broker_->create_partitions(origin_, "admin", 3, false, done); });
    EXPECT_TRUE(shrink.error().is(Errc::invalid_partitions));
    auto altered = await<Status>([&](auto done) {
        broker_->set_topic_configs(origin_, "admin", {{"retention.ms", "999"}}, false, done);
    });
    ASSERT_TRUE(altered.ok());
    Bytes b = batch(2, "persist");
    produce({"admin", PartitionId(4)}, b);
    auto deleted =
        await<Status>([&](auto done) { broker_->delete_topic(origin_, "admin_", done); });
    ASSERT_TRUE(deleted.ok());
    EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/admin_-0"));

    stop();
    start();
    auto topic = broker_->catalog().find("admin");
    ASSERT_TRUE(topic.has_value());
    EXPECT_EQ(topic->partitions, 5);
    EXPECT_EQ(topic->config.get("retention.ms"), "999");
    EXPECT_FALSE(broker_->catalog().find("admin_").has_value());
    auto f = fetch({"admin", PartitionId(4)}, Offset(0));
    ASSERT_FALSE(f.error);
    EXPECT_EQ(f.records.size(), b.size());
}

TEST_F(BrokerFixture, ADamagedTopicFileIsSkippedNotFatal) {
    ASSERT_TRUE(create("fine", 1).ok());
    stop();
    {
        std::FILE* f = std::fopen((dir_.path() + "/meta/topics/broken").c_str(), "w");
        std::fputs("id zz\npartitions -4\n", f);
        std::fclose(f);
    }
    start();
    EXPECT_TRUE(broker_->catalog().find("fine").has_value());
    EXPECT_FALSE(broker_->catalog().find("broken").has_value());
}

}  // namespace
}  // namespace es::broker
