// GroupConsumer and the transactional Producer against librdkafka's in-process mock cluster.
// The 2.0.2 mock runs a group coordinator (JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
// OffsetCommit, OffsetFetch) and the transaction APIs (InitProducerId, AddPartitionsToTxn,
// AddOffsetsToTxn, TxnOffsetCommit, EndTxn); what it does not model is covered by
// tests/integration/client_group_txn_test.cc against the real broker (see the notes by the
// tests below).

#include "client/consumer.h"
#include "client/errc.h"
#include "client/group_consumer.h"
#include "client/handle.h"
#include "client/producer.h"
#include "client/tests/client_test_util.h"
#include "client/tests/mock_cluster.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <vector>

namespace es::client {
namespace {

using namespace std::chrono_literals;
using namespace testing;  // NOLINT(google-build-using-namespace): client_test_util.h helpers
using model::PartitionId;
using model::TopicPartition;
using ::testing::HasSubstr;

/// Fast group protocol timings, so that a rebalance takes a fraction of a second.
std::map<std::string, std::string> group_properties(std::string strategy = "range") {
    return {{"heartbeat.interval.ms", "100"},
            {"session.timeout.ms", "6000"},
            {"partition.assignment.strategy", std::move(strategy)}};
}

enum class Kind { assigned, revoked, lost };

struct RebalanceEvent {
    Kind kind;
    std::vector<TopicPartition> partitions;
};

class RecordingListener : public RebalanceListener {
  public:
    void on_assigned(const std::vector<TopicPartition>& p) override { record(Kind::assigned, p); }
    void on_revoked(const std::vector<TopicPartition>& p) override { record(Kind::revoked, p); }
    void on_lost(const std::vector<TopicPartition>& p) override { record(Kind::lost, p); }

    size_t count(Kind kind) const {
        return static_cast<size_t>(std::count_if(events.begin(), events.end(),
                                                 [kind](const auto& e) { return e.kind == kind; }));
    }

    std::vector<RebalanceEvent> events;
    /// Runs inside the callback, after the event is recorded.
    std::function<void(Kind, const std::vector<TopicPartition>&)> hook;

