#include "stream/nexmark/generator.h"

#include "base/errc.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <charconv>
#include <cmath>
#include <string_view>

namespace es::stream::nexmark {

namespace {

constexpr int64_t kFirstPersonId = 1000;
constexpr int64_t kFirstAuctionId = 1000;
constexpr int64_t kFirstCategoryId = 10;
constexpr int64_t kNumCategories = 5;
/// How far beyond the last created person or auction a seller, bidder or bid may point:
/// events of the model may refer to ids that do not exist yet.
constexpr int64_t kPersonIdLead = 10;
constexpr int64_t kAuctionIdLead = 10;
/// Hot sellers, bidders and auctions are the latest ids that are multiples of these.
constexpr int64_t kHotSellerRatio = 100;
constexpr int64_t kHotAuctionRatio = 100;
constexpr int64_t kHotBidderRatio = 100;
constexpr uint64_t kHotChannelsRatio = 2;
constexpr uint64_t kChannels = 10'000;
/// The permutation of out-of-order groups: n -> (n * 953) mod group size.
constexpr uint64_t kPermutation = 953;

constexpr std::array<std::string_view, 4> kHotChannels = {"Google", "Facebook", "Baidu", "Apple"};
constexpr std::array<std::string_view, 6> kStates = {"AZ", "CA", "ID", "OR", "WA", "WY"};
constexpr std::array<std::string_view, 10> kCities = {
    "Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland",
    "Bend",    "Redmond",     "Seattle",       "Kent",  "Cheyenne"};
constexpr std::array<std::string_view, 11> kFirstNames = {
    "Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"};
constexpr std::array<std::string_view, 9> kLastNames = {
    "Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"};

uint64_t splitmix64(uint64_t& state) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/// xoshiro256** (Blackman and Vigna), one stream per event.
class Rng {
  public:
    Rng(uint64_t seed, uint64_t stream) {
        uint64_t sm = seed;
        sm = splitmix64(sm) ^ stream;
        for (uint64_t& word : s_) word = splitmix64(sm);
    }

    uint64_t next() {
        const uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }
    /// Uniform in [0, 1), 53 bits.
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    /// Uniform in [0, n) for 0 < n <= 2^53 (0 when n is 0).
    uint64_t below(uint64_t n) { return static_cast<uint64_t>(uniform() * static_cast<double>(n)); }
    template <size_t N>
    std::string_view pick(const std::array<std::string_view, N>& items) {
        return items[below(N)];
    }

