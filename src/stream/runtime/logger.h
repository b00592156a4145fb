#pragma once

#include "base/log.h"

namespace es::stream::runtime {
inline const log::Logger stream_runtime_log{"stream"};
}  // namespace es::stream::runtime
