// The child process of the kill -9 durability test (crash_test.cc, issue #2).
//
//   storage_crash_writer DIR SEED
//
// Opens the log in DIR and appends deterministic batches to it forever with flush-per-append,
// keeping several appends waiting for a group-committed fdatasync at once (and pausing now and
// then with none in flight). On stdout (fd 1,
// one write() per group of lines, never buffered) it prints
//
//   start <end_offset> <next_sequence> <bytes_truncated_by_recovery> <max_in_flight>
//   durable <sequence> <base_offset> <last_offset>
//
// the first once the log is open, the others only after a durability callback covered the
// whole batch. The parent kills it at a random moment and then checks that every batch it was
// told about is in the log byte for byte; batch sequence numbers continue across restarts.
//
// The batch format is defined here once and shared with the parent, which includes this file
// with ES_CRASH_WRITER_NO_MAIN defined (the test may only add these two files).

#include "base/bytes.h"
#include "base/errc.h"
#include "base/result.h"
#include "model/record_batch.h"
#include "model/strong_int.h"
#include "storage/group_committer.h"
#include "storage/log.h"
#include "storage/log_config.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace es::storage::crash {

/// Small segments so that a run of a few hundred milliseconds rolls many times.
inline LogConfig log_config() {
    LogConfig config;
    config.segment_bytes = 64 * 1024;
    config.flush_policy = FlushPolicy::every_append;
    return config;
}

/// Record keys are [sequence u64][record index u32], big-endian, so that the writer finds the
/// sequence of the last batch after a restart and the parent the sequence of every batch.
constexpr size_t kKeySize = 12;
constexpr int64_t kBaseTimestamp = 1'700'000'000'000;

/// splitmix64: a fixed generator (unlike std:: distributions, whose output is unspecified), so
/// that the parent rebuilds exactly the bytes the child wrote.
class Rng {
  public:
    explicit Rng(uint64_t state) : state_(state) {}
    uint64_t next() {
        uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    uint64_t below(uint64_t n) { return next() % n; }

  private:
    uint64_t state_;
};

/// The batch with sequence number `seq`, base offset 0 (the log assigns the real one, and only
/// that header field changes: the CRC does not cover it). Sizes vary from a few dozen bytes to
/// over 64 KiB, so that some batches span pages (a kill can tear them) and some fill a segment
/// on their own.
inline Bytes make_batch(uint64_t seed, uint64_t seq) {
    Rng rng(seed * 0xD1B54A32D192ED03ULL + seq);
    int count = 1 + static_cast<int>(rng.below(20));
    bool big = rng.below(40) == 0;
    model::RecordBatchBuilder builder(model::Offset(0));
    for (int i = 0; i < count; ++i) {
        uint8_t key[kKeySize];
        store_be64(key, seq);
        store_be32(key + 8, static_cast<uint32_t>(i));
        size_t size = big                 ? 2000 + rng.below(3500)
                      : rng.below(8) == 0 ? rng.below(1500)
                                          : rng.below(64);
        Bytes value(size);
        for (size_t at = 0; at < size; at += 8) {
            uint64_t word = rng.next();
            std::memcpy(value.data() + at, &word, std::min<size_t>(8, size - at));
        }
        builder.add(BytesView(key, kKeySize), BytesView(value),
                    kBaseTimestamp + static_cast<int64_t>(seq) * 32 + i);
    }
    return std::move(builder.build()).value();
}

/// The sequence number of a batch written by make_batch (read from its first record's key).
inline Result<uint64_t> sequence_of(const model::RecordBatchView& batch) {
    ES_TRY(model::RecordSet records, batch.records(1 << 20));
    if (records.size() == 0 || !records.records()[0].key ||
        records.records()[0].key->size() != kKeySize) {
        return Error(es::Errc::invalid_argument, "not a crash-test batch");
    }
    return load_be64(records.records()[0].key->data());
}

}  // namespace es::storage::crash

#ifndef ES_CRASH_WRITER_NO_MAIN

namespace {

using es::model::Offset;
using es::storage::crash::make_batch;
using es::storage::crash::sequence_of;

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "storage_crash_writer: %s\n", what.c_str());
    // _exit: the parent treats any exit as a failure, and a log in an unknown state must not be
    // closed (which would sync and checkpoint it) on the way out.
    std::_Exit(3);
}

