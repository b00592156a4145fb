#pragma once

#include "base/log.h"

namespace es::kafka::server {
inline const log::Logger kafka_log{"kafka"};
}  // namespace es::kafka::server
