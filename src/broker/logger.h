#pragma once

#include "base/log.h"

namespace es::broker {
inline const log::Logger broker_log{"broker"};
}  // namespace es::broker
