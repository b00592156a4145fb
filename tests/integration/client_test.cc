// client/ (the librdkafka wrapper every client role uses) against the real `edgestream serve`
// binary: what librdkafka's mock cluster cannot serve, namely the admin APIs and offsets by
// timestamp. With ES_TEST_BROKERS=host:port they run against that cluster instead.

#include "client/admin.h"
#include "client/consumer.h"
#include "client/errc.h"
#include "client/producer.h"
#include "client/tests/client_test_util.h"

#include "tests/integration/broker_process.h"
#include "tests/integration/rdkafka_util.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>
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

// --- consumer groups ------------------------------------------------------------------------

/// `count` records "v0".. to `partition` of `topic`.
void produce_to(const ClientConfig& config, const std::string& topic, int32_t partition,
                int count) {
    auto producer = make_producer(config);
    ASSERT_TRUE(producer);
    for (int i = 0; i < count; ++i) {
        std::string value = "v" + std::to_string(i);
        ProducerRecord r;
        r.topic = topic;
        r.partition = model::PartitionId(partition);
        r.value = as_bytes(value);
        ASSERT_TRUE(producer->send(r).ok());
    }
    ASSERT_TRUE(producer->flush(30s).ok());
}

std::optional<GroupPartitionOffset> find_offset(const std::vector<GroupPartitionOffset>& rows,
                                                const std::string& topic, int32_t partition) {
    for (const GroupPartitionOffset& r : rows) {
        if (r.tp.topic == topic && r.tp.partition == model::PartitionId(partition)) return r;
    }
    return std::nullopt;
}

/// A librdkafka high-level consumer in `group`, subscribed to `topic`, polling on its own
/// thread and committing what it reads: an active member.
class ActiveMember {
  public:
    ActiveMember(const std::string& brokers, const std::string& group, const std::string& topic) {
        rd_kafka_conf_t* conf = integration::make_conf({{"bootstrap.servers", brokers},
                                                        {"group.id", group},
                                                        {"client.id", "active-member"},
                                                        {"auto.offset.reset", "earliest"},
                                                        {"enable.auto.commit", "false"}});
        char err[512];
        rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
        if (!rk_) throw std::runtime_error(err);
        rd_kafka_poll_set_consumer(rk_);
        rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(topics, topic.c_str(), RD_KAFKA_PARTITION_UA);
        rd_kafka_subscribe(rk_, topics);
        rd_kafka_topic_partition_list_destroy(topics);
        thread_ = std::thread([this] {
            while (!stopping_) {
                rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, 100);
                if (!m) continue;
                if (!m->err) {
                    rd_kafka_commit_message(rk_, m, /*async=*/0);
                    ++consumed_;
                }
                rd_kafka_message_destroy(m);
            }
        });
    }
    ~ActiveMember() { stop(); }
    ActiveMember(const ActiveMember&) = delete;
    ActiveMember& operator=(const ActiveMember&) = delete;

    /// Leaves the group (LeaveGroup) and destroys the consumer.
    void stop() {
        if (!rk_) return;
        stopping_ = true;
        thread_.join();
        rd_kafka_consumer_close(rk_);
        rd_kafka_destroy(rk_);
        rk_ = nullptr;
    }
    int consumed() const { return consumed_; }

  private:
    rd_kafka_t* rk_ = nullptr;
    std::thread thread_;
    std::atomic<bool> stopping_{false};
    std::atomic<int> consumed_{0};
};

template <class Pred>
bool eventually(Pred pred, std::chrono::seconds limit = 30s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(100ms);
    }
    return pred();
}

TEST_F(RealBroker, LogOffsetsGivesEveryPartitionsStartAndEnd) {
    auto made = Admin::make(config_);
    ASSERT_TRUE(made.ok()) << made.error().to_string();
    Admin& admin = **made;
    ASSERT_TRUE(admin.create_topic(topic_, 3, 1).ok());
    produce_to(config_, topic_, 0, 10);
    produce_to(config_, topic_, 2, 4);
    auto offsets = admin.log_offsets(topic_);
    ASSERT_TRUE(offsets.ok()) << offsets.error().to_string();
    ASSERT_EQ(offsets->size(), 3u);
    const int64_t ends[] = {10, 0, 4};
    for (size_t i = 0; i < 3; ++i) {
        EXPECT_EQ((*offsets)[i].partition, model::PartitionId(static_cast<int32_t>(i)));
        EXPECT_EQ((*offsets)[i].start, model::Offset(0));
        EXPECT_EQ((*offsets)[i].end, model::Offset(ends[i]));
    }
    auto missing = admin.log_offsets(topic_ + "-missing");
    EXPECT_FALSE(missing.ok());
    std::printf(
        "checked: log_offsets gives start 0 and ends 10, 0, 4 of three partitions; an "
        "unknown topic is an error\n");
}

