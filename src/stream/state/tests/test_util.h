#pragma once

#include <rocksdb/db.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace es::stream::state::testing {

/// A fresh directory under /tmp, removed with everything in it at the end of the test.
class TempDir {
  public:
    TempDir() {
        static std::atomic<int> counter{0};
        path_ = std::filesystem::temp_directory_path() /
                ("es_state_test." + std::to_string(::getpid()) + "." + std::to_string(counter++));
        std::filesystem::remove_all(path_);
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path db() const { return path_ / "db"; }

  private:
    std::filesystem::path path_;
};

/// Direct access to the RocksDB database of a closed TaskDb, to see what really reached disk
/// (or to plant bytes the TaskDb would never write).
class RawDb {
  public:
    explicit RawDb(const std::filesystem::path& dir) {
        std::vector<std::string> names;
        rocksdb::DBOptions options;
        if (!rocksdb::DB::ListColumnFamilies(options, dir.string(), &names).ok()) return;
        std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
        for (const auto& n : names) descriptors.emplace_back(n, rocksdb::ColumnFamilyOptions());
        std::vector<rocksdb::ColumnFamilyHandle*> handles;
        rocksdb::DB* raw = nullptr;
        if (!rocksdb::DB::Open(rocksdb::Options(options, rocksdb::ColumnFamilyOptions()),
                               dir.string(), descriptors, &handles, &raw)
                 .ok()) {
            return;
        }
        db_.reset(raw);
        names_ = names;
        handles_ = handles;
    }
    ~RawDb() {
        if (!db_) return;
        for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
        db_->Close().PermitUncheckedError();
    }

    bool ok() const { return db_ != nullptr; }

    rocksdb::ColumnFamilyHandle* family(const std::string& name) const {
        for (size_t i = 0; i < names_.size(); ++i) {
            if (names_[i] == name) return handles_[i];
        }
        return nullptr;
    }

    /// Entries in a column family; -1 when it does not exist.
    long count(const std::string& family_name) const {
        auto* cf = family(family_name);
        if (cf == nullptr) return -1;
        std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf));
        long n = 0;
        for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
        return n;
    }

    bool put(const std::string& family_name, const std::string& key, const std::string& value) {
        auto* cf = family(family_name);
        return cf != nullptr && db_->Put(rocksdb::WriteOptions(), cf, key, value).ok();
    }

  private:
    std::unique_ptr<rocksdb::DB> db_;
    std::vector<std::string> names_;
    std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

}  // namespace es::stream::state::testing
