// Committed offsets and group administration: OffsetCommit/OffsetFetch, ListGroups,
// DescribeGroups, DeleteGroups, OffsetDelete and the retention of offsets of empty groups.

#include "broker/group_coordinator.h"
#include "broker/group_state.h"

namespace es::broker {

void GroupCoordinator::commit_offsets(Executor& origin, std::string group_id, int32_t generation_id,
                                      MemberIdentity member, std::vector<OffsetCommitInput> offsets,
                                      std::function<void(Status)> done) {
    auto reply = answer_on(origin, std::move(done));
    State* s = state_.get();
    s->home.post([s, group_id = std::move(group_id), generation_id, member,
                  offsets = std::move(offsets), reply] {
        if (group_id.empty()) return reply(Error(GroupErrc::invalid_group_id, "empty group id"));
        auto git = s->groups.find(group_id);
        Group* g = git == s->groups.end() ? nullptr : &git->second;
        if (auto ok = s->check_commit(g, generation_id, member); !ok.ok()) return reply(ok);
        if (g) {
            if (auto m = g->members.find(member.member_id); m != g->members.end()) {
                s->arm_session(*g, m->second);
            }
        }
        int64_t now = wall_clock_ms();
        std::vector<GroupRecord> records;
        for (const auto& o : offsets) {
            GroupRecord r;
            r.kind = GroupRecord::Kind::offset;
            r.group_id = group_id;
            r.tp = o.tp;
            r.offset = CommittedOffset{o.tp, o.offset, o.leader_epoch, o.metadata, now};
            records.push_back(std::move(r));
        }
        s->write_then_apply(std::move(records), reply);
    });
}

void GroupCoordinator::fetch_offsets(
    Executor& origin, std::string group_id,
    std::optional<std::vector<model::TopicPartition>> partitions,
    std::function<void(Result<std::vector<CommittedOffset>>)> done) {
    auto reply = answer_on(origin, std::move(done));
    State* s = state_.get();
    s->home.post([s, group_id = std::move(group_id), partitions = std::move(partitions), reply] {
        std::vector<CommittedOffset> out;
        auto git = s->groups.find(group_id);
        if (!partitions) {
            if (git != s->groups.end()) {
                for (const auto& [tp, o] : git->second.offsets) out.push_back(o);
            }
            return reply(std::move(out));
        }
        for (const auto& tp : *partitions) {
            CommittedOffset o;
            o.tp = tp;
            if (git != s->groups.end()) {
                if (auto it = git->second.offsets.find(tp); it != git->second.offsets.end()) {
                    o = it->second;
                }
                for (const auto& [producer, pending] : git->second.txn_offsets) {
                    if (pending.contains(tp)) o.pending_transaction = true;
                }
            }
            out.push_back(std::move(o));
        }
        reply(std::move(out));
    });
}

void GroupCoordinator::list_groups(Executor& origin,
                                   std::function<void(std::vector<GroupDescription>)> done) {
    auto reply = answer_on(origin, std::move(done));
    State* s = state_.get();
    s->home.post([s, reply] {
        std::vector<GroupDescription> out;
        for (const auto& [id, g] : s->groups) out.push_back(s->describe(g));
        reply(std::move(out));
    });
}

void GroupCoordinator::describe_groups(Executor& origin, std::vector<std::string> group_ids,
                                       std::function<void(std::vector<GroupDescription>)> done) {
    auto reply = answer_on(origin, std::move(done));
    State* s = state_.get();
    s->home.post([s, group_ids = std::move(group_ids), reply] {
        std::vector<GroupDescription> out;
        for (const auto& id : group_ids) {
            auto it = s->groups.find(id);
            if (it == s->groups.end()) {
                GroupDescription d;
                d.group_id = id;
                d.state = GroupState::dead;
                out.push_back(std::move(d));
                continue;
            }
            out.push_back(s->describe(it->second));
        }
        reply(std::move(out));
    });
}

void GroupCoordinator::delete_groups(Executor& origin, std::vector<std::string> group_ids,
                                     std::function<void(std::vector<Status>)> done) {
    auto reply = answer_on(origin, std::move(done));
    State* s = state_.get();
    s->home.post([s, group_ids = std::move(group_ids), reply] {
        std::vector<Status> results(group_ids.size());
        std::vector<GroupRecord> tombstones;
        std::vector<std::string> deleting;
        for (size_t i = 0; i < group_ids.size(); ++i) {
            auto it = s->groups.find(group_ids[i]);
            if (it == s->groups.end()) {
                results[i] = Error(GroupErrc::group_id_not_found, "no group " + group_ids[i]);
                continue;
            }
            if (!it->second.members.empty() || it->second.state != GroupState::empty) {
                results[i] = Error(GroupErrc::non_empty_group, "the group has members");
                continue;
            }
            for (const auto& [tp, o] : it->second.offsets) {
                GroupRecord r;
                r.kind = GroupRecord::Kind::offset;
                r.group_id = group_ids[i];
                r.tp = tp;
                tombstones.push_back(std::move(r));
            }
            GroupRecord gone;
            gone.kind = GroupRecord::Kind::group;
            gone.group_id = group_ids[i];
            tombstones.push_back(std::move(gone));
            deleting.push_back(group_ids[i]);
        }
        if (deleting.empty()) return reply(std::move(results));
        s->store.write(std::move(tombstones), [s, deleting, results, group_ids,
                                               reply](Status written) mutable {
            s->home.post([s, deleting, results, group_ids, written, reply]() mutable {
                for (size_t i = 0; i < group_ids.size(); ++i) {
                    if (!results[i].ok()) continue;
                    if (!written.ok()) {
                        results[i] = written;
                        continue;
                    }
                    s->groups.erase(group_ids[i]);
                }
                reply(std::move(results));
            });
        });
    });
}

void GroupCoordinator::delete_offsets(Executor& origin, std::string group_id,
                                      std::vector<model::TopicPartition> partitions,
                                      std::function<void(Status, std::vector<Status>)> done) {
    State* s = state_.get();
    s->home.post([s, &origin, group_id = std::move(group_id), partitions = std::move(partitions),
                  done = std::move(done)] {
        auto finish = [&origin, done](Status top, std::vector<Status> each) {
            origin.post([done, top, each] { done(top, each); });
        };
        auto git = s->groups.find(group_id);
        if (git == s->groups.end()) {
            return finish(Error(GroupErrc::group_id_not_found, "no group " + group_id), {});
        }
        Group& g = git->second;
        std::vector<Status> each(partitions.size());
        std::vector<GroupRecord> tombstones;
        for (size_t i = 0; i < partitions.size(); ++i) {
            // A member of a running consumer group may still use the offset.
            if (!g.members.empty() && g.protocol_type == "consumer") {
                each[i] = Error(GroupErrc::group_subscribed_to_topic,
                                "the group has members consuming " + partitions[i].topic);
                continue;
            }
            GroupRecord r;
            r.kind = GroupRecord::Kind::offset;
            r.group_id = group_id;
            r.tp = partitions[i];
            tombstones.push_back(std::move(r));
        }
        auto copy = tombstones;
        s->store.write(std::move(tombstones), [s, copy, each, finish](Status written) mutable {
            s->home.post([s, copy, each, finish, written]() mutable {
                if (written.ok()) {
                    for (const auto& r : copy) s->apply(r);
                }
                finish(written, each);
            });
        });
    });
}

void GroupCoordinator::expire_offsets(int64_t now_ms) {
    State* s = state_.get();
    s->home.post([s, now_ms] {
        std::vector<GroupRecord> tombstones;
        for (auto& [id, g] : s->groups) {
            if (g.state != GroupState::empty || !g.members.empty()) continue;
            for (const auto& [tp, o] : g.offsets) {
                int64_t since = std::max(o.commit_timestamp_ms, g.emptied_at_ms);
                if (now_ms - since < s->config.offsets_retention_ms) continue;
                GroupRecord r;
                r.kind = GroupRecord::Kind::offset;
                r.group_id = id;
                r.tp = tp;
                tombstones.push_back(std::move(r));
            }
        }
        if (tombstones.empty()) return;
        auto copy = tombstones;
        s->store.write(std::move(tombstones), [s, copy](Status written) {
            if (!written.ok()) return;
            s->home.post([s, copy] {
                for (const auto& r : copy) s->apply(r);
            });
        });
    });
}

}  // namespace es::broker
