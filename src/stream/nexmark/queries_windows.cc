// The Nexmark queries over windows of bids and people: q5 (hot items, hopping windows), q7
// (highest bid, tumbling), q8 (new users, a window join), q11 (sessions), q12 (processing-time
// windows), q15-q16 (daily statistics with distinct counts) and q17 (per-auction daily
// statistics).

#include "stream/nexmark/queries.h"

#include <algorithm>
#include <memory>
#include <optional>

namespace es::stream::nexmark {
namespace {

using namespace std::chrono_literals;

/// A count of one id's bids in one window: an auction's (q5) or a bidder's (q12).
struct WindowCount {
    int64_t id = 0;
    int64_t count = 0;
    int64_t start = 0;
    int64_t end = 0;
    template <class Self>
    static auto tie(Self& s) {
        return std::tie(s.id, s.count, s.start, s.end);
    }
};

/// A person who joined, or an auction's seller, in a window (q8): which of the two it was.
struct NewUserPart {
    static constexpr int64_t kJoined = 1;
    static constexpr int64_t kSold = 2;
    int64_t kinds = 0;
    std::string name;
};

/// The bid figures of q15-q17 (and the distinct counts of q15 and q16).
struct BidStats {
    int64_t bids = 0, rank1_bids = 0, rank2_bids = 0, rank3_bids = 0;
    int64_t bidders = 0, rank1_bidders = 0, rank2_bidders = 0, rank3_bidders = 0;
    int64_t auctions = 0, rank1_auctions = 0, rank2_auctions = 0, rank3_auctions = 0;
    int64_t min_price = INT64_MAX, max_price = INT64_MIN, sum_price = 0;
    int64_t max_time = INT64_MIN;
    template <class Self>
    static auto tie(Self& s) {
        return std::tie(s.bids, s.rank1_bids, s.rank2_bids, s.rank3_bids, s.bidders,
                        s.rank1_bidders, s.rank2_bidders, s.rank3_bidders, s.auctions,
                        s.rank1_auctions, s.rank2_auctions, s.rank3_auctions, s.min_price,
                        s.max_price, s.sum_price, s.max_time);
    }

    void add_bid(const Bid& b) {
        ++bids;
        int rank = price_rank(b.price);
        ++(rank == 1 ? rank1_bids : rank == 2 ? rank2_bids : rank3_bids);
        min_price = std::min(min_price, b.price);
        max_price = std::max(max_price, b.price);
        sum_price += b.price;
        max_time = std::max(max_time, b.date_time);
    }
    /// Folds another part of the same window in (combine_per_slice's folds, q17).
    BidStats merged(const BidStats& o) const {
        BidStats s = *this;
        auto sum = BidStats::tie(s);
        auto other = BidStats::tie(o);
        // Every field adds up except the extremes.
        std::apply(
            [&](auto&... a) { std::apply([&](const auto&... b) { ((a += b), ...); }, other); },
            sum);
        s.min_price = std::min(min_price, o.min_price);
        s.max_price = std::max(max_price, o.max_price);
        s.max_time = std::max(max_time, o.max_time);
        return s;
    }
};

}  // namespace
}  // namespace es::stream::nexmark

namespace es::stream {
template <>
struct Serde<nexmark::WindowCount> : nexmark::NumbersSerde<nexmark::WindowCount> {};
template <>
struct Serde<nexmark::BidStats> : nexmark::NumbersSerde<nexmark::BidStats> {};
template <>
struct Serde<nexmark::NewUserPart> {
    static void encode(const nexmark::NewUserPart& p, std::string& out) {
        FieldWriter(out).i64(p.kinds).str(p.name);
    }
    static Result<nexmark::NewUserPart> decode(std::string_view in) {
        nexmark::NewUserPart p;
        FieldReader r(in, "nexmark new user");
        r.i64(p.kinds).str(p.name);
        ES_CHECK(r.finish());
        return p;
    }
};
}  // namespace es::stream

