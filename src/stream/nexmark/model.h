#pragma once

// The Nexmark events (an online auction: people, the auctions they open and the bids on them)
// as the queries see them, and how they cross the engine's boundaries:
//
// - on the input topic as one flat JSON object per event, tagged by "type" ("person",
//   "auction" or "bid"), every field of the kind required; times are ms since the epoch:
//       {"type":"bid","auction":1007,"bidder":1012,"price":2840,"channel":"Google",
//        "url":"https://...","date_time":1767225600010,"extra":""}
// - in state stores and repartition topics in a compact binary form (FieldWriter), which only
//   the engine reads back.
//
// Field names are the standard Nexmark ones (Beam, Flink) in snake_case.

#include "base/result.h"
#include "stream/api/serde.h"
#include "stream/nexmark/json_writer.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace es::stream::nexmark {

struct Person {
    int64_t id = 0;
    std::string name;
    std::string email_address;
    std::string credit_card;
    std::string city;
    std::string state;
    int64_t date_time = 0;
    std::string extra;

    bool operator==(const Person&) const = default;
};

struct Auction {
    int64_t id = 0;
    std::string item_name;
    std::string description;
    int64_t initial_bid = 0;
    int64_t reserve = 0;
    int64_t date_time = 0;
    int64_t expires = 0;
    int64_t seller = 0;
    int64_t category = 0;
    std::string extra;

    bool operator==(const Auction&) const = default;
};

struct Bid {
    int64_t auction = 0;
    int64_t bidder = 0;
    int64_t price = 0;
    std::string channel;
    std::string url;
    int64_t date_time = 0;
    std::string extra;

    bool operator==(const Bid&) const = default;
};

/// One event of the input topic: exactly one of the three.
/// The Avro form of the tagged events (`gen nexmark --value-format avro`), for the Confluent
/// wire format; the queries read it with value.format=avro.
std::string_view event_avro_schema();

struct Event {
    std::variant<Person, Auction, Bid> value;

    const Person* person() const { return std::get_if<Person>(&value); }
    const Auction* auction() const { return std::get_if<Auction>(&value); }
    const Bid* bid() const { return std::get_if<Bid>(&value); }
    /// The event time.
    int64_t date_time() const;
    /// "person", "auction" or "bid".
    const char* type() const;

    bool operator==(const Event&) const = default;
};

/// Writes the fields of one kind into an object being written (query outputs that add fields).
void write_fields(JsonWriter& w, const Person& p);
void write_fields(JsonWriter& w, const Auction& a);
void write_fields(JsonWriter& w, const Bid& b);

/// Appends the event's tagged JSON object (the topic format) to `out`.
void append_json(const Event& e, std::string& out);
/// The JSON object of one kind, untagged: the shape query outputs use for whole events.
void append_json(const Person& p, std::string& out);
void append_json(const Auction& a, std::string& out);
void append_json(const Bid& b, std::string& out);

/// Decodes a tagged JSON event; Errc::bad_record naming the missing or mistyped field.
Result<Event> decode_event_json(std::string_view in);

}  // namespace es::stream::nexmark

namespace es::stream {

/// JSON on topics (the input format).
template <>
struct Serde<nexmark::Event> {
    static void encode(const nexmark::Event& e, std::string& out) { nexmark::append_json(e, out); }
    static Result<nexmark::Event> decode(std::string_view in) {
        return nexmark::decode_event_json(in);
    }
};

// Binary: persons, auctions and bids alone live in state and repartition topics only; a query
// writes its outputs as JSON it makes itself.
template <>
struct Serde<nexmark::Person> {
    static void encode(const nexmark::Person& p, std::string& out);
    static Result<nexmark::Person> decode(std::string_view in);
};
template <>
struct Serde<nexmark::Auction> {
    static void encode(const nexmark::Auction& a, std::string& out);
    static Result<nexmark::Auction> decode(std::string_view in);
};
template <>
struct Serde<nexmark::Bid> {
    static void encode(const nexmark::Bid& b, std::string& out);
    static Result<nexmark::Bid> decode(std::string_view in);
};

}  // namespace es::stream