TEST_F(RealBroker, ResetListDescribeAndDeleteTheOffsetsOfAGroupWithoutMembers) {
    auto made = Admin::make(config_);
    ASSERT_TRUE(made.ok()) << made.error().to_string();
    Admin& admin = **made;
    ASSERT_TRUE(admin.create_topic(topic_, 2, 1).ok());
    produce_to(config_, topic_, 0, 10);
    produce_to(config_, topic_, 1, 5);
    const std::string group = topic_ + "-group";

    // A dry run on a group that does not exist yet changes nothing.
    auto planned =
        admin.reset_group_offsets(group, topic_, StartPosition::at_offset(model::Offset(3)),
                                  {model::PartitionId(0)}, /*dry_run=*/true);
    ASSERT_TRUE(planned.ok()) << planned.error().to_string();
    ASSERT_EQ(planned->size(), 1u);
    EXPECT_FALSE((*planned)[0].previous.has_value());
    EXPECT_EQ((*planned)[0].next, model::Offset(3));
    auto described = admin.describe_group(group);
    ASSERT_TRUE(described.ok()) << described.error().to_string();
    EXPECT_EQ(described->state, GroupState::dead);

    // The reset creates the group, Empty, with committed offsets.
    auto reset = admin.reset_group_offsets(
        group, topic_, StartPosition::at_offset(model::Offset(3)), {model::PartitionId(0)});
    ASSERT_TRUE(reset.ok()) << reset.error().to_string();
    auto groups = admin.list_groups();
    ASSERT_TRUE(groups.ok()) << groups.error().to_string();
    auto listed = std::find_if(groups->begin(), groups->end(),
                               [&](const GroupListing& g) { return g.group_id == group; });
    ASSERT_NE(listed, groups->end());
    EXPECT_EQ(listed->state, GroupState::empty);
    described = admin.describe_group(group);
    ASSERT_TRUE(described.ok()) << described.error().to_string();
    EXPECT_EQ(described->state, GroupState::empty);
    EXPECT_TRUE(described->members.empty());

    auto offsets = admin.group_offsets(group);
    ASSERT_TRUE(offsets.ok()) << offsets.error().to_string();
    auto p0 = find_offset(*offsets, topic_, 0);
    ASSERT_TRUE(p0.has_value());
    EXPECT_EQ(p0->committed, model::Offset(3));
    EXPECT_EQ(p0->log_end, model::Offset(10));
    EXPECT_EQ(p0->lag, 7);
    EXPECT_TRUE(p0->member_id.empty());
    EXPECT_FALSE(find_offset(*offsets, topic_, 1).has_value());

    // Earliest, latest, an offset past the end (clamped), a time after every record (the end).
    reset = admin.reset_group_offsets(group, topic_, StartPosition::beginning());
    ASSERT_TRUE(reset.ok()) << reset.error().to_string();
    ASSERT_EQ(reset->size(), 2u);
    EXPECT_EQ((*reset)[0].previous, model::Offset(3));
    EXPECT_EQ((*reset)[0].next, model::Offset(0));
    EXPECT_FALSE((*reset)[1].previous.has_value());
    EXPECT_EQ((*reset)[1].next, model::Offset(0));
    reset = admin.reset_group_offsets(group, topic_, StartPosition::end());
    ASSERT_TRUE(reset.ok()) << reset.error().to_string();
    EXPECT_EQ((*reset)[0].next, model::Offset(10));
    EXPECT_EQ((*reset)[1].next, model::Offset(5));
    reset = admin.reset_group_offsets(group, topic_, StartPosition::at_offset(model::Offset(7)));
    ASSERT_TRUE(reset.ok()) << reset.error().to_string();
    EXPECT_EQ((*reset)[0].next, model::Offset(7));
    EXPECT_EQ((*reset)[1].next, model::Offset(5));
    int64_t future = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count() +
                     3'600'000;
    reset = admin.reset_group_offsets(group, topic_, StartPosition::at_timestamp(future));
    ASSERT_TRUE(reset.ok()) << reset.error().to_string();
    EXPECT_EQ((*reset)[0].next, model::Offset(10));
    offsets = admin.group_offsets(group);
    ASSERT_TRUE(offsets.ok()) << offsets.error().to_string();
    p0 = find_offset(*offsets, topic_, 0);
    ASSERT_TRUE(p0.has_value());
    EXPECT_EQ(p0->lag, 0);

    // Errors: no such partition, no such topic.
    auto bad = admin.reset_group_offsets(group, topic_, StartPosition::beginning(),
                                         {model::PartitionId(9)});
    ASSERT_FALSE(bad.ok());
    EXPECT_TRUE(bad.error().is(Errc::unknown_topic)) << bad.error().to_string();
    bad = admin.reset_group_offsets(group, topic_ + "-missing", StartPosition::beginning());
    ASSERT_FALSE(bad.ok());
    EXPECT_TRUE(bad.error().is(Errc::unknown_topic)) << bad.error().to_string();

    // Deleting one partition's offsets, then the group.
    Status dropped = admin.delete_group_offsets(group, topic_, {model::PartitionId(1)});
    ASSERT_TRUE(dropped.ok()) << dropped.error().to_string();
    offsets = admin.group_offsets(group);
    ASSERT_TRUE(offsets.ok()) << offsets.error().to_string();
    EXPECT_TRUE(find_offset(*offsets, topic_, 0).has_value());
    EXPECT_FALSE(find_offset(*offsets, topic_, 1).has_value());

    Status deleted = admin.delete_group(group);
    ASSERT_TRUE(deleted.ok()) << deleted.error().to_string();
    described = admin.describe_group(group);
    ASSERT_TRUE(described.ok()) << described.error().to_string();
    EXPECT_EQ(described->state, GroupState::dead);
    Status again = admin.delete_group(group);
    ASSERT_FALSE(again.ok());
    EXPECT_TRUE(again.error().is(Errc::kafka)) << again.error().to_string();
    ASSERT_TRUE(admin.delete_topic(topic_).ok());
}

