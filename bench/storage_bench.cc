// Storage throughput: Log::append and Log::read beside the raw limit of the same file system,
// measured in the same run so that the ratio survives a noisy, shared machine.
//
// Every edgestream case has a twin that does the same I/O with plain system calls:
//   append/.../edgestream  Log::append of a pre-built batch (+ Log::flush() when flushing)
//   append/.../raw         ::write() of the same bytes (+ ::fdatasync() at the same cadence)
//   read/.../edgestream    Log::read of kReadChunk from a log written in setup, sequentially
//   read/.../raw           ::pread() of the same segment files in kReadChunk pieces
// plus a diagnostic row, validate/..., that times only RecordBatchView::parse (the CRC32C check
// every append does and a plain write does not), to explain the gap between the two.
//
// Data goes to $ES_BENCH_DIR (default: bench-data/ beside this binary), which must be on the file
// system being measured: /tmp is tmpfs on some machines, which would measure memory instead.
// bench/run.sh runs this with JSON output and prints the table.

#include "base/bytes.h"
#include "base/log.h"
#include "model/record_batch.h"
#include "storage/file.h"
#include "storage/log.h"
#include "storage/log_config.h"
#include "storage/segment.h"

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace es::bench {
namespace {

using storage::Log;
using storage::LogConfig;

constexpr uint64_t kKiB = 1024;
constexpr uint64_t kMiB = 1024 * kKiB;

// A realistic roll size (Kafka's default is 1 GiB); small enough that appends roll a few times
// per case, so that the cost of rolling is part of what is measured.
constexpr uint64_t kSegmentBytes = 128 * kMiB;
// Flushing appends run for a time and keep at most this many segments (retention runs with the
// clock paused), so that a long run never fills the disk. Appends without flush never reach it
// (see kBufferedAppendBytes), which matters: with FlushPolicy::os the log's LogDurability keeps
// every rolled segment open until the next sync, so removed segments would keep their pages.
constexpr size_t kKeepSegments = 2;
// Appends without flush write this much per repetition (three segments, so two rolls), a fixed
// volume instead of a time: it stays below the kernel's background-writeback threshold (10% of
// memory by default), so that both sides measure the buffered write path and neither is
// throttled by the disk, and the data is deleted before it is ever written back.
constexpr uint64_t kBufferedAppendBytes = 3 * kSegmentBytes;
// Read cases read a log of this size (two segments, so a read crosses a segment boundary).
constexpr uint64_t kReadLogBytes = 2 * kSegmentBytes;
// A consumer's max.partition.fetch.bytes default.
constexpr size_t kReadChunk = 1 * kMiB;

std::string g_root;  // this run's directory, removed at exit

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "storage_bench: %s\n", what.c_str());
    std::exit(2);
}

std::string size_name(uint64_t bytes) {
    if (bytes % kMiB == 0) return std::to_string(bytes / kMiB) + "MiB";
    if (bytes % kKiB == 0) return std::to_string(bytes / kKiB) + "KiB";
    return std::to_string(bytes) + "B";
}

std::string fs_type_name(int64_t type) {
    switch (type) {
        case EXT4_SUPER_MAGIC:  // ext2/3/4 share the magic
            return "ext4";
        case TMPFS_MAGIC:
            return "tmpfs";
        case XFS_SUPER_MAGIC:
            return "xfs";
        case BTRFS_SUPER_MAGIC:
            return "btrfs";
        case OVERLAYFS_SUPER_MAGIC:
            return "overlayfs";
        case V9FS_MAGIC:
            return "9p";
        case FUSE_SUPER_MAGIC:  // virtiofs reports it too
            return "fuse";
        default: {
            char hex[32];
            std::snprintf(hex, sizeof hex, "0x%llx", static_cast<unsigned long long>(type));
            return hex;
        }
    }
}

/// One shape of traffic: records of record_bytes (the value; no key) packed into batches of at
/// most batch_bytes, the way a producer with batch.size = batch_bytes would send them.
struct Shape {
    size_t record_bytes;
    size_t batch_bytes;

