// InitProducerId, and idempotent produce as a client sees it on the wire: retries answered with
// their original offset, and Kafka's error codes for gaps and stale epochs.

#include "kafka/protocol/generated/init_producer_id.h"

#include "kafka/protocol/error_code.h"
#include "kafka/protocol/generated/produce.h"
#include "kafka/server/handlers/handlers.h"
#include "kafka/server/tests/handler_harness.h"
#include "model/record_batch.h"

#include <gtest/gtest.h>

#include <future>

namespace es::kafka::server {
namespace {

using protocol::ErrorCode;
using protocol::InitProducerIdRequest;
using protocol::InitProducerIdResponse;
using protocol::ProduceRequest;
using protocol::ProduceResponse;

class InitProducerIdTest : public ::testing::Test {
  protected:
    InitProducerIdResponse init(const InitProducerIdRequest& request, int16_t version) {
        auto response =
            h_.call<InitProducerIdResponse>(handlers::init_producer_id, request, version);
        EXPECT_TRUE(response.ok()) << response.error().to_string();
        EXPECT_EQ(h_.last_calls(), 1);
        return response.ok() ? *response : InitProducerIdResponse{};
    }

    /// One idempotent batch to partition 0 of `topic`; the partition's answer.
    ProduceResponse::TopicProduceResponse::PartitionProduceResponse produce(
        const std::string& topic, int64_t pid, int16_t epoch, int32_t seq) {
        model::BatchOptions options;
        options.producer_id = model::ProducerId(pid);
        options.producer_epoch = model::ProducerEpoch(epoch);
        options.base_sequence = seq;
        model::RecordBatchBuilder builder(model::Offset(0), options);
        builder.add(as_bytes("k"), as_bytes("v" + std::to_string(seq)), 1000);
        Bytes batch = std::move(builder.build()).value();
        ProduceRequest request;
        request.acks = -1;
        request.timeout_ms = 10000;
        auto& t = request.topic_data.emplace_back();
        t.name = topic;
        auto& p = t.partition_data.emplace_back();
        p.index = 0;
        p.records = BytesView(batch);
        auto response = h_.call<ProduceResponse>(handlers::produce, request, 9);
        EXPECT_TRUE(response.ok()) << response.error().to_string();
        if (!response.ok()) return {};
        return response->responses.at(0).partition_responses.at(0);
    }

    void create(const std::string& topic) {
        std::promise<Result<broker::TopicInfo>> created;
        h_.broker().create_topic(
            h_.shard(), topic, 1, {}, false,
            [&created](Result<broker::TopicInfo> r) { created.set_value(std::move(r)); });
        ASSERT_TRUE(created.get_future().get().ok());
    }

    testing::HandlerHarness h_;
};

TEST_F(InitProducerIdTest, EveryVersionHandsOutANewIdAtEpochZero) {
    ASSERT_TRUE(h_.started().ok());
    for (int16_t version = 0; version <= 4; ++version) {
        auto response = init(InitProducerIdRequest{}, version);
        EXPECT_EQ(response.error_code, 0) << "v" << version;
        EXPECT_EQ(response.producer_id, version) << "v" << version;
        EXPECT_EQ(response.producer_epoch, 0);
    }
}

TEST_F(InitProducerIdTest, AnIdempotentProducerResumingWithItsIdGetsANewOne) {
    // KIP-360 (v3+): without a transactional id Kafka answers with a fresh id at epoch 0.
    InitProducerIdRequest resume;
    resume.producer_id = 0;
    resume.producer_epoch = 7;
    auto first = init(InitProducerIdRequest{}, 4);
    auto again = init(resume, 4);
    EXPECT_EQ(again.error_code, 0);
    EXPECT_NE(again.producer_id, first.producer_id);
    EXPECT_EQ(again.producer_epoch, 0);

    InitProducerIdRequest half;
    half.producer_id = 3;
    auto refused = init(half, 3);
    EXPECT_EQ(refused.error_code, protocol::code(ErrorCode::invalid_request));
    EXPECT_EQ(refused.producer_id, -1);
}

TEST_F(InitProducerIdTest, ATransactionalIdWaitsForTheTransactionCoordinatorToLoad) {
    // This harness attaches no transaction coordinator: as while __transaction_state loads.
    InitProducerIdRequest request;
    request.transactional_id = "txn-1";
    request.transaction_timeout_ms = 60000;
    for (int16_t version : {0, 2, 4}) {
        auto response = init(request, version);
        EXPECT_EQ(response.error_code, protocol::code(ErrorCode::coordinator_load_in_progress))
            << version;
        EXPECT_EQ(response.producer_id, -1);
        EXPECT_EQ(response.producer_epoch, -1);
    }
}

TEST_F(InitProducerIdTest, IdempotentProduceAnswersRetriesGapsAndStaleEpochsAsKafka) {
    create("events");
    auto id = init(InitProducerIdRequest{}, 4);
    ASSERT_EQ(id.error_code, 0);
    auto first = produce("events", id.producer_id, 0, 0);
    EXPECT_EQ(first.error_code, 0);
    EXPECT_EQ(first.base_offset, 0);
    EXPECT_EQ(produce("events", id.producer_id, 0, 1).base_offset, 1);
    auto retry = produce("events", id.producer_id, 0, 0);
    EXPECT_EQ(retry.error_code, 0);
    EXPECT_EQ(retry.base_offset, 0) << "the original offset, not a new one";
    auto gap = produce("events", id.producer_id, 0, 5);
    EXPECT_EQ(gap.error_code, protocol::code(ErrorCode::out_of_order_sequence_number));
    EXPECT_EQ(gap.base_offset, -1);
    EXPECT_EQ(produce("events", id.producer_id, 1, 0).error_code, 0) << "an epoch bump";
    auto stale = produce("events", id.producer_id, 0, 2);
    EXPECT_EQ(stale.error_code, protocol::code(ErrorCode::invalid_producer_epoch));
}

}  // namespace
}  // namespace es::kafka::server
