// The transaction APIs as a client sees them on the wire: InitProducerId with a transactional id,
// AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit, EndTxn, WriteTxnMarkers,
// DescribeTransactions and ListTransactions, with Kafka's error codes per version.

#include "kafka/protocol/error_code.h"
#include "kafka/protocol/generated/add_offsets_to_txn.h"
#include "kafka/protocol/generated/add_partitions_to_txn.h"
#include "kafka/protocol/generated/describe_transactions.h"
#include "kafka/protocol/generated/end_txn.h"
#include "kafka/protocol/generated/init_producer_id.h"
#include "kafka/protocol/generated/list_offsets.h"
#include "kafka/protocol/generated/list_transactions.h"
#include "kafka/protocol/generated/offset_fetch.h"
#include "kafka/protocol/generated/produce.h"
#include "kafka/protocol/generated/txn_offset_commit.h"
#include "kafka/protocol/generated/write_txn_markers.h"
#include "kafka/server/handlers/handlers.h"
#include "kafka/server/tests/handler_harness.h"
#include "model/record_batch.h"

#include <gtest/gtest.h>

#include <future>
#include <iostream>

namespace es::kafka::server {
namespace {

using protocol::ErrorCode;

class TxnHandlersTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(h_.started().ok());
        create("t", 2);
        ASSERT_TRUE(h_.start_coordinators().ok());
    }

    void create(const std::string& topic, int32_t partitions) {
        std::promise<Result<broker::TopicInfo>> created;
        h_.broker().create_topic(
            h_.shard(), topic, partitions, {}, false,
            [&created](Result<broker::TopicInfo> r) { created.set_value(std::move(r)); });
        ASSERT_TRUE(created.get_future().get().ok());
    }

    template <class Response, class Request>
    Response call(Handler handler, const Request& request, int16_t version) {
        auto response = h_.call<Response>(handler, request, version);
        EXPECT_TRUE(response.ok()) << response.error().to_string();
        return response.ok() ? *response : Response{};
    }

    protocol::InitProducerIdResponse init(const std::string& id, int16_t version = 4) {
        protocol::InitProducerIdRequest request;
        request.transactional_id = id;
        request.transaction_timeout_ms = 60000;
        return call<protocol::InitProducerIdResponse>(handlers::init_producer_id, request, version);
    }

    /// Error codes per partition, in request order.
    std::vector<int16_t> add_partitions(const std::string& id, int64_t pid, int16_t epoch,
                                        const std::string& topic, std::vector<int32_t> partitions,
                                        int16_t version = 3) {
        protocol::AddPartitionsToTxnRequest request;
        request.transactional_id = id;
        request.producer_id = pid;
        request.producer_epoch = epoch;
        request.topics.push_back({topic, std::move(partitions), {}});
        auto response = call<protocol::AddPartitionsToTxnResponse>(handlers::add_partitions_to_txn,
                                                                   request, version);
        std::vector<int16_t> codes;
        for (const auto& t : response.results) {
            for (const auto& p : t.results) codes.push_back(p.error_code);
        }
        return codes;
    }

    int16_t end_txn(const std::string& id, int64_t pid, int16_t epoch, bool commit,
                    int16_t version = 3) {
        protocol::EndTxnRequest request;
        request.transactional_id = id;
        request.producer_id = pid;
        request.producer_epoch = epoch;
        request.committed = commit;
        return call<protocol::EndTxnResponse>(handlers::end_txn, request, version).error_code;
    }

    /// A transactional batch of one record to `partition` of topic "t".
    int16_t produce(int64_t pid, int16_t epoch, int32_t seq, int32_t partition = 0) {
        model::BatchOptions options;
        options.producer_id = model::ProducerId(pid);
        options.producer_epoch = model::ProducerEpoch(epoch);
        options.base_sequence = seq;
        options.transactional = true;
        model::RecordBatchBuilder builder(model::Offset(0), options);
        builder.add(as_bytes("k"), as_bytes("v" + std::to_string(seq)), 1000);
        Bytes batch = std::move(builder.build()).value();
        protocol::ProduceRequest request;
        request.transactional_id = "tx";
        request.acks = -1;
        request.timeout_ms = 10000;
        auto& t = request.topic_data.emplace_back();
        t.name = "t";
        auto& p = t.partition_data.emplace_back();
        p.index = partition;
        p.records = BytesView(batch);
        auto response = call<protocol::ProduceResponse>(handlers::produce, request, 9);
        return response.responses.at(0).partition_responses.at(0).error_code;
    }