    std::string name() const {
        return size_name(record_bytes) + "_rec/" + size_name(batch_bytes) + "_batch";
    }
};

struct BuiltBatch {
    Bytes bytes;
    size_t records = 0;
};

Bytes build_batch(const Shape& shape, size_t count) {
    // Incompressible-looking values (xorshift), in case a later codec or file system compresses.
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    std::vector<uint8_t> value(shape.record_bytes);
    int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    model::RecordBatchBuilder builder(model::Offset(0));
    for (size_t i = 0; i < count; ++i) {
        for (auto& b : value) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            b = static_cast<uint8_t>(x);
        }
        builder.add(std::nullopt, BytesView(value), now + static_cast<int64_t>(i));
    }
    auto built = builder.build();
    if (!built.ok()) die("building a batch: " + built.error().to_string());
    return std::move(built).value();
}

/// The fullest batch of the shape that fits in batch_bytes. Cached: the 1 MiB ones take a while.
const BuiltBatch& batch_for(const Shape& shape) {
    static std::map<std::pair<size_t, size_t>, BuiltBatch> cache;
    auto key = std::make_pair(shape.record_bytes, shape.batch_bytes);
    if (auto it = cache.find(key); it != cache.end()) return it->second;
    // Varint lengths make a record's encoded size depend on its index: estimate from a first
    // build, then step down until the batch fits.
    Bytes probe = build_batch(shape, 16);
    double per_record = static_cast<double>(probe.size() - model::batch_layout::header_size) / 16;
    auto count = static_cast<size_t>(
        static_cast<double>(shape.batch_bytes - model::batch_layout::header_size) / per_record);
    Bytes bytes = build_batch(shape, count);
    while (bytes.size() > shape.batch_bytes && count > 1) bytes = build_batch(shape, --count);
    return cache[key] = BuiltBatch{std::move(bytes), count};
}

/// A fresh directory for one case, removed with its content when the case ends.
class CaseDir {
  public:
    explicit CaseDir(const char* prefix) {
        std::string tmpl = g_root + "/" + prefix + "-XXXXXX";
        if (::mkdtemp(tmpl.data()) == nullptr) die("mkdtemp " + tmpl + ": " + strerror(errno));
        path_ = tmpl;
    }
    ~CaseDir() { std::filesystem::remove_all(path_); }
    CaseDir(const CaseDir&) = delete;
    CaseDir& operator=(const CaseDir&) = delete;
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

LogConfig bench_config(bool flush) {
    LogConfig config;
    config.segment_bytes = kSegmentBytes;
    config.retention_ms = -1;  // only the explicit, size-based retention below may delete
    config.retention_bytes = static_cast<int64_t>(kKeepSegments * kSegmentBytes);
    config.flush_policy = flush ? storage::FlushPolicy::every_append : storage::FlushPolicy::os;
    return config;
}

std::unique_ptr<Log> open_log(const std::string& dir, const LogConfig& config) {
    auto log = Log::open(storage::posix_file_system(), dir, config);
    if (!log.ok()) die(log.error().to_string());
    return std::move(log).value();
}

void report(benchmark::State& state, uint64_t bytes, uint64_t records) {
    state.SetBytesProcessed(static_cast<int64_t>(bytes));
    state.counters["records_per_second"] =
        benchmark::Counter(static_cast<double>(records), benchmark::Counter::kIsRate);
}

// ---------------------------------------------------------------------------------------------
// Appends

void log_append(benchmark::State& state, Shape shape, bool flush) {
    const BuiltBatch& built = batch_for(shape);
    Bytes batch = built.bytes;  // appended in place: the log rewrites its base offset each time
    CaseDir dir("append");
    std::unique_ptr<Log> log = open_log(dir.path() + "/log", bench_config(flush));
    uint64_t appended = 0;
    for (auto _ : state) {
        auto r = log->append(batch);
        if (!r.ok()) {
            state.SkipWithError(r.error().to_string().c_str());
            break;
        }
        if (flush) {
            auto f = log->flush();
            if (!f.ok()) {
                state.SkipWithError(f.error().to_string().c_str());
                break;
            }
        }
        ++appended;
        if (log->segment_count() > kKeepSegments + 1) {
            // What the broker's retention task would do; not part of the append path.
            state.PauseTiming();
            auto removed = log->apply_retention();
            if (!removed.ok()) state.SkipWithError(removed.error().to_string().c_str());
            state.ResumeTiming();
        }
    }
    report(state, appended * batch.size(), appended * built.records);
    auto removed = log->remove();
    if (!removed.ok()) die(removed.error().to_string());
}

/// Write-only files named like segments, rolled at the same size as the log's, so that the
/// raw side pays for creating files too.
class RawSegments {
  public:
    explicit RawSegments(std::string dir) : dir_(std::move(dir)) { open_next(); }
    ~RawSegments() {
        if (fd_ >= 0) ::close(fd_);
    }
    RawSegments(const RawSegments&) = delete;
    RawSegments& operator=(const RawSegments&) = delete;

