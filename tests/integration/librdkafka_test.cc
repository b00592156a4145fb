// The `edgestream serve` binary driven by the librdkafka C API: produce and consume with every
// codec and acks mode, size limits, admin calls, a graceful restart and a kill -9 under load.

#include "tests/integration/broker_process.h"
#include "tests/integration/rdkafka_util.h"
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <set>
#include <thread>

namespace es::integration {
namespace {

class LibrdkafkaTest : public ::testing::Test {
  protected:
    void SetUp() override { ASSERT_TRUE(broker_.start()) << broker_.log(); }
    void TearDown() override {
        if (HasFailure()) std::printf("--- serve.log ---\n%s\n", broker_.log().c_str());
    }

    rd_kafka_resp_err_t create_topic(const std::string& name, int partitions,
                                     std::map<std::string, std::string> configs = {},
                                     std::string* error = nullptr) {
        return integration::create_topic(broker_.brokers(), name, partitions, configs, error);
    }

    BrokerProcess broker_;
};

TEST_F(LibrdkafkaTest, EveryCodecAndAcksModeRoundTripsKeysValuesAndHeaders) {
    for (const char* codec : {"none", "gzip", "snappy", "lz4", "zstd"}) {
        for (const char* acks : {"0", "1", "all"}) {
            std::string topic = std::string("codec-") + codec + "-acks-" + acks;
            ASSERT_EQ(create_topic(topic, 1), RD_KAFKA_RESP_ERR_NO_ERROR) << topic;
            Producer producer(broker_.brokers(),
                              {{"compression.codec", codec}, {"acks", acks}, {"linger.ms", "5"}});
            rd_kafka_headers_t* headers = rd_kafka_headers_new(2);
            rd_kafka_header_add(headers, "trace", -1, "abc", -1);
            rd_kafka_header_add(headers, "empty", -1, nullptr, 0);
            constexpr int kCount = 500;
            for (int i = 0; i < kCount; ++i) {
                std::optional<std::string> key;
                if (i % 3) key = "key-" + std::to_string(i % 17);
                ASSERT_EQ(producer.send(topic, 0, "value-" + std::to_string(i), key, headers),
                          RD_KAFKA_RESP_ERR_NO_ERROR);
            }
            rd_kafka_headers_destroy(headers);
            ASSERT_EQ(producer.flush(), RD_KAFKA_RESP_ERR_NO_ERROR);
            EXPECT_EQ(producer.deliveries.ok, static_cast<size_t>(kCount)) << topic;
            EXPECT_EQ(producer.deliveries.failed, 0u) << topic;

            auto got = consume(broker_.brokers(), topic, 0, RD_KAFKA_OFFSET_BEGINNING, kCount);
            ASSERT_EQ(got.size(), static_cast<size_t>(kCount)) << topic;
            for (int i = 0; i < kCount; ++i) {
                EXPECT_EQ(got[i].offset, i);
                EXPECT_EQ(got[i].value, "value-" + std::to_string(i));
                EXPECT_EQ(got[i].key.has_value(), i % 3 != 0);
                ASSERT_EQ(got[i].headers.size(), 2u);
                EXPECT_EQ(got[i].headers[0].second, "abc");
            }
            std::printf("checked %s: %d messages produced and consumed back in order\n",
                        topic.c_str(), kCount);
        }
    }
}

TEST_F(LibrdkafkaTest, MessagesNearTheSizeLimitPassAndLargerOnesAreRefused) {
    ASSERT_EQ(create_topic("big", 1, {{"max.message.bytes", "200000"}}),
              RD_KAFKA_RESP_ERR_NO_ERROR);
    // The client would refuse above its own limit; raise it so the broker is the one to say no.
    Producer producer(
        broker_.brokers(),
        {{"message.max.bytes", "5000000"}, {"compression.codec", "none"}, {"linger.ms", "0"}});
    std::string near(199000, 'x');
    std::string over(400000, 'y');
    ASSERT_EQ(producer.send("big", 0, near), RD_KAFKA_RESP_ERR_NO_ERROR);
    ASSERT_EQ(producer.flush(), RD_KAFKA_RESP_ERR_NO_ERROR);
    ASSERT_EQ(producer.send("big", 0, over), RD_KAFKA_RESP_ERR_NO_ERROR);
    producer.flush();
    std::lock_guard lock(producer.deliveries.mu);
    ASSERT_EQ(producer.deliveries.reports.size(), 2u);
    EXPECT_EQ(producer.deliveries.reports[0].err, RD_KAFKA_RESP_ERR_NO_ERROR);
    EXPECT_EQ(producer.deliveries.reports[1].err, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
    auto got = consume(broker_.brokers(), "big", 0, RD_KAFKA_OFFSET_BEGINNING, 1);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].value->size(), near.size());
}

TEST_F(LibrdkafkaTest, CreateTimeIsKeptAndLogAppendTimeIsSetByTheBroker) {
    ASSERT_EQ(create_topic("create-time", 1), RD_KAFKA_RESP_ERR_NO_ERROR);
    ASSERT_EQ(create_topic("append-time", 1, {{"message.timestamp.type", "LogAppendTime"}}),
              RD_KAFKA_RESP_ERR_NO_ERROR);
    int64_t before = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    constexpr int64_t kProducerTime = 1'600'000'000'000;  // 2020: far from the broker's clock
    Producer producer(broker_.brokers());
    for (const char* topic : {"create-time", "append-time"}) {
        ASSERT_EQ(rd_kafka_producev(producer.handle(), RD_KAFKA_V_TOPIC(topic),
                                    RD_KAFKA_V_VALUE(const_cast<char*>("t"), 1),
                                    RD_KAFKA_V_TIMESTAMP(kProducerTime),
                                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
                  RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    ASSERT_EQ(producer.flush(), RD_KAFKA_RESP_ERR_NO_ERROR);
    auto created = consume(broker_.brokers(), "create-time", 0, RD_KAFKA_OFFSET_BEGINNING, 1);
    ASSERT_EQ(created.size(), 1u);
    EXPECT_EQ(created[0].timestamp_type, RD_KAFKA_TIMESTAMP_CREATE_TIME);
    EXPECT_EQ(created[0].timestamp, kProducerTime);
    auto appended = consume(broker_.brokers(), "append-time", 0, RD_KAFKA_OFFSET_BEGINNING, 1);
    ASSERT_EQ(appended.size(), 1u);
    EXPECT_EQ(appended[0].timestamp_type, RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME);
    EXPECT_GE(appended[0].timestamp, before);
    std::printf("checked: CreateTime kept (%lld), LogAppendTime set by the broker (%lld)\n",
                static_cast<long long>(created[0].timestamp),
                static_cast<long long>(appended[0].timestamp));
}

TEST_F(LibrdkafkaTest, AdminCreateDescribeAlterAndDeleteTopics) {
    std::string error;
    ASSERT_EQ(create_topic("admin-t", 3, {{"retention.ms", "3600000"}}),
              RD_KAFKA_RESP_ERR_NO_ERROR);
    EXPECT_EQ(create_topic("admin-t", 3, {}, &error), RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS);
    EXPECT_EQ(create_topic("bad/name", 1, {}, &error), RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION);
    EXPECT_EQ(create_topic("bad-config", 1, {{"retention.ms", "soon"}}, &error),
              RD_KAFKA_RESP_ERR_INVALID_CONFIG);
    EXPECT_NE(error.find("retention.ms"), std::string::npos) << error;

    char err[512];
    RdHandle rk(rd_kafka_new(
        RD_KAFKA_PRODUCER, make_conf({{"bootstrap.servers", broker_.brokers()}}), err, sizeof err));
    rd_kafka_queue_t* queue = rd_kafka_queue_new(rk.get());

    // DescribeConfigs: the value set at creation, reported as a dynamic topic config.
    rd_kafka_ConfigResource_t* resource =
        rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, "admin-t");
    rd_kafka_DescribeConfigs(rk.get(), &resource, 1, nullptr, queue);
    rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, 10000);
    ASSERT_TRUE(ev);
    size_t n = 0;
    const rd_kafka_ConfigResource_t** described =
        rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev), &n);
    ASSERT_EQ(n, 1u);
    size_t entries = 0;
    const rd_kafka_ConfigEntry_t** configs =
        rd_kafka_ConfigResource_configs(described[0], &entries);
    bool found = false;
    for (size_t i = 0; i < entries; ++i) {
        if (std::string(rd_kafka_ConfigEntry_name(configs[i])) != "retention.ms") continue;
        found = true;
        EXPECT_STREQ(rd_kafka_ConfigEntry_value(configs[i]), "3600000");
        EXPECT_EQ(rd_kafka_ConfigEntry_source(configs[i]),
                  RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG);
    }
    EXPECT_TRUE(found);
    EXPECT_GT(entries, 10u);
    rd_kafka_event_destroy(ev);
    rd_kafka_ConfigResource_destroy(resource);

