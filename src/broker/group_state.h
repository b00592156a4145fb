#pragma once

// The group coordinator's state and protocol logic, shared by group_coordinator.cc (the group
// protocol's entry points) and group_offsets.cc (offsets and group administration). Internal
// to broker/: include only from those two files.

#include "base/clock.h"
#include "broker/group_coordinator.h"
#include "broker/logger.h"

#include <algorithm>
#include <random>
#include <set>

namespace es::broker {

struct GroupCoordinator::Member {
    std::string id;
    std::optional<std::string> instance_id;
    std::string client_id;
    std::string client_host;
    int32_t session_timeout_ms = 0;
    int32_t rebalance_timeout_ms = 0;
    std::vector<std::pair<std::string, Bytes>> protocols;
    Bytes assignment;
    std::function<void(JoinGroupOutput)> awaiting_join;
    std::function<void(SyncGroupOutput)> awaiting_sync;
    std::shared_ptr<Executor::Timer> session_timer;

    const Bytes* metadata_for(const std::string& protocol) const {
        for (const auto& [name, metadata] : protocols) {
            if (name == protocol) return &metadata;
        }
        return nullptr;
    }
};

struct GroupCoordinator::Group {
    std::string id;
    GroupState state = GroupState::empty;
    int32_t generation = 0;
    std::string protocol_type;
    std::string protocol_name;
    std::string leader;
    std::map<std::string, Member> members;              // by member id
    std::map<std::string, std::string> static_members;  // instance id -> member id
    std::set<std::string> pending_members;              // KIP-394: id given, not joined yet
    std::map<model::TopicPartition, CommittedOffset> offsets;
    /// Commits of open transactions, by producer: not visible until their transaction commits.
    std::map<model::ProducerId, std::map<model::TopicPartition, CommittedOffset>> txn_offsets;
    std::shared_ptr<Executor::Timer> rebalance_timer;
    int64_t emptied_at_ms = 0;  // for offset retention
};

struct GroupCoordinator::State {
    GroupConfig config;
    Executor& home;
    GroupStore& store;
    std::map<std::string, Group> groups;
    std::mt19937_64 rng{std::random_device{}()};
    std::shared_ptr<bool> alive = std::make_shared<bool>(true);

    State(GroupConfig c, Executor& h, GroupStore& s) : config(c), home(h), store(s) {}

    // ---------------------------------------------------------------------------------------
    // Helpers

    std::string new_member_id(const std::string& client_id) {
        static constexpr char kHex[] = "0123456789abcdef";
        std::string id = (client_id.empty() ? std::string("member") : client_id) + "-";
        uint64_t a = rng(), b = rng();
        for (int i = 0; i < 16; ++i) id += kHex[(a >> (i * 4)) & 15];
        id += '-';
        for (int i = 0; i < 16; ++i) id += kHex[(b >> (i * 4)) & 15];
        return id;
    }

    /// Runs `fn` on home after `delay_ms`, unless the coordinator is gone by then.
    std::shared_ptr<Executor::Timer> after(int64_t delay_ms, std::function<void()> fn) {
        std::weak_ptr<bool> weak = alive;
        return home.post_after(delay_ms, [weak, fn = std::move(fn)] {
            if (weak.lock()) fn();
        });
    }

    void arm_session(Group& g, Member& m) {
        if (m.session_timer) m.session_timer->cancel();
        std::string group_id = g.id, member_id = m.id;
        m.session_timer = after(m.session_timeout_ms, [this, group_id, member_id] {
            expire_member(group_id, member_id);
        });
    }

    void expire_member(const std::string& group_id, const std::string& member_id) {
        auto git = groups.find(group_id);
        if (git == groups.end()) return;
        Group& g = git->second;
        auto mit = g.members.find(member_id);
        if (mit == g.members.end()) return;
        // A member waiting in a join is kept until the rebalance completes or times out.
        if (mit->second.awaiting_join) return;
        broker_log.info("group {}: member {} expired after its session timeout", group_id,
                        member_id);
        remove_member(g, member_id);
        after_membership_change(g);
    }

