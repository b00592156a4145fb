// client/'s GroupConsumer and transactional Producer against the real `edgestream serve`: the
// consume-transform-produce loop the stream processor runs for exactly-once, killed mid-
// transaction and restarted, and shared by two members across a rebalance. The output, read
// with read_committed, must hold every input exactly once. Also what librdkafka's 2.0.2 mock
// cannot show: that an aborted transaction's records stay invisible.

#include "client/admin.h"
#include "client/errc.h"
#include "client/group_consumer.h"
#include "client/producer.h"
#include "client/tests/client_test_util.h"

#include "tests/integration/broker_process.h"
#include "tests/integration/txn_util.h"
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace es::client {
namespace {

using namespace std::chrono_literals;
using model::PartitionId;
using model::TopicPartition;

/// One instance of an exactly-once application: a group member and a transactional producer,
/// each poll's records transformed ("out-" + value, same partition) and written in one
/// transaction together with the input offsets they advance to.
class Processor : public RebalanceListener {
  public:
    Processor(const ClientConfig& config, std::string group, std::string txn_id)
        : config_(config), group_(std::move(group)), txn_id_(std::move(txn_id)) {}

    void start(const std::string& input) {
        ClientConfig consumer_config = config_;
        consumer_config.properties = {{"heartbeat.interval.ms", "100"},
                                      {"session.timeout.ms", "6000"}};
        auto consumer = GroupConsumer::make(consumer_config, group_, this);
        ASSERT_TRUE(consumer.ok()) << consumer.error().to_string();
        consumer_ = std::move(consumer).value();
        ASSERT_TRUE(consumer_->subscribe({input}).ok());

        ClientConfig producer_config = config_;
        producer_config.properties = {{"transactional.id", txn_id_}, {"linger.ms", "5"}};
        auto producer = Producer::make(producer_config);
        ASSERT_TRUE(producer.ok()) << producer.error().to_string();
        producer_ = std::move(producer).value();
        // Fences an earlier instance with this id and aborts the transaction it left open.
        Status init = producer_->init_transactions(30s);
        ASSERT_TRUE(init.ok()) << init.error().to_string();
    }

    /// One poll and, when it brought records, one transaction. `commit` false leaves the
    /// transaction open with its records written and its offsets sent: a crash before commit.
    void step(const std::string& output, bool commit = true) {
        auto batch = consumer_->poll_batch(20, 100ms);
        ASSERT_TRUE(batch.ok()) << batch.error().to_string();
        last_batch_ = batch->size();
        if (batch->empty()) return;
        ASSERT_TRUE(producer_->begin_transaction().ok());
        std::map<TopicPartition, model::Offset> first, next;
        for (const MessageView& m : *batch) {
            TopicPartition tp{std::string(m.topic), m.partition};
            first.emplace(tp, m.offset);
            next[tp] = m.offset + 1;
            std::string value = "out-" + std::string(m.value->begin(), m.value->end());
            ProducerRecord r;
            r.topic = output;
            r.partition = m.partition;
            r.value = as_bytes(value);
            ASSERT_TRUE(producer_->send(r).ok());
        }
        std::vector<TopicPartitionOffset> offsets;
        for (const auto& [tp, offset] : next) offsets.push_back({tp, offset});
        Status status = producer_->send_offsets_to_transaction(offsets, *consumer_, 30s);
        if (!commit) {
            ASSERT_TRUE(status.ok()) << status.error().to_string();
            ASSERT_TRUE(producer_->flush(30s).ok()) << "the records reach the log, uncommitted";
            return;
        }
        if (status.ok()) status = producer_->commit_transaction(30s);
        if (status.ok()) {
            processed_ += batch->size();
            return;
        }
        // A rebalance the member has not served yet can make the coordinator refuse the
        // offsets (an old generation): abort and read the batch again, or let its next owner.
        ASSERT_TRUE(status.error().is(Errc::abortable)) << status.error().to_string();
        ++aborted_;
        ASSERT_TRUE(producer_->abort_transaction(30s).ok());
        for (const auto& [tp, offset] : first) {
            // A partition already revoked is not rewound: its next owner reads it from the
            // committed offset.
            Status rewound = consumer_->seek(tp, offset);
            if (!rewound.ok()) {
                ASSERT_TRUE(rewound.error().is(Errc::invalid_argument));
            }
        }
    }

    /// Destroys both clients without committing or leaving cleanly first, as a crash would.
    void kill() {
        producer_.reset();
        consumer_.reset();
    }

    void on_assigned(const std::vector<TopicPartition>& p) override { assigned_ += p.size(); }
    void on_revoked(const std::vector<TopicPartition>& p) override { revoked_ += p.size(); }
    void on_lost(const std::vector<TopicPartition>& p) override { lost_ += p.size(); }

    GroupConsumer& consumer() { return *consumer_; }
    size_t processed() const { return processed_; }
    /// Records the last step() polled.
    size_t last_batch() const { return last_batch_; }
    size_t aborted() const { return aborted_; }
    size_t revoked() const { return revoked_; }
    size_t assigned() const { return assigned_; }

  private:
    ClientConfig config_;
    std::string group_, txn_id_;
    std::unique_ptr<GroupConsumer> consumer_;
    std::unique_ptr<Producer> producer_;
    size_t processed_ = 0, last_batch_ = 0, aborted_ = 0, revoked_ = 0, assigned_ = 0, lost_ = 0;
};

class GroupTxnRealBroker : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(broker_.start()) << broker_.log();
        config_.brokers = broker_.brokers();
        config_.timeout = 10s;
        auto admin = Admin::make(config_);
        ASSERT_TRUE(admin.ok()) << admin.error().to_string();
        admin_ = std::move(admin).value();
    }
    void TearDown() override {
        if (HasFailure()) std::printf("--- serve.log ---\n%s\n", broker_.log().c_str());
    }

    /// `per_partition` records "<p>-<i>" in each partition of a new topic `input`, and an
    /// empty `output` with as many partitions.
    void make_topics(const std::string& input, const std::string& output, int partitions,
                     int per_partition) {
        ASSERT_TRUE(admin_->create_topic(input, partitions, 1).ok());
        ASSERT_TRUE(admin_->create_topic(output, partitions, 1).ok());
        auto producer = testing::make_producer(config_);
        ASSERT_TRUE(producer);
        for (int p = 0; p < partitions; ++p) {
            for (int i = 0; i < per_partition; ++i) {
                std::string value = std::to_string(p) + "-" + std::to_string(i);
                ProducerRecord r;
                r.topic = input;
                r.partition = PartitionId(p);
                r.value = as_bytes(value);
                ASSERT_TRUE(producer->send(r).ok());
            }
        }
        ASSERT_TRUE(producer->flush(30s).ok());
    }

    /// True when the group has committed the end of every input partition.
    bool all_committed(GroupConsumer& consumer, const std::string& input, int partitions,
                       int per_partition) {
        std::vector<TopicPartition> tps;
        for (int p = 0; p < partitions; ++p) tps.push_back({input, PartitionId(p)});
        auto committed = consumer.committed(tps);
        if (!committed.ok()) return false;  // e.g. an offset commit still pending: ask again
        if (committed->size() != tps.size()) return false;
        for (const TopicPartitionOffset& o : *committed) {
            if (o.offset != model::Offset(per_partition)) return false;
        }
        return true;
    }

    /// Every input exactly once in the read_committed output, in its partition; returns how many
    /// records a read_uncommitted reader sees (aborted ones included).
    size_t expect_exactly_once(const std::string& output, int partitions, int per_partition) {
        size_t raw = 0;
        for (int p = 0; p < partitions; ++p) {
            std::map<std::string, int> times;
            for (const auto& r : integration::txn_test::read_partition(broker_.brokers(), output, p,
                                                                       /*committed=*/true)) {
                times[r.value]++;
            }
            int missing = 0, duplicated = 0;
            for (int i = 0; i < per_partition; ++i) {
                int n = times["out-" + std::to_string(p) + "-" + std::to_string(i)];
                missing += n == 0;
                duplicated += n > 1;
            }
            EXPECT_EQ(missing, 0) << "partition " << p;
            EXPECT_EQ(duplicated, 0) << "partition " << p;
            EXPECT_EQ(times.size(), static_cast<size_t>(per_partition)) << "partition " << p;
            raw += integration::txn_test::read_partition(broker_.brokers(), output, p,
                                                         /*committed=*/false)
                       .size();
        }
        return raw;
    }

    integration::BrokerProcess broker_{integration::txn_test::kTxnConfig};
    ClientConfig config_;
    std::unique_ptr<Admin> admin_;
};

