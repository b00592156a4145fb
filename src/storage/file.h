#pragma once

#include "base/bytes.h"
#include "base/result.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace es::storage {

/// An open file. The seam through which every storage write, read and sync passes, so that
/// tests can fail an fdatasync, tear a write at byte N or run out of space (see
/// tests/fault_injection.h).
///
/// Runs on: append/read/truncate on the log's owning thread; sync() also on the flusher thread,
/// concurrently with appends (the kernel serialises them).
class File {
  public:
    virtual ~File() = default;

    /// Writes all of `data` at the end of the file. On failure some prefix may have reached
    /// the file; size() then tells how much, so the caller can cut it off again.
    virtual Status append(BytesView data) = 0;
    /// Fills `out` from `position`; fails with base Errc::truncated when the file is shorter.
    virtual Status read_at(uint64_t position, MutableBytesView out) const = 0;
    /// fdatasync.
    virtual Status sync() = 0;
    /// Starts writing the dirty pages back without waiting for them: a hint, sync() alone makes
    /// them durable. Several files started first and synced after share the disk's time
    /// instead of queueing one fdatasync behind another.
    virtual void start_writeback() {}
    virtual Status truncate(uint64_t size) = 0;
    virtual uint64_t size() const = 0;
};

enum class OpenMode { read_write_create, read_write_existing, read_only };

/// The directory and file operations storage needs.
class FileSystem {
  public:
    virtual ~FileSystem() = default;

    virtual Result<std::unique_ptr<File>> open(const std::string& path, OpenMode mode) = 0;
    virtual Status remove(const std::string& path) = 0;
    virtual Status remove_all(const std::string& path) = 0;
    virtual Status rename(const std::string& from, const std::string& to) = 0;
    virtual Status create_directories(const std::string& path) = 0;
    /// fsync of a directory, so that a create, rename or unlink in it is durable.
    virtual Status sync_directory(const std::string& path) = 0;
    /// Names (not paths) of the entries of a directory.
    virtual Result<std::vector<std::string>> list(const std::string& path) = 0;
    virtual bool exists(const std::string& path) = 0;

    /// Replaces `path` with `data` so that a crash leaves the old or the new content, never a
    /// mix: write a temporary file, sync it, rename it over, sync the directory.
    Status write_atomically(const std::string& path, BytesView data);
    /// The whole content of a small file.
    Result<Bytes> read_whole(const std::string& path);
};

/// The real file system (POSIX calls).
FileSystem& posix_file_system();

}  // namespace es::storage
