#pragma once

// The admin handler tests' fixture and request builders, shared by admin_topics_test.cc and
// admin_configs_test.cc.

#include "broker/broker.h"
#include "broker/errc.h"
#include "kafka/protocol/error_code.h"
#include "kafka/protocol/generated/alter_configs.h"
#include "kafka/protocol/generated/create_partitions.h"
#include "kafka/protocol/generated/create_topics.h"
#include "kafka/protocol/generated/delete_records.h"
#include "kafka/protocol/generated/delete_topics.h"
#include "kafka/protocol/generated/describe_cluster.h"
#include "kafka/protocol/generated/describe_configs.h"
#include "kafka/protocol/generated/describe_log_dirs.h"
#include "kafka/protocol/generated/incremental_alter_configs.h"
#include "kafka/server/errc.h"
#include "kafka/server/error_mapping.h"
#include "kafka/server/handlers/handlers.h"
#include "kafka/server/tests/handler_harness.h"
#include "storage/tests/test_util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <future>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace es::kafka::server {
namespace admin_test {

using protocol::ErrorCode;
using testing::HandlerHarness;

constexpr int16_t err(ErrorCode e) { return protocol::code(e); }

inline broker::BrokerConfig three_partitions() {
    broker::BrokerConfig config;
    config.num_partitions = 3;
    return config;
}

class AdminHandlersTest : public ::testing::Test {
  protected:
    AdminHandlersTest() : h_(three_partitions()) {}

    void SetUp() override { ASSERT_TRUE(h_.started().ok()) << h_.started().error().to_string(); }

    /// Runs a handler and expects one well-formed answer; a default response otherwise.
    template <class Response, class Request>
    Response call(Handler handler, const Request& request, int16_t version) {
        auto response = h_.call<Response>(handler, request, version);
        EXPECT_TRUE(response.ok()) << response.error().to_string();
        EXPECT_EQ(h_.last_calls(), 1) << "respond() must be called exactly once";
        return response.ok() ? std::move(response).value() : Response{};
    }

    template <class T, class Call>
    T await(Call call) {
        std::promise<T> p;
        auto f = p.get_future();
        call([&p](T v) { p.set_value(std::move(v)); });
        return f.get();
    }

    broker::TopicInfo create(const std::string& name, int32_t partitions,
                             std::map<std::string, std::string> configs = {}) {
        auto created = await<Result<broker::TopicInfo>>([&](auto done) {
            h_.broker().create_topic(h_.shard(), name, partitions, std::move(configs), false, done);
        });
        EXPECT_TRUE(created.ok()) << created.error().to_string();
        return created.ok() ? *created : broker::TopicInfo{};
    }

    void produce(const std::string& topic, int32_t partition, int records) {
        Bytes batch = storage::testing::make_batch(records, partition);
        std::vector<broker::ProduceInput> inputs;
        inputs.push_back({model::TopicPartition{topic, model::PartitionId(partition)},
                          MutableBytesView(batch.data(), batch.size())});
        auto outs = await<std::vector<broker::ProduceOutput>>(
            [&](auto done) { h_.broker().produce(h_.shard(), std::move(inputs), -1, done); });
        ASSERT_EQ(outs.size(), 1u);
        ASSERT_FALSE(outs[0].error) << outs[0].error->to_string();
    }

    std::map<std::string, std::string> overrides(const std::string& topic) {
        auto found = h_.broker().catalog().find(topic);
        EXPECT_TRUE(found);
        return found ? found->config.overrides() : std::map<std::string, std::string>{};
    }

    int32_t partitions(const std::string& topic) {
        auto found = h_.broker().catalog().find(topic);
        return found ? found->partitions : -1;
    }

    std::vector<broker::PartitionStats> stats() {
        return await<std::vector<broker::PartitionStats>>(
            [&](auto done) { h_.broker().partition_stats(h_.shard(), done); });
    }

