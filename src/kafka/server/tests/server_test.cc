// The Kafka listener end to end over real sockets: framing, ordering, versions, the data path
// (produce, fetch, list offsets, metadata) and hostile input. Real clients (kcat, librdkafka,
// kafkajs) are exercised by the integration tests under tests/.

#include "kafka/server/server.h"

#include "broker/broker.h"
#include "kafka/protocol/error_code.h"
#include "kafka/protocol/generated/api_versions.h"
#include "kafka/protocol/generated/create_topics.h"
#include "kafka/protocol/generated/fetch.h"
#include "kafka/protocol/generated/list_offsets.h"
#include "kafka/protocol/generated/metadata.h"
#include "kafka/protocol/generated/produce.h"
#include "kafka/server/request_context.h"
#include "kafka/server/tests/kafka_test_client.h"
#include "model/record_batch.h"
#include "storage/tests/test_util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <random>
#include <thread>
#include <vector>

namespace es::kafka::server {
namespace {

using protocol::ErrorCode;
using storage::testing::make_batch;
using storage::testing::TempDir;
using testing::KafkaTestClient;

class ServerFixture : public ::testing::Test {
  protected:
    void SetUp() override { start(); }
    void TearDown() override { stop(); }

    void start(ServerConfig config = {}) {
        config.cluster_id = "test-cluster";
        server_ = std::make_unique<KafkaServer>(config, 2);
        broker::BrokerConfig bc;
        bc.data_dir = dir_.path();
        broker_ = std::make_unique<broker::Broker>(bc, server_->executors());
        ASSERT_TRUE(broker_->start().ok());
        server_->attach(*broker_);
        auto port = server_->listen("127.0.0.1", 0);
        ASSERT_TRUE(port.ok()) << port.error().to_string();
        port_ = *port;
        server_->set_advertised("127.0.0.1", port_);
        server_->start();
    }

    void stop() {
        if (!server_) return;
        server_->stop(2000);
        ASSERT_TRUE(broker_->stop().ok());
        server_.reset();
        broker_.reset();
    }

    /// Metadata v12 for one topic, auto-creating it.
    protocol::MetadataResponse metadata_for(KafkaTestClient& client, const std::string& topic) {
        protocol::MetadataRequest request;
        request.topics.emplace();
        request.topics->push_back({{}, topic, {}});
        EXPECT_TRUE(client.send(request, 12, 7));
        auto response = client.receive<protocol::MetadataResponse>(12, 7);
        EXPECT_TRUE(response);
        return response ? *response : protocol::MetadataResponse{};
    }

    static protocol::ProduceRequest produce_request(const std::string& topic, int32_t partition,
                                                    const Bytes& batch, int16_t acks = -1) {
        protocol::ProduceRequest request;
        request.acks = acks;
        request.timeout_ms = 5000;
        auto& t = request.topic_data.emplace_back();
        t.name = topic;
        t.partition_data.push_back({partition, BytesView(batch), {}});
        return request;
    }

    static protocol::FetchRequest fetch_request(const std::string& topic, const protocol::Uuid& id,
                                                int64_t offset, int32_t max_wait_ms = 0) {
        protocol::FetchRequest request;
        request.max_wait_ms = max_wait_ms;
        request.min_bytes = 1;
        auto& t = request.topics.emplace_back();
        t.topic = topic;
        t.topic_id = id;
        auto& p = t.partitions.emplace_back();
        p.partition = 0;
        p.fetch_offset = offset;
        p.partition_max_bytes = 1 << 20;
        return request;
    }