namespace es::stream::nexmark {
namespace {

void window_fields(JsonWriter& w, const TimeWindow& window) {
    w.i64("starttime", window.start).i64("endtime", window.end);
}

Result<Topology> q5(const JobParams& p) {
    ES_TRY(QuerySettings s, read_settings(p, "q5"));
    ES_TRY(auto size, positive_duration(p, "window", 10s));
    ES_TRY(auto advance, positive_duration(p, "advance", 2s));
    StreamBuilder b("nexmark-q5");
    auto counts = bids_of(read_events(b, s))
                      .key_by([](const Bid& bid) { return bid.auction; })
                      .window(HoppingWindows::of(size, advance), "bids-per-auction")
                      .count();
    write_late(counts.late_records(), s);
    // Every count of one hopping window, keyed by the window, meets in a tumbling window of
    // one advance: the counts are stamped with the hopping window's last instant, which lies
    // in exactly one of those.
    auto hottest = counts
                       .map([](const Windowed<int64_t>& w, int64_t n) {
                           return std::pair<int64_t, WindowCount>(
                               w.window.start, WindowCount{w.key, n, w.window.start, w.window.end});
                       })
                       .window(TumblingWindows::of(advance), "hottest")
                       .aggregate([] { return std::vector<WindowCount>{}; },
                                  [](const WindowCount& c, std::vector<WindowCount>&& top) {
                                      if (!top.empty() && c.count < top.front().count) return top;
                                      if (!top.empty() && c.count > top.front().count) top.clear();
                                      top.push_back(c);
                                      return std::move(top);
                                  });
    write_json(hottest.flat_map_values([](const std::vector<WindowCount>& top) { return top; }),
               s.output, [](JsonWriter& w, const WindowCount& c) {
                   w.i64("auction", c.id).i64("num", c.count);
                   window_fields(w, {c.start, c.end});
               });
    return b.build();
}

/// The bids at the highest price seen so far (all of them at the same price).
std::vector<Bid> keep_highest(std::vector<Bid>&& top, const std::vector<Bid>& more) {
    if (more.empty()) return std::move(top);
    if (!top.empty() && more.front().price < top.front().price) return std::move(top);
    if (!top.empty() && more.front().price > top.front().price) top.clear();
    top.insert(top.end(), more.begin(), more.end());
    return std::move(top);
}

Result<Topology> q7(const JobParams& p) {
    ES_TRY(QuerySettings s, read_settings(p, "q7"));
    ES_TRY(auto size, positive_duration(p, "window", 10s));
    StreamBuilder b("nexmark-q7");
    // One key for the whole stream: the highest bid is global. Folding per window inside each
    // task first sends one list per task and window through the repartition topic.
    auto highest = bids_of(read_events(b, s))
                       .key_by([](const Bid&) { return int64_t{0}; })
                       .combine_per_slice(
                           size, [] { return std::vector<Bid>{}; },
                           [](const Bid& bid, std::vector<Bid>&& top) {
                               return keep_highest(std::move(top), {bid});
                           })
                       .window(TumblingWindows::of(size), "highest")
                       .aggregate([] { return std::vector<Bid>{}; },
                                  [](const std::vector<Bid>& more, std::vector<Bid>&& top) {
                                      return keep_highest(std::move(top), more);
                                  });
    auto with_window =
        highest.flat_map_values([](const Windowed<int64_t>& w, const std::vector<Bid>& top) {
            std::vector<std::pair<Bid, TimeWindow>> out;
            for (const Bid& bid : top) out.emplace_back(bid, w.window);
            return out;
        });
    write_json(with_window, s.output, [](JsonWriter& w, const std::pair<Bid, TimeWindow>& r) {
        w.i64("auction", r.first.auction)
            .i64("price", r.first.price)
            .i64("bidder", r.first.bidder)
            .i64("date_time", r.first.date_time)
            .str("extra", r.first.extra);
        window_fields(w, r.second);
    });
    return b.build();
}

Result<Topology> q8(const JobParams& p) {
    ES_TRY(QuerySettings s, read_settings(p, "q8"));
    ES_TRY(auto size, positive_duration(p, "window", 10s));
    StreamBuilder b("nexmark-q8");
    auto events = read_events(b, s);
    auto joined = persons_of(events).map([](const NoKey&, const Person& person) {
        return std::pair<int64_t, NewUserPart>(person.id,
                                               NewUserPart{NewUserPart::kJoined, person.name});
    });
    auto sold = auctions_of(events).map([](const NoKey&, const Auction& a) {
        return std::pair<int64_t, NewUserPart>(a.seller, NewUserPart{NewUserPart::kSold, {}});
    });
    auto both = joined.merge(sold)
                    .window(TumblingWindows::of(size), "new-users")
                    .aggregate([] { return NewUserPart{}; },
                               [](const NewUserPart& part, NewUserPart&& acc) {
                                   acc.kinds |= part.kinds;
                                   if (part.kinds & NewUserPart::kJoined) acc.name = part.name;
                                   return std::move(acc);
                               });
    write_json(both.late_records(), s.output + "-late",
               [](JsonWriter& w, int64_t id, const NewUserPart& part) {
                   w.i64("id", id).i64("kinds", part.kinds).str("name", part.name);
               });
    auto new_users = both.filter([](const NewUserPart& acc) {
        return acc.kinds == (NewUserPart::kJoined | NewUserPart::kSold);
    });
    write_json(new_users, s.output,
               [](JsonWriter& w, const Windowed<int64_t>& user, const NewUserPart& acc) {
                   w.i64("id", user.key).str("name", acc.name);
                   window_fields(w, user.window);
               });
    return b.build();
}

Result<Topology> q11(const JobParams& p) {
    ES_TRY(QuerySettings s, read_settings(p, "q11"));
    ES_TRY(auto gap, positive_duration(p, "gap", 10s));
    StreamBuilder b("nexmark-q11");
    auto sessions = bids_of(read_events(b, s))
                        .key_by([](const Bid& bid) { return bid.bidder; })
                        .window(SessionWindows::with_gap(gap), "sessions")
                        .count();
    write_late(sessions.late_records(), s);
    write_json(sessions, s.output, [](JsonWriter& w, const Windowed<int64_t>& bidder, int64_t n) {
        w.i64("bidder", bidder.key).i64("bid_count", n);
        window_fields(w, bidder.window);
    });
    return b.build();
}

TimeMs window_start(TimeMs t, TimeMs size) {
    TimeMs r = t % size;
    return t - (r < 0 ? r + size : r);
}

/// Counts a bidder's bids per tumbling window of processing time (q12). A window ends at its
/// timer, or when a bid of a later window finds it still open (the timer not yet run).
class ProcessingTimeCount final : public KeyedProcessFunction<int64_t, Bid, WindowCount> {
  public:
    explicit ProcessingTimeCount(TimeMs size) : size_(size) {}

