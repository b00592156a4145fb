#pragma once

#include "base/log.h"

namespace es::client {
inline const log::Logger client_log{"client"};
}  // namespace es::client