    // CreatePartitions 3 -> 5, then metadata shows 5.
    rd_kafka_NewPartitions_t* grow = rd_kafka_NewPartitions_new("admin-t", 5, err, sizeof err);
    rd_kafka_CreatePartitions(rk.get(), &grow, 1, nullptr, queue);
    ev = rd_kafka_queue_poll(queue, 10000);
    ASSERT_TRUE(ev);
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(ev), &n);
    ASSERT_EQ(n, 1u);
    EXPECT_EQ(rd_kafka_topic_result_error(results[0]), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_event_destroy(ev);
    rd_kafka_NewPartitions_destroy(grow);

    const rd_kafka_metadata_t* md = nullptr;
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk.get(), "admin-t", nullptr);
    ASSERT_EQ(rd_kafka_metadata(rk.get(), 0, rkt, &md, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
    ASSERT_EQ(md->topic_cnt, 1);
    EXPECT_EQ(md->topics[0].partition_cnt, 5);
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);

    // DeleteTopics removes the data directories too.
    rd_kafka_DeleteTopic_t* del = rd_kafka_DeleteTopic_new("admin-t");
    rd_kafka_DeleteTopics(rk.get(), &del, 1, nullptr, queue);
    ev = rd_kafka_queue_poll(queue, 10000);
    ASSERT_TRUE(ev);
    results = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n);
    ASSERT_EQ(n, 1u);
    EXPECT_EQ(rd_kafka_topic_result_error(results[0]), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_event_destroy(ev);
    rd_kafka_DeleteTopic_destroy(del);
    rd_kafka_queue_destroy(queue);
    EXPECT_FALSE(std::filesystem::exists(broker_.data_dir() + "/data/admin-t-0"));
}