TEST_F(GroupTxnRealBroker, KilledMidTransactionAndRestartedOutputsEveryInputExactlyOnce) {
    constexpr int kPartitions = 2, kPerPartition = 100;
    make_topics("eos-in", "eos-out", kPartitions, kPerPartition);

    {
        Processor first(config_, "eos-group", "eos-app");
        first.start("eos-in");
        auto guard = std::chrono::steady_clock::now() + 60s;
        while (first.processed() < 60 && std::chrono::steady_clock::now() < guard) {
            first.step("eos-out");
            ASSERT_FALSE(HasFatalFailure());
        }
        ASSERT_GE(first.processed(), 60u);
        // The crash: a transaction with its records in the log and its offsets sent, never
        // committed.
        do {
            first.step("eos-out", /*commit=*/false);
            ASSERT_FALSE(HasFatalFailure());
        } while (first.last_batch() == 0 && std::chrono::steady_clock::now() < guard);
        ASSERT_GT(first.last_batch(), 0u);
        first.kill();
    }

    Processor second(config_, "eos-group", "eos-app");
    second.start("eos-in");
    auto guard = std::chrono::steady_clock::now() + 120s;
    while (!all_committed(second.consumer(), "eos-in", kPartitions, kPerPartition) &&
           std::chrono::steady_clock::now() < guard) {
        second.step("eos-out");
        ASSERT_FALSE(HasFatalFailure());
    }
    ASSERT_TRUE(all_committed(second.consumer(), "eos-in", kPartitions, kPerPartition));

    size_t raw = expect_exactly_once("eos-out", kPartitions, kPerPartition);
    EXPECT_GT(raw, size_t{kPartitions * kPerPartition})
        << "the killed instance's open transaction was in the log (and aborted)";
    std::printf(
        "checked: %d inputs, the first instance killed with a written but uncommitted "
        "transaction, the restart (same transactional.id) resumed from the committed offsets: "
        "read_committed output has each input once (%zu records in the raw log)\n",
        kPartitions * kPerPartition, raw);
}

