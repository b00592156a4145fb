// The kill -9 durability test of issue #2: a child process (crash_writer.cc) appends with
// flush-per-append and reports each durable offset; the parent kills it at random moments,
// reopens the log and finds every reported batch byte for byte.
//
// A SIGKILL ends the process, not the machine: the page cache survives, so what this checks is
// that recovery copes with whatever a process can leave behind at any instant (a torn write, a
// segment rolled half-way, an interrupted recovery) and that no batch reported durable is lost
// or altered on the way. Power loss is the fault-injection tests' business.

// The batch format is defined once, in crash_writer.cc (included below without its main()).
#define ES_CRASH_WRITER_NO_MAIN
#include "model/record_batch.h"
#include "storage/log.h"
#include "storage/tests/crash_writer.cc"  // NOLINT(bugprone-suspicious-include)
#include "storage/tests/test_util.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace es::storage {
namespace {

using model::Offset;
using testing::TempDir;

constexpr int kRounds = 15;

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

/// One run of the writer. The destructor kills and reaps it, so that a failed assertion never
/// leaves a child appending into a directory that is being removed.
class Writer {
  public:
    Writer(const std::string& dir, uint64_t seed) {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) {
            error_ = std::string("pipe2: ") + std::strerror(errno);
            return;
        }
        out_ = fds[0];
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        // dup2 clears close-on-exec on fd 1, and only there does the write end survive exec.
        posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
        std::string seed_text = std::to_string(seed);
        std::string path = ES_CRASH_WRITER_PATH;
        char* argv[] = {path.data(), const_cast<char*>(dir.c_str()), seed_text.data(), nullptr};
        int rc = ::posix_spawn(&pid_, path.c_str(), &actions, nullptr, argv, environ);
        posix_spawn_file_actions_destroy(&actions);
        ::close(fds[1]);  // the child holds the only write end: EOF when it dies
        if (rc != 0) {
            pid_ = -1;
            error_ = "posix_spawn " + path + ": " + std::strerror(rc);
        }
    }
    ~Writer() {
        kill_and_reap();
        if (out_ >= 0) ::close(out_);
    }
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    const std::string& error() const { return error_; }

    /// Waits for output until `deadline_ms` (forever when negative) and moves the complete lines
    /// into `lines`. False once the pipe is at EOF.
    bool read_lines(int64_t deadline_ms, std::vector<std::string>& lines) {
        if (eof_) return false;
        int timeout = -1;
        if (deadline_ms >= 0) {
            timeout = static_cast<int>(std::max<int64_t>(0, deadline_ms - now_ms()));
        }
        pollfd p{out_, POLLIN, 0};
        int ready = ::poll(&p, 1, timeout);
        if (ready < 0 && errno != EINTR) {
            error_ = std::string("poll: ") + std::strerror(errno);
            eof_ = true;
            return false;
        }
        if (ready <= 0) return true;
        char buf[1 << 16];
        ssize_t n = ::read(out_, buf, sizeof buf);
        if (n < 0 && errno == EINTR) return true;
        if (n <= 0) {
            // A line cut short would have been written by more than one write(); the writer
            // never does that, so a partial line is a broken protocol, not a lost report.
            if (!partial_.empty()) error_ = "output ends in a partial line: " + partial_;
            eof_ = true;
            return false;
        }
        partial_.append(buf, static_cast<size_t>(n));
        size_t start = 0;
        for (size_t nl; (nl = partial_.find('\n', start)) != std::string::npos; start = nl + 1) {
            lines.push_back(partial_.substr(start, nl - start));
        }
        partial_.erase(0, start);
        return true;
    }

    /// SIGKILL, then waitpid; returns the wait status (or the one of an earlier call).
    int kill_and_reap() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            while (::waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
            }
            pid_ = -1;  // reaped: the id may be reused, never signal it again
        }
        return status_;
    }

  private:
    pid_t pid_ = -1;
    int out_ = -1;
    int status_ = 0;
    bool eof_ = false;
    std::string partial_;
    std::string error_;
};

struct Reported {
    uint64_t seq;
    Offset base;
    Offset last;
};

struct LifeResult {
    bool started = false;
    size_t reports = 0;
    uint64_t writer_truncated = 0;  // bytes the writer's own recovery cut (after a previous life)
    size_t max_in_flight = 0;
    std::string kill_mode;
};

/// The test's state across rounds: everything the writers ever reported, and the batches the
/// parent regenerated (kept, since every round checks the whole log again).
class CrashTest : public ::testing::Test {
  protected:
    void SetUp() override {
        uint64_t seed = std::random_device{}();
        if (const char* env = std::getenv("ES_CRASH_SEED"); env && *env) {
            seed = std::strtoull(env, nullptr, 10);
        }
        seed_ = seed;
        rng_.seed(seed);
        std::printf("crash test seed %llu (set ES_CRASH_SEED to repeat the choices)\n",
                    static_cast<unsigned long long>(seed));
    }

