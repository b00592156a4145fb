#pragma once

#include "base/result.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace es::stream::state {

struct StoreOptions {
    /// [A-Za-z0-9._-]+, at most 200 bytes; one RocksDB column family of the task's database.
    std::string name;
    /// Entries expire ttl_ms (> 0) after the timestamp given to put(); expire() removes them.
    std::optional<int64_t> ttl_ms = std::nullopt;
    /// Committed entries (and known-absent keys) kept in memory, least recently used first out.
    /// 0 disables the cache.
    size_t cache_entries = 10'000;

    bool operator==(const StoreOptions&) const = default;
};

/// Counters for probes and tests; plain integers, updated on the task's thread.
struct KvStoreStats {
    uint64_t gets = 0;
    uint64_t dirty_hits = 0;           // answered from changes not committed yet
    uint64_t cache_hits = 0;           // answered from the clean cache (present or known absent)
    uint64_t db_reads = 0;             // point reads that went to RocksDB
    uint64_t expired = 0;              // entries removed by expire()
    uint64_t stale_index_entries = 0;  // TTL index entries dropped without removing anything
};

/// A key-value store of one task: bytes in, bytes out, keys ordered bytewise. Obtained from
/// TaskDb::store() and owned by the TaskDb.
///
/// Writes go to an in-memory dirty map only; TaskDb::commit() writes them to RocksDB, and
/// TaskDb::rollback() drops them. Reads see the dirty map first, then the clean cache, then
/// RocksDB, so a task reads its own uncommitted writes.
///
/// Error contract: reads never return errors, to keep operator code simple. A RocksDB read that
/// fails (I/O error, a stored value that does not decode) records a sticky error in the TaskDb
/// (TaskDb::health()) and answers "absent" or ends the scan early. Since TaskDb::commit() then
/// fails, the runtime aborts the Kafka transaction and nothing computed from the bad read is
/// ever committed, either to Kafka or to RocksDB.
///
/// Runs on: the task's thread. Not thread-safe. Views passed to callbacks are valid only
/// during the call; callbacks must not write to the store they are iterating.
class KvStore {
  public:
    using ScanFn = std::function<bool(std::string_view key, std::string_view value)>;
    using DirtyFn =
        std::function<void(std::string_view key, std::optional<std::string_view> stored)>;

    struct Impl;
    explicit KvStore(std::unique_ptr<Impl> impl);
    ~KvStore();
    KvStore(const KvStore&) = delete;
    KvStore& operator=(const KvStore&) = delete;

    std::optional<std::string> get(std::string_view key);
    /// With a TTL, the entry expires at timestamp_ms + ttl_ms (saturating).
    void put(std::string_view key, std::string_view value, int64_t timestamp_ms = 0);
    /// A tombstone: hides the committed value now and deletes it at commit. Does not read.
    void remove(std::string_view key);

    /// Keys in [from, to) in order, dirty entries merged over committed ones (a dirty value wins,
    /// a tombstone hides). An empty `to` means no upper bound (no key sorts below "", so the
    /// literal empty range would be useless). fn returns false to stop.
    void scan(std::string_view from, std::string_view to, const ScanFn& fn);
    void scan_prefix(std::string_view prefix, const ScanFn& fn);

    /// Removes, as tombstones in the dirty map (so they reach the changelog), entries whose
    /// expiry is <= now_ms, in expiry order. Walks a time index (a second column family keyed
    /// by expiry, then key) and examines at most `max` index entries per call, so one call's
    /// cost is bounded even when many are stale (the key was rewritten with a later expiry, or
    /// removed): a stale index entry is deleted at commit without touching the entry. Returns
    /// how many entries it removed. Later calls before the next commit continue where the
    /// previous one stopped. Without a TTL, does nothing.
    size_t expire(int64_t now_ms, size_t max);

    /// Changes since the last commit or rollback, in key order: the stored encoding
    /// (stored_value.h: it carries the expiry, so restore() can rebuild the TTL index) or
    /// nullopt for a tombstone. This is what goes to the changelog topic.
    void for_each_dirty(const DirtyFn& fn) const;
    size_t dirty_count() const;
    /// Keys plus stored encodings of the dirty entries: what a changelog flush will send.
    size_t dirty_bytes() const;

    /// Applies one changelog record (key, and stored encoding or nullopt for a tombstone, as
    /// for_each_dirty produced it) to the TaskDb's restore batch; TaskDb::finish_restore()
    /// completes it. Call only while the store has no dirty entries (before processing).
    /// A stored encoding that does not decode is refused with Errc::corrupt and nothing is
    /// applied: the runtime decides whether the changelog is usable (normally: wipe and fail
    /// the task, since a gap in the changelog means state that cannot be trusted). May write
    /// a full batch to RocksDB (Errc::io on failure).
    [[nodiscard]] Status restore(std::string_view key, std::optional<std::string_view> stored);

    /// RocksDB's estimates for the committed state.
    uint64_t approximate_entries();
    uint64_t approximate_bytes();

    const std::string& name() const;
    const StoreOptions& options() const;
    const KvStoreStats& stats() const;

  private:
    friend class TaskDb;
    std::unique_ptr<Impl> impl_;
};

}  // namespace es::stream::state