    void remove_member(Group& g, const std::string& member_id) {
        auto it = g.members.find(member_id);
        if (it == g.members.end()) return;
        Member& m = it->second;
        if (m.session_timer) m.session_timer->cancel();
        if (m.awaiting_sync) {
            SyncGroupOutput out;
            out.error = Error(GroupErrc::rebalance_in_progress, "member left");
            m.awaiting_sync(std::move(out));
        }
        if (m.instance_id) {
            auto s = g.static_members.find(*m.instance_id);
            if (s != g.static_members.end() && s->second == member_id) g.static_members.erase(s);
        }
        g.members.erase(it);
        if (g.leader == member_id) g.leader.clear();
    }

    /// After members left or expired: rebalance the rest, or become empty.
    void after_membership_change(Group& g) {
        if (g.state == GroupState::preparing_rebalance) {
            maybe_complete_join(g);
            return;
        }
        if (g.members.empty()) {
            become_empty(g);
            persist_group(g, [](Status) {});
            return;
        }
        prepare_rebalance(g, "membership changed");
    }

    void become_empty(Group& g) {
        g.state = GroupState::empty;
        g.generation++;
        g.protocol_name.clear();
        g.leader.clear();
        g.emptied_at_ms = wall_clock_ms();
        if (g.rebalance_timer) g.rebalance_timer->cancel();
    }

    /// Answers every member waiting in a sync with REBALANCE_IN_PROGRESS and starts a round of
    /// joins: members have until the largest rebalance timeout to rejoin.
    void prepare_rebalance(Group& g, const std::string& why) {
        for (auto& [id, m] : g.members) {
            if (m.awaiting_sync) {
                SyncGroupOutput out;
                out.error = Error(GroupErrc::rebalance_in_progress, "rebalancing: " + why);
                auto cb = std::move(m.awaiting_sync);
                m.awaiting_sync = nullptr;
                cb(std::move(out));
            }
        }
        bool was_empty = g.state == GroupState::empty;
        g.state = GroupState::preparing_rebalance;
        broker_log.info("group {}: rebalance (generation {}): {}", g.id, g.generation, why);
        int64_t timeout = 0;
        for (const auto& [id, m] : g.members)
            timeout = std::max<int64_t>(timeout, m.rebalance_timeout_ms);
        // A new group waits a little for more members, so that a fleet starting together
        // gets one rebalance instead of one per member (group.initial.rebalance.delay.ms).
        int64_t delay =
            was_empty ? std::min<int64_t>(config.initial_rebalance_delay_ms, timeout) : timeout;
        if (g.rebalance_timer) g.rebalance_timer->cancel();
        std::string group_id = g.id;
        int32_t generation = g.generation;
        g.rebalance_timer = after(delay, [this, group_id, generation] {
            auto it = groups.find(group_id);
            if (it == groups.end()) return;
            Group& grp = it->second;
            if (grp.state != GroupState::preparing_rebalance || grp.generation != generation) {
                return;
            }
            complete_join(grp);
        });
        if (!was_empty) maybe_complete_join(g);
    }

    /// Completes the join phase early once every member is waiting in a join.
    void maybe_complete_join(Group& g) {
        if (g.state != GroupState::preparing_rebalance) return;
        if (g.members.empty()) {
            complete_join(g);
            return;
        }
        bool all = std::all_of(g.members.begin(), g.members.end(),
                               [](const auto& kv) { return bool(kv.second.awaiting_join); });
        if (all && g.pending_members.empty() && !initial_delay_running(g)) complete_join(g);
    }

    bool initial_delay_running(const Group& g) const {
        // Generation 0 is a group that never completed a rebalance: let the initial delay run.
        return g.generation == 0 && g.rebalance_timer != nullptr;
    }

    std::string choose_protocol(const Group& g) const {
        // Candidates every member supports; each member votes for its most preferred one.
        std::map<std::string, int> votes;
        std::vector<std::string> order;
        const Member& first = g.members.begin()->second;
        for (const auto& [name, _] : first.protocols) {
            bool everyone = std::all_of(g.members.begin(), g.members.end(), [&](const auto& kv) {
                return kv.second.metadata_for(name) != nullptr;
            });
            if (everyone) {
                votes[name] = 0;
                order.push_back(name);
            }
        }
        for (const auto& [id, m] : g.members) {
            for (const auto& [name, _] : m.protocols) {
                if (votes.count(name)) {
                    votes[name]++;
                    break;
                }
            }
        }
        std::string best;
        int most = -1;
        for (const auto& name : order) {
            if (votes[name] > most) {
                most = votes[name];
                best = name;
            }
        }
        return best;
    }

