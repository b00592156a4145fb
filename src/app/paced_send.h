#pragma once

// The send loop of the traffic generators (`gen ads`, `gen nexmark`, the demo): records from a
// source, paced to a rate of wall clock or as fast as possible, until a limit, a signal (the
// tick's answer) or the end of the source.

#include "client/producer.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace es::app {

struct SendLimits {
    int64_t rate = 0;                  // records per second of wall clock; 0: as fast as possible
    std::chrono::seconds duration{0};  // 0: no limit
    uint64_t events = 0;               // 0: no limit
};

/// Fills the next record; false when the source has no more, an error to stop the run. The
/// record's views must stay valid until the next call.
using NextRecord = std::function<Result<bool>(client::ProducerRecord& record)>;

/// Sends until a limit is reached, `next` has no more, or `tick` returns false; tick(second)
/// runs once per second of wall clock. Returns the first send or source error, or an empty
/// string.
std::string send_paced(client::Producer& producer, const SendLimits& limits, const NextRecord& next,
                       const std::function<bool(int64_t second)>& tick);

}  // namespace es::app
