// DescribeConfigs, AlterConfigs and IncrementalAlterConfigs handlers on a real broker (no
// sockets), at their lowest and highest versions, with the errors Kafka clients expect.

#include "kafka/server/tests/admin_fixture.h"

namespace es::kafka::server {
namespace {

using namespace admin_test;  // NOLINT(google-build-using-namespace): the fixture's builders

// DescribeConfigs

TEST_F(AdminHandlersTest, DescribeConfigsV0TopicListsEveryConfigWithIsDefault) {
    auto topic = create("described", 1, {{"retention.ms", "1000"}});
    auto response = call<DescribeConfigsResponse>(handlers::describe_configs,
                                                  describe_request(2, "described"), 0);
    ASSERT_EQ(response.results.size(), 1u);
    const auto& result = response.results[0];
    EXPECT_EQ(result.error_code, 0);
    EXPECT_EQ(result.resource_type, 2);
    EXPECT_EQ(result.resource_name, "described");
    EXPECT_EQ(result.configs.size(), topic.config.describe().size());
    auto configs = by_name(result.configs);
    EXPECT_EQ(configs["retention.ms"].value, "1000");
    EXPECT_FALSE(configs["retention.ms"].is_default);
    EXPECT_EQ(configs["segment.ms"].value, "604800000");
    EXPECT_TRUE(configs["segment.ms"].is_default);
    EXPECT_FALSE(configs["segment.ms"].read_only);
    EXPECT_FALSE(configs["segment.ms"].is_sensitive);
}

TEST_F(AdminHandlersTest, DescribeConfigsV4TopicReportsSourceTypeSynonymsAndDocumentation) {
    create("described4", 1, {{"retention.ms", "1000"}});
    auto response = call<DescribeConfigsResponse>(
        handlers::describe_configs, describe_request(2, "described4", {}, true, true), 4);
    ASSERT_EQ(response.results.size(), 1u);
    auto configs = by_name(response.results[0].configs);
    const auto& retention = configs["retention.ms"];
    EXPECT_EQ(retention.config_source, 1);  // DYNAMIC_TOPIC_CONFIG
    EXPECT_EQ(retention.config_type, 5);    // LONG
    ASSERT_EQ(retention.synonyms.size(), 1u);
    EXPECT_EQ(retention.synonyms[0].name, "retention.ms");
    EXPECT_EQ(retention.synonyms[0].value, "1000");
    EXPECT_EQ(retention.synonyms[0].source, 1);
    EXPECT_TRUE(retention.documentation && !retention.documentation->empty());
    const auto& policy = configs["cleanup.policy"];
    EXPECT_EQ(policy.config_source, 5);                           // DEFAULT_CONFIG
    EXPECT_EQ(policy.config_type, 7);                             // LIST
    EXPECT_EQ(configs["preallocate"].config_type, 1);             // BOOLEAN
    EXPECT_EQ(configs["segment.bytes"].config_type, 3);           // INT
    EXPECT_EQ(configs["message.timestamp.type"].config_type, 2);  // STRING
}

TEST_F(AdminHandlersTest, DescribeConfigsV3WithoutFlagsHasNoDocumentationOrSynonyms) {
    create("plain", 1);
    auto response =
        call<DescribeConfigsResponse>(handlers::describe_configs, describe_request(2, "plain"), 3);
    ASSERT_EQ(response.results.size(), 1u);
    ASSERT_FALSE(response.results[0].configs.empty());
    for (const auto& c : response.results[0].configs) {
        EXPECT_FALSE(c.documentation) << c.name;
        EXPECT_TRUE(c.synonyms.empty()) << c.name;
    }
}

TEST_F(AdminHandlersTest, DescribeConfigsKeysFilterReturnsOnlyKnownRequestedNames) {
    create("filtered", 1);
    auto some = call<DescribeConfigsResponse>(
        handlers::describe_configs,
        describe_request(2, "filtered", std::vector<std::string>{"retention.ms", "no.such"}), 4);
    ASSERT_EQ(some.results.size(), 1u);
    ASSERT_EQ(some.results[0].configs.size(), 1u);
    EXPECT_EQ(some.results[0].configs[0].name, "retention.ms");
    // An empty list means all, as Kafka reads it.
    auto all = call<DescribeConfigsResponse>(
        handlers::describe_configs, describe_request(2, "filtered", std::vector<std::string>{}), 4);
    ASSERT_EQ(all.results.size(), 1u);
    EXPECT_GT(all.results[0].configs.size(), 1u);
}

TEST_F(AdminHandlersTest, DescribeConfigsUnknownTopicIsUnknownTopicOrPartition) {
    for (int16_t version : {0, 4}) {
        auto response = call<DescribeConfigsResponse>(handlers::describe_configs,
                                                      describe_request(2, "ghost"), version);
        ASSERT_EQ(response.results.size(), 1u);
        EXPECT_EQ(response.results[0].error_code, err(ErrorCode::unknown_topic_or_partition));
        EXPECT_EQ(response.results[0].resource_name, "ghost");
        EXPECT_TRUE(response.results[0].configs.empty());
    }
}

TEST_F(AdminHandlersTest, DescribeConfigsBadTopicNameIsInvalidTopic) {
    auto response = call<DescribeConfigsResponse>(handlers::describe_configs,
                                                  describe_request(2, "no/slashes"), 4);
    ASSERT_EQ(response.results.size(), 1u);
    EXPECT_EQ(response.results[0].error_code, err(ErrorCode::invalid_topic_exception));
}

TEST_F(AdminHandlersTest, DescribeConfigsUnsupportedResourceTypeIsInvalidRequest) {
    for (int8_t type : {0, 3, 8}) {
        auto response = call<DescribeConfigsResponse>(handlers::describe_configs,
                                                      describe_request(type, "x"), 4);
        ASSERT_EQ(response.results.size(), 1u);
        EXPECT_EQ(response.results[0].error_code, err(ErrorCode::invalid_request))
            << "type " << int(type);
        EXPECT_EQ(response.results[0].resource_type, type);
    }
}

TEST(AdminHandlersBrokerDefaults, DescribeConfigsBrokerByNodeIdReportsStaticBrokerConfigs) {
    broker::BrokerConfig config;
    config.defaults = {{"log.retention.ms", "1234"}};
    HandlerHarness h(config);
    ASSERT_TRUE(h.started().ok());
    for (int16_t version : {0, 4}) {
        auto response = h.call<DescribeConfigsResponse>(
            handlers::describe_configs, describe_request(4, "0", {}, true), version);
        ASSERT_TRUE(response.ok()) << response.error().to_string();
        ASSERT_EQ(response->results.size(), 1u);
        EXPECT_EQ(response->results[0].error_code, 0);
        auto configs = by_name(response->results[0].configs);
        ASSERT_TRUE(configs.count("log.retention.ms"));
        EXPECT_EQ(configs["log.retention.ms"].value, "1234");
        EXPECT_TRUE(configs["log.retention.ms"].read_only);
        ASSERT_TRUE(configs.count("log.segment.bytes"));
        if (version >= 1) {
            EXPECT_EQ(configs["log.retention.ms"].config_source, 4);  // STATIC_BROKER_CONFIG
            EXPECT_EQ(configs["log.segment.bytes"].config_source, 5);
            ASSERT_EQ(configs["log.retention.ms"].synonyms.size(), 1u);
            EXPECT_EQ(configs["log.retention.ms"].synonyms[0].source, 4);
        } else {
            EXPECT_FALSE(configs["log.retention.ms"].is_default);
            EXPECT_TRUE(configs["log.segment.bytes"].is_default);
        }
    }
    // A topic that follows the broker key reports the broker's value and source.
    std::promise<Result<broker::TopicInfo>> created;
    h.broker().create_topic(h.shard(), "follows", 1, {}, false,
                            [&created](Result<broker::TopicInfo> t) { created.set_value(t); });
    ASSERT_TRUE(created.get_future().get().ok());
    auto topic = h.call<DescribeConfigsResponse>(
        handlers::describe_configs,
        describe_request(2, "follows", std::vector<std::string>{"retention.ms"}), 4);
    ASSERT_TRUE(topic.ok());
    ASSERT_EQ(topic->results.size(), 1u);
    ASSERT_EQ(topic->results[0].configs.size(), 1u);
    EXPECT_EQ(topic->results[0].configs[0].value, "1234");
    EXPECT_EQ(topic->results[0].configs[0].config_source, 4);
}

TEST_F(AdminHandlersTest, DescribeConfigsBrokerDefaultResourceHasNoDynamicDefaults) {
    auto response =
        call<DescribeConfigsResponse>(handlers::describe_configs, describe_request(4, ""), 4);
    ASSERT_EQ(response.results.size(), 1u);
    EXPECT_EQ(response.results[0].error_code, 0);
    EXPECT_TRUE(response.results[0].configs.empty());
}

TEST_F(AdminHandlersTest, DescribeConfigsOtherOrNonNumericBrokerIdIsInvalidRequest) {
    for (const char* name : {"7", "abc", "0x"}) {
        auto response =
            call<DescribeConfigsResponse>(handlers::describe_configs, describe_request(4, name), 1);
        ASSERT_EQ(response.results.size(), 1u);
        EXPECT_EQ(response.results[0].error_code, err(ErrorCode::invalid_request)) << name;
        EXPECT_TRUE(response.results[0].error_message) << name;
    }
}

// AlterConfigs

TEST_F(AdminHandlersTest, AlterConfigsV0ReplacesEveryTopicConfig) {
    create("altered", 1, {{"retention.ms", "1000"}, {"segment.ms", "5000"}});
    auto response = call<AlterConfigsResponse>(
        handlers::alter_configs, alter_request(2, "altered", {{"cleanup.policy", "compact"}}), 0);
    ASSERT_EQ(response.responses.size(), 1u);
    EXPECT_EQ(response.responses[0].error_code, 0);
    EXPECT_EQ(response.responses[0].resource_type, 2);
    EXPECT_EQ(response.responses[0].resource_name, "altered");
    EXPECT_EQ(overrides("altered"),
              (std::map<std::string, std::string>{{"cleanup.policy", "compact"}}));
}

TEST_F(AdminHandlersTest, AlterConfigsNullValueLeavesConfigAtDefault) {
    create("nulled", 1, {{"retention.ms", "1000"}});
    auto response = call<AlterConfigsResponse>(
        handlers::alter_configs,
        alter_request(2, "nulled", {{"retention.ms", std::nullopt}, {"segment.ms", "5000"}}), 2);
    ASSERT_EQ(response.responses.size(), 1u);
    EXPECT_EQ(response.responses[0].error_code, 0);
    EXPECT_EQ(overrides("nulled"), (std::map<std::string, std::string>{{"segment.ms", "5000"}}));
}

TEST_F(AdminHandlersTest, AlterConfigsV2ValidateOnlyLeavesConfigsUnchanged) {
    create("kept", 1, {{"retention.ms", "1000"}});
    auto response = call<AlterConfigsResponse>(
        handlers::alter_configs, alter_request(2, "kept", {{"retention.ms", "2000"}}, true), 2);
    ASSERT_EQ(response.responses.size(), 1u);
    EXPECT_EQ(response.responses[0].error_code, 0);
    EXPECT_EQ(overrides("kept"), (std::map<std::string, std::string>{{"retention.ms", "1000"}}));
}

TEST_F(AdminHandlersTest, AlterConfigsBadValueOrUnknownNameIsInvalidConfigWithMessage) {
    create("strict-configs", 1, {{"retention.ms", "1000"}});
    for (int16_t version : {0, 2}) {
        for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
                 {"retention.ms", "forever"}, {"no.such.config", "1"}}) {
            auto response = call<AlterConfigsResponse>(
                handlers::alter_configs, alter_request(2, "strict-configs", {{name, value}}),
                version);
            ASSERT_EQ(response.responses.size(), 1u);
            EXPECT_EQ(response.responses[0].error_code, err(ErrorCode::invalid_config)) << name;
            ASSERT_TRUE(response.responses[0].error_message);
            EXPECT_NE(response.responses[0].error_message->find(name), std::string::npos)
                << *response.responses[0].error_message;
        }
    }
    EXPECT_EQ(overrides("strict-configs"),
              (std::map<std::string, std::string>{{"retention.ms", "1000"}}));
}