    std::string log_dir() const { return dir_.sub("log"); }

    const Bytes& expected(uint64_t seq) {
        while (regenerated_.size() <= seq) {
            regenerated_.push_back(crash::make_batch(seed_, regenerated_.size()));
        }
        return regenerated_[seq];
    }

    /// One life of the writer: start it, let it run for a random time or number of reports,
    /// kill it, and take every report it made (also those still in the pipe after the kill).
    void run_writer(LifeResult& result) {
        Writer writer(log_dir(), seed_);
        ASSERT_EQ(writer.error(), "");
        std::optional<int64_t> kill_at;  // steady-clock ms; unset until the writer has started
        size_t report_cap = SIZE_MAX;
        if (std::uniform_int_distribution<int>(0, 5)(rng_) == 0) {
            // Soon after exec, often before the log is open: interrupts the writer's own
            // recovery when the previous life crashed.
            kill_at = now_ms() + std::uniform_int_distribution<int>(0, 30)(rng_);
            result.kill_mode = "early";
        } else {
            report_cap = std::uniform_int_distribution<size_t>(1, 500)(rng_);
        }
        std::vector<std::string> lines;
        bool killed = false;
        while (true) {
            lines.clear();
            // No deadline while waiting for the start line (a slow machine only makes the test
            // slower) nor after the kill (the pipe is drained to EOF: those reports were made).
            bool open = writer.read_lines(killed || !kill_at ? -1 : *kill_at, lines);
            for (const auto& line : lines) ASSERT_NO_FATAL_FAILURE(take_line(line, result));
            if (!open) break;
            if (killed) continue;
            if (!kill_at && result.started) {
                kill_at = now_ms() + std::uniform_int_distribution<int>(0, 300)(rng_);
            }
            bool enough = result.reports >= report_cap;
            if (enough || (kill_at && now_ms() >= *kill_at)) {
                if (result.kill_mode.empty()) result.kill_mode = enough ? "reports" : "timer";
                writer.kill_and_reap();
                killed = true;
            }
        }
        ASSERT_EQ(writer.error(), "");
        int status = writer.kill_and_reap();
        ASSERT_TRUE(killed && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
            << "the writer ended by itself (wait status " << status << "); its stderr says why";
    }

    void take_line(const std::string& line, LifeResult& life) {
        std::istringstream in(line);
        std::string kind;
        in >> kind;
        if (kind == "start") {
            int64_t end = 0;
            uint64_t next_seq = 0;
            ASSERT_TRUE(in >> end >> next_seq >> life.writer_truncated >> life.max_in_flight)
                << line;
            ASSERT_FALSE(life.started) << line;
            life.started = true;
            // A writer restarted straight after a kill recovers the log itself; it must not
            // have lost anything reported either (or it would write the same sequence anew at
            // the same offsets, and the later check could not tell).
            if (!reported_.empty()) {
                const Reported& last = reported_.back();
                ASSERT_TRUE(next_seq > last.seq && end > last.last.value())
                    << "the restarted writer found the log ending at offset " << end
                    << " with next sequence " << next_seq << ", but batch " << last.seq
                    << " was reported durable at [" << last.base.value() << ", "
                    << last.last.value() << "]";
            }
            return;
        }
        Reported r{};
        int64_t base = 0, last = 0;
        ASSERT_EQ(kind, "durable") << line;
        ASSERT_TRUE(in >> r.seq >> base >> last) << line;
        ASSERT_TRUE(life.started) << "a report before the start line: " << line;
        r.base = Offset(base);
        r.last = Offset(last);
        if (!reported_.empty()) {
            // Each life reports in order and starts after everything an earlier one reported.
            ASSERT_GT(r.seq, reported_.back().seq) << line;
            ASSERT_GT(r.base, reported_.back().last) << line;
        }
        reported_.push_back(r);
        ++life.reports;
    }

    struct Check {
        Offset end;
        size_t batches = 0;
        size_t segments = 0;
        size_t unreported_tail = 0;  // batches after the last reported one
        LogRecovery recovery;
    };

    /// Opens the log (recovering it) and checks all of it: batches contiguous from offset 0,
    /// sequences 0, 1, 2, ... each once, every batch exactly the bytes its sequence gives, and
    /// every reported batch there at its reported offsets.
    void check_log(Check& check) {
        auto opened = Log::open(posix_file_system(), log_dir(), crash::log_config());
        ASSERT_TRUE(opened.ok()) << opened.error().to_string();
        std::unique_ptr<Log> log = std::move(opened).value();
        check.recovery = log->recovery();
        check.end = log->end_offset();
        check.segments = log->segment_count();
        ASSERT_EQ(log->start_offset(), Offset(0));

        std::vector<std::pair<Offset, Offset>> placed;  // by sequence: base and last offset
        Offset at(0);
        while (at < log->end_offset()) {
            auto read = log->read(at, 1 << 20);
            ASSERT_TRUE(read.ok()) << "at " << at.value() << ": " << read.error().to_string();
            ASSERT_FALSE(read->data.empty()) << "no batch at " << at.value();
            BytesView rest = read->data.view();
            while (!rest.empty()) {
                auto batch = model::RecordBatchView::parse(rest);
                ASSERT_TRUE(batch.ok()) << "at " << at.value() << ": " << batch.error().to_string();
                ASSERT_EQ(batch->base_offset(), at) << "offsets are not contiguous";
                auto seq = crash::sequence_of(*batch);
                ASSERT_TRUE(seq.ok()) << "at " << at.value() << ": " << seq.error().to_string();
                ASSERT_EQ(*seq, placed.size())
                    << "the batch at offset " << at.value() << " has the wrong sequence";
                Bytes want = expected(*seq);
                model::set_base_offset(want, at);
                ASSERT_TRUE(std::equal(want.begin(), want.end(), batch->bytes().begin(),
                                       batch->bytes().end()))
                    << "batch " << *seq << " at offset " << at.value() << " differs";
                placed.emplace_back(at, batch->last_offset());
                at = batch->last_offset() + 1;
                rest = rest.subspan(batch->size());
            }
            ASSERT_EQ(read->next_offset, at);
        }
        ASSERT_EQ(at, log->end_offset());
        check.batches = placed.size();
        check.unreported_tail =
            placed.size() - (reported_.empty() ? 0 : static_cast<size_t>(reported_.back().seq) + 1);

        for (const Reported& r : reported_) {
            ASSERT_LT(r.seq, placed.size())
                << "reported durable batch " << r.seq << " at " << r.base.value() << " is gone";
            EXPECT_EQ(placed[r.seq].first, r.base) << "reported batch " << r.seq << " moved";
            EXPECT_EQ(placed[r.seq].second, r.last) << "reported batch " << r.seq << " changed";
        }
        auto closed = log->close();
        ASSERT_TRUE(closed.ok()) << closed.error().to_string();
    }

    TempDir dir_;
    uint64_t seed_ = 0;
    std::mt19937_64 rng_;
    std::vector<Reported> reported_;
    std::vector<Bytes> regenerated_;
};

TEST_F(CrashTest, EveryReportedDurableBatchSurvivesKill9) {
    size_t total_lives = 0;
    uint64_t total_truncated = 0;
    size_t rounds_with_truncation = 0;
    size_t rounds_ending_reported = 0;
    Check check;
    for (int round = 0; round < kRounds; ++round) {
        // Sometimes two lives before the parent looks: the second recovers from the first's
        // crash itself and appends after what it found.
        int lives = std::uniform_int_distribution<int>(0, 2)(rng_) == 0 ? 2 : 1;
        size_t reports = 0;
        uint64_t truncated = 0;
        std::string modes;
        for (int life = 0; life < lives; ++life) {
            LifeResult result;
            ASSERT_NO_FATAL_FAILURE(run_writer(result));
            reports += result.reports;
            truncated += result.writer_truncated;
            // How it was killed, and how many appends it kept in flight.
            modes += (modes.empty() ? "" : " + ") + result.kill_mode;
            if (result.started) modes += "/" + std::to_string(result.max_in_flight);
            ++total_lives;
        }
        ASSERT_NO_FATAL_FAILURE(check_log(check));
        truncated += check.recovery.bytes_truncated;
        total_truncated += truncated;
        if (truncated > 0) ++rounds_with_truncation;
        // The sharpest case: the last batch in the log was reported, so recovery had to keep
        // the whole tail.
        if (!reported_.empty() && check.unreported_tail == 0) ++rounds_ending_reported;
        std::string what =
            std::to_string(lives) + (lives == 1 ? " life (" : " lives (") + modes + ")";
        std::printf(
            "round %2d: %-30s reported %4zu (total %5zu)  log end %6lld  batches %5zu "
            "(%zu unreported at the end)  segments %3zu  truncated %llu bytes\n",
            round, what.c_str(), reports, reported_.size(),
            static_cast<long long>(check.end.value()), check.batches, check.unreported_tail,
            check.segments, static_cast<unsigned long long>(truncated));
    }
    std::printf(
        "total: %d rounds, %zu writer lives, %zu durable batches reported and all found, log end "
        "%lld, %zu batches, %zu rounds ended on a reported batch, %llu bytes truncated by "
        "recovery in %zu rounds\n",
        kRounds, total_lives, reported_.size(), static_cast<long long>(check.end.value()),
        check.batches, rounds_ending_reported, static_cast<unsigned long long>(total_truncated),
        rounds_with_truncation);
}

}  // namespace
}  // namespace es::storage