    TempDir dir_;
    std::unique_ptr<KafkaServer> server_;
    std::unique_ptr<broker::Broker> broker_;
    uint16_t port_ = 0;
};

TEST_F(ServerFixture, ApiVersionsListsEveryServedApiAtEveryVersion) {
    KafkaTestClient client(port_);
    ASSERT_TRUE(client.connected());
    for (int16_t version : {0, 1, 2, 3}) {
        ASSERT_TRUE(client.send(protocol::ApiVersionsRequest{}, version, 100 + version));
        auto response = client.receive<protocol::ApiVersionsResponse>(version, 100 + version);
        ASSERT_TRUE(response) << "ApiVersions v" << version;
        EXPECT_EQ(response->error_code, 0);
        size_t served = 0;
        for (const auto& api : protocol::kApis) {
            if (find_handler(static_cast<int16_t>(api.key))) ++served;
        }
        EXPECT_EQ(response->api_keys.size(), served);
    }
}

TEST_F(ServerFixture, AnUnsupportedApiVersionsVersionGetsTheListInAVersionZeroAnswer) {
    KafkaTestClient client(port_);
    ASSERT_TRUE(client.send(protocol::ApiVersionsRequest{}, 3, 1));
    auto frame = KafkaTestClient::frame(protocol::ApiVersionsRequest{}, 3, 2);
    store_be16(frame.data() + 6, 99);  // the header's api_version
    ASSERT_TRUE(client.send_raw(frame));
    ASSERT_TRUE(client.receive<protocol::ApiVersionsResponse>(3, 1));
    auto response = client.receive<protocol::ApiVersionsResponse>(0, 2);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->error_code, protocol::code(ErrorCode::unsupported_version));
    EXPECT_FALSE(response->api_keys.empty());
}

TEST_F(ServerFixture, ProducedRecordsComeBackFromFetchByTopicIdAndByName) {
    KafkaTestClient client(port_);
    auto metadata = metadata_for(client, "orders");
    ASSERT_EQ(metadata.topics.size(), 1u);
    ASSERT_EQ(metadata.topics[0].error_code, 0);
    protocol::Uuid id = metadata.topics[0].topic_id;
    EXPECT_FALSE(id.is_zero());

    Bytes first = make_batch(3, 1);
    Bytes second = make_batch(2, 2);
    for (auto [version, batch] : {std::pair<int16_t, const Bytes*>{9, &first}, {3, &second}}) {
        ASSERT_TRUE(client.send(produce_request("orders", 0, *batch), version, 20 + version));
        auto produced = client.receive<protocol::ProduceResponse>(version, 20 + version);
        ASSERT_TRUE(produced) << "Produce v" << version;
        const auto& part = produced->responses.at(0).partition_responses.at(0);
        EXPECT_EQ(part.error_code, 0);
        EXPECT_EQ(part.base_offset, version == 9 ? 0 : 3);
    }

    ASSERT_TRUE(client.send(fetch_request("", id, 0), 13, 40));
    auto by_id = client.receive<protocol::FetchResponse>(13, 40);
    ASSERT_TRUE(by_id);
    const auto& data = by_id->responses.at(0).partitions.at(0);
    EXPECT_EQ(data.error_code, 0);
    EXPECT_EQ(data.high_watermark, 5);
    ASSERT_TRUE(data.records);
    EXPECT_EQ(data.records->size(), first.size() + second.size());
    auto batch = model::RecordBatchView::parse(*data.records);
    ASSERT_TRUE(batch.ok());
    EXPECT_EQ(batch->base_offset(), model::Offset(0));
    EXPECT_EQ(batch->last_offset(), model::Offset(2));

    ASSERT_TRUE(client.send(fetch_request("orders", {}, 3), 4, 41));
    auto by_name = client.receive<protocol::FetchResponse>(4, 41);
    ASSERT_TRUE(by_name);
    ASSERT_TRUE(by_name->responses.at(0).partitions.at(0).records);
    EXPECT_EQ(by_name->responses.at(0).partitions.at(0).records->size(), second.size());
}

TEST(ResponseBody, PiecesInterleaveTheBytesAndTheSplicesInOrder) {
    Bytes first(5000, 1);
    Bytes second(6000, 2);
    Bytes head = {9, 9, 8, 8, 7};
    ResponseBody body(head, {{2, BytesView(first)}, {2, BytesView(second)}, {5, BytesView(first)}},
                      nullptr);
    EXPECT_EQ(body.size(), 5u + 5000 + 6000 + 5000);
    Bytes expected = {9, 9};
    expected.insert(expected.end(), first.begin(), first.end());
    expected.insert(expected.end(), second.begin(), second.end());
    expected.insert(expected.end(), {8, 8, 7});
    expected.insert(expected.end(), first.begin(), first.end());
    EXPECT_EQ(body.flatten(), expected);
    size_t pieces = 0;
    body.for_each_piece([&](BytesView piece) {
        EXPECT_FALSE(piece.empty());
        ++pieces;
    });
    EXPECT_EQ(pieces, 5u);  // head, first, second, tail of head, first
    EXPECT_EQ(ResponseBody(Bytes{1, 2}).flatten(), (Bytes{1, 2}));
}

TEST_F(ServerFixture, LargeRecordSetsOfSeveralPartitionsComeBackByteForByte) {
    // Record sets above kMinSplicedRecords are written from the log's read buffers, between
    // the pieces of the encoded answer; small ones are copied in. Both kinds, pipelined.
    KafkaTestClient client(port_);
    protocol::CreateTopicsRequest create;
    auto& topic = create.topics.emplace_back();
    topic.name = "wide";
    topic.num_partitions = 3;
    topic.replication_factor = 1;
    ASSERT_TRUE(client.send(create, 5, 1));
    ASSERT_TRUE(client.receive<protocol::CreateTopicsResponse>(5, 1));
    std::vector<Bytes> batches;
    for (int32_t p = 0; p < 3; ++p) {
        // 200 records of 100 B (about 22 KiB), 300 of 100 B, and 2 small records.
        int count = p == 2 ? 2 : 200 + 100 * p;
        batches.push_back(make_batch(count, p, 1000, p == 2 ? 16 : 100));
        ASSERT_TRUE(client.send(produce_request("wide", p, batches.back()), 9, 10 + p));
        auto produced = client.receive<protocol::ProduceResponse>(9, 10 + p);
        ASSERT_TRUE(produced);
        EXPECT_EQ(produced->responses.at(0).partition_responses.at(0).error_code, 0);
    }
    ASSERT_GT(batches[0].size(), kMinSplicedRecords);
    ASSERT_LT(batches[2].size(), kMinSplicedRecords);
    protocol::FetchRequest request = fetch_request("wide", {}, 0);
    for (int32_t p = 1; p < 3; ++p) {
        auto& part = request.topics[0].partitions.emplace_back();
        part.partition = p;
        part.fetch_offset = 0;
        part.partition_max_bytes = 1 << 20;
    }
    Bytes burst;
    for (int32_t i = 0; i < 4; ++i) {
        Bytes frame = KafkaTestClient::frame(request, i % 2 ? 4 : 12, 100 + i);
        burst.insert(burst.end(), frame.begin(), frame.end());
    }
    ASSERT_TRUE(client.send_raw(burst));
    for (int32_t i = 0; i < 4; ++i) {
        auto fetched = client.receive<protocol::FetchResponse>(i % 2 ? 4 : 12, 100 + i);
        ASSERT_TRUE(fetched) << "answer " << i;
        const auto& parts = fetched->responses.at(0).partitions;
        ASSERT_EQ(parts.size(), 3u);
        for (int32_t p = 0; p < 3; ++p) {
            EXPECT_EQ(parts[p].error_code, 0);
            ASSERT_TRUE(parts[p].records);
            // The stored batch differs from the sent one only in its base offset (0 here).
            EXPECT_TRUE(std::equal(parts[p].records->begin(), parts[p].records->end(),
                                   batches[p].begin(), batches[p].end()))
                << "partition " << p << " of answer " << i;
        }
    }
}

TEST_F(ServerFixture, AClientLeavingWhileLargeAnswersAreWrittenHarmsNoOne) {
    // Large answers are written from the log's read buffers; a client that closes while they
    // are queued or half written must not leave the server touching freed memory (run under
    // ASan) or stop it from answering others.
    KafkaTestClient writer(port_);
    metadata_for(writer, "big");
    Bytes batch = make_batch(1000, 1, 1000, 1000);  // about 1 MB
    for (int i = 0; i < 4; ++i) {
        ASSERT_TRUE(writer.send(produce_request("big", 0, batch), 9, i));
        auto produced = writer.receive<protocol::ProduceResponse>(9, i);
        ASSERT_TRUE(produced);
        ASSERT_EQ(produced->responses.at(0).partition_responses.at(0).error_code, 0);
    }
    protocol::FetchRequest request = fetch_request("big", {}, 0);
    request.topics[0].partitions[0].partition_max_bytes = 8 << 20;
    for (int round = 0; round < 5; ++round) {
        KafkaTestClient leaver(port_);
        Bytes burst;
        for (int32_t i = 0; i < 8; ++i) {
            Bytes frame = KafkaTestClient::frame(request, 12, i);
            burst.insert(burst.end(), frame.begin(), frame.end());
        }
        ASSERT_TRUE(leaver.send_raw(burst));
        if (round % 2) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }  // each leaver closes with up to 32 MB of answers unread
    KafkaTestClient reader(port_);
    ASSERT_TRUE(reader.send(request, 12, 99));
    auto fetched = reader.receive<protocol::FetchResponse>(12, 99);
    ASSERT_TRUE(fetched);
    const auto& part = fetched->responses.at(0).partitions.at(0);
    ASSERT_TRUE(part.records);
    EXPECT_EQ(part.records->size(), 4 * batch.size());
    std::printf(
        "checked: 5 clients left with 8 pipelined 4 MB answers each; a new client still "
        "reads all %zu bytes\n",
        part.records->size());
}

TEST_F(ServerFixture, UnknownTopicsAndOffsetsGetTheirKafkaErrors) {
    KafkaTestClient client(port_);
    metadata_for(client, "known");
    ASSERT_TRUE(client.send(produce_request("never-created", 0, make_batch(1, 1)), 9, 1));
    auto produced = client.receive<protocol::ProduceResponse>(9, 1);
    ASSERT_TRUE(produced);
    EXPECT_EQ(produced->responses[0].partition_responses[0].error_code,
              protocol::code(ErrorCode::unknown_topic_or_partition));

    ASSERT_TRUE(client.send(fetch_request("known", {}, 42), 11, 2));
    auto fetched = client.receive<protocol::FetchResponse>(11, 2);
    ASSERT_TRUE(fetched);
    EXPECT_EQ(fetched->responses[0].partitions[0].error_code,
              protocol::code(ErrorCode::offset_out_of_range));

    protocol::Uuid bogus;
    bogus.bytes[0] = 0x42;
    ASSERT_TRUE(client.send(fetch_request("", bogus, 0), 13, 3));
    fetched = client.receive<protocol::FetchResponse>(13, 3);
    ASSERT_TRUE(fetched);
    EXPECT_EQ(fetched->responses[0].partitions[0].error_code,
              protocol::code(ErrorCode::unknown_topic_id));
}

TEST_F(ServerFixture, ListOffsetsAnswersEarliestLatestAndByTime) {
    KafkaTestClient client(port_);
    metadata_for(client, "t");
    ASSERT_TRUE(client.send(produce_request("t", 0, make_batch(4, 1, /*timestamp=*/5000)), 9, 1));
    ASSERT_TRUE(client.receive<protocol::ProduceResponse>(9, 1));
    for (auto [timestamp, expected] : {std::pair<int64_t, int64_t>{-2, 0}, {-1, 4}, {5002, 2}}) {
        protocol::ListOffsetsRequest request;
        request.replica_id = -1;
        auto& topic = request.topics.emplace_back();
        topic.name = "t";
        topic.partitions.push_back({0, -1, timestamp, {}});
        for (int16_t version : {1, 7}) {
            ASSERT_TRUE(client.send(request, version, 2));
            auto response = client.receive<protocol::ListOffsetsResponse>(version, 2);
            ASSERT_TRUE(response);
            const auto& part = response->topics.at(0).partitions.at(0);
            EXPECT_EQ(part.error_code, 0);
            EXPECT_EQ(part.offset, expected) << "timestamp " << timestamp << " v" << version;
        }
    }
}

TEST_F(ServerFixture, PipelinedRequestsAreAnsweredInRequestOrder) {
    KafkaTestClient client(port_);
    metadata_for(client, "p");
    // A long-poll fetch first: the produces behind it finish sooner but must wait their turn.
    Bytes burst = KafkaTestClient::frame(fetch_request("p", {}, 0, 300), 12, 1000);
    Bytes batch = make_batch(1, 1);
    for (int i = 0; i < 50; ++i) {
        Bytes frame = KafkaTestClient::frame(produce_request("p", 0, batch), 9, i);
        burst.insert(burst.end(), frame.begin(), frame.end());
    }
    ASSERT_TRUE(client.send_raw(burst));
    ASSERT_TRUE(client.receive<protocol::FetchResponse>(12, 1000));
    for (int i = 0; i < 50; ++i) {
        auto response = client.receive<protocol::ProduceResponse>(9, i);
        ASSERT_TRUE(response) << "answer " << i << " missing or out of order";
        EXPECT_EQ(response->responses[0].partition_responses[0].base_offset, i);
    }
}

TEST_F(ServerFixture, AcksZeroProducesGetNoAnswerButAreAppended) {
    KafkaTestClient client(port_);
    metadata_for(client, "fire");
    ASSERT_TRUE(client.send(produce_request("fire", 0, make_batch(2, 1), /*acks=*/0), 9, 1));
    ASSERT_TRUE(client.send(fetch_request("fire", {}, 0, 1000), 12, 2));
    auto fetched = client.receive<protocol::FetchResponse>(12, 2);
    ASSERT_TRUE(fetched) << "the next answer must be the fetch's, not one for acks=0";
    EXPECT_EQ(fetched->responses[0].partitions[0].high_watermark, 2);
}

TEST_F(ServerFixture, AFetchWaitsForDataAndWakesOnProduce) {
    KafkaTestClient consumer(port_);
    KafkaTestClient producer(port_);
    metadata_for(consumer, "wait");
    ASSERT_TRUE(consumer.send(fetch_request("wait", {}, 0, 5000), 12, 1));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto started = std::chrono::steady_clock::now();
    ASSERT_TRUE(producer.send(produce_request("wait", 0, make_batch(1, 1)), 9, 1));
    auto fetched = consumer.receive<protocol::FetchResponse>(12, 1);
    ASSERT_TRUE(fetched);
    EXPECT_EQ(fetched->responses[0].partitions[0].high_watermark, 1);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(4))
        << "the fetch should be woken by the produce, not by its 5 s timeout";
}

