// client/ against librdkafka's in-process mock cluster (rdkafka_mock.h): real sockets and the
// real client code paths, with a broker that lives in the test process. The 2.0.2 mock serves
// Produce, Fetch, ListOffsets and Metadata but none of the admin APIs (CreateTopics,
// DeleteTopics, CreatePartitions, DescribeConfigs, AlterConfigs), and its ListOffsets ignores
// timestamps (answers -1). tests/integration/client_test.cc covers those against the real
// `edgestream serve` binary.

#include "client/admin.h"
#include "client/consumer.h"
#include "client/errc.h"
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
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace es::client {
namespace {

using namespace std::chrono_literals;
using namespace testing;  // NOLINT(google-build-using-namespace): client_test_util.h helpers
using ::testing::HasSubstr;

// --- produce and consume ----------------------------------------------------------------------

class CodecRoundTrip : public ::testing::TestWithParam<const char*> {};

TEST_P(CodecRoundTrip, RecordsComeBackIdenticalWithKeysValuesHeadersAndTimestamps) {
    MockCluster cluster;
    cluster.create_topic("codec", 2);
    auto producer =
        make_producer(cluster.config({{"compression.type", GetParam()}, {"linger.ms", "5"}}));
    ASSERT_TRUE(producer);

    constexpr int kCount = 300;
    std::vector<std::string> values;
    for (int i = 0; i < kCount; ++i) {
        // Repetitive, so that every codec has something to compress.
        values.push_back("event " + std::to_string(i) + " " + std::string(100 + i % 50, 'x'));
    }
    for (int i = 0; i < kCount; ++i) {
        std::string key = "user-" + std::to_string(i % 17);
        std::string trace = "trace-" + std::to_string(i);
        OutgoingHeader headers[] = {{"trace", as_bytes(trace)}, {"source", as_bytes("test")}};
        ProducerRecord r;
        r.topic = "codec";
        r.partition = model::PartitionId(i % 2);
        r.key = as_bytes(key);
        r.value = as_bytes(values[i]);
        r.headers = headers;
        r.timestamp_ms = 1'700'000'000'000 + i;
        ASSERT_TRUE(producer->send(r).ok());
    }
    ASSERT_TRUE(producer->flush(30s).ok());
    EXPECT_EQ(producer->stats().delivered, uint64_t{kCount});
    EXPECT_EQ(producer->stats().failed, 0u);

    auto consumer = make_consumer(cluster.config());
    ASSERT_TRUE(consumer);
    ASSERT_TRUE(consumer->assign("codec", {}, StartPosition::beginning()).ok());
    std::vector<Message> got = consume_to_end(*consumer, kCount);
    ASSERT_EQ(got.size(), size_t{kCount});

    std::map<int32_t, int64_t> next_offset;
    for (const Message& m : got) {
        // Records of a partition come in offset order, from 0, without gaps.
        EXPECT_EQ(m.offset.value(), next_offset[m.partition.value()]++);
        ASSERT_TRUE(m.value.has_value());
        std::string value(m.value->begin(), m.value->end());
        int i = std::stoi(value.substr(6));
        EXPECT_EQ(m.topic, "codec");
        EXPECT_EQ(m.partition.value(), i % 2);
        EXPECT_EQ(value, values[i]);
        EXPECT_EQ(m.key, bytes("user-" + std::to_string(i % 17)));
        ASSERT_TRUE(m.timestamp.has_value());
        EXPECT_EQ(m.timestamp->ms, 1'700'000'000'000 + i);
        EXPECT_EQ(m.timestamp->type, model::TimestampType::create_time);
        std::vector<Header> expected = {{"trace", bytes("trace-" + std::to_string(i))},
                                        {"source", bytes("test")}};
        EXPECT_EQ(m.headers, expected);
    }
}

INSTANTIATE_TEST_SUITE_P(EveryCodec, CodecRoundTrip,
                         ::testing::Values("none", "gzip", "snappy", "lz4", "zstd"),
                         [](const auto& param_info) { return std::string(param_info.param); });

TEST(ClientProduceConsume, NullAndEmptyKeysValuesAndHeaderValuesStayDistinct) {
    MockCluster cluster;
    cluster.create_topic("nulls", 1);
    auto producer = make_producer(cluster.config());
    ASSERT_TRUE(producer);

    struct Case {
        std::optional<std::string> key, value, header;
    };
    const std::vector<Case> cases = {
        {std::nullopt, std::nullopt, std::nullopt},  // tombstone without key, null header
        {std::nullopt, "v", ""},                     // null key, empty header value
        {"", std::nullopt, "h"},                     // empty key, tombstone
        {"", "", std::nullopt},                      // empty key and value
        {"k", "v", "h"},
    };
    for (const Case& c : cases) {
        std::optional<BytesView> header_value;
        if (c.header) header_value = as_bytes(*c.header);
        OutgoingHeader headers[] = {{"h", header_value}, {"h", as_bytes("again")}};
        ProducerRecord r;
        r.topic = "nulls";
        if (c.key) r.key = as_bytes(*c.key);
        if (c.value) r.value = as_bytes(*c.value);
        r.headers = headers;
        ASSERT_TRUE(producer->send(r).ok());
    }
    ASSERT_TRUE(producer->flush(30s).ok());

    auto consumer = make_consumer(cluster.config());
    ASSERT_TRUE(consumer);
    ASSERT_TRUE(consumer->assign("nulls", {}, StartPosition::beginning()).ok());
    std::vector<Message> got = consume_to_end(*consumer, cases.size());
    ASSERT_EQ(got.size(), cases.size());
    for (size_t i = 0; i < cases.size(); ++i) {
        SCOPED_TRACE(i);
        auto as_optional_bytes = [](const std::optional<std::string>& s) {
            return s ? std::optional<Bytes>(bytes(*s)) : std::nullopt;
        };
        EXPECT_EQ(got[i].key, as_optional_bytes(cases[i].key));
        EXPECT_EQ(got[i].value, as_optional_bytes(cases[i].value));
        std::vector<Header> expected = {{"h", as_optional_bytes(cases[i].header)},
                                        {"h", bytes("again")}};
        EXPECT_EQ(got[i].headers, expected);
    }
}

TEST(ClientProduceConsume, RecordsWithoutHeadersHaveNone) {
    MockCluster cluster;
    cluster.create_topic("plain", 1);
    auto producer = make_producer(cluster.config());
    ASSERT_TRUE(producer);
    produce_numbered(*producer, "plain", 0, 0, 3);

    auto consumer = make_consumer(cluster.config());
    ASSERT_TRUE(consumer);
    ASSERT_TRUE(consumer->assign("plain", {}, StartPosition::beginning()).ok());
    std::vector<Message> got = consume_to_end(*consumer, 3);
    ASSERT_EQ(got.size(), 3u);
    for (const Message& m : got) EXPECT_TRUE(m.headers.empty());
}

TEST(ClientConsume, FromOffsetStartsAtThatOffset) {
    MockCluster cluster;
    cluster.create_topic("offsets", 1);
    auto producer = make_producer(cluster.config());
    ASSERT_TRUE(producer);
    produce_numbered(*producer, "offsets", 0, 0, 10);

    auto consumer = make_consumer(cluster.config());
    ASSERT_TRUE(consumer);
    ASSERT_TRUE(
        consumer
            ->assign("offsets", {model::PartitionId(0)}, StartPosition::at_offset(model::Offset(7)))
            .ok());
    std::vector<Message> got = consume_to_end(*consumer, 3);
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0].offset, model::Offset(7));
    EXPECT_EQ(got[0].value, bytes("value-7"));
    EXPECT_EQ(got[2].offset, model::Offset(9));
}