    void complete_join(Group& g) {
        if (g.rebalance_timer) {
            g.rebalance_timer->cancel();
            g.rebalance_timer = nullptr;
        }
        // Members that did not rejoin in time are out.
        std::vector<std::string> gone;
        for (const auto& [id, m] : g.members) {
            if (!m.awaiting_join) gone.push_back(id);
        }
        for (const auto& id : gone) remove_member(g, id);
        g.pending_members.clear();
        if (g.members.empty()) {
            become_empty(g);
            persist_group(g, [](Status) {});
            return;
        }
        g.generation++;
        g.protocol_name = choose_protocol(g);
        if (g.protocol_name.empty()) {
            // Cannot happen while every join checks for a shared protocol; refuse rather than
            // hand out metadata that does not exist.
            for (auto& [id, m] : g.members) {
                JoinGroupOutput out;
                out.error = Error(GroupErrc::inconsistent_group_protocol, "no common protocol");
                auto cb = std::move(m.awaiting_join);
                m.awaiting_join = nullptr;
                cb(std::move(out));
            }
            std::vector<std::string> all;
            for (const auto& [id, m] : g.members) all.push_back(id);
            for (const auto& id : all) remove_member(g, id);
            become_empty(g);
            return;
        }
        if (g.leader.empty() || !g.members.count(g.leader)) g.leader = g.members.begin()->first;
        g.state = GroupState::completing_rebalance;
        broker_log.info("group {}: generation {} with {} members, protocol {}, leader {}", g.id,
                        g.generation, g.members.size(), g.protocol_name, g.leader);
        for (auto& [id, m] : g.members) {
            JoinGroupOutput out = join_answer(g, m);
            if (id == g.leader) add_member_list(g, out);
            auto cb = std::move(m.awaiting_join);
            m.awaiting_join = nullptr;
            arm_session(g, m);
            cb(std::move(out));
        }
    }

    /// What only the leader gets: every member with its metadata for the chosen protocol.
    void add_member_list(const Group& g, JoinGroupOutput& out) const {
        for (const auto& [other_id, other] : g.members) {
            if (const Bytes* meta = other.metadata_for(g.protocol_name)) {
                out.members.push_back({other_id, other.instance_id, *meta});
            }
        }
    }

    JoinGroupOutput join_answer(const Group& g, const Member& m) const {
        JoinGroupOutput out;
        out.generation_id = g.generation;
        out.protocol_type = g.protocol_type;
        out.protocol_name = g.protocol_name;
        out.leader = g.leader;
        out.member_id = m.id;
        return out;
    }

    void persist_group(Group& g, std::function<void(Status)> done) {
        GroupRecord record;
        record.kind = GroupRecord::Kind::group;
        record.group_id = g.id;
        if (g.state != GroupState::dead) record.group = describe(g);
        store.write({std::move(record)}, std::move(done));
    }

    GroupDescription describe(const Group& g) const {
        GroupDescription d;
        d.group_id = g.id;
        d.state = g.state;
        d.protocol_type = g.protocol_type;
        d.protocol_name = g.protocol_name;
        d.generation_id = g.generation;
        for (const auto& [id, m] : g.members) {
            GroupMemberDescription md;
            md.member_id = id;
            md.group_instance_id = m.instance_id;
            md.client_id = m.client_id;
            md.client_host = m.client_host;
            if (const Bytes* meta = m.metadata_for(g.protocol_name)) md.metadata = *meta;
            md.assignment = m.assignment;
            md.session_timeout_ms = m.session_timeout_ms;
            md.rebalance_timeout_ms = m.rebalance_timeout_ms;
            d.members.push_back(std::move(md));
        }
        return d;
    }

    // ---------------------------------------------------------------------------------------
    // The protocol