// Hostile input: each closes only its own connection; the server keeps serving others.
TEST_F(ServerFixture, BadFramesCloseTheirConnectionOnly) {
    struct Case {
        const char* what;
        Bytes bytes;
    };
    Bytes truncated_body = KafkaTestClient::frame(produce_request("x", 0, make_batch(1, 1)), 9, 5);
    truncated_body.resize(truncated_body.size() - 7);
    store_be32(truncated_body.data(), static_cast<uint32_t>(truncated_body.size() - 4));
    Bytes unknown_api = KafkaTestClient::frame(protocol::ApiVersionsRequest{}, 3, 1);
    store_be16(unknown_api.data() + 4, 999);
    Bytes old_produce = KafkaTestClient::frame(produce_request("x", 0, make_batch(1, 1)), 9, 1);
    store_be16(old_produce.data() + 6, 2);
    std::vector<Case> cases = {
        {"negative size", {0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 0}},
        {"size below a header", {0, 0, 0, 3, 0, 0, 0}},
        {"size above socket.request.max.bytes", {0x7f, 0xff, 0xff, 0xff}},
        {"body shorter than its fields", truncated_body},
        {"unknown api key", unknown_api},
        {"produce below v3", old_produce},
        {"garbage header", {0, 0, 0, 12, 0, 3, 0, 12, 0, 0, 0, 1, 0x7f, 0xff, 0, 0}},
    };
    for (const auto& c : cases) {
        KafkaTestClient bad(port_);
        ASSERT_TRUE(bad.send_raw(c.bytes)) << c.what;
        EXPECT_TRUE(bad.closed_by_server()) << c.what << ": connection should be closed";
    }
    KafkaTestClient good(port_);
    ASSERT_TRUE(good.send(protocol::ApiVersionsRequest{}, 3, 1));
    EXPECT_TRUE(good.receive<protocol::ApiVersionsResponse>(3, 1));
}

