// The consumer-group APIs over real sockets: the handlers turn requests into group-coordinator
// calls (with an in-memory store) and answer with Kafka's versions and error codes.

#include "broker/broker.h"
#include "broker/group_coordinator.h"
#include "broker/tests/thread_executor.h"
#include "kafka/protocol/error_code.h"
#include "kafka/protocol/generated/delete_groups.h"
#include "kafka/protocol/generated/describe_groups.h"
#include "kafka/protocol/generated/find_coordinator.h"
#include "kafka/protocol/generated/heartbeat.h"
#include "kafka/protocol/generated/join_group.h"
#include "kafka/protocol/generated/leave_group.h"
#include "kafka/protocol/generated/list_groups.h"
#include "kafka/protocol/generated/offset_commit.h"
#include "kafka/protocol/generated/offset_delete.h"
#include "kafka/protocol/generated/offset_fetch.h"
#include "kafka/protocol/generated/sync_group.h"
#include "kafka/server/server.h"
#include "kafka/server/tests/kafka_test_client.h"
#include "storage/tests/test_util.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace es::kafka::server {
namespace {

using protocol::ErrorCode;
using storage::testing::TempDir;
using testing::KafkaTestClient;

Bytes bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

class MemoryStore final : public broker::GroupStore {
  public:
    void write(std::vector<broker::GroupRecord> records,
               std::function<void(Status)> done) override {
        {
            std::lock_guard lock(mu_);
            for (auto& r : records) records_.push_back(std::move(r));
        }
        done(Status{});
    }

  private:
    std::mutex mu_;
    std::vector<broker::GroupRecord> records_;
};

class GroupHandlersTest : public ::testing::Test {
  protected:
    void SetUp() override { start(true); }
    void TearDown() override { stop(); }

    void start(bool attach_groups) {
        ServerConfig config;
        config.cluster_id = "test-cluster";
        config.node_id = 3;
        server_ = std::make_unique<KafkaServer>(config, 2);
        broker::BrokerConfig bc;
        bc.data_dir = dir_.path();
        broker_ = std::make_unique<broker::Broker>(bc, server_->executors());
        ASSERT_TRUE(broker_->start().ok());
        server_->attach(*broker_);
        broker::GroupConfig gc;
        gc.min_session_timeout_ms = 10;
        gc.initial_rebalance_delay_ms = 20;
        groups_ = std::make_unique<broker::GroupCoordinator>(gc, home_, store_);
        groups_->load({});
        if (attach_groups) server_->attach_groups(*groups_);
        auto port = server_->listen("127.0.0.1", 0);
        ASSERT_TRUE(port.ok()) << port.error().to_string();
        port_ = *port;
        server_->set_advertised("127.0.0.1", port_);
        server_->start();
    }

    void stop() {
        if (!server_) return;
        server_->stop(2000);
        std::promise<void> gone;
        home_.post([&] {
            groups_.reset();
            gone.set_value();
        });
        gone.get_future().wait();
        ASSERT_TRUE(broker_->stop().ok());
        server_.reset();
        broker_.reset();
    }

    template <class Response, class Request>
    Response call(KafkaTestClient& client, const Request& request, int16_t version) {
        int32_t id = ++correlation_;
        EXPECT_TRUE(client.send(request, version, id));
        auto response = client.receive<Response>(version, id, 10000);
        EXPECT_TRUE(response) << "no answer to api " << Request::api_key << " v" << version;
        return response ? *response : Response{};
    }

    static protocol::JoinGroupRequest join_request(const std::string& group,
                                                   const std::string& member_id) {
        protocol::JoinGroupRequest request;
        request.group_id = group;
        request.session_timeout_ms = 10000;
        request.rebalance_timeout_ms = 10000;
        request.member_id = member_id;
        request.protocol_type = "consumer";
        request.protocols.push_back({"range", bytes("meta-" + member_id), {}});
        return request;
    }

    static protocol::HeartbeatRequest heartbeat_request(const std::string& group, int32_t gen,
                                                        const std::string& member_id) {
        protocol::HeartbeatRequest request;
        request.group_id = group;
        request.generation_id = gen;
        request.member_id = member_id;
        return request;
    }