  private:
    static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    std::array<uint64_t, 4> s_{};
};

void append_int(std::string& out, int64_t v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

/// 3 to max_length - 1 letters, some of them `special`; spaces at the ends trimmed.
std::string next_string(Rng& rng, int max_length, char special = ' ') {
    uint64_t length = 3 + rng.below(static_cast<uint64_t>(max_length - 3));
    std::string s;
    s.reserve(length);
    for (uint64_t i = 0; i < length; ++i) {
        if (rng.below(13) == 0) {
            s.push_back(special);
        } else {
            s.push_back(static_cast<char>('a' + rng.below(26)));
        }
    }
    size_t first = s.find_first_not_of(' ');
    if (first == std::string::npos) return {};
    return s.substr(first, s.find_last_not_of(' ') - first + 1);
}

std::string next_exact_string(Rng& rng, int64_t length) {
    std::string s;
    s.reserve(static_cast<size_t>(length));
    for (int64_t i = 0; i < length; ++i) s.push_back(static_cast<char>('a' + rng.below(26)));
    return s;
}

/// Padding that brings an event of `current_size` bytes to `average_size` on average (±20%).
std::string next_extra(Rng& rng, int64_t current_size, int64_t average_size) {
    if (current_size > average_size) return {};
    int64_t desired = average_size - current_size;
    auto delta = static_cast<int64_t>(std::llround(static_cast<double>(desired) * 0.2));
    int64_t size = desired - delta;
    if (delta > 0) size += static_cast<int64_t>(rng.below(static_cast<uint64_t>(2 * delta)));
    return next_exact_string(rng, size);
}

/// Cents: 10^(6u) dollars, log-uniform over 1 .. 1,000,000.
int64_t next_price(Rng& rng) {
    return static_cast<int64_t>(std::llround(std::pow(10.0, rng.uniform() * 6.0) * 100.0));
}

/// A product page URL with three random directories: q22 splits them out.
std::string base_url(Rng& rng) {
    std::string url = "https://www.nexmark.com/";
    for (int i = 0; i < 3; ++i) url.append(next_string(rng, 5, '_')).push_back('/');
    url.append("item.htm?query=1");
    return url;
}

/// Streams for the URLs of channels, apart from every event's (seeded by the event id).
constexpr uint64_t kUrlSeed = 0x6e65786d61726bULL;

const std::array<std::string, 4>& hot_urls() {
    static const std::array<std::string, 4> urls = [] {
        std::array<std::string, 4> u;
        for (size_t i = 0; i < u.size(); ++i) {
            Rng rng(kUrlSeed, ~static_cast<uint64_t>(i));
            u[i] = base_url(rng);
        }
        return u;
    }();
    return urls;
}

/// Every channel always has the same URL; its `channel_id` parameter is the channel number
/// with its 32 bits reversed (as the Flink generator), as a non-negative number.
std::string channel_url(uint64_t channel) {
    Rng rng(kUrlSeed, channel);
    std::string url = base_url(rng);
    uint32_t n = static_cast<uint32_t>(channel);
    uint32_t reversed = 0;
    for (int i = 0; i < 32; ++i) {
        reversed = (reversed << 1) | (n & 1);
        n >>= 1;
    }
    url.append("&channel_id=");
    append_int(url, std::abs(static_cast<int64_t>(static_cast<int32_t>(reversed))));
    return url;
}

/// The id arithmetic of the model, on base-0 ids.
class Ids {
  public:
    explicit Ids(const GeneratorOptions& o)
        : o_(o),
          total_(o.person_proportion + o.auction_proportion + o.bid_proportion),
          person_(o.person_proportion),
          auction_(o.auction_proportion) {}

    int64_t total() const { return total_; }
    bool is_person(int64_t id) const { return id % total_ < person_; }
    bool is_auction(int64_t id) const { return id % total_ < person_ + auction_; }

    /// The last person created at or before event `id`.
    int64_t last_person(int64_t id) const {
        int64_t epoch = id / total_;
        int64_t offset = std::min(id % total_, person_ - 1);
        return epoch * person_ + offset;
    }
    /// The last auction created at or before event `id` (-1 before the first).
    int64_t last_auction(int64_t id) const {
        int64_t epoch = id / total_;
        int64_t offset = id % total_;
        if (offset < person_) {
            --epoch;
            offset = auction_ - 1;
        } else if (offset >= person_ + auction_) {
            offset = auction_ - 1;
        } else {
            offset -= person_;
        }
        return epoch * auction_ + offset;
    }
    /// A person among the most recent num_active_people, or a few not created yet.
    int64_t next_person(int64_t id, Rng& rng) const {
        int64_t people = last_person(id) + 1;
        int64_t active = std::min<int64_t>(people, o_.num_active_people);
        return people - active +
               static_cast<int64_t>(rng.below(static_cast<uint64_t>(active + kPersonIdLead)));
    }
    /// An auction among the most recent num_in_flight_auctions, or a few not created yet.
    int64_t next_auction(int64_t id, Rng& rng) const {
        int64_t last = last_auction(id);
        int64_t first = std::max<int64_t>(last - o_.num_in_flight_auctions, 0);
        return first + static_cast<int64_t>(
                           rng.below(static_cast<uint64_t>(last - first + 1 + kAuctionIdLead)));
    }

  private:
    const GeneratorOptions& o_;
    int64_t total_;
    int64_t person_;
    int64_t auction_;
};

Status invalid(const std::string& message) { return Error(es::Errc::invalid_argument, message); }

Status check(int64_t v, int64_t min, int64_t max, const char* name) {
    if (v < min || v > max) {
        return invalid(std::string(name) + " must be in [" + std::to_string(min) + ", " +
                       std::to_string(max) + "], not " + std::to_string(v));
    }
    return ok_status();
}

}  // namespace

Status validate(const GeneratorOptions& o) {
    if (!(o.events_per_second > 0.0 && o.events_per_second <= 1e9)) {
        return invalid("events_per_second must be in (0, 1e9], not " +
                       std::to_string(o.events_per_second));
    }
    constexpr int64_t kMaxCount = 1'000'000'000;
    ES_CHECK(check(o.person_proportion, 1, 1000, "person_proportion"));
    ES_CHECK(check(o.auction_proportion, 1, 1000, "auction_proportion"));
    ES_CHECK(check(o.bid_proportion, 0, 1000, "bid_proportion"));
    ES_CHECK(check(o.hot_auction_ratio, 1, kMaxCount, "hot_auction_ratio"));
    ES_CHECK(check(o.hot_sellers_ratio, 1, kMaxCount, "hot_sellers_ratio"));
    ES_CHECK(check(o.hot_bidders_ratio, 1, kMaxCount, "hot_bidders_ratio"));
    ES_CHECK(check(o.num_in_flight_auctions, 1, kMaxCount, "num_in_flight_auctions"));
    ES_CHECK(check(o.num_active_people, 1, kMaxCount, "num_active_people"));
    ES_CHECK(check(o.out_of_order_group_size, 1, kMaxCount, "out_of_order_group_size"));
    if (o.out_of_order_group_size % static_cast<int>(kPermutation) == 0) {
        return invalid("out_of_order_group_size must not be a multiple of 953");
    }
    ES_CHECK(check(o.avg_person_byte_size, 0, 1 << 20, "avg_person_byte_size"));
    ES_CHECK(check(o.avg_auction_byte_size, 0, 1 << 20, "avg_auction_byte_size"));
    ES_CHECK(check(o.avg_bid_byte_size, 0, 1 << 20, "avg_bid_byte_size"));
    return ok_status();
}

int64_t max_out_of_orderness_ms(const GeneratorOptions& o) {
    if (o.out_of_order_group_size <= 1) return 0;
    return static_cast<int64_t>(
        std::ceil((o.out_of_order_group_size - 1) * 1000.0 / o.events_per_second));
}

Generator::Generator(GeneratorOptions options, std::string topic)
    : options_(options), topic_(std::move(topic)) {
    assert(validate(options_).ok());
}

bool Generator::has_next() const {
    return options_.max_events == 0 || count_ < options_.max_events;
}

Event Generator::next_event() { return event_at(count_++); }

GeneratedRecord Generator::next() {
    GeneratedRecord r;
    r.event = next_event();
    r.topic = topic_;
    int64_t key = 0;
    if (const Person* p = r.event.person()) key = p->id;
    if (const Auction* a = r.event.auction()) key = a->id;
    if (const Bid* b = r.event.bid()) key = b->auction;
    append_int(r.key, key);
    append_json(r.event, r.json);
    r.timestamp = r.event.date_time();
    return r;
}

Event Generator::event_at(uint64_t n) const {
    const GeneratorOptions& o = options_;
    const auto group = static_cast<uint64_t>(o.out_of_order_group_size);
    // Id and time move together: an event permuted within its group keeps its own id.
    const uint64_t adjusted = group == 1 ? n : (n / group) * group + (n * kPermutation) % group;
    auto time_of = [&](uint64_t number) {
        return o.base_time_ms +
               static_cast<int64_t>(static_cast<double>(number) * 1000.0 / o.events_per_second);
    };
    const auto id = static_cast<int64_t>(adjusted);
    const int64_t ts = time_of(adjusted);
    const Ids ids(o);
    Rng rng(o.seed, adjusted);

    if (ids.is_person(id)) {
        Person p;
        p.id = ids.last_person(id) + kFirstPersonId;
        p.name = std::string(rng.pick(kFirstNames)) + " " + std::string(rng.pick(kLastNames));
        p.email_address = next_string(rng, 7) + "@" + next_string(rng, 5) + ".com";
        for (int i = 0; i < 4; ++i) {
            if (i > 0) p.credit_card.push_back(' ');
            auto digits = std::to_string(rng.below(10'000));
            p.credit_card.append(4 - digits.size(), '0').append(digits);
        }
        p.city = rng.pick(kCities);
        p.state = rng.pick(kStates);
        p.date_time = ts;
        auto size = static_cast<int64_t>(8 + p.name.size() + p.email_address.size() +
                                         p.credit_card.size() + p.city.size() + p.state.size());
        p.extra = next_extra(rng, size, o.avg_person_byte_size);
        return Event{std::move(p)};
    }

    if (ids.is_auction(id)) {
        Auction a;
        a.id = ids.last_auction(id) + kFirstAuctionId;
        if (rng.below(static_cast<uint64_t>(o.hot_sellers_ratio)) > 0) {
            a.seller = (ids.last_person(id) / kHotSellerRatio) * kHotSellerRatio;
        } else {
            a.seller = ids.next_person(id, rng);
        }
        a.seller += kFirstPersonId;
        a.category = kFirstCategoryId + static_cast<int64_t>(rng.below(kNumCategories));
        a.initial_bid = next_price(rng);
        // Long enough, on average, for num_in_flight_auctions more auctions to open meanwhile.
        const uint64_t events_for_auctions = static_cast<uint64_t>(o.num_in_flight_auctions) *
                                             static_cast<uint64_t>(ids.total()) /
                                             static_cast<uint64_t>(o.auction_proportion);
        const int64_t horizon = time_of(adjusted + events_for_auctions) - ts;
        a.date_time = ts;
        a.expires = ts + 1 +
                    static_cast<int64_t>(
                        rng.below(static_cast<uint64_t>(std::max<int64_t>(horizon * 2, 1))));
        a.item_name = next_string(rng, 20);
        a.description = next_string(rng, 100);
        a.reserve = a.initial_bid + next_price(rng);
        auto size = static_cast<int64_t>(8 + a.item_name.size() + a.description.size() + 40);
        a.extra = next_extra(rng, size, o.avg_auction_byte_size);
        return Event{std::move(a)};
    }

    Bid b;
    if (rng.below(static_cast<uint64_t>(o.hot_auction_ratio)) > 0) {
        b.auction = (ids.last_auction(id) / kHotAuctionRatio) * kHotAuctionRatio;
    } else {
        b.auction = ids.next_auction(id, rng);
    }
    b.auction += kFirstAuctionId;
    if (rng.below(static_cast<uint64_t>(o.hot_bidders_ratio)) > 0) {
        b.bidder = (ids.last_person(id) / kHotBidderRatio) * kHotBidderRatio + 1;
    } else {
        b.bidder = ids.next_person(id, rng);
    }
    b.bidder += kFirstPersonId;
    b.price = next_price(rng);
    if (rng.below(kHotChannelsRatio) > 0) {
        uint64_t i = rng.below(kHotChannels.size());
        b.channel = kHotChannels[i];
        b.url = hot_urls()[i];
    } else {
        uint64_t channel = rng.below(kChannels);
        b.channel = "channel-" + std::to_string(channel);
        b.url = channel_url(channel);
    }
    b.date_time = ts;
    b.extra = next_extra(rng, 32, o.avg_bid_byte_size);
    return Event{std::move(b)};
}

}  // namespace es::stream::nexmark