TEST_F(ServerFixture, RandomBytesNeverCrashTheServer) {
    std::mt19937 rng(7);
    for (int i = 0; i < 200; ++i) {
        KafkaTestClient bad(port_);
        Bytes junk(8 + rng() % 64);
        for (auto& b : junk) b = static_cast<uint8_t>(rng());
        store_be32(junk.data(), static_cast<uint32_t>(junk.size() - 4));  // plausible size
        if (i % 2) store_be16(junk.data() + 4, static_cast<uint16_t>(rng() % 4));
        ASSERT_TRUE(bad.send_raw(junk));
        bad.read_frame(200);  // answered or closed; either way the server lives
    }
    KafkaTestClient good(port_);
    ASSERT_TRUE(good.send(protocol::ApiVersionsRequest{}, 3, 1));
    EXPECT_TRUE(good.receive<protocol::ApiVersionsResponse>(3, 1));
}

TEST_F(ServerFixture, SilentAndHalfSentConnectionsAreClosedWhenIdle) {
    stop();
    ServerConfig config;
    config.idle_timeout_ms = 200;
    start(config);
    KafkaTestClient silent(port_);
    KafkaTestClient slow_loris(port_);
    ASSERT_TRUE(slow_loris.send_raw(Bytes{0, 0, 1, 0, 0, 18}));  // 256 bytes announced, 2 sent
    EXPECT_TRUE(silent.closed_by_server(3000));
    EXPECT_TRUE(slow_loris.closed_by_server(3000));
}

