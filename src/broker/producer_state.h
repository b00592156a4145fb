#pragma once

#include "base/bytes.h"
#include "base/result.h"
#include "model/strong_int.h"

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace es::model {
class RecordBatchView;
}
namespace es::storage {
class FileSystem;
class Log;
}  // namespace es::storage

namespace es::broker {

/// One batch an idempotent producer wrote, as the table remembers it.
struct ProducerBatch {
    int32_t first_seq = 0;
    int32_t last_seq = 0;
    model::Offset first_offset{-1};
    model::Offset last_offset{-1};
    int64_t timestamp = -1;  // the stored batch's max timestamp (the log append time when set)
};

/// What the partition knows of one producer id.
struct ProducerEntry {
    model::ProducerEpoch epoch{-1};
    /// Oldest first; at most ProducerStateTable::kBatchesRetained, all of `epoch`.
    std::deque<ProducerBatch> batches;
    /// Broker clock at the producer's last append (or at the replay that found it): idle time
    /// is measured from here. Kafka uses the batch's own timestamp, which a client with an old
    /// or skewed clock would turn into an immediate expiry.
    int64_t last_update_ms = -1;
    /// The first offset of the producer's open transaction here, -1 when none is open: the
    /// last stable offset cannot pass it until a commit or abort marker closes it.
    model::Offset txn_first_offset{-1};
};

/// A transaction that ended with an abort marker: read_committed consumers drop the producer's
/// records from first_offset up to the marker at last_offset.
struct AbortedTxn {
    model::ProducerId producer_id{-1};
    model::Offset first_offset{-1};
    model::Offset last_offset{-1};  // the abort marker
    friend bool operator==(const AbortedTxn&, const AbortedTxn&) = default;
};

/// A retried batch the partition already holds: the answer its first append got.
struct DuplicateBatch {
    model::Offset base_offset{-1};
    model::Offset last_offset{-1};
    int64_t timestamp = -1;
};

/// The idempotent and transactional producers of one partition: per producer id the epoch, the
/// sequence ranges of its last five batches and its open transaction, plus the transactions
/// that were aborted here (Kafka's ProducerStateManager with its aborted-transaction index).
///
/// A produce calls check() on each batch with a producer id before appending it: the batch is
/// either new and in sequence (nullopt: append it, then call update() with the stored bytes),
/// a retry of one of the last five batches (answer with the original offsets, append
/// nothing), or refused. The rules, as Kafka 2.5+ applies them (ProducerAppendInfo):
///
/// - epoch lower than the known one: Errc::invalid_producer_epoch (what Kafka answers to a
///   produce since 2.7, KAFKA-10687; PRODUCER_FENCED belongs to the transaction coordinator);
/// - same epoch: the first sequence must follow the last one (INT32_MAX wraps to 0), else
///   Errc::out_of_order_sequence; a retry of a batch older than the five cached is out of
///   order as well, as in Kafka, which no longer sends DUPLICATE_SEQUENCE_NUMBER;
/// - higher epoch (the producer bumped it): the sequence restarts at 0, else out of order;
/// - unknown producer id: any sequence is accepted (KIP-360: the state may have been lost
///   to expiry, so the broker no longer answers UNKNOWN_PRODUCER_ID).
///
/// A producer is forgotten after producer.id.expiration.ms without an append
/// (remove_expired), not when retention removes its batches from the log (KIP-360), and never
/// while its transaction is open.
///
/// Transactions: a transactional batch opens the producer's transaction at its base offset
/// unless one is open; the coordinator's control batch (commit or abort marker) closes it, and
/// an abort adds the range to aborted(). The first offset of the oldest open transaction bounds
/// the last stable offset (first_unstable_offset()).
///
/// Runs on: the partition's owning shard, for every call.
class ProducerStateTable {
  public:
    static constexpr size_t kBatchesRetained = 5;  // Kafka's NUM_BATCHES_TO_RETAIN

