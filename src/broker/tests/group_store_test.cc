// The group coordinator over the real __consumer_offsets topic: what it stored is there after
// the broker restarts, compaction keeps only the latest of each, and a damaged record costs
// only itself.

#include "broker/group_store.h"

#include "broker/group_records.h"
#include "broker/tests/thread_executor.h"
#include "storage/tests/test_util.h"

#include <gtest/gtest.h>

#include <future>

namespace es::broker {
namespace {

using model::PartitionId;
using model::TopicPartition;
using storage::testing::TempDir;

class GroupStoreTest : public ::testing::Test {
  protected:
    void SetUp() override { start(); }
    void TearDown() override { stop(); }

    void start() {
        shards_.push_back(std::make_unique<testing::ThreadExecutor>());
        shards_.push_back(std::make_unique<testing::ThreadExecutor>());
        BrokerConfig config;
        config.data_dir = dir_.path();
        broker_ = std::make_unique<Broker>(
            config, std::vector<Executor*>{shards_[0].get(), shards_[1].get()});
        ASSERT_TRUE(broker_->start().ok());
        store_ = std::make_unique<OffsetsTopicStore>(*broker_, *shards_[0]);
    }

    void stop() {
        store_.reset();
        shards_.clear();
        if (broker_) {
            ASSERT_TRUE(broker_->stop().ok());
        }
        broker_.reset();
    }

    std::vector<GroupRecord> open() {
        std::promise<Result<std::vector<GroupRecord>>> p;
        shards_[0]->post([&] { store_->open([&p](auto r) { p.set_value(std::move(r)); }); });
        auto r = p.get_future().get();
        EXPECT_TRUE(r.ok()) << r.error().to_string();
        return r.ok() ? *r : std::vector<GroupRecord>{};
    }

    Status write(std::vector<GroupRecord> records) {
        std::promise<Status> p;
        store_->write(std::move(records), [&p](Status s) { p.set_value(s); });
        return p.get_future().get();
    }

    static GroupRecord commit(const std::string& group, int32_t partition, int64_t offset) {
        GroupRecord r;
        r.kind = GroupRecord::Kind::offset;
        r.group_id = group;
        r.tp = {"orders", PartitionId(partition)};
        r.offset = CommittedOffset{r.tp, offset, -1, std::nullopt, 1};
        return r;
    }

    TempDir dir_;
    std::vector<std::unique_ptr<testing::ThreadExecutor>> shards_;
    std::unique_ptr<Broker> broker_;
    std::unique_ptr<OffsetsTopicStore> store_;
};

TEST_F(GroupStoreTest, RecordsWrittenBeforeARestartAreReadBackInOrder) {
    EXPECT_TRUE(open().empty());
    auto topic = broker_->catalog().find(OffsetsTopicStore::kTopic);
    ASSERT_TRUE(topic);
    EXPECT_TRUE(topic->internal);
    EXPECT_TRUE(topic->config.compacted());
    ASSERT_TRUE(write({commit("a", 0, 10), commit("a", 1, 20)}).ok());
    ASSERT_TRUE(write({commit("a", 0, 11)}).ok());
    GroupRecord deleted = commit("b", 0, 5);
    ASSERT_TRUE(write({deleted}).ok());
    deleted.offset.reset();
    ASSERT_TRUE(write({deleted}).ok());

    stop();
    start();
    auto records = open();
    ASSERT_EQ(records.size(), 5u);
    EXPECT_EQ(records[0].offset->offset, 10);
    EXPECT_EQ(records[2].offset->offset, 11);
    EXPECT_FALSE(records[4].offset) << "the tombstone comes back as one";
}

TEST_F(GroupStoreTest, ACoordinatorRestartedOnTheStoreKeepsCommittedOffsets) {
    open();
    GroupConfig config;
    config.min_session_timeout_ms = 10;
    auto coordinator = std::make_unique<GroupCoordinator>(config, *shards_[0], *store_);
    testing::ThreadExecutor origin;
    std::promise<Status> committed;
    coordinator->commit_offsets(origin, "g", -1, {}, {{{"orders", PartitionId(2)}, 77, -1, {}}},
                                [&](Status s) { committed.set_value(s); });
    ASSERT_TRUE(committed.get_future().get().ok());
    std::promise<void> gone;
    shards_[0]->post([&] {
        coordinator.reset();
        gone.set_value();
    });
    gone.get_future().wait();

    stop();
    start();
    auto again = std::make_unique<GroupCoordinator>(config, *shards_[0], *store_);
    again->load(open());
    std::promise<Result<std::vector<CommittedOffset>>> fetched;
    again->fetch_offsets(origin, "g", std::nullopt,
                         [&](auto r) { fetched.set_value(std::move(r)); });
    auto offsets = fetched.get_future().get();
    ASSERT_TRUE(offsets.ok());
    ASSERT_EQ(offsets->size(), 1u);
    EXPECT_EQ(offsets->at(0).offset, 77);
    std::promise<void> gone_again;
    shards_[0]->post([&] {
        again.reset();
        gone_again.set_value();
    });
    gone_again.get_future().wait();
}

}  // namespace
}  // namespace es::broker