TEST(ClientConsume, FromEndSeesOnlyRecordsProducedAfterTheAssignment) {
    MockCluster cluster;
    cluster.create_topic("tail", 2);
    auto producer = make_producer(cluster.config());
    ASSERT_TRUE(producer);
    produce_numbered(*producer, "tail", 0, 0, 5);
    produce_numbered(*producer, "tail", 1, 5, 5);

    auto consumer = make_consumer(cluster.config());
    ASSERT_TRUE(consumer);
    ASSERT_TRUE(consumer->assign("tail", {}, StartPosition::end()).ok());
    EXPECT_TRUE(consume_to_end(*consumer).empty());

    produce_numbered(*producer, "tail", 1, 100, 2);
    std::vector<Message> got = consume_to_end(*consumer, 2);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].value, bytes("value-100"));
    EXPECT_EQ(got[0].offset, model::Offset(5));
    EXPECT_EQ(got[1].value, bytes("value-101"));
}

// The 2.0.2 mock answers every ListOffsets-by-time with -1 ("no record that late"), so this is
// the one timestamp case it can check: the lookup runs (offsets_for_times) and -1 means the end.
TEST(ClientConsume, FromTimestampAfterEveryRecordStartsAtTheEnd) {
    MockCluster cluster;
    cluster.create_topic("times", 1);
    auto producer = make_producer(cluster.config());
    ASSERT_TRUE(producer);
    produce_numbered(*producer, "times", 0, 0, 4, 1'000);

    auto consumer = make_consumer(cluster.config());
    ASSERT_TRUE(consumer);
    Status assigned = consumer->assign("times", {}, StartPosition::at_timestamp(9'000'000'000'000));
    ASSERT_TRUE(assigned.ok()) << assigned.error().to_string();
    EXPECT_TRUE(consume_to_end(*consumer).empty());

    produce_numbered(*producer, "times", 0, 10, 1);
    std::vector<Message> got = consume_to_end(*consumer, 1);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].offset, model::Offset(4));
}

