// The transaction coordinator over a real broker: __transaction_state, the markers it writes to
// the partitions, the pending offsets it ends in the group coordinator, and its restart.

#include "broker/txn_coordinator.h"

#include "base/clock.h"
#include "broker/errc.h"
#include "broker/group_coordinator.h"
#include "broker/group_store.h"
#include "broker/internal_topic.h"
#include "broker/tests/broker_fixture.h"
#include "broker/txn_errc.h"
#include "broker/txn_records.h"
#include "model/record_batch.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <iostream>
#include <thread>

namespace es::broker {
namespace {

using model::Offset;
using model::PartitionId;
using model::ProducerEpoch;
using model::ProducerId;
using model::TopicPartition;

Bytes txn_batch(ProducerId pid, ProducerEpoch epoch, int32_t seq, const std::string& value) {
    model::BatchOptions options;
    options.producer_id = pid;
    options.producer_epoch = epoch;
    options.base_sequence = seq;
    options.transactional = true;
    model::RecordBatchBuilder builder(Offset(0), options);
    builder.add(as_bytes("k"), as_bytes(value), wall_clock_ms());
    return std::move(builder.build()).value();
}

/// The data values a fetch returned (control batches skipped).
std::vector<std::string> data_values(const Buffer& records) {
    std::vector<std::string> out;
    BytesView rest = records.view();
    while (!rest.empty()) {
        auto b = model::RecordBatchView::parse(rest);
        if (!b.ok()) break;
        if (!b->is_control()) {
            auto set = b->records(1 << 20);
            if (set.ok()) {
                for (const auto& r : *set) out.emplace_back(as_string_view(*r.value));
            }
        }
        rest = rest.subspan(b->size());
    }
    return out;
}

class TxnCoordinatorTest : public testing::BrokerTestBase {
  protected:
    void SetUp() override {
        BrokerTestBase::SetUp();
        start_coordinators();
        create("a");
        create("b");
    }
    void TearDown() override {
        stop_coordinators();
        BrokerTestBase::TearDown();
    }

    void start_coordinators() {
        Executor& home = *shards_[0];
        store_ = std::make_unique<OffsetsTopicStore>(*broker_, home);
        groups_ = std::make_unique<GroupCoordinator>(GroupConfig{}, home, *store_);
        auto records = await<Result<std::vector<GroupRecord>>>(
            [&](auto done) { home.post([&, done] { store_->open(done); }); });
        ASSERT_TRUE(records.ok()) << records.error().to_string();
        groups_->load(*records);
        txns_ = std::make_unique<TxnCoordinator>(txn_config_, *broker_, *groups_, home);
        auto loaded =
            await<Status>([&](auto done) { home.post([&, done] { txns_->load(done); }); });
        ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
    }
    void stop_coordinators() {
        if (shards_.empty()) return;
        await<bool>([&](auto done) {
            shards_[0]->post([&, done] {
                txns_.reset();
                groups_.reset();
                store_.reset();
                done(true);
            });
        });
    }
    void restart_all() {
        stop_coordinators();
        restart();
        start_coordinators();
    }

