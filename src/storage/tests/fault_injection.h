#pragma once

#include "base/errc.h"
#include "storage/file.h"

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace es::storage::testing {

/// The real file system with failures on demand: fdatasync errors, a disk that fills up after
/// N more bytes, and counters for the calls storage makes. Thread-safe, like the real one.
class FaultInjectionFileSystem final : public FileSystem {
  public:
    /// The next n fdatasync calls fail with EIO.
    void fail_next_syncs(int n) { sync_failures_ = n; }
    /// Writes succeed for `bytes` more bytes; then the disk is full (a partial write, ENOSPC).
    void set_space_left(std::optional<uint64_t> bytes) {
        std::lock_guard lock(mu_);
        space_left_ = bytes;
    }
    int syncs() const { return syncs_; }
    /// 'w' for each start_writeback and 's' for each fdatasync, in the order they came.
    std::string sync_events() const {
        std::lock_guard lock(mu_);
        return events_;
    }
    /// Runs inside every fdatasync before it happens (to hold a sync open in a test).
    void set_before_sync(std::function<void()> hook) {
        std::lock_guard lock(mu_);
        before_sync_ = std::move(hook);
    }

    Result<std::unique_ptr<File>> open(const std::string& path, OpenMode mode) override {
        ES_TRY(std::unique_ptr<File> inner, posix_file_system().open(path, mode));
        return std::unique_ptr<File>(std::make_unique<FaultFile>(*this, std::move(inner)));
    }
    Status remove(const std::string& p) override { return posix_file_system().remove(p); }
    Status remove_all(const std::string& p) override { return posix_file_system().remove_all(p); }
    Status rename(const std::string& a, const std::string& b) override {
        return posix_file_system().rename(a, b);
    }
    Status create_directories(const std::string& p) override {
        return posix_file_system().create_directories(p);
    }
    Status sync_directory(const std::string& p) override {
        return posix_file_system().sync_directory(p);
    }
    Result<std::vector<std::string>> list(const std::string& p) override {
        return posix_file_system().list(p);
    }
    bool exists(const std::string& p) override { return posix_file_system().exists(p); }

  private:
    class FaultFile final : public File {
      public:
        FaultFile(FaultInjectionFileSystem& fs, std::unique_ptr<File> inner)
            : fs_(fs), inner_(std::move(inner)) {}

        Status append(BytesView data) override {
            size_t allowed = data.size();
            {
                std::lock_guard lock(fs_.mu_);
                if (fs_.space_left_) {
                    allowed = static_cast<size_t>(std::min<uint64_t>(allowed, *fs_.space_left_));
                    *fs_.space_left_ -= allowed;
                }
            }
            if (allowed > 0) ES_CHECK(inner_->append(data.first(allowed)));
            if (allowed < data.size()) {
                return Error(es::Errc::no_space, "injected: no space left on device");
            }
            return {};
        }
        Status read_at(uint64_t pos, MutableBytesView out) const override {
            return inner_->read_at(pos, out);
        }
        Status sync() override {
            std::function<void()> hook;
            {
                std::lock_guard lock(fs_.mu_);
                hook = fs_.before_sync_;
            }
            if (hook) hook();
            ++fs_.syncs_;
            fs_.note_event('s');
            if (fs_.sync_failures_.fetch_sub(1) > 0) {
                return Error(es::Errc::io_error, "injected: fdatasync: Input/output error");
            }
            fs_.sync_failures_ = 0;
            return inner_->sync();
        }
        void start_writeback() override {
            fs_.note_event('w');
            inner_->start_writeback();
        }
        Status truncate(uint64_t size) override { return inner_->truncate(size); }
        uint64_t size() const override { return inner_->size(); }

      private:
        FaultInjectionFileSystem& fs_;
        std::unique_ptr<File> inner_;
    };

    void note_event(char event) {
        std::lock_guard lock(mu_);
        events_.push_back(event);
    }

    mutable std::mutex mu_;
    std::optional<uint64_t> space_left_;
    std::function<void()> before_sync_;
    std::string events_;
    std::atomic<int> sync_failures_{0};
    std::atomic<int> syncs_{0};
};

/// The real file system without fdatasync, for tests that crash a log by cutting and copying its
/// files rather than by losing the page cache: real syncs (milliseconds each: every roll writes
/// three files atomically) would only make their thousands of steps slow.
class NoSyncFileSystem final : public FileSystem {
  public:
    Result<std::unique_ptr<File>> open(const std::string& path, OpenMode mode) override {
        ES_TRY(std::unique_ptr<File> inner, posix_file_system().open(path, mode));
        return std::unique_ptr<File>(std::make_unique<NoSyncFile>(std::move(inner)));
    }
    Status remove(const std::string& p) override { return posix_file_system().remove(p); }
    Status remove_all(const std::string& p) override { return posix_file_system().remove_all(p); }
    Status rename(const std::string& a, const std::string& b) override {
        return posix_file_system().rename(a, b);
    }
    Status create_directories(const std::string& p) override {
        return posix_file_system().create_directories(p);
    }
    Status sync_directory(const std::string&) override { return {}; }
    Result<std::vector<std::string>> list(const std::string& p) override {
        return posix_file_system().list(p);
    }
    bool exists(const std::string& p) override { return posix_file_system().exists(p); }

  private:
    class NoSyncFile final : public File {
      public:
        explicit NoSyncFile(std::unique_ptr<File> inner) : inner_(std::move(inner)) {}
        Status append(BytesView data) override { return inner_->append(data); }
        Status read_at(uint64_t position, MutableBytesView out) const override {
            return inner_->read_at(position, out);
        }
        Status sync() override { return {}; }
        Status truncate(uint64_t size) override { return inner_->truncate(size); }
        uint64_t size() const override { return inner_->size(); }

      private:
        std::unique_ptr<File> inner_;
    };
};

}  // namespace es::storage::testing