    void process(const Bid&, Context& ctx) override {
        const TimeMs start = window_start(ctx.now(), size_);
        std::optional<WindowCount> open = window_.get();
        if (open && open->start != start) {
            ctx.delete_processing_timer(open->end);
            ctx.emit(*open);
            open.reset();
        }
        if (!open) {
            open = WindowCount{ctx.key(), 0, start, start + size_};
            ctx.register_processing_timer(open->end);
        }
        ++open->count;
        window_.put(*open);
    }

    void on_timer(TimeMs at, TimeDomain, Context& ctx) override {
        std::optional<WindowCount> open = window_.get();
        if (!open || open->end != at) return;
        ctx.emit(*open);
        window_.clear();
    }

  private:
    TimeMs size_;
    ValueState<WindowCount> window_{this, "window"};
};

Result<Topology> q12(const JobParams& p) {
    ES_TRY(QuerySettings s, read_settings(p, "q12"));
    ES_TRY(auto size, positive_duration(p, "window", 10s));
    StreamBuilder b("nexmark-q12");
    auto counts = bids_of(read_events(b, s))
                      .key_by([](const Bid& bid) { return bid.bidder; })
                      .process<WindowCount>(
                          [size] { return std::make_unique<ProcessingTimeCount>(size.count()); },
                          "bids-per-bidder");
    write_json(counts, s.output, [](JsonWriter& w, const WindowCount& c) {
        w.i64("bidder", c.id).i64("bid_count", c.count);
        window_fields(w, {c.start, c.end});
    });
    return b.build();
}

/// The key of q15 and q16: a channel ("" for q15) and the start of a tumbling window.
using ChannelWindow = std::pair<std::string, int64_t>;

/// The bid figures of one channel and window, with distinct bidders and auctions, overall and
/// per price rank (q15, q16). Each distinct set is one map entry per id, so that a day of bids
/// costs a lookup per bid rather than a rewrite of a set. Reports when the watermark passes the
/// window; a bid of a window already reported (late) is not counted.
class ChannelWindowStats final : public KeyedProcessFunction<ChannelWindow, Bid, BidStats> {
  public:
    explicit ChannelWindowStats(TimeMs size) : size_(size) {}

