// The Nexmark queries that look at one bid at a time: q0 (pass-through), q1 (currency
// conversion), q2 (selection), q14 (calculation), q21 (channel ids), q22 (URL directories).
// No state and no repartition: each is one sub-topology of stateless operators per partition.

#include "stream/nexmark/queries.h"

#include <cctype>
#include <cstdlib>
#include <optional>
#include <string_view>

namespace es::stream::nexmark {

namespace {

/// Dollars to euros at the fixed rate every Nexmark implementation uses.
constexpr double kEuroRate = 0.908;

using BuildBids = std::function<void(const Stream<NoKey, Bid>& bids, const QuerySettings& s)>;

/// A job whose whole topology is a function of the bids.
JobInfo bid_query(const std::string& query, std::string description, BuildBids make) {
    return query_job(query, std::move(description), {},
                     [query, make](const JobParams& p) -> Result<Topology> {
                         ES_TRY(QuerySettings s, read_settings(p, query));
                         StreamBuilder b("nexmark-" + query);
                         make(bids_of(read_events(b, s)), s);
                         return b.build();
                     });
}

/// "dayTime" 8:00-18:59, "nightTime" 20:00-6:59, else "otherTime" (UTC hours).
const char* bid_time_type(int64_t date_time) {
    int64_t hour = (date_time / 3'600'000) % 24;
    if (hour < 0) hour += 24;
    if (hour >= 8 && hour <= 18) return "dayTime";
    if (hour <= 6 || hour >= 20) return "nightTime";
    return "otherTime";
}

int64_t count_char(std::string_view s, char c) {
    int64_t n = 0;
    for (char x : s) n += x == c;
    return n;
}

/// The value of the URL's `channel_id` parameter (SQL: REGEXP_EXTRACT(url,
/// '(&|^)channel_id=([^&]*)', 2)); nullopt when it has none.
std::optional<std::string_view> channel_id_of(std::string_view url) {
    constexpr std::string_view kParam = "channel_id=";
    size_t at = 0;
    if (!url.starts_with(kParam)) {
        at = url.find("&channel_id=");
        if (at == std::string_view::npos) return std::nullopt;
        ++at;
    }
    std::string_view rest = url.substr(at + kParam.size());
    return rest.substr(0, rest.find('&'));
}

/// The fixed ids of the four big channels, as q21 defines them (case-insensitive names).
std::optional<std::string_view> known_channel_id(std::string_view channel) {
    auto same = [&](std::string_view name) {
        if (channel.size() != name.size()) return false;
        for (size_t i = 0; i < name.size(); ++i) {
            if (std::tolower(static_cast<unsigned char>(channel[i])) != name[i]) return false;
        }
        return true;
    };
    if (same("apple")) return "0";
    if (same("google")) return "1";
    if (same("facebook")) return "2";
    if (same("baidu")) return "3";
    return std::nullopt;
}

/// Part `index` of the URL split at '/' (SQL: SPLIT_INDEX(url, '/', index)); nullopt past the
/// last part.
std::optional<std::string_view> split_index(std::string_view s, int index) {
    size_t start = 0;
    for (int i = 0; i < index; ++i) {
        size_t slash = s.find('/', start);
        if (slash == std::string_view::npos) return std::nullopt;
        start = slash + 1;
    }
    return s.substr(start, s.find('/', start) - start);
}

void optional_str(JsonWriter& w, std::string_view name, std::optional<std::string_view> v) {
    if (v) {
        w.str(name, *v);
    } else {
        w.null(name);
    }
}

}  // namespace

void add_stateless_queries(std::vector<JobInfo>& jobs) {
    jobs.push_back(bid_query("q0", "Nexmark q0: every bid, unchanged (pass-through).",
                             [](const Stream<NoKey, Bid>& bids, const QuerySettings& s) {
                                 bids.map_values([](const Bid& bid) {
                                         std::string out;
                                         append_json(bid, out);
                                         return out;
                                     })
                                     .to(s.output);
                             }));

    jobs.push_back(bid_query("q1", "Nexmark q1: every bid with its price in euros (price * 0.908).",
                             [](const Stream<NoKey, Bid>& bids, const QuerySettings& s) {
                                 write_json(bids, s.output, [](JsonWriter& w, const Bid& b) {
                                     w.i64("auction", b.auction)
                                         .i64("bidder", b.bidder)
                                         .f64("price", kEuroRate * static_cast<double>(b.price))
                                         .i64("date_time", b.date_time)
                                         .str("extra", b.extra);
                                 });
                             }));

    jobs.push_back(bid_query(
        "q2",
        "Nexmark q2: auction and price of the bids on auctions whose id is a multiple of 123.",
        [](const Stream<NoKey, Bid>& bids, const QuerySettings& s) {
            write_json(bids.filter([](const Bid& b) { return b.auction % 123 == 0; }), s.output,
                       [](JsonWriter& w, const Bid& b) {
                           w.i64("auction", b.auction).i64("price", b.price);
                       });
        }));

    jobs.push_back(bid_query(
        "q14",
        "Nexmark q14: bids between 1,000,000 and 50,000,000 in euros, with the time of day and "
        "the number of 'c' in extra.",
        [](const Stream<NoKey, Bid>& bids, const QuerySettings& s) {
            auto euros = [](const Bid& b) { return kEuroRate * static_cast<double>(b.price); };
            auto selected = bids.filter([euros](const Bid& b) {
                double p = euros(b);
                return p > 1'000'000 && p < 50'000'000;
            });
            write_json(selected, s.output, [euros](JsonWriter& w, const Bid& b) {
                w.i64("auction", b.auction)
                    .i64("bidder", b.bidder)
                    .f64("price", euros(b))
                    .str("bid_time_type", bid_time_type(b.date_time))
                    .i64("date_time", b.date_time)
                    .str("extra", b.extra)
                    .i64("c_counts", count_char(b.extra, 'c'));
            });
        }));

    jobs.push_back(bid_query(
        "q21",
        "Nexmark q21: bids of the four big channels or with a channel_id in their URL, with "
        "that id.",
        [](const Stream<NoKey, Bid>& bids, const QuerySettings& s) {
            auto with_id = bids.filter(
                [](const Bid& b) { return known_channel_id(b.channel) || channel_id_of(b.url); });
            write_json(with_id, s.output, [](JsonWriter& w, const Bid& b) {
                auto id = known_channel_id(b.channel);
                w.i64("auction", b.auction)
                    .i64("bidder", b.bidder)
                    .i64("price", b.price)
                    .str("channel", b.channel)
                    .str("channel_id", id ? *id : *channel_id_of(b.url));
            });
        }));

    jobs.push_back(bid_query("q22",
                             "Nexmark q22: bids with the first three directories of their URL.",
                             [](const Stream<NoKey, Bid>& bids, const QuerySettings& s) {
                                 write_json(bids, s.output, [](JsonWriter& w, const Bid& b) {
                                     w.i64("auction", b.auction)
                                         .i64("bidder", b.bidder)
                                         .i64("price", b.price)
                                         .str("channel", b.channel);
                                     optional_str(w, "dir1", split_index(b.url, 3));
                                     optional_str(w, "dir2", split_index(b.url, 4));
                                     optional_str(w, "dir3", split_index(b.url, 5));
                                 });
                             }));
}

}  // namespace es::stream::nexmark