TEST_F(ServerFixture, ConnectionsBeyondMaxConnectionsAreRefusedUntilOneCloses) {
    stop();
    ServerConfig config;
    config.max_connections = 2;
    start(config);
    auto first = std::make_unique<KafkaTestClient>(port_);
    KafkaTestClient second(port_);
    for (auto* c : {first.get(), &second}) {
        ASSERT_TRUE(c->send(protocol::ApiVersionsRequest{}, 3, 1));
        ASSERT_TRUE(c->receive<protocol::ApiVersionsResponse>(3, 1));
    }
    KafkaTestClient third(port_);
    EXPECT_TRUE(third.closed_by_server()) << "a third connection is over max.connections";
    first.reset();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    KafkaTestClient fourth(port_);
    ASSERT_TRUE(fourth.send(protocol::ApiVersionsRequest{}, 3, 1));
    EXPECT_TRUE(fourth.receive<protocol::ApiVersionsResponse>(3, 1))
        << "a closed connection frees its slot";
}

TEST_F(ServerFixture, StopDoesNotWaitForAnswersToClientsThatLeft) {
    {
        KafkaTestClient client(port_);
        metadata_for(client, "gone");
        ASSERT_TRUE(client.send(fetch_request("gone", {}, 0, 3000), 12, 1));
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }  // disconnects with its long poll still waiting
    std::this_thread::sleep_for(std::chrono::milliseconds(3100));  // the poll answers to nobody
    auto started = std::chrono::steady_clock::now();
    stop();
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1500))
        << "an answer with no connection left must not count as in flight";
}

