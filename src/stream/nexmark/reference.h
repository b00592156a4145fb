#pragma once

// The batch reference of the Nexmark queries: what each query's job must write for a given
// input, recomputed in one pass over all the events with plain containers, on purpose without
// the stream engine, the jobs' code or their JSON writer (rows are made with nlohmann::json).
// The tests run each job through the TestDriver and compare.

#include "base/result.h"
#include "stream/api/job.h"
#include "stream/nexmark/model.h"

#include <map>
#include <string>
#include <vector>

namespace es::stream::nexmark {

struct ReferenceInput {
    /// In the order the job reads them (one partition).
    std::vector<Event> events;
    /// The job's parameters (windows, out-of-orderness, ...), with the same defaults.
    JobParams params;
    /// q13's side-input table: key -> value.
    std::map<std::string, std::string> side_input;
};

/// The queries that have a reference (all but q12, whose processing-time windows depend on
/// when records arrive: its test checks invariants instead).
std::vector<std::string> reference_queries();

/// The values `query` ("q5") writes for the input, each in canonical JSON (nlohmann's dump:
/// keys sorted, numbers as written), sorted. Results that wait for event time (windows,
/// auction closings) are included when the final watermark has passed them: the largest event
/// time minus the out-of-orderness minus 1 ms. Errc::invalid_config for an unknown query.
Result<std::vector<std::string>> reference_output(const std::string& query,
                                                  const ReferenceInput& input);

/// `json` in the canonical form of reference_output(); Errc::bad_record when it is not JSON.
Result<std::string> canonical_json(std::string_view json);

}  // namespace es::stream::nexmark
