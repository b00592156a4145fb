// Compaction of transactional data: aborted transactions are dropped and never supersede a
// committed value; open transactions (at or past the cleanable end) are left alone.

#include "model/record_batch.h"
#include "storage/compaction.h"
#include "storage/log.h"
#include "storage/segment.h"
#include "storage/tests/test_util.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <utility>
#include <vector>

namespace es::storage {
namespace {

using model::Offset;
using model::ProducerId;
using testing::TempDir;

struct Entry {
    std::string key;
    std::optional<std::string> value;
    bool control = false;
    bool transactional = false;
};

LogConfig compact_config() {
    LogConfig c;
    c.segment_bytes = 700;
    c.index_interval_bytes = 128;
    c.cleanup_compact = true;
    c.cleanup_delete = false;
    c.delete_retention_ms = 10'000;
    return c;
}

class TxnLog {
  public:
    explicit TxnLog(const std::string& dir)
        : log_(std::move(Log::open(posix_file_system(), dir, compact_config(), [this] {
                   return now_;
               })).value()) {}

    Log& operator*() { return *log_; }
    Log* operator->() { return log_.get(); }

    /// Appends a one-record batch; transactional when `producer` is set. Returns its offset.
    Offset put(const std::string& key, const std::string& value,
               std::optional<ProducerId> producer = {}) {
        model::BatchOptions options;
        if (producer) {
            options.transactional = true;
            options.producer_id = *producer;
            options.producer_epoch = model::ProducerEpoch(0);
            options.base_sequence = sequence_[producer->value()]++;
        }
        model::RecordBatchBuilder b(Offset(0), options);
        b.add(as_bytes(key), as_bytes(value), 1000);
        Bytes bytes = std::move(b.build()).value();
        return append(bytes);
    }

    Offset marker(ProducerId producer, model::ControlRecord::Type type) {
        Bytes bytes =
            model::make_control_batch(Offset(0), producer, model::ProducerEpoch(0), type, 0, 1000);
        return append(bytes);
    }

    /// Non-transactional records with unique keys (never superseded), to fill segments.
    void filler(int count) {
        for (int i = 0; i < count; ++i) put("filler" + std::to_string(fillers_++), "f");
    }

  private:
    Offset append(Bytes& bytes) {
        Offset at = log_->end_offset();
        auto appended = log_->append(bytes);
        EXPECT_TRUE(appended.ok()) << appended.error().to_string();
        return at;
    }