TEST(ClientConsume, EmptyPartitionsReportTheirEndSoACallerCanStop) {
    MockCluster cluster;
    cluster.create_topic("empty", 3);
    auto consumer = make_consumer(cluster.config());
    ASSERT_TRUE(consumer);
    ASSERT_TRUE(consumer->assign("empty", {}, StartPosition::beginning()).ok());
    EXPECT_EQ(consumer->assignment().size(), 3u);
    EXPECT_FALSE(consumer->at_end());
    EXPECT_TRUE(consume_to_end(*consumer).empty());
    EXPECT_TRUE(consumer->at_end());
}

TEST(ClientConsume, AtEndTurnsFalseWhenARecordArrivesAfterTheEnd) {
    MockCluster cluster;
    cluster.create_topic("again", 1);
    auto producer = make_producer(cluster.config());
    ASSERT_TRUE(producer);
    auto consumer = make_consumer(cluster.config());
    ASSERT_TRUE(consumer);
    ASSERT_TRUE(consumer->assign("again", {}, StartPosition::beginning()).ok());
    EXPECT_TRUE(consume_to_end(*consumer).empty());

    produce_numbered(*producer, "again", 0, 0, 1);
    std::optional<Message> m;
    auto guard = std::chrono::steady_clock::now() + 60s;
    while (!m && std::chrono::steady_clock::now() < guard) {
        auto polled = consumer->poll(100ms);
        ASSERT_TRUE(polled.ok()) << polled.error().to_string();
        m = std::move(*polled);
    }
    ASSERT_TRUE(m.has_value());
    EXPECT_FALSE(consumer->at_end());
}

TEST(ClientConsume, PollBatchHandsOutViewsInOrderAndTracksTheEnd) {
    MockCluster cluster;
    cluster.create_topic("batched", 2);
    auto producer = make_producer(cluster.config());
    ASSERT_TRUE(producer);
    produce_numbered(*producer, "batched", 0, 0, 500);
    produce_numbered(*producer, "batched", 1, 500, 300);
    auto consumer = make_consumer(cluster.config());
    ASSERT_TRUE(consumer);
    ASSERT_TRUE(consumer->assign("batched", {}, StartPosition::beginning()).ok());
    std::map<int32_t, std::vector<int64_t>> offsets;
    size_t total = 0, batches = 0;
    auto guard = std::chrono::steady_clock::now() + 60s;
    while (!consumer->at_end() && std::chrono::steady_clock::now() < guard) {
        auto batch = consumer->poll_batch(128, 100ms);
        ASSERT_TRUE(batch.ok()) << batch.error().to_string();
        ASSERT_LE(batch->size(), 128u);
        if (!batch->empty()) ++batches;
        for (const MessageView& m : *batch) {
            EXPECT_EQ(m.topic, "batched");
            ASSERT_TRUE(m.value.has_value());
            std::string value(m.value->begin(), m.value->end());
            int64_t index = m.offset.value() + (m.partition.value() == 0 ? 0 : 500);
            EXPECT_EQ(value, "value-" + std::to_string(index))
                << "partition " << m.partition.value();
            offsets[m.partition.value()].push_back(m.offset.value());
            ++total;
        }
    }
    EXPECT_TRUE(consumer->at_end());
    EXPECT_EQ(total, 800u);
    EXPECT_GT(batches, 1u);
    for (const auto& [partition, seen] : offsets) {
        for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], static_cast<int64_t>(i));
    }
    std::cout << "checked: poll_batch handed out all 800 records of 2 partitions as views, in "
                 "offset order per partition, in "
              << batches << " batches of at most 128, and at_end() turned true\n";
}

