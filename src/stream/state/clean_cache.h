#pragma once

#include <cstddef>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

namespace es::stream::state {

/// The committed state of recently used keys, LRU, in front of RocksDB: a hit costs a hash
/// lookup and a list splice, with no allocation. It also remembers keys known to be absent,
/// because aggregations look up every new key once, and a negative answer from RocksDB costs a
/// bloom probe per level. Once full, inserting reuses the least recently used node (list node
/// and hash node alike), so a steady stream of misses does not allocate either, beyond growing
/// the strings of a reused node.
///
/// Holds only what RocksDB holds (values reach it at commit, or from RocksDB reads), so a
/// rollback never touches it. Runs on: the task's thread.
class CleanCache {
  public:
    struct Entry {
        std::string key;
        bool live = false;   // false: the key is known to be absent
        std::string stored;  // stored encoding (stored_value.h) when live
    };

    explicit CleanCache(size_t capacity) : capacity_(capacity) { index_.reserve(capacity); }

    size_t size() const { return index_.size(); }
    size_t capacity() const { return capacity_; }

    /// The entry, made most recently used; nullptr when the key is not cached.
    const Entry* find(std::string_view key) {
        auto it = index_.find(key);
        if (it == index_.end()) return nullptr;
        lru_.splice(lru_.begin(), lru_, it->second);
        return &*it->second;
    }

    /// Like find(), without changing the order (expiry checks should not keep dying keys hot).
    const Entry* peek(std::string_view key) const {
        auto it = index_.find(key);
        return it == index_.end() ? nullptr : &*it->second;
    }

    /// Inserts or replaces. `stored` is moved from when the caller passes an rvalue string.
    void put(std::string_view key, bool live, std::string_view stored) {
        if (Entry* e = slot(key)) {
            e->live = live;
            e->stored.assign(live ? stored : std::string_view{});
        }
    }
    void put(std::string_view key, bool live, std::string&& stored) {
        if (Entry* e = slot(key)) {
            e->live = live;
            if (live) {
                e->stored.swap(stored);
            } else {
                e->stored.clear();
            }
        }
    }

    void erase(std::string_view key) {
        auto it = index_.find(key);
        if (it == index_.end()) return;
        auto node = it->second;
        index_.erase(it);
        lru_.erase(node);
    }

    void clear() {
        index_.clear();
        lru_.clear();
    }

  private:
    using List = std::list<Entry>;

    /// The entry for `key`, most recently used, existing or new (reusing the LRU node when
    /// full); nullptr when the cache is disabled.
    Entry* slot(std::string_view key) {
        if (capacity_ == 0) return nullptr;
        if (auto it = index_.find(key); it != index_.end()) {
            lru_.splice(lru_.begin(), lru_, it->second);
            return &*it->second;
        }
        if (index_.size() < capacity_) {
            lru_.emplace_front();
            lru_.front().key.assign(key);
            index_.emplace(lru_.front().key, lru_.begin());
            return &lru_.front();
        }
        // Reuse the oldest node: take its hash node out while its key is still intact, rename
        // both, and put the hash node back.
        auto victim = std::prev(lru_.end());
        auto node = index_.extract(victim->key);
        victim->key.assign(key);
        node.key() = victim->key;
        node.mapped() = victim;
        index_.insert(std::move(node));
        lru_.splice(lru_.begin(), lru_, victim);
        return &*victim;
    }

    size_t capacity_;
    List lru_;  // front: most recently used
    // Keys are views of the list entries' keys, which stay put as nodes move between positions.
    std::unordered_map<std::string_view, List::iterator> index_;
};

}  // namespace es::stream::state
