// The reference of the queries on single bids, joins, rankings and closed auctions; the
// windowed ones are in reference_windows.cc.

#include "stream/api/errc.h"
#include "stream/nexmark/reference_internal.h"

#include <algorithm>
#include <ctime>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <tuple>

namespace es::stream::nexmark {
namespace reference {

using nlohmann::json;

Result<int64_t> Data::duration(const std::string& name, int64_t fallback_ms) const {
    ES_TRY(auto d, input->params.get_duration(name, std::chrono::milliseconds(fallback_ms)));
    return static_cast<int64_t>(d.count());
}

json bid_row(const Bid& b) {
    return {{"auction", b.auction}, {"bidder", b.bidder}, {"price", b.price},
            {"channel", b.channel}, {"url", b.url},       {"date_time", b.date_time},
            {"extra", b.extra}};
}

int64_t floor_to(int64_t t, int64_t size) {
    int64_t q = t / size;
    if (t % size != 0 && t < 0) --q;
    return q * size;
}

std::string utc(int64_t ms, const char* format) {
    std::time_t seconds = static_cast<std::time_t>(floor_to(ms, 1000) / 1000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char buf[32];
    size_t n = std::strftime(buf, sizeof buf, format, &tm);
    return std::string(buf, n);
}

namespace {

constexpr double kEuro = 0.908;

Rows each_bid(const Data& d, const std::function<std::optional<json>(const Bid&)>& f) {
    Rows rows;
    for (const Bid& b : d.bids) {
        if (auto row = f(b)) rows.push_back(std::move(*row));
    }
    return rows;
}

json auction_part(const Auction& a) {
    return {{"item_name", a.item_name},
            {"description", a.description},
            {"initial_bid", a.initial_bid},
            {"reserve", a.reserve},
            {"auction_date_time", a.date_time},
            {"expires", a.expires},
            {"seller", a.seller},
            {"category", a.category},
            {"auction_extra", a.extra}};
}

json merged(json a, const json& b) {
    for (auto it = b.begin(); it != b.end(); ++it) a[it.key()] = it.value();
    return a;
}

Result<Rows> q0(const Data& d) {
    return each_bid(d, [](const Bid& b) { return bid_row(b); });
}

Result<Rows> q1(const Data& d) {
    return each_bid(d, [](const Bid& b) {
        return json{{"auction", b.auction},
                    {"bidder", b.bidder},
                    {"price", static_cast<double>(b.price) * kEuro},
                    {"date_time", b.date_time},
                    {"extra", b.extra}};
    });
}

Result<Rows> q2(const Data& d) {
    return each_bid(d, [](const Bid& b) -> std::optional<json> {
        if (b.auction % 123 != 0) return std::nullopt;
        return json{{"auction", b.auction}, {"price", b.price}};
    });
}

Result<Rows> q14(const Data& d) {
    return each_bid(d, [](const Bid& b) -> std::optional<json> {
        double euros = static_cast<double>(b.price) * kEuro;
        if (!(euros > 1e6 && euros < 5e7)) return std::nullopt;
        int hour = std::stoi(utc(b.date_time, "%H"));
        const char* type = (hour >= 8 && hour <= 18)   ? "dayTime"
                           : (hour <= 6 || hour >= 20) ? "nightTime"
                                                       : "otherTime";
        return json{{"auction", b.auction},
                    {"bidder", b.bidder},
                    {"price", euros},
                    {"bid_time_type", type},
                    {"date_time", b.date_time},
                    {"extra", b.extra},
                    {"c_counts", std::count(b.extra.begin(), b.extra.end(), 'c')}};
    });
}

Result<Rows> q21(const Data& d) {
    static const std::regex channel_id("(&|^)channel_id=([^&]*)");
    static const std::map<std::string, std::string> known{
        {"apple", "0"}, {"google", "1"}, {"facebook", "2"}, {"baidu", "3"}};
    return each_bid(d, [](const Bid& b) -> std::optional<json> {
        std::string lower = b.channel;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        std::optional<std::string> id;
        if (auto it = known.find(lower); it != known.end()) {
            id = it->second;
        } else if (std::smatch m; std::regex_search(b.url, m, channel_id)) {
            id = m[2].str();
        }
        if (!id) return std::nullopt;
        return json{{"auction", b.auction},
                    {"bidder", b.bidder},
                    {"price", b.price},
                    {"channel", b.channel},
                    {"channel_id", *id}};
    });
}

Result<Rows> q22(const Data& d) {
    return each_bid(d, [](const Bid& b) {
        std::vector<std::string> parts;
        size_t start = 0;
        for (;;) {
            size_t slash = b.url.find('/', start);
            parts.push_back(b.url.substr(start, slash - start));
            if (slash == std::string::npos) break;
            start = slash + 1;
        }
        auto part = [&](size_t i) { return i < parts.size() ? json(parts[i]) : json(nullptr); };
        return json{{"auction", b.auction}, {"bidder", b.bidder}, {"price", b.price},
                    {"channel", b.channel}, {"dir1", part(3)},    {"dir2", part(4)},
                    {"dir3", part(5)}};
    });
}

Result<Rows> q13(const Data& d) {
    return each_bid(d, [&](const Bid& b) -> std::optional<json> {
        auto it = d.input->side_input.find(std::to_string(b.auction % 10000));
        if (it == d.input->side_input.end()) return std::nullopt;
        return json{{"auction", b.auction},
                    {"bidder", b.bidder},
                    {"price", b.price},
                    {"date_time", b.date_time},
                    {"value", it->second}};
    });
}

Result<Rows> q3(const Data& d) {
    std::map<int64_t, const Person*> people;
    for (const Person& p : d.persons) people[p.id] = &p;
    Rows rows;
    for (const Auction& a : d.auctions) {
        auto it = people.find(a.seller);
        if (a.category != 10 || it == people.end()) continue;
        const Person& p = *it->second;
        if (p.state != "OR" && p.state != "ID" && p.state != "CA") continue;
        rows.push_back({{"name", p.name}, {"city", p.city}, {"state", p.state}, {"id", a.id}});
    }
    return rows;
}

Result<Rows> q20(const Data& d) {
    std::map<int64_t, const Auction*> auctions;
    for (const Auction& a : d.auctions) auctions[a.id] = &a;
    Rows rows;
    for (const Bid& b : d.bids) {
        auto it = auctions.find(b.auction);
        if (it == auctions.end() || it->second->category != 10) continue;
        rows.push_back(merged(bid_row(b), auction_part(*it->second)));
    }
    return rows;
}

Result<Rows> q18(const Data& d) {
    std::map<std::pair<int64_t, int64_t>, int64_t> latest;
    Rows rows;
    for (const Bid& b : d.bids) {
        auto [it, fresh] = latest.try_emplace({b.bidder, b.auction}, b.date_time);
        if (!fresh && b.date_time <= it->second) continue;
        it->second = b.date_time;
        rows.push_back(bid_row(b));
    }
    return rows;
}

Result<Rows> q19(const Data& d) {
    ES_TRY(int64_t n, d.input->params.get_int("top", 10, 1, 1000));
    std::map<int64_t, std::vector<int64_t>> prices;  // per auction, highest first
    Rows rows;
    for (const Bid& b : d.bids) {
        auto& top = prices[b.auction];
        // Ranked after every bid of the same price or more that came before it.
        auto rank = std::count_if(top.begin(), top.end(), [&](int64_t p) { return p >= b.price; });
        if (rank >= n) continue;
        top.insert(top.begin() + rank, b.price);
        if (static_cast<int64_t>(top.size()) > n) top.pop_back();
        json row = bid_row(b);
        row["rank_number"] = rank + 1;
        rows.push_back(std::move(row));
    }
    return rows;
}

/// Every auction the watermark closed, with its winning bid, in closing order (expires, id).
Result<std::vector<std::pair<const Auction*, const Bid*>>> closings(const Data& d) {
    std::map<int64_t, std::vector<const Bid*>> bids;  // per auction, in arrival order
    for (const Bid& b : d.bids) bids[b.auction].push_back(&b);
    std::vector<std::pair<const Auction*, const Bid*>> out;
    for (const Auction& a : d.auctions) {
        if (a.expires > d.watermark) continue;
        const Bid* best = nullptr;
        for (const Bid* b : bids[a.id]) {
            if (b->date_time < a.date_time || b->date_time > a.expires) continue;
            // Highest price, then earliest, then lowest bidder; the first to come among equals.
            auto rank = [](const Bid* x) {
                return std::make_tuple(-x->price, x->date_time, x->bidder);
            };
            if (!best || rank(b) < rank(best)) best = b;
        }
        if (best) out.emplace_back(&a, best);
    }
    std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) {
        return std::pair(x.first->expires, x.first->id) < std::pair(y.first->expires, y.first->id);
    });
    return out;
}

Result<Rows> q9(const Data& d) {
    ES_TRY(auto closed, closings(d));
    Rows rows;
    for (const auto& [a, b] : closed) rows.push_back(merged(bid_row(*b), auction_part(*a)));
    return rows;
}

/// q4 and q6: after each closing of a key (in closing order), the average of the key's last
/// `last` closing prices (all of them when 0).
Result<Rows> averages(const Data& d, const char* key_name, int64_t Auction::*key, size_t last) {
    ES_TRY(auto closed, closings(d));
    std::map<int64_t, std::vector<int64_t>> prices;
    Rows rows;
    for (const auto& [a, b] : closed) {
        auto& p = prices[a->*key];
        p.push_back(b->price);
        size_t from = last == 0 || p.size() <= last ? 0 : p.size() - last;
        int64_t sum = 0;
        for (size_t i = from; i < p.size(); ++i) sum += p[i];
        auto count = static_cast<int64_t>(p.size() - from);
        rows.push_back({{key_name, a->*key},
                        {"avg", static_cast<double>(sum) / static_cast<double>(count)},
                        {"auctions", count}});
    }
    return rows;
}

Result<Rows> q4(const Data& d) { return averages(d, "category", &Auction::category, 0); }
Result<Rows> q6(const Data& d) { return averages(d, "seller", &Auction::seller, 10); }

using Query = Result<Rows> (*)(const Data&);

const std::map<std::string, Query>& queries() {
    static const std::map<std::string, Query> all{
        {"q0", q0},   {"q1", q1},   {"q2", q2},   {"q3", q3},   {"q4", q4},   {"q5", q5},
        {"q6", q6},   {"q7", q7},   {"q8", q8},   {"q9", q9},   {"q11", q11}, {"q13", q13},
        {"q14", q14}, {"q15", q15}, {"q16", q16}, {"q17", q17}, {"q18", q18}, {"q19", q19},
        {"q20", q20}, {"q21", q21}, {"q22", q22}};
    return all;
}

}  // namespace
}  // namespace reference

