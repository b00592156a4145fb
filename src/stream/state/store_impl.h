#pragma once

// Internal to stream/state: included only by this module's .cc files, since it brings in
// RocksDB's headers, which must not reach the modules above (DESIGN.md, heavy headers).

#include "base/error.h"
#include "base/result.h"
#include "stream/state/clean_cache.h"
#include "stream/state/kv_store.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace es::stream::state {

/// "what: RocksDB's text", typed corrupt for RocksDB's Corruption and io for everything else.
Error to_error(const rocksdb::Status& s, std::string_view what);

/// What the stores of one TaskDb share: the database, the sticky failure and the restore batch.
struct DbCore {
    rocksdb::DB* db = nullptr;
    rocksdb::WriteOptions write_options;
    std::optional<Error> failure;  // first read or write failure: health()
    bool write_failed = false;     // a write failed: the TaskDb refuses further writes
    rocksdb::WriteBatch restore_batch;

    void fail(Error e) {
        if (!failure) failure = std::move(e);
    }
    Status writable() const;
    /// Writes restore_batch when it has grown past its bound (always, with force).
    Status flush_restore(bool force);
};

struct KvStore::Impl {
    struct Dirty {
        bool live = false;
        std::string stored;  // stored encoding when live
    };

    Impl(DbCore& core_in, StoreOptions options_in, rocksdb::ColumnFamilyHandle* cf_in,
         rocksdb::ColumnFamilyHandle* ttl_cf_in)
        : core(core_in),
          options(std::move(options_in)),
          cf(cf_in),
          ttl_cf(ttl_cf_in),
          cache(options.cache_entries) {}

    /// The dirty entry of `key`, created if needed, with its bytes taken out of dirty_bytes
    /// (the caller adds back what it stores).
    Dirty& dirty_slot(std::string_view key);

    /// Anything for commit() to write: dirty entries or TTL index entries to delete.
    bool has_changes() const { return !dirty.empty() || !index_deletes.empty(); }
    /// Appends the dirty entries and TTL index changes to `batch`; changes nothing in memory.
    Status write_to(rocksdb::WriteBatch& batch);
    /// After the batch of write_to() reached RocksDB.
    void committed();
    void rolled_back();
    /// After a restore batch reached RocksDB: what the cache and the index floor knew is stale.
    void restored();

    DbCore& core;
    const StoreOptions options;
    rocksdb::ColumnFamilyHandle* const cf;
    rocksdb::ColumnFamilyHandle* const ttl_cf;  // null without a TTL

    std::map<std::string, Dirty, std::less<>> dirty;
    size_t dirty_bytes = 0;
    CleanCache cache;
    rocksdb::ReadOptions read_options;
    rocksdb::PinnableSlice pinned;  // reused by get(), so a hit in RocksDB does not allocate
    KvStoreStats stats;

    // expire(): index keys examined since the last commit (deleted at commit), where the next
    // call resumes, and where a walk starts after a commit. Every index key below `index_floor`
    // has been deleted by this TaskDb, so expire() does not wade through their tombstones.
    std::vector<std::string> index_deletes;
    std::optional<std::string> expire_cursor;
    std::string index_floor;
    std::optional<std::string> lowest_new_index_key;  // of the batch being committed
    std::vector<std::string> new_index_keys;          // of the batch being built, reused
    std::string scratch;
};

}  // namespace es::stream::state