TEST_F(LibrdkafkaTest, SigtermThenRestartServesEveryAcknowledgedMessage) {
    ASSERT_EQ(create_topic("restart", 2), RD_KAFKA_RESP_ERR_NO_ERROR);
    constexpr int kCount = 5000;
    {
        Producer producer(broker_.brokers(), {{"acks", "all"}, {"linger.ms", "2"}});
        for (int i = 0; i < kCount; ++i) {
            ASSERT_EQ(producer.send("restart", i % 2, std::to_string(i)),
                      RD_KAFKA_RESP_ERR_NO_ERROR);
        }
        ASSERT_EQ(producer.flush(), RD_KAFKA_RESP_ERR_NO_ERROR);
        ASSERT_EQ(producer.deliveries.ok, static_cast<size_t>(kCount));
    }
    EXPECT_EQ(broker_.stop(), 0) << "SIGTERM must end in a clean exit";
    ASSERT_TRUE(broker_.start()) << broker_.log();
    for (int p = 0; p < 2; ++p) {
        auto got = consume(broker_.brokers(), "restart", p, RD_KAFKA_OFFSET_BEGINNING, kCount / 2);
        ASSERT_EQ(got.size(), static_cast<size_t>(kCount / 2));
        for (size_t i = 0; i < got.size(); ++i) {
            EXPECT_EQ(got[i].value, std::to_string(static_cast<int>(i) * 2 + p));
        }
    }
    std::printf("checked: %d messages acknowledged before SIGTERM served after restart\n", kCount);
}

TEST_F(LibrdkafkaTest, KillNineLosesNoAcknowledgedMessage) {
    ASSERT_EQ(create_topic("crash", 1), RD_KAFKA_RESP_ERR_NO_ERROR);
    std::mt19937 rng(std::random_device{}());
    std::set<std::string> acknowledged;
    std::map<int64_t, std::string> acked_at;
    {
        // No retries: a message is either acknowledged once or failed, never appended twice.
        Producer producer(broker_.brokers(), {{"acks", "all"},
                                              {"linger.ms", "1"},
                                              {"message.send.max.retries", "0"},
                                              {"message.timeout.ms", "3000"}});
        std::atomic<bool> stop{false};
        std::thread writer([&] {
            for (int i = 0; !stop; ++i) {
                producer.send("crash", 0, "m-" + std::to_string(i));
                if (i % 100 == 0) producer.poll(0);
            }
        });
        // The kill comes at a random moment after acknowledgements started to flow (a loaded
        // machine, or a sanitizer build, can take a while to get there).
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (producer.deliveries.ok == 0 && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 700));
        broker_.kill9();
        stop = true;
        writer.join();
        producer.flush(5000);
        std::lock_guard lock(producer.deliveries.mu);
        for (const auto& r : producer.deliveries.reports) {
            if (r.err) continue;
            acknowledged.insert(r.value);
            acked_at[r.offset] = r.value;
        }
    }
    ASSERT_GT(acknowledged.size(), 0u) << "nothing was acknowledged before the kill";
    ASSERT_TRUE(broker_.start()) << broker_.log();
    auto got = consume(broker_.brokers(), "crash", 0, RD_KAFKA_OFFSET_BEGINNING, SIZE_MAX, 3000);
    std::map<std::string, int> seen;
    int64_t expected_offset = 0;
    for (const auto& c : got) {
        EXPECT_EQ(c.offset, expected_offset++) << "offsets must be dense and in order";
        seen[*c.value]++;
    }
    for (const auto& [offset, value] : acked_at) {
        ASSERT_LT(static_cast<size_t>(offset), got.size())
            << value << " acknowledged at " << offset;
        EXPECT_EQ(got[static_cast<size_t>(offset)].value, value) << "at offset " << offset;
        EXPECT_EQ(seen[value], 1) << value << " must be there exactly once";
    }
    std::printf("checked: %zu acknowledged messages all present once after kill -9 (%zu in log)\n",
                acknowledged.size(), got.size());
}

}  // namespace
}  // namespace es::integration