    int64_t now_ = 1'000'000;
    std::unique_ptr<Log> log_;
    std::map<int64_t, int32_t> sequence_;
    int fillers_ = 0;
};

/// Every record of the log by offset (control batches appear with their marker record).
std::map<int64_t, Entry> contents(const Log& log) {
    std::map<int64_t, Entry> out;
    Offset at = log.start_offset();
    while (at < log.end_offset()) {
        auto r = log.read(at, 1 << 20);
        EXPECT_TRUE(r.ok()) << r.error().to_string();
        if (!r.ok() || r->data.empty()) break;
        BytesView rest = r->data.view();
        while (!rest.empty()) {
            auto batch = model::RecordBatchView::parse(rest);
            EXPECT_TRUE(batch.ok()) << batch.error().to_string();
            if (!batch.ok()) return out;
            auto records = batch->records(1 << 24);
            EXPECT_TRUE(records.ok());
            for (const auto& rec : *records) {
                Entry e;
                e.key = rec.key ? std::string(as_string_view(*rec.key)) : "<null>";
                if (rec.value) e.value = std::string(as_string_view(*rec.value));
                e.control = batch->is_control();
                e.transactional = batch->is_transactional();
                out[batch->base_offset().value() + rec.offset_delta] = e;
            }
            rest = rest.subspan(batch->size());
        }
        at = r->next_offset;
    }
    return out;
}

std::string file_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// The bytes of every segment file, by base offset.
std::map<int64_t, std::string> segment_files(Log& log) {
    std::map<int64_t, std::string> out;
    for (const auto& [base, segment] : log.segments()) {
        out[base.value()] = file_bytes(log.directory() + "/" + Segment::file_name(base, ".log"));
    }
    return out;
}

size_t control_count(const std::map<int64_t, Entry>& entries) {
    size_t n = 0;
    for (const auto& [o, e] : entries) n += e.control ? 1 : 0;
    return n;
}

TEST(CompactionTxn, AbortedValueNeverWinsAndIsDropped) {
    TempDir dir;
    TxnLog log(dir.path());
    const ProducerId committed_pid(7), aborted_pid(8);
    log.filler(10);
    Offset v1 = log.put("K", "v1", committed_pid);
    ASSERT_EQ(v1, Offset(10));
    Offset commit = log.marker(committed_pid, model::ControlRecord::Type::commit);
    log.filler(8);
    Offset v2 = log.put("K", "v2", aborted_pid);
    ASSERT_EQ(v2, Offset(20));
    Offset abort = log.marker(aborted_pid, model::ControlRecord::Type::abort);
    log.filler(20);  // seals everything above behind later segments
    ASSERT_GT(log->segments().rbegin()->first, abort);
    auto before = contents(*log);

    std::vector<std::pair<int64_t, int64_t>> asked;
    CompactionFilter filter;
    filter.aborted = [&](ProducerId pid, Offset base) {
        asked.emplace_back(pid.value(), base.value());
        return pid == aborted_pid && base == v2;
    };
    auto result = log->compact(filter);
    ASSERT_TRUE(result.ok()) << result.error().to_string();
    EXPECT_FALSE(result->aborted);
    auto after = contents(*log);

    ASSERT_EQ(after.count(v1.value()), 1u) << "committed K=v1 is the latest surviving value";
    EXPECT_EQ(after[v1.value()].value, "v1");
    EXPECT_EQ(after.count(v2.value()), 0u) << "aborted K=v2 is removed";
    EXPECT_EQ(after.count(commit.value()), 1u) << "commit marker kept";
    EXPECT_EQ(after.count(abort.value()), 1u) << "abort marker kept";
    EXPECT_TRUE(after[abort.value()].control);
    EXPECT_EQ(control_count(after), control_count(before));
    EXPECT_EQ(result->aborted_records_removed, 1u);
    EXPECT_EQ(after.size(), before.size() - 1);
    // Only transactional data batches were asked about: the two K batches, no marker or filler.
    std::set<std::pair<int64_t, int64_t>> expected_asks{{7, v1.value()}, {8, v2.value()}};
    EXPECT_EQ(std::set(asked.begin(), asked.end()), expected_asks);
    EXPECT_EQ(asked.size(), 2u) << "the predicate is asked once per batch";

    // A restart reads the same thing back.
    ASSERT_TRUE(log->close().ok());
    auto reopened = std::move(Log::open(posix_file_system(), dir.path(), compact_config())).value();
    auto again = contents(*reopened);
    ASSERT_EQ(again.count(v1.value()), 1u);
    EXPECT_EQ(again[v1.value()].value, "v1");
    EXPECT_EQ(again.count(v2.value()), 0u);
    std::printf(
        "aborted txn: K=v1@%lld (committed) kept, K=v2@%lld (aborted) dropped, markers @%lld "
        "@%lld kept, %zu aborted record(s) removed, predicate asked %zu times\n",
        static_cast<long long>(v1.value()), static_cast<long long>(v2.value()),
        static_cast<long long>(commit.value()), static_cast<long long>(abort.value()),
        result->aborted_records_removed, asked.size());
}

TEST(CompactionTxn, SameProducerNotAbortedIsKept) {
    TempDir dir;
    TxnLog log(dir.path());
    const ProducerId pid(7);
    Offset plain = log.put("K", "plain");  // non-transactional, superseded by the commit below
    log.filler(3);
    Offset aborted = log.put("K", "aborted", pid);
    Offset aborted_j = log.put("J", "aborted", pid);
    log.marker(pid, model::ControlRecord::Type::abort);
    log.filler(3);
    Offset committed = log.put("K", "committed", pid);
    log.marker(pid, model::ControlRecord::Type::commit);
    log.filler(20);
    auto before = contents(*log);

    CompactionFilter filter;
    filter.aborted = [&](ProducerId p, Offset base) {
        return p == pid && (base == aborted || base == aborted_j);
    };
    auto result = log->compact(filter);
    ASSERT_TRUE(result.ok()) << result.error().to_string();
    auto after = contents(*log);
    ASSERT_EQ(after.count(committed.value()), 1u) << "same producer, committed: kept";
    EXPECT_EQ(after[committed.value()].value, "committed");
    EXPECT_TRUE(after[committed.value()].transactional);
    EXPECT_EQ(after.count(aborted.value()), 0u);
    EXPECT_EQ(after.count(aborted_j.value()), 0u) << "J's only value was aborted: J is gone";
    EXPECT_EQ(after.count(plain.value()), 0u) << "superseded by the committed value";
    EXPECT_EQ(control_count(after), control_count(before)) << "both markers kept";
    EXPECT_EQ(result->aborted_records_removed, 2u);
    std::printf(
        "same producer %lld: aborted batches @%lld,@%lld dropped, committed K@%lld kept and "
        "supersedes K@%lld; %zu control batches before and after\n",
        static_cast<long long>(pid.value()), static_cast<long long>(aborted.value()),
        static_cast<long long>(aborted_j.value()), static_cast<long long>(committed.value()),
        static_cast<long long>(plain.value()), control_count(after));
}

TEST(CompactionTxn, OpenTransactionSegmentsAreLeftAlone) {
    TempDir dir;
    TxnLog log(dir.path());
    const ProducerId open_pid(9);
    Offset old_k = log.put("K", "old");
    Offset dup_a = log.put("D", "1");
    Offset dup_b = log.put("D", "2");  // supersedes dup_a inside the cleanable part
    log.filler(14);
    Offset open_k = log.put("K", "open", open_pid);  // the last stable offset
    log.put("D", "open", open_pid);
    log.put("K", "plain-after-lso");  // not transactional, but past the LSO too
    log.filler(20);
    // The open transaction sits in the middle of a sealed segment.
    const Segment* holder = nullptr;
    for (const auto& [base, segment] : log->segments()) {
        if (base <= open_k && open_k < segment->next_offset()) holder = segment.get();
    }
    ASSERT_NE(holder, nullptr);
    ASSERT_LT(holder->base_offset(), open_k);
    ASSERT_TRUE(holder->sealed());

    auto files_before = segment_files(*log);
    CompactionFilter filter;
    filter.cleanable_end = open_k;
    auto result = log->compact(filter);
    ASSERT_TRUE(result.ok()) << result.error().to_string();
    EXPECT_FALSE(result->aborted);
    auto files_after = segment_files(*log);
    size_t identical = 0;
    for (const auto& [base, bytes] : files_before) {
        if (Offset(base) < holder->base_offset()) continue;
        ASSERT_EQ(files_after.count(base), 1u) << base;
        EXPECT_TRUE(files_after[base] == bytes) << "segment " << base << " changed";
        ++identical;
    }
    auto after = contents(*log);
    ASSERT_EQ(after.count(old_k.value()), 1u) << "K's newer records are past the cleanable end";
    EXPECT_EQ(after[old_k.value()].value, "old");
    EXPECT_EQ(after.count(dup_a.value()), 0u) << "the cleanable part was still compacted";
    EXPECT_EQ(after.count(dup_b.value()), 1u);
    EXPECT_EQ(result->records_removed, 1u);
    std::printf(
        "cleanable_end=%lld: %zu segment(s) from %lld on byte-identical; K=old@%lld kept (newer "
        "K past the end does not supersede); D@%lld superseded by D@%lld below the end\n",
        static_cast<long long>(open_k.value()), identical,
        static_cast<long long>(holder->base_offset().value()),
        static_cast<long long>(old_k.value()), static_cast<long long>(dup_a.value()),
        static_cast<long long>(dup_b.value()));
}

/// Builds the same log (with transactional batches and markers) in `dir`.
void build_mixed(TxnLog& log) {
    for (int round = 0; round < 6; ++round) {
        for (int k = 0; k < 4; ++k) {
            log.put("key" + std::to_string(k), "v" + std::to_string(round));
        }
        log.put("tkey", "t" + std::to_string(round), ProducerId(round % 2 == 0 ? 5 : 6));
        log.marker(ProducerId(round % 2 == 0 ? 5 : 6), round % 3 == 0
                                                           ? model::ControlRecord::Type::abort
                                                           : model::ControlRecord::Type::commit);
    }
    log.filler(12);
}

TEST(CompactionTxn, DefaultFilterKeepsTheOldBehaviour) {
    TempDir a, b, c;
    TxnLog la(a.path()), lb(b.path()), lc(c.path());
    build_mixed(la);
    build_mixed(lb);
    build_mixed(lc);
    auto before = contents(*la);
    Offset sealed_end = la->segments().rbegin()->first;

    auto ra = la->compact();
    auto rb = lb->compact(CompactionFilter{});
    CompactionFilter never;
    size_t asked = 0;
    never.aborted = [&](ProducerId, Offset) {
        ++asked;
        return false;
    };
    auto rc = lc->compact(never);
    ASSERT_TRUE(ra.ok() && rb.ok() && rc.ok());
    EXPECT_GT(ra->records_removed, 0u);
    EXPECT_EQ(ra->records_removed, rb->records_removed);
    EXPECT_EQ(ra->records_removed, rc->records_removed);
    EXPECT_EQ(ra->aborted_records_removed, 0u);
    EXPECT_GT(asked, 0u);
    // Byte-identical results whichever way "no filter" is spelled.
    EXPECT_TRUE(segment_files(*la) == segment_files(*lb));
    EXPECT_TRUE(segment_files(*la) == segment_files(*lc));

    // And the old rule: over the sealed segments, every key keeps its latest record, even a
    // transactional one (without a predicate nothing counts as aborted); markers stay.
    auto after = contents(*la);
    std::map<std::string, int64_t> latest;
    for (const auto& [o, e] : before) {
        if (o < sealed_end.value() && !e.control) latest[e.key] = o;
    }
    for (const auto& [o, e] : before) {
        bool expected = o >= sealed_end.value() || e.control || latest[e.key] == o;
        EXPECT_EQ(after.count(o) == 1, expected) << "offset " << o;
    }
    EXPECT_EQ(control_count(after), control_count(before));
    std::printf(
        "default filter: compact(), compact({}) and an always-false predicate (asked %zu "
        "times) give byte-identical segments; %zu records removed; latest per key kept, %zu "
        "markers kept\n",
        asked, ra->records_removed, control_count(after));
}

TEST(CompactionTxn, PrepareCompactionTakesOnlySegmentsBelowTheCleanableEnd) {
    TempDir dir;
    TxnLog log(dir.path());
    log.filler(40);
    ASSERT_GE(log->segment_count(), 4u);
    auto second = std::next(log->segments().begin());
    Offset end = second->second->next_offset();  // the first two segments end below it
    CompactionFilter filter;
    filter.cleanable_end = end;
    auto job = log->prepare_compaction(filter);
    ASSERT_TRUE(job.ok());
    ASSERT_EQ((*job)->inputs().size(), 2u);
    EXPECT_EQ((*job)->filter().cleanable_end, end);
    filter.cleanable_end = end - 1;  // the second segment's last offset is at the end
    auto fewer = log->prepare_compaction(filter);
    ASSERT_TRUE(fewer.ok());
    EXPECT_EQ((*fewer)->inputs().size(), 1u);
    auto all = log->prepare_compaction();
    ASSERT_TRUE(all.ok());
    EXPECT_EQ((*all)->inputs().size(), log->segment_count() - 1);
    std::printf(
        "prepare_compaction: cleanable_end=%lld -> 2 inputs, %lld -> 1, default -> %zu of %zu "
        "segments\n",
        static_cast<long long>(end.value()), static_cast<long long>((end - 1).value()),
        (*all)->inputs().size(), log->segment_count());
}

}  // namespace
}  // namespace es::storage