TEST(ClientConsume, ReassigningReplacesTheAssignment) {
    MockCluster cluster;
    cluster.create_topic("first", 1);
    cluster.create_topic("second", 1);
    auto producer = make_producer(cluster.config());
    ASSERT_TRUE(producer);
    produce_numbered(*producer, "first", 0, 0, 3);
    produce_numbered(*producer, "second", 0, 50, 2);

    auto consumer = make_consumer(cluster.config());
    ASSERT_TRUE(consumer);
    ASSERT_TRUE(consumer->assign("first", {}, StartPosition::beginning()).ok());
    ASSERT_TRUE(consumer->assign("second", {}, StartPosition::beginning()).ok());
    ASSERT_EQ(consumer->assignment().size(), 1u);
    std::vector<Message> got = consume_to_end(*consumer, 2);
    ASSERT_EQ(got.size(), 2u);
    for (const Message& m : got) EXPECT_EQ(m.topic, "second");
}

// --- producer ---------------------------------------------------------------------------------

TEST(ClientProducer, DeliveryCallbackAndSendAndWaitReportPartitionAndOffset) {
    MockCluster cluster;
    cluster.create_topic("acks", 2);
    auto producer = make_producer(cluster.config());
    ASSERT_TRUE(producer);

    std::vector<DeliveryReport> reports;
    for (int i = 0; i < 3; ++i) {
        ProducerRecord r;
        r.topic = "acks";
        r.partition = model::PartitionId(1);
        r.value = as_bytes("x");
        ASSERT_TRUE(producer
                        ->send(r,
                               [&reports](const Result<DeliveryReport>& report) {
                                   ASSERT_TRUE(report.ok()) << report.error().to_string();
                                   reports.push_back(report.value());
                               })
                        .ok());
    }
    ASSERT_TRUE(producer->flush(30s).ok());
    ASSERT_EQ(reports.size(), 3u);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(reports[i].topic, "acks");
        EXPECT_EQ(reports[i].partition, model::PartitionId(1));
        EXPECT_EQ(reports[i].offset, model::Offset(i));
    }

    ProducerRecord r;
    r.topic = "acks";
    r.partition = model::PartitionId(1);
    r.value = as_bytes("y");
    auto report = producer->send_and_wait(r, 30s);
    ASSERT_TRUE(report.ok()) << report.error().to_string();
    EXPECT_EQ(report->offset, model::Offset(3));

    ProducerStats stats = producer->stats();
    EXPECT_EQ(stats.sent, 4u);
    EXPECT_EQ(stats.delivered, 4u);
    EXPECT_EQ(stats.in_flight(), 0u);
}

TEST(ClientProducer, SendRejectsAnEmptyTopicName) {
    MockCluster cluster;
    auto producer = make_producer(cluster.config());
    ASSERT_TRUE(producer);
    ProducerRecord r;
    r.value = as_bytes("x");
    Status sent = producer->send(r);
    ASSERT_FALSE(sent.ok());
    EXPECT_TRUE(sent.error().is(Errc::invalid_argument));
    EXPECT_EQ(producer->stats().sent, 0u);
}