TEST_F(AdminHandlersTest, AlterConfigsUnknownTopicIsUnknownTopicOrPartition) {
    auto response = call<AlterConfigsResponse>(
        handlers::alter_configs, alter_request(2, "ghost", {{"retention.ms", "1"}}), 2);
    ASSERT_EQ(response.responses.size(), 1u);
    EXPECT_EQ(response.responses[0].error_code, err(ErrorCode::unknown_topic_or_partition));
}

TEST_F(AdminHandlersTest, AlterConfigsBrokerResourceIsInvalidRequestSayingUnsupported) {
    auto response = call<AlterConfigsResponse>(
        handlers::alter_configs, alter_request(4, "0", {{"log.retention.ms", "1"}}), 0);
    ASSERT_EQ(response.responses.size(), 1u);
    EXPECT_EQ(response.responses[0].error_code, err(ErrorCode::invalid_request));
    ASSERT_TRUE(response.responses[0].error_message);
    EXPECT_NE(response.responses[0].error_message->find("not supported"), std::string::npos);
}

TEST_F(AdminHandlersTest, AlterConfigsUnknownResourceTypeOrDuplicateIsInvalidRequest) {
    create("twice-altered", 1);
    auto request = alter_request(3, "group", {{"a", "b"}});
    request.resources.push_back(
        alter_request(2, "twice-altered", {{"retention.ms", "1"}}).resources[0]);
    request.resources.push_back(request.resources[1]);
    auto response = call<AlterConfigsResponse>(handlers::alter_configs, request, 2);
    ASSERT_EQ(response.responses.size(), 2u);
    EXPECT_EQ(response.responses[0].error_code, err(ErrorCode::invalid_request));
    EXPECT_EQ(response.responses[1].error_code, err(ErrorCode::invalid_request));
    EXPECT_TRUE(overrides("twice-altered").empty());
}

