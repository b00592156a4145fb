#include "stream/state/kv_store.h"

#include "stream/state/errc.h"
#include "stream/state/key_codec.h"
#include "stream/state/store_impl.h"
#include "stream/state/stored_value.h"

#include <rocksdb/iterator.h>

#include <algorithm>
#include <limits>
#include <memory>

namespace es::stream::state {
namespace {

// Restore writes in batches of about this size: bounded memory for a changelog of any length.
constexpr size_t kRestoreBatchBytes = 4 << 20;

rocksdb::Slice slice(std::string_view s) { return {s.data(), s.size()}; }
std::string_view view(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

int64_t expiry_of(int64_t timestamp_ms, int64_t ttl_ms) {
    if (timestamp_ms > std::numeric_limits<int64_t>::max() - ttl_ms) {
        return std::numeric_limits<int64_t>::max();
    }
    return timestamp_ms + ttl_ms;
}

/// TTL index key: expiry (key_codec i64, so the index is in expiry order), then the user key.
void index_key(std::string& out, int64_t expiry_ms, std::string_view key) {
    out.clear();
    encode_i64(out, expiry_ms);
    out.append(key);
}

}  // namespace

Error to_error(const rocksdb::Status& s, std::string_view what) {
    std::string message(what);
    message += ": ";
    message += s.ToString();
    return Error(s.IsCorruption() ? Errc::corrupt : Errc::io, std::move(message));
}

Status DbCore::writable() const {
    if (write_failed) {
        return Error(Errc::closed, "an earlier write failed (" + failure->message() +
                                       "); reopen the state database");
    }
    if (failure)
        return Error(failure->code(), "refused after a failed read: " + failure->message());
    return ok_status();
}

Status DbCore::flush_restore(bool force) {
    if (!force && restore_batch.GetDataSize() < kRestoreBatchBytes) return ok_status();
    rocksdb::Status s = db->Write(write_options, &restore_batch);
    restore_batch.Clear();
    if (!s.ok()) {
        Error e = to_error(s, "writing a restore batch");
        fail(e);
        write_failed = true;
        return e;
    }
    return ok_status();
}

KvStore::Impl::Dirty& KvStore::Impl::dirty_slot(std::string_view key) {
    auto it = dirty.lower_bound(key);
    if (it == dirty.end() || it->first != key) {
        it = dirty.emplace_hint(it, std::string(key), Dirty{});
        dirty_bytes += key.size();
    } else {
        dirty_bytes -= it->second.stored.size();
    }
    return it->second;
}

Status KvStore::Impl::write_to(rocksdb::WriteBatch& batch) {
    lowest_new_index_key.reset();
    new_index_keys.clear();
    for (const auto& [key, entry] : dirty) {
        rocksdb::Status s;
        if (!entry.live) {
            s = batch.Delete(cf, slice(key));
        } else {
            s = batch.Put(cf, slice(key), slice(entry.stored));
            StoredView v = view_trusted(entry.stored);
            if (ttl_cf != nullptr && v.expiry_ms) {
                index_key(scratch, *v.expiry_ms, key);
                new_index_keys.push_back(scratch);
            }
        }
        if (!s.ok()) return to_error(s, "store '" + options.name + "': building the commit batch");
    }
    // In expiry order: expiries grow with event time, so each commit's index entries land next
    // to each other at the end of the memtable's skip list, where an insert in order reuses the
    // previous one's position instead of searching from the top (a third of the commit's time
    // went there with the entries in key order).
    std::sort(new_index_keys.begin(), new_index_keys.end());
    for (const std::string& k : new_index_keys) {
        rocksdb::Status s = batch.Put(ttl_cf, slice(k), rocksdb::Slice());
        if (!s.ok()) return to_error(s, "store '" + options.name + "': building the commit batch");
    }
    if (!new_index_keys.empty()) lowest_new_index_key = new_index_keys.front();
    for (const auto& k : index_deletes) {
        rocksdb::Status s = batch.Delete(ttl_cf, slice(k));
        if (!s.ok()) return to_error(s, "store '" + options.name + "': building the commit batch");
    }
    return ok_status();
}

void KvStore::Impl::committed() {
    for (auto& [key, entry] : dirty) cache.put(key, entry.live, std::move(entry.stored));
    dirty.clear();
    dirty_bytes = 0;
    // Everything up to the cursor is deleted now; a new entry may still land below it (a put
    // with an old timestamp), so the floor never passes the lowest key just written.
    if (expire_cursor) index_floor = std::move(*expire_cursor) + '\0';
    if (lowest_new_index_key && *lowest_new_index_key < index_floor) {
        index_floor = std::move(*lowest_new_index_key);
    }
    rolled_back();
}

void KvStore::Impl::rolled_back() {
    dirty.clear();
    dirty_bytes = 0;
    index_deletes.clear();
    expire_cursor.reset();
    lowest_new_index_key.reset();
}

void KvStore::Impl::restored() {
    cache.clear();
    index_floor.clear();
}

KvStore::KvStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KvStore::~KvStore() = default;

std::optional<std::string> KvStore::get(std::string_view key) {
    Impl& m = *impl_;
    ++m.stats.gets;
    if (!m.dirty.empty()) {
        if (auto it = m.dirty.find(key); it != m.dirty.end()) {
            ++m.stats.dirty_hits;
            if (!it->second.live) return std::nullopt;
            return std::string(view_trusted(it->second.stored).value);
        }
    }
    if (const CleanCache::Entry* e = m.cache.find(key)) {
        ++m.stats.cache_hits;
        if (!e->live) return std::nullopt;
        return std::string(view_trusted(e->stored).value);
    }
    ++m.stats.db_reads;
    m.pinned.Reset();
    rocksdb::Status s = m.core.db->Get(m.read_options, m.cf, slice(key), &m.pinned);
    if (s.IsNotFound()) {
        m.cache.put(key, false, std::string_view{});
        return std::nullopt;
    }
    if (!s.ok()) {
        m.core.fail(to_error(s, "store '" + m.options.name + "': reading a key"));
        return std::nullopt;
    }
    std::string_view stored = view(m.pinned);
    auto decoded = decode_stored(stored);
    if (!decoded.ok()) {
        m.core.fail(Error(decoded.error()).with_context("store '" + m.options.name + "'"));
        m.pinned.Reset();
        return std::nullopt;
    }
    std::optional<std::string> out(std::in_place, decoded->value);
    m.cache.put(key, true, stored);
    m.pinned.Reset();
    return out;
}

void KvStore::put(std::string_view key, std::string_view value, int64_t timestamp_ms) {
    Impl& m = *impl_;
    std::optional<int64_t> expiry;
    if (m.options.ttl_ms) expiry = expiry_of(timestamp_ms, *m.options.ttl_ms);
    Impl::Dirty& d = m.dirty_slot(key);
    d.live = true;
    encode_stored(d.stored, expiry, value);
    m.dirty_bytes += d.stored.size();
}

void KvStore::remove(std::string_view key) {
    Impl::Dirty& d = impl_->dirty_slot(key);
    d.live = false;
    d.stored.clear();
}

void KvStore::scan(std::string_view from, std::string_view to, const ScanFn& fn) {
    Impl& m = *impl_;
    const bool bounded = !to.empty();
    if (bounded && to <= from) return;

    auto dit = m.dirty.lower_bound(from);
    auto dend = bounded ? m.dirty.lower_bound(to) : m.dirty.end();

    rocksdb::ReadOptions ro = m.read_options;
    rocksdb::Slice upper = slice(to);
    if (bounded) ro.iterate_upper_bound = &upper;
    std::unique_ptr<rocksdb::Iterator> it(m.core.db->NewIterator(ro, m.cf));
    it->Seek(slice(from));

    while (true) {
        const bool have_dirty = dit != dend;
        const bool have_db = it->Valid();
        if (!have_db && !it->status().ok()) {
            m.core.fail(to_error(it->status(), "store '" + m.options.name + "': scanning"));
            return;
        }
        if (!have_dirty && !have_db) return;
        int order = !have_db      ? -1
                    : !have_dirty ? 1
                                  : std::string_view(dit->first).compare(view(it->key()));
        if (order <= 0) {
            // A dirty entry, alone or shadowing the committed one.
            const auto& [key, entry] = *dit;
            ++dit;
            if (order == 0) it->Next();
            if (entry.live && !fn(key, view_trusted(entry.stored).value)) return;
            continue;
        }
        auto decoded = decode_stored(view(it->value()));
        if (!decoded.ok()) {
            m.core.fail(Error(decoded.error()).with_context("store '" + m.options.name + "'"));
            return;
        }
        if (!fn(view(it->key()), decoded->value)) return;
        it->Next();
    }
}

void KvStore::scan_prefix(std::string_view prefix, const ScanFn& fn) {
    std::optional<std::string> end = prefix_end(prefix);
    scan(prefix, end ? std::string_view(*end) : std::string_view{}, fn);
}

size_t KvStore::expire(int64_t now_ms, size_t max) {
    Impl& m = *impl_;
    if (m.ttl_cf == nullptr || max == 0) return 0;

    std::string lower = m.expire_cursor ? *m.expire_cursor + '\0' : m.index_floor;
    std::string upper;
    rocksdb::ReadOptions ro = m.read_options;
    rocksdb::Slice upper_slice;
    if (now_ms < std::numeric_limits<int64_t>::max()) {
        encode_i64(upper, now_ms + 1);
        upper_slice = slice(upper);
        ro.iterate_upper_bound = &upper_slice;
    }
    // The index walk and its checks read each block once: keep them out of the block cache,
    // which is for the keys the task reads again and again.
    ro.fill_cache = false;
    std::unique_ptr<rocksdb::Iterator> it(m.core.db->NewIterator(ro, m.ttl_cf));

    size_t removed = 0;
    size_t examined = 0;
    for (it->Seek(slice(lower)); it->Valid() && examined < max; it->Next()) {
        std::string_view index = view(it->key());
        if (index.size() < kEncodedI64Size) {
            m.core.fail(Error(Errc::corrupt, "store '" + m.options.name +
                                                 "': TTL index key shorter than its expiry"));
            return removed;
        }
        const int64_t expiry = load_encoded_i64(index.data());
        const std::string_view key = index.substr(kEncodedI64Size);
        ++examined;

        // The entry's current expiry: dirty map, then cache, then RocksDB (not cached: the
        // entry is probably about to go, and should not push hot keys out).
        bool live = false;
        std::optional<int64_t> current;
        if (auto d = m.dirty.find(key); d != m.dirty.end()) {
            live = d->second.live;
            if (live) current = view_trusted(d->second.stored).expiry_ms;
        } else if (const CleanCache::Entry* e = m.cache.peek(key)) {
            live = e->live;
            if (live) current = view_trusted(e->stored).expiry_ms;
        } else {
            ++m.stats.db_reads;
            m.pinned.Reset();
            rocksdb::Status s = m.core.db->Get(ro, m.cf, slice(key), &m.pinned);
            if (!s.ok() && !s.IsNotFound()) {
                m.core.fail(to_error(s, "store '" + m.options.name + "': reading for expiry"));
                return removed;
            }
            if (s.ok()) {
                auto decoded = decode_stored(view(m.pinned));
                if (!decoded.ok()) {
                    m.core.fail(
                        Error(decoded.error()).with_context("store '" + m.options.name + "'"));
                    return removed;
                }
                live = true;
                current = decoded->expiry_ms;
            }
            m.pinned.Reset();
        }

        m.index_deletes.emplace_back(index);
        m.expire_cursor = m.index_deletes.back();
        if (live && current == expiry) {
            remove(key);
            ++removed;
            ++m.stats.expired;
        } else {
            ++m.stats.stale_index_entries;
        }
    }
    if (!it->Valid() && !it->status().ok()) {
        m.core.fail(
            to_error(it->status(), "store '" + m.options.name + "': walking the TTL index"));
    }
    return removed;
}

void KvStore::for_each_dirty(const DirtyFn& fn) const {
    for (const auto& [key, entry] : impl_->dirty) {
        if (entry.live) {
            fn(key, std::string_view(entry.stored));
        } else {
            fn(key, std::nullopt);
        }
    }
}

size_t KvStore::dirty_count() const { return impl_->dirty.size(); }
size_t KvStore::dirty_bytes() const { return impl_->dirty_bytes; }

Status KvStore::restore(std::string_view key, std::optional<std::string_view> stored) {
    Impl& m = *impl_;
    ES_CHECK(m.core.writable());
    if (!m.dirty.empty()) {
        return Error(Errc::invalid_argument,
                     "store '" + m.options.name + "': restore() while changes are uncommitted");
    }
    rocksdb::Status s;
    if (!stored) {
        s = m.core.restore_batch.Delete(m.cf, slice(key));
    } else {
        auto decoded = decode_stored(*stored);
        if (!decoded.ok()) {
            return Error(decoded.error())
                .with_context("store '" + m.options.name + "': changelog record");
        }
        s = m.core.restore_batch.Put(m.cf, slice(key), slice(*stored));
        if (s.ok() && m.ttl_cf != nullptr && decoded->expiry_ms) {
            index_key(m.scratch, *decoded->expiry_ms, key);
            s = m.core.restore_batch.Put(m.ttl_cf, slice(m.scratch), rocksdb::Slice());
        }
    }
    if (!s.ok()) return to_error(s, "store '" + m.options.name + "': building a restore batch");
    m.cache.erase(key);
    return m.core.flush_restore(false);
}

uint64_t KvStore::approximate_entries() {
    uint64_t n = 0;
    if (!impl_->core.db->GetIntProperty(impl_->cf, rocksdb::DB::Properties::kEstimateNumKeys, &n)) {
        return 0;
    }
    return n;
}

uint64_t KvStore::approximate_bytes() {
    uint64_t live = 0;
    uint64_t mem = 0;
    auto* db = impl_->core.db;
    if (!db->GetIntProperty(impl_->cf, rocksdb::DB::Properties::kEstimateLiveDataSize, &live)) {
        live = 0;
    }
    if (!db->GetIntProperty(impl_->cf, rocksdb::DB::Properties::kCurSizeAllMemTables, &mem)) {
        mem = 0;
    }
    return live + mem;
}

const std::string& KvStore::name() const { return impl_->options.name; }
const StoreOptions& KvStore::options() const { return impl_->options; }
const KvStoreStats& KvStore::stats() const { return impl_->stats; }

}  // namespace es::stream::state
