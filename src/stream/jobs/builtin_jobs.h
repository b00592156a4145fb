#pragma once

// The jobs that ship with edgestream, run by name with `edgestream run NAME`.

#include "base/result.h"
#include "stream/api/job.h"

namespace es::stream::jobs {

/// Adds every built-in job to `registry`.
Status register_builtin_jobs(JobRegistry& registry);

}  // namespace es::stream::jobs
