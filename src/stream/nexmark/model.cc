#include "stream/nexmark/model.h"

#include "stream/api/errc.h"
#include "stream/api/json_fields.h"

#include <limits>

namespace es::stream::nexmark {

int64_t Event::date_time() const {
    return std::visit([](const auto& v) { return v.date_time; }, value);
}

const char* Event::type() const {
    if (person()) return "person";
    if (auction()) return "auction";
    return "bid";
}

void write_fields(JsonWriter& w, const Person& p) {
    w.i64("id", p.id)
        .str("name", p.name)
        .str("email_address", p.email_address)
        .str("credit_card", p.credit_card)
        .str("city", p.city)
        .str("state", p.state)
        .i64("date_time", p.date_time)
        .str("extra", p.extra);
}

void write_fields(JsonWriter& w, const Auction& a) {
    w.i64("id", a.id)
        .str("item_name", a.item_name)
        .str("description", a.description)
        .i64("initial_bid", a.initial_bid)
        .i64("reserve", a.reserve)
        .i64("date_time", a.date_time)
        .i64("expires", a.expires)
        .i64("seller", a.seller)
        .i64("category", a.category)
        .str("extra", a.extra);
}

void write_fields(JsonWriter& w, const Bid& b) {
    w.i64("auction", b.auction)
        .i64("bidder", b.bidder)
        .i64("price", b.price)
        .str("channel", b.channel)
        .str("url", b.url)
        .i64("date_time", b.date_time)
        .str("extra", b.extra);
}

namespace {

// A field the object did not have keeps one of these: simdjson only yields valid UTF-8, so no
// decoded string is the lone 0xff byte, and no Nexmark number is INT64_MIN. That lets one
// parse read the union of every kind's fields, and each kind then check its own.
constexpr std::string_view kAbsent = "\xff";
constexpr int64_t kAbsentNumber = std::numeric_limits<int64_t>::min();

struct Fields {
    std::string type{kAbsent};
    // person
    std::string name{kAbsent}, email_address{kAbsent}, credit_card{kAbsent}, city{kAbsent},
        state{kAbsent};
    // auction
    std::string item_name{kAbsent}, description{kAbsent};
    int64_t initial_bid = kAbsentNumber, reserve = kAbsentNumber, expires = kAbsentNumber,
            seller = kAbsentNumber, category = kAbsentNumber;
    // bid
    int64_t auction = kAbsentNumber, bidder = kAbsentNumber, price = kAbsentNumber;
    std::string channel{kAbsent}, url{kAbsent};
    // shared
    int64_t id = kAbsentNumber, date_time = kAbsentNumber;
    std::string extra{kAbsent};
};

Error missing(const char* type, const char* field) {
    return Error(Errc::bad_record,
                 std::string("nexmark ") + type + ": missing field '" + field + "'");
}

/// The first absent field of `names`/`present`, or nullptr.
template <size_t N>
const char* first_absent(const char* const (&names)[N], const bool (&present)[N]) {
    for (size_t i = 0; i < N; ++i) {
        if (!present[i]) return names[i];
    }
    return nullptr;
}

bool has(const std::string& s) { return s != kAbsent; }
bool has(int64_t n) { return n != kAbsentNumber; }

Result<Event> to_person(Fields& f) {
    const char* const names[] = {"id",   "name",  "email_address", "credit_card",
                                 "city", "state", "date_time",     "extra"};
    const bool present[] = {has(f.id),   has(f.name),  has(f.email_address), has(f.credit_card),
                            has(f.city), has(f.state), has(f.date_time),     has(f.extra)};
    if (const char* absent = first_absent(names, present)) return missing("person", absent);
    return Event{Person{f.id, std::move(f.name), std::move(f.email_address),
                        std::move(f.credit_card), std::move(f.city), std::move(f.state),
                        f.date_time, std::move(f.extra)}};
}

Result<Event> to_auction(Fields& f) {
    const char* const names[] = {"id",        "item_name", "description", "initial_bid", "reserve",
                                 "date_time", "expires",   "seller",      "category",    "extra"};
    const bool present[] = {
        has(f.id),        has(f.item_name), has(f.description), has(f.initial_bid), has(f.reserve),
        has(f.date_time), has(f.expires),   has(f.seller),      has(f.category),    has(f.extra)};
    if (const char* absent = first_absent(names, present)) return missing("auction", absent);
    return Event{Auction{f.id, std::move(f.item_name), std::move(f.description), f.initial_bid,
                         f.reserve, f.date_time, f.expires, f.seller, f.category,
                         std::move(f.extra)}};
}

Result<Event> to_bid(Fields& f) {
    const char* const names[] = {"auction", "bidder",    "price", "channel",
                                 "url",     "date_time", "extra"};
    const bool present[] = {has(f.auction), has(f.bidder),    has(f.price), has(f.channel),
                            has(f.url),     has(f.date_time), has(f.extra)};
    if (const char* absent = first_absent(names, present)) return missing("bid", absent);
    return Event{Bid{f.auction, f.bidder, f.price, std::move(f.channel), std::move(f.url),
                     f.date_time, std::move(f.extra)}};
}

}  // namespace

void append_json(const Person& p, std::string& out) {
    JsonWriter w(out);
    write_fields(w, p);
    w.end();
}

void append_json(const Auction& a, std::string& out) {
    JsonWriter w(out);
    write_fields(w, a);
    w.end();
}

void append_json(const Bid& b, std::string& out) {
    JsonWriter w(out);
    write_fields(w, b);
    w.end();
}

void append_json(const Event& e, std::string& out) {
    JsonWriter w(out);
    w.str("type", e.type());
    if (const Person* p = e.person()) write_fields(w, *p);
    if (const Auction* a = e.auction()) write_fields(w, *a);
    if (const Bid* b = e.bid()) write_fields(w, *b);
    w.end();
}

Result<Event> decode_event_json(std::string_view in) {
    Fields f;
    const JsonField fields[] = {
        {"type", &f.type, true},
        {"id", &f.id, false},
        {"name", &f.name, false},
        {"email_address", &f.email_address, false},
        {"credit_card", &f.credit_card, false},
        {"city", &f.city, false},
        {"state", &f.state, false},
        {"item_name", &f.item_name, false},
        {"description", &f.description, false},
        {"initial_bid", &f.initial_bid, false},
        {"reserve", &f.reserve, false},
        {"expires", &f.expires, false},
        {"seller", &f.seller, false},
        {"category", &f.category, false},
        {"auction", &f.auction, false},
        {"bidder", &f.bidder, false},
        {"price", &f.price, false},
        {"channel", &f.channel, false},
        {"url", &f.url, false},
        {"date_time", &f.date_time, false},
        {"extra", &f.extra, false},
    };
    ES_CHECK(read_json_object(in, fields, "nexmark event"));
    if (f.type == "bid") return to_bid(f);
    if (f.type == "auction") return to_auction(f);
    if (f.type == "person") return to_person(f);
    return Error(Errc::bad_record, "nexmark event: unknown type '" + f.type + "'");
}

std::string_view event_avro_schema() {
    // The tagged JSON event as one record: `type` and `date_time` always there, every field of
    // the three kinds a union with null (a field of another kind is null).
    return R"({"type":"record","name":"Event","namespace":"edgestream.nexmark","fields":[)"
           R"({"name":"type","type":{"type":"enum","name":"Kind","symbols":["person","auction","bid"]}},)"
           R"({"name":"id","type":["null","long"],"default":null},)"
           R"({"name":"name","type":["null","string"],"default":null},)"
           R"({"name":"email_address","type":["null","string"],"default":null},)"
           R"({"name":"credit_card","type":["null","string"],"default":null},)"
           R"({"name":"city","type":["null","string"],"default":null},)"
           R"({"name":"state","type":["null","string"],"default":null},)"
           R"({"name":"item_name","type":["null","string"],"default":null},)"
           R"({"name":"description","type":["null","string"],"default":null},)"
           R"({"name":"initial_bid","type":["null","long"],"default":null},)"
           R"({"name":"reserve","type":["null","long"],"default":null},)"
           R"({"name":"expires","type":["null","long"],"default":null},)"
           R"({"name":"seller","type":["null","long"],"default":null},)"
           R"({"name":"category","type":["null","long"],"default":null},)"
           R"({"name":"auction","type":["null","long"],"default":null},)"
           R"({"name":"bidder","type":["null","long"],"default":null},)"
           R"({"name":"price","type":["null","long"],"default":null},)"
           R"({"name":"channel","type":["null","string"],"default":null},)"
           R"({"name":"url","type":["null","string"],"default":null},)"
           R"({"name":"date_time","type":{"type":"long","logicalType":"timestamp-millis"}},)"
           R"({"name":"extra","type":"string"}]})";
}

}  // namespace es::stream::nexmark

