#pragma once

#include "base/error.h"
#include "kafka/protocol/error_code.h"

namespace es::kafka::server {

/// The one place where edgestream's typed errors become Kafka error codes.
protocol::ErrorCode to_kafka(const Error& error);

}  // namespace es::kafka::server