    void process(const Bid& bid, Context& ctx) override {
        const TimeMs last = ctx.key().second + size_ - 1;
        if (last <= ctx.watermark()) return;
        BidStats st = stats_.get().value_or(BidStats{});
        if (st.bids == 0) ctx.register_event_timer(last);
        st.add_bid(bid);
        const int rank = price_rank(bid.price);
        int64_t* bidders[] = {&st.bidders, &st.rank1_bidders, &st.rank2_bidders, &st.rank3_bidders};
        int64_t* auctions[] = {&st.auctions, &st.rank1_auctions, &st.rank2_auctions,
                               &st.rank3_auctions};
        for (int set : {0, rank}) {
            *bidders[set] += first_seen(set, bid.bidder);
            *auctions[set] += first_seen(4 + set, bid.auction);
        }
        stats_.put(st);
    }

    void on_timer(TimeMs, TimeDomain, Context& ctx) override {
        if (auto st = stats_.get()) ctx.emit(*st);
        stats_.clear();
        seen_.clear();
    }

  private:
    /// Ids are far below 2^56: the set's number goes in the top byte.
    bool first_seen(int64_t set, int64_t id) {
        const int64_t entry = (set << 56) | id;
        if (seen_.get(entry)) return false;
        seen_.put(entry, 1);
        return true;
    }