    /// ListOffsets "latest" of t-0 with the isolation level.
    int64_t latest(bool read_committed) {
        protocol::ListOffsetsRequest request;
        request.replica_id = -1;
        request.isolation_level = read_committed ? 1 : 0;
        auto& t = request.topics.emplace_back();
        t.name = "t";
        auto& p = t.partitions.emplace_back();
        p.partition_index = 0;
        p.timestamp = -1;
        auto response = call<protocol::ListOffsetsResponse>(handlers::list_offsets, request, 7);
        return response.topics.at(0).partitions.at(0).offset;
    }

    testing::HandlerHarness h_;
};

TEST_F(TxnHandlersTest, InitBumpsTheEpochAndOldEpochsAreFencedPerVersion) {
    auto first = init("tx");
    ASSERT_EQ(first.error_code, 0);
    EXPECT_EQ(first.producer_epoch, 0);
    auto second = init("tx");
    ASSERT_EQ(second.error_code, 0);
    EXPECT_EQ(second.producer_id, first.producer_id);
    EXPECT_EQ(second.producer_epoch, 1);
    // The first instance, still at epoch 0: fenced, in the words its version knows (KIP-588).
    EXPECT_EQ(add_partitions("tx", first.producer_id, 0, "t", {0}, 1),
              std::vector<int16_t>{code(ErrorCode::invalid_producer_epoch)});
    EXPECT_EQ(add_partitions("tx", first.producer_id, 0, "t", {0}, 2),
              std::vector<int16_t>{code(ErrorCode::producer_fenced)});
    EXPECT_EQ(end_txn("tx", first.producer_id, 0, true, 1),
              code(ErrorCode::invalid_producer_epoch));
    EXPECT_EQ(end_txn("tx", first.producer_id, 0, true, 2), code(ErrorCode::producer_fenced));
    EXPECT_EQ(add_partitions("tx", first.producer_id + 1, 1, "t", {0}),
              std::vector<int16_t>{code(ErrorCode::invalid_producer_id_mapping)});
    // KIP-360: resuming with an id and epoch that are no longer current is fenced.
    protocol::InitProducerIdRequest resume;
    resume.transactional_id = "tx";
    resume.transaction_timeout_ms = 60000;
    resume.producer_id = first.producer_id;
    resume.producer_epoch = 0;
    auto stale = call<protocol::InitProducerIdResponse>(handlers::init_producer_id, resume, 4);
    EXPECT_EQ(stale.error_code, code(ErrorCode::producer_fenced));
    resume.transaction_timeout_ms = 1 << 30;
    resume.producer_id = -1;
    resume.producer_epoch = -1;
    auto too_long = call<protocol::InitProducerIdResponse>(handlers::init_producer_id, resume, 4);
    EXPECT_EQ(too_long.error_code, code(ErrorCode::invalid_transaction_timeout));
    std::cout << "checked: InitProducerId bumps the epoch; old epochs get INVALID_PRODUCER_EPOCH "
                 "(v1) or PRODUCER_FENCED (v2+); wrong ids, stale KIP-360 resumes and too long "
                 "timeouts are refused\n";
}

TEST_F(TxnHandlersTest, AnUnknownPartitionFailsTheRequestWithoutAddingTheOthers) {
    auto id = init("tx");
    EXPECT_EQ(add_partitions("tx", id.producer_id, 0, "t", {0, 7}),
              (std::vector<int16_t>{code(ErrorCode::operation_not_attempted),
                                    code(ErrorCode::unknown_topic_or_partition)}));
    protocol::DescribeTransactionsRequest describe;
    describe.transactional_ids = {"tx"};
    auto described =
        call<protocol::DescribeTransactionsResponse>(handlers::describe_transactions, describe, 0);
    ASSERT_EQ(described.transaction_states.size(), 1u);
    EXPECT_EQ(described.transaction_states[0].transaction_state, "Empty");
    EXPECT_TRUE(described.transaction_states[0].topics.empty());
    std::cout
        << "checked: AddPartitionsToTxn with an unknown partition: UNKNOWN_TOPIC_OR_PARTITION "
           "for it, OPERATION_NOT_ATTEMPTED for the rest, nothing added\n";
}