    bool write(BytesView data) {
        if (size_ > 0 && size_ + data.size() > kSegmentBytes) open_next();
        const uint8_t* p = data.data();
        size_t left = data.size();
        while (left > 0) {
            ssize_t n = ::write(fd_, p, left);
            if (n < 0) {
                if (errno == EINTR) continue;
                return false;
            }
            p += n;
            left -= static_cast<size_t>(n);
        }
        size_ += data.size();
        return true;
    }
    bool sync() { return ::fdatasync(fd_) == 0; }
    size_t file_count() const { return files_.size(); }
    void trim(size_t keep) {
        while (files_.size() > keep) {
            ::unlink(files_.front().c_str());
            files_.pop_front();
        }
    }

  private:
    void open_next() {
        if (fd_ >= 0) ::close(fd_);
        files_.push_back(dir_ + "/" + std::to_string(files_.size()) + ".raw");
        fd_ = ::open(files_.back().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd_ < 0) die("open " + files_.back() + ": " + strerror(errno));
        size_ = 0;
    }

    std::string dir_;
    std::deque<std::string> files_;
    int fd_ = -1;
    uint64_t size_ = 0;
};

void raw_append(benchmark::State& state, Shape shape, bool flush) {
    const BuiltBatch& built = batch_for(shape);
    Bytes batch = built.bytes;
    CaseDir dir("raw");
    RawSegments out(dir.path());
    uint64_t appended = 0;
    for (auto _ : state) {
        if (!out.write(batch) || (flush && !out.sync())) {
            state.SkipWithError(strerror(errno));
            break;
        }
        ++appended;
        if (out.file_count() > kKeepSegments + 1) {
            state.PauseTiming();
            out.trim(kKeepSegments);
            state.ResumeTiming();
        }
    }
    report(state, appended * batch.size(), appended * built.records);
}

/// The CPU work of an append that a plain write does not do: parsing and the CRC32C check.
void validate_only(benchmark::State& state, Shape shape) {
    const BuiltBatch& built = batch_for(shape);
    uint64_t validated = 0;
    for (auto _ : state) {
        auto view = model::RecordBatchView::parse(built.bytes);
        if (!view.ok()) {
            state.SkipWithError(view.error().to_string().c_str());
            break;
        }
        benchmark::DoNotOptimize(view);
        ++validated;
    }
    report(state, validated * built.bytes.size(), validated * built.records);
}

// ---------------------------------------------------------------------------------------------
// Sequential reads

/// A log of kReadLogBytes written once per shape and shared by the read cases (Google Benchmark
/// calls a case several times to size it; rewriting 256 MiB each time would dominate the run).
/// Synced once written, so that no writeback of it runs during later cases.
struct ReadFixture {
    std::unique_ptr<CaseDir> dir;
    std::unique_ptr<Log> log;
    std::vector<int> segment_fds;  // read-only descriptors of the same segment files, in order
    size_t batch_bytes = 0;
    size_t records_per_batch = 0;