/// Whole lines in one write(): each line is far below PIPE_BUF, so a kill never leaves half a
/// report in the pipe, and nothing sits in a stdio buffer when the kill comes.
void emit(const std::string& text) {
    const char* p = text.data();
    size_t left = text.size();
    while (left > 0) {
        ssize_t n = ::write(STDOUT_FILENO, p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            die(std::string("write to stdout: ") + std::strerror(errno));
        }
        p += n;
        left -= static_cast<size_t>(n);
    }
}

struct InFlight {
    uint64_t seq;
    Offset base;
    Offset last;
};

/// What the flusher thread hands back: callbacks only record the result and wake the main
/// thread, which alone touches the log.
struct Durable {
    std::mutex mu;
    std::condition_variable changed;
    Offset end{0};
    std::optional<es::Error> failed;
};

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s DIR SEED\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    const uint64_t seed = std::strtoull(argv[2], nullptr, 10);
    auto opened = es::storage::Log::open(es::storage::posix_file_system(), dir,
                                         es::storage::crash::log_config());
    if (!opened.ok()) die(opened.error().to_string());
    std::unique_ptr<es::storage::Log> log = std::move(opened).value();

    // Continue the sequence after the last batch that survived (reported or not).
    uint64_t next_seq = 0;
    if (log->end_offset() > log->start_offset()) {
        auto read = log->read(log->end_offset() - 1, 1);
        if (!read.ok()) die("reading the last batch: " + read.error().to_string());
        auto last = es::model::RecordBatchView::parse(read->data.view());
        if (!last.ok()) die("parsing the last batch: " + last.error().to_string());
        if (last->last_offset() != log->end_offset() - 1) {
            die("the last batch does not end the log");
        }
        auto seq = sequence_of(*last);
        if (!seq.ok()) die("the last batch: " + seq.error().to_string());
        next_seq = *seq + 1;
    }
    // Up to 8 appends in flight, so that fdatasyncs are shared and reports complete out of step
    // with appends; how many varies from run to run (derived from where this run starts, so the
    // argument list stays DIR SEED), because with fewer the log's tail holds more reported
    // batches and a recovery that cuts too much is caught more often.
    const size_t max_in_flight =
        1 +
        es::storage::crash::Rng(seed ^ static_cast<uint64_t>(log->end_offset().value())).below(8);
    emit("start " + std::to_string(log->end_offset().value()) + " " + std::to_string(next_seq) +
         " " + std::to_string(log->recovery().bytes_truncated) + " " +
         std::to_string(max_in_flight) + "\n");

    Durable durable;
    es::storage::GroupCommitter committer;  // after `durable`: stopped before it goes away
    auto on_sync = [&durable](es::Result<Offset> result) {
        std::lock_guard lock(durable.mu);
        if (result.ok()) {
            durable.end = std::max(durable.end, *result);
        } else if (!durable.failed) {
            durable.failed = result.error();
        }
        durable.changed.notify_one();
    };

    std::deque<InFlight> in_flight;
    uint64_t paused_before = UINT64_MAX;
    while (true) {
        while (in_flight.size() < max_in_flight) {
            // Now and then everything is reported and nothing is in flight for a moment, so
            // that some kills find a tail made only of reported batches: a recovery that cuts
            // one batch too many then loses a reported one, which the parent notices.
            if (paused_before != next_seq &&
                es::storage::crash::Rng(~seed + next_seq).below(8) == 0) {
                if (!in_flight.empty()) break;
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
                paused_before = next_seq;
            }
            es::Bytes batch = make_batch(seed, next_seq);
            auto appended = log->append(batch);
            if (!appended.ok()) die("append: " + appended.error().to_string());
            in_flight.push_back({next_seq++, appended->base_offset, appended->last_offset});
            committer.request_sync(log->durability(), on_sync);
        }
        Offset end;
        {
            std::unique_lock lock(durable.mu);
            durable.changed.wait(
                lock, [&] { return durable.failed || durable.end > in_flight.front().last; });
            if (durable.failed) die("sync: " + durable.failed->to_string());
            end = durable.end;
        }
        // Only what the returned durable offset covers; later batches wait for a later sync.
        std::string lines;
        while (!in_flight.empty() && in_flight.front().last < end) {
            const InFlight& f = in_flight.front();
            lines += "durable " + std::to_string(f.seq) + " " + std::to_string(f.base.value()) +
                     " " + std::to_string(f.last.value()) + "\n";
            in_flight.pop_front();
        }
        emit(lines);
    }
}

#endif  // ES_CRASH_WRITER_NO_MAIN
