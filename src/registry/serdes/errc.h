#pragma once

#include <system_error>

namespace es::registry::serdes {

/// Errors of registry/serdes. A record that fails with bad_data or unknown_schema is a bad
/// record for the stream engine (reported and skipped); registry_unavailable is worth a retry.
enum class Errc {
    bad_data = 1,          // not Confluent-framed, truncated, or does not match its schema
    unknown_schema,        // the registry has no schema with that id (40403)
    wrong_schema_type,     // e.g. a Protobuf schema id in front of data read as Avro
    registry_unavailable,  // the registry could not be reached or answered 5xx
    registry_refused,      // the registry refused a registration (incompatible, invalid, 4xx)
    invalid_schema,        // a schema the codec's library refuses
};

const std::error_category& serdes_category();
std::error_code make_error_code(Errc e);

}  // namespace es::registry::serdes

template <>
struct std::is_error_code_enum<es::registry::serdes::Errc> : std::true_type {};
