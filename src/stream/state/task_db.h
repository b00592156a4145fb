#pragma once

#include "base/result.h"
#include "stream/state/kv_store.h"

#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

namespace es::stream::state {

struct DbOptions {
    /// RocksDB block cache of this database (uncompressed blocks of every store).
    size_t block_cache_bytes = 32 << 20;
    /// fsync the write-ahead log on every commit. Off by default: the changelog topic is the
    /// durable copy, and a commit lost in a crash is replayed from the previous checkpoint.
    bool sync_commits = false;
};

/// The state of one stream task: one RocksDB database holding a column family per store (and
/// one per store TTL index), plus checkpoint metadata.
///
/// Commit protocol, per commit interval:
///   1. the runtime sends each store's for_each_dirty() entries to its changelog topic inside
///      the task's Kafka transaction, and commits the transaction;
///   2. then commit(checkpoint) writes the same entries, the TTL index changes and the
///      checkpoint (the changelog offsets) to RocksDB in one atomic WriteBatch.
/// If the process dies between 1 and 2, RocksDB holds the previous commit and its checkpoint,
/// and the runtime replays the changelog from the checkpointed offsets through restore(). If the
/// transaction aborts, rollback() drops the changes. Nothing reaches RocksDB outside commit()
/// and restore (column family creation aside, which adds empty families).
///
/// Failure: see KvStore for the read error contract. commit() refuses while health() reports
/// an error. A failed RocksDB write poisons the TaskDb (later commits return Errc::closed): the
/// runtime closes it and reopens it, which replays from the last good checkpoint.
///
/// Runs on: the task's thread. Not thread-safe. Stores live as long as the TaskDb.
class TaskDb {
  public:
    /// Opens or creates the database in `dir` (created if missing). A path that is not a
    /// directory is Errc::io; a directory that holds files but no database, or a database
    /// RocksDB cannot read, is Errc::corrupt or Errc::io with RocksDB's explanation.
    static Result<std::unique_ptr<TaskDb>> open(const std::filesystem::path& dir,
                                                const DbOptions& options = {});
    ~TaskDb();
    TaskDb(const TaskDb&) = delete;
    TaskDb& operator=(const TaskDb&) = delete;

    /// The store named options.name, creating its column families on first use. The same name
    /// twice returns the same store; options must then be equal (else Errc::invalid_argument).
    Result<KvStore*> store(const StoreOptions& options);

    /// Writes every store's dirty entries (and TTL index changes) plus `checkpoint`, which
    /// replaces the previous one, in one WriteBatch; then clears the dirty maps and keeps the
    /// written values in the clean caches. Fails without writing if health() reports an error;
    /// the dirty entries are then kept, for the runtime to roll back.
    [[nodiscard]] Status commit(const std::map<std::string, std::string>& checkpoint);

    /// Drops the dirty entries (and pending expire() work) of every store.
    void rollback();

    /// As last committed (read at open, then as given to commit() or finish_restore()).
    const std::map<std::string, std::string>& checkpoint() const;

    /// Writes what restore() buffered, with the checkpoint, in one final batch. Earlier batches
    /// may already be in RocksDB; that is safe, because they carry the old checkpoint and
    /// replaying the changelog again from it gives the same result.
    [[nodiscard]] Status finish_restore(const std::map<std::string, std::string>& checkpoint);

    /// The first read or write failure since open, sticky; a wiped and reopened database starts
    /// clean.
    Status health() const;

    /// Deletes the database in `dir` (state that cannot be trusted, to be restored from the
    /// changelog). The TaskDb in it must be closed first.
    [[nodiscard]] static Status wipe(const std::filesystem::path& dir);

    struct Impl;

  private:
    explicit TaskDb(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace es::stream::state
