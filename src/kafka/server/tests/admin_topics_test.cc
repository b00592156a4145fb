// CreateTopics, DeleteTopics, CreatePartitions, DeleteRecords, DescribeCluster and
// DescribeLogDirs handlers on a real broker (no sockets), and hostile bodies for every admin
// handler.

#include "kafka/server/tests/admin_fixture.h"

namespace es::kafka::server {
namespace {

using namespace admin_test;  // NOLINT(google-build-using-namespace): the fixture's builders

// CreateTopics

TEST_F(AdminHandlersTest, CreateTopicsV0DefaultPartitionsAndReplicationCreateTopic) {
    auto response = call<CreateTopicsResponse>(handlers::create_topics,
                                               create_request({creatable("orders", -1, -1)}), 0);
    ASSERT_EQ(response.topics.size(), 1u);
    EXPECT_EQ(response.topics[0].name, "orders");
    EXPECT_EQ(response.topics[0].error_code, 0);
    EXPECT_EQ(partitions("orders"), 3);  // the broker's num.partitions
}

TEST_F(AdminHandlersTest, CreateTopicsV7ReturnsPartitionsReplicationConfigsAndTopicId) {
    auto topic = creatable("clicks", 4, 1);
    topic.configs.push_back({"retention.ms", "1000", {}});
    auto response = call<CreateTopicsResponse>(handlers::create_topics, create_request({topic}), 7);
    ASSERT_EQ(response.topics.size(), 1u);
    const auto& r = response.topics[0];
    EXPECT_EQ(r.error_code, 0);
    EXPECT_FALSE(r.error_message);
    EXPECT_EQ(r.num_partitions, 4);
    EXPECT_EQ(r.replication_factor, 1);
    auto stored = h_.broker().catalog().find("clicks");
    ASSERT_TRUE(stored);
    EXPECT_FALSE(r.topic_id.is_zero());
    EXPECT_EQ(r.topic_id, uuid_of(stored->id));
    ASSERT_TRUE(r.configs);
    EXPECT_EQ(r.configs->size(), stored->config.describe().size());
    std::map<std::string, const CreateTopicsResponse::CreatableTopicResult::CreatableTopicConfigs*>
        by_name;
    for (const auto& c : *r.configs) by_name[c.name] = &c;
    ASSERT_TRUE(by_name.count("retention.ms"));
    EXPECT_EQ(by_name["retention.ms"]->value, "1000");
    EXPECT_EQ(by_name["retention.ms"]->config_source, 1);  // DYNAMIC_TOPIC_CONFIG
    ASSERT_TRUE(by_name.count("cleanup.policy"));
    EXPECT_EQ(by_name["cleanup.policy"]->value, "delete");
    EXPECT_EQ(by_name["cleanup.policy"]->config_source, 5);  // DEFAULT_CONFIG
    EXPECT_FALSE(by_name["cleanup.policy"]->read_only);
    EXPECT_FALSE(by_name["cleanup.policy"]->is_sensitive);
}

TEST_F(AdminHandlersTest, CreateTopicsValidateOnlyAnswersWithoutCreating) {
    for (int16_t version : {1, 7}) {
        auto response = call<CreateTopicsResponse>(
            handlers::create_topics, create_request({creatable("dry", 2, 1)}, true), version);
        ASSERT_EQ(response.topics.size(), 1u);
        EXPECT_EQ(response.topics[0].error_code, 0) << "v" << version;
        if (version >= 5) {
            EXPECT_EQ(response.topics[0].num_partitions, 2);
        }
        EXPECT_FALSE(h_.broker().catalog().find("dry")) << "v" << version;
    }
}

TEST_F(AdminHandlersTest, CreateTopicsReplicationFactorAboveOneIsInvalidReplicationFactor) {
    for (int16_t version : {0, 7}) {
        auto response = call<CreateTopicsResponse>(
            handlers::create_topics, create_request({creatable("replicated", 1, 3)}), version);
        ASSERT_EQ(response.topics.size(), 1u);
        const auto& r = response.topics[0];
        EXPECT_EQ(r.error_code, err(ErrorCode::invalid_replication_factor)) << "v" << version;
        if (version >= 1) {
            EXPECT_TRUE(r.error_message && !r.error_message->empty());
        }
        if (version >= 5) {
            EXPECT_EQ(r.num_partitions, -1);
            EXPECT_EQ(r.replication_factor, -1);
            EXPECT_FALSE(r.configs);
            EXPECT_TRUE(r.topic_id.is_zero());
        }
    }
    EXPECT_FALSE(h_.broker().catalog().find("replicated"));
}

TEST_F(AdminHandlersTest, CreateTopicsReplicationFactorZeroIsInvalidReplicationFactor) {
    auto response = call<CreateTopicsResponse>(handlers::create_topics,
                                               create_request({creatable("zero-rf", 1, 0)}), 4);
    ASSERT_EQ(response.topics.size(), 1u);
    EXPECT_EQ(response.topics[0].error_code, err(ErrorCode::invalid_replication_factor));
}

TEST_F(AdminHandlersTest, CreateTopicsZeroPartitionsIsInvalidPartitions) {
    auto response = call<CreateTopicsResponse>(handlers::create_topics,
                                               create_request({creatable("empty", 0, 1)}), 7);
    ASSERT_EQ(response.topics.size(), 1u);
    EXPECT_EQ(response.topics[0].error_code, err(ErrorCode::invalid_partitions));
    EXPECT_FALSE(h_.broker().catalog().find("empty"));
}

TEST_F(AdminHandlersTest, CreateTopicsAssignmentWithOneReplicaOnThisNodeIsAccepted) {
    auto topic = creatable("assigned", -1, -1);
    topic.assignments.push_back({1, {0}, {}});
    topic.assignments.push_back({0, {0}, {}});
    auto response = call<CreateTopicsResponse>(handlers::create_topics, create_request({topic}), 7);
    ASSERT_EQ(response.topics.size(), 1u);
    EXPECT_EQ(response.topics[0].error_code, 0);
    EXPECT_EQ(response.topics[0].num_partitions, 2);
    EXPECT_EQ(response.topics[0].replication_factor, 1);
    EXPECT_EQ(partitions("assigned"), 2);
}

TEST_F(AdminHandlersTest, CreateTopicsAssignmentElsewhereIsInvalidReplicaAssignment) {
    auto other_node = creatable("other-node", -1, -1);
    other_node.assignments.push_back({0, {1}, {}});
    auto two_replicas = creatable("two-replicas", -1, -1);
    two_replicas.assignments.push_back({0, {0, 1}, {}});
    auto gap = creatable("gap", -1, -1);
    gap.assignments.push_back({0, {0}, {}});
    gap.assignments.push_back({2, {0}, {}});
    auto no_replica = creatable("no-replica", -1, -1);
    no_replica.assignments.push_back({0, {}, {}});
    for (int16_t version : {0, 7}) {
        auto response = call<CreateTopicsResponse>(
            handlers::create_topics, create_request({other_node, two_replicas, gap, no_replica}),
            version);
        ASSERT_EQ(response.topics.size(), 4u);
        for (const auto& r : response.topics) {
            EXPECT_EQ(r.error_code, err(ErrorCode::invalid_replica_assignment))
                << r.name << " v" << version;
            EXPECT_FALSE(h_.broker().catalog().find(r.name)) << r.name;
        }
    }
}

TEST_F(AdminHandlersTest, CreateTopicsAssignmentWithPartitionCountIsInvalidRequest) {
    auto topic = creatable("both", 1, -1);
    topic.assignments.push_back({0, {0}, {}});
    auto response = call<CreateTopicsResponse>(handlers::create_topics, create_request({topic}), 7);
    ASSERT_EQ(response.topics.size(), 1u);
    EXPECT_EQ(response.topics[0].error_code, err(ErrorCode::invalid_request));
}

TEST_F(AdminHandlersTest, CreateTopicsDuplicateNameIsInvalidRequestAndOthersAreCreated) {
    auto response = call<CreateTopicsResponse>(
        handlers::create_topics,
        create_request(
            {creatable("twice", 1, 1), creatable("once", 1, 1), creatable("twice", 2, 1)}),
        7);
    ASSERT_EQ(response.topics.size(), 2u);
    EXPECT_EQ(response.topics[0].name, "twice");
    EXPECT_EQ(response.topics[0].error_code, err(ErrorCode::invalid_request));
    EXPECT_TRUE(response.topics[0].error_message);
    EXPECT_EQ(response.topics[1].name, "once");
    EXPECT_EQ(response.topics[1].error_code, 0);
    EXPECT_FALSE(h_.broker().catalog().find("twice"));
    EXPECT_TRUE(h_.broker().catalog().find("once"));
}

TEST_F(AdminHandlersTest, CreateTopicsExistingTopicIsTopicAlreadyExists) {
    create("exists", 1);
    for (int16_t version : {0, 7}) {
        auto response = call<CreateTopicsResponse>(
            handlers::create_topics, create_request({creatable("exists", 1, 1)}), version);
        ASSERT_EQ(response.topics.size(), 1u);
        EXPECT_EQ(response.topics[0].error_code, err(ErrorCode::topic_already_exists));
    }
}

TEST_F(AdminHandlersTest, CreateTopicsBadNameIsInvalidTopic) {
    auto response = call<CreateTopicsResponse>(handlers::create_topics,
                                               create_request({creatable("bad name!", 1, 1)}), 7);
    ASSERT_EQ(response.topics.size(), 1u);
    EXPECT_EQ(response.topics[0].error_code, err(ErrorCode::invalid_topic_exception));
}

TEST_F(AdminHandlersTest, CreateTopicsBadConfigIsInvalidConfigAndNullValueInvalidRequest) {
    auto bad_value = creatable("bad-value", 1, 1);
    bad_value.configs.push_back({"retention.ms", "soon", {}});
    auto unknown = creatable("unknown-config", 1, 1);
    unknown.configs.push_back({"no.such.config", "1", {}});
    auto null_value = creatable("null-value", 1, 1);
    null_value.configs.push_back({"retention.ms", std::nullopt, {}});
    auto response = call<CreateTopicsResponse>(handlers::create_topics,
                                               create_request({bad_value, unknown, null_value}), 7);
    ASSERT_EQ(response.topics.size(), 3u);
    EXPECT_EQ(response.topics[0].error_code, err(ErrorCode::invalid_config));
    ASSERT_TRUE(response.topics[0].error_message);
    EXPECT_NE(response.topics[0].error_message->find("retention.ms"), std::string::npos);
    EXPECT_EQ(response.topics[1].error_code, err(ErrorCode::invalid_config));
    ASSERT_TRUE(response.topics[1].error_message);
    EXPECT_NE(response.topics[1].error_message->find("no.such.config"), std::string::npos);
    EXPECT_EQ(response.topics[2].error_code, err(ErrorCode::invalid_request));
    for (const auto& r : response.topics) EXPECT_FALSE(h_.broker().catalog().find(r.name));
}

// DeleteTopics

TEST_F(AdminHandlersTest, DeleteTopicsV0DeletesByNameAndReportsUnknownTopic) {
    create("doomed", 2);
    auto response = call<DeleteTopicsResponse>(handlers::delete_topics,
                                               delete_by_names({"doomed", "missing"}), 0);
    ASSERT_EQ(response.responses.size(), 2u);
    EXPECT_EQ(response.responses[0].name, "doomed");
    EXPECT_EQ(response.responses[0].error_code, 0);
    EXPECT_EQ(response.responses[1].name, "missing");
    EXPECT_EQ(response.responses[1].error_code, err(ErrorCode::unknown_topic_or_partition));
    EXPECT_FALSE(h_.broker().catalog().find("doomed"));
}

TEST_F(AdminHandlersTest, DeleteTopicsV6DeletesByTopicIdAndReportsItsName) {
    auto topic = create("by-id", 1);
    DeleteTopicsRequest::DeleteTopicState state;
    state.topic_id = uuid_of(topic.id);
    auto response =
        call<DeleteTopicsResponse>(handlers::delete_topics, delete_by_states({state}), 6);
    ASSERT_EQ(response.responses.size(), 1u);
    EXPECT_EQ(response.responses[0].error_code, 0);
    EXPECT_EQ(response.responses[0].name, "by-id");
    EXPECT_EQ(response.responses[0].topic_id, uuid_of(topic.id));
    EXPECT_FALSE(h_.broker().catalog().find("by-id"));
}

TEST_F(AdminHandlersTest, DeleteTopicsV6ByNameReportsTopicId) {
    auto topic = create("by-name", 1);
    DeleteTopicsRequest::DeleteTopicState state;
    state.name = "by-name";
    auto response =
        call<DeleteTopicsResponse>(handlers::delete_topics, delete_by_states({state}), 6);
    ASSERT_EQ(response.responses.size(), 1u);
    EXPECT_EQ(response.responses[0].error_code, 0);
    EXPECT_EQ(response.responses[0].topic_id, uuid_of(topic.id));
}

TEST_F(AdminHandlersTest, DeleteTopicsV6UnknownTopicIdIsUnknownTopicId) {
    DeleteTopicsRequest::DeleteTopicState state;
    state.topic_id.bytes.fill(0xab);
    auto response =
        call<DeleteTopicsResponse>(handlers::delete_topics, delete_by_states({state}), 6);
    ASSERT_EQ(response.responses.size(), 1u);
    EXPECT_EQ(response.responses[0].error_code, err(ErrorCode::unknown_topic_id));
    EXPECT_FALSE(response.responses[0].name);
    EXPECT_TRUE(response.responses[0].error_message);
}

TEST_F(AdminHandlersTest, DeleteTopicsV6NameAndIdTogetherIsInvalidRequest) {
    auto topic = create("both-keys", 1);
    DeleteTopicsRequest::DeleteTopicState state;
    state.name = "both-keys";
    state.topic_id = uuid_of(topic.id);
    auto response =
        call<DeleteTopicsResponse>(handlers::delete_topics, delete_by_states({state}), 6);
    ASSERT_EQ(response.responses.size(), 1u);
    EXPECT_EQ(response.responses[0].error_code, err(ErrorCode::invalid_request));
    EXPECT_TRUE(h_.broker().catalog().find("both-keys"));
}

TEST_F(AdminHandlersTest, DeleteTopicsDuplicateNameIsInvalidRequestAndKeepsTopic) {
    create("dup", 1);
    auto response =
        call<DeleteTopicsResponse>(handlers::delete_topics, delete_by_names({"dup", "dup"}), 5);
    ASSERT_EQ(response.responses.size(), 1u);
    EXPECT_EQ(response.responses[0].error_code, err(ErrorCode::invalid_request));
    EXPECT_TRUE(response.responses[0].error_message);
    EXPECT_TRUE(h_.broker().catalog().find("dup"));
}

// CreatePartitions

TEST_F(AdminHandlersTest, CreatePartitionsV0GrowsTheTopic) {
    create("growing", 1);
    auto response =
        call<CreatePartitionsResponse>(handlers::create_partitions, grow("growing", 3), 0);
    ASSERT_EQ(response.results.size(), 1u);
    EXPECT_EQ(response.results[0].name, "growing");
    EXPECT_EQ(response.results[0].error_code, 0);
    EXPECT_FALSE(response.results[0].error_message);
    EXPECT_EQ(partitions("growing"), 3);
}

TEST_F(AdminHandlersTest, CreatePartitionsV3WithAssignmentsOnThisNodeGrowsTheTopic) {
    create("assigned-growth", 1);
    auto response = call<CreatePartitionsResponse>(
        handlers::create_partitions,
        grow("assigned-growth", 3, false, std::vector<std::vector<int32_t>>{{0}, {0}}), 3);
    ASSERT_EQ(response.results.size(), 1u);
    EXPECT_EQ(response.results[0].error_code, 0);
    EXPECT_EQ(partitions("assigned-growth"), 3);
}

TEST_F(AdminHandlersTest, CreatePartitionsCountThatDoesNotGrowIsInvalidPartitions) {
    create("steady", 2);
    for (int16_t version : {0, 3}) {
        for (int32_t count : {2, 1}) {
            auto response = call<CreatePartitionsResponse>(handlers::create_partitions,
                                                           grow("steady", count), version);
            ASSERT_EQ(response.results.size(), 1u);
            EXPECT_EQ(response.results[0].error_code, err(ErrorCode::invalid_partitions))
                << "v" << version << " count " << count;
            EXPECT_TRUE(response.results[0].error_message);
        }
    }
    EXPECT_EQ(partitions("steady"), 2);
}

TEST_F(AdminHandlersTest, CreatePartitionsValidateOnlyLeavesCountUnchanged) {
    create("dry-growth", 1);
    auto response =
        call<CreatePartitionsResponse>(handlers::create_partitions, grow("dry-growth", 4, true), 3);
    ASSERT_EQ(response.results.size(), 1u);
    EXPECT_EQ(response.results[0].error_code, 0);
    EXPECT_EQ(partitions("dry-growth"), 1);
}

TEST_F(AdminHandlersTest, CreatePartitionsUnknownTopicIsUnknownTopicOrPartition) {
    auto response =
        call<CreatePartitionsResponse>(handlers::create_partitions, grow("nowhere", 3), 3);
    ASSERT_EQ(response.results.size(), 1u);
    EXPECT_EQ(response.results[0].error_code, err(ErrorCode::unknown_topic_or_partition));
}

TEST_F(AdminHandlersTest, CreatePartitionsBadAssignmentsAreInvalidReplicaAssignment) {
    create("strict", 1);
    using Lists = std::vector<std::vector<int32_t>>;
    for (const Lists& lists : {Lists{{1}, {0}}, Lists{{0}}, Lists{{0, 0}, {0}}}) {
        auto response = call<CreatePartitionsResponse>(handlers::create_partitions,
                                                       grow("strict", 3, false, lists), 3);
        ASSERT_EQ(response.results.size(), 1u);
        EXPECT_EQ(response.results[0].error_code, err(ErrorCode::invalid_replica_assignment));
    }
    EXPECT_EQ(partitions("strict"), 1);
}

TEST_F(AdminHandlersTest, CreatePartitionsDuplicateTopicIsInvalidRequest) {
    create("dup-growth", 1);
    auto request = grow("dup-growth", 2);
    request.topics.push_back(request.topics[0]);
    auto response = call<CreatePartitionsResponse>(handlers::create_partitions, request, 3);
    ASSERT_EQ(response.results.size(), 1u);
    EXPECT_EQ(response.results[0].error_code, err(ErrorCode::invalid_request));
    EXPECT_EQ(partitions("dup-growth"), 1);
}

// DeleteRecords

TEST_F(AdminHandlersTest, DeleteRecordsV0MovesLowWatermarkToTheOffset) {
    create("trimmed", 1);
    produce("trimmed", 0, 5);
    auto response = call<DeleteRecordsResponse>(handlers::delete_records,
                                                delete_records_request("trimmed", 0, 2), 0);
    ASSERT_EQ(response.topics.size(), 1u);
    EXPECT_EQ(response.topics[0].name, "trimmed");
    ASSERT_EQ(response.topics[0].partitions.size(), 1u);
    EXPECT_EQ(response.topics[0].partitions[0].partition_index, 0);
    EXPECT_EQ(response.topics[0].partitions[0].error_code, 0);
    EXPECT_EQ(response.topics[0].partitions[0].low_watermark, 2);
    EXPECT_EQ(log_start(stats(), {"trimmed", model::PartitionId(0)}), model::Offset(2));
}

TEST_F(AdminHandlersTest, DeleteRecordsV2OffsetMinusOneDeletesUpToHighWatermark) {
    create("emptied", 1);
    produce("emptied", 0, 5);
    auto response = call<DeleteRecordsResponse>(handlers::delete_records,
                                                delete_records_request("emptied", 0, -1), 2);
    ASSERT_EQ(response.topics.size(), 1u);
    ASSERT_EQ(response.topics[0].partitions.size(), 1u);
    EXPECT_EQ(response.topics[0].partitions[0].error_code, 0);
    EXPECT_EQ(response.topics[0].partitions[0].low_watermark, 5);
}

TEST_F(AdminHandlersTest, DeleteRecordsUnknownPartitionIsUnknownTopicOrPartition) {
    create("small", 1);
    for (int16_t version : {0, 2}) {
        auto request = delete_records_request("ghost", 0, 1);
        request.topics.push_back(delete_records_request("small", 5, 1).topics[0]);
        auto response = call<DeleteRecordsResponse>(handlers::delete_records, request, version);
        ASSERT_EQ(response.topics.size(), 2u);
        for (const auto& t : response.topics) {
            ASSERT_EQ(t.partitions.size(), 1u);
            EXPECT_EQ(t.partitions[0].error_code, err(ErrorCode::unknown_topic_or_partition))
                << t.name;
            EXPECT_EQ(t.partitions[0].low_watermark, -1);
        }
    }
}

TEST_F(AdminHandlersTest, DeleteRecordsOffsetBeyondHighWatermarkIsOffsetOutOfRange) {
    create("short", 1);
    produce("short", 0, 3);
    auto response = call<DeleteRecordsResponse>(handlers::delete_records,
                                                delete_records_request("short", 0, 10), 2);
    ASSERT_EQ(response.topics.size(), 1u);
    ASSERT_EQ(response.topics[0].partitions.size(), 1u);
    EXPECT_EQ(response.topics[0].partitions[0].error_code, err(ErrorCode::offset_out_of_range));
    EXPECT_EQ(response.topics[0].partitions[0].low_watermark, -1);
    EXPECT_EQ(log_start(stats(), {"short", model::PartitionId(0)}), model::Offset(0));
}

// DescribeCluster

TEST_F(AdminHandlersTest, DescribeClusterV0ReportsClusterControllerAndThisBroker) {
    DescribeClusterRequest request;
    auto response = call<DescribeClusterResponse>(handlers::describe_cluster, request, 0);
    EXPECT_EQ(response.error_code, 0);
    EXPECT_EQ(response.cluster_id, "harness-cluster");
    EXPECT_EQ(response.controller_id, 0);
    ASSERT_EQ(response.brokers.size(), 1u);
    EXPECT_EQ(response.brokers[0].broker_id, 0);
    EXPECT_EQ(response.brokers[0].host, "127.0.0.1");
    EXPECT_EQ(response.brokers[0].port, 19092);
    EXPECT_FALSE(response.brokers[0].rack);
    EXPECT_EQ(response.cluster_authorized_operations, INT32_MIN);  // not requested
}

TEST_F(AdminHandlersTest, DescribeClusterAuthorizedOperationsWhenAskedAreAllClusterOperations) {
    DescribeClusterRequest request;
    request.include_cluster_authorized_operations = true;
    auto response = call<DescribeClusterResponse>(handlers::describe_cluster, request, 0);
    // CREATE(5) ALTER(7) DESCRIBE(8) CLUSTER_ACTION(9) DESCRIBE_CONFIGS(10) ALTER_CONFIGS(11)
    // IDEMPOTENT_WRITE(12), one bit each: no authorizer allows them all.
    int32_t expected =
        (1 << 5) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12);
    EXPECT_EQ(response.cluster_authorized_operations, expected);
}

// DescribeLogDirs

TEST_F(AdminHandlersTest, DescribeLogDirsV0NullTopicsListsEveryPartitionInTheDataDir) {
    create("dir-a", 2);
    create("dir-b", 1);
    produce("dir-a", 0, 4);
    DescribeLogDirsRequest request;  // topics null: all
    auto response = call<DescribeLogDirsResponse>(handlers::describe_log_dirs, request, 0);
    ASSERT_EQ(response.results.size(), 1u);
    const auto& dir = response.results[0];
    EXPECT_EQ(dir.error_code, 0);
    EXPECT_EQ(std::filesystem::path(dir.log_dir),
              std::filesystem::absolute(h_.data_dir()).lexically_normal());
    ASSERT_EQ(dir.topics.size(), 2u);
    EXPECT_EQ(dir.topics[0].name, "dir-a");
    ASSERT_EQ(dir.topics[0].partitions.size(), 2u);
    EXPECT_EQ(dir.topics[0].partitions[0].partition_index, 0);
    EXPECT_GT(dir.topics[0].partitions[0].partition_size, 0);
    EXPECT_EQ(dir.topics[0].partitions[0].offset_lag, 0);
    EXPECT_FALSE(dir.topics[0].partitions[0].is_future_key);
    EXPECT_EQ(dir.topics[0].partitions[1].partition_index, 1);
    EXPECT_EQ(dir.topics[1].name, "dir-b");
    ASSERT_EQ(dir.topics[1].partitions.size(), 1u);
}

TEST_F(AdminHandlersTest, DescribeLogDirsV2ListsOnlyRequestedPartitionsThatExist) {
    create("dir-c", 2);
    create("dir-d", 1);
    DescribeLogDirsRequest request;
    request.topics.emplace();
    request.topics->push_back({"dir-c", {1, 7}, {}});
    request.topics->push_back({"ghost", {0}, {}});
    auto response = call<DescribeLogDirsResponse>(handlers::describe_log_dirs, request, 2);
    ASSERT_EQ(response.results.size(), 1u);
    ASSERT_EQ(response.results[0].topics.size(), 1u);
    EXPECT_EQ(response.results[0].topics[0].name, "dir-c");
    ASSERT_EQ(response.results[0].topics[0].partitions.size(), 1u);
    EXPECT_EQ(response.results[0].topics[0].partitions[0].partition_index, 1);
}

TEST_F(AdminHandlersTest, DescribeLogDirsEmptyTopicListDescribesTheDirWithoutPartitions) {
    create("dir-e", 1);
    DescribeLogDirsRequest request;
    request.topics.emplace();
    auto response = call<DescribeLogDirsResponse>(handlers::describe_log_dirs, request, 1);
    ASSERT_EQ(response.results.size(), 1u);
    EXPECT_EQ(response.results[0].error_code, 0);
    EXPECT_TRUE(response.results[0].topics.empty());
}

// Hostile bodies and the error mapping

TEST_F(AdminHandlersTest, EveryAdminHandlerAnswersTruncatedBodyWithAnError) {
    for (const auto& valid : valid_bodies()) {
        ASSERT_FALSE(valid.body.empty()) << valid.api;
        Bytes truncated(valid.body.begin(), valid.body.end() - 1);
        auto answer = h_.call_raw(valid.handler, valid.api_key, valid.version, truncated);
        EXPECT_FALSE(answer.result.ok()) << valid.api << " v" << valid.version;
        EXPECT_EQ(answer.calls, 1) << valid.api << " v" << valid.version;
    }
}

TEST_F(AdminHandlersTest, EveryAdminHandlerIgnoresBytesAfterTheBodyAsKafkaDoes) {
    for (const auto& valid : valid_bodies()) {
        Bytes longer = valid.body;
        longer.push_back(0);
        auto answer = h_.call_raw(valid.handler, valid.api_key, valid.version, longer);
        EXPECT_TRUE(answer.result.ok()) << valid.api << " v" << valid.version;
        EXPECT_EQ(answer.calls, 1) << valid.api << " v" << valid.version;
    }
}

TEST_F(AdminHandlersTest, EveryAdminHandlerAnswersEmptyBodyWithAnError) {
    for (const auto& valid : valid_bodies()) {
        auto answer = h_.call_raw(valid.handler, valid.api_key, valid.version, BytesView{});
        EXPECT_FALSE(answer.result.ok()) << valid.api << " v" << valid.version;
        EXPECT_EQ(answer.calls, 1) << valid.api << " v" << valid.version;
    }
}

TEST_F(AdminHandlersTest, CreateTopicsHugeTopicCountIsRefusedWithoutAllocating) {
    // v0: an int32 array length of 2^31-1 followed by nothing.
    Bytes body = {0x7f, 0xff, 0xff, 0xff};
    auto answer = h_.call_raw(handlers::create_topics, CreateTopicsRequest::api_key, 0, body);
    EXPECT_FALSE(answer.result.ok());
    EXPECT_EQ(answer.calls, 1);
    // v5 (flexible): a varint array length of about 2^28 followed by nothing.
    Bytes flexible = {0xff, 0xff, 0xff, 0x7f};
    answer = h_.call_raw(handlers::create_topics, CreateTopicsRequest::api_key, 5, flexible);
    EXPECT_FALSE(answer.result.ok());
}

TEST_F(AdminHandlersTest, DeleteTopicsNegativeNameLengthIsRefused) {
    // v0: one topic name whose int16 length is -5.
    Bytes body = {0x00, 0x00, 0x00, 0x01, 0xff, 0xfb, 0x00, 0x00, 0x13, 0x88};
    auto answer = h_.call_raw(handlers::delete_topics, DeleteTopicsRequest::api_key, 0, body);
    EXPECT_FALSE(answer.result.ok());
    EXPECT_EQ(answer.calls, 1);
}

TEST(AdminErrorMapping, InvalidReplicaAssignmentMapsToKafkaCode39) {
    EXPECT_EQ(to_kafka(Error(Errc::invalid_replica_assignment, "x")),
              ErrorCode::invalid_replica_assignment);
    EXPECT_EQ(protocol::code(ErrorCode::invalid_replica_assignment), 39);
    EXPECT_EQ(Error(Errc::invalid_replica_assignment).code().message(),
              "invalid replica assignment");
}

}  // namespace
}  // namespace es::kafka::server
