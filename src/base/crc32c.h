#pragma once

#include "base/bytes.h"

#include <cstdint>

namespace es::crc32c {

/// CRC-32C (Castagnoli), as Kafka's record batch v2 uses. Extends `crc` (the value returned for
/// the preceding bytes; 0 to start) over `data`. Uses the SSE4.2 instruction when the CPU has
/// it and a slicing-by-8 table otherwise; both give the same result.
uint32_t extend(uint32_t crc, BytesView data);
inline uint32_t value(BytesView data) { return extend(0, data); }

/// The portable implementation, exposed so tests can compare it with the hardware one.
uint32_t extend_software(uint32_t crc, BytesView data);
/// True when extend() uses the SSE4.2 instruction on this CPU.
bool hardware_accelerated();

}  // namespace es::crc32c