    ~ReadFixture() {
        for (int fd : segment_fds) ::close(fd);
        if (log) {
            auto removed = log->remove();
            if (!removed.ok()) std::fprintf(stderr, "%s\n", removed.error().to_string().c_str());
        }
    }
};

std::map<std::pair<size_t, size_t>, std::unique_ptr<ReadFixture>>& read_fixtures() {
    static std::map<std::pair<size_t, size_t>, std::unique_ptr<ReadFixture>> fixtures;
    return fixtures;
}

ReadFixture& read_fixture(const Shape& shape) {
    auto& slot = read_fixtures()[{shape.record_bytes, shape.batch_bytes}];
    if (slot) return *slot;
    const BuiltBatch& built = batch_for(shape);
    auto fixture = std::make_unique<ReadFixture>();
    fixture->dir = std::make_unique<CaseDir>("read");
    LogConfig config = bench_config(false);
    config.retention_bytes = -1;
    fixture->log = open_log(fixture->dir->path() + "/log", config);
    Bytes batch = built.bytes;
    while (fixture->log->size_bytes() + batch.size() <= kReadLogBytes) {
        auto r = fixture->log->append(batch);
        if (!r.ok()) die(r.error().to_string());
    }
    auto flushed = fixture->log->flush();
    if (!flushed.ok()) die(flushed.error().to_string());
    for (const auto& [base, segment] : fixture->log->segments()) {
        std::string path =
            fixture->log->directory() + "/" + storage::Segment::file_name(base, ".log");
        int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) die("open " + path + ": " + strerror(errno));
        fixture->segment_fds.push_back(fd);
    }
    fixture->batch_bytes = batch.size();
    fixture->records_per_batch = built.records;
    slot = std::move(fixture);
    return *slot;
}

void log_read(benchmark::State& state, Shape shape) {
    ReadFixture& f = read_fixture(shape);
    const Log& log = *f.log;
    model::Offset next = log.start_offset();
    uint64_t bytes = 0;
    for (auto _ : state) {
        auto r = log.read(next, kReadChunk);
        if (!r.ok() || r->data.empty()) {
            state.SkipWithError(r.ok() ? "empty read" : r.error().to_string().c_str());
            break;
        }
        bytes += r->data.size();
        benchmark::DoNotOptimize(r->data.data());
        next = r->next_offset == log.end_offset() ? log.start_offset() : r->next_offset;
    }
    report(state, bytes, bytes / f.batch_bytes * f.records_per_batch);
}

void raw_read(benchmark::State& state, Shape shape) {
    ReadFixture& f = read_fixture(shape);
    Buffer buf = Buffer::uninitialized(kReadChunk);  // reused: the limit, not the fetch path
    size_t file = 0;
    off_t pos = 0;
    uint64_t bytes = 0;
    for (auto _ : state) {
        ssize_t n = ::pread(f.segment_fds[file], buf.data(), kReadChunk, pos);
        if (n == 0) {  // end of this segment: on to the next one, or back to the first
            file = (file + 1) % f.segment_fds.size();
            pos = 0;
            n = ::pread(f.segment_fds[file], buf.data(), kReadChunk, pos);
        }
        if (n <= 0) {
            state.SkipWithError(n < 0 ? strerror(errno) : "empty segment");
            break;
        }
        pos += n;
        bytes += static_cast<uint64_t>(n);
        benchmark::DoNotOptimize(buf.data());
    }
    // Partial batches at chunk edges count in proportion; the totals match the log's.
    report(state, bytes, bytes / f.batch_bytes * f.records_per_batch);
}

// ---------------------------------------------------------------------------------------------

