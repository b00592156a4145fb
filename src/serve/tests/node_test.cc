#include "serve/node.h"

#include "storage/tests/test_util.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>

namespace es::serve {
namespace {

using storage::testing::TempDir;

ServeConfig test_config(const TempDir& dir) {
    ServeConfig config;
    config.data_dir = dir.sub("data");
    config.kafka_addr = {"127.0.0.1", 0};
    config.admin_addr = {"127.0.0.1", 0};
    config.registry_addr = std::nullopt;
    config.shards = 2;
    return config;
}

TEST(Node, ReadyAnswers200OnlyWhileTheBrokerServes) {
    TempDir dir;
    Node node(test_config(dir));
    ASSERT_TRUE(node.start().ok());
    EXPECT_TRUE(node.ready());
    EXPECT_NE(node.kafka_port(), 0);
    httplib::Client admin("127.0.0.1", node.admin_port());
    auto res = admin.Get("/v1/status/ready");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    node.stop();
    EXPECT_FALSE(node.ready());
}

TEST(Node, TheClusterIdIsKeptAcrossRestarts) {
    TempDir dir;
    std::string first;
    {
        Node node(test_config(dir));
        ASSERT_TRUE(node.start().ok());
        first = node.config().server.cluster_id;
    }
    Node again(test_config(dir));
    ASSERT_TRUE(again.start().ok());
    EXPECT_EQ(first.size(), 22u);
    EXPECT_EQ(again.config().server.cluster_id, first);
}

TEST(Node, ABusyKafkaPortFailsTheStartWithAClearError) {
    TempDir dir;
    Node first(test_config(dir));
    ASSERT_TRUE(first.start().ok());
    ServeConfig clash = test_config(dir);
    clash.data_dir = dir.sub("other");
    clash.kafka_addr.port = first.kafka_port();
    Node second(clash);
    auto started = second.start();
    ASSERT_FALSE(started.ok());
    EXPECT_NE(started.error().to_string().find(std::to_string(first.kafka_port())),
              std::string::npos);
}

}  // namespace
}  // namespace es::serve
