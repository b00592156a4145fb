#pragma once

// Shared by reference.cc and reference_windows.cc (internal to stream/nexmark).

#include "stream/nexmark/reference.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace es::stream::nexmark::reference {

/// The input split by kind, in arrival order, and the final watermark.
struct Data {
    std::vector<Person> persons;
    std::vector<Auction> auctions;
    std::vector<Bid> bids;
    int64_t watermark = 0;
    const ReferenceInput* input = nullptr;

    /// A duration parameter in ms, with the job's default.
    Result<int64_t> duration(const std::string& name, int64_t fallback_ms) const;
};

using Rows = std::vector<nlohmann::json>;

nlohmann::json bid_row(const Bid& b);
/// floor(t / size) * size.
int64_t floor_to(int64_t t, int64_t size);
/// "%Y-%m-%d" and "%H:%M" of a time, UTC (gmtime).
std::string utc(int64_t ms, const char* format);

Result<Rows> q5(const Data& d);
Result<Rows> q7(const Data& d);
Result<Rows> q8(const Data& d);
Result<Rows> q11(const Data& d);
Result<Rows> q15(const Data& d);
Result<Rows> q16(const Data& d);
Result<Rows> q17(const Data& d);

}  // namespace es::stream::nexmark::reference
