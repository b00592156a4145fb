#include "serve/config.h"

#include <gtest/gtest.h>

#include <string>

namespace es::serve {
namespace {

Result<ServeConfig> load(const std::string& text) {
    return load_config_text(text, ServeConfig{}, "test.yaml");
}

std::string error_of(const std::string& text) {
    auto loaded = load(text);
    EXPECT_FALSE(loaded.ok()) << text;
    return loaded.ok() ? "" : loaded.error().to_string();
}

TEST(ServeConfig, DefaultsAreTheDocumentedOnes) {
    ServeConfig config;
    EXPECT_EQ(config.data_dir, "./data");
    EXPECT_EQ(config.kafka_addr.to_string(), "127.0.0.1:9092");
    EXPECT_EQ(config.admin_addr.to_string(), "127.0.0.1:9644");
    auto empty = load("");
    ASSERT_TRUE(empty.ok());
    EXPECT_EQ(empty->kafka_addr.port, 9092);
}

TEST(ServeConfig, KafkaNamedBrokerKeysAreRead) {
    auto config = load(R"(
data_dir: /var/lib/edgestream
kafka_addr: 0.0.0.0:19092
admin_addr: "[::1]:19644"
advertised_kafka_addr: broker.example:9092
shards: 2
broker:
  num.partitions: 6
  auto.create.topics.enable: false
  message.max.bytes: 2097152
  log.segment.bytes: 67108864
  log.retention.hours: 24
  socket.request.max.bytes: 1048576
  max.connections: 50
  connections.max.idle.ms: 30000
  node.id: 3
)");
    ASSERT_TRUE(config.ok()) << config.error().to_string();
    EXPECT_EQ(config->data_dir, "/var/lib/edgestream");
    EXPECT_EQ(config->kafka_addr.host, "0.0.0.0");
    EXPECT_EQ(config->kafka_addr.port, 19092);
    EXPECT_EQ(config->admin_addr.host, "::1");
    EXPECT_EQ(config->advertised_kafka_addr->to_string(), "broker.example:9092");
    EXPECT_EQ(config->shards, 2u);
    EXPECT_EQ(config->broker.num_partitions, 6);
    EXPECT_FALSE(config->broker.auto_create_topics);
    EXPECT_EQ(config->broker.defaults.at("message.max.bytes"), "2097152");
    EXPECT_EQ(config->broker.defaults.at("log.segment.bytes"), "67108864");
    EXPECT_EQ(config->broker.defaults.at("log.retention.ms"), "86400000");
    EXPECT_EQ(config->server.max_request_bytes, 1048576u);
    EXPECT_EQ(config->server.max_connections, 50u);
    EXPECT_EQ(config->server.idle_timeout_ms, 30000);
    EXPECT_EQ(config->broker.node_id, 3);
}

TEST(ServeConfig, RetentionMsWinsOverHoursAsInKafka) {
    auto config = load("broker:\n  log.retention.ms: 1000\n  log.retention.hours: 5\n");
    ASSERT_TRUE(config.ok());
    EXPECT_EQ(config->broker.defaults.at("log.retention.ms"), "1000");
}

TEST(ServeConfig, BadInputNamesTheKeyAndTheProblem) {
    EXPECT_NE(error_of("kafka_adr: 1.2.3.4:5").find("unknown key 'kafka_adr'"), std::string::npos);
    EXPECT_NE(error_of("kafka_addr: localhost").find("HOST:PORT"), std::string::npos);
    EXPECT_NE(error_of("kafka_addr: h:70000").find("port"), std::string::npos);
    EXPECT_NE(error_of("broker:\n  num.partitions: zero\n").find("num.partitions"),
              std::string::npos);
    EXPECT_NE(error_of("broker:\n  log.segment.bytes: -5\n").find("log.segment.bytes"),
              std::string::npos);
    EXPECT_NE(error_of("broker:\n  no.such.key: 1\n").find("no.such.key"), std::string::npos);
    EXPECT_NE(error_of("broker:\n  auto.create.topics.enable: maybe\n").find("true or false"),
              std::string::npos);
    EXPECT_NE(error_of("broker: [1, 2]").find("mapping"), std::string::npos);
    EXPECT_NE(error_of("- a\n- b\n").find("mapping"), std::string::npos);
    EXPECT_NE(error_of("kafka_addr: [unterminated").find("YAML"), std::string::npos);
    EXPECT_NE(error_of("broker:\n  num.partitions: {a: 1}\n").find("expected a value"),
              std::string::npos);
}

TEST(ServeConfig, HostileYamlIsRefusedNotFatal) {
    // Deep nesting and aliases must end in an error or a value, never a crash.
    std::string deep(5000, '[');
    EXPECT_FALSE(load("kafka_addr: " + deep).ok());
    EXPECT_FALSE(load("a: &x [1]\nb: *x\n").ok());  // unknown keys, but parsed safely
}

TEST(ServeConfig, AMissingFileIsAClearError) {
    auto loaded = load_config_file("/nonexistent/edgestream.yaml", ServeConfig{});
    ASSERT_FALSE(loaded.ok());
    EXPECT_NE(loaded.error().to_string().find("/nonexistent/edgestream.yaml"), std::string::npos);
}

TEST(ParseHostPort, AcceptsHostsAndBracketedV6AndRefusesTheRest) {
    EXPECT_EQ(parse_host_port("127.0.0.1:0")->port, 0);
    EXPECT_EQ(parse_host_port("[::1]:9092")->host, "::1");
    for (const char* bad : {"", ":9092", "host:", "host:-1", "host:65536", "host:12a", "nohost"}) {
        EXPECT_FALSE(parse_host_port(bad).ok()) << bad;
    }
}

}  // namespace
}  // namespace es::serve