// IncrementalAlterConfigs

TEST_F(AdminHandlersTest, IncrementalAlterConfigsV0SetAndDeleteKeepOtherOverrides) {
    create("merged", 1,
           {{"retention.ms", "1000"}, {"segment.ms", "5000"}, {"max.message.bytes", "2048"}});
    auto response = call<IncrementalAlterConfigsResponse>(
        handlers::incremental_alter_configs,
        incremental_request(2, "merged", {{"retention.ms", 0, "2000"}, {"segment.ms", 1, {}}}), 0);
    EXPECT_EQ(incremental_error(response), 0);
    EXPECT_EQ(overrides("merged"), (std::map<std::string, std::string>{
                                       {"max.message.bytes", "2048"}, {"retention.ms", "2000"}}));
}

TEST_F(AdminHandlersTest, IncrementalAlterConfigsV1AppendAndSubtractEditListConfig) {
    create("listed", 1);
    auto appended = call<IncrementalAlterConfigsResponse>(
        handlers::incremental_alter_configs,
        incremental_request(2, "listed", {{"cleanup.policy", 2, "compact"}}), 1);
    EXPECT_EQ(incremental_error(appended), 0);
    EXPECT_EQ(overrides("listed")["cleanup.policy"], "delete,compact");
    auto subtracted = call<IncrementalAlterConfigsResponse>(
        handlers::incremental_alter_configs,
        incremental_request(2, "listed", {{"cleanup.policy", 3, "delete"}}), 1);
    EXPECT_EQ(incremental_error(subtracted), 0);
    EXPECT_EQ(overrides("listed")["cleanup.policy"], "compact");
}