  private:
    void record(Kind kind, const std::vector<TopicPartition>& p) {
        events.push_back({kind, p});
        if (hook) hook(kind, p);
    }
};

struct Record {
    TopicPartition tp;
    int64_t offset;
    std::string value;
};

std::unique_ptr<GroupConsumer> make_member(const ClientConfig& config, const std::string& group,
                                           RebalanceListener* listener,
                                           const std::vector<std::string>& topics) {
    auto made = GroupConsumer::make(config, group, listener);
    EXPECT_TRUE(made.ok()) << made.error().to_string();
    if (!made.ok()) return nullptr;
    Status subscribed = (*made)->subscribe(topics);
    EXPECT_TRUE(subscribed.ok()) << subscribed.error().to_string();
    return std::move(made).value();
}

/// One poll_batch() of up to 100 ms; the records are copied into `out`.
void poll_into(GroupConsumer& member, std::vector<Record>& out) {
    auto batch = member.poll_batch(64, 100ms);
    ASSERT_TRUE(batch.ok()) << batch.error().to_string();
    for (const MessageView& m : *batch) {
        out.push_back({{std::string(m.topic), m.partition},
                       m.offset.value(),
                       m.value ? std::string(m.value->begin(), m.value->end()) : std::string()});
    }
}

/// Polls every member in turn until `done()`, or fails after a guard that only a broken build
/// reaches.
bool poll_until(const std::vector<GroupConsumer*>& members,
                const std::vector<std::vector<Record>*>& outs, const std::function<bool()>& done) {
    auto guard = std::chrono::steady_clock::now() + 60s;
    while (!done()) {
        if (std::chrono::steady_clock::now() > guard) return false;
        for (size_t i = 0; i < members.size(); ++i) {
            poll_into(*members[i], *outs[i]);
            if (::testing::Test::HasFatalFailure()) return false;
        }
    }
    return true;
}

std::vector<TopicPartition> partitions(const std::string& topic, int count) {
    std::vector<TopicPartition> out;
    for (int i = 0; i < count; ++i) out.push_back({topic, PartitionId(i)});
    return out;
}

// --- group membership ---------------------------------------------------------------------

TEST(GroupConsumer, SubscribedMemberIsAssignedEveryPartitionAndConsumesThem) {
    MockCluster cluster;
    cluster.create_topic("events", 3);
    auto producer = make_producer(cluster.config());
    ASSERT_TRUE(producer);
    for (int p = 0; p < 3; ++p) produce_numbered(*producer, "events", p, p * 100, 5);

    RecordingListener listener;
    auto member = make_member(cluster.config(group_properties()), "g1", &listener, {"events"});
    ASSERT_TRUE(member);
    std::vector<Record> got;
    ASSERT_TRUE(poll_until({member.get()}, {&got}, [&] { return got.size() >= 15; }));

    EXPECT_EQ(got.size(), 15u);
    ASSERT_EQ(listener.events.size(), 1u);
    EXPECT_EQ(listener.events[0].kind, Kind::assigned);
    EXPECT_EQ(listener.events[0].partitions, partitions("events", 3));
    EXPECT_EQ(member->assignment(), partitions("events", 3));
    EXPECT_FALSE(member->member_id().empty());
    EXPECT_EQ(member->group_id(), "g1");
    std::map<int32_t, int64_t> next;
    for (const Record& r : got) {
        EXPECT_EQ(r.offset, next[r.tp.partition.value()]++) << "offset order per partition";
    }

    ASSERT_TRUE(member->close().ok());
    ASSERT_EQ(listener.events.size(), 2u);
    EXPECT_EQ(listener.events[1].kind, Kind::revoked) << "close() revokes before leaving";
    EXPECT_EQ(listener.events[1].partitions, partitions("events", 3));
    EXPECT_TRUE(member->assignment().empty());
    auto after = member->poll_batch(1, 0ms);
    ASSERT_FALSE(after.ok());
    EXPECT_TRUE(after.error().is(Errc::invalid_state)) << after.error().to_string();
    std::cout << "checked: one member got all 3 partitions (on_assigned), read the 15 records in "
                 "order, and close() called on_revoked before leaving\n";
}

class GroupRebalance : public ::testing::TestWithParam<const char*> {};

TEST_P(GroupRebalance, TwoMembersSplitThePartitionsAndTheLeaverGivesThemBack) {
    const std::string strategy = GetParam();
    const bool cooperative = strategy == "cooperative-sticky";
    MockCluster cluster;
    cluster.create_topic("left", 4);
    cluster.create_topic("right", 4);
    ClientConfig config = cluster.config(group_properties(strategy));

    RecordingListener la, lb;
    std::vector<Record> got_a, got_b;
    auto a = make_member(config, "g2", &la, {"left", "right"});
    ASSERT_TRUE(a);
    ASSERT_TRUE(poll_until({a.get()}, {&got_a}, [&] { return a->assignment().size() == 8; }));

    auto b = make_member(config, "g2", &lb, {"left", "right"});
    ASSERT_TRUE(b);
    ASSERT_TRUE(
        poll_until({a.get(), b.get()}, {&got_a, &got_b},
                   [&] { return a->assignment().size() == 4 && b->assignment().size() == 4; }))
        << "a has " << a->assignment().size() << ", b has " << b->assignment().size();

    // Between them they own every partition once.
    std::set<TopicPartition> all;
    for (const auto& tp : a->assignment()) all.insert(tp);
    for (const auto& tp : b->assignment()) EXPECT_TRUE(all.insert(tp).second) << tp.to_string();
    EXPECT_EQ(all.size(), 8u);
    EXPECT_GE(la.count(Kind::revoked), 1u) << "a gave partitions up through on_revoked";
    EXPECT_EQ(la.count(Kind::lost), 0u);
    if (cooperative) {
        // Incremental: a kept half and was revoked only the other half.
        EXPECT_EQ(la.events.back().kind, Kind::revoked);
        EXPECT_EQ(la.events.back().partitions.size(), 4u);
    } else {
        // Range co-partitions: a member owns the same partition numbers of both topics.
        for (GroupConsumer* m : {a.get(), b.get()}) {
            std::set<int32_t> left, right;
            for (const auto& tp : m->assignment()) {
                (tp.topic == "left" ? left : right).insert(tp.partition.value());
            }
            EXPECT_EQ(left, right) << "range assigns matching partition numbers";
        }
    }

    // A record in every partition reaches only its owner.
    auto producer = make_producer(cluster.config());
    ASSERT_TRUE(producer);
    for (int p = 0; p < 4; ++p) {
        produce_numbered(*producer, "left", p, p, 1);
        produce_numbered(*producer, "right", p, 10 + p, 1);
    }
    ASSERT_TRUE(poll_until({a.get(), b.get()}, {&got_a, &got_b},
                           [&] { return got_a.size() + got_b.size() >= 8; }));
    EXPECT_EQ(got_a.size() + got_b.size(), 8u);
    for (const Record& r : got_a) EXPECT_THAT(a->assignment(), ::testing::Contains(r.tp));
    for (const Record& r : got_b) EXPECT_THAT(b->assignment(), ::testing::Contains(r.tp));

    // b leaves: its partitions go back to a.
    std::vector<TopicPartition> b_owned = b->assignment();
    ASSERT_TRUE(b->close().ok());
    EXPECT_EQ(lb.events.back().kind, Kind::revoked);
    EXPECT_EQ(lb.events.back().partitions, b_owned);
    size_t a_events = la.events.size();
    ASSERT_TRUE(poll_until({a.get()}, {&got_a}, [&] { return a->assignment().size() == 8; }));
    ASSERT_GT(la.events.size(), a_events);
    EXPECT_EQ(la.events.back().kind, Kind::assigned);
    if (cooperative) {
        EXPECT_EQ(la.events.back().partitions, b_owned);
    }
    std::cout << "checked (" << strategy
              << "): two members split 8 partitions 4/4 with on_revoked/on_assigned, each record "
                 "went to its partition's owner"
              << (cooperative ? "" : ", range co-partitioned both topics")
              << ", and the leaver's partitions came back to the other member\n";
}

INSTANTIATE_TEST_SUITE_P(EagerAndCooperative, GroupRebalance,
                         ::testing::Values("range", "cooperative-sticky"),
                         [](const auto& param_info) {
                             return std::string(param_info.param) == "range" ? "Range"
                                                                             : "CooperativeSticky";
                         });

TEST(GroupConsumer, CommittedOffsetsRoundTripAndANewMemberResumesFromThem) {
    MockCluster cluster;
    cluster.create_topic("in", 2);
    auto producer = make_producer(cluster.config());
    ASSERT_TRUE(producer);
    produce_numbered(*producer, "in", 0, 0, 10);
    ClientConfig config = cluster.config(group_properties());

    {
        auto first = make_member(config, "g3", nullptr, {"in"});
        ASSERT_TRUE(first);
        std::vector<Record> got;
        ASSERT_TRUE(poll_until({first.get()}, {&got}, [&] { return got.size() >= 10; }));
        ASSERT_TRUE(first->commit({{{"in", PartitionId(0)}, model::Offset(6)}}).ok());
        auto committed = first->committed(partitions("in", 2));
        ASSERT_TRUE(committed.ok()) << committed.error().to_string();
        std::vector<TopicPartitionOffset> expected = {{{"in", PartitionId(0)}, model::Offset(6)}};
        EXPECT_EQ(*committed, expected) << "in-1 has nothing committed and is left out";

        Status negative = first->commit({{{"in", PartitionId(0)}, model::Offset(-1)}});
        EXPECT_TRUE(negative.error().is(Errc::invalid_argument));
        ASSERT_TRUE(first->close().ok());
    }

    auto second = make_member(config, "g3", nullptr, {"in"});
    ASSERT_TRUE(second);
    std::vector<Record> got;
    ASSERT_TRUE(poll_until({second.get()}, {&got}, [&] { return got.size() >= 4; }));
    ASSERT_EQ(got.size(), 4u);
    EXPECT_EQ(got.front().offset, 6) << "resumed at the committed offset";
    EXPECT_EQ(got.front().value, "value-6");
    EXPECT_EQ(got.back().offset, 9);

    // seek() rewinds an assigned partition; a partition not assigned is refused.
    ASSERT_TRUE(second->seek({"in", PartitionId(0)}, model::Offset(2)).ok());
    got.clear();
    ASSERT_TRUE(poll_until({second.get()}, {&got}, [&] { return got.size() >= 8; }));
    EXPECT_EQ(got.front().offset, 2) << "after seek(2)";
    Status foreign = second->seek({"other", PartitionId(0)}, model::Offset(0));
    EXPECT_TRUE(foreign.error().is(Errc::invalid_argument)) << foreign.error().to_string();
    std::cout << "checked: commit(6) read back by committed() (nothing for in-1), a new member "
                 "of the group started at offset 6, and seek(2) re-read from 2\n";
}

TEST(GroupConsumer, PausedPartitionYieldsNothingUntilResumed) {
    MockCluster cluster;
    cluster.create_topic("paused", 2);
    auto producer = make_producer(cluster.config());
    ASSERT_TRUE(producer);
    produce_numbered(*producer, "paused", 0, 0, 10);
    produce_numbered(*producer, "paused", 1, 100, 10);

    RecordingListener listener;
    GroupConsumer* self = nullptr;
    // Paused inside on_assigned, before the first fetch, so no record of it can be in flight.
    listener.hook = [&self](Kind kind, const std::vector<TopicPartition>&) {
        if (kind != Kind::assigned) return;
        Status paused = self->pause({{"paused", PartitionId(0)}});
        EXPECT_TRUE(paused.ok()) << paused.error().to_string();
    };
    auto member = make_member(cluster.config(group_properties()), "g4", &listener, {"paused"});
    ASSERT_TRUE(member);
    self = member.get();

    std::vector<Record> got;
    ASSERT_TRUE(poll_until({member.get()}, {&got}, [&] { return got.size() >= 10; }));
    for (int i = 0; i < 10; ++i) poll_into(*member, got);  // give partition 0 every chance
    EXPECT_EQ(got.size(), 10u);
    for (const Record& r : got) EXPECT_EQ(r.tp.partition, PartitionId(1)) << "paused: nothing";

    ASSERT_TRUE(member->resume({{"paused", PartitionId(0)}}).ok());
    ASSERT_TRUE(poll_until({member.get()}, {&got}, [&] { return got.size() >= 20; }));
    EXPECT_EQ(got.size(), 20u);
    EXPECT_EQ(std::count_if(got.begin(), got.end(),
                            [](const Record& r) { return r.tp.partition == PartitionId(0); }),
              10);
    EXPECT_TRUE(member->pause({{"nope", PartitionId(0)}}).error().is(Errc::invalid_argument));
    std::cout << "checked: a partition paused in on_assigned gave no record while the other "
                 "gave all 10, and resume() released its 10\n";
}

TEST(GroupConsumer, InvalidConfigurationAndArgumentsAreRefused) {
    MockCluster cluster;
    EXPECT_TRUE(GroupConsumer::make(cluster.config(), "", nullptr).error().is(Errc::config));
    auto conflicting = GroupConsumer::make(cluster.config({{"group.id", "other"}}), "g", nullptr);
    ASSERT_FALSE(conflicting.ok());
    EXPECT_TRUE(conflicting.error().is(Errc::config));
    EXPECT_THAT(conflicting.error().message(), HasSubstr("group.id"));
    auto member = GroupConsumer::make(cluster.config(), "g", nullptr);
    ASSERT_TRUE(member.ok());
    EXPECT_TRUE((*member)->subscribe({}).error().is(Errc::invalid_argument));
    EXPECT_TRUE((*member)->subscribe({""}).error().is(Errc::invalid_argument));
}

// --- transactions -------------------------------------------------------------------------

ClientConfig txn_config(const MockCluster& cluster, const std::string& id) {
    return cluster.config({{"transactional.id", id}, {"transaction.timeout.ms", "60000"}});
}

/// Sends `values` to partition 0 of `topic`, collecting the delivery offsets.
void send_values(Producer& producer, const std::string& topic,
                 const std::vector<std::string>& values, std::vector<int64_t>* offsets) {
    for (const std::string& v : values) {
        ProducerRecord r;
        r.topic = topic;
        r.partition = PartitionId(0);
        r.value = as_bytes(v);
        Status sent = producer.send(r, [offsets](const Result<DeliveryReport>& report) {
            if (!offsets) return;
            ASSERT_TRUE(report.ok()) << report.error().to_string();
            offsets->push_back(report->offset.value());
        });
        ASSERT_TRUE(sent.ok()) << sent.error().to_string();
    }
}

std::vector<std::string> read_committed_values(const MockCluster& cluster, const std::string& topic,
                                               size_t min) {
    auto consumer = make_consumer(cluster.config({{"isolation.level", "read_committed"}}));
    if (!consumer) return {};
    EXPECT_TRUE(consumer->assign(topic, {}, StartPosition::beginning()).ok());
    std::vector<std::string> values;
    for (const Message& m : consume_to_end(*consumer, min)) {
        values.emplace_back(m.value->begin(), m.value->end());
    }
    return values;
}

TEST(TxnProducer, CommittedTransactionIsVisibleAndItsCallbacksCarryOffsets) {
    MockCluster cluster;
    cluster.create_topic("out", 1);
    auto producer = make_producer(txn_config(cluster, "txn-commit"));
    ASSERT_TRUE(producer);
    Status init = producer->init_transactions(30s);
    ASSERT_TRUE(init.ok()) << init.error().to_string();
    ASSERT_TRUE(producer->begin_transaction().ok());
    std::vector<int64_t> offsets;
    send_values(*producer, "out", {"a", "b", "c"}, &offsets);
    Status committed = producer->commit_transaction(30s);
    ASSERT_TRUE(committed.ok()) << committed.error().to_string();
    EXPECT_EQ(offsets, (std::vector<int64_t>{0, 1, 2}))
        << "every delivery callback ran, with its offset, by the time the commit returned";

    EXPECT_EQ(read_committed_values(cluster, "out", 3), (std::vector<std::string>{"a", "b", "c"}));
    std::cout << "checked: init/begin/send x3/commit; the delivery callbacks gave offsets 0-2 "
                 "before commit returned, and a read_committed consumer read a, b, c\n";
}

// The 2.0.2 mock's EndTxn writes no abort marker, so a read_committed consumer of the mock
// would still see aborted records: here the abort's local effects are checked (purged records
// fail, the producer goes on with the next transaction); the integration test checks that the
// real broker hides them.
TEST(TxnProducer, AbortPurgesTheTransactionAndTheNextOneCommits) {
    MockCluster cluster;
    cluster.create_topic("out", 1);
    auto producer = make_producer(txn_config(cluster, "txn-abort"));
    ASSERT_TRUE(producer);
    ASSERT_TRUE(producer->init_transactions(30s).ok());

    ASSERT_TRUE(producer->begin_transaction().ok());
    send_values(*producer, "out", {"gone-1", "gone-2"}, nullptr);
    Status aborted = producer->abort_transaction(30s);
    ASSERT_TRUE(aborted.ok()) << aborted.error().to_string();
    EXPECT_EQ(producer->stats().in_flight(), 0u) << "abort purged or finished every record";
    EXPECT_TRUE(producer->flush(1s).ok()) << "purged records are not reported by a later flush";

    ASSERT_TRUE(producer->begin_transaction().ok());
    std::vector<int64_t> offsets;
    send_values(*producer, "out", {"kept"}, &offsets);
    ASSERT_TRUE(producer->commit_transaction(30s).ok());
    ASSERT_EQ(offsets.size(), 1u);
    std::cout << "checked: abort_transaction() left nothing in flight and the next transaction "
                 "committed (offset "
              << offsets[0] << ")\n";
}

// The mock accepts the offsets (AddOffsetsToTxn, TxnOffsetCommit) but does not store them, so
// this checks the call path with the consumer's group metadata; that the group's offsets are
// committed by the transaction is checked against the real broker.
TEST(TxnProducer, SendOffsetsToTransactionIsAcceptedWithTheConsumersGroupMetadata) {
    MockCluster cluster;
    cluster.create_topic("in", 1);
    cluster.create_topic("out", 1);
    auto plain = make_producer(cluster.config());
    ASSERT_TRUE(plain);
    produce_numbered(*plain, "in", 0, 0, 5);

    auto member = make_member(cluster.config(group_properties()), "g-eos", nullptr, {"in"});
    ASSERT_TRUE(member);
    std::vector<Record> got;
    ASSERT_TRUE(poll_until({member.get()}, {&got}, [&] { return got.size() >= 5; }));

    auto producer = make_producer(txn_config(cluster, "txn-offsets"));
    ASSERT_TRUE(producer);
    ASSERT_TRUE(producer->init_transactions(30s).ok());
    ASSERT_TRUE(producer->begin_transaction().ok());
    std::vector<std::string> outputs;
    for (const Record& r : got) outputs.push_back("out-" + r.value);
    send_values(*producer, "out", outputs, nullptr);
    TopicPartitionOffset next{{"in", PartitionId(0)}, model::Offset(got.back().offset + 1)};
    Status sent = producer->send_offsets_to_transaction({next}, *member, 30s);
    ASSERT_TRUE(sent.ok()) << sent.error().to_string();
    EXPECT_TRUE(producer->send_offsets_to_transaction({}, *member, 30s).ok()) << "nothing to add";
    Status negative = producer->send_offsets_to_transaction(
        {{{"in", PartitionId(0)}, model::Offset(-1)}}, *member, 30s);
    EXPECT_TRUE(negative.error().is(Errc::invalid_argument));
    Status committed = producer->commit_transaction(30s);
    ASSERT_TRUE(committed.ok()) << committed.error().to_string();
    EXPECT_EQ(read_committed_values(cluster, "out", 5).size(), 5u);
    std::cout << "checked: send_offsets_to_transaction(in-0 -> " << next.offset.value()
              << ") with the member's group metadata and the commit were accepted\n";
}

// Kafka API keys for rd_kafka_mock_push_request_errors (librdkafka's RD_KAFKAP_* constants are
// not in its installed headers).
constexpr int16_t kProduceApi = 0;
constexpr int16_t kEndTxnApi = 26;

// The 2.0.2 mock does not fence an older producer when a second one initialises the same
// transactional.id (tests/integration/client_group_txn_test.cc does that against the real
// broker), so the broker's answers are injected here: they go through librdkafka's own
// transaction state machine, which decides fatal or abortable, and then our mapping.
TEST(TxnProducer, AProducerFencedAnswerToTheCommitIsErrcFenced) {
    MockCluster cluster;
    cluster.create_topic("out", 1);
    auto producer = make_producer(txn_config(cluster, "txn-fenced"));
    ASSERT_TRUE(producer);
    ASSERT_TRUE(producer->init_transactions(30s).ok());
    ASSERT_TRUE(producer->begin_transaction().ok());
    send_values(*producer, "out", {"zombie"}, nullptr);
    rd_kafka_mock_push_request_errors(cluster.mock(), kEndTxnApi, 1,
                                      RD_KAFKA_RESP_ERR_PRODUCER_FENCED);
    Status committed = producer->commit_transaction(30s);
    ASSERT_FALSE(committed.ok());
    EXPECT_TRUE(committed.error().is(Errc::fenced)) << committed.error().to_string();
    Status again = producer->begin_transaction();
    ASSERT_FALSE(again.ok()) << "a fenced producer can do nothing more";
    EXPECT_TRUE(again.error().is(Errc::fenced)) << again.error().to_string();
    std::cout << "checked: PRODUCER_FENCED on EndTxn -> Errc::fenced ("
              << committed.error().message() << "), and the producer stays fenced\n";
}

// Only the abortable error and the abort are checked here: after the refused batch the 2.0.2
// mock keeps expecting the lost sequence numbers (OUT_OF_ORDER_SEQUENCE_NUMBER for the next
// transaction). The real broker's integration tests commit after an abort.
TEST(TxnProducer, AFailedRecordMakesTheCommitAbortable) {
    MockCluster cluster;
    cluster.create_topic("out", 1);
    auto producer = make_producer(txn_config(cluster, "txn-abortable"));
    ASSERT_TRUE(producer);
    ASSERT_TRUE(producer->init_transactions(30s).ok());
    ASSERT_TRUE(producer->begin_transaction().ok());
    // Not retriable: the record fails, and with it the transaction.
    rd_kafka_mock_push_request_errors(cluster.mock(), kProduceApi, 1,
                                      RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
    send_values(*producer, "out", {"refused"}, nullptr);
    Status committed = producer->commit_transaction(30s);
    ASSERT_FALSE(committed.ok());
    EXPECT_TRUE(committed.error().is(Errc::abortable)) << committed.error().to_string();
    Status aborted = producer->abort_transaction(30s);
    EXPECT_TRUE(aborted.ok()) << aborted.error().to_string();
    std::cout << "checked: a record refused with MSG_SIZE_TOO_LARGE made the commit fail with "
                 "Errc::abortable ("
              << committed.error().message() << "), and abort_transaction() succeeded\n";
}

TEST(TxnProducer, CallsOutOfOrderFailWithInvalidStateOrConfig) {
    MockCluster cluster;
    cluster.create_topic("out", 1);
    auto producer = make_producer(txn_config(cluster, "txn-misuse"));
    ASSERT_TRUE(producer);
    Status begin = producer->begin_transaction();
    ASSERT_FALSE(begin.ok());
    EXPECT_TRUE(begin.error().is(Errc::invalid_state)) << begin.error().to_string();
    EXPECT_THAT(begin.error().message(), HasSubstr("beginning a transaction"));

    ASSERT_TRUE(producer->init_transactions(30s).ok());
    ProducerRecord r;
    r.topic = "out";
    r.value = as_bytes("outside");
    Status outside = producer->send(r);
    ASSERT_FALSE(outside.ok()) << "a transactional producer sends only inside a transaction";
    EXPECT_TRUE(outside.error().is(Errc::invalid_state)) << outside.error().to_string();
    EXPECT_TRUE(producer->commit_transaction(5s).error().is(Errc::invalid_state));

    auto plain = make_producer(cluster.config());
    ASSERT_TRUE(plain);
    Status not_configured = plain->init_transactions(5s);
    ASSERT_FALSE(not_configured.ok());
    EXPECT_TRUE(not_configured.error().is(Errc::config)) << not_configured.error().to_string();
    std::cout << "checked: begin before init -> invalid_state (" << begin.error().message()
              << "); send outside a transaction and commit without begin -> invalid_state; "
                 "init without transactional.id -> config\n";
}

TEST(TxnProducer, TransactionalErrorCodesMapToTheirClientErrc) {
    using detail::errc_for;
    EXPECT_EQ(errc_for(RD_KAFKA_RESP_ERR__STATE), Errc::invalid_state);
    EXPECT_EQ(errc_for(RD_KAFKA_RESP_ERR__FENCED), Errc::fenced);
    EXPECT_EQ(errc_for(RD_KAFKA_RESP_ERR_PRODUCER_FENCED), Errc::fenced);
    EXPECT_EQ(errc_for(RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH), Errc::fenced);
    EXPECT_EQ(errc_for(RD_KAFKA_RESP_ERR__FATAL), Errc::fatal);
    EXPECT_EQ(errc_for(RD_KAFKA_RESP_ERR__NOT_CONFIGURED), Errc::config);
    EXPECT_EQ(Error(Errc::abortable).to_string().rfind("client: transaction must be aborted", 0),
              0u);
}

}  // namespace

// Readable values in assertion messages (found by argument-dependent lookup).
void PrintTo(const TopicPartitionOffset& o, std::ostream* os) {
    *os << o.tp.to_string() << "@" << o.offset.value();
}

}  // namespace es::client

namespace es::model {
void PrintTo(const TopicPartition& tp, std::ostream* os) { *os << tp.to_string(); }
}  // namespace es::model
