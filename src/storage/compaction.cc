#include "storage/compaction.h"

#include "model/record_batch.h"
#include "storage/errc.h"
#include "storage/logger.h"
#include "storage/segment.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace es::storage {

using model::Offset;

CompactionJob::CompactionJob(FileSystem& fs, std::string dir, LogConfig config,
                             std::vector<Input> inputs, CompactionFilter filter)
    : fs_(fs),
      dir_(std::move(dir)),
      config_(config),
      inputs_(std::move(inputs)),
      filter_(std::move(filter)) {}

namespace {

/// Calls fn(view) for every batch of a sealed input, CRC-checked.
template <class Fn>
Status for_each_batch(const CompactionJob::Input& in, Fn&& fn) {
    BatchScanner scanner(*in.file, 0, in.size);
    while (true) {
        ES_TRY(std::optional<BatchInfo> info, scanner.next(/*verify=*/true));
        if (!info) return {};
        auto view = model::RecordBatchView::parse(scanner.last_bytes());
        if (!view.ok()) return Error(Errc::corrupt_segment, view.error().to_string());
        ES_CHECK(fn(*view));
    }
}

std::string key_of(BytesView key) { return std::string(as_string_view(key)); }

}  // namespace

Status CompactionJob::run(int64_t now_ms) {
    size_t max_inflate = config_.max_decompressed_batch_bytes;
    // Pass 1: the offset of the latest record of every key. Full keys, not hashes: a hash
    // collision would silently drop the only record of a key.
    // Batches of aborted transactions (by base offset) count for nothing and are dropped; the
    // predicate is asked once per batch so that both passes agree.
    std::unordered_map<std::string, int64_t> latest;
    std::unordered_set<int64_t> aborted;
    for (const auto& in : inputs_) {
        ES_CHECK(for_each_batch(in, [&](const model::RecordBatchView& batch) -> Status {
            if (batch.is_control()) return {};
            if (batch.is_transactional() && filter_.aborted &&
                filter_.aborted(batch.producer_id(), batch.base_offset())) {
                aborted.insert(batch.base_offset().value());
                return {};
            }
            ES_TRY(model::RecordSet records, batch.records(max_inflate));
            for (const auto& r : records) {
                if (!r.key) continue;
                latest[key_of(*r.key)] = batch.base_offset().value() + r.offset_delta;
            }
            return {};
        }));
    }

    // Pass 2: rewrite each segment with what survives.
    removed_.assign(inputs_.size(), false);
    for (size_t i = 0; i < inputs_.size(); ++i) {
        const Input& in = inputs_[i];
        std::string cleaned_path = dir_ + "/" + Segment::file_name(in.base, ".log.cleaned");
        ES_TRY(std::unique_ptr<File> out, fs_.open(cleaned_path, OpenMode::read_write_create));
        ES_CHECK(out->truncate(0));
        result_.bytes_before += in.size;
        ES_CHECK(for_each_batch(in, [&](const model::RecordBatchView& batch) -> Status {
            if (batch.is_control()) return out->append(batch.bytes());
            if (aborted.count(batch.base_offset().value()) != 0) {
                size_t count = static_cast<size_t>(std::max(batch.record_count(), 0));
                result_.records_removed += count;
                result_.aborted_records_removed += count;
                return {};
            }
            ES_TRY(model::RecordSet records, batch.records(max_inflate));
            model::BatchOptions options;
            options.compression = batch.compression();
            options.timestamp_type = batch.timestamp_type();
            options.producer_id = batch.producer_id();
            options.producer_epoch = batch.producer_epoch();
            options.base_sequence = batch.base_sequence();
            options.partition_leader_epoch = batch.partition_leader_epoch();
            options.transactional = batch.is_transactional();
            model::RecordBatchBuilder builder(batch.base_offset(), options);
            size_t kept = 0;
            for (const auto& r : records) {
                int64_t offset = batch.base_offset().value() + r.offset_delta;
                int64_t timestamp = batch.first_timestamp() + r.timestamp_delta;
                bool superseded = r.key && latest[key_of(*r.key)] != offset;
                bool expired_tombstone =
                    r.key && !r.value && timestamp < now_ms - config_.delete_retention_ms;
                if (superseded || expired_tombstone) {
                    ++result_.records_removed;
                    if (!r.value) ++result_.tombstones_removed;
                    continue;
                }
                builder.add(model::RecordSpec{r.key, r.value, timestamp, r.headers},
                            r.offset_delta);
                ++kept;
            }
            if (kept == records.size()) return out->append(batch.bytes());
            if (kept == 0) return {};
            builder.set_last_offset_delta(batch.last_offset_delta());
            ES_TRY(Bytes rebuilt, builder.build());
            if (batch.timestamp_type() == model::TimestampType::log_append_time) {
                model::set_log_append_time(rebuilt, batch.max_timestamp());
            }
            return out->append(rebuilt);
        }));
        ES_CHECK(out->sync());
        result_.bytes_after += out->size();
        removed_[i] = out->size() == 0;
    }
    done_ = true;
    return {};
}

void CompactionJob::discard() {
    for (const auto& in : inputs_) {
        auto removed = fs_.remove(dir_ + "/" + Segment::file_name(in.base, ".log.cleaned"));
        if (!removed.ok()) storage_log.warn("compaction: {}", removed.error().to_string());
    }
}

}  // namespace es::storage