    /// A first join: at v4+ MEMBER_ID_REQUIRED, then a join with the id it handed out.
    protocol::JoinGroupResponse first_join(KafkaTestClient& client, const std::string& group,
                                           int16_t version) {
        auto response = call<protocol::JoinGroupResponse>(client, join_request(group, ""), version);
        if (version >= 4) {
            EXPECT_EQ(response.error_code, code(ErrorCode::member_id_required));
            EXPECT_FALSE(response.member_id.empty());
            EXPECT_EQ(response.generation_id, -1);
            response = call<protocol::JoinGroupResponse>(
                client, join_request(group, response.member_id), version);
        }
        return response;
    }

    void create_topic(const std::string& name, int32_t partitions) {
        std::promise<Result<broker::TopicInfo>> created;
        broker_->create_topic(
            *server_->executors()[0], name, partitions, {}, false,
            [&created](Result<broker::TopicInfo> r) { created.set_value(std::move(r)); });
        ASSERT_TRUE(created.get_future().get().ok());
    }

    void commit(KafkaTestClient& client, const std::string& group, const std::string& topic,
                std::vector<std::pair<int32_t, int64_t>> offsets, int16_t version) {
        protocol::OffsetCommitRequest request;
        request.group_id = group;
        auto& t = request.topics.emplace_back();
        t.name = topic;
        for (auto [p, o] : offsets) {
            auto& part = t.partitions.emplace_back();
            part.partition_index = p;
            part.committed_offset = o;
            part.committed_metadata = "m" + std::to_string(o);
        }
        auto response = call<protocol::OffsetCommitResponse>(client, request, version);
        ASSERT_EQ(response.topics.size(), 1u);
        ASSERT_EQ(response.topics[0].partitions.size(), offsets.size());
        for (const auto& p : response.topics[0].partitions) EXPECT_EQ(p.error_code, 0);
    }

