#pragma once

#include "base/bytes.h"
#include "base/result.h"
#include "broker/executor.h"
#include "broker/group_errc.h"
#include "model/topic_partition.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace es::broker {

struct GroupConfig {
    int32_t min_session_timeout_ms = 6000;                  // group.min.session.timeout.ms
    int32_t max_session_timeout_ms = 1800000;               // group.max.session.timeout.ms
    int32_t initial_rebalance_delay_ms = 3000;              // group.initial.rebalance.delay.ms
    int32_t max_size = INT32_MAX;                           // group.max.size
    int64_t offsets_retention_ms = 7LL * 24 * 3600 * 1000;  // offsets.retention.minutes
};

enum class GroupState { empty, preparing_rebalance, completing_rebalance, stable, dead };
const char* to_string(GroupState s);  // Kafka's names: "Empty", "PreparingRebalance", ...

struct JoinGroupInput {
    std::string group_id;
    std::string member_id;  // empty on a first join
    std::optional<std::string> group_instance_id;
    std::string client_id;
    std::string client_host;
    int32_t session_timeout_ms = 10000;
    int32_t rebalance_timeout_ms = 300000;
    std::string protocol_type;
    std::vector<std::pair<std::string, Bytes>> protocols;  // name, metadata; in preference order
    bool require_known_member_id = false;                  // JoinGroup v4+ (KIP-394)
};

struct JoinedMember {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    Bytes metadata;
};

struct JoinGroupOutput {
    std::optional<Error> error;
    int32_t generation_id = -1;
    std::string protocol_type;
    std::string protocol_name;
    std::string leader;
    std::string member_id;              // also set with member_id_required
    std::vector<JoinedMember> members;  // for the leader only
};

struct SyncGroupInput {
    std::string group_id;
    int32_t generation_id = -1;
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::optional<std::string> protocol_type;                // v5+
    std::optional<std::string> protocol_name;                // v5+
    std::vector<std::pair<std::string, Bytes>> assignments;  // from the leader
};

struct SyncGroupOutput {
    std::optional<Error> error;
    std::string protocol_type;
    std::string protocol_name;
    Bytes assignment;
};

struct MemberIdentity {
    std::string member_id;
    std::optional<std::string> group_instance_id;
};

struct OffsetCommitInput {
    model::TopicPartition tp;
    int64_t offset = 0;
    int32_t leader_epoch = -1;
    std::optional<std::string> metadata;
};

struct CommittedOffset {
    model::TopicPartition tp;
    int64_t offset = -1;  // -1: nothing committed
    int32_t leader_epoch = -1;
    std::optional<std::string> metadata;
    int64_t commit_timestamp_ms = -1;
    /// Set by fetch_offsets: an open transaction holds a commit for this partition that is not
    /// visible yet (KIP-447 consumers wait for it with require_stable).
    bool pending_transaction = false;
};

struct GroupMemberDescription {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::string client_id;
    std::string client_host;
    Bytes metadata;  // of the chosen protocol
    Bytes assignment;
    int32_t session_timeout_ms = 0;  // kept so that a restart resumes the member's session
    int32_t rebalance_timeout_ms = 0;
};

struct GroupDescription {
    std::optional<Error> error;
    std::string group_id;
    GroupState state = GroupState::dead;
    std::string protocol_type;
    std::string protocol_name;
    int32_t generation_id = -1;
    std::vector<GroupMemberDescription> members;
};

/// What the coordinator keeps durable: offset commits and the state of each group after a
/// rebalance. Records are written to the store before the answer that depends on them.
struct GroupRecord {
    /// txn_offset: a commit of an open transaction, pending until its txn_end record (written
    /// together with the committed offsets, as plain `offset` records, on commit).
    enum class Kind : uint8_t { offset = 1, group = 2, txn_offset = 3, txn_end = 4 };
    Kind kind = Kind::offset;
    std::string group_id;
    // kind == offset or txn_offset: the commit, or a tombstone when `offset` is nullopt.
    model::TopicPartition tp;
    std::optional<CommittedOffset> offset;
    // kind == txn_offset or txn_end: the transaction's producer.
    model::ProducerId producer_id{-1};
    // kind == group: the group after a rebalance, or a tombstone when nullopt.
    std::optional<GroupDescription> group;
};

