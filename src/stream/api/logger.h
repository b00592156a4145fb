#pragma once

#include "base/log.h"

namespace es::stream {
inline const log::Logger stream_log{"stream"};
}  // namespace es::stream
