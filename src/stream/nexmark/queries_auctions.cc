// The Nexmark queries on closed auctions: q9 (winning bids), and on top of it q4 (average
// closing price per category) and q6 (average selling price of each seller's last 10
// auctions). An auction closes when the watermark passes its `expires`; its winning bid is the
// highest of the bids made between its date_time and expires (ties: the earliest, then the
// lowest bidder, then the first to arrive).

#include "stream/nexmark/queries.h"

#include <deque>
#include <memory>

namespace es::stream::nexmark {
namespace {

using namespace std::chrono_literals;

/// An auction that closed with at least one valid bid.
using Closed = std::pair<Auction, Bid>;

bool better(const Bid& b, const Bid& than) {
    if (b.price != than.price) return b.price > than.price;
    if (b.date_time != than.date_time) return b.date_time < than.date_time;
    return b.bidder < than.bidder;
}

/// Per auction: the auction, its best valid bid so far, and bids that came before the auction
/// (a bid may name an auction not yet seen). Closes the auction when the watermark passes its
/// end. A closed auction is remembered for `wait`, so that its stray later bids are dropped at
/// once; bids that wait longer than that for their auction are dropped by their own timer.
class WinningBid final : public KeyedProcessFunction<int64_t, JoinInput<Auction, Bid>, Closed> {
  public:
    explicit WinningBid(std::chrono::milliseconds wait)
        : wait_(wait.count()), closed_(this, "closed", wait) {}

    void process(const JoinInput<Auction, Bid>& in, Context& ctx) override {
        if (const Auction* a = std::get_if<Auction>(&in.side)) {
            auction_.put(*a);
            ctx.register_event_timer(a->expires);
            early_.for_each([&](const int64_t&, const Bid& bid) {
                consider(*a, bid);
                return true;
            });
            early_.clear();
            early_count_.clear();
            return;
        }
        const Bid& bid = std::get<Bid>(in.side);
        if (auto a = auction_.get()) return consider(*a, bid);
        if (closed_.get()) return;
        const int64_t n = early_count_.get().value_or(0);
        early_.put(n, bid);
        early_count_.put(n + 1);
        ctx.register_event_timer(saturating_add(bid.date_time, wait_));
    }

    void on_timer(TimeMs at, TimeDomain, Context& ctx) override {
        if (auto a = auction_.get(); a && a->expires <= at) {
            if (auto best = best_.get()) ctx.emit(Closed(*a, *best));
            auction_.clear();
            best_.clear();
            closed_.put(1);
            return;
        }
        // Bids that waited for their auction too long.
        std::vector<int64_t> expired;
        early_.for_each([&](const int64_t& n, const Bid& bid) {
            if (saturating_add(bid.date_time, wait_) <= at) expired.push_back(n);
            return true;
        });
        for (int64_t n : expired) early_.remove(n);
    }

  private:
    void consider(const Auction& a, const Bid& bid) {
        if (bid.date_time < a.date_time || bid.date_time > a.expires) return;
        auto best = best_.get();
        if (!best || better(bid, *best)) best_.put(bid);
    }

    TimeMs wait_;
    ValueState<Auction> auction_{this, "auction"};
    ValueState<Bid> best_{this, "best"};
    ValueState<int64_t> closed_;
    MapState<int64_t, Bid> early_{this, "early"};
    ValueState<int64_t> early_count_{this, "early-count"};
};

/// The closed auctions, keyed by auction id and stamped with their expires.
Result<Stream<int64_t, Closed>> closed_auctions(StreamBuilder& b, const QuerySettings& s,
                                                const JobParams& p) {
    ES_TRY(auto wait, positive_duration(p, "max-auction-wait", 10min));
    auto events = read_events(b, s);
    return join_inputs(
               auctions_of(events), bids_of(events), [](const Auction& a) { return a.id; },
               [](const Bid& bid) { return bid.auction; })
        .process<Closed>([wait] { return std::make_unique<WinningBid>(wait); }, "winning-bids");
}

Result<Topology> q9(const JobParams& p) {
    ES_TRY(QuerySettings s, read_settings(p, "q9"));
    StreamBuilder b("nexmark-q9");
    ES_TRY(auto closed, closed_auctions(b, s, p));
    write_json(closed, s.output, [](JsonWriter& w, const Closed& c) {
        write_fields(w, c.second);
        auction_fields_after_bid(w, c.first);
    });
    return b.build();
}

/// A closing price, in the order closings are folded: by expires, then auction id.
using ClosingKey = std::pair<int64_t, int64_t>;

/// Folds the closings of one key (a category, a seller) in a fixed order, whatever order
/// they arrive in from the tasks upstream: each waits in a map ordered by (expires, auction)
/// until the watermark passes its expires, then `Fold::add` updates the key's state and says
/// what to emit.
template <class Fold>
class OrderedClosings final : public KeyedProcessFunction<int64_t, Closed, typename Fold::Out> {
  public:
    using Base = KeyedProcessFunction<int64_t, Closed, typename Fold::Out>;