TEST_F(ServerFixture, StopAnswersRequestsInFlightAndReadsNoNewOnes) {
    KafkaTestClient client(port_);
    metadata_for(client, "drain");
    ASSERT_TRUE(client.send(fetch_request("drain", {}, 0, 1000), 12, 1));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::thread stopper([this] { server_->stop(5000); });
    auto fetched = client.receive<protocol::FetchResponse>(12, 1, 5000);
    EXPECT_TRUE(fetched) << "the long poll read before stop() gets its answer";
    stopper.join();
    EXPECT_TRUE(client.closed_by_server(2000));
    ASSERT_TRUE(broker_->stop().ok());
    server_.reset();
    broker_.reset();
}

TEST_F(ServerFixture, StopAnswersAcknowledgedProducesAndARestartServesThem) {
    KafkaTestClient client(port_);
    metadata_for(client, "durable");
    for (int i = 0; i < 20; ++i) {
        ASSERT_TRUE(client.send(produce_request("durable", 0, make_batch(5, i)), 9, i));
    }
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(client.receive<protocol::ProduceResponse>(9, i));
    stop();
    start();
    KafkaTestClient again(port_);
    ASSERT_TRUE(again.send(fetch_request("durable", {}, 0), 12, 1));
    auto fetched = again.receive<protocol::FetchResponse>(12, 1);
    ASSERT_TRUE(fetched);
    EXPECT_EQ(fetched->responses[0].partitions[0].high_watermark, 100);
}

}  // namespace
}  // namespace es::kafka::server