    void join(JoinGroupInput in, std::function<void(JoinGroupOutput)> done) {
        auto fail = [&](GroupErrc code, const std::string& why) {
            JoinGroupOutput out;
            out.error = Error(code, why);
            out.member_id = in.member_id;
            done(std::move(out));
        };
        if (in.group_id.empty()) return fail(GroupErrc::invalid_group_id, "empty group id");
        if (in.session_timeout_ms < config.min_session_timeout_ms ||
            in.session_timeout_ms > config.max_session_timeout_ms) {
            return fail(GroupErrc::invalid_session_timeout,
                        "session.timeout.ms " + std::to_string(in.session_timeout_ms) +
                            " outside [" + std::to_string(config.min_session_timeout_ms) + ", " +
                            std::to_string(config.max_session_timeout_ms) + "]");
        }
        if (in.protocol_type.empty() || in.protocols.empty()) {
            return fail(GroupErrc::inconsistent_group_protocol, "no protocol type or protocols");
        }
        auto git = groups.find(in.group_id);
        if (git == groups.end()) {
            if (!in.member_id.empty()) {
                return fail(GroupErrc::unknown_member_id, "group " + in.group_id + " is new");
            }
            git = groups.emplace(in.group_id, Group{}).first;
            git->second.id = in.group_id;
        }
        Group& g = git->second;
        bool group_has_protocol = g.state != GroupState::empty || !g.members.empty();
        if (group_has_protocol && g.protocol_type != in.protocol_type) {
            return fail(
                GroupErrc::inconsistent_group_protocol,
                "protocol type " + in.protocol_type + ", the group uses " + g.protocol_type);
        }
        if (!g.members.empty() && !shares_a_protocol(g, in.protocols)) {
            return fail(GroupErrc::inconsistent_group_protocol,
                        "no protocol in common with the group's members");
        }

        if (in.member_id.empty()) {
            if (in.group_instance_id) {
                auto known = g.static_members.find(*in.group_instance_id);
                if (known != g.static_members.end()) {
                    return rejoin_static(g, known->second, std::move(in), std::move(done));
                }
            }
            if (g.members.size() >= static_cast<size_t>(config.max_size)) {
                return fail(GroupErrc::group_max_size_reached, "group.max.size reached");
            }
            std::string id = new_member_id(in.client_id);
            if (in.require_known_member_id && !in.group_instance_id) {
                // KIP-394: the member comes back with this id; only then does it count.
                g.pending_members.insert(id);
                JoinGroupOutput out;
                out.error = Error(GroupErrc::member_id_required, "rejoin with the member id");
                out.member_id = id;
                done(std::move(out));
                return;
            }
            add_member(g, id, std::move(in), std::move(done));
            return;
        }

        if (g.pending_members.erase(in.member_id)) {
            std::string id = in.member_id;
            add_member(g, id, std::move(in), std::move(done));
            return;
        }
        auto mit = g.members.find(in.member_id);
        if (mit == g.members.end()) {
            if (in.group_instance_id && g.static_members.count(*in.group_instance_id)) {
                return fail(GroupErrc::fenced_instance_id,
                            "group.instance.id " + *in.group_instance_id + " has a newer member");
            }
            return fail(GroupErrc::unknown_member_id, "member " + in.member_id + " is unknown");
        }
        Member& m = mit->second;
        if (in.group_instance_id && m.instance_id != in.group_instance_id) {
            return fail(GroupErrc::fenced_instance_id, "instance id does not match the member");
        }
        bool changed = m.protocols != in.protocols;
        update_member(m, in);
        arm_session(g, m);
        switch (g.state) {
            case GroupState::preparing_rebalance:
                await_join(g, m, std::move(done));
                maybe_complete_join(g);
                return;
            case GroupState::completing_rebalance:
            case GroupState::stable:
                if (!changed && in.member_id != g.leader) {
                    // Nothing changed: the member just did not see its join answer.
                    done(join_answer(g, m));
                    return;
                }
                await_join(g, m, std::move(done));
                prepare_rebalance(g, "member " + m.id + " rejoined with new metadata");
                return;
            case GroupState::empty:
            case GroupState::dead:
                await_join(g, m, std::move(done));
                prepare_rebalance(g, "member " + m.id + " joined");
                return;
        }
    }

    bool shares_a_protocol(const Group& g,
                           const std::vector<std::pair<std::string, Bytes>>& protocols) const {
        for (const auto& [name, _] : protocols) {
            bool everyone = std::all_of(g.members.begin(), g.members.end(), [&](const auto& kv) {
                return kv.second.metadata_for(name) != nullptr;
            });
            if (everyone) return true;
        }
        return false;
    }