TEST(ClientProducer, SendToAPartitionTheTopicLacksFailsAsUnknownTopic) {
    MockCluster cluster;
    cluster.create_topic("narrow", 1);
    auto producer = make_producer(cluster.config());
    ASSERT_TRUE(producer);
    ProducerRecord r;
    r.topic = "narrow";
    r.value = as_bytes("x");
    ASSERT_TRUE(producer->send_and_wait(r, 30s).ok());  // the topic's metadata is now known

    r.partition = model::PartitionId(5);
    auto report = producer->send_and_wait(r, 30s);
    ASSERT_FALSE(report.ok());
    EXPECT_TRUE(report.error().is(Errc::unknown_topic)) << report.error().to_string();
}

// --- admin ------------------------------------------------------------------------------------

TEST(ClientAdmin, ListTopicsReportsEveryTopicWithPartitionsAndReplicas) {
    MockCluster cluster;
    cluster.create_topic("orders", 3, 3);
    cluster.create_topic("clicks", 1, 3);
    auto admin = Admin::make(cluster.config());
    ASSERT_TRUE(admin.ok()) << admin.error().to_string();
    auto topics = (*admin)->list_topics();
    ASSERT_TRUE(topics.ok()) << topics.error().to_string();
    ASSERT_EQ(topics->size(), 2u);
    EXPECT_EQ((*topics)[0].name, "clicks");  // sorted by name
    EXPECT_EQ((*topics)[0].partitions, 1);
    EXPECT_EQ((*topics)[0].replication_factor, 3);
    EXPECT_EQ((*topics)[1].name, "orders");
    EXPECT_EQ((*topics)[1].partitions, 3);
    EXPECT_EQ((*topics)[1].replication_factor, 3);
}

TEST(ClientAdmin, DescribePartitionsReportsLeaderReplicasAndIsr) {
    MockCluster cluster;
    cluster.create_topic("orders", 3, 3);
    auto admin = Admin::make(cluster.config());
    ASSERT_TRUE(admin.ok()) << admin.error().to_string();
    auto partitions = (*admin)->describe_partitions("orders");
    ASSERT_TRUE(partitions.ok()) << partitions.error().to_string();
    ASSERT_EQ(partitions->size(), 3u);
    for (int32_t i = 0; i < 3; ++i) {
        const PartitionInfo& p = (*partitions)[i];
        EXPECT_EQ(p.id, model::PartitionId(i));
        EXPECT_EQ(p.replicas.size(), 3u);
        EXPECT_EQ(p.isr.size(), 3u);
        EXPECT_THAT(p.replicas, ::testing::Contains(p.leader));
        EXPECT_TRUE(p.error.empty());
    }
}

TEST(ClientAdmin, DescribingAnUnknownTopicFailsAsUnknownTopic) {
    MockCluster cluster;
    auto admin = Admin::make(cluster.config());
    ASSERT_TRUE(admin.ok());
    auto partitions = (*admin)->describe_partitions("nope");
    ASSERT_FALSE(partitions.ok());
    EXPECT_TRUE(partitions.error().is(Errc::unknown_topic));
    EXPECT_THAT(partitions.error().message(), HasSubstr("\"nope\""));
}

// The mock has no CreateTopics (nor DeleteTopics, CreatePartitions, DescribeConfigs,
// AlterConfigs) and names no controller: such a request must end in a bounded, readable timeout
// rather than hang.
TEST(ClientAdmin, AdminRequestTheClusterCannotServeTimesOutWithAClearError) {
    MockCluster cluster;
    ClientConfig config = cluster.config();
    config.timeout = 1s;
    auto admin = Admin::make(config);
    ASSERT_TRUE(admin.ok());
    Status created = (*admin)->create_topic("t", 1, 1);
    ASSERT_FALSE(created.ok());
    EXPECT_TRUE(created.error().is(Errc::timeout)) << created.error().to_string();
    EXPECT_THAT(created.error().message(), HasSubstr("creating topic \"t\""));
    EXPECT_THAT(created.error().message(), HasSubstr("controller"));
}

