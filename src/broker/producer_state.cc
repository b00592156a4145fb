#include "broker/producer_state.h"

#include "base/byte_reader.h"
#include "base/crc32c.h"
#include "broker/errc.h"
#include "broker/logger.h"
#include "model/record_batch.h"
#include "storage/file.h"
#include "storage/log.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <vector>

namespace es::broker {

using model::Offset;
using model::ProducerEpoch;
using model::ProducerId;

// Snapshot file layout, big-endian throughout:
//
//   version        i16   2 (1: written before transactions, read as having none)
//   crc            u32   CRC32C of every byte after this field
//   offset         i64   the log end the state describes (also the file name)
//   producer count i32
//   per producer, in producer id order:
//     producer id  i64
//     epoch        i16
//     last update  i64   broker clock, ms
//     txn first    i64   first offset of the open transaction, -1 for none (version 2)
//     batch count  i8    0..5
//     per batch, oldest first:
//       first seq i32, last seq i32, first offset i64, last offset i64, timestamp i64
//   aborted count  i32   (version 2)
//   per aborted transaction, in marker order:
//     producer id i64, first offset i64, last offset i64
//
// Unlike Kafka's snapshot, which keeps only each producer's last batch, all five are kept, so a
// retry of any of them is still recognised after a restart. The aborted transactions live here
// rather than in an index file per segment: the snapshot already has to be consistent with the
// log (replay from it re-derives every marker after it), so both come back together.

namespace {

constexpr int16_t kSnapshotVersion = 2;
constexpr int16_t kSnapshotVersionWithoutTxns = 1;
constexpr size_t kCrcPosition = 2;
constexpr size_t kHeaderSize = 2 + 4 + 8 + 4;
constexpr size_t kProducerSize = 8 + 2 + 8 + 8 + 1;
constexpr size_t kBatchSize = 4 + 4 + 8 + 8 + 8;
constexpr size_t kAbortedSize = 8 + 8 + 8;
constexpr std::string_view kSnapshotSuffix = ".snapshot";
constexpr size_t kReplayChunkBytes = 1 << 20;

Error corrupt(const std::string& what) {
    return Error(Errc::kafka_storage_error, "producer state snapshot: " + what);
}

/// "00000000000000001234.snapshot" -> 1234; nullopt for any other name.
std::optional<Offset> snapshot_offset(std::string_view name) {
    if (name.size() != 20 + kSnapshotSuffix.size() || !name.ends_with(kSnapshotSuffix)) {
        return std::nullopt;
    }
    int64_t value = 0;
    auto [end, ec] = std::from_chars(name.data(), name.data() + 20, value);
    if (ec != std::errc() || end != name.data() + 20 || value < 0) return std::nullopt;
    return Offset(value);
}

/// The snapshot offsets in a directory, ascending.
Result<std::vector<Offset>> list_snapshots(storage::FileSystem& fs, const std::string& dir) {
    ES_TRY(std::vector<std::string> names, fs.list(dir));
    std::vector<Offset> offsets;
    for (const auto& name : names) {
        if (auto offset = snapshot_offset(name)) offsets.push_back(*offset);
    }
    std::sort(offsets.begin(), offsets.end());
    return offsets;
}

bool in_sequence(int32_t last, int32_t next) {
    return int64_t{next} == int64_t{last} + 1 || (next == 0 && last == INT32_MAX);
}

std::string describe(const model::RecordBatchView& batch) {
    return "producer " + std::to_string(batch.producer_id().value()) + " epoch " +
           std::to_string(batch.producer_epoch().value()) + " sequence " +
           std::to_string(batch.base_sequence());
}

/// Replays the stored batches in [from, log end) into the table.
Result<size_t> replay(const storage::Log& log, Offset from, ProducerStateTable& table,
                      int64_t now_ms) {
    size_t replayed = 0;
    Offset position = from;
    while (position < log.end_offset()) {
        ES_TRY(storage::ReadResult read, log.read(position, kReplayChunkBytes));
        if (read.data.empty()) break;  // nothing left but a gap compaction made
        BytesView rest = read.data.view();
        while (!rest.empty()) {
            // Recovery checked every byte past the recovery point; the CRC need not be redone.
            ES_TRY(model::RecordBatchView batch,
                   model::RecordBatchView::parse(rest, /*verify_crc=*/false));
            if (batch.has_producer_id() && (batch.is_control() || batch.base_sequence() >= 0)) {
                table.update(batch, now_ms);
                ++replayed;
            }
            rest = rest.subspan(batch.size());
        }
        position = read.next_offset;
    }
    return replayed;
}

}  // namespace

int32_t increment_sequence(int32_t first, int32_t delta) {
    if (first > INT32_MAX - delta) return delta - (INT32_MAX - first) - 1;
    return first + delta;
}

std::string producer_snapshot_name(Offset offset) {
    std::string digits = std::to_string(offset.value());
    return std::string(20 - std::min<size_t>(20, digits.size()), '0') + digits +
           std::string(kSnapshotSuffix);
}

// ---------------------------------------------------------------------------------------------
// The table

Result<std::optional<DuplicateBatch>> ProducerStateTable::check(
    const model::RecordBatchView& batch) const {
    ProducerEpoch epoch = batch.producer_epoch();
    int32_t first = batch.base_sequence();
    if (first < 0 || epoch.value() < 0) {
        // Kafka's LogValidator refuses the sequence; an epoch of -1 would read as "no producer".
        return Error(Errc::invalid_record,
                     "a batch with producer id " + std::to_string(batch.producer_id().value()) +
                         " needs a sequence and an epoch >= 0, not " + describe(batch));
    }
    auto it = producers_.find(batch.producer_id());
    if (it == producers_.end()) return std::optional<DuplicateBatch>{};  // KIP-360: any sequence
    const ProducerEntry& entry = it->second;
    int32_t last = increment_sequence(first, batch.last_offset_delta());

    // A retry first: Kafka looks for the duplicate before it validates the sequence.
    if (epoch == entry.epoch) {
        for (const ProducerBatch& b : entry.batches) {
            if (b.first_seq == first && b.last_seq == last) {
                return std::optional<DuplicateBatch>(
                    DuplicateBatch{b.first_offset, b.last_offset, b.timestamp});
            }
        }
    }
    if (epoch < entry.epoch) {
        return Error(Errc::invalid_producer_epoch, describe(batch) +
                                                       ": the partition has seen epoch " +
                                                       std::to_string(entry.epoch.value()));
    }
    if (epoch != entry.epoch) {
        if (first != 0) {
            return Error(Errc::out_of_order_sequence,
                         describe(batch) + ": a new epoch must start at sequence 0");
        }
        return std::optional<DuplicateBatch>{};
    }
    int32_t last_seen = entry.batches.empty() ? -1 : entry.batches.back().last_seq;
    if (!in_sequence(last_seen, first)) {
        return Error(Errc::out_of_order_sequence,
                     describe(batch) + ": expected sequence " +
                         std::to_string(last_seen == INT32_MAX ? 0 : int64_t{last_seen} + 1));
    }
    return std::optional<DuplicateBatch>{};
}

Status ProducerStateTable::check_marker(ProducerId producer_id, ProducerEpoch epoch) const {
    const ProducerEntry* entry = find(producer_id);
    if (entry && epoch < entry->epoch) {
        return Error(Errc::invalid_producer_epoch,
                     "transaction marker of producer " + std::to_string(producer_id.value()) +
                         " at epoch " + std::to_string(epoch.value()) +
                         ": the partition has seen epoch " + std::to_string(entry->epoch.value()));
    }
    return {};
}

void ProducerStateTable::update(const model::RecordBatchView& stored, int64_t now_ms) {
    ProducerEntry& entry = producers_[stored.producer_id()];
    if (entry.epoch != stored.producer_epoch()) {
        entry.epoch = stored.producer_epoch();
        entry.batches.clear();
    }
    entry.last_update_ms = now_ms;
    dirty_ = true;
    if (stored.is_control()) {
        end_transaction(stored, entry);
        return;
    }
    if (entry.batches.size() == kBatchesRetained) entry.batches.pop_front();
    int32_t first = stored.base_sequence();
    entry.batches.push_back(
        ProducerBatch{first, increment_sequence(first, stored.last_offset_delta()),
                      stored.base_offset(), stored.last_offset(), stored.max_timestamp()});
    if (stored.is_transactional() && entry.txn_first_offset.value() < 0) {
        entry.txn_first_offset = stored.base_offset();
        open_.emplace(entry.txn_first_offset, stored.producer_id());
    }
}

void ProducerStateTable::end_transaction(const model::RecordBatchView& marker,
                                         ProducerEntry& entry) {
    if (entry.txn_first_offset.value() < 0) return;  // nothing written here: nothing to end
    bool aborted = false;
    if (auto records = marker.records(1 << 16); records.ok() && records->size() > 0) {
        auto control = model::parse_control_record(records->records()[0]);
        aborted = control.ok() && control->type == model::ControlRecord::Type::abort;
    }
    if (aborted) {
        aborted_.push_back(
            AbortedTxn{marker.producer_id(), entry.txn_first_offset, marker.base_offset()});
    }
    open_.erase(entry.txn_first_offset);
    entry.txn_first_offset = Offset(-1);
}

std::optional<Offset> ProducerStateTable::first_unstable_offset() const {
    if (open_.empty()) return std::nullopt;
    return open_.begin()->first;
}

namespace {

/// The first aborted transaction whose marker is at or after `offset`.
auto first_ending_at_or_after(const std::deque<AbortedTxn>& aborted, Offset offset) {
    return std::lower_bound(
        aborted.begin(), aborted.end(), offset,
        [](const AbortedTxn& a, Offset value) { return a.last_offset < value; });
}

}  // namespace

std::vector<AbortedTxn> ProducerStateTable::aborted_between(Offset from, Offset to) const {
    std::vector<AbortedTxn> out;
    for (auto it = first_ending_at_or_after(aborted_, from); it != aborted_.end(); ++it) {
        if (it->first_offset < to) out.push_back(*it);
    }
    return out;
}

bool ProducerStateTable::is_aborted(ProducerId producer_id, Offset offset) const {
    for (auto it = first_ending_at_or_after(aborted_, offset); it != aborted_.end(); ++it) {
        if (it->producer_id == producer_id && it->first_offset <= offset) return true;
    }
    return false;
}

void ProducerStateTable::remove_aborted_before(Offset log_start) {
    auto end = first_ending_at_or_after(aborted_, log_start);
    if (end == aborted_.begin()) return;
    aborted_.erase(aborted_.begin(), end);
    dirty_ = true;
}

size_t ProducerStateTable::remove_expired(int64_t now_ms, int64_t expiration_ms) {
    size_t removed = std::erase_if(producers_, [&](const auto& item) {
        return item.second.txn_first_offset.value() < 0 &&
               now_ms - item.second.last_update_ms >= expiration_ms;
    });
    if (removed > 0) dirty_ = true;
    return removed;
}

const ProducerEntry* ProducerStateTable::find(ProducerId id) const {
    auto it = producers_.find(id);
    return it == producers_.end() ? nullptr : &it->second;
}

Bytes ProducerStateTable::encode(Offset offset) const {
    std::vector<ProducerId> ids;
    ids.reserve(producers_.size());
    for (const auto& [id, entry] : producers_) ids.push_back(id);
    std::sort(ids.begin(), ids.end());

    Bytes out;
    out.reserve(kHeaderSize + producers_.size() * (kProducerSize + kBatchesRetained * kBatchSize) +
                4 + aborted_.size() * kAbortedSize);
    ByteWriter w(out);
    w.write_i16(kSnapshotVersion);
    size_t crc_at = w.reserve(4);
    w.write_i64(offset.value());
    w.write_i32(static_cast<int32_t>(ids.size()));
    for (ProducerId id : ids) {
        const ProducerEntry& entry = producers_.at(id);
        w.write_i64(id.value());
        w.write_i16(entry.epoch.value());
        w.write_i64(entry.last_update_ms);
        w.write_i64(entry.txn_first_offset.value());
        w.write_i8(static_cast<int8_t>(entry.batches.size()));
        for (const ProducerBatch& b : entry.batches) {
            w.write_i32(b.first_seq);
            w.write_i32(b.last_seq);
            w.write_i64(b.first_offset.value());
            w.write_i64(b.last_offset.value());
            w.write_i64(b.timestamp);
        }
    }
    w.write_i32(static_cast<int32_t>(aborted_.size()));
    for (const AbortedTxn& a : aborted_) {
        w.write_i64(a.producer_id.value());
        w.write_i64(a.first_offset.value());
        w.write_i64(a.last_offset.value());
    }
    w.patch_u32(crc_at, crc32c::value(BytesView(out).subspan(crc_at + 4)));
    return out;
}

Result<ProducerStateTable> ProducerStateTable::decode(BytesView data, Offset offset) {
    ByteReader r(data);
    auto truncated = [&] { return corrupt("truncated at byte " + std::to_string(r.position())); };
    auto version = r.read_i16();
    if (!version.ok()) return truncated();
    if (*version != kSnapshotVersion && *version != kSnapshotVersionWithoutTxns) {
        return corrupt("unknown version " + std::to_string(*version));
    }
    bool with_txns = *version == kSnapshotVersion;
    size_t producer_size = with_txns ? kProducerSize : kProducerSize - 8;
    auto crc = r.read_u32();
    if (!crc.ok()) return truncated();
    if (*crc != crc32c::value(data.subspan(kCrcPosition + 4))) return corrupt("CRC mismatch");
    auto stored_offset = r.read_i64();
    auto count = r.read_i32();
    if (!stored_offset.ok() || !count.ok()) return truncated();
    if (*stored_offset != offset.value()) {
        return corrupt("written for offset " + std::to_string(*stored_offset) + ", named " +
                       std::to_string(offset.value()));
    }
    if (*count < 0 || static_cast<size_t>(*count) > r.remaining() / producer_size) {
        return corrupt("producer count " + std::to_string(*count) + " does not fit the file");
    }
    ProducerStateTable table;
    for (int32_t i = 0; i < *count; ++i) {
        auto id = r.read_i64();
        auto epoch = r.read_i16();
        auto last_update = r.read_i64();
        Result<int64_t> txn_first = int64_t{-1};
        if (with_txns) txn_first = r.read_i64();
        auto batches = r.read_i8();
        if (!id.ok() || !epoch.ok() || !last_update.ok() || !txn_first.ok() || !batches.ok()) {
            return truncated();
        }
        if (*id < 0 || *epoch < 0 || *batches < 0 || *txn_first < -1 ||
            static_cast<size_t>(*batches) > kBatchesRetained) {
            return corrupt("producer entry " + std::to_string(i) + " is out of range");
        }
        ProducerEntry entry;
        entry.epoch = ProducerEpoch(*epoch);
        entry.last_update_ms = *last_update;
        entry.txn_first_offset = Offset(*txn_first);
        for (int8_t b = 0; b < *batches; ++b) {
            auto first_seq = r.read_i32();
            auto last_seq = r.read_i32();
            auto first_offset = r.read_i64();
            auto last_offset = r.read_i64();
            auto timestamp = r.read_i64();
            if (!first_seq.ok() || !last_seq.ok() || !first_offset.ok() || !last_offset.ok() ||
                !timestamp.ok()) {
                return truncated();
            }
            entry.batches.push_back(ProducerBatch{*first_seq, *last_seq, Offset(*first_offset),
                                                  Offset(*last_offset), *timestamp});
        }
        Offset txn_start = entry.txn_first_offset;
        if (!table.producers_.emplace(ProducerId(*id), std::move(entry)).second) {
            return corrupt("producer " + std::to_string(*id) + " appears twice");
        }
        if (txn_start.value() >= 0 && !table.open_.emplace(txn_start, ProducerId(*id)).second) {
            return corrupt("two open transactions start at offset " +
                           std::to_string(txn_start.value()));
        }
    }
    if (with_txns) {
        auto aborted = r.read_i32();
        if (!aborted.ok()) return truncated();
        if (*aborted < 0 || static_cast<size_t>(*aborted) > r.remaining() / kAbortedSize) {
            return corrupt("aborted count " + std::to_string(*aborted) + " does not fit the file");
        }
        for (int32_t i = 0; i < *aborted; ++i) {
            auto id = r.read_i64();
            auto first = r.read_i64();
            auto last = r.read_i64();
            if (!id.ok() || !first.ok() || !last.ok()) return truncated();
            if (*id < 0 || *first < 0 || *last < *first ||
                (!table.aborted_.empty() && Offset(*last) <= table.aborted_.back().last_offset)) {
                return corrupt("aborted transaction " + std::to_string(i) + " is out of order");
            }
            table.aborted_.push_back(AbortedTxn{ProducerId(*id), Offset(*first), Offset(*last)});
        }
    }
    if (!r.empty()) return corrupt(std::to_string(r.remaining()) + " bytes after the entries");
    table.mark_snapshot(offset);
    return table;
}

// ---------------------------------------------------------------------------------------------
// Snapshots on disk

Result<ProducerStateTable> load_producer_state(storage::FileSystem& fs, const storage::Log& log,
                                               int64_t now_ms, int64_t expiration_ms,
                                               ProducerStateLoad* report) {
    ProducerStateLoad local;
    ProducerStateLoad& out = report ? *report : local;
    const std::string& dir = log.directory();
    ES_TRY(std::vector<Offset> offsets, list_snapshots(fs, dir));

    ProducerStateTable table;
    bool loaded = false;
    for (auto it = offsets.rbegin(); it != offsets.rend(); ++it) {
        std::string path = dir + "/" + producer_snapshot_name(*it);
        if (*it > log.end_offset()) {
            // Written before a crash took the log's unsynced tail: it describes batches the log
            // no longer holds, and would deduplicate retries of them into nothing.
            broker_log.warn("{}: deleting producer snapshot {} beyond the log end {}", dir,
                            it->value(), log.end_offset().value());
            ES_CHECK(fs.remove(path));
            ++out.snapshots_discarded;
            continue;
        }
        auto data = fs.read_whole(path);
        if (!data.ok()) {
            // Not known to be bad: left in place (the next snapshot supersedes it).
            broker_log.warn("{}: cannot read producer snapshot {}: {}; trying an older one", dir,
                            it->value(), data.error().to_string());
            ++out.snapshots_discarded;
            continue;
        }
        auto decoded = ProducerStateTable::decode(*data, *it);
        if (!decoded.ok()) {
            broker_log.warn("{}: deleting unusable producer snapshot {}: {}; trying an older one",
                            dir, it->value(), decoded.error().to_string());
            ES_CHECK(fs.remove(path));
            ++out.snapshots_discarded;
            continue;
        }
        table = std::move(decoded).value();
        out.snapshot = *it;
        loaded = true;
        break;
    }

    // From the snapshot, or from the log start when it is older than that (retention moved on;
    // what it removed is already in the snapshot) or when there is none.
    Offset from = loaded ? std::max(out.snapshot, log.start_offset()) : log.start_offset();
    auto replayed = replay(log, from, table, now_ms);
    if (!replayed.ok()) {
        return std::move(replayed).error().with_context("replaying producer state from offset " +
                                                        std::to_string(from.value()));
    }
    out.batches_replayed = *replayed;
    table.remove_expired(now_ms, expiration_ms);
    if (out.snapshots_discarded > 0 || (!loaded && log.end_offset() > log.start_offset())) {
        broker_log.info("{}: producer state from {} plus {} batches replayed ({} producers)", dir,
                        loaded ? "snapshot " + std::to_string(out.snapshot.value()) : "the log",
                        out.batches_replayed, table.size());
    }
    return table;
}

Status write_producer_snapshot(storage::FileSystem& fs, const storage::Log& log,
                               ProducerStateTable& table) {
    const std::string& dir = log.directory();
    Offset end = log.end_offset();
    Bytes data = table.encode(end);
    ES_CHECK(fs.write_atomically(dir + "/" + producer_snapshot_name(end), data));
    table.mark_snapshot(end);
    // Two stay: when the newest cannot be read, the one before it still saves a full replay.
    ES_TRY(std::vector<Offset> offsets, list_snapshots(fs, dir));
    for (size_t i = 0; i + 2 < offsets.size(); ++i) {
        ES_CHECK(fs.remove(dir + "/" + producer_snapshot_name(offsets[i])));
    }
    return {};
}

}  // namespace es::broker
