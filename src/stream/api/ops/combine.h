#pragma once

// The local phase of a two-phase aggregation: records of the same key and the same slice of
// event time fold into one inside the task, before a repartition topic. Nothing of it is state:
// a folded record leaves when the watermark passes its slice or, at the latest, when the task
// prepares its commit, so the transaction that commits the input offsets carries it. A task
// rebuilt after an abort re-reads the input and folds it again. Records of slices the watermark
// has passed are not held: they leave at once, as they would without folding, so that lateness
// downstream judges them at the same point.

#include "stream/api/operator.h"
#include "stream/api/serde.h"

#include <map>
#include <string>
#include <utility>

namespace es::stream::ops {

template <class K, class V, class Agg, class Init, class Add>
class CombineOp final : public Input<K, V>, public Emits<K, Agg> {
  public:
    /// Beyond this many folded records, all leave at once: memory stays bounded when keys are
    /// many (folding then saves less, and changes nothing downstream).
    static constexpr size_t kMaxFolded = 100'000;

    CombineOp(TimeMs slice, Init init, Add add)
        : slice_(slice), init_(std::move(init)), add_(std::move(add)) {}

    void process(const Record<K, V>& r) override {
        ++this->counters_.records_in;
        const TimeMs start = slice_start(r.timestamp);
        if (saturating_add(start, slice_) <= saturating_add(this->current_watermark(), 1)) {
            // Behind the watermark already: held back, it would reach the windows downstream
            // after watermarks that other tasks send meanwhile, later than it would alone.
            this->out.emit(Record<K, Agg>{r.key, add_(r.value, init_()), r.timestamp});
            return;
        }
        key_buf_.clear();
        Serde<K>::encode(r.key, key_buf_);
        auto [it, inserted] = folded_.try_emplace(std::make_pair(start, key_buf_));
        Folded& f = it->second;
        if (inserted) {
            f.record = Record<K, Agg>{r.key, init_(), r.timestamp};
        }
        f.record.value = add_(r.value, std::move(f.record.value));
        if (folded_.size() > kMaxFolded) flush_until(kMaxTime);
    }

    /// Slices the watermark has passed go first, so they reach the windows downstream before
    /// the watermark that closes them.
    void on_watermark(TimeMs watermark) override {
        flush_until(watermark == kMaxTime ? kMaxTime : watermark + 1);
    }

    void prepare_commit() override { flush_until(kMaxTime); }

  private:
    struct Folded {
        Record<K, Agg> record;
    };

    TimeMs slice_start(TimeMs ts) const {
        TimeMs r = ts % slice_;
        return ts - (r < 0 ? r + slice_ : r);
    }

    /// Emits the folded records of the slices that end at or before `end`, oldest first.
    void flush_until(TimeMs end) {
        auto it = folded_.begin();
        while (it != folded_.end() &&
               (end == kMaxTime || saturating_add(it->first.first, slice_) <= end)) {
            this->out.emit(it->second.record);
            it = folded_.erase(it);
        }
    }

    TimeMs slice_;
    Init init_;
    Add add_;
    std::string key_buf_;
    std::map<std::pair<TimeMs, std::string>, Folded> folded_;
};

}  // namespace es::stream::ops