TEST(ClientAdmin, InvalidArgumentsAreRefusedBeforeAnyRequest) {
    MockCluster cluster;
    auto admin = Admin::make(cluster.config());
    ASSERT_TRUE(admin.ok());
    EXPECT_TRUE((*admin)->create_topic("", 1, 1).error().is(Errc::invalid_argument));
    EXPECT_TRUE((*admin)->create_topic("t", 0, 1).error().is(Errc::invalid_argument));
    EXPECT_TRUE((*admin)->create_topic("t", 1, -2).error().is(Errc::invalid_argument));
    EXPECT_TRUE((*admin)->create_partitions("t", 0).error().is(Errc::invalid_argument));
    EXPECT_TRUE((*admin)->delete_topic("").error().is(Errc::invalid_argument));
    EXPECT_TRUE(
        (*admin)->alter_topic_configs("t", {{"a", "1"}}, {"a"}).error().is(Errc::invalid_argument));
}

// --- errors -----------------------------------------------------------------------------------

ClientConfig unreachable() {
    ClientConfig c;
    c.brokers = "127.0.0.1:1";  // nothing listens on port 1
    c.timeout = 1500ms;
    return c;
}

TEST(ClientErrors, ListTopicsAgainstAnUnreachableBrokerTimesOutNamingTheBroker) {
    auto admin = Admin::make(unreachable());
    ASSERT_TRUE(admin.ok());
    auto topics = (*admin)->list_topics();
    ASSERT_FALSE(topics.ok());
    EXPECT_TRUE(topics.error().is(Errc::timeout) || topics.error().is(Errc::transport))
        << topics.error().to_string();
    EXPECT_THAT(topics.error().message(), HasSubstr("listing topics"));
    EXPECT_THAT(topics.error().message(), HasSubstr("127.0.0.1:1"));
}

TEST(ClientErrors, AssignAgainstAnUnreachableBrokerTimesOut) {
    auto consumer = Consumer::make(unreachable());
    ASSERT_TRUE(consumer.ok());
    Status assigned = (*consumer)->assign("t", {}, StartPosition::beginning());
    ASSERT_FALSE(assigned.ok());
    EXPECT_TRUE(assigned.error().is(Errc::timeout) || assigned.error().is(Errc::transport))
        << assigned.error().to_string();
    EXPECT_THAT(assigned.error().message(), HasSubstr("127.0.0.1:1"));
}

TEST(ClientErrors, DeliveryToAnUnreachableBrokerFailsWithTimeoutFromFlush) {
    ClientConfig config = unreachable();
    config.properties["message.timeout.ms"] = "1000";
    auto producer = make_producer(config);
    ASSERT_TRUE(producer);
    std::optional<Error> reported;
    for (int i = 0; i < 3; ++i) {
        ProducerRecord r;
        r.topic = "t";
        r.value = as_bytes("lost");
        ASSERT_TRUE(producer
                        ->send(r,
                               [&reported](const Result<DeliveryReport>& report) {
                                   if (!report.ok() && !reported) reported = report.error();
                               })
                        .ok());
    }
    Status flushed = producer->flush(30s);
    ASSERT_FALSE(flushed.ok());
    EXPECT_TRUE(flushed.error().is(Errc::timeout)) << flushed.error().to_string();
    EXPECT_THAT(flushed.error().message(), HasSubstr("3 deliveries failed"));
    EXPECT_THAT(flushed.error().message(), HasSubstr("_MSG_TIMED_OUT"));
    ASSERT_TRUE(reported.has_value());
    EXPECT_TRUE(reported->is(Errc::timeout));
    EXPECT_THAT(reported->message(), HasSubstr("Message timed out"));
    EXPECT_THAT(reported->message(), ::testing::Not(HasSubstr("lost"))) << "not the payload";
    EXPECT_EQ(producer->stats().failed, 3u);
    EXPECT_TRUE(producer->flush(1s).ok()) << "a flush reports each failure once";
}

TEST(ClientErrors, DestroyingAProducerWithRecordsInFlightCallsNoCallback) {
    bool called = false;
    {
        auto producer = make_producer(unreachable());
        ASSERT_TRUE(producer);
        ProducerRecord r;
        r.topic = "t";
        r.value = as_bytes("dropped");
        ASSERT_TRUE(
            producer->send(r, [&called](const Result<DeliveryReport>&) { called = true; }).ok());
        EXPECT_EQ(producer->stats().in_flight(), 1u);
    }
    EXPECT_FALSE(called);
}