    void update_member(Member& m, const JoinGroupInput& in) {
        m.client_id = in.client_id;
        m.client_host = in.client_host;
        m.session_timeout_ms = in.session_timeout_ms;
        m.rebalance_timeout_ms = in.rebalance_timeout_ms;
        m.protocols = in.protocols;
    }

    void await_join(Group&, Member& m, std::function<void(JoinGroupOutput)> done) {
        if (m.awaiting_join) {
            // A member that joins again while waiting replaces its earlier join.
            JoinGroupOutput out;
            out.error = Error(GroupErrc::rebalance_in_progress, "superseded by a newer join");
            m.awaiting_join(std::move(out));
        }
        m.awaiting_join = std::move(done);
    }

    void add_member(Group& g, const std::string& id, JoinGroupInput in,
                    std::function<void(JoinGroupOutput)> done) {
        if (g.members.empty()) g.protocol_type = in.protocol_type;
        Member& m = g.members[id];
        m.id = id;
        m.instance_id = in.group_instance_id;
        update_member(m, in);
        if (m.instance_id) g.static_members[*m.instance_id] = id;
        arm_session(g, m);
        await_join(g, m, std::move(done));
        if (g.state == GroupState::preparing_rebalance) {
            maybe_complete_join(g);
        } else {
            prepare_rebalance(g, "member " + id + " joined");
        }
    }

    /// KIP-345: a static member that restarted gets a new member id and, if nothing else
    /// changed, its old place in the group without a rebalance.
    void rejoin_static(Group& g, const std::string& old_id, JoinGroupInput in,
                       std::function<void(JoinGroupOutput)> done) {
        Member old = std::move(g.members.at(old_id));
        g.members.erase(old_id);
        if (old.session_timer) old.session_timer->cancel();
        if (old.awaiting_join) {
            JoinGroupOutput fenced;
            fenced.error = Error(GroupErrc::fenced_instance_id, "replaced by a restarted member");
            old.awaiting_join(std::move(fenced));
        }
        if (old.awaiting_sync) {
            SyncGroupOutput fenced;
            fenced.error = Error(GroupErrc::fenced_instance_id, "replaced by a restarted member");
            old.awaiting_sync(std::move(fenced));
        }
        std::string id = new_member_id(in.client_id);
        bool same_protocols = old.protocols == in.protocols;
        bool was_leader = g.leader == old_id;
        Member& m = g.members[id];
        m.id = id;
        m.instance_id = in.group_instance_id;
        m.assignment = std::move(old.assignment);
        update_member(m, in);
        g.static_members[*m.instance_id] = id;
        if (was_leader) g.leader = id;
        arm_session(g, m);
        if (g.state == GroupState::stable && same_protocols) {
            // As Kafka does, even for the leader: it gets the member list (it may compute an
            // assignment, but the group keeps the one it has, see sync()) and nobody else is
            // disturbed.
            persist_group(g, [](Status) {});
            JoinGroupOutput out = join_answer(g, m);
            if (was_leader) add_member_list(g, out);
            done(std::move(out));
            return;
        }
        await_join(g, m, std::move(done));
        if (g.state == GroupState::preparing_rebalance) {
            maybe_complete_join(g);
        } else {
            prepare_rebalance(g, "static member " + *m.instance_id + " rejoined");
        }
    }

    Status check_member(const Group& g, const std::string& member_id,
                        const std::optional<std::string>& instance_id) const {
        if (instance_id) {
            auto s = g.static_members.find(*instance_id);
            if (s != g.static_members.end() && s->second != member_id) {
                return Error(GroupErrc::fenced_instance_id,
                             "group.instance.id " + *instance_id + " has a newer member");
            }
        }
        if (!g.members.count(member_id)) {
            return Error(GroupErrc::unknown_member_id, "member " + member_id + " is unknown");
        }
        return {};
    }

