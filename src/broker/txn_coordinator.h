#pragma once

#include "base/result.h"
#include "broker/broker.h"
#include "broker/executor.h"
#include "model/topic_partition.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace es::broker {

class GroupCoordinator;

struct TxnConfig {
    int32_t max_timeout_ms = 900000;  // transaction.max.timeout.ms
    /// transaction.abort.timed.out.transaction.cleanup.interval.ms
    int64_t abort_timed_out_interval_ms = 10000;
    int64_t id_expiration_ms = 7LL * 24 * 3600 * 1000;  // transactional.id.expiration.ms
};

/// Kafka's transaction states (TransactionState), with its names in to_string.
enum class TxnState : uint8_t {
    empty = 0,
    ongoing = 1,
    prepare_commit = 2,
    prepare_abort = 3,
    complete_commit = 4,
    complete_abort = 5,
    dead = 6,
};
const char* to_string(TxnState s);  // "Empty", "Ongoing", "PrepareCommit", ...
std::optional<TxnState> txn_state_from_string(std::string_view name);

/// What the coordinator knows of one transactional id; also its record in __transaction_state.
struct TxnMetadata {
    std::string transactional_id;
    model::ProducerId producer_id{-1};
    model::ProducerEpoch producer_epoch{-1};
    /// The id before the last epoch exhaustion: a retried InitProducerId that carries it is
    /// answered with the current one (KIP-360).
    model::ProducerId last_producer_id{-1};
    int32_t timeout_ms = 60000;
    TxnState state = TxnState::empty;
    std::vector<model::TopicPartition> partitions;  // sorted, unique
    std::vector<std::string> groups;                // sorted, unique (AddOffsetsToTxn)
    int64_t start_ms = -1;                          // when the transaction began
    int64_t update_ms = -1;
};

/// One InitProducerId with a transactional id.
struct InitTxnProducerInput {
    std::string transactional_id;
    int32_t timeout_ms = 60000;
    /// v3+ (KIP-360): the producer's current id and epoch when it resumes after an error.
    model::ProducerId producer_id{-1};
    model::ProducerEpoch producer_epoch{-1};
};

/// Kafka's transaction coordinator for a single node (KIP-98): every transactional id is
/// coordinated here, its state kept in the compacted internal topic __transaction_state.
///
/// The state of an id only changes through a durable write: the new state is written first and
/// taken (and answered) once the write is on disk. Ending a transaction is three steps: write
/// PrepareCommit/PrepareAbort, write the markers (control batches to every partition, and the
/// end of the pending offsets to every group), write CompleteCommit/CompleteAbort; EndTxn is
/// answered after the last. A restart that finds a Prepare state finishes it before serving.
/// While an id has a write in flight, other requests for it answer CONCURRENT_TRANSACTIONS.
///
/// Fencing: InitProducerId bumps the epoch, aborting an open transaction with the new epoch
/// first, so every partition refuses the old producer's writes and markers; requests with an
/// older epoch answer PRODUCER_FENCED. A transaction open longer than its timeout is aborted
/// the same way (abort_timed_out).
///
/// Runs on: one executor (`home`); public calls may come from any thread and answer on their
/// `origin`. Destroy it on `home`, or once `home` has stopped.
class TxnCoordinator {
  public:
    static constexpr const char* kTopic = "__transaction_state";

    TxnCoordinator(TxnConfig config, Broker& broker, GroupCoordinator& groups, Executor& home);
    ~TxnCoordinator();
    TxnCoordinator(const TxnCoordinator&) = delete;
    TxnCoordinator& operator=(const TxnCoordinator&) = delete;

    /// Reads __transaction_state (creating it when missing) and finishes every transaction that
    /// was being ended at the crash; call on `home` before serving. `done` runs on `home`.
    void load(std::function<void(Status)> done);

    void init_producer_id(Executor& origin, InitTxnProducerInput in,
                          std::function<void(Result<InitProducerIdOutput>)> done);
    /// One status per partition, in order; unknown partitions fail the request, the others
    /// then answer operation_not_attempted.
    void add_partitions(Executor& origin, std::string transactional_id,
                        model::ProducerId producer_id, model::ProducerEpoch epoch,
                        std::vector<model::TopicPartition> partitions,
                        std::function<void(std::vector<Status>)> done);
    void add_offsets(Executor& origin, std::string transactional_id, model::ProducerId producer_id,
                     model::ProducerEpoch epoch, std::string group_id,
                     std::function<void(Status)> done);
    void end_txn(Executor& origin, std::string transactional_id, model::ProducerId producer_id,
                 model::ProducerEpoch epoch, bool commit, std::function<void(Status)> done);
    /// For TxnOffsetCommit: ok when the producer owns the id at this epoch and its open
    /// transaction includes the group (AddOffsetsToTxn came first).
    void check_offsets_commit(Executor& origin, std::string transactional_id,
                              model::ProducerId producer_id, model::ProducerEpoch epoch,
                              std::string group_id, std::function<void(Status)> done);

    /// For the partitions (Broker::set_txn_verifier): ok when `producer_id` at `epoch` has an
    /// open transaction that includes `tp`; an older epoch is invalid_producer_epoch (fenced),
    /// anything else invalid_txn_state.
    void verify_partition(Executor& origin, model::ProducerId producer_id,
                          model::ProducerEpoch epoch, const model::TopicPartition& tp,
                          std::function<void(Status)> done);

    /// verify_partition as the broker's hook (Broker::set_txn_verifier); valid while this lives.
    Broker::TxnVerifier verifier();

    /// One answer per id: its metadata or transactional_id_not_found.
    void describe(Executor& origin, std::vector<std::string> transactional_ids,
                  std::function<void(std::vector<Result<TxnMetadata>>)> done);
    void list(Executor& origin, std::function<void(std::vector<TxnMetadata>)> done);

    /// Aborts the transactions open longer than their timeout and forgets ids idle for
    /// transactional.id.expiration.ms; runs on `home` every abort_timed_out_interval_ms.
    void abort_timed_out(int64_t now_ms);

  private:
    struct State;
    std::shared_ptr<State> state_;
};

}  // namespace es::broker