TEST_F(AdminHandlersTest, IncrementalAlterConfigsAppendOrSubtractOnNonListIsInvalidConfig) {
    create("scalar", 1);
    for (int8_t op : {2, 3}) {
        auto response = call<IncrementalAlterConfigsResponse>(
            handlers::incremental_alter_configs,
            incremental_request(2, "scalar", {{"retention.ms", op, "1"}}), 1);
        EXPECT_EQ(incremental_error(response), err(ErrorCode::invalid_config));
    }
    EXPECT_TRUE(overrides("scalar").empty());
}

TEST_F(AdminHandlersTest, IncrementalAlterConfigsValidateOnlyLeavesConfigsUnchanged) {
    create("dry-merge", 1, {{"retention.ms", "1000"}});
    auto response = call<IncrementalAlterConfigsResponse>(
        handlers::incremental_alter_configs,
        incremental_request(2, "dry-merge", {{"retention.ms", 0, "2000"}}, true), 1);
    EXPECT_EQ(incremental_error(response), 0);
    EXPECT_EQ(overrides("dry-merge"),
              (std::map<std::string, std::string>{{"retention.ms", "1000"}}));
}

TEST_F(AdminHandlersTest, IncrementalAlterConfigsBadValueOrUnknownNameIsInvalidConfig) {
    create("strict-merge", 1);
    for (const Change& change : std::vector<Change>{{"retention.ms", 0, "later"},
                                                    {"no.such.config", 0, "1"},
                                                    {"cleanup.policy", 3, "delete"}}) {
        auto response = call<IncrementalAlterConfigsResponse>(
            handlers::incremental_alter_configs, incremental_request(2, "strict-merge", {change}),
            1);
        EXPECT_EQ(incremental_error(response), err(ErrorCode::invalid_config)) << change.name;
        ASSERT_TRUE(response.responses[0].error_message);
        EXPECT_NE(response.responses[0].error_message->find(change.name), std::string::npos)
            << *response.responses[0].error_message;
    }
    EXPECT_TRUE(overrides("strict-merge").empty());
}