    HandlerHarness h_;
};

inline protocol::Uuid uuid_of(const broker::TopicId& id) {
    protocol::Uuid out;
    std::memcpy(out.bytes.data(), id.data(), 16);
    return out;
}
// ---------------------------------------------------------------------------------------------
// CreateTopics

using protocol::CreateTopicsRequest;
using protocol::CreateTopicsResponse;

inline CreateTopicsRequest::CreatableTopic creatable(const std::string& name, int32_t partitions,
                                                     int16_t replication_factor) {
    CreateTopicsRequest::CreatableTopic t;
    t.name = name;
    t.num_partitions = partitions;
    t.replication_factor = replication_factor;
    return t;
}

inline CreateTopicsRequest create_request(std::vector<CreateTopicsRequest::CreatableTopic> topics,
                                          bool validate_only = false) {
    CreateTopicsRequest r;
    r.topics = std::move(topics);
    r.timeout_ms = 5000;
    r.validate_only = validate_only;
    return r;
}

// ---------------------------------------------------------------------------------------------
// DeleteTopics

using protocol::DeleteTopicsRequest;
using protocol::DeleteTopicsResponse;

inline DeleteTopicsRequest delete_by_names(std::vector<std::string> names) {
    DeleteTopicsRequest r;
    r.topic_names = std::move(names);
    r.timeout_ms = 5000;
    return r;
}

inline DeleteTopicsRequest delete_by_states(
    std::vector<DeleteTopicsRequest::DeleteTopicState> topics) {
    DeleteTopicsRequest r;
    r.topics = std::move(topics);
    r.timeout_ms = 5000;
    return r;
}

// ---------------------------------------------------------------------------------------------
// CreatePartitions

using protocol::CreatePartitionsRequest;
using protocol::CreatePartitionsResponse;

inline CreatePartitionsRequest grow(
    const std::string& name, int32_t count, bool validate_only = false,
    std::optional<std::vector<std::vector<int32_t>>> assignments = {}) {
    CreatePartitionsRequest r;
    auto& t = r.topics.emplace_back();
    t.name = name;
    t.count = count;
    if (assignments) {
        t.assignments.emplace();
        for (auto& ids : *assignments) t.assignments->push_back({std::move(ids), {}});
    }
    r.timeout_ms = 5000;
    r.validate_only = validate_only;
    return r;
}

// ---------------------------------------------------------------------------------------------
// DescribeConfigs

using protocol::DescribeConfigsRequest;
using protocol::DescribeConfigsResponse;
using ConfigResult = DescribeConfigsResponse::DescribeConfigsResult::DescribeConfigsResourceResult;

inline DescribeConfigsRequest describe_request(int8_t type, const std::string& name,
                                               std::optional<std::vector<std::string>> keys = {},
                                               bool synonyms = false, bool documentation = false) {
    DescribeConfigsRequest r;
    auto& resource = r.resources.emplace_back();
    resource.resource_type = type;
    resource.resource_name = name;
    resource.configuration_keys = std::move(keys);
    r.include_synonyms = synonyms;
    r.include_documentation = documentation;
    return r;
}

inline std::map<std::string, ConfigResult> by_name(const std::vector<ConfigResult>& configs) {
    std::map<std::string, ConfigResult> out;
    for (const auto& c : configs) out[c.name] = c;
    return out;
}

// ---------------------------------------------------------------------------------------------
// AlterConfigs

using protocol::AlterConfigsRequest;
using protocol::AlterConfigsResponse;

inline AlterConfigsRequest alter_request(
    int8_t type, const std::string& name,
    std::vector<std::pair<std::string, std::optional<std::string>>> configs,
    bool validate_only = false) {
    AlterConfigsRequest r;
    auto& resource = r.resources.emplace_back();
    resource.resource_type = type;
    resource.resource_name = name;
    for (auto& [k, v] : configs) resource.configs.push_back({k, v, {}});
    r.validate_only = validate_only;
    return r;
}

// ---------------------------------------------------------------------------------------------
// IncrementalAlterConfigs

using protocol::IncrementalAlterConfigsRequest;
using protocol::IncrementalAlterConfigsResponse;

struct Change {
    std::string name;
    int8_t op;
    std::optional<std::string> value;
};

inline IncrementalAlterConfigsRequest incremental_request(int8_t type, const std::string& name,
                                                          const std::vector<Change>& changes,
                                                          bool validate_only = false) {
    IncrementalAlterConfigsRequest r;
    auto& resource = r.resources.emplace_back();
    resource.resource_type = type;
    resource.resource_name = name;
    for (const auto& c : changes) resource.configs.push_back({c.name, c.op, c.value, {}});
    r.validate_only = validate_only;
    return r;
}

inline int16_t incremental_error(IncrementalAlterConfigsResponse response) {
    EXPECT_EQ(response.responses.size(), 1u);
    return response.responses.empty() ? -2 : response.responses[0].error_code;
}

// ---------------------------------------------------------------------------------------------
// DeleteRecords

using protocol::DeleteRecordsRequest;
using protocol::DeleteRecordsResponse;

inline DeleteRecordsRequest delete_records_request(const std::string& topic, int32_t partition,
                                                   int64_t offset) {
    DeleteRecordsRequest r;
    auto& t = r.topics.emplace_back();
    t.name = topic;
    t.partitions.push_back({partition, offset, {}});
    r.timeout_ms = 5000;
    return r;
}

inline model::Offset log_start(const std::vector<broker::PartitionStats>& all,
                               const model::TopicPartition& tp) {
    for (const auto& s : all) {
        if (s.tp == tp) return s.log_start;
    }
    return model::Offset(-99);
}

// ---------------------------------------------------------------------------------------------
// DescribeCluster

using protocol::DescribeClusterRequest;
using protocol::DescribeClusterResponse;

// ---------------------------------------------------------------------------------------------
// DescribeLogDirs

using protocol::DescribeLogDirsRequest;
using protocol::DescribeLogDirsResponse;

// ---------------------------------------------------------------------------------------------
// Hostile bodies and the error mapping

struct ValidBody {
    const char* api;
    Handler handler;
    int16_t api_key;
    int16_t version;
    Bytes body;
};

inline std::vector<ValidBody> valid_bodies() {
    std::vector<ValidBody> out;
    auto add = [&out](const char* api, Handler handler, const auto& request, int16_t version) {
        using Request = std::decay_t<decltype(request)>;
        out.push_back(
            {api, handler, Request::api_key, version, HandlerHarness::encode(request, version)});
    };
    for (int16_t v : {0, 7}) {
        add("CreateTopics", handlers::create_topics, create_request({creatable("t", 1, 1)}), v);
    }
    for (int16_t v : {0, 5}) {
        add("DeleteTopics", handlers::delete_topics, delete_by_names({"t"}), v);
    }
    DeleteTopicsRequest::DeleteTopicState state;
    state.name = "t";
    add("DeleteTopics", handlers::delete_topics, delete_by_states({state}), 6);
    for (int16_t v : {0, 3}) add("CreatePartitions", handlers::create_partitions, grow("t", 2), v);
    for (int16_t v : {0, 4}) {
        add("DescribeConfigs", handlers::describe_configs, describe_request(2, "t"), v);
    }
    for (int16_t v : {0, 2}) {
        add("AlterConfigs", handlers::alter_configs, alter_request(2, "t", {{"retention.ms", "1"}}),
            v);
    }
    for (int16_t v : {0, 1}) {
        add("IncrementalAlterConfigs", handlers::incremental_alter_configs,
            incremental_request(2, "t", {{"retention.ms", 0, "1"}}), v);
    }
    for (int16_t v : {0, 2}) {
        add("DeleteRecords", handlers::delete_records, delete_records_request("t", 0, 1), v);
    }
    DescribeClusterRequest cluster;
    cluster.include_cluster_authorized_operations = true;
    add("DescribeCluster", handlers::describe_cluster, cluster, 0);
    DescribeLogDirsRequest dirs;
    dirs.topics.emplace();
    dirs.topics->push_back({"t", {0}, {}});
    for (int16_t v : {0, 2}) add("DescribeLogDirs", handlers::describe_log_dirs, dirs, v);
    return out;
}

}  // namespace admin_test
}  // namespace es::kafka::server
