// The schema registry's KafkaLog against `edgestream serve`: schemas written to the compacted
// _schemas topic are read back by a restarted registry (a new Registry over a new KafkaLog), a
// follower sees the writer's records and refuses writes, and a second writer with the same
// transactional.id fences the first. RegistryService serves the REST API over the same topic.

#include "client/admin.h"
#include "http/server.h"
#include "registry/service/errc.h"
#include "registry/service/kafka_log.h"
#include "registry/service/registry.h"
#include "registry/service/registry_service.h"

#include "tests/integration/broker_process.h"
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

namespace es::integration {
namespace {

using namespace std::chrono_literals;
using namespace es::registry::service;
namespace compat = es::registry::compat;

constexpr const char* kV1 =
    R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"}]})";
constexpr const char* kV2 =
    R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"},)"
    R"({"name":"email","type":"string","default":""}]})";
constexpr const char* kOther = R"({"type":"enum","name":"Color","symbols":["RED","GREEN"]})";

SchemaRequest avro(const std::string& text) {
    SchemaRequest r;
    r.schema = text;
    return r;
}

class SchemaRegistryTest : public ::testing::Test {
  protected:
    void SetUp() override { ASSERT_TRUE(broker_.start()) << broker_.log(); }
    void TearDown() override {
        if (HasFailure()) std::printf("--- serve.log ---\n%s\n", broker_.log().c_str());
    }

    KafkaLogConfig config(bool writer = true) {
        KafkaLogConfig c;
        c.cluster.brokers = broker_.brokers();
        c.writer = writer;
        c.timeout = 20s;
        return c;
    }

    /// A registry over its own KafkaLog, started (the replay done).
    struct Node {
        std::unique_ptr<KafkaLog> log;
        std::unique_ptr<Registry> registry;
        ~Node() {
            if (log) log->stop();
        }
    };
    std::unique_ptr<Node> node(bool writer = true) {
        auto n = std::make_unique<Node>();
        auto log = KafkaLog::make(config(writer));
        EXPECT_TRUE(log.ok()) << log.error().to_string();
        if (!log.ok()) return nullptr;
        n->log = std::move(log).value();
        n->registry = std::make_unique<Registry>(*n->log);
        auto started = n->registry->start();
        EXPECT_TRUE(started.ok()) << started.error().to_string();
        return started.ok() ? std::move(n) : nullptr;
    }

    BrokerProcess broker_;
};

TEST_F(SchemaRegistryTest, ARestartedRegistryReadsEverythingBack) {
    {
        auto first = node();
        ASSERT_TRUE(first);
        auto& r = *first->registry;
        EXPECT_EQ(r.register_schema("user-value", avro(kV1)).value_or(-1), 1);
        EXPECT_EQ(r.register_schema("user-value", avro(kV2)).value_or(-1), 2);
        EXPECT_EQ(r.register_schema("copy", avro(kV1)).value_or(-1), 1);
        EXPECT_EQ(r.register_schema("color", avro(kOther)).value_or(-1), 3);
        ASSERT_TRUE(r.set_level("user-value", compat::CompatibilityLevel::full).ok());
        ASSERT_TRUE(r.delete_version("color", 1, false).ok());
        // Read-your-writes: the append returned after the reader applied it.
        EXPECT_EQ(*r.versions("user-value", false), (std::vector<int32_t>{1, 2}));
    }
    auto admin = client::Admin::make({broker_.brokers(), {}, 10s});
    ASSERT_TRUE(admin.ok());
    auto configs = (*admin)->describe_configs("_schemas");
    ASSERT_TRUE(configs.ok()) << configs.error().to_string();
    bool compact = false;
    for (const auto& c : *configs) {
        if (c.name == "cleanup.policy") compact = c.value == std::optional<std::string>("compact");
    }
    EXPECT_TRUE(compact);

    auto second = node();
    ASSERT_TRUE(second);
    auto& r = *second->registry;
    EXPECT_EQ(*r.versions("user-value", false), (std::vector<int32_t>{1, 2}));
    EXPECT_EQ(r.get_version("user-value", 2, false)->schema, kV2);
    EXPECT_EQ(*r.subjects_of_id(1, false), (std::vector<std::string>{"copy", "user-value"}));
    EXPECT_EQ(*r.level("user-value", false), compat::CompatibilityLevel::full);
    EXPECT_EQ(r.subjects(false), (std::vector<std::string>{"copy", "user-value"}));
    EXPECT_EQ(r.subjects(true).size(), 3u);
    EXPECT_EQ(r.register_schema("new", avro(R"("string")")).value_or(-1), 4);
    std::printf("checked: _schemas is compacted; a restarted registry reads everything back\n");
}

TEST_F(SchemaRegistryTest, FollowersReadAndASecondWriterFencesTheFirst) {
    auto first = node();
    ASSERT_TRUE(first);
    ASSERT_EQ(first->registry->register_schema("s", avro(kV1)).value_or(-1), 1);

    auto follower = node(false);
    ASSERT_TRUE(follower);
    EXPECT_EQ(follower->registry->get_version("s", 1, false)->id, 1);
    auto refused = follower->registry->register_schema("s", avro(kV2));
    ASSERT_FALSE(refused.ok());
    EXPECT_TRUE(refused.error().is(Errc::not_leader)) << refused.error().to_string();

    auto second = node();
    ASSERT_TRUE(second);
    EXPECT_EQ(second->registry->get_version("s", 1, false)->id, 1);
    auto fenced = first->registry->register_schema("s", avro(kV2));
    ASSERT_FALSE(fenced.ok());
    EXPECT_TRUE(fenced.error().is(Errc::not_leader)) << fenced.error().to_string();
    EXPECT_FALSE(first->log->is_writer());
    EXPECT_EQ(second->registry->register_schema("s", avro(kV2)).value_or(-1), 2);

    // The fenced writer and the follower still converge on the new writer's records.
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline &&
           !(first->registry->get_version("s", 2, false).ok() &&
             follower->registry->get_version("s", 2, false).ok())) {
        std::this_thread::sleep_for(20ms);
    }
    EXPECT_EQ(first->registry->get_version("s", 2, false)->id, 2);
    EXPECT_EQ(follower->registry->get_version("s", 2, false)->id, 2);
    std::printf("checked: a follower refuses writes (50004); a second writer fences the first\n");
}

TEST_F(SchemaRegistryTest, RegistryServiceServesRestOverTheTopic) {
    RegistryConfig cfg;
    cfg.cluster.brokers = broker_.brokers();
    cfg.timeout = 20s;
    auto service = RegistryService::start(cfg);
    ASSERT_TRUE(service.ok()) << service.error().to_string();
    http::HttpServer server;
    (*service)->add_routes(server);
    auto port = server.listen("127.0.0.1", 0);
    ASSERT_TRUE(port.ok());
    server.start();
    httplib::Client client("127.0.0.1", *port);
    nlohmann::json body = {{"schema", kV1}};
    auto res = client.Post("/subjects/t-value/versions", body.dump(),
                           "application/vnd.schemaregistry.v1+json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << res->body;
    EXPECT_EQ(nlohmann::json::parse(res->body)["id"], 1);
    auto got = client.Get("/schemas/ids/1");
    ASSERT_TRUE(got);
    EXPECT_EQ(nlohmann::json::parse(got->body)["schema"], kV1);
    server.stop();
    (*service)->stop();
    std::printf("checked: RegistryService answers REST over the _schemas topic\n");
}

}  // namespace
}  // namespace es::integration
