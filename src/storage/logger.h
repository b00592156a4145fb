#pragma once

#include "base/log.h"

namespace es::storage {
inline const log::Logger storage_log{"storage"};
}  // namespace es::storage