    void sync(SyncGroupInput in, std::function<void(SyncGroupOutput)> done) {
        auto fail = [&](const Error& e) {
            SyncGroupOutput out;
            out.error = e;
            done(std::move(out));
        };
        auto git = groups.find(in.group_id);
        if (git == groups.end()) {
            return fail(Error(GroupErrc::unknown_member_id, "no group " + in.group_id));
        }
        Group& g = git->second;
        if (auto ok = check_member(g, in.member_id, in.group_instance_id); !ok.ok()) {
            return fail(ok.error());
        }
        if (in.generation_id != g.generation) {
            return fail(Error(GroupErrc::illegal_generation,
                              "generation " + std::to_string(in.generation_id) +
                                  ", the group is at " + std::to_string(g.generation)));
        }
        if ((in.protocol_type && *in.protocol_type != g.protocol_type) ||
            (in.protocol_name && *in.protocol_name != g.protocol_name)) {
            return fail(Error(GroupErrc::inconsistent_group_protocol,
                              "protocol does not match the group's"));
        }
        Member& m = g.members.at(in.member_id);
        arm_session(g, m);
        switch (g.state) {
            case GroupState::empty:
            case GroupState::dead:
                return fail(Error(GroupErrc::unknown_member_id, "the group is empty"));
            case GroupState::preparing_rebalance:
                return fail(Error(GroupErrc::rebalance_in_progress, "rebalancing"));
            case GroupState::stable:
                done(sync_answer(g, m));
                return;
            case GroupState::completing_rebalance:
                break;
        }
        m.awaiting_sync = std::move(done);
        if (in.member_id != g.leader) return;
        std::map<std::string, Bytes> given(in.assignments.begin(), in.assignments.end());
        for (auto& [id, member] : g.members) {
            auto it = given.find(id);
            member.assignment = it != given.end() ? it->second : Bytes();
        }
        // The assignment is durable before anyone is told: a restart resumes the generation.
        std::string group_id = g.id;
        int32_t generation = g.generation;
        persist_group(g, [this, group_id, generation](Status written) {
            home.post([this, group_id, generation, written] {
                auto it = groups.find(group_id);
                if (it == groups.end()) return;
                Group& grp = it->second;
                if (grp.generation != generation || grp.state != GroupState::completing_rebalance) {
                    return;  // a rebalance started meanwhile; its answers went out already
                }
                if (!written.ok()) {
                    for (auto& [id, member] : grp.members) member.assignment.clear();
                    prepare_rebalance(grp, "storing the assignment failed");
                    return;
                }
                grp.state = GroupState::stable;
                for (auto& [id, member] : grp.members) {
                    if (!member.awaiting_sync) continue;
                    auto cb = std::move(member.awaiting_sync);
                    member.awaiting_sync = nullptr;
                    cb(sync_answer(grp, member));
                }
            });
        });
    }

    SyncGroupOutput sync_answer(const Group& g, const Member& m) const {
        SyncGroupOutput out;
        out.protocol_type = g.protocol_type;
        out.protocol_name = g.protocol_name;
        out.assignment = m.assignment;
        return out;
    }

    Status heartbeat(const std::string& group_id, int32_t generation, const MemberIdentity& who) {
        auto git = groups.find(group_id);
        if (git == groups.end()) return Error(GroupErrc::unknown_member_id, "no group " + group_id);
        Group& g = git->second;
        ES_CHECK(check_member(g, who.member_id, who.group_instance_id));
        Member& m = g.members.at(who.member_id);
        if (generation != g.generation) {
            return Error(GroupErrc::illegal_generation, "generation " + std::to_string(generation) +
                                                            ", the group is at " +
                                                            std::to_string(g.generation));
        }
        arm_session(g, m);
        if (g.state == GroupState::preparing_rebalance) {
            return Error(GroupErrc::rebalance_in_progress, "rejoin the group");
        }
        return {};
    }

    std::vector<Status> leave(const std::string& group_id,
                              const std::vector<MemberIdentity>& members) {
        std::vector<Status> out;
        auto git = groups.find(group_id);
        if (git == groups.end()) {
            for (size_t i = 0; i < members.size(); ++i) {
                out.push_back(Error(GroupErrc::unknown_member_id, "no group " + group_id));
            }
            return out;
        }
        Group& g = git->second;
        bool changed = false;
        for (const auto& who : members) {
            std::string id = who.member_id;
            // v3+: a static member may leave by instance id alone.
            if (id.empty() && who.group_instance_id) {
                auto s = g.static_members.find(*who.group_instance_id);
                if (s != g.static_members.end()) id = s->second;
            }
            auto ok = check_member(g, id, who.group_instance_id);
            if (!ok.ok()) {
                out.push_back(ok);
                continue;
            }
            Member& m = g.members.at(id);
            if (m.awaiting_join) {
                JoinGroupOutput left;
                left.error = Error(GroupErrc::unknown_member_id, "the member left");
                auto cb = std::move(m.awaiting_join);
                m.awaiting_join = nullptr;
                cb(std::move(left));
            }
            broker_log.info("group {}: member {} left", group_id, id);
            remove_member(g, id);
            out.push_back(Status{});
            changed = true;
        }
        if (changed) after_membership_change(g);
        return out;
    }

