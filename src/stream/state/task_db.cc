#include "stream/state/task_db.h"

#include "stream/state/errc.h"
#include "stream/state/key_codec.h"
#include "stream/state/store_impl.h"

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>

#include <algorithm>
#include <system_error>
#include <vector>

namespace es::stream::state {
namespace {

namespace fs = std::filesystem;

// Column family names use ':', which store names may not contain, so they never collide.
constexpr std::string_view kMetaFamily = "es:meta";
constexpr std::string_view kTtlPrefix = "ttl:";
constexpr std::string_view kCheckpointKey = "checkpoint";
constexpr char kCheckpointFormat = 0x01;
constexpr size_t kMaxStoreName = 200;

rocksdb::Slice slice(std::string_view s) { return {s.data(), s.size()}; }

bool valid_store_name(std::string_view name) {
    if (name.empty() || name.size() > kMaxStoreName) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == '-';
    });
}

/// Names RocksDB itself creates in a database directory. Open refuses, and wipe leaves alone,
/// a directory that holds anything else: a misconfigured state path must not be taken over
/// or emptied.
bool is_rocksdb_file(std::string_view name) {
    auto starts = [&](std::string_view p) { return name.substr(0, p.size()) == p; };
    auto ends = [&](std::string_view s) {
        return name.size() >= s.size() && name.substr(name.size() - s.size()) == s;
    };
    return name == "CURRENT" || name == "LOCK" || name == "IDENTITY" || starts("LOG") ||
           starts("MANIFEST-") || starts("OPTIONS-") || ends(".log") || ends(".sst") ||
           ends(".blob") || ends(".dbtmp");
}

/// The first entry of `dir` that RocksDB would not have made, if any.
Result<std::optional<std::string>> foreign_entry(const fs::path& dir) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        std::string name = it->path().filename().string();
        if (!it->is_regular_file(ec) || !is_rocksdb_file(name)) return {std::move(name)};
    }
    if (ec) return Error(Errc::io, "listing " + dir.string() + ": " + ec.message());
    return std::optional<std::string>();
}

std::string encode_checkpoint(const std::map<std::string, std::string>& checkpoint) {
    std::string out(1, kCheckpointFormat);
    encode_i64(out, static_cast<int64_t>(checkpoint.size()));
    for (const auto& [k, v] : checkpoint) {
        encode_bytes(out, k);
        encode_bytes(out, v);
    }
    return out;
}

Result<std::map<std::string, std::string>> decode_checkpoint(std::string_view bytes) {
    if (bytes.empty() || bytes[0] != kCheckpointFormat) {
        return Error(Errc::corrupt, "checkpoint has an unknown format");
    }
    KeyDecoder in(bytes.substr(1));
    ES_TRY(int64_t count, in.i64());
    // Each entry takes at least two length prefixes: a hostile count cannot make us loop long.
    if (count < 0 || static_cast<uint64_t>(count) > in.rest().size() / (2 * kBytesPrefixSize)) {
        return Error(Errc::corrupt, "checkpoint entry count " + std::to_string(count) +
                                        " does not fit its " + std::to_string(bytes.size()) +
                                        " bytes");
    }
    std::map<std::string, std::string> out;
    for (int64_t i = 0; i < count; ++i) {
        ES_TRY(std::string_view k, in.bytes());
        ES_TRY(std::string_view v, in.bytes());
        out.emplace(k, v);
    }
    ES_CHECK(in.finish());
    return out;
}

rocksdb::CompressionType pick(const std::vector<rocksdb::CompressionType>& supported,
                              rocksdb::CompressionType want) {
    return std::find(supported.begin(), supported.end(), want) != supported.end()
               ? want
               : rocksdb::kNoCompression;
}

/// Store families serve point lookups first: whole-key bloom filters (in SSTs and memtables)
/// make a miss cost no data block read, and the hash index inside data blocks makes a hit a
/// single probe instead of a binary search. Index and filter blocks live in the block cache, so
/// one number bounds the database's read memory.
rocksdb::ColumnFamilyOptions family_options(const std::shared_ptr<rocksdb::Cache>& cache,
                                            bool point_lookups) {
    rocksdb::BlockBasedTableOptions table;
    table.block_cache = cache;
    table.cache_index_and_filter_blocks = true;
    table.pin_l0_filter_and_index_blocks_in_cache = true;
    table.format_version = 5;
    rocksdb::ColumnFamilyOptions cf;
    if (point_lookups) {
        table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
        table.whole_key_filtering = true;
        table.data_block_index_type = rocksdb::BlockBasedTableOptions::kDataBlockBinaryAndHash;
        table.data_block_hash_table_util_ratio = 0.75;
        cf.memtable_prefix_bloom_size_ratio = 0.02;
        cf.memtable_whole_key_filtering = true;
    }
    cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    // Many stores per task and many tasks per process: smaller memtables than RocksDB's 64 MB.
    cf.write_buffer_size = 16 << 20;
    cf.level_compaction_dynamic_level_bytes = true;
    auto supported = rocksdb::GetSupportedCompressions();
    cf.compression = pick(supported, rocksdb::kLZ4Compression);
    cf.bottommost_compression = pick(supported, rocksdb::kZSTD);
    return cf;
}

}  // namespace

