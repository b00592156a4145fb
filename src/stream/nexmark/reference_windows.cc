// The reference of the windowed queries: every window the final watermark has passed (its last
// instant, end - 1, at or before it), computed from all its records at once.

#include "stream/nexmark/reference_internal.h"

#include <algorithm>
#include <map>
#include <set>

namespace es::stream::nexmark::reference {

using nlohmann::json;

namespace {

bool closed(const Data& d, int64_t end) { return end - 1 <= d.watermark; }

json window(int64_t start, int64_t end) { return {{"starttime", start}, {"endtime", end}}; }

json with(json row, const json& more) {
    for (auto it = more.begin(); it != more.end(); ++it) row[it.key()] = it.value();
    return row;
}

}  // namespace

Result<Rows> q5(const Data& d) {
    ES_TRY(int64_t size, d.duration("window", 10'000));
    ES_TRY(int64_t advance, d.duration("advance", 2'000));
    std::map<int64_t, std::map<int64_t, int64_t>> counts;  // window start -> auction -> bids
    for (const Bid& b : d.bids) {
        for (int64_t start = floor_to(b.date_time, advance); start > b.date_time - size;
             start -= advance) {
            ++counts[start][b.auction];
        }
    }
    Rows rows;
    for (const auto& [start, per_auction] : counts) {
        if (!closed(d, start + size)) continue;
        int64_t most = 0;
        for (const auto& [auction, n] : per_auction) most = std::max(most, n);
        for (const auto& [auction, n] : per_auction) {
            if (n == most) {
                rows.push_back(
                    with({{"auction", auction}, {"num", n}}, window(start, start + size)));
            }
        }
    }
    return rows;
}

Result<Rows> q7(const Data& d) {
    ES_TRY(int64_t size, d.duration("window", 10'000));
    std::map<int64_t, std::vector<const Bid*>> windows;
    for (const Bid& b : d.bids) windows[floor_to(b.date_time, size)].push_back(&b);
    Rows rows;
    for (const auto& [start, bids] : windows) {
        if (!closed(d, start + size)) continue;
        int64_t highest = 0;
        for (const Bid* b : bids) highest = std::max(highest, b->price);
        for (const Bid* b : bids) {
            if (b->price != highest) continue;
            rows.push_back(with({{"auction", b->auction},
                                 {"price", b->price},
                                 {"bidder", b->bidder},
                                 {"date_time", b->date_time},
                                 {"extra", b->extra}},
                                window(start, start + size)));
        }
    }
    return rows;
}

Result<Rows> q8(const Data& d) {
    ES_TRY(int64_t size, d.duration("window", 10'000));
    std::map<std::pair<int64_t, int64_t>, std::string> joined;  // (window, person) -> name
    std::set<std::pair<int64_t, int64_t>> sold;                 // (window, seller)
    for (const Person& p : d.persons) joined[{floor_to(p.date_time, size), p.id}] = p.name;
    for (const Auction& a : d.auctions) sold.insert({floor_to(a.date_time, size), a.seller});
    Rows rows;
    for (const auto& [key, name] : joined) {
        if (!closed(d, key.first + size) || !sold.count(key)) continue;
        rows.push_back(
            with({{"id", key.second}, {"name", name}}, window(key.first, key.first + size)));
    }
    return rows;
}

Result<Rows> q11(const Data& d) {
    ES_TRY(int64_t gap, d.duration("gap", 10'000));
    std::map<int64_t, std::vector<int64_t>> times;  // per bidder
    for (const Bid& b : d.bids) times[b.bidder].push_back(b.date_time);
    Rows rows;
    for (auto& [bidder, ts] : times) {
        std::sort(ts.begin(), ts.end());
        size_t first = 0;
        for (size_t i = 1; i <= ts.size(); ++i) {
            if (i < ts.size() && ts[i] - ts[i - 1] < gap) continue;
            int64_t end = ts[i - 1] + gap;
            if (closed(d, end)) {
                rows.push_back(
                    with({{"bidder", bidder}, {"bid_count", i - first}}, window(ts[first], end)));
            }
            first = i;
        }
    }
    return rows;
}

namespace {

/// The figures of q15-q17 over a group of bids.
json bid_figures(const std::vector<const Bid*>& bids, bool distinct) {
    auto rank_of = [](int64_t price) { return price < 10'000 ? 1 : price < 1'000'000 ? 2 : 3; };
    int64_t count[4] = {0, 0, 0, 0};
    std::set<int64_t> bidders[4], auctions[4];
    for (const Bid* b : bids) {
        for (int r : {0, rank_of(b->price)}) {
            ++count[r];
            bidders[r].insert(b->bidder);
            auctions[r].insert(b->auction);
        }
    }
    json row = {{"total_bids", count[0]},
                {"rank1_bids", count[1]},
                {"rank2_bids", count[2]},
                {"rank3_bids", count[3]}};
    if (!distinct) return row;
    const char* names[] = {"total", "rank1", "rank2", "rank3"};
    for (int r = 0; r < 4; ++r) {
        row[std::string(names[r]) + "_bidders"] = bidders[r].size();
        row[std::string(names[r]) + "_auctions"] = auctions[r].size();
    }
    return row;
}

/// Bids grouped by (group, window start), for the windows the watermark closed.
template <class GroupOf>
Result<std::map<std::pair<std::string, int64_t>, std::vector<const Bid*>>> groups(
    const Data& d, int64_t size, GroupOf group_of) {
    std::map<std::pair<std::string, int64_t>, std::vector<const Bid*>> out;
    for (const Bid& b : d.bids) {
        int64_t start = floor_to(b.date_time, size);
        if (closed(d, start + size)) out[{group_of(b), start}].push_back(&b);
    }
    return out;
}

Result<Rows> daily(const Data& d, bool per_channel) {
    ES_TRY(int64_t size, d.duration("window", 86'400'000));
    ES_TRY(auto grouped,
           groups(d, size, [&](const Bid& b) { return per_channel ? b.channel : std::string(); }));
    Rows rows;
    for (const auto& [key, bids] : grouped) {
        json row = with(bid_figures(bids, true), window(key.second, key.second + size));
        row["day"] = utc(key.second, "%Y-%m-%d");
        if (per_channel) {
            int64_t last = 0;
            for (const Bid* b : bids) last = std::max(last, b->date_time);
            row["channel"] = key.first;
            row["minute"] = utc(last, "%H:%M");
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

}  // namespace

Result<Rows> q15(const Data& d) { return daily(d, false); }
Result<Rows> q16(const Data& d) { return daily(d, true); }

Result<Rows> q17(const Data& d) {
    ES_TRY(int64_t size, d.duration("window", 86'400'000));
    ES_TRY(auto grouped, groups(d, size, [](const Bid& b) { return std::to_string(b.auction); }));
    Rows rows;
    for (const auto& [key, bids] : grouped) {
        int64_t lo = bids.front()->price, hi = lo, sum = 0;
        for (const Bid* b : bids) {
            lo = std::min(lo, b->price);
            hi = std::max(hi, b->price);
            sum += b->price;
        }
        json row = with(bid_figures(bids, false), window(key.second, key.second + size));
        row["auction"] = bids.front()->auction;
        row["day"] = utc(key.second, "%Y-%m-%d");
        row["min_price"] = lo;
        row["max_price"] = hi;
        row["sum_price"] = sum;
        row["avg_price"] = static_cast<double>(sum) / static_cast<double>(bids.size());
        rows.push_back(std::move(row));
    }
    return rows;
}

}  // namespace es::stream::nexmark::reference