    void process(const Closed& c, typename Base::Context& ctx) override {
        waiting_.put(ClosingKey(c.first.expires, c.first.id), c.second.price);
        ctx.register_event_timer(c.first.expires);
    }

    void on_timer(TimeMs at, TimeDomain, typename Base::Context& ctx) override {
        std::vector<std::pair<ClosingKey, int64_t>> due;
        waiting_.for_each([&](const ClosingKey& k, const int64_t& price) {
            if (k.first > at) return false;
            due.emplace_back(k, price);
            return true;
        });
        typename Fold::State state = state_.get().value_or(typename Fold::State{});
        for (const auto& [k, price] : due) {
            ctx.emit(Fold::add(state, ctx.key(), price));
            waiting_.remove(k);
        }
        state_.put(state);
    }

  private:
    MapState<ClosingKey, int64_t> waiting_{this, "waiting"};
    ValueState<typename Fold::State> state_{this, "state"};
};

/// A key's running figure after a closing (q4's category average, q6's seller average).
struct KeyAverage {
    int64_t key = 0;
    double average = 0;
    int64_t auctions = 0;  // the closings averaged
};

struct CategoryAverage {
    struct State {
        int64_t count = 0;
        int64_t sum = 0;
        template <class Self>
        static auto tie(Self& s) {
            return std::tie(s.count, s.sum);
        }
    };
    using Out = KeyAverage;
    static Out add(State& s, int64_t category, int64_t price) {
        ++s.count;
        s.sum += price;
        return {category, static_cast<double>(s.sum) / static_cast<double>(s.count), s.count};
    }
};

/// Over a seller's last 10 closings.
struct SellerAverage {
    static constexpr size_t kLast = 10;
    using State = std::vector<int64_t>;
    using Out = KeyAverage;
    static Out add(State& last, int64_t seller, int64_t price) {
        last.push_back(price);
        if (last.size() > kLast) last.erase(last.begin());
        int64_t sum = 0;
        for (int64_t p : last) sum += p;
        return {seller, static_cast<double>(sum) / static_cast<double>(last.size()),
                static_cast<int64_t>(last.size())};
    }
};

}  // namespace
}  // namespace es::stream::nexmark

namespace es::stream {
template <>
struct Serde<nexmark::CategoryAverage::State>
    : nexmark::NumbersSerde<nexmark::CategoryAverage::State> {};
}  // namespace es::stream

namespace es::stream::nexmark {
namespace {

/// q4 (by category) and q6 (by seller).
template <class Fold, class KeyOf>
Result<Topology> average_of_closings(const JobParams& p, const std::string& query,
                                     const char* key_name, KeyOf key_of) {
    ES_TRY(QuerySettings s, read_settings(p, query));
    StreamBuilder b("nexmark-" + query);
    ES_TRY(auto closed, closed_auctions(b, s, p));
    auto averages = closed.key_by([key_of](const Closed& c) { return key_of(c.first); })
                        .template process<KeyAverage>(
                            [] { return std::make_unique<OrderedClosings<Fold>>(); }, "averages");
    write_json(averages, s.output, [key_name](JsonWriter& w, const KeyAverage& a) {
        w.i64(key_name, a.key).f64("avg", a.average).i64("auctions", a.auctions);
    });
    return b.build();
}

}  // namespace

void add_auction_queries(std::vector<JobInfo>& jobs) {
    const QueryParams wait{{"max-auction-wait", "10min"}};
    jobs.push_back(
        query_job("q4", "Nexmark q4: the average closing price of each category, at each closing.",
                  wait, [](const JobParams& p) {
                      return average_of_closings<CategoryAverage>(
                          p, "q4", "category", [](const Auction& a) { return a.category; });
                  }));
    jobs.push_back(
        query_job("q6", "Nexmark q6: the average closing price of each seller's last 10 auctions.",
                  wait, [](const JobParams& p) {
                      return average_of_closings<SellerAverage>(
                          p, "q6", "seller", [](const Auction& a) { return a.seller; });
                  }));
    jobs.push_back(
        query_job("q9", "Nexmark q9: each closed auction with its winning bid.", wait, q9));
}

}  // namespace es::stream::nexmark