    TimeMs size_;
    ValueState<BidStats> stats_{this, "stats"};
    MapState<int64_t, int64_t> seen_{this, "seen"};
};

void distinct_fields(JsonWriter& w, const BidStats& st) {
    w.i64("total_bids", st.bids)
        .i64("rank1_bids", st.rank1_bids)
        .i64("rank2_bids", st.rank2_bids)
        .i64("rank3_bids", st.rank3_bids)
        .i64("total_bidders", st.bidders)
        .i64("rank1_bidders", st.rank1_bidders)
        .i64("rank2_bidders", st.rank2_bidders)
        .i64("rank3_bidders", st.rank3_bidders)
        .i64("total_auctions", st.auctions)
        .i64("rank1_auctions", st.rank1_auctions)
        .i64("rank2_auctions", st.rank2_auctions)
        .i64("rank3_auctions", st.rank3_auctions);
}

/// q15 (per window) and q16 (per channel and window).
Result<Topology> channel_stats(const JobParams& p, const std::string& query, bool per_channel) {
    ES_TRY(QuerySettings s, read_settings(p, query));
    ES_TRY(auto size, positive_duration(p, "window", 24h));
    StreamBuilder b("nexmark-" + query);
    const TimeMs size_ms = size.count();
    auto stats =
        bids_of(read_events(b, s))
            .key_by([size_ms, per_channel](const Bid& bid) {
                return ChannelWindow(per_channel ? bid.channel : std::string(),
                                     window_start(bid.date_time, size_ms));
            })
            .process<BidStats>([size_ms] { return std::make_unique<ChannelWindowStats>(size_ms); },
                               "stats");
    write_json(stats, s.output,
               [size_ms, per_channel](JsonWriter& w, const ChannelWindow& key, const BidStats& st) {
                   if (per_channel) w.str("channel", key.first);
                   w.str("day", format_day(key.second));
                   if (per_channel) w.str("minute", format_minute(st.max_time));
                   distinct_fields(w, st);
                   window_fields(w, {key.second, key.second + size_ms});
               });
    return b.build();
}

Result<Topology> q17(const JobParams& p) {
    ES_TRY(QuerySettings s, read_settings(p, "q17"));
    ES_TRY(auto size, positive_duration(p, "window", 24h));
    StreamBuilder b("nexmark-q17");
    auto stats =
        bids_of(read_events(b, s))
            .key_by([](const Bid& bid) { return bid.auction; })
            .combine_per_slice(
                size, [] { return BidStats{}; },
                [](const Bid& bid, BidStats&& st) {
                    st.add_bid(bid);
                    return std::move(st);
                })
            .window(TumblingWindows::of(size), "auction-stats")
            .aggregate([] { return BidStats{}; },
                       [](const BidStats& part, BidStats&& st) { return st.merged(part); });
    write_json(
        stats, s.output, [](JsonWriter& w, const Windowed<int64_t>& auction, const BidStats& st) {
            w.i64("auction", auction.key)
                .str("day", format_day(auction.window.start))
                .i64("total_bids", st.bids)
                .i64("rank1_bids", st.rank1_bids)
                .i64("rank2_bids", st.rank2_bids)
                .i64("rank3_bids", st.rank3_bids)
                .i64("min_price", st.min_price)
                .i64("max_price", st.max_price)
                .f64("avg_price", static_cast<double>(st.sum_price) / static_cast<double>(st.bids))
                .i64("sum_price", st.sum_price);
            window_fields(w, auction.window);
        });
    return b.build();
}

}  // namespace

void add_window_queries(std::vector<JobInfo>& jobs) {
    jobs.push_back(query_job("q5",
                             "Nexmark q5: the auctions with the most bids in each hopping window.",
                             {{"window", "10s"}, {"advance", "2s"}}, q5));
    jobs.push_back(query_job("q7", "Nexmark q7: the highest bids of each tumbling window.",
                             {{"window", "10s"}}, q7));
    jobs.push_back(query_job(
        "q8", "Nexmark q8: people who opened an auction in the tumbling window they joined in.",
        {{"window", "10s"}}, q8));
    jobs.push_back(query_job("q11",
                             "Nexmark q11: each bidder's sessions (bids less than a gap apart).",
                             {{"gap", "10s"}}, q11));
    jobs.push_back(query_job("q12",
                             "Nexmark q12: bids per bidder in tumbling windows of processing time.",
                             {{"window", "10s"}}, q12));
    jobs.push_back(query_job(
        "q15", "Nexmark q15: bids, bidders and auctions per day, overall and per price rank.",
        {{"window", "1d"}}, [](const JobParams& p) { return channel_stats(p, "q15", false); }));
    jobs.push_back(query_job(
        "q16", "Nexmark q16: q15 per channel, with the last minute of the day that had a bid.",
        {{"window", "1d"}}, [](const JobParams& p) { return channel_stats(p, "q16", true); }));
    jobs.push_back(query_job("q17", "Nexmark q17: bids and prices per auction and day.",
                             {{"window", "1d"}}, q17));
}

}  // namespace es::stream::nexmark