struct TaskDb::Impl {
    ~Impl() {
        stores.clear();
        if (db) {
            for (auto& [name, handle] : families)
                db->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
            db->Close().PermitUncheckedError();
        }
    }

    Result<rocksdb::ColumnFamilyHandle*> family(const std::string& name, bool point_lookups) {
        if (auto it = families.find(name); it != families.end()) return it->second;
        rocksdb::ColumnFamilyHandle* handle = nullptr;
        rocksdb::Status s = db->CreateColumnFamily(
            point_lookups ? store_family_options : index_family_options, name, &handle);
        if (!s.ok()) return to_error(s, "creating column family '" + name + "'");
        families.emplace(name, handle);
        return handle;
    }

    fs::path dir;
    std::shared_ptr<rocksdb::Cache> block_cache;
    rocksdb::ColumnFamilyOptions store_family_options;
    rocksdb::ColumnFamilyOptions index_family_options;
    std::unique_ptr<rocksdb::DB> db;
    std::map<std::string, rocksdb::ColumnFamilyHandle*, std::less<>> families;
    rocksdb::ColumnFamilyHandle* meta = nullptr;
    DbCore core;
    std::map<std::string, std::unique_ptr<KvStore>, std::less<>> stores;
    std::map<std::string, std::string> checkpoint;
    rocksdb::WriteBatch batch;  // reused by commit(), keeping its capacity
};

TaskDb::TaskDb(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TaskDb::~TaskDb() = default;

Result<std::unique_ptr<TaskDb>> TaskDb::open(const fs::path& dir, const DbOptions& options) {
    const std::string where = "state database " + dir.string();
    std::error_code ec;
    auto status = fs::status(dir, ec);
    if (fs::exists(status) && !fs::is_directory(status)) {
        return Error(Errc::io, where + ": exists and is not a directory");
    }
    if (!fs::exists(status)) {
        fs::create_directories(dir, ec);
        if (ec) return Error(Errc::io, where + ": creating the directory: " + ec.message());
    }
    const bool existing = fs::exists(dir / "CURRENT", ec);
    if (!existing) {
        ES_TRY(auto foreign, foreign_entry(dir));
        if (foreign) {
            return Error(Errc::corrupt, where + ": holds '" + *foreign +
                                            "' but no RocksDB database (no CURRENT file); "
                                            "refusing to create one there");
        }
    }

    auto impl = std::make_unique<Impl>();
    impl->dir = dir;
    // Few shards: one task's database is read by its stream thread (and compactions), so
    // contention is no concern, and RocksDB's default (a shard per 512 KiB) makes each shard
    // smaller than a full filter block of a large table: such a block was evicted as soon as
    // it was released and read from disk again on every lookup (Nexmark q16: 80% of its time).
    impl->block_cache = rocksdb::NewLRUCache(options.block_cache_bytes, /*num_shard_bits=*/1);
    impl->store_family_options = family_options(impl->block_cache, true);
    impl->index_family_options = family_options(impl->block_cache, false);

    rocksdb::DBOptions db_options;
    db_options.create_if_missing = true;
    db_options.create_missing_column_families = true;
    db_options.max_background_jobs = 2;
    db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
    db_options.keep_log_file_num = 2;

    std::vector<std::string> names;
    if (existing) {
        rocksdb::Status s = rocksdb::DB::ListColumnFamilies(db_options, dir.string(), &names);
        if (!s.ok()) return to_error(s, where + ": listing column families");
    }
    for (std::string_view required :
         {std::string_view(rocksdb::kDefaultColumnFamilyName), kMetaFamily}) {
        if (std::find(names.begin(), names.end(), required) == names.end()) {
            names.emplace_back(required);
        }
    }
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const auto& name : names) {
        bool index = std::string_view(name).substr(0, kTtlPrefix.size()) == kTtlPrefix ||
                     name == kMetaFamily;
        descriptors.emplace_back(name,
                                 index ? impl->index_family_options : impl->store_family_options);
    }

    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    rocksdb::Status s = rocksdb::DB::Open(rocksdb::Options(db_options, impl->store_family_options),
                                          dir.string(), descriptors, &handles, &raw);
    if (!s.ok()) return to_error(s, where + ": opening");
    impl->db.reset(raw);
    for (size_t i = 0; i < handles.size(); ++i) impl->families.emplace(names[i], handles[i]);
    impl->meta = impl->families.find(kMetaFamily)->second;
    impl->core.db = raw;
    impl->core.write_options.sync = options.sync_commits;

    std::string stored;
    s = raw->Get(rocksdb::ReadOptions(), impl->meta, slice(kCheckpointKey), &stored);
    if (s.ok()) {
        auto checkpoint = decode_checkpoint(stored);
        if (!checkpoint.ok()) return Error(checkpoint.error()).with_context(where);
        impl->checkpoint = std::move(checkpoint).value();
    } else if (!s.IsNotFound()) {
        return to_error(s, where + ": reading the checkpoint");
    }
    return std::unique_ptr<TaskDb>(new TaskDb(std::move(impl)));
}

