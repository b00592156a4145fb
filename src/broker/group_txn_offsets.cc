// Offsets committed inside transactions (TxnOffsetCommit): held pending per producer until the
// transaction coordinator ends the transaction, then made visible or dropped.

#include "broker/group_coordinator.h"
#include "broker/group_state.h"

namespace es::broker {

void GroupCoordinator::txn_commit_offsets(Executor& origin, std::string group_id,
                                          model::ProducerId producer_id, int32_t generation_id,
                                          MemberIdentity member,
                                          std::vector<OffsetCommitInput> offsets,
                                          std::function<void(Status)> done) {
    auto reply = answer_on(origin, std::move(done));
    State* s = state_.get();
    s->home.post([s, group_id = std::move(group_id), producer_id, generation_id, member,
                  offsets = std::move(offsets), reply] {
        if (group_id.empty()) return reply(Error(GroupErrc::invalid_group_id, "empty group id"));
        auto git = s->groups.find(group_id);
        Group* g = git == s->groups.end() ? nullptr : &git->second;
        bool identified = generation_id >= 0 || !member.member_id.empty();
        if (identified) {
            if (auto ok = s->check_commit(g, generation_id, member); !ok.ok()) return reply(ok);
        }
        int64_t now = wall_clock_ms();
        std::vector<GroupRecord> records;
        for (const auto& o : offsets) {
            GroupRecord r;
            r.kind = GroupRecord::Kind::txn_offset;
            r.group_id = group_id;
            r.producer_id = producer_id;
            r.tp = o.tp;
            r.offset = CommittedOffset{o.tp, o.offset, o.leader_epoch, o.metadata, now, false};
            records.push_back(std::move(r));
        }
        s->write_then_apply(std::move(records), reply);
    });
}

void GroupCoordinator::end_transaction(Executor& origin, std::string group_id,
                                       model::ProducerId producer_id, bool commit,
                                       std::function<void(Status)> done) {
    auto reply = answer_on(origin, std::move(done));
    State* s = state_.get();
    s->home.post([s, group_id = std::move(group_id), producer_id, commit, reply] {
        auto git = s->groups.find(group_id);
        if (git == s->groups.end() || !git->second.txn_offsets.contains(producer_id)) {
            return reply(Status{});  // nothing pending: a repeat, or a transaction without commits
        }
        // One batch: the visible offsets and the end of the pending ones land together.
        std::vector<GroupRecord> records;
        if (commit) {
            for (const auto& [tp, offset] : git->second.txn_offsets.at(producer_id)) {
                GroupRecord r;
                r.kind = GroupRecord::Kind::offset;
                r.group_id = group_id;
                r.tp = tp;
                r.offset = offset;
                records.push_back(std::move(r));
            }
        }
        GroupRecord end;
        end.kind = GroupRecord::Kind::txn_end;
        end.group_id = group_id;
        end.producer_id = producer_id;
        records.push_back(std::move(end));
        s->write_then_apply(std::move(records), reply);
    });
}

}  // namespace es::broker
