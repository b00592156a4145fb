#pragma once

#include <system_error>

namespace es::kafka::server {

/// Errors that kafka/server finds itself: request checks no lower module makes because they are
/// about the Kafka API rather than the broker (the broker takes a partition count, not replica
/// lists). Each maps to one Kafka error code in error_mapping.cc, which also defines the category.
enum class Errc {
    invalid_replica_assignment = 1,  // replicas on brokers this single-node cluster lacks
};

const std::error_category& server_category();
std::error_code make_error_code(Errc e);

}  // namespace es::kafka::server

template <>
struct std::is_error_code_enum<es::kafka::server::Errc> : std::true_type {};