Result<KvStore*> TaskDb::store(const StoreOptions& options) {
    Impl& m = *impl_;
    if (!valid_store_name(options.name)) {
        return Error(Errc::invalid_argument,
                     "store name '" + options.name + "' is not 1 to 200 of [A-Za-z0-9._-]");
    }
    if (options.ttl_ms && *options.ttl_ms <= 0) {
        return Error(Errc::invalid_argument, "store '" + options.name + "': ttl_ms must be > 0");
    }
    if (auto it = m.stores.find(options.name); it != m.stores.end()) {
        if (it->second->options() != options) {
            return Error(Errc::invalid_argument,
                         "store '" + options.name + "' is already open with other options");
        }
        return it->second.get();
    }
    ES_TRY(rocksdb::ColumnFamilyHandle * cf, m.family(options.name, true));
    rocksdb::ColumnFamilyHandle* ttl_cf = nullptr;
    if (options.ttl_ms) {
        ES_TRY(ttl_cf, m.family(std::string(kTtlPrefix) + options.name, false));
    }
    auto store =
        std::make_unique<KvStore>(std::make_unique<KvStore::Impl>(m.core, options, cf, ttl_cf));
    KvStore* out = store.get();
    m.stores.emplace(options.name, std::move(store));
    return out;
}

Status TaskDb::commit(const std::map<std::string, std::string>& checkpoint) {
    Impl& m = *impl_;
    if (auto s = m.core.writable(); !s.ok()) return std::move(s).error().with_context("commit");
    // An idle task commits every interval too; with nothing to write, skip RocksDB entirely.
    const bool changed = std::any_of(m.stores.begin(), m.stores.end(),
                                     [](const auto& s) { return s.second->impl_->has_changes(); });
    if (!changed && checkpoint == m.checkpoint) return ok_status();

    m.batch.Clear();
    for (auto& [name, store] : m.stores) ES_CHECK(store->impl_->write_to(m.batch));
    rocksdb::Status s = m.batch.Put(m.meta, slice(kCheckpointKey), encode_checkpoint(checkpoint));
    if (s.ok()) s = m.db->Write(m.core.write_options, &m.batch);
    if (!s.ok()) {
        Error e = to_error(s, "commit");
        m.core.fail(e);
        m.core.write_failed = true;
        return e;
    }
    for (auto& [name, store] : m.stores) store->impl_->committed();
    m.checkpoint = checkpoint;
    return ok_status();
}

void TaskDb::rollback() {
    for (auto& [name, store] : impl_->stores) store->impl_->rolled_back();
}

const std::map<std::string, std::string>& TaskDb::checkpoint() const { return impl_->checkpoint; }

Status TaskDb::finish_restore(const std::map<std::string, std::string>& checkpoint) {
    Impl& m = *impl_;
    ES_CHECK(m.core.writable());
    rocksdb::Status s =
        m.core.restore_batch.Put(m.meta, slice(kCheckpointKey), encode_checkpoint(checkpoint));
    if (!s.ok()) return to_error(s, "finishing a restore");
    ES_CHECK(m.core.flush_restore(true));
    for (auto& [name, store] : m.stores) store->impl_->restored();
    m.checkpoint = checkpoint;
    return ok_status();
}

Status TaskDb::health() const {
    if (impl_->core.failure) return *impl_->core.failure;
    return ok_status();
}

Status TaskDb::wipe(const fs::path& dir) {
    std::error_code ec;
    auto status = fs::status(dir, ec);
    if (!fs::exists(status)) return ok_status();
    if (!fs::is_directory(status)) {
        return Error(Errc::invalid_argument, "wipe " + dir.string() + ": not a directory");
    }
    ES_TRY(auto foreign, foreign_entry(dir));
    if (foreign) {
        return Error(Errc::invalid_argument, "wipe " + dir.string() + ": holds '" + *foreign +
                                                 "', which is not RocksDB's; refusing to delete");
    }
    fs::remove_all(dir, ec);
    if (ec) return Error(Errc::io, "wipe " + dir.string() + ": " + ec.message());
    return ok_status();
}

}  // namespace es::stream::state
