#include "broker/group_coordinator.h"

#include "broker/group_state.h"

namespace es::broker {

const char* to_string(GroupState s) {
    switch (s) {
        case GroupState::empty:
            return "Empty";
        case GroupState::preparing_rebalance:
            return "PreparingRebalance";
        case GroupState::completing_rebalance:
            return "CompletingRebalance";
        case GroupState::stable:
            return "Stable";
        case GroupState::dead:
            return "Dead";
    }
    return "Unknown";
}

// -------------------------------------------------------------------------------------------
// Entry points of the group protocol: hop to home, answer on origin.

GroupCoordinator::GroupCoordinator(GroupConfig config, Executor& home, GroupStore& store)
    : state_(std::make_unique<State>(config, home, store)) {}

GroupCoordinator::~GroupCoordinator() { *state_->alive = false; }

void GroupCoordinator::load(const std::vector<GroupRecord>& records) {
    for (const auto& r : records) state_->apply(r);
    // Restored members get a normal session from now on, armed on home.
    State* s = state_.get();
    s->home.post([s] {
        for (auto& [id, g] : s->groups) {
            for (auto& [mid, m] : g.members) {
                m.session_timeout_ms =
                    std::max(m.session_timeout_ms, s->config.min_session_timeout_ms);
                s->arm_session(g, m);
            }
        }
    });
}

void GroupCoordinator::join(Executor& origin, JoinGroupInput in,
                            std::function<void(JoinGroupOutput)> done) {
    auto reply = answer_on(origin, std::move(done));
    State* s = state_.get();
    s->home.post([s, in = std::move(in), reply]() mutable { s->join(std::move(in), reply); });
}

void GroupCoordinator::sync(Executor& origin, SyncGroupInput in,
                            std::function<void(SyncGroupOutput)> done) {
    auto reply = answer_on(origin, std::move(done));
    State* s = state_.get();
    s->home.post([s, in = std::move(in), reply]() mutable { s->sync(std::move(in), reply); });
}

void GroupCoordinator::heartbeat(Executor& origin, std::string group_id, int32_t generation_id,
                                 MemberIdentity member, std::function<void(Status)> done) {
    auto reply = answer_on(origin, std::move(done));
    State* s = state_.get();
    s->home.post([s, group_id = std::move(group_id), generation_id, member, reply] {
        reply(s->heartbeat(group_id, generation_id, member));
    });
}

void GroupCoordinator::leave(Executor& origin, std::string group_id,
                             std::vector<MemberIdentity> members,
                             std::function<void(Status, std::vector<Status>)> done) {
    State* s = state_.get();
    s->home.post([s, &origin, group_id = std::move(group_id), members = std::move(members),
                  done = std::move(done)] {
        auto results = s->leave(group_id, members);
        origin.post([done, results = std::move(results)] { done(Status{}, results); });
    });
}

}  // namespace es::broker
