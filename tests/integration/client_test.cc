// client/ (the librdkafka wrapper every client role uses) against the real `edgestream serve`
// binary: what librdkafka's mock cluster cannot serve, namely the admin APIs and offsets by
// timestamp. With ES_TEST_BROKERS=host:port they run against that cluster instead.

#include "client/admin.h"
#include "client/consumer.h"
#include "client/errc.h"
#include "client/producer.h"
#include "client/tests/client_test_util.h"

#include "tests/integration/broker_process.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace es::client {
namespace {

using namespace std::chrono_literals;
using namespace testing;  // NOLINT(google-build-using-namespace): client_test_util.h helpers
using ::testing::HasSubstr;

class RealBroker : public ::testing::Test {
  protected:
    void SetUp() override {
        // ES_TEST_BROKERS runs these against another cluster (a Kafka cluster, say).
        const char* brokers = std::getenv("ES_TEST_BROKERS");
        if (brokers && *brokers) {
            config_.brokers = brokers;
        } else {
            broker_ = std::make_unique<integration::BrokerProcess>();
            ASSERT_TRUE(broker_->start()) << broker_->log();
            config_.brokers = broker_->brokers();
        }
        config_.timeout = 10s;
        // A name no earlier run used, so that runs against one broker do not interfere.
        topic_ = "client-test-" +
                 std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
    }

    std::unique_ptr<integration::BrokerProcess> broker_;
    ClientConfig config_;
    std::string topic_;
};

std::optional<ConfigEntry> find_config(const std::vector<ConfigEntry>& entries,
                                       std::string_view name) {
    for (const ConfigEntry& e : entries) {
        if (e.name == name) return e;
    }
    return std::nullopt;
}

TEST_F(RealBroker, CreateDescribeAlterGrowAndDeleteATopic) {
    auto made = Admin::make(config_);
    ASSERT_TRUE(made.ok()) << made.error().to_string();
    Admin& admin = **made;

    Status created = admin.create_topic(topic_, 2, 1, {{"retention.ms", "1234567"}});
    ASSERT_TRUE(created.ok()) << created.error().to_string();
    Status again = admin.create_topic(topic_, 2, 1);
    ASSERT_FALSE(again.ok());
    EXPECT_TRUE(again.error().is(Errc::topic_exists)) << again.error().to_string();

    auto described = admin.describe_topic(topic_);
    ASSERT_TRUE(described.ok()) << described.error().to_string();
    EXPECT_EQ(described->partitions.size(), 2u);
    auto retention = find_config(described->configs, "retention.ms");
    ASSERT_TRUE(retention.has_value());
    EXPECT_EQ(retention->value, "1234567");
    EXPECT_EQ(retention->source, ConfigSource::dynamic_topic);

    Status altered =
        admin.alter_topic_configs(topic_, {{"segment.ms", "7654321"}}, {"retention.ms"});
    ASSERT_TRUE(altered.ok()) << altered.error().to_string();
    auto configs = admin.describe_configs(topic_);
    ASSERT_TRUE(configs.ok()) << configs.error().to_string();
    auto segment = find_config(*configs, "segment.ms");
    ASSERT_TRUE(segment.has_value());
    EXPECT_EQ(segment->value, "7654321");
    EXPECT_EQ(segment->source, ConfigSource::dynamic_topic);
    retention = find_config(*configs, "retention.ms");
    ASSERT_TRUE(retention.has_value());
    EXPECT_NE(retention->source, ConfigSource::dynamic_topic);

    Status refused = admin.alter_topic_configs(topic_, {{"no.such.config", "1"}}, {});
    ASSERT_FALSE(refused.ok());
    EXPECT_TRUE(refused.error().is(Errc::kafka)) << refused.error().to_string();
    EXPECT_THAT(refused.error().message(), HasSubstr("INVALID_CONFIG"));

    Status grown = admin.create_partitions(topic_, 4);
    ASSERT_TRUE(grown.ok()) << grown.error().to_string();
    auto partitions = admin.describe_partitions(topic_);
    ASSERT_TRUE(partitions.ok());
    EXPECT_EQ(partitions->size(), 4u);
    Status shrunk = admin.create_partitions(topic_, 3);
    ASSERT_FALSE(shrunk.ok());
    EXPECT_THAT(shrunk.error().message(), HasSubstr("INVALID_PARTITIONS"));

    auto topics = admin.list_topics();
    ASSERT_TRUE(topics.ok());
    EXPECT_TRUE(std::any_of(topics->begin(), topics->end(),
                            [&](const TopicSummary& t) { return t.name == topic_; }));

    Status deleted = admin.delete_topic(topic_);
    ASSERT_TRUE(deleted.ok()) << deleted.error().to_string();
    EXPECT_TRUE(admin.describe_partitions(topic_).error().is(Errc::unknown_topic));
    EXPECT_TRUE(admin.delete_topic(topic_).error().is(Errc::unknown_topic));
}

TEST_F(RealBroker, FromTimestampStartsAtTheFirstRecordAtOrAfterIt) {
    auto admin = Admin::make(config_);
    ASSERT_TRUE(admin.ok());
    ASSERT_TRUE((*admin)->create_topic(topic_, 1, 1).ok());
    auto producer = make_producer(config_);
    ASSERT_TRUE(producer);
    // Recent timestamps, so that retention leaves them alone; 10 ms apart.
    int64_t base = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count() -
                   60'000;
    for (int i = 0; i < 10; ++i) {
        std::string value = "value-" + std::to_string(i);
        ProducerRecord r;
        r.topic = topic_;
        r.value = as_bytes(value);
        r.timestamp_ms = base + 10 * i;
        ASSERT_TRUE(producer->send(r).ok());
    }
    ASSERT_TRUE(producer->flush(30s).ok());

    auto consumer = make_consumer(config_);
    ASSERT_TRUE(consumer);
    ASSERT_TRUE(consumer->assign(topic_, {}, StartPosition::at_timestamp(base + 45)).ok());
    std::vector<Message> got = consume_to_end(*consumer, 5);
    ASSERT_EQ(got.size(), 5u);
    EXPECT_EQ(got[0].offset, model::Offset(5));
    EXPECT_EQ(got[0].value, bytes("value-5"));
    ASSERT_TRUE(got[0].timestamp.has_value());
    EXPECT_EQ(got[0].timestamp->ms, base + 50);
    ASSERT_TRUE((*admin)->delete_topic(topic_).ok());
}

}  // namespace
}  // namespace es::client