TEST_F(RealBroker, AGroupWithAnActiveMemberIsDescribedButNotResetOrDeleted) {
    auto made = Admin::make(config_);
    ASSERT_TRUE(made.ok()) << made.error().to_string();
    Admin& admin = **made;
    ASSERT_TRUE(admin.create_topic(topic_, 1, 1).ok());
    produce_to(config_, topic_, 0, 10);
    const std::string group = topic_ + "-group";

    auto member = std::make_unique<ActiveMember>(config_.brokers, group, topic_);
    ASSERT_TRUE(eventually([&] { return member->consumed() == 10; })) << member->consumed();
    std::optional<GroupDescription> seen;
    ASSERT_TRUE(eventually([&] {
        auto d = admin.describe_group(group);
        if (!d.ok() || d->state != GroupState::stable || d->members.size() != 1) return false;
        seen = *d;
        return true;
    }));
    const GroupMemberInfo& m = seen->members[0];
    EXPECT_FALSE(m.member_id.empty());
    EXPECT_EQ(m.client_id, "active-member");
    EXPECT_FALSE(m.host.empty());
    ASSERT_EQ(m.assignment.size(), 1u);
    EXPECT_EQ(m.assignment[0], (model::TopicPartition{topic_, model::PartitionId(0)}));
    EXPECT_EQ(seen->protocol, "range");  // librdkafka's default assignor comes first

    auto offsets = admin.group_offsets(group);
    ASSERT_TRUE(offsets.ok()) << offsets.error().to_string();
    auto p0 = find_offset(*offsets, topic_, 0);
    ASSERT_TRUE(p0.has_value());
    EXPECT_EQ(p0->committed, model::Offset(10));
    EXPECT_EQ(p0->lag, 0);
    EXPECT_EQ(p0->member_id, m.member_id);

    auto refused = admin.reset_group_offsets(group, topic_, StartPosition::beginning());
    ASSERT_FALSE(refused.ok());
    EXPECT_TRUE(refused.error().is(Errc::kafka)) << refused.error().to_string();
    EXPECT_THAT(refused.error().message(), HasSubstr("Stable"));
    Status not_deleted = admin.delete_group(group);
    ASSERT_FALSE(not_deleted.ok());
    EXPECT_THAT(not_deleted.error().message(), HasSubstr("NON_EMPTY_GROUP"));

    member->stop();
    ASSERT_TRUE(eventually([&] {
        auto d = admin.describe_group(group);
        return d.ok() && d->state == GroupState::empty;
    }));
    auto reset = admin.reset_group_offsets(group, topic_, StartPosition::beginning());
    ASSERT_TRUE(reset.ok()) << reset.error().to_string();
    ASSERT_EQ(reset->size(), 1u);
    EXPECT_EQ((*reset)[0].previous, model::Offset(10));
    EXPECT_EQ((*reset)[0].next, model::Offset(0));
    offsets = admin.group_offsets(group);
    ASSERT_TRUE(offsets.ok()) << offsets.error().to_string();
    p0 = find_offset(*offsets, topic_, 0);
    ASSERT_TRUE(p0.has_value());
    EXPECT_EQ(p0->lag, 10);
    ASSERT_TRUE(admin.delete_group(group).ok());
    ASSERT_TRUE(admin.delete_topic(topic_).ok());
}

}  // namespace
}  // namespace es::client