TEST_F(GroupTxnRealBroker, TwoMembersAcrossARebalanceOutputEveryInputExactlyOnce) {
    constexpr int kPartitions = 4, kPerPartition = 50;
    make_topics("pair-in", "pair-out", kPartitions, kPerPartition);

    Processor a(config_, "pair-group", "pair-a");
    a.start("pair-in");
    auto guard = std::chrono::steady_clock::now() + 60s;
    while (a.processed() < 40 && std::chrono::steady_clock::now() < guard) {
        a.step("pair-out");
        ASSERT_FALSE(HasFatalFailure());
    }
    ASSERT_GE(a.processed(), 40u);
    EXPECT_EQ(a.consumer().assignment().size(), size_t{kPartitions});

    Processor b(config_, "pair-group", "pair-b");
    b.start("pair-in");
    guard = std::chrono::steady_clock::now() + 120s;
    while (!all_committed(a.consumer(), "pair-in", kPartitions, kPerPartition) &&
           std::chrono::steady_clock::now() < guard) {
        a.step("pair-out");
        ASSERT_FALSE(HasFatalFailure());
        b.step("pair-out");
        ASSERT_FALSE(HasFatalFailure());
    }
    ASSERT_TRUE(all_committed(a.consumer(), "pair-in", kPartitions, kPerPartition));
    EXPECT_GE(a.revoked(), 1u) << "a gave partitions up when b joined";
    EXPECT_GE(b.assigned(), 1u);
    EXPECT_GT(b.processed(), 0u) << "b took over part of the input";
    EXPECT_EQ(a.processed() + b.processed(), size_t{kPartitions * kPerPartition})
        << "committed transactions covered each input once";

    expect_exactly_once("pair-out", kPartitions, kPerPartition);
    std::printf(
        "checked: %d inputs, member a alone then a and b after a rebalance (a revoked %zu, b "
        "assigned %zu partitions; a processed %zu, b %zu, %zu transactions aborted and redone): "
        "read_committed output has each input once\n",
        kPartitions * kPerPartition, a.revoked(), b.assigned(), a.processed(), b.processed(),
        a.aborted() + b.aborted());
}