TEST_F(AdminHandlersTest, IncrementalAlterConfigsUnknownOpNullValueOrDuplicateIsInvalidRequest) {
    create("odd-ops", 1);
    for (const auto& changes :
         std::vector<std::vector<Change>>{{{"retention.ms", 9, "1"}},
                                          {{"retention.ms", 0, std::nullopt}},
                                          {{"retention.ms", 0, "1"}, {"retention.ms", 0, "2"}}}) {
        auto response = call<IncrementalAlterConfigsResponse>(
            handlers::incremental_alter_configs, incremental_request(2, "odd-ops", changes), 0);
        EXPECT_EQ(incremental_error(response), err(ErrorCode::invalid_request));
    }
    EXPECT_TRUE(overrides("odd-ops").empty());
}

TEST_F(AdminHandlersTest, IncrementalAlterConfigsBrokerResourceIsInvalidRequestSayingUnsupported) {
    auto response = call<IncrementalAlterConfigsResponse>(
        handlers::incremental_alter_configs,
        incremental_request(4, "0", {{"log.retention.ms", 0, "1"}}), 1);
    EXPECT_EQ(incremental_error(response), err(ErrorCode::invalid_request));
    ASSERT_TRUE(response.responses[0].error_message);
    EXPECT_NE(response.responses[0].error_message->find("not supported"), std::string::npos);
}

TEST_F(AdminHandlersTest, IncrementalAlterConfigsUnknownTopicIsUnknownTopicOrPartition) {
    auto response = call<IncrementalAlterConfigsResponse>(
        handlers::incremental_alter_configs,
        incremental_request(2, "ghost", {{"retention.ms", 0, "1"}}), 0);
    EXPECT_EQ(incremental_error(response), err(ErrorCode::unknown_topic_or_partition));
}

}  // namespace
}  // namespace es::kafka::server