std::vector<std::string> reference_queries() {
    std::vector<std::string> names;
    for (const auto& [name, f] : reference::queries()) names.push_back(name);
    std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
        return std::stoi(a.substr(1)) < std::stoi(b.substr(1));
    });
    return names;
}

Result<std::vector<std::string>> reference_output(const std::string& query,
                                                  const ReferenceInput& input) {
    auto it = reference::queries().find(query);
    if (it == reference::queries().end()) {
        return Error(Errc::invalid_config, "no reference for nexmark query '" + query + "'");
    }
    reference::Data d;
    d.input = &input;
    int64_t max_time = INT64_MIN;
    for (const Event& e : input.events) {
        max_time = std::max(max_time, e.date_time());
        if (const Person* p = e.person()) d.persons.push_back(*p);
        if (const Auction* a = e.auction()) d.auctions.push_back(*a);
        if (const Bid* b = e.bid()) d.bids.push_back(*b);
    }
    ES_TRY(int64_t disorder, d.duration("out-of-orderness", 1000));
    d.watermark = input.events.empty() ? INT64_MIN : max_time - disorder - 1;
    ES_TRY(reference::Rows rows, it->second(d));
    std::vector<std::string> out;
    out.reserve(rows.size());
    for (const auto& row : rows) out.push_back(row.dump());
    std::sort(out.begin(), out.end());
    return out;
}

Result<std::string> canonical_json(std::string_view text) {
    auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return Error(Errc::bad_record, "not valid JSON");
    return doc.dump();
}

}  // namespace es::stream::nexmark