/// Where the records go: __consumer_offsets through the broker, or memory in tests.
class GroupStore {
  public:
    virtual ~GroupStore() = default;
    /// Makes the records durable, then calls done (on any thread).
    virtual void write(std::vector<GroupRecord> records, std::function<void(Status)> done) = 0;
};

/// Kafka's classic group protocol for a single node: every group's coordinator is this broker.
///
/// Runs on: one executor (`home`); every public call may come from any thread and answers
/// through its callback, posted to that call's `origin` executor. Timers (session and rebalance
/// timeouts, the initial rebalance delay) run on `home` too, so the state needs no locks.
/// Destroy it on `home`, or once `home` has stopped: work already posted there uses it.
class GroupCoordinator {
  public:
    GroupCoordinator(GroupConfig config, Executor& home, GroupStore& store);
    ~GroupCoordinator();
    GroupCoordinator(const GroupCoordinator&) = delete;
    GroupCoordinator& operator=(const GroupCoordinator&) = delete;

    /// Replays stored records (oldest first) before serving; call before any other method.
    void load(const std::vector<GroupRecord>& records);

    void join(Executor& origin, JoinGroupInput in, std::function<void(JoinGroupOutput)> done);
    void sync(Executor& origin, SyncGroupInput in, std::function<void(SyncGroupOutput)> done);
    void heartbeat(Executor& origin, std::string group_id, int32_t generation_id,
                   MemberIdentity member, std::function<void(Status)> done);
    /// One status per member, in order.
    void leave(Executor& origin, std::string group_id, std::vector<MemberIdentity> members,
               std::function<void(Status, std::vector<Status>)> done);

    /// generation_id -1 with an empty member id: a commit from outside the group protocol
    /// (assign() users, admin tools), allowed while the group has no members.
    void commit_offsets(Executor& origin, std::string group_id, int32_t generation_id,
                        MemberIdentity member, std::vector<OffsetCommitInput> offsets,
                        std::function<void(Status)> done);
    /// TxnOffsetCommit: offsets a transaction commits, held pending (durably) until
    /// end_transaction. generation -1 with an empty member id skips the membership check, as
    /// Kafka does for clients from before KIP-447. The caller checked the producer with the
    /// transaction coordinator.
    void txn_commit_offsets(Executor& origin, std::string group_id, model::ProducerId producer_id,
                            int32_t generation_id, MemberIdentity member,
                            std::vector<OffsetCommitInput> offsets,
                            std::function<void(Status)> done);
    /// The transaction of `producer_id` ended: on commit its pending offsets become the group's
    /// committed offsets, on abort they are dropped. Repeating it is harmless.
    void end_transaction(Executor& origin, std::string group_id, model::ProducerId producer_id,
                         bool commit, std::function<void(Status)> done);

    /// nullopt partitions: every committed offset of the group.
    void fetch_offsets(Executor& origin, std::string group_id,
                       std::optional<std::vector<model::TopicPartition>> partitions,
                       std::function<void(Result<std::vector<CommittedOffset>>)> done);

    void list_groups(Executor& origin, std::function<void(std::vector<GroupDescription>)> done);
    void describe_groups(Executor& origin, std::vector<std::string> group_ids,
                         std::function<void(std::vector<GroupDescription>)> done);
    /// Deletes empty groups and their offsets; one status per group.
    void delete_groups(Executor& origin, std::vector<std::string> group_ids,
                       std::function<void(std::vector<Status>)> done);
    void delete_offsets(Executor& origin, std::string group_id,
                        std::vector<model::TopicPartition> partitions,
                        std::function<void(Status, std::vector<Status>)> done);

    /// Drops offsets of empty groups older than offsets.retention.minutes (housekeeping).
    void expire_offsets(int64_t now_ms);

  private:
    struct Group;
    struct Member;
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace es::broker
