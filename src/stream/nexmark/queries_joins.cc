// The Nexmark queries that join or rank without windows: q3 (local item suggestion) and q20
// (expanded bids), incremental joins kept as long as the job runs, as a regular SQL join is;
// q13 (a join with a side-input table); q18 (the latest bid per bidder and auction) and q19
// (the top 10 bids per auction), whose outputs are updates as the input arrives.

#include "stream/nexmark/queries.h"

#include <algorithm>
#include <memory>

namespace es::stream::nexmark {
namespace {

using namespace std::chrono_literals;

/// An inner join of rows that come once per key (a person, an auction) with the items that
/// refer to them (auctions by seller, bids on an auction): an item that comes before its row
/// waits for it. Emits emit(row, item) for every pair whose row passes `keep`; rows stay
/// for as long as the job runs (the semantics of a regular join: a later item still joins).
template <class Row, class Item, class Out>
class RowItemsJoin final : public KeyedProcessFunction<int64_t, JoinInput<Row, Item>, Out> {
  public:
    using Base = KeyedProcessFunction<int64_t, JoinInput<Row, Item>, Out>;
    using Keep = std::function<bool(const Row&)>;
    using Make = std::function<Out(const Row&, const Item&)>;

    RowItemsJoin(Keep keep, Make make) : keep_(std::move(keep)), make_(std::move(make)) {}

    void process(const JoinInput<Row, Item>& in, typename Base::Context& ctx) override {
        if (const Row* row = std::get_if<Row>(&in.side)) {
            row_.put(*row);
            const bool keep = keep_(*row);
            waiting_.for_each([&](const int64_t&, const Item& item) {
                if (keep) ctx.emit(make_(*row, item));
                return true;
            });
            waiting_.clear();
            return;
        }
        const Item& item = std::get<Item>(in.side);
        if (auto row = row_.get()) {
            if (keep_(*row)) ctx.emit(make_(*row, item));
            return;
        }
        // Keyed by arrival, so that they join in the order they came.
        const int64_t n = waiting_count_.get().value_or(0);
        waiting_.put(n, item);
        waiting_count_.put(n + 1);
    }