TEST_F(TxnHandlersTest, DescribeAndListFollowTheTransaction) {
    auto id = init("tx");
    init("idle");
    ASSERT_EQ(add_partitions("tx", id.producer_id, 0, "t", {1, 0}), (std::vector<int16_t>{0, 0}));
    protocol::DescribeTransactionsRequest describe;
    describe.transactional_ids = {"tx", "nobody"};
    auto described =
        call<protocol::DescribeTransactionsResponse>(handlers::describe_transactions, describe, 0);
    ASSERT_EQ(described.transaction_states.size(), 2u);
    const auto& tx = described.transaction_states[0];
    EXPECT_EQ(tx.error_code, 0);
    EXPECT_EQ(tx.transaction_state, "Ongoing");
    EXPECT_EQ(tx.producer_id, id.producer_id);
    EXPECT_EQ(tx.transaction_timeout_ms, 60000);
    EXPECT_GT(tx.transaction_start_time_ms, 0);
    ASSERT_EQ(tx.topics.size(), 1u);
    EXPECT_EQ(tx.topics[0].partitions, (std::vector<int32_t>{0, 1}));
    EXPECT_EQ(described.transaction_states[1].error_code,
              code(ErrorCode::transactional_id_not_found));

    protocol::ListTransactionsRequest list;
    auto all = call<protocol::ListTransactionsResponse>(handlers::list_transactions, list, 0);
    EXPECT_EQ(all.transaction_states.size(), 2u);
    list.state_filters = {"Ongoing"};
    auto ongoing = call<protocol::ListTransactionsResponse>(handlers::list_transactions, list, 0);
    ASSERT_EQ(ongoing.transaction_states.size(), 1u);
    EXPECT_EQ(ongoing.transaction_states[0].transactional_id, "tx");
    list.state_filters = {"Bogus"};
    auto bogus = call<protocol::ListTransactionsResponse>(handlers::list_transactions, list, 0);
    EXPECT_TRUE(bogus.transaction_states.empty());
    EXPECT_EQ(bogus.unknown_state_filters, std::vector<std::string>{"Bogus"});
    list.state_filters = {};
    list.producer_id_filters = {id.producer_id};
    auto by_id = call<protocol::ListTransactionsResponse>(handlers::list_transactions, list, 0);
    ASSERT_EQ(by_id.transaction_states.size(), 1u);
    EXPECT_EQ(by_id.transaction_states[0].transaction_state, "Ongoing");

    ASSERT_EQ(end_txn("tx", id.producer_id, 0, true), 0);
    EXPECT_EQ(end_txn("tx", id.producer_id, 0, true), 0) << "a retried commit";
    EXPECT_EQ(end_txn("tx", id.producer_id, 0, false), code(ErrorCode::invalid_txn_state));
    described =
        call<protocol::DescribeTransactionsResponse>(handlers::describe_transactions, describe, 0);
    EXPECT_EQ(described.transaction_states[0].transaction_state, "CompleteCommit");
    EXPECT_EQ(described.transaction_states[0].transaction_start_time_ms, -1);
    std::cout << "checked: DescribeTransactions (state, timeout, start, partitions, unknown ids) "
                 "and ListTransactions (state and producer filters, unknown states echoed) "
                 "follow a transaction to CompleteCommit; a retried commit answers the same\n";
}

TEST_F(TxnHandlersTest, CommitAndAbortMoveTheLastStableOffset) {
    auto id = init("tx");
    ASSERT_EQ(add_partitions("tx", id.producer_id, 0, "t", {0}), std::vector<int16_t>{0});
    ASSERT_EQ(produce(id.producer_id, 0, 0), 0);
    ASSERT_EQ(produce(id.producer_id, 0, 1), 0);
    EXPECT_EQ(latest(false), 2);
    EXPECT_EQ(latest(true), 0) << "the open transaction holds the last stable offset";
    ASSERT_EQ(end_txn("tx", id.producer_id, 0, false), 0);
    EXPECT_EQ(latest(false), 3) << "two records and the abort marker";
    EXPECT_EQ(latest(true), 3);
    std::cout << "checked: ListOffsets latest is the last stable offset for read_committed (0 "
                 "while open) and moves past the abort marker (3)\n";
}

