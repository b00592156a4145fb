#include "stream/jobs/builtin_jobs.h"

namespace es::stream::jobs {

JobInfo window_count_job();    // window_count.cc
JobInfo ad_attribution_job();  // ad_attribution.cc

Status register_builtin_jobs(JobRegistry& registry) {
    ES_CHECK(registry.add(window_count_job()));
    ES_CHECK(registry.add(ad_attribution_job()));
    return ok_status();
}

}  // namespace es::stream::jobs
