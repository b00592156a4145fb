#pragma once

#include <system_error>

namespace es::stream {

/// Errors of the stream processor's API and task layer.
enum class Errc {
    bad_record = 1,     // a record's key or value could not be decoded by its serde
    invalid_topology,   // the job's topology is inconsistent (no source, a name used twice, ...)
    unknown_job,        // no built-in job has that name
    invalid_config,     // a job setting is missing, unknown or out of range
    state,              // a state store failed; the task's uncommitted work is discarded
    not_copartitioned,  // inputs of one sub-topology have different partition counts
};

const std::error_category& stream_category();
std::error_code make_error_code(Errc e);

}  // namespace es::stream

template <>
struct std::is_error_code_enum<es::stream::Errc> : std::true_type {};
