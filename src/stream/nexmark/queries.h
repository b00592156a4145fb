#pragma once

// What the Nexmark query jobs share (internal to stream/nexmark): their common parameters, the
// input split into persons, auctions and bids, and how results leave as JSON. Each
// queries_*.cc adds its queries' JobInfos; nexmark_jobs.cc registers them all.

#include "stream/api/builder.h"
#include "stream/api/job.h"
#include "stream/nexmark/json_writer.h"
#include "stream/nexmark/model.h"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace es::stream::nexmark {

/// The parameters of every query.
struct QuerySettings {
    std::string input;   // the tagged JSON events
    std::string output;  // nexmark-<query>
    std::chrono::milliseconds out_of_orderness{0};
    std::optional<std::chrono::milliseconds> idle_timeout;
    /// value.format and schema.registry.url: empty for JSON events (stream/formats).
    ops::ValueDecoderFn<Event> decoder;
};

/// The default of `out-of-orderness`: what one generator with out_of_order_group_size up to
/// 10,000 at 10,000 events/s needs, so nothing is late.
inline constexpr std::chrono::milliseconds kDefaultOutOfOrderness{1000};

Result<QuerySettings> read_settings(const JobParams& params, const std::string& query);

/// Reads a positive duration parameter.
Result<std::chrono::milliseconds> positive_duration(const JobParams& params,
                                                    const std::string& name,
                                                    std::chrono::milliseconds fallback);

/// The input events, each at its date_time.
Stream<NoKey, Event> read_events(StreamBuilder& b, const QuerySettings& s);
Stream<NoKey, Person> persons_of(const Stream<NoKey, Event>& events);
Stream<NoKey, Auction> auctions_of(const Stream<NoKey, Event>& events);
Stream<NoKey, Bid> bids_of(const Stream<NoKey, Event>& events);

/// Writes each record, unkeyed, as the JSON object that `fill(writer, value)` (or
/// `fill(writer, key, value)`) makes.
template <class K, class V, class Fill>
void write_json(const Stream<K, V>& stream, const std::string& topic, Fill fill) {
    stream
        .map([fill](const K& k, const V& v) {
            std::string out;
            JsonWriter w(out);
            if constexpr (std::is_invocable_v<Fill&, JsonWriter&, const K&, const V&>) {
                fill(w, k, v);
            } else {
                fill(w, v);
            }
            w.end();
            return std::pair<NoKey, std::string>(NoKey{}, std::move(out));
        })
        .to(topic);
}

/// Late records of a window or deduplication, as the JSON of the event, to `<output>-late`.
template <class K, class V>
void write_late(const Stream<K, V>& late, const QuerySettings& s) {
    late.map_values([](const V& v) {
            std::string out;
            append_json(v, out);
            return out;
        })
        .to(s.output + "-late");
}

/// Serde<T> for state and repartition records of a struct of int64 fields, which lists them
/// with `template <class Self> static auto tie(Self& s) { return std::tie(s.a, s.b); }`.
template <class T>
struct NumbersSerde {
    static void encode(const T& v, std::string& out) {
        FieldWriter w(out);
        std::apply([&](const auto&... f) { (w.i64(f), ...); }, T::tie(v));
    }
    static Result<T> decode(std::string_view in) {
        T v;
        FieldReader r(in, "nexmark state");
        std::apply([&](auto&... f) { (r.i64(f), ...); }, T::tie(v));
        ES_CHECK(r.finish());
        return v;
    }
};

/// The price ranks of q15-q17: under $100, under $10,000, and above.
inline int price_rank(int64_t price) { return price < 10'000 ? 1 : price < 1'000'000 ? 2 : 3; }

/// "yyyy-MM-dd" of a time (UTC).
std::string format_day(int64_t ms);
/// "HH:mm" of a time (UTC).
std::string format_minute(int64_t ms);

/// One of the two inputs of a join written as a process function: both streams are keyed
/// alike and merged into one of these.
template <class A, class B>
struct JoinInput {
    std::variant<A, B> side;
};

/// Both inputs, keyed by `key_a` and `key_b`, merged for a process function.
template <class A, class B, class KeyA, class KeyB>
auto join_inputs(const Stream<NoKey, A>& a, const Stream<NoKey, B>& b, KeyA key_a, KeyB key_b) {
    using K = std::invoke_result_t<KeyA&, const A&>;
    auto left = a.map([key_a](const NoKey&, const A& v) {
        return std::pair<K, JoinInput<A, B>>(key_a(v), JoinInput<A, B>{v});
    });
    auto right = b.map([key_b](const NoKey&, const B& v) {
        return std::pair<K, JoinInput<A, B>>(key_b(v), JoinInput<A, B>{v});
    });
    return left.merge(right);
}

/// Auction fields under names that do not clash with a bid's (q9, q20).
void auction_fields_after_bid(JsonWriter& w, const Auction& a);

using QueryParams = std::vector<std::pair<std::string, std::string>>;

/// The JobInfo of `nexmark-<query>`: the common parameters, then `extra`.
JobInfo query_job(const std::string& query, std::string description, QueryParams extra,
                  std::function<Result<Topology>(const JobParams&)> build);

// Each file's queries.
void add_stateless_queries(std::vector<JobInfo>& jobs);  // queries_stateless.cc
void add_window_queries(std::vector<JobInfo>& jobs);     // queries_windows.cc
void add_join_queries(std::vector<JobInfo>& jobs);       // queries_joins.cc
void add_auction_queries(std::vector<JobInfo>& jobs);    // queries_auctions.cc

}  // namespace es::stream::nexmark

namespace es::stream {
/// A tag byte (0: A, 1: B), then the value.
template <HasSerde A, HasSerde B>
struct Serde<nexmark::JoinInput<A, B>> {
    static void encode(const nexmark::JoinInput<A, B>& v, std::string& out) {
        out.push_back(static_cast<char>(v.side.index()));
        if (const A* a = std::get_if<A>(&v.side)) {
            Serde<A>::encode(*a, out);
        } else {
            Serde<B>::encode(std::get<B>(v.side), out);
        }
    }
    static Result<nexmark::JoinInput<A, B>> decode(std::string_view in) {
        if (in.empty()) return Error(Errc::bad_record, "nexmark join input: empty");
        if (in[0] == 0) {
            ES_TRY(A a, Serde<A>::decode(in.substr(1)));
            return nexmark::JoinInput<A, B>{std::move(a)};
        }
        if (in[0] != 1) return Error(Errc::bad_record, "nexmark join input: unknown side");
        ES_TRY(B b, Serde<B>::decode(in.substr(1)));
        return nexmark::JoinInput<A, B>{std::move(b)};
    }
};
}  // namespace es::stream
