#pragma once

// Synthetic ad traffic for the ad attribution job (issue #8): impressions, clicks and
// conversions keyed by user, as a deterministic sequence with the flaws a real feed has
// (records out of order, late records, duplicates). Pure: no I/O, no wall clock; `edgestream gen
// ads` sends what it returns.
//
// The model, per tick of the event-time clock (one emitted record per tick, at
// events_per_second of event time from start_ms):
//   - the earliest pending record whose emission time has come is emitted; otherwise a fresh
//     impression (or, for a small share, an unattributed conversion) is made at the clock;
//   - an impression picks its user and campaign by Zipf popularity (rank 1 = u-0 / c-0 is the
//     most popular), an ad of the campaign uniformly, and one of its creatives;
//   - when a record is emitted its consequences are drawn: an impression is clicked with
//     probability ctr after an exponential delay, and converts by view-through with probability
//     view_through_cvr; a click converts with probability cvr. They wait in a priority queue
//     by emission time, so a consequence always comes after its cause, with a ts not earlier;
//   - unattributed conversions come from users outside the impression population (u-<users>
//     and up), so no touch exists for them, at unattributed_share of all conversions once the
//     attributed ones have built up (over conversion_delay_mean_ms: they start at once).
// Flaws:
//   - disorder: a record's ts is up to max_disorder_ms behind the clock when it is emitted;
//   - late: a late_share of records is held back late_by_ms of event time; records whose cause
//     was late and whose ts has already passed arrive late as well (a click cannot overtake its
//     impression). `late` is set exactly on records emitted more than max_disorder_ms behind
//     the clock;
//   - duplicates: a duplicate_share of records is emitted again soon after (same id and JSON),
//     within the disorder bound of its ts.
//
// Memory: the pending queue holds what is in flight: about events_per_second × (ctr ×
// click_delay_mean + (ctr × cvr + view_through_cvr) × conversion_delay_mean + late_share ×
// late_by) records: 60k with the defaults (6k clicks, 18k conversions, 36k late records), of
// ~200 bytes each. An exponential delay is at most ~37× its mean (it inverts a 53-bit uniform),
// so nothing waits without bound, and the queue does not grow with the length of the run.
//
// Reproducibility: std::mt19937_64 is specified bit for bit, and the Zipf, exponential and
// uniform draws are implemented here (std::*_distribution differ between standard libraries).
// The same seed and options give the same sequence.

#include "base/result.h"

#include <cstdint>
#include <memory>
#include <string>

namespace es::stream::jobs {

struct AdsGeneratorOptions {
    uint64_t seed = 1;
    int64_t start_ms = 0;              // event time of the first record
    double events_per_second = 10000;  // event-time pace: records per second of event time
    int users = 100000;
    int campaigns = 200;
    int ads_per_campaign = 5;
    double zipf_s = 1.1;               // popularity exponent of users and campaigns
    double ctr = 0.02;                 // clicks per impression
    double cvr = 0.05;                 // conversions per click
    double view_through_cvr = 0.002;   // conversions per impression, without a click
    double unattributed_share = 0.05;  // of conversions: users with no impression or click
    int64_t click_delay_mean_ms = 30'000;
    int64_t conversion_delay_mean_ms = 600'000;
    int64_t max_disorder_ms = 2000;
    double late_share = 0.001;
    int64_t late_by_ms = 3'600'000;
    double duplicate_share = 0.001;
};

/// invalid_argument, naming the option and its allowed range, for options the generator cannot
/// honour (a rate that is not positive, a probability outside [0, 1], no users, ...).
Status validate(const AdsGeneratorOptions& options);

enum class AdEventType { impression, click, conversion };

const char* to_string(AdEventType type);

/// One record for the topics: key `user`, value `json`, timestamp `ts`. (Not ad_events.h's
/// AdEvent, which is the attribution job's parsed view of the same data.)
struct AdRecord {
    AdEventType type = AdEventType::impression;
    std::string id;          // i-<n>, k-<n> or v-<n>
    std::string user;        // the record key
    std::string json;        // the record value
    int64_t ts = 0;          // event time (the record timestamp), ms
    bool duplicate = false;  // a second copy of an earlier record
    bool late = false;       // emitted more than max_disorder_ms behind the clock
    /// Ground truth for tests of attribution: the impression a click follows, the click or
    /// impression a conversion follows; empty for impressions and unattributed conversions.
    std::string cause;
};

/// Counts of what next() returned (duplicates included in the per-type counts: they are
/// records on the topics too), and of what is still pending.
struct AdsGeneratorStats {
    uint64_t events = 0;
    uint64_t impressions = 0;
    uint64_t clicks = 0;
    uint64_t conversions = 0;
    uint64_t click_conversions = 0;         // conversions following a click (not duplicates)
    uint64_t view_through_conversions = 0;  // following an impression without a click
    uint64_t unattributed_conversions = 0;
    uint64_t duplicates = 0;
    uint64_t late = 0;
    uint64_t pending = 0;      // scheduled but not yet emitted
    uint64_t max_pending = 0;  // the most ever pending: the memory bound in practice
    int64_t clock_ms = 0;      // event time of the last tick
};

/// Not thread-safe; cheap to move. Options must pass validate() (asserted).
class AdsGenerator {
  public:
    explicit AdsGenerator(AdsGeneratorOptions options);
    ~AdsGenerator();
    AdsGenerator(AdsGenerator&&) noexcept;
    AdsGenerator& operator=(AdsGenerator&&) noexcept;

    /// The next record; the sequence never ends.
    AdRecord next();

    const AdsGeneratorStats& stats() const;
    const AdsGeneratorOptions& options() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace es::stream::jobs
