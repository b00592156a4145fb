#pragma once

#include "stream/api/operator.h"
#include "stream/api/serde.h"
#include "stream/state/kv_store.h"

#include <functional>
#include <string>
#include <utility>

namespace es::stream::ops {

/// Drops a record whose id was already seen less than `within` earlier or later in event time.
/// The store keeps, per id, the event time it was first seen, with a TTL of `within`, so it
/// stays bounded under a steady input. A record so old that its duplicates may already be
/// forgotten (timestamp + within at or before the watermark) cannot be judged: it goes to the
/// late output.
template <class K, class V, class Id>
class DeduplicateOp final : public Input<K, V>, public Emits<K, V>, public EmitsLate<K, V> {
  public:
    using IdFn = std::function<Id(const V& value)>;

    DeduplicateOp(std::string store, TimeMs within, IdFn id)
        : store_name_(std::move(store)), within_(within), id_(std::move(id)) {}

    void open(TaskContext& ctx) override { store_ = &ctx.store(store_name_); }

    void process(const Record<K, V>& r) override {
        ++this->counters_.records_in;
        if (saturating_add(r.timestamp, within_) <= this->current_watermark()) {
            ++this->counters_.late_records;
            this->late.emit(r);
            return;
        }
        key_.clear();
        Serde<Id>::encode(id_(r.value), key_);
        if (auto seen = store_->get(key_); seen && seen->size() == 8) {
            TimeMs first = static_cast<TimeMs>(serde_detail::read_be64(*seen));
            TimeMs distance = r.timestamp > first ? r.timestamp - first : first - r.timestamp;
            if (distance < within_) {
                ++this->counters_.dropped_records;
                return;
            }
        }
        value_.clear();
        serde_detail::append_be64(value_, static_cast<uint64_t>(r.timestamp));
        store_->put(key_, value_, r.timestamp);
        this->out.emit(r);
    }

  private:
    std::string store_name_;
    TimeMs within_;
    IdFn id_;
    state::KvStore* store_ = nullptr;
    std::string key_;
    std::string value_;
};

}  // namespace es::stream::ops