TEST_F(TxnHandlersTest, UnannouncedTransactionalRecordsAreRefused) {
    // KIP-890: a partition the transaction did not add, an unknown producer, an old epoch.
    auto id = init("tx");
    EXPECT_EQ(produce(id.producer_id, 0, 0), code(ErrorCode::invalid_txn_state));
    EXPECT_EQ(produce(4242, 0, 0), code(ErrorCode::invalid_txn_state));
    ASSERT_EQ(add_partitions("tx", id.producer_id, 0, "t", {0}), std::vector<int16_t>{0});
    EXPECT_EQ(produce(id.producer_id, 0, 0, 1), code(ErrorCode::invalid_txn_state))
        << "partition 1 was not added";
    EXPECT_EQ(produce(id.producer_id, 0, 0), 0);
    EXPECT_EQ(produce(id.producer_id, 0, 1), 0) << "open here: no second check";
    auto next = init("tx");
    ASSERT_EQ(add_partitions("tx", next.producer_id, 1, "t", {1}), std::vector<int16_t>{0});
    EXPECT_EQ(produce(id.producer_id, 0, 0, 1), code(ErrorCode::invalid_producer_epoch));
    EXPECT_EQ(latest(true), 3) << "the fenced transaction was aborted: two records, a marker";
    std::cout << "checked: transactional records for a partition not in the open transaction, of "
                 "an unknown producer or an old epoch are refused before they are written\n";
}

TEST_F(TxnHandlersTest, AnAdminToolEndsATransactionWithWriteTxnMarkers) {
    // As kafka-transactions.sh abort does for a transaction hanging on a partition.
    auto id = init("tx");
    ASSERT_EQ(add_partitions("tx", id.producer_id, 0, "t", {1}), std::vector<int16_t>{0});
    ASSERT_EQ(produce(id.producer_id, 0, 0, 1), 0);
    protocol::WriteTxnMarkersRequest request;
    auto& marker = request.markers.emplace_back();
    marker.producer_id = id.producer_id;
    marker.producer_epoch = 3;
    marker.transaction_result = false;
    marker.topics.push_back({"t", {1}, {}});
    marker.coordinator_epoch = 0;
    auto& bad = request.markers.emplace_back();
    bad.producer_id = id.producer_id;
    bad.producer_epoch = 2;  // older than the marker before it
    bad.transaction_result = true;
    bad.topics.push_back({"t", {1}, {}});
    bad.topics.push_back({"nope", {0}, {}});
    for (int16_t version : {0, 1}) {
        auto response =
            call<protocol::WriteTxnMarkersResponse>(handlers::write_txn_markers, request, version);
        ASSERT_EQ(response.markers.size(), 2u);
        EXPECT_EQ(response.markers[0].producer_id, id.producer_id);
        EXPECT_EQ(response.markers[0].topics.at(0).partitions.at(0).error_code, 0);
        EXPECT_EQ(response.markers[1].topics.at(0).partitions.at(0).error_code,
                  code(ErrorCode::invalid_producer_epoch));
        EXPECT_EQ(response.markers[1].topics.at(1).partitions.at(0).error_code,
                  code(ErrorCode::unknown_topic_or_partition));
    }
    protocol::ListOffsetsRequest offsets;
    offsets.isolation_level = 1;
    offsets.replica_id = -1;
    auto& t = offsets.topics.emplace_back();
    t.name = "t";
    t.partitions.push_back({1, -1, -1, {}});
    auto stable = call<protocol::ListOffsetsResponse>(handlers::list_offsets, offsets, 7);
    EXPECT_EQ(stable.topics.at(0).partitions.at(0).offset, 3) << "record and two abort markers";
    std::cout << "checked: WriteTxnMarkers v0/v1 writes an abort marker that ends the "
                 "transaction on the partition; an older epoch gets INVALID_PRODUCER_EPOCH, an "
                 "unknown partition UNKNOWN_TOPIC_OR_PARTITION\n";
}