    void create(const std::string& topic) {
        auto created = await<Result<TopicInfo>>(
            [&](auto done) { broker_->create_topic(origin_, topic, 1, {}, false, done); });
        ASSERT_TRUE(created.ok()) << created.error().to_string();
    }
    Result<InitProducerIdOutput> init(const std::string& id, int32_t timeout_ms = 60000) {
        InitTxnProducerInput in;
        in.transactional_id = id;
        in.timeout_ms = timeout_ms;
        return await<Result<InitProducerIdOutput>>(
            [&](auto done) { txns_->init_producer_id(origin_, in, done); });
    }
    std::vector<Status> add(const std::string& id, const InitProducerIdOutput& p,
                            std::vector<TopicPartition> tps) {
        return await<std::vector<Status>>([&](auto done) {
            txns_->add_partitions(origin_, id, p.producer_id, p.producer_epoch, tps, done);
        });
    }
    Status add_offsets(const std::string& id, const InitProducerIdOutput& p,
                       const std::string& group) {
        return await<Status>([&](auto done) {
            txns_->add_offsets(origin_, id, p.producer_id, p.producer_epoch, group, done);
        });
    }
    Status check_offsets(const std::string& id, const InitProducerIdOutput& p,
                         const std::string& group) {
        return await<Status>([&](auto done) {
            txns_->check_offsets_commit(origin_, id, p.producer_id, p.producer_epoch, group, done);
        });
    }
    Status end(const std::string& id, const InitProducerIdOutput& p, bool commit) {
        return await<Status>([&](auto done) {
            txns_->end_txn(origin_, id, p.producer_id, p.producer_epoch, commit, done);
        });
    }
    Result<TxnMetadata> describe(const std::string& id) {
        return await<std::vector<Result<TxnMetadata>>>(
            [&](auto done) { txns_->describe(origin_, {id}, done); })[0];
    }
    /// Waits (up to 10 s) for the id to reach `state`.
    bool wait_for(const std::string& id, TxnState state) {
        for (int i = 0; i < 1000; ++i) {
            auto d = describe(id);
            if (d.ok() && d->state == state) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return false;
    }
    ProduceOutput produce(const TopicPartition& tp, Bytes data) {
        return await<std::vector<ProduceOutput>>([&](auto done) {
            broker_->produce(origin_, {{tp, MutableBytesView(data)}}, -1, done);
        })[0];
    }
    FetchOutput fetch(const TopicPartition& tp, bool read_committed) {
        FetchSpec spec;
        spec.partitions.push_back({tp, Offset(0), 1 << 20});
        spec.min_bytes = 0;
        spec.max_wait_ms = 0;
        spec.read_committed = read_committed;
        auto out = await<std::vector<FetchOutput>>(
            [&](auto done) { broker_->fetch(origin_, spec, done); });
        return std::move(out[0]);
    }
    Status commit_offset(const std::string& group, int64_t offset) {
        return await<Status>([&](auto done) {
            groups_->commit_offsets(origin_, group, -1, {}, {{kA, offset, -1, {}}}, done);
        });
    }
    Status txn_commit_offset(const std::string& group, ProducerId pid, int64_t offset) {
        return await<Status>([&](auto done) {
            groups_->txn_commit_offsets(origin_, group, pid, -1, {}, {{kA, offset, -1, {}}}, done);
        });
    }
    CommittedOffset fetch_offset(const std::string& group) {
        auto r = await<Result<std::vector<CommittedOffset>>>([&](auto done) {
            groups_->fetch_offsets(origin_, group, std::vector<TopicPartition>{kA}, done);
        });
        EXPECT_TRUE(r.ok());
        if (!r.ok() || r->empty()) return {};
        return r->at(0);
    }

    static inline const TopicPartition kA{"a", PartitionId(0)};
    static inline const TopicPartition kB{"b", PartitionId(0)};
    TxnConfig txn_config_;
    std::unique_ptr<OffsetsTopicStore> store_;
    std::unique_ptr<GroupCoordinator> groups_;
    std::unique_ptr<TxnCoordinator> txns_;
};

TEST_F(TxnCoordinatorTest, InitGivesEpochZeroAndReInitBumpsIt) {
    auto first = init("tx");
    ASSERT_TRUE(first.ok()) << first.error().to_string();
    EXPECT_EQ(first->producer_epoch, ProducerEpoch(0));
    auto second = init("tx");
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(second->producer_id, first->producer_id);
    EXPECT_EQ(second->producer_epoch, ProducerEpoch(1));
    auto other = init("other");
    ASSERT_TRUE(other.ok());
    EXPECT_NE(other->producer_id, first->producer_id);
    auto d = describe("tx");
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->state, TxnState::empty);
    EXPECT_EQ(d->producer_epoch, ProducerEpoch(1));
    auto listed = await<std::vector<TxnMetadata>>([&](auto done) { txns_->list(origin_, done); });
    ASSERT_EQ(listed.size(), 2u);
    EXPECT_EQ(listed[0].transactional_id, "other");
    EXPECT_EQ(listed[1].transactional_id, "tx");
    auto unknown = describe("nobody");
    ASSERT_FALSE(unknown.ok());
    EXPECT_TRUE(unknown.error().is(TxnErrc::transactional_id_not_found));
    std::cout
        << "checked: a new id gets epoch 0, a re-init keeps the id and bumps to 1; list shows "
           "both ids; describe of an unknown id is transactional_id_not_found\n";
}

TEST_F(TxnCoordinatorTest, ReInitAbortsTheOpenTransactionWithTheNewEpoch) {
    auto p = init("tx");
    ASSERT_TRUE(p.ok());
    auto added = add("tx", *p, {kA, kB});
    ASSERT_TRUE(added[0].ok() && added[1].ok());
    ASSERT_FALSE(produce(kA, txn_batch(p->producer_id, p->producer_epoch, 0, "zombie")).error);
    EXPECT_EQ(fetch(kA, true).last_stable_offset, Offset(0));
    auto again = init("tx");
    ASSERT_TRUE(again.ok()) << again.error().to_string();
    EXPECT_EQ(again->producer_epoch, ProducerEpoch(1));
    FetchOutput out = fetch(kA, true);
    EXPECT_EQ(out.last_stable_offset, Offset(2)) << "the abort marker at 1 closed it";
    ASSERT_EQ(out.aborted_transactions.size(), 1u);
    EXPECT_EQ(out.aborted_transactions[0].producer_id, p->producer_id);
    EXPECT_EQ(fetch(kB, true).high_watermark, Offset(1)) << "a marker on b too";
    ProduceOutput late = produce(kA, txn_batch(p->producer_id, p->producer_epoch, 1, "late"));
    ASSERT_TRUE(late.error);
    EXPECT_TRUE(late.error->is(Errc::invalid_producer_epoch));
    auto fenced = add("tx", *p, {kA});
    EXPECT_TRUE(!fenced[0].ok() && fenced[0].error().is(Errc::producer_fenced));
    auto d = describe("tx");
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->state, TxnState::complete_abort);
    EXPECT_TRUE(d->partitions.empty());
    std::cout << "checked: init while a transaction is open aborts it at epoch 1 (markers on a and "
                 "b, aborted range listed), and fences the old epoch on the partition and the "
                 "coordinator\n";
}

TEST_F(TxnCoordinatorTest, RequestsAreCheckedAgainstTheIdProducerAndEpoch) {
    auto p = init("tx");
    ASSERT_TRUE(p.ok());
    auto results = add("tx", *p, {kA, {"missing", PartitionId(0)}, {"a", PartitionId(5)}});
    ASSERT_EQ(results.size(), 3u);
    EXPECT_TRUE(!results[0].ok() && results[0].error().is(TxnErrc::operation_not_attempted));
    EXPECT_TRUE(!results[1].ok() && results[1].error().is(Errc::unknown_topic_or_partition));
    EXPECT_TRUE(!results[2].ok() && results[2].error().is(Errc::unknown_topic_or_partition));
    EXPECT_EQ(describe("tx")->state, TxnState::empty) << "nothing was added";

    InitProducerIdOutput wrong_id{ProducerId(p->producer_id.value() + 100), p->producer_epoch};
    auto mapping = add("tx", wrong_id, {kA});
    EXPECT_TRUE(!mapping[0].ok() && mapping[0].error().is(TxnErrc::invalid_producer_id_mapping));
    Status unknown_id = end("nobody", *p, true);
    EXPECT_TRUE(!unknown_id.ok() && unknown_id.error().is(TxnErrc::invalid_producer_id_mapping));

    auto bumped = init("tx");
    ASSERT_TRUE(bumped.ok());
    Status old_epoch = end("tx", *p, true);
    EXPECT_TRUE(!old_epoch.ok() && old_epoch.error().is(Errc::producer_fenced));

    Status in_empty = end("tx", *bumped, true);
    EXPECT_TRUE(!in_empty.ok() && in_empty.error().is(TxnErrc::invalid_txn_state));
    EXPECT_TRUE(add("tx", *bumped, {kA})[0].ok());
    EXPECT_EQ(describe("tx")->state, TxnState::ongoing);
    ASSERT_TRUE(end("tx", *bumped, true).ok());
    EXPECT_TRUE(end("tx", *bumped, true).ok()) << "a retried commit";
    Status abort_after = end("tx", *bumped, false);
    EXPECT_TRUE(!abort_after.ok() && abort_after.error().is(TxnErrc::invalid_txn_state));

    for (int32_t timeout : {0, -1, txn_config_.max_timeout_ms + 1}) {
        auto bad = init("tx", timeout);
        EXPECT_TRUE(!bad.ok() && bad.error().is(TxnErrc::invalid_transaction_timeout)) << timeout;
    }
    EXPECT_TRUE(init("tx", txn_config_.max_timeout_ms).ok());
    std::cout << "checked: unknown partitions fail with unknown_topic_or_partition and the others "
                 "operation_not_attempted; wrong id -> invalid_producer_id_mapping; old epoch -> "
                 "producer_fenced; EndTxn in Empty / abort after commit -> invalid_txn_state, a "
                 "retried commit ok; bad timeouts -> invalid_transaction_timeout\n";
}

TEST_F(TxnCoordinatorTest, ACommitMakesTheRecordsVisible) {
    auto p = init("tx");
    ASSERT_TRUE(p.ok());
    ASSERT_TRUE(add("tx", *p, {kA})[0].ok());
    ASSERT_FALSE(produce(kA, txn_batch(p->producer_id, p->producer_epoch, 0, "v")).error);
    EXPECT_TRUE(data_values(fetch(kA, true).records).empty());
    ASSERT_TRUE(end("tx", *p, true).ok());
    FetchOutput out = fetch(kA, true);
    EXPECT_EQ(out.last_stable_offset, Offset(2));
    EXPECT_EQ(data_values(out.records), std::vector<std::string>{"v"});
    EXPECT_TRUE(out.aborted_transactions.empty());
    EXPECT_EQ(describe("tx")->state, TxnState::complete_commit);
    std::cout << "checked: EndTxn commit writes the marker: read_committed returns the record\n";
}

TEST_F(TxnCoordinatorTest, ATimedOutTransactionIsAbortedWithANewEpoch) {
    auto p = init("tx", 1000);
    ASSERT_TRUE(p.ok());
    ASSERT_TRUE(add("tx", *p, {kA})[0].ok());
    ASSERT_FALSE(produce(kA, txn_batch(p->producer_id, p->producer_epoch, 0, "slow")).error);
    auto run_abort = [&](int64_t now) {
        await<bool>([&](auto done) {
            shards_[0]->post([&, now, done] {
                txns_->abort_timed_out(now);
                done(true);
            });
        });
    };
    run_abort(wall_clock_ms());
    EXPECT_EQ(describe("tx")->state, TxnState::ongoing) << "not yet timed out";
    run_abort(wall_clock_ms() + 5000);
    ASSERT_TRUE(wait_for("tx", TxnState::complete_abort));
    EXPECT_EQ(describe("tx")->producer_epoch, ProducerEpoch(1));
    FetchOutput out = fetch(kA, true);
    EXPECT_EQ(out.last_stable_offset, Offset(2));
    EXPECT_EQ(out.aborted_transactions.size(), 1u);
    Status late = end("tx", *p, true);
    EXPECT_TRUE(!late.ok() && late.error().is(Errc::producer_fenced));
    std::cout << "checked: abort_timed_out aborts a transaction older than its timeout at epoch 1 "
                 "and fences the old producer\n";
}

TEST_F(TxnCoordinatorTest, TransactionalOffsetsArePendingUntilTheTransactionEnds) {
    auto p = init("tx");
    ASSERT_TRUE(p.ok());
    ASSERT_TRUE(commit_offset("g", 5).ok());
    Status not_added = check_offsets("tx", *p, "g");
    EXPECT_TRUE(!not_added.ok() && not_added.error().is(TxnErrc::invalid_txn_state));
    ASSERT_TRUE(add_offsets("tx", *p, "g").ok());
    EXPECT_TRUE(check_offsets("tx", *p, "g").ok());
    Status other = check_offsets("tx", *p, "other");
    EXPECT_TRUE(!other.ok() && other.error().is(TxnErrc::invalid_txn_state));
    ASSERT_TRUE(txn_commit_offset("g", p->producer_id, 10).ok());
    CommittedOffset before = fetch_offset("g");
    EXPECT_EQ(before.offset, 5);
    EXPECT_TRUE(before.pending_transaction);
    ASSERT_TRUE(end("tx", *p, true).ok());
    CommittedOffset after = fetch_offset("g");
    EXPECT_EQ(after.offset, 10);
    EXPECT_FALSE(after.pending_transaction);

    ASSERT_TRUE(add_offsets("tx", *p, "g").ok());
    ASSERT_TRUE(txn_commit_offset("g", p->producer_id, 20).ok());
    EXPECT_TRUE(fetch_offset("g").pending_transaction);
    ASSERT_TRUE(end("tx", *p, false).ok());
    CommittedOffset aborted = fetch_offset("g");
    EXPECT_EQ(aborted.offset, 10);
    EXPECT_FALSE(aborted.pending_transaction);
    std::cout << "checked: TxnOffsetCommit needs AddOffsetsToTxn; its offset is pending (5 shown) "
                 "until the commit makes it 10; an aborted 20 leaves 10\n";
}

TEST_F(TxnCoordinatorTest, AnOffsetCommitIsNotRefusedWhilePartitionsAreBeingAdded) {
    // A client adds partitions (records to new partitions) and commits its offsets at the same
    // time; the offsets check must not answer CONCURRENT_TRANSACTIONS meanwhile, which costs a
    // librdkafka client a 500 ms retry per commit.
    auto p = init("tx");
    ASSERT_TRUE(p.ok());
    ASSERT_TRUE(add_offsets("tx", *p, "g").ok());
    std::promise<std::vector<Status>> added;
    txns_->add_partitions(origin_, "tx", p->producer_id, p->producer_epoch, {kB},
                          [&](std::vector<Status> s) { added.set_value(std::move(s)); });
    Status checked = check_offsets("tx", *p, "g");
    EXPECT_TRUE(checked.ok()) << checked.error().to_string();
    auto statuses = added.get_future().get();
    ASSERT_EQ(statuses.size(), 1u);
    EXPECT_TRUE(statuses[0].ok()) << statuses[0].error().to_string();
    // A state change proper (EndTxn) still waits for the one being written.
    ASSERT_TRUE(end("tx", *p, true).ok());
    std::cout << "checked: TxnOffsetCommit's check passes while AddPartitionsToTxn is written\n";
}

TEST_F(TxnCoordinatorTest, ARestartKeepsIdsEpochsAndOffsets) {
    auto a = init("a-id");
    ASSERT_TRUE(a.ok());
    auto a1 = init("a-id");
    ASSERT_TRUE(a1.ok());
    auto b = init("b-id");
    ASSERT_TRUE(b.ok());
    ASSERT_TRUE(add_offsets("a-id", *a1, "g").ok());
    ASSERT_TRUE(txn_commit_offset("g", a1->producer_id, 42).ok());
    ASSERT_TRUE(end("a-id", *a1, true).ok());
    ASSERT_TRUE(add("b-id", *b, {kB})[0].ok());
    ASSERT_TRUE(add_offsets("b-id", *b, "g").ok());
    ASSERT_TRUE(txn_commit_offset("g", b->producer_id, 50).ok());
    restart_all();
    auto da = describe("a-id");
    ASSERT_TRUE(da.ok()) << da.error().to_string();
    EXPECT_EQ(da->producer_id, a->producer_id);
    EXPECT_EQ(da->producer_epoch, ProducerEpoch(1));
    EXPECT_EQ(da->state, TxnState::complete_commit);
    auto db = describe("b-id");
    ASSERT_TRUE(db.ok());
    EXPECT_EQ(db->state, TxnState::ongoing);
    EXPECT_EQ(db->partitions, std::vector<TopicPartition>{kB});
    EXPECT_EQ(db->groups, std::vector<std::string>{"g"});
    CommittedOffset g = fetch_offset("g");
    EXPECT_EQ(g.offset, 42);
    EXPECT_TRUE(g.pending_transaction) << "b's pending offset came back too";
    ASSERT_TRUE(end("b-id", *b, true).ok()) << "the reloaded transaction can be ended";
    EXPECT_EQ(fetch_offset("g").offset, 50);
    auto a2 = init("a-id");
    ASSERT_TRUE(a2.ok());
    EXPECT_EQ(a2->producer_id, a->producer_id);
    EXPECT_EQ(a2->producer_epoch, ProducerEpoch(2));
    auto fresh = init("c-id");
    ASSERT_TRUE(fresh.ok());
    EXPECT_NE(fresh->producer_id, a->producer_id);
    EXPECT_NE(fresh->producer_id, b->producer_id);
    std::cout << "checked: after a restart ids, epochs, states, partitions, groups and committed "
                 "and pending offsets come back from __transaction_state and __consumer_offsets\n";
}

TEST_F(TxnCoordinatorTest, APrepareCommitFoundAtLoadIsCompleted) {
    auto p = init("tx");
    ASSERT_TRUE(p.ok());
    ASSERT_TRUE(add("tx", *p, {kA, kB})[0].ok());
    ASSERT_FALSE(produce(kA, txn_batch(p->producer_id, p->producer_epoch, 0, "decided")).error);
    ASSERT_FALSE(produce(kB, txn_batch(p->producer_id, p->producer_epoch, 0, "also")).error);
    stop_coordinators();
    // As if the coordinator crashed right after writing its decision.
    TxnMetadata m;
    m.transactional_id = "tx";
    m.producer_id = p->producer_id;
    m.producer_epoch = p->producer_epoch;
    m.timeout_ms = 60000;
    m.state = TxnState::prepare_commit;
    m.partitions = {kA, kB};
    m.start_ms = wall_clock_ms();
    m.update_ms = m.start_ms;
    InternalTopic topic(*broker_, *shards_[0], TxnCoordinator::kTopic);
    ASSERT_TRUE(await<Status>([&](auto done) { topic.write({encode_txn_record(m)}, done); }).ok());
    stop();
    start();
    start_coordinators();
    ASSERT_TRUE(wait_for("tx", TxnState::complete_commit));
    for (const auto& tp : {kA, kB}) {
        FetchOutput out = fetch(tp, true);
        EXPECT_EQ(out.last_stable_offset, out.high_watermark) << tp.to_string();
        EXPECT_EQ(out.high_watermark, Offset(2)) << tp.to_string();
        EXPECT_EQ(data_values(out.records).size(), 1u) << tp.to_string();
        EXPECT_TRUE(out.aborted_transactions.empty());
    }
    auto d = describe("tx");
    EXPECT_TRUE(d->partitions.empty());
    EXPECT_TRUE(end("tx", *p, true).ok()) << "a retry of the EndTxn the crash lost";
    std::cout << "checked: a PrepareCommit record found by load() is completed: commit markers on "
                 "both partitions and the id in CompleteCommit\n";
}

}  // namespace
}  // namespace es::broker
