#pragma once

// The reference check of the ad-attribution job: recomputes the expected attributed
// conversions from the input topics in one batch pass, on purpose without any of the stream
// engine's operators or the job's code (its own JSON reading, ordering and model formulas), and
// compares them with what the job wrote.

#include "base/result.h"
#include "stream/api/job.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace es::stream::jobs {

/// The raw values of the topics, as read (any order).
struct AdsVerifyInput {
    std::vector<std::string> impressions;
    std::vector<std::string> clicks;
    std::vector<std::string> conversions;
    std::vector<std::string> late_events;  // the job's late topic
    std::vector<std::string> attributed;   // the job's output
    /// Check only conversions at or before this event time (a run that stopped has conversions
    /// still waiting for the watermark after it); nullopt: all.
    std::optional<int64_t> until;
};

struct AdsVerifyReport {
    uint64_t conversions = 0;       // distinct conversions in the input, late ones excluded
    uint64_t expected_records = 0;  // expected output records (credits + unattributed)
    uint64_t matches = 0;
    uint64_t missing = 0;               // expected, not in the output
    uint64_t unexpected = 0;            // in the output, not expected
    uint64_t different = 0;             // same conversion and touch, other credit or revenue
    uint64_t duplicates = 0;            // the same output record more than once
    uint64_t refused_late = 0;          // events the job refused as late (excluded from the check)
    uint64_t malformed = 0;             // input or output values that are not the expected JSON
    std::vector<std::string> examples;  // a few differences, readable

    bool ok() const { return missing == 0 && unexpected == 0 && different == 0 && duplicates == 0; }
    std::string summary() const;
};

/// Errc::invalid_config for parameters the job would refuse.
Result<AdsVerifyReport> verify_ad_attribution(const AdsVerifyInput& input, const JobParams& params);

}  // namespace es::stream::jobs