TEST(ClientErrors, AssigningAnUnknownTopicOrPartitionFailsAsUnknownTopic) {
    MockCluster cluster;
    cluster.create_topic("known", 2);
    auto consumer = make_consumer(cluster.config());
    ASSERT_TRUE(consumer);

    Status unknown_topic = consumer->assign("unknown", {}, StartPosition::beginning());
    ASSERT_FALSE(unknown_topic.ok());
    EXPECT_TRUE(unknown_topic.error().is(Errc::unknown_topic)) << unknown_topic.error().to_string();
    EXPECT_THAT(unknown_topic.error().message(), HasSubstr("UNKNOWN_TOPIC_OR_PART"));

    Status unknown_partition =
        consumer->assign("known", {model::PartitionId(2)}, StartPosition::beginning());
    ASSERT_FALSE(unknown_partition.ok());
    EXPECT_TRUE(unknown_partition.error().is(Errc::unknown_topic));
    EXPECT_THAT(unknown_partition.error().message(), HasSubstr("no partition 2"));
    EXPECT_TRUE(consumer->assignment().empty());
}

TEST(ClientErrors, AnUnknownPropertyFailsWithConfigNamingIt) {
    ClientConfig config;
    config.properties["no.such.property"] = "1";
    auto producer = Producer::make(config);
    ASSERT_FALSE(producer.ok());
    EXPECT_TRUE(producer.error().is(Errc::config));
    EXPECT_THAT(producer.error().message(), HasSubstr("no.such.property"));

    auto consumer = Consumer::make(config);
    ASSERT_FALSE(consumer.ok());
    EXPECT_TRUE(consumer.error().is(Errc::config));

    auto admin = Admin::make(config);
    ASSERT_FALSE(admin.ok());
    EXPECT_TRUE(admin.error().is(Errc::config));
}

TEST(ClientErrors, AnInvalidPropertyValueFailsWithConfig) {
    ClientConfig config;
    config.properties["acks"] = "sometimes";
    auto producer = Producer::make(config);
    ASSERT_FALSE(producer.ok());
    EXPECT_TRUE(producer.error().is(Errc::config));
    EXPECT_THAT(producer.error().message(), HasSubstr("acks"));

    config.properties = {{"compression.type", "brotli"}};
    EXPECT_TRUE(Producer::make(config).error().is(Errc::config));

    config.properties = {};
    config.brokers = "";
    EXPECT_TRUE(Producer::make(config).error().is(Errc::config));
}

TEST(ClientErrors, LibrdkafkaCodesMapToTheirClientErrc) {
    using detail::errc_for;
    EXPECT_EQ(errc_for(RD_KAFKA_RESP_ERR__TRANSPORT), Errc::transport);
    EXPECT_EQ(errc_for(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN), Errc::transport);
    EXPECT_EQ(errc_for(RD_KAFKA_RESP_ERR__RESOLVE), Errc::transport);
    EXPECT_EQ(errc_for(RD_KAFKA_RESP_ERR__TIMED_OUT), Errc::timeout);
    EXPECT_EQ(errc_for(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT), Errc::timeout);
    EXPECT_EQ(errc_for(RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT), Errc::timeout);
    EXPECT_EQ(errc_for(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART), Errc::unknown_topic);
    EXPECT_EQ(errc_for(RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION), Errc::unknown_topic);
    EXPECT_EQ(errc_for(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS), Errc::topic_exists);
    EXPECT_EQ(errc_for(RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION), Errc::unsupported);
    EXPECT_EQ(errc_for(RD_KAFKA_RESP_ERR__INVALID_ARG), Errc::invalid_argument);
    EXPECT_EQ(errc_for(RD_KAFKA_RESP_ERR_INVALID_PARTITIONS), Errc::kafka);
    EXPECT_EQ(errc_for(RD_KAFKA_RESP_ERR_POLICY_VIOLATION), Errc::kafka);
    EXPECT_EQ(errc_for(RD_KAFKA_RESP_ERR__FAIL), Errc::local);

    Error e = detail::make_error(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS, "creating topic \"t\"");
    EXPECT_EQ(e.message(),
              "creating topic \"t\": TOPIC_ALREADY_EXISTS (36): Broker: Topic already exists");
    EXPECT_EQ(e.to_string().rfind("client: topic already exists: ", 0), 0u);
}

}  // namespace
}  // namespace es::client
