// The classic group protocol, driven directly (no sockets): joins, syncs, heartbeats, leaves,
// session expiry, static membership, offsets and their persistence through a store.

#include "broker/group_coordinator.h"

#include "base/clock.h"
#include "broker/errc.h"
#include "broker/tests/thread_executor.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <mutex>
#include <thread>

namespace es::broker {
namespace {

using model::PartitionId;
using model::TopicPartition;
using namespace std::chrono_literals;

/// Records kept in memory; can be told to fail the next writes.
class MemoryStore final : public GroupStore {
  public:
    void write(std::vector<GroupRecord> records, std::function<void(Status)> done) override {
        std::lock_guard lock(mu_);
        if (fail_) {
            done(Error(Errc::kafka_storage_error, "injected"));
            return;
        }
        for (auto& r : records) records_.push_back(std::move(r));
        done(Status{});
    }
    std::vector<GroupRecord> records() {
        std::lock_guard lock(mu_);
        return records_;
    }
    void set_failing(bool fail) {
        std::lock_guard lock(mu_);
        fail_ = fail;
    }

  private:
    std::mutex mu_;
    std::vector<GroupRecord> records_;
    bool fail_ = false;
};

Bytes bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

class GroupTest : public ::testing::Test {
  protected:
    GroupTest() { make(); }
    ~GroupTest() override { destroy(); }

    /// On home, as the class requires: its work and timers may still be running otherwise.
    void destroy() {
        std::promise<void> done;
        home_.post([&] {
            coordinator_.reset();
            done.set_value();
        });
        done.get_future().wait();
    }

    void make() {
        destroy();
        GroupConfig config;
        config.min_session_timeout_ms = 10;
        config.initial_rebalance_delay_ms = 50;
        coordinator_ = std::make_unique<GroupCoordinator>(config, home_, store_);
    }

    JoinGroupInput join_input(const std::string& member_id, int32_t session_ms = 10000,
                              std::optional<std::string> instance = std::nullopt,
                              const std::string& protocol = "range") {
        JoinGroupInput in;
        in.group_id = "g";
        in.member_id = member_id;
        in.group_instance_id = instance;
        in.client_id = "client";
        in.client_host = "/127.0.0.1";
        in.session_timeout_ms = session_ms;
        in.rebalance_timeout_ms = 2000;
        in.protocol_type = "consumer";
        in.protocols = {{protocol, bytes("meta-" + member_id)}};
        return in;
    }

    std::future<JoinGroupOutput> join(JoinGroupInput in) {
        auto p = std::make_shared<std::promise<JoinGroupOutput>>();
        coordinator_->join(origin_, std::move(in), [p](JoinGroupOutput o) { p->set_value(o); });
        return p->get_future();
    }

    /// A first join the KIP-394 way: MEMBER_ID_REQUIRED, then the join with that id.
    std::future<JoinGroupOutput> join_new(int32_t session_ms = 10000) {
        auto in = join_input("", session_ms);
        in.require_known_member_id = true;
        auto first = join(in).get();
        EXPECT_TRUE(first.error && first.error->is(GroupErrc::member_id_required));
        in.member_id = first.member_id;
        return join(in);
    }

    std::future<SyncGroupOutput> sync(const std::string& member, int32_t generation,
                                      std::vector<std::pair<std::string, Bytes>> assignments = {}) {
        SyncGroupInput in;
        in.group_id = "g";
        in.member_id = member;
        in.generation_id = generation;
        in.assignments = std::move(assignments);
        auto p = std::make_shared<std::promise<SyncGroupOutput>>();
        coordinator_->sync(origin_, std::move(in), [p](SyncGroupOutput o) { p->set_value(o); });
        return p->get_future();
    }

    Status heartbeat(const std::string& member, int32_t generation) {
        std::promise<Status> p;
        coordinator_->heartbeat(origin_, "g", generation, {member, std::nullopt},
                                [&p](Status s) { p.set_value(s); });
        return p.get_future().get();
    }

    Status leave(const std::string& member) {
        std::promise<std::vector<Status>> p;
        coordinator_->leave(origin_, "g", {{member, std::nullopt}},
                            [&p](Status, std::vector<Status> each) { p.set_value(each); });
        return p.get_future().get().at(0);
    }

    Status commit(int32_t generation, const std::string& member, int64_t offset) {
        std::promise<Status> p;
        coordinator_->commit_offsets(origin_, "g", generation, {member, std::nullopt},
                                     {{TopicPartition{"t", PartitionId(0)}, offset, 3, "meta"}},
                                     [&p](Status s) { p.set_value(s); });
        return p.get_future().get();
    }