    Status check_commit(Group* g, int32_t generation, const MemberIdentity& who) const {
        if (!g) {
            if (generation < 0) return {};
            return Error(GroupErrc::illegal_generation, "the group has no generation");
        }
        if (generation < 0 && who.member_id.empty()) {
            if (g->members.empty()) return {};
            return Error(GroupErrc::illegal_generation,
                         "the group has members: commit with their generation");
        }
        ES_CHECK(check_member(*g, who.member_id, who.group_instance_id));
        if (generation != g->generation) {
            return Error(GroupErrc::illegal_generation, "generation " + std::to_string(generation) +
                                                            ", the group is at " +
                                                            std::to_string(g->generation));
        }
        // As Kafka: a member of the current generation may still commit while the group
        // prepares a rebalance (that is when consumers commit before giving partitions up);
        // only between the joins and the new assignment are commits refused.
        if (g->state == GroupState::completing_rebalance) {
            return Error(GroupErrc::rebalance_in_progress, "the group is between generations");
        }
        return {};
    }

    /// Writes the records, then applies them on home and replies with the outcome: nothing
    /// becomes visible before it is durable, and in the order written.
    void write_then_apply(std::vector<GroupRecord> records, std::function<void(Status)> reply) {
        auto copy = records;
        store.write(std::move(records), [this, copy = std::move(copy), reply](Status written) {
            home.post([this, copy, written, reply] {
                if (written.ok()) {
                    for (const auto& r : copy) apply(r);
                }
                reply(written);
            });
        });
    }

    void apply(const GroupRecord& r) {
        if (r.kind == GroupRecord::Kind::txn_offset) {
            Group& g = groups[r.group_id];
            g.id = r.group_id;
            if (r.offset) g.txn_offsets[r.producer_id][r.tp] = *r.offset;
            return;
        }
        if (r.kind == GroupRecord::Kind::txn_end) {
            // The committed offsets came as offset records in the same batch, before this one.
            if (auto it = groups.find(r.group_id); it != groups.end()) {
                it->second.txn_offsets.erase(r.producer_id);
            }
            return;
        }
        if (r.kind == GroupRecord::Kind::offset) {
            if (r.offset) {
                Group& g = groups[r.group_id];
                g.id = r.group_id;
                g.offsets[r.tp] = *r.offset;
            } else if (auto it = groups.find(r.group_id); it != groups.end()) {
                it->second.offsets.erase(r.tp);
            }
            return;
        }
        if (!r.group) {
            groups.erase(r.group_id);
            return;
        }
        Group& g = groups[r.group_id];
        g.id = r.group_id;
        g.protocol_type = r.group->protocol_type;
        g.protocol_name = r.group->protocol_name;
        g.generation = r.group->generation_id;
        g.members.clear();
        g.static_members.clear();
        g.leader.clear();
        if (r.group->members.empty()) {
            g.state = GroupState::empty;
            g.emptied_at_ms = wall_clock_ms();
            return;
        }
        // Members resume where the stored generation left them; each has one session timeout
        // from the load to heartbeat again, as after a coordinator move in Kafka.
        g.state = GroupState::stable;
        for (const auto& md : r.group->members) {
            Member& m = g.members[md.member_id];
            m.id = md.member_id;
            m.instance_id = md.group_instance_id;
            m.client_id = md.client_id;
            m.client_host = md.client_host;
            m.protocols = {{g.protocol_name, md.metadata}};
            m.assignment = md.assignment;
            m.session_timeout_ms = md.session_timeout_ms;
            m.rebalance_timeout_ms = md.rebalance_timeout_ms;
            if (m.instance_id) g.static_members[*m.instance_id] = m.id;
        }
        g.leader = r.group->members.front().member_id;
    }
};

}  // namespace es::broker