TEST_F(GroupTxnRealBroker, AbortedTransactionStaysInvisibleToReadCommitted) {
    ASSERT_TRUE(admin_->create_topic("abort-out", 1, 1).ok());
    ClientConfig config = config_;
    config.properties = {{"transactional.id", "abort-app"}};
    auto made = Producer::make(config);
    ASSERT_TRUE(made.ok());
    Producer& producer = **made;
    ASSERT_TRUE(producer.init_transactions(30s).ok());
    auto send = [&](const std::string& value) {
        ProducerRecord r;
        r.topic = "abort-out";
        r.value = as_bytes(value);
        ASSERT_TRUE(producer.send(r).ok());
    };
    ASSERT_TRUE(producer.begin_transaction().ok());
    send("aborted-1");
    send("aborted-2");
    ASSERT_TRUE(producer.flush(30s).ok()) << "in the log before the abort";
    ASSERT_TRUE(producer.abort_transaction(30s).ok());
    ASSERT_TRUE(producer.begin_transaction().ok());
    send("committed");
    ASSERT_TRUE(producer.commit_transaction(30s).ok());

    auto visible = integration::txn_test::values(
        integration::txn_test::read_partition(broker_.brokers(), "abort-out", 0, true));
    EXPECT_EQ(visible, std::vector<std::string>{"committed"});
    auto raw = integration::txn_test::values(
        integration::txn_test::read_partition(broker_.brokers(), "abort-out", 0, false));
    EXPECT_EQ(raw.size(), 3u) << "read_uncommitted sees the aborted records too";
    std::printf(
        "checked: 2 records of an aborted transaction are invisible to read_committed, "
        "the next transaction's record is visible\n");
}

TEST_F(GroupTxnRealBroker, ASecondInstanceFencesTheFirstWhichGetsErrcFenced) {
    ASSERT_TRUE(admin_->create_topic("fence-out", 1, 1).ok());
    ClientConfig config = config_;
    config.properties = {{"transactional.id", "fence-app"}};
    auto first = Producer::make(config);
    ASSERT_TRUE(first.ok());
    ASSERT_TRUE((*first)->init_transactions(30s).ok());
    ASSERT_TRUE((*first)->begin_transaction().ok());
    ProducerRecord r;
    r.topic = "fence-out";
    r.value = as_bytes("zombie");
    ASSERT_TRUE((*first)->send(r).ok());
    ASSERT_TRUE((*first)->flush(30s).ok());

    auto second = Producer::make(config);
    ASSERT_TRUE(second.ok());
    ASSERT_TRUE((*second)->init_transactions(30s).ok());

    Status committed = (*first)->commit_transaction(30s);
    ASSERT_FALSE(committed.ok());
    EXPECT_TRUE(committed.error().is(Errc::fenced)) << committed.error().to_string();
    EXPECT_TRUE(
        integration::txn_test::read_partition(broker_.brokers(), "fence-out", 0, true).empty())
        << "the zombie's transaction was aborted by the second init";
    std::printf(
        "checked: the first producer's commit after a second init_transactions() with "
        "the same transactional.id failed with Errc::fenced: %s\n",
        committed.error().message().c_str());
}

}  // namespace
}  // namespace es::client