void register_all() {
    const Shape shapes[] = {
        {100, 16 * kKiB}, {100, 1 * kMiB}, {1 * kKiB, 16 * kKiB}, {1 * kKiB, 1 * kMiB}};
    // Real time throughout: a flushing case spends its time waiting for the disk, not on a CPU,
    // and the rates must be what a producer would see.
    for (bool flush : {false, true}) {
        const char* mode = flush ? "append_flush" : "append";
        for (const Shape& s : shapes) {
            std::string base = std::string(mode) + "/" + s.name();
            auto* log_case =
                benchmark::RegisterBenchmark((base + "/edgestream").c_str(), log_append, s, flush)
                    ->UseRealTime();
            auto* raw_case =
                benchmark::RegisterBenchmark((base + "/raw").c_str(), raw_append, s, flush)
                    ->UseRealTime();
            if (!flush) {
                auto batches = static_cast<benchmark::IterationCount>(kBufferedAppendBytes /
                                                                      batch_for(s).bytes.size());
                log_case->Iterations(batches);
                raw_case->Iterations(batches);
            }
        }
    }
    for (const Shape& s : shapes) {
        std::string base = "read/" + s.name();
        benchmark::RegisterBenchmark((base + "/edgestream").c_str(), log_read, s)->UseRealTime();
        benchmark::RegisterBenchmark((base + "/raw").c_str(), raw_read, s)->UseRealTime();
    }
    for (const Shape& s : shapes) {
        benchmark::RegisterBenchmark(("validate/" + s.name() + "/crc32c").c_str(), validate_only, s)
            ->UseRealTime();
    }
}

/// Creates this run's directory and says where it is and what file system holds it.
void prepare_root() {
    const char* env = std::getenv("ES_BENCH_DIR");
    std::string base;
    if (env != nullptr && *env != '\0') {
        base = env;
    } else {
        // Beside the binary, i.e. in the build tree: on the disk being developed on, never tmpfs.
        std::error_code ec;
        auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
        base = ec ? std::string("/var/tmp/edgestream-bench")
                  : (exe.parent_path() / "bench-data").string();
    }
    std::error_code ec;
    std::filesystem::create_directories(base, ec);
    if (ec) die("creating " + base + ": " + ec.message());
    std::string tmpl = base + "/storage-bench-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) die("mkdtemp " + tmpl + ": " + strerror(errno));
    g_root = std::filesystem::canonical(tmpl).string();

    struct statfs st {};
    if (::statfs(g_root.c_str(), &st) != 0) die("statfs " + g_root + ": " + strerror(errno));
    std::string fs = fs_type_name(static_cast<int64_t>(st.f_type));
    double free_gib = static_cast<double>(st.f_bavail) * static_cast<double>(st.f_bsize) /
                      static_cast<double>(1ULL << 30);
    char free_text[32];
    std::snprintf(free_text, sizeof free_text, "%.1f", free_gib);
    std::fprintf(stderr, "storage_bench: data in %s (%s, %s GiB free)\n", g_root.c_str(),
                 fs.c_str(), free_text);
    if (fs == "tmpfs") {
        std::fprintf(stderr,
                     "storage_bench: warning: tmpfs measures memory, not a disk; "
                     "set ES_BENCH_DIR to a directory on the disk a broker would use\n");
    }
    if (free_gib < 2.5) std::fprintf(stderr, "storage_bench: warning: needs about 2 GiB free\n");
    benchmark::AddCustomContext("bench_dir", g_root);
    benchmark::AddCustomContext("bench_fs", fs);
    benchmark::AddCustomContext("segment_bytes", std::to_string(kSegmentBytes));
    benchmark::AddCustomContext("read_chunk_bytes", std::to_string(kReadChunk));
}

}  // namespace
}  // namespace es::bench

int main(int argc, char** argv) {
    // Retention and roll log at info; that would interleave with the benchmark's output.
    if (std::getenv("ES_LOG_LEVEL") == nullptr) es::log::set_level(es::log::Level::warn);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    es::bench::prepare_root();
    es::bench::register_all();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    es::bench::read_fixtures().clear();
    std::filesystem::remove_all(es::bench::g_root);
    return 0;
}
