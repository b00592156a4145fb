#pragma once

// The Nexmark queries as built-in jobs, `nexmark-q0` ... (docs/nexmark.md describes each).

#include "base/result.h"
#include "stream/api/job.h"

#include <string>
#include <vector>

namespace es::stream::nexmark {

/// Adds every Nexmark query job to `registry`.
Status register_nexmark_jobs(JobRegistry& registry);

/// The names of the query jobs, in query order.
std::vector<std::string> nexmark_job_names();

}  // namespace es::stream::nexmark
