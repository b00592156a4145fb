#include "stream/api/timers.h"

#include "stream/state/key_codec.h"
#include "stream/state/kv_store.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace es::stream {
namespace {

/// Timers fired per scan: bounds what one scan holds in memory while `fire` may add more.
constexpr size_t kFireBatch = 256;

}  // namespace

TimerQueue::TimerQueue(state::KvStore& store) : store_(store) { find_earliest(); }

void TimerQueue::add(TimeMs at, std::string_view id) {
    key_.clear();
    state::encode_i64(key_, at);
    key_.append(id);
    store_.put(key_, {});
    earliest_ = std::min(earliest_, at);
}

void TimerQueue::remove(TimeMs at, std::string_view id) {
    key_.clear();
    state::encode_i64(key_, at);
    key_.append(id);
    store_.remove(key_);
}

void TimerQueue::find_earliest() {
    earliest_ = kMaxTime;
    store_.scan({}, {}, [&](std::string_view key, std::string_view) {
        if (key.size() >= state::kEncodedI64Size) earliest_ = state::load_encoded_i64(key.data());
        return false;
    });
}

void TimerQueue::fire_until(TimeMs until,
                            const std::function<void(TimeMs at, std::string_view id)>& fire) {
    std::string end;
    if (until != kMaxTime) state::encode_i64(end, until + 1);
    std::vector<std::pair<TimeMs, std::string>> due;
    while (earliest_ <= until) {
        due.clear();
        store_.scan({}, end, [&](std::string_view key, std::string_view) {
            if (key.size() < state::kEncodedI64Size) return true;  // not a timer: skip it
            due.emplace_back(state::load_encoded_i64(key.data()),
                             std::string(key.substr(state::kEncodedI64Size)));
            return due.size() < kFireBatch;
        });
        if (due.empty()) {
            // Only stale bounds were due (timers removed since): learn the real earliest.
            find_earliest();
            return;
        }
        for (auto& [at, id] : due) {
            remove(at, id);
            fire(at, id);
        }
        find_earliest();
    }
}

}  // namespace es::stream