namespace es::stream {

namespace {

// One field list per kind serves both directions: FieldWriter takes the values, FieldReader
// the members to fill, with the same method names.
template <class Io, class P>
void person_fields(Io&& io, P& p) {
    io.i64(p.id)
        .str(p.name)
        .str(p.email_address)
        .str(p.credit_card)
        .str(p.city)
        .str(p.state)
        .i64(p.date_time)
        .str(p.extra);
}

template <class Io, class A>
void auction_fields(Io&& io, A& a) {
    io.i64(a.id)
        .str(a.item_name)
        .str(a.description)
        .i64(a.initial_bid)
        .i64(a.reserve)
        .i64(a.date_time)
        .i64(a.expires)
        .i64(a.seller)
        .i64(a.category)
        .str(a.extra);
}

template <class Io, class B>
void bid_fields(Io&& io, B& b) {
    io.i64(b.auction)
        .i64(b.bidder)
        .i64(b.price)
        .str(b.channel)
        .str(b.url)
        .i64(b.date_time)
        .str(b.extra);
}

}  // namespace

void Serde<nexmark::Person>::encode(const nexmark::Person& p, std::string& out) {
    person_fields(FieldWriter(out), p);
}

Result<nexmark::Person> Serde<nexmark::Person>::decode(std::string_view in) {
    nexmark::Person p;
    FieldReader r(in, "nexmark person");
    person_fields(r, p);
    ES_CHECK(r.finish());
    return p;
}

void Serde<nexmark::Auction>::encode(const nexmark::Auction& a, std::string& out) {
    auction_fields(FieldWriter(out), a);
}

Result<nexmark::Auction> Serde<nexmark::Auction>::decode(std::string_view in) {
    nexmark::Auction a;
    FieldReader r(in, "nexmark auction");
    auction_fields(r, a);
    ES_CHECK(r.finish());
    return a;
}

void Serde<nexmark::Bid>::encode(const nexmark::Bid& b, std::string& out) {
    bid_fields(FieldWriter(out), b);
}

Result<nexmark::Bid> Serde<nexmark::Bid>::decode(std::string_view in) {
    nexmark::Bid b;
    FieldReader r(in, "nexmark bid");
    bid_fields(r, b);
    ES_CHECK(r.finish());
    return b;
}

}  // namespace es::stream