    int64_t fetched(const std::string& group = "g") {
        std::promise<Result<std::vector<CommittedOffset>>> p;
        coordinator_->fetch_offsets(origin_, group,
                                    std::vector<TopicPartition>{{"t", PartitionId(0)}},
                                    [&p](auto r) { p.set_value(std::move(r)); });
        auto r = p.get_future().get();
        return r.ok() ? r->at(0).offset : -2;
    }

    GroupDescription describe() {
        std::promise<std::vector<GroupDescription>> p;
        coordinator_->describe_groups(origin_, {"g"}, [&p](auto d) { p.set_value(std::move(d)); });
        return p.get_future().get().at(0);
    }

    /// Three members through one rebalance; returns their join answers.
    std::vector<JoinGroupOutput> three_members() {
        std::vector<std::future<JoinGroupOutput>> futures;
        for (int i = 0; i < 3; ++i) futures.push_back(join_new());
        std::vector<JoinGroupOutput> out;
        for (auto& f : futures) out.push_back(f.get());
        return out;
    }

    testing::ThreadExecutor home_;
    testing::ThreadExecutor origin_;
    MemoryStore store_;
    std::unique_ptr<GroupCoordinator> coordinator_;
};

TEST_F(GroupTest, ThreeMembersShareOneGenerationAndTheLeaderSeesEveryone) {
    auto joined = three_members();
    int leaders = 0;
    for (const auto& j : joined) {
        ASSERT_FALSE(j.error) << j.error->to_string();
        EXPECT_EQ(j.generation_id, joined[0].generation_id);
        EXPECT_EQ(j.protocol_name, "range");
        EXPECT_EQ(j.leader, joined[0].leader);
        if (j.member_id == j.leader) {
            ++leaders;
            EXPECT_EQ(j.members.size(), 3u);
        } else {
            EXPECT_TRUE(j.members.empty());
        }
    }
    EXPECT_EQ(leaders, 1);

    // Followers wait in SyncGroup until the leader hands out the assignment.
    std::vector<std::future<SyncGroupOutput>> followers;
    std::vector<std::pair<std::string, Bytes>> assignments;
    for (const auto& j : joined) {
        assignments.push_back({j.member_id, bytes("parts-of-" + j.member_id)});
        if (j.member_id != j.leader) followers.push_back(sync(j.member_id, j.generation_id));
    }
    EXPECT_EQ(followers[0].wait_for(100ms), std::future_status::timeout);
    auto leader = sync(joined[0].leader, joined[0].generation_id, assignments).get();
    ASSERT_FALSE(leader.error);
    EXPECT_EQ(leader.assignment, bytes("parts-of-" + joined[0].leader));
    for (auto& f : followers) {
        auto s = f.get();
        ASSERT_FALSE(s.error);
        EXPECT_EQ(std::string(s.assignment.begin(), s.assignment.end()).rfind("parts-of-", 0), 0u);
    }
    EXPECT_EQ(describe().state, GroupState::stable);
    EXPECT_EQ(describe().members.size(), 3u);
}

TEST_F(GroupTest, HeartbeatsReportRebalancesAndStaleOrUnknownMembers) {
    auto joined = three_members();
    const auto& a = joined[0];
    sync(a.leader, a.generation_id, {}).get();
    EXPECT_TRUE(heartbeat(a.member_id, a.generation_id).ok());
    EXPECT_TRUE(
        heartbeat(a.member_id, a.generation_id - 1).error().is(GroupErrc::illegal_generation));
    EXPECT_TRUE(heartbeat("nobody", a.generation_id).error().is(GroupErrc::unknown_member_id));
    // A fourth member starts a rebalance: the others learn it from their heartbeats.
    auto fourth = join_new();
    EXPECT_TRUE(
        heartbeat(a.member_id, a.generation_id).error().is(GroupErrc::rebalance_in_progress));
    std::vector<std::future<JoinGroupOutput>> rejoins;
    for (const auto& j : joined) rejoins.push_back(join(join_input(j.member_id)));
    auto next = fourth.get();
    ASSERT_FALSE(next.error);
    EXPECT_EQ(next.generation_id, a.generation_id + 1);
    for (auto& r : rejoins) EXPECT_EQ(r.get().generation_id, next.generation_id);
}

TEST_F(GroupTest, AMemberThatStopsHeartbeatingIsExpiredAndTheRestRebalance) {
    auto quiet = join_new(/*session_ms=*/200).get();
    ASSERT_FALSE(quiet.error);
    sync(quiet.member_id, quiet.generation_id, {{quiet.member_id, bytes("all")}}).get();
    auto alive_first = join_new(/*session_ms=*/5000);
    // The quiet member must rejoin within the rebalance; it does not, and its session ends.
    auto alive = alive_first.get();
    ASSERT_FALSE(alive.error) << alive.error->to_string();
    EXPECT_EQ(alive.leader, alive.member_id);
    auto d = describe();
    ASSERT_EQ(d.members.size(), 1u);
    EXPECT_EQ(d.members[0].member_id, alive.member_id);
}

TEST_F(GroupTest, LeavingRebalancesTheRestAndTheLastLeaveEmptiesTheGroup) {
    auto joined = three_members();
    sync(joined[0].leader, joined[0].generation_id, {}).get();
    ASSERT_TRUE(leave(joined[1].member_id).ok());
    EXPECT_TRUE(leave(joined[1].member_id).error().is(GroupErrc::unknown_member_id));
    EXPECT_EQ(describe().state, GroupState::preparing_rebalance);
    auto r0 = join(join_input(joined[0].member_id));
    auto r2 = join(join_input(joined[2].member_id));
    EXPECT_EQ(r0.get().generation_id, joined[0].generation_id + 1);
    EXPECT_FALSE(r2.get().error);
    ASSERT_TRUE(leave(joined[0].member_id).ok());
    ASSERT_TRUE(leave(joined[2].member_id).ok());
    EXPECT_EQ(describe().state, GroupState::empty);
}

TEST_F(GroupTest, AStaticMemberRestartsWithoutARebalanceAndFencesItsOldSelf) {
    auto a_in = join_input("", 10000, "instance-a");
    auto b_in = join_input("", 10000, "instance-b");
    auto fa = join(a_in);
    auto fb = join(b_in);
    auto a = fa.get();
    auto b = fb.get();
    ASSERT_FALSE(a.error);
    ASSERT_FALSE(b.error);
    std::string follower = a.member_id == a.leader ? b.member_id : a.member_id;
    std::string follower_instance = follower == a.member_id ? "instance-a" : "instance-b";
    sync(a.leader, a.generation_id, {{a.member_id, bytes("A")}, {b.member_id, bytes("B")}}).get();
    Bytes before = sync(follower, a.generation_id).get().assignment;

    // The follower restarts: same instance id, no member id.
    auto again = join(join_input("", 10000, follower_instance)).get();
    ASSERT_FALSE(again.error);
    EXPECT_NE(again.member_id, follower);
    EXPECT_EQ(again.generation_id, a.generation_id) << "no rebalance for a static rejoin";
    EXPECT_EQ(describe().state, GroupState::stable);
    EXPECT_EQ(sync(again.member_id, again.generation_id).get().assignment, before);
    Status old = Status{};
    {
        std::promise<Status> p;
        coordinator_->heartbeat(origin_, "g", a.generation_id, {follower, follower_instance},
                                [&p](Status s) { p.set_value(s); });
        old = p.get_future().get();
    }
    EXPECT_TRUE(old.error().is(GroupErrc::fenced_instance_id));
}

TEST_F(GroupTest, JoinsThatCannotBeServedGetKafkasErrors) {
    auto bad = join_input("");
    bad.group_id = "";
    EXPECT_TRUE(join(bad).get().error->is(GroupErrc::invalid_group_id));
    EXPECT_TRUE(join(join_input("", 1))  // below the minimum session timeout
                    .get()
                    .error->is(GroupErrc::invalid_session_timeout));
    EXPECT_TRUE(join(join_input("ghost")).get().error->is(GroupErrc::unknown_member_id));
    auto first = join_new().get();
    ASSERT_FALSE(first.error);
    auto other_type = join_input("");
    other_type.protocol_type = "connect";
    EXPECT_TRUE(join(other_type).get().error->is(GroupErrc::inconsistent_group_protocol));
    EXPECT_TRUE(join(join_input("", 10000, std::nullopt, "roundrobin"))
                    .get()
                    .error->is(GroupErrc::inconsistent_group_protocol));
}

TEST_F(GroupTest, OffsetsFollowTheGroupRulesAndAreVisibleOnlyOnceStored) {
    // A group with no members takes commits from outside the protocol (assign() users).
    ASSERT_TRUE(commit(-1, "", 42).ok());
    EXPECT_EQ(fetched(), 42);
    EXPECT_EQ(fetched("other-group"), -1);

    auto j = join_new().get();
    sync(j.member_id, j.generation_id, {}).get();
    EXPECT_TRUE(commit(-1, "", 43).error().is(GroupErrc::illegal_generation));
    EXPECT_TRUE(
        commit(j.generation_id + 5, j.member_id, 43).error().is(GroupErrc::illegal_generation));
    EXPECT_TRUE(commit(j.generation_id, "nobody", 43).error().is(GroupErrc::unknown_member_id));
    ASSERT_TRUE(commit(j.generation_id, j.member_id, 44).ok());
    EXPECT_EQ(fetched(), 44);

    // A rebalance starting does not stop the current generation from committing (consumers
    // commit before giving their partitions up).
    auto newcomer = join_new();
    EXPECT_EQ(describe().state, GroupState::preparing_rebalance);
    ASSERT_TRUE(commit(j.generation_id, j.member_id, 46).ok());
    EXPECT_EQ(fetched(), 46);
    auto rejoined = join(join_input(j.member_id)).get();
    ASSERT_FALSE(rejoined.error);
    newcomer.get();
    EXPECT_TRUE(commit(rejoined.generation_id, j.member_id, 47)
                    .error()
                    .is(GroupErrc::rebalance_in_progress))
        << "between the joins and the new assignment commits are refused";
    sync(rejoined.leader, rejoined.generation_id, {}).get();
    ASSERT_TRUE(commit(rejoined.generation_id, j.member_id, 44).ok());

    store_.set_failing(true);
    EXPECT_FALSE(commit(rejoined.generation_id, j.member_id, 45).ok());
    EXPECT_EQ(fetched(), 44) << "a commit that was not stored is not visible";
    store_.set_failing(false);
}

TEST_F(GroupTest, OnlyEmptyGroupsCanBeDeleted) {
    auto j = join_new().get();
    sync(j.member_id, j.generation_id, {}).get();
    ASSERT_TRUE(commit(j.generation_id, j.member_id, 7).ok());
    std::promise<std::vector<Status>> p1;
    coordinator_->delete_groups(origin_, {"g", "missing"},
                                [&p1](auto r) { p1.set_value(std::move(r)); });
    auto r1 = p1.get_future().get();
    EXPECT_TRUE(r1[0].error().is(GroupErrc::non_empty_group));
    EXPECT_TRUE(r1[1].error().is(GroupErrc::group_id_not_found));
    ASSERT_TRUE(leave(j.member_id).ok());
    std::promise<std::vector<Status>> p2;
    coordinator_->delete_groups(origin_, {"g"}, [&p2](auto r) { p2.set_value(std::move(r)); });
    EXPECT_TRUE(p2.get_future().get()[0].ok());
    EXPECT_EQ(fetched(), -1);
}

TEST_F(GroupTest, ARestartedCoordinatorResumesGroupsAndOffsetsFromTheStore) {
    auto joined = three_members();
    sync(joined[0].leader, joined[0].generation_id,
         {{joined[0].member_id, bytes("x")},
          {joined[1].member_id, bytes("y")},
          {joined[2].member_id, bytes("z")}})
        .get();
    ASSERT_TRUE(commit(joined[0].generation_id, joined[0].member_id, 99).ok());

    make();  // a new coordinator over the same store
    coordinator_->load(store_.records());
    EXPECT_EQ(fetched(), 99);
    auto d = describe();
    EXPECT_EQ(d.state, GroupState::stable);
    EXPECT_EQ(d.generation_id, joined[0].generation_id);
    ASSERT_EQ(d.members.size(), 3u);
    EXPECT_TRUE(heartbeat(joined[1].member_id, joined[1].generation_id).ok())
        << "members keep their generation across a coordinator restart";
    EXPECT_EQ(sync(joined[2].member_id, joined[2].generation_id).get().assignment, bytes("z"));
}

TEST_F(GroupTest, OffsetsOfEmptyGroupsExpireAfterTheRetention) {
    ASSERT_TRUE(commit(-1, "", 5).ok());
    coordinator_->expire_offsets(wall_clock_ms() + 8LL * 24 * 3600 * 1000);
    auto deadline = std::chrono::steady_clock::now() + 2s;
    while (fetched() != -1 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(10ms);
    }
    EXPECT_EQ(fetched(), -1);
}

}  // namespace
}  // namespace es::broker
