#include "stream/jobs/builtin_jobs.h"

#include "stream/nexmark/nexmark_jobs.h"

namespace es::stream::jobs {

JobInfo window_count_job();    // window_count.cc
JobInfo ad_attribution_job();  // ad_attribution.cc

Status register_builtin_jobs(JobRegistry& registry) {
    ES_CHECK(registry.add(window_count_job()));
    ES_CHECK(registry.add(ad_attribution_job()));
    ES_CHECK(nexmark::register_nexmark_jobs(registry));
    return ok_status();
}

}  // namespace es::stream::jobs
