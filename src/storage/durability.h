#pragma once

#include "base/result.h"
#include "model/strong_int.h"
#include "storage/file.h"

#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace es::storage {

/// What a log has written and what of it is durable. Shared between the log (which records
/// writes) and the flusher (which syncs), and outliving either, so a sync in flight never
/// touches a closed log.
///
/// A failed fdatasync poisons it: on Linux the kernel may drop the dirty pages after reporting
/// the error, so a later sync that succeeds proves nothing about the earlier writes. Every
/// later sync() fails until the log is reopened, when recovery checks what is really on disk.
///
/// Runs on: any thread (internally locked; the lock is never held across a system call).
class LogDurability {
  public:
    explicit LogDurability(model::Offset durable_end)
        : written_end_(durable_end), durable_end_(durable_end) {}

    /// The owner wrote up to `end` (exclusive) into `file`.
    void note_written(model::Offset end, const std::shared_ptr<File>& file);
    /// Also sync `file` at the next sync (segment index files written at roll).
    void note_dirty(const std::shared_ptr<File>& file);

    /// Syncs every file with unsynced writes; returns the offset up to which (exclusive)
    /// everything is durable, or the error that poisoned the log.
    Result<model::Offset> sync();
    /// Starts the writeback of every file with unsynced writes (File::start_writeback), so
    /// that the syncs of several logs that follow overlap on the disk.
    void start_writeback();

    model::Offset durable_end() const;
    model::Offset written_end() const;
    bool failed() const;
    /// Marks the log failed without a sync (a write that could not be undone).
    void fail(const Error& error);
    /// The log was truncated to `end`: offsets from there on are neither written nor durable.
    void note_truncated(model::Offset end);

  private:
    std::mutex sync_mu_;  // one sync at a time, so a sync never claims files another is syncing
    mutable std::mutex mu_;
    std::vector<std::shared_ptr<File>> dirty_;
    model::Offset written_end_;
    model::Offset durable_end_;
    std::optional<Error> failed_;
};

}  // namespace es::storage