    /// Decides a batch that carries a producer id; see the class comment.
    Result<std::optional<DuplicateBatch>> check(const model::RecordBatchView& batch) const;
    /// Decides a transaction marker for `producer_id` at `epoch` before it is written: a marker
    /// from an older epoch than the partition has seen is refused (invalid_producer_epoch).
    Status check_marker(model::ProducerId producer_id, model::ProducerEpoch epoch) const;
    /// Records a batch as stored (its base offset assigned): a data batch, or a control batch
    /// that ends the producer's transaction. Also used for replay from the log, so it never
    /// refuses anything.
    void update(const model::RecordBatchView& stored, int64_t now_ms);

    /// The first offset of the oldest open transaction; nullopt when none is open.
    std::optional<model::Offset> first_unstable_offset() const;
    size_t open_transactions() const { return open_.size(); }
    /// The aborted transactions whose range meets [from, to), oldest first.
    std::vector<AbortedTxn> aborted_between(model::Offset from, model::Offset to) const;
    /// True when the transactional batch of `producer_id` at `offset` lies in an aborted range.
    bool is_aborted(model::ProducerId producer_id, model::Offset offset) const;
    const std::deque<AbortedTxn>& aborted() const { return aborted_; }
    /// Forgets aborted transactions that end before the log start (retention took them).
    void remove_aborted_before(model::Offset log_start);
    /// Forgets producers idle for at least expiration_ms; returns how many went.
    size_t remove_expired(int64_t now_ms, int64_t expiration_ms);

    const ProducerEntry* find(model::ProducerId id) const;
    size_t size() const { return producers_.size(); }

    /// The snapshot this table matches (the log end when it was written), -1 for none.
    model::Offset snapshot_offset() const { return snapshot_offset_; }
    /// True when the table changed since snapshot_offset().
    bool dirty() const { return dirty_; }
    void mark_snapshot(model::Offset offset) {
        snapshot_offset_ = offset;
        dirty_ = false;
    }

    /// The snapshot file's bytes for the state at `offset`; see producer_state.cc.
    Bytes encode(model::Offset offset) const;
    /// Parses a snapshot file written for `offset`; fails with Errc::kafka_storage_error on a
    /// bad version, CRC, offset or layout.
    static Result<ProducerStateTable> decode(BytesView data, model::Offset offset);

  private:
    void end_transaction(const model::RecordBatchView& marker, ProducerEntry& entry);

    std::unordered_map<model::ProducerId, ProducerEntry> producers_;
    /// Open transactions by first offset: the oldest bounds the last stable offset.
    std::map<model::Offset, model::ProducerId> open_;
    /// Ordered by last offset (markers are appended in offset order).
    std::deque<AbortedTxn> aborted_;
    model::Offset snapshot_offset_{-1};
    bool dirty_ = false;
};

/// The sequence of the last record of a batch whose first record has `first` and which spans
/// `delta` offsets more: sequences wrap from INT32_MAX to 0, as Kafka's incrementSequence.
int32_t increment_sequence(int32_t first, int32_t delta);

/// Snapshot file of a partition's producer state: <log dir>/<offset, 20 digits>.snapshot.
std::string producer_snapshot_name(model::Offset offset);

struct ProducerStateLoad {
    model::Offset snapshot{-1};      // the snapshot used, -1 for none
    size_t snapshots_discarded = 0;  // corrupt, or beyond the log end
    size_t batches_replayed = 0;
};

/// Rebuilds a partition's producer state after Log::open: the newest valid snapshot at or
/// below the log end, then every batch after it, read back from the log. Snapshots beyond
/// the log end (recovery cut the batches they describe) and corrupt ones are deleted, and
/// the next older one is tried; with none left the whole log is replayed.
///
/// Runs on: whichever thread opens the partition, before it is shared.
Result<ProducerStateTable> load_producer_state(storage::FileSystem& fs, const storage::Log& log,
                                               int64_t now_ms, int64_t expiration_ms,
                                               ProducerStateLoad* report = nullptr);

/// Writes the table as the state at the log end (atomically: temporary file, sync, rename),
/// then deletes all but the two newest snapshots. The caller decides when (segment roll,
/// housekeeping, close); any time between two appends is consistent, since the table is
/// updated right after each append on the same thread.
Status write_producer_snapshot(storage::FileSystem& fs, const storage::Log& log,
                               ProducerStateTable& table);

}  // namespace es::broker