    /// Two members through a join/sync/heartbeat round; the versions are JoinGroup's.
    void two_member_round(int16_t join_v, int16_t sync_v, int16_t heartbeat_v) {
        const std::string group = "round-v" + std::to_string(join_v);
        KafkaTestClient c1(port_), c2(port_);
        auto j1 = first_join(c1, group, join_v);
        ASSERT_EQ(j1.error_code, 0);
        EXPECT_EQ(j1.generation_id, 1);
        EXPECT_EQ(j1.leader, j1.member_id);
        ASSERT_EQ(j1.members.size(), 1u);
        EXPECT_EQ(j1.protocol_name, "range");
        protocol::SyncGroupRequest sync;
        sync.group_id = group;
        sync.generation_id = 1;
        sync.member_id = j1.member_id;
        if (sync_v >= 5) {
            sync.protocol_type = "consumer";
            sync.protocol_name = "range";
        }
        sync.assignments.push_back({j1.member_id, bytes("all"), {}});
        auto s1 = call<protocol::SyncGroupResponse>(c1, sync, sync_v);
        ASSERT_EQ(s1.error_code, 0);
        EXPECT_EQ(s1.assignment, bytes("all"));

        // The second member's join waits for the first to rejoin, which its heartbeat asks.
        std::string m2;
        int32_t join2_id = 0;
        if (join_v >= 4) {
            auto required = call<protocol::JoinGroupResponse>(c2, join_request(group, ""), join_v);
            ASSERT_EQ(required.error_code, code(ErrorCode::member_id_required));
            m2 = required.member_id;
        }
        join2_id = ++correlation_;
        ASSERT_TRUE(c2.send(join_request(group, m2), join_v, join2_id));
        int16_t beat = 0;
        for (int i = 0; i < 200; ++i) {
            beat = call<protocol::HeartbeatResponse>(c1, heartbeat_request(group, 1, j1.member_id),
                                                     heartbeat_v)
                       .error_code;
            if (beat != 0) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        ASSERT_EQ(beat, code(ErrorCode::rebalance_in_progress));
        auto rejoin =
            call<protocol::JoinGroupResponse>(c1, join_request(group, j1.member_id), join_v);
        auto j2 = c2.receive<protocol::JoinGroupResponse>(join_v, join2_id, 10000);
        ASSERT_TRUE(j2);
        ASSERT_EQ(rejoin.error_code, 0);
        ASSERT_EQ(j2->error_code, 0);
        EXPECT_EQ(rejoin.generation_id, 2);
        EXPECT_EQ(j2->generation_id, 2);
        if (join_v >= 4) {
            EXPECT_EQ(j2->member_id, m2);
        }
        EXPECT_EQ(rejoin.leader, j2->leader);
        bool c1_leads = rejoin.leader == rejoin.member_id;
        EXPECT_EQ((c1_leads ? rejoin : *j2).members.size(), 2u);
        EXPECT_TRUE((c1_leads ? *j2 : rejoin).members.empty());

        // The follower's sync waits for the leader's assignments.
        KafkaTestClient& leader = c1_leads ? c1 : c2;
        KafkaTestClient& follower = c1_leads ? c2 : c1;
        const std::string leader_id = c1_leads ? rejoin.member_id : j2->member_id;
        const std::string follower_id = c1_leads ? j2->member_id : rejoin.member_id;
        sync.generation_id = 2;
        sync.member_id = follower_id;
        sync.assignments.clear();
        int32_t follower_sync = ++correlation_;
        ASSERT_TRUE(follower.send(sync, sync_v, follower_sync));
        sync.member_id = leader_id;
        sync.assignments.push_back({leader_id, bytes("p0"), {}});
        sync.assignments.push_back({follower_id, bytes("p1"), {}});
        auto leader_sync = call<protocol::SyncGroupResponse>(leader, sync, sync_v);
        auto follower_answer =
            follower.receive<protocol::SyncGroupResponse>(sync_v, follower_sync, 10000);
        ASSERT_TRUE(follower_answer);
        EXPECT_EQ(leader_sync.error_code, 0);
        EXPECT_EQ(leader_sync.assignment, bytes("p0"));
        EXPECT_EQ(follower_answer->error_code, 0);
        EXPECT_EQ(follower_answer->assignment, bytes("p1"));
        if (sync_v >= 5) {
            EXPECT_EQ(follower_answer->protocol_name, "range");
        }

        EXPECT_EQ(call<protocol::HeartbeatResponse>(leader, heartbeat_request(group, 2, leader_id),
                                                    heartbeat_v)
                      .error_code,
                  0);
        EXPECT_EQ(call<protocol::HeartbeatResponse>(
                      follower, heartbeat_request(group, 2, follower_id), heartbeat_v)
                      .error_code,
                  0);
        EXPECT_EQ(call<protocol::HeartbeatResponse>(
                      follower, heartbeat_request(group, 1, follower_id), heartbeat_v)
                      .error_code,
                  code(ErrorCode::illegal_generation));
        EXPECT_EQ(call<protocol::HeartbeatResponse>(
                      follower, heartbeat_request(group, 2, "stranger"), heartbeat_v)
                      .error_code,
                  code(ErrorCode::unknown_member_id));
    }

    TempDir dir_;
    broker::testing::ThreadExecutor home_;
    MemoryStore store_;
    std::unique_ptr<KafkaServer> server_;
    std::unique_ptr<broker::Broker> broker_;
    std::unique_ptr<broker::GroupCoordinator> groups_;
    uint16_t port_ = 0;
    int32_t correlation_ = 0;
};

TEST_F(GroupHandlersTest, FindCoordinatorAnswersThisNodeForGroups) {
    KafkaTestClient client(port_);
    protocol::FindCoordinatorRequest request;
    request.key = "g";
    auto v0 = call<protocol::FindCoordinatorResponse>(client, request, 0);
    EXPECT_EQ(v0.error_code, 0);
    EXPECT_EQ(v0.node_id, 3);
    EXPECT_EQ(v0.host, "127.0.0.1");
    EXPECT_EQ(v0.port, port_);

    request.key_type = 1;  // TRANSACTION: this node coordinates every transactional id too
    auto txn = call<protocol::FindCoordinatorResponse>(client, request, 3);
    EXPECT_EQ(txn.error_code, 0);
    EXPECT_EQ(txn.node_id, 3);
    EXPECT_EQ(txn.port, port_);
    request.key_type = 2;
    auto unknown = call<protocol::FindCoordinatorResponse>(client, request, 3);
    EXPECT_EQ(unknown.error_code, code(ErrorCode::invalid_request));
    EXPECT_TRUE(unknown.error_message);
    EXPECT_EQ(unknown.node_id, -1);

    protocol::FindCoordinatorRequest batch;
    batch.coordinator_keys = {"a", "b"};
    auto v4 = call<protocol::FindCoordinatorResponse>(client, batch, 4);
    ASSERT_EQ(v4.coordinators.size(), 2u);
    for (size_t i = 0; i < 2; ++i) {
        EXPECT_EQ(v4.coordinators[i].key, batch.coordinator_keys[i]);
        EXPECT_EQ(v4.coordinators[i].error_code, 0);
        EXPECT_EQ(v4.coordinators[i].node_id, 3);
        EXPECT_EQ(v4.coordinators[i].host, "127.0.0.1");
        EXPECT_EQ(v4.coordinators[i].port, port_);
    }
    batch.key_type = 1;
    auto v4txn = call<protocol::FindCoordinatorResponse>(client, batch, 4);
    ASSERT_EQ(v4txn.coordinators.size(), 2u);
    EXPECT_EQ(v4txn.coordinators[1].error_code, 0);
    EXPECT_EQ(v4txn.coordinators[1].node_id, 3);
}

TEST_F(GroupHandlersTest, TwoMembersJoinSyncAndHeartbeatAtV0) { two_member_round(0, 0, 0); }

TEST_F(GroupHandlersTest, TwoMembersJoinSyncAndHeartbeatAtV9WithMemberIdRequired) {
    two_member_round(9, 5, 4);
}

TEST_F(GroupHandlersTest, LeaveGroupAnswersOneMemberOrEachOfABatch) {
    KafkaTestClient client(port_);
    auto a = first_join(client, "leave-g", 9);
    ASSERT_EQ(a.error_code, 0);

    protocol::LeaveGroupRequest old;
    old.group_id = "leave-g";
    old.member_id = "stranger";
    EXPECT_EQ(call<protocol::LeaveGroupResponse>(client, old, 1).error_code,
              code(ErrorCode::unknown_member_id));

    protocol::LeaveGroupRequest batch;
    batch.group_id = "leave-g";
    batch.members.push_back({a.member_id, std::nullopt, std::nullopt, {}});
    batch.members.push_back({"stranger", std::nullopt, std::nullopt, {}});
    auto response = call<protocol::LeaveGroupResponse>(client, batch, 5);
    EXPECT_EQ(response.error_code, 0);
    ASSERT_EQ(response.members.size(), 2u);
    EXPECT_EQ(response.members[0].member_id, a.member_id);
    EXPECT_EQ(response.members[0].error_code, 0);
    EXPECT_EQ(response.members[1].error_code, code(ErrorCode::unknown_member_id));
}

TEST_F(GroupHandlersTest, CommittedOffsetsComeBackFromOffsetFetchAtV2AndV8) {
    create_topic("t", 3);
    KafkaTestClient client(port_);
    commit(client, "offsets-g", "t", {{0, 5}, {1, 7}}, 2);

    protocol::OffsetFetchRequest fetch;
    fetch.group_id = "offsets-g";
    fetch.topics.emplace();
    fetch.topics->push_back({"t", {0, 1, 2}, {}});
    auto v2 = call<protocol::OffsetFetchResponse>(client, fetch, 2);
    EXPECT_EQ(v2.error_code, 0);
    ASSERT_EQ(v2.topics.size(), 1u);
    ASSERT_EQ(v2.topics[0].partitions.size(), 3u);
    EXPECT_EQ(v2.topics[0].partitions[0].committed_offset, 5);
    EXPECT_EQ(v2.topics[0].partitions[0].metadata, "m5");
    EXPECT_EQ(v2.topics[0].partitions[1].committed_offset, 7);
    EXPECT_EQ(v2.topics[0].partitions[2].committed_offset, -1);
    EXPECT_EQ(v2.topics[0].partitions[2].metadata, "");

    fetch.topics.reset();  // every committed partition (v2+)
    auto all = call<protocol::OffsetFetchResponse>(client, fetch, 2);
    ASSERT_EQ(all.topics.size(), 1u);
    EXPECT_EQ(all.topics[0].partitions.size(), 2u);

    commit(client, "offsets-g", "t", {{2, 9}}, 8);
    protocol::OffsetFetchRequest batch;
    batch.groups.push_back({"offsets-g", std::nullopt, {}});
    auto& other = batch.groups.emplace_back();
    other.group_id = "nobody";
    other.topics.emplace();
    other.topics->push_back({"t", {0}, {}});
    auto v8 = call<protocol::OffsetFetchResponse>(client, batch, 8);
    ASSERT_EQ(v8.groups.size(), 2u);
    EXPECT_EQ(v8.groups[0].group_id, "offsets-g");
    EXPECT_EQ(v8.groups[0].error_code, 0);
    ASSERT_EQ(v8.groups[0].topics.size(), 1u);
    ASSERT_EQ(v8.groups[0].topics[0].partitions.size(), 3u);
    EXPECT_EQ(v8.groups[0].topics[0].partitions[2].committed_offset, 9);
    ASSERT_EQ(v8.groups[1].topics.size(), 1u);
    ASSERT_EQ(v8.groups[1].topics[0].partitions.size(), 1u);
    EXPECT_EQ(v8.groups[1].topics[0].partitions[0].committed_offset, -1);

    // A member's commit to a group it is not in: the group's error on every partition.
    protocol::OffsetCommitRequest stranger;
    stranger.group_id = "offsets-g";
    stranger.generation_id = 4;
    stranger.member_id = "stranger";
    stranger.topics.push_back(
        {"t", {{0, 1, -1, -1, std::nullopt, {}}, {1, 1, -1, -1, "", {}}}, {}});
    auto refused = call<protocol::OffsetCommitResponse>(client, stranger, 8);
    ASSERT_EQ(refused.topics.size(), 1u);
    ASSERT_EQ(refused.topics[0].partitions.size(), 2u);
    EXPECT_NE(refused.topics[0].partitions[0].error_code, 0);
    EXPECT_EQ(refused.topics[0].partitions[0].error_code,
              refused.topics[0].partitions[1].error_code);
}

TEST_F(GroupHandlersTest, AdminToolsListDescribeAndDeleteGroupsAndOffsets) {
    create_topic("t", 1);
    KafkaTestClient client(port_);
    auto member = first_join(client, "live-g", 9);
    ASSERT_EQ(member.error_code, 0);
    protocol::SyncGroupRequest sync;
    sync.group_id = "live-g";
    sync.generation_id = member.generation_id;
    sync.member_id = member.member_id;
    sync.assignments.push_back({member.member_id, bytes("assigned"), {}});
    ASSERT_EQ(call<protocol::SyncGroupResponse>(client, sync, 5).error_code, 0);
    commit(client, "idle-g", "t", {{0, 3}}, 8);

    auto listed = call<protocol::ListGroupsResponse>(client, protocol::ListGroupsRequest{}, 0);
    EXPECT_EQ(listed.error_code, 0);
    EXPECT_EQ(listed.groups.size(), 2u);
    protocol::ListGroupsRequest stable;
    stable.states_filter = {"Stable"};
    auto filtered = call<protocol::ListGroupsResponse>(client, stable, 4);
    ASSERT_EQ(filtered.groups.size(), 1u);
    EXPECT_EQ(filtered.groups[0].group_id, "live-g");
    EXPECT_EQ(filtered.groups[0].group_state, "Stable");
    EXPECT_EQ(filtered.groups[0].protocol_type, "consumer");

    protocol::DescribeGroupsRequest describe;
    describe.groups = {"live-g", "nobody"};
    auto described = call<protocol::DescribeGroupsResponse>(client, describe, 5);
    ASSERT_EQ(described.groups.size(), 2u);
    const auto& live = described.groups[0];
    EXPECT_EQ(live.error_code, 0);
    EXPECT_EQ(live.group_state, "Stable");
    EXPECT_EQ(live.protocol_type, "consumer");
    EXPECT_EQ(live.protocol_data, "range");
    EXPECT_EQ(live.authorized_operations, INT32_MIN);
    ASSERT_EQ(live.members.size(), 1u);
    EXPECT_EQ(live.members[0].member_id, member.member_id);
    EXPECT_EQ(live.members[0].client_id, "server-test");
    EXPECT_EQ(live.members[0].member_assignment, bytes("assigned"));
    EXPECT_EQ(described.groups[1].group_state, "Dead");
    describe.include_authorized_operations = true;
    EXPECT_NE(call<protocol::DescribeGroupsResponse>(client, describe, 3)
                  .groups.at(0)
                  .authorized_operations,
              INT32_MIN);

    protocol::OffsetDeleteRequest offsets;
    offsets.group_id = "idle-g";
    offsets.topics.push_back({"t", {{0, {}}}, {}});
    auto deleted = call<protocol::OffsetDeleteResponse>(client, offsets, 0);
    EXPECT_EQ(deleted.error_code, 0);
    ASSERT_EQ(deleted.topics.size(), 1u);
    EXPECT_EQ(deleted.topics[0].partitions.at(0).error_code, 0);
    offsets.group_id = "live-g";
    auto subscribed = call<protocol::OffsetDeleteResponse>(client, offsets, 0);
    EXPECT_EQ(subscribed.topics.at(0).partitions.at(0).error_code,
              code(ErrorCode::group_subscribed_to_topic));
    offsets.group_id = "nobody";
    EXPECT_EQ(call<protocol::OffsetDeleteResponse>(client, offsets, 0).error_code,
              code(ErrorCode::group_id_not_found));

    protocol::DeleteGroupsRequest drop;
    drop.groups_names = {"live-g", "idle-g", "nobody"};
    auto dropped = call<protocol::DeleteGroupsResponse>(client, drop, 2);
    ASSERT_EQ(dropped.results.size(), 3u);
    EXPECT_EQ(dropped.results[0].error_code, code(ErrorCode::non_empty_group));
    EXPECT_EQ(dropped.results[1].group_id, "idle-g");
    EXPECT_EQ(dropped.results[1].error_code, 0);
    EXPECT_EQ(dropped.results[2].error_code, code(ErrorCode::group_id_not_found));
}

TEST_F(GroupHandlersTest, GroupRequestsWaitForTheCoordinatorToLoad) {
    stop();
    start(false);
    KafkaTestClient client(port_);
    EXPECT_EQ(call<protocol::FindCoordinatorResponse>(client, protocol::FindCoordinatorRequest{}, 1)
                  .error_code,
              0);
    EXPECT_EQ(call<protocol::JoinGroupResponse>(client, join_request("g", ""), 9).error_code,
              code(ErrorCode::coordinator_load_in_progress));
    EXPECT_EQ(
        call<protocol::HeartbeatResponse>(client, heartbeat_request("g", 1, "m"), 4).error_code,
        code(ErrorCode::coordinator_load_in_progress));
    protocol::OffsetFetchRequest fetch;
    fetch.group_id = "g";
    EXPECT_EQ(call<protocol::OffsetFetchResponse>(client, fetch, 7).error_code,
              code(ErrorCode::coordinator_load_in_progress));
    EXPECT_EQ(
        call<protocol::ListGroupsResponse>(client, protocol::ListGroupsRequest{}, 4).error_code,
        code(ErrorCode::coordinator_load_in_progress));

    server_->attach_groups(*groups_);
    EXPECT_EQ(
        call<protocol::HeartbeatResponse>(client, heartbeat_request("g", 1, "m"), 4).error_code,
        code(ErrorCode::unknown_member_id));
}

TEST_F(GroupHandlersTest, ATruncatedBodyClosesTheConnection) {
    KafkaTestClient client(port_);
    Bytes frame = KafkaTestClient::frame(join_request("g", ""), 9, 1);
    frame.resize(frame.size() - 3);
    store_be32(frame.data(), static_cast<uint32_t>(frame.size() - 4));
    ASSERT_TRUE(client.send_raw(frame));
    EXPECT_TRUE(client.closed_by_server());
}

}  // namespace
}  // namespace es::kafka::server
