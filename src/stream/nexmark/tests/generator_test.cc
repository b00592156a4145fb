// The Nexmark generator: deterministic for a seed, the model's proportions and id spaces, the
// out-of-order bound, and events that survive their JSON and binary encodings.

#include "stream/nexmark/generator.h"

#include "stream/nexmark/model.h"

#include <gtest/gtest.h>

#include <map>

namespace es::stream::nexmark {
namespace {

std::vector<Event> make(GeneratorOptions o, uint64_t n) {
    o.max_events = n;
    Generator g(o);
    std::vector<Event> out;
    while (g.has_next()) out.push_back(g.next_event());
    return out;
}

TEST(NexmarkGenerator, SameSeedSameEventsOtherSeedOthers) {
    GeneratorOptions o;
    auto a = make(o, 2000);
    EXPECT_EQ(a, make(o, 2000));
    o.seed = 2;
    EXPECT_NE(a, make(o, 2000));
    // Any event can be made alone.
    Generator g(GeneratorOptions{});
    EXPECT_EQ(g.event_at(1234), a[1234]);
}

TEST(NexmarkGenerator, FollowsTheModelsProportionsIdsAndTimes) {
    GeneratorOptions o;
    o.events_per_second = 1000;
    auto events = make(o, 50'000);
    std::map<std::string, int> kinds;
    int64_t persons = 0, auctions = 0, hot_bids = 0, bids = 0;
    for (size_t i = 0; i < events.size(); ++i) {
        const Event& e = events[i];
        ++kinds[e.type()];
        EXPECT_EQ(e.date_time(), o.base_time_ms + static_cast<int64_t>(i));  // 1 ms apart
        if (const Person* p = e.person()) {
            EXPECT_EQ(p->id, 1000 + persons++);
        }
        if (const Auction* a = e.auction()) {
            EXPECT_EQ(a->id, 1000 + auctions++);
            EXPECT_GE(a->category, 10);
            EXPECT_LE(a->category, 14);
            EXPECT_GT(a->expires, a->date_time);
            EXPECT_GT(a->reserve, a->initial_bid);
            EXPECT_LT(a->seller, 1000 + persons + 10);
        }
        if (const Bid* b = e.bid()) {
            ++bids;
            EXPECT_GE(b->price, 100);
            EXPECT_LE(b->price, 100'000'000);
            EXPECT_LT(b->auction, 1000 + auctions + 10);
            hot_bids += (b->auction - 1000) % 100 == 0;
        }
    }
    EXPECT_EQ(kinds["person"], 1000);
    EXPECT_EQ(kinds["auction"], 3000);
    EXPECT_EQ(kinds["bid"], 46'000);
    // Half the bids (hot_auction_ratio 2) go to the hot auction, and a few more by chance.
    EXPECT_NEAR(static_cast<double>(hot_bids) / static_cast<double>(bids), 0.5, 0.05);
    std::printf("generator: %lld persons, %lld auctions, %lld bids (%.1f%% on hot auctions)\n",
                static_cast<long long>(persons), static_cast<long long>(auctions),
                static_cast<long long>(bids), 100.0 * static_cast<double>(hot_bids) / bids);
}

TEST(NexmarkGenerator, OutOfOrderWithinItsBound) {
    GeneratorOptions o;
    o.events_per_second = 1000;
    o.out_of_order_group_size = 40;
    const int64_t bound = max_out_of_orderness_ms(o);
    EXPECT_EQ(bound, 39);
    auto events = make(o, 10'000);
    int64_t newest = INT64_MIN, behind = 0;
    for (const Event& e : events) {
        newest = std::max(newest, e.date_time());
        behind = std::max(behind, newest - e.date_time());
    }
    EXPECT_GT(behind, 0);
    EXPECT_LE(behind, bound);
    EXPECT_FALSE(validate(GeneratorOptions{.out_of_order_group_size = 953}).ok());
    EXPECT_FALSE(validate(GeneratorOptions{.events_per_second = 0}).ok());
}

TEST(NexmarkModel, EventsRoundTripThroughJsonAndBinary) {
    Generator g(GeneratorOptions{});
    for (int i = 0; i < 500; ++i) {
        GeneratedRecord r = g.next();
        auto back = Serde<Event>::decode(r.json);
        ASSERT_TRUE(back.ok()) << back.error().to_string();
        EXPECT_EQ(*back, r.event);
        std::string bytes;
        if (const Bid* b = r.event.bid()) {
            Serde<Bid>::encode(*b, bytes);
            EXPECT_EQ(*Serde<Bid>::decode(bytes), *b);
            EXPECT_FALSE(Serde<Bid>::decode(bytes.substr(1)).ok());
        }
        if (const Auction* a = r.event.auction()) {
            Serde<Auction>::encode(*a, bytes);
            EXPECT_EQ(*Serde<Auction>::decode(bytes), *a);
        }
        if (const Person* p = r.event.person()) {
            Serde<Person>::encode(*p, bytes);
            EXPECT_EQ(*Serde<Person>::decode(bytes), *p);
        }
    }
    auto missing = Serde<Event>::decode(R"({"type":"bid","auction":1,"bidder":2})");
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().to_string().find("price"), std::string::npos);
    EXPECT_FALSE(Serde<Event>::decode(R"({"type":"lot"})").ok());
    EXPECT_FALSE(Serde<Event>::decode("[1]").ok());
    // Strings with quotes and control characters survive.
    Event e{Person{1, "a\"b\\c\n", "", "", "", "", 5, "\x01"}};
    std::string json;
    append_json(e, json);
    EXPECT_EQ(*Serde<Event>::decode(json), e);
}

}  // namespace
}  // namespace es::stream::nexmark