  private:
    Keep keep_;
    Make make_;
    ValueState<Row> row_{this, "row"};
    MapState<int64_t, Item> waiting_{this, "waiting"};
    ValueState<int64_t> waiting_count_{this, "waiting-count"};
};

template <class Row, class Item, class Out>
auto row_items_join(typename RowItemsJoin<Row, Item, Out>::Keep keep,
                    typename RowItemsJoin<Row, Item, Out>::Make make) {
    return [keep, make] { return std::make_unique<RowItemsJoin<Row, Item, Out>>(keep, make); };
}

/// What q3 writes: a seller near the west coast and one of their auctions of category 10.
struct LocalItem {
    std::string name, city, state;
    int64_t auction = 0;
};

Result<Topology> q3(const JobParams& p) {
    ES_TRY(QuerySettings s, read_settings(p, "q3"));
    StreamBuilder b("nexmark-q3");
    auto events = read_events(b, s);
    auto category10 = auctions_of(events).filter([](const Auction& a) { return a.category == 10; });
    auto joined =
        join_inputs(
            persons_of(events), category10, [](const Person& person) { return person.id; },
            [](const Auction& a) { return a.seller; })
            .process<LocalItem>(
                row_items_join<Person, Auction, LocalItem>(
                    [](const Person& person) {
                        return person.state == "OR" || person.state == "ID" || person.state == "CA";
                    },
                    [](const Person& person, const Auction& a) {
                        return LocalItem{person.name, person.city, person.state, a.id};
                    }),
                "sellers");
    write_json(joined, s.output, [](JsonWriter& w, const LocalItem& r) {
        w.str("name", r.name).str("city", r.city).str("state", r.state).i64("id", r.auction);
    });
    return b.build();
}

Result<Topology> q20(const JobParams& p) {
    ES_TRY(QuerySettings s, read_settings(p, "q20"));
    StreamBuilder b("nexmark-q20");
    auto events = read_events(b, s);
    using Expanded = std::pair<Bid, Auction>;
    auto joined = join_inputs(
                      auctions_of(events), bids_of(events), [](const Auction& a) { return a.id; },
                      [](const Bid& bid) { return bid.auction; })
                      .process<Expanded>(
                          row_items_join<Auction, Bid, Expanded>(
                              [](const Auction& a) { return a.category == 10; },
                              [](const Auction& a, const Bid& bid) { return Expanded(bid, a); }),
                          "auctions");
    write_json(joined, s.output, [](JsonWriter& w, const Expanded& r) {
        write_fields(w, r.first);
        auction_fields_after_bid(w, r.second);
    });
    return b.build();
}

Result<Topology> q13(const JobParams& p) {
    ES_TRY(QuerySettings s, read_settings(p, "q13"));
    std::string side_topic = p.get("side-input", "nexmark-side-input");
    StreamBuilder b("nexmark-q13");
    auto side = b.table<std::string, std::string>(side_topic, "side-input");
    using Joined = std::pair<Bid, std::string>;
    auto joined = bids_of(read_events(b, s))
                      .key_by([](const Bid& bid) { return std::to_string(bid.auction % 10'000); })
                      .join(side, [](const Bid& bid, const std::string& value) {
                          return Joined(bid, value);
                      });
    write_json(joined, s.output, [](JsonWriter& w, const Joined& r) {
        w.i64("auction", r.first.auction)
            .i64("bidder", r.first.bidder)
            .i64("price", r.first.price)
            .i64("date_time", r.first.date_time)
            .str("value", r.second);
    });
    return b.build();
}

/// Emits a bid when it is later than every bid of its bidder and auction before it (q18).
class LatestBid final : public KeyedProcessFunction<std::pair<int64_t, int64_t>, Bid, Bid> {
  public:
    void process(const Bid& bid, Context& ctx) override {
        auto latest = latest_.get();
        if (latest && bid.date_time <= latest->date_time) return;
        latest_.put(bid);
        ctx.emit(bid);
    }

  private:
    ValueState<Bid> latest_{this, "latest"};
};

Result<Topology> q18(const JobParams& p) {
    ES_TRY(QuerySettings s, read_settings(p, "q18"));
    StreamBuilder b("nexmark-q18");
    auto latest = bids_of(read_events(b, s))
                      .key_by([](const Bid& bid) { return std::pair(bid.bidder, bid.auction); })
                      .process<Bid>([] { return std::make_unique<LatestBid>(); }, "latest");
    write_json(latest, s.output, [](JsonWriter& w, const Bid& bid) { write_fields(w, bid); });
    return b.build();
}

/// A bid that entered its auction's top N, with its rank then.
struct RankedBid {
    Bid bid;
    int64_t rank = 0;
};

/// Keeps the N highest bids of an auction (equal prices in arrival order) and emits each bid
/// that enters them, with its rank (q19).
class TopBids final : public KeyedProcessFunction<int64_t, Bid, RankedBid> {
  public:
    explicit TopBids(size_t n) : n_(n) {}

    void process(const Bid& bid, Context& ctx) override {
        std::vector<Bid> top = top_.get();
        auto at =
            std::find_if(top.begin(), top.end(), [&](const Bid& b) { return b.price < bid.price; });
        const auto rank = static_cast<size_t>(at - top.begin());
        if (rank >= n_) return;
        top.insert(at, bid);
        if (top.size() > n_) top.pop_back();
        top_.update(top);
        ctx.emit(RankedBid{bid, static_cast<int64_t>(rank + 1)});
    }

  private:
    size_t n_;
    ListState<Bid> top_{this, "top"};
};

Result<Topology> q19(const JobParams& p) {
    ES_TRY(QuerySettings s, read_settings(p, "q19"));
    ES_TRY(int64_t n, p.get_int("top", 10, 1, 1000));
    StreamBuilder b("nexmark-q19");
    auto ranked = bids_of(read_events(b, s))
                      .key_by([](const Bid& bid) { return bid.auction; })
                      .process<RankedBid>(
                          [n] { return std::make_unique<TopBids>(static_cast<size_t>(n)); }, "top");
    write_json(ranked, s.output, [](JsonWriter& w, const RankedBid& r) {
        write_fields(w, r.bid);
        w.i64("rank_number", r.rank);
    });
    return b.build();
}

}  // namespace

void add_join_queries(std::vector<JobInfo>& jobs) {
    jobs.push_back(query_job(
        "q3",
        "Nexmark q3: auctions of category 10 with their seller, for sellers in OR, ID or CA "
        "(an incremental join).",
        {}, q3));
    jobs.push_back(query_job("q13", "Nexmark q13: bids joined with a side-input table.",
                             {{"side-input", "nexmark-side-input"}}, q13));
    jobs.push_back(
        query_job("q18", "Nexmark q18: the latest bid of each bidder on each auction.", {}, q18));
    jobs.push_back(query_job(
        "q19", "Nexmark q19: the bids that enter the top 10 of their auction, with their rank.",
        {{"top", "10"}}, q19));
    jobs.push_back(
        query_job("q20", "Nexmark q20: bids on auctions of category 10, with the auction's fields.",
                  {}, q20));
}

}  // namespace es::stream::nexmark