TEST_F(TxnHandlersTest, TxnOffsetCommitIsPendingUntilTheTransactionCommits) {
    auto id = init("tx");
    protocol::TxnOffsetCommitRequest commit;
    commit.transactional_id = "tx";
    commit.group_id = "g";
    commit.producer_id = id.producer_id;
    commit.producer_epoch = 0;
    auto& topic = commit.topics.emplace_back();
    topic.name = "t";
    topic.partitions.push_back({0, 42, -1, std::string("m"), {}});
    auto refused = call<protocol::TxnOffsetCommitResponse>(handlers::txn_offset_commit, commit, 3);
    EXPECT_EQ(refused.topics.at(0).partitions.at(0).error_code, code(ErrorCode::invalid_txn_state))
        << "AddOffsetsToTxn first";

    protocol::AddOffsetsToTxnRequest add;
    add.transactional_id = "tx";
    add.producer_id = id.producer_id;
    add.producer_epoch = 0;
    add.group_id = "g";
    ASSERT_EQ(
        call<protocol::AddOffsetsToTxnResponse>(handlers::add_offsets_to_txn, add, 3).error_code,
        0);
    auto accepted = call<protocol::TxnOffsetCommitResponse>(handlers::txn_offset_commit, commit, 3);
    EXPECT_EQ(accepted.topics.at(0).partitions.at(0).error_code, 0);

    protocol::OffsetFetchRequest fetch;
    fetch.group_id = "g";
    fetch.topics.emplace();
    fetch.topics->push_back({"t", {0}, {}});
    fetch.require_stable = true;
    auto pending = call<protocol::OffsetFetchResponse>(handlers::offset_fetch, fetch, 7);
    EXPECT_EQ(pending.topics.at(0).partitions.at(0).error_code,
              code(ErrorCode::unstable_offset_commit));
    fetch.require_stable = false;
    auto unstable = call<protocol::OffsetFetchResponse>(handlers::offset_fetch, fetch, 7);
    EXPECT_EQ(unstable.topics.at(0).partitions.at(0).committed_offset, -1)
        << "not visible before the commit";

    ASSERT_EQ(end_txn("tx", id.producer_id, 0, true), 0);
    fetch.require_stable = true;
    auto done = call<protocol::OffsetFetchResponse>(handlers::offset_fetch, fetch, 7);
    EXPECT_EQ(done.topics.at(0).partitions.at(0).error_code, 0);
    EXPECT_EQ(done.topics.at(0).partitions.at(0).committed_offset, 42);
    EXPECT_EQ(done.topics.at(0).partitions.at(0).metadata, "m");

    // A fenced producer's TxnOffsetCommit: INVALID_PRODUCER_EPOCH before v3, PRODUCER_FENCED after.
    init("tx");
    auto fenced2 = call<protocol::TxnOffsetCommitResponse>(handlers::txn_offset_commit, commit, 2);
    EXPECT_EQ(fenced2.topics.at(0).partitions.at(0).error_code,
              code(ErrorCode::invalid_producer_epoch));
    auto fenced3 = call<protocol::TxnOffsetCommitResponse>(handlers::txn_offset_commit, commit, 3);
    EXPECT_EQ(fenced3.topics.at(0).partitions.at(0).error_code, code(ErrorCode::producer_fenced));
    std::cout << "checked: TxnOffsetCommit needs AddOffsetsToTxn, stays pending (OffsetFetch "
                 "require_stable: UNSTABLE_OFFSET_COMMIT) until EndTxn commits it; fenced "
                 "producers are refused per version\n";
}

TEST(TxnHandlersLoading, TransactionRequestsWaitForTheCoordinator) {
    testing::HandlerHarness h;
    ASSERT_TRUE(h.started().ok());
    protocol::EndTxnRequest end;
    end.transactional_id = "tx";
    auto response = h.call<protocol::EndTxnResponse>(handlers::end_txn, end, 3);
    ASSERT_TRUE(response.ok());
    EXPECT_EQ(response->error_code, code(ErrorCode::coordinator_load_in_progress));
    protocol::ListTransactionsRequest list;
    auto listed = h.call<protocol::ListTransactionsResponse>(handlers::list_transactions, list, 0);
    ASSERT_TRUE(listed.ok());
    EXPECT_EQ(listed->error_code, code(ErrorCode::coordinator_load_in_progress));
    std::cout << "checked: transaction requests before the coordinator loaded answer "
                 "COORDINATOR_LOAD_IN_PROGRESS\n";
}

}  // namespace
}  // namespace es::kafka::server
