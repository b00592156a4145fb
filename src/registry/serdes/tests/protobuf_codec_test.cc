#include "registry/serdes/protobuf_codec.h"

#include "registry/serdes/confluent_serde.h"
#include "registry/serdes/errc.h"
#include "registry/serdes/wire_format.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace es::registry::serdes {
namespace {

using Indexes = std::vector<int32_t>;

ProtobufCodec make_codec(std::string_view text,
                         const std::vector<compat::SchemaReference>& refs = {}) {
    auto codec = ProtobufCodec::make(text, refs);
    EXPECT_TRUE(codec.ok()) << codec.error().message();
    return std::move(codec).value();
}

std::string encode_ok(ProtobufCodec& codec, std::string_view message, const Datum& d) {
    std::string out;
    Status encoded = codec.encode(message, d, out);
    EXPECT_TRUE(encoded.ok()) << encoded.error().message();
    return out;
}

Datum decode_ok(ProtobufCodec& codec, const Indexes& indexes, std::string_view payload) {
    auto d = codec.decode(indexes, payload);
    EXPECT_TRUE(d.ok()) << d.error().message();
    return d.ok() ? std::move(d).value() : Datum();
}

constexpr const char* kScalars = R"(
syntax = "proto3";
package test;
message Scalars {
  double d = 1;
  float f = 2;
  int32 i32 = 3;
  int64 i64 = 4;
  uint32 u32 = 5;
  uint64 u64 = 6;
  sint32 s32 = 7;
  sint64 s64 = 8;
  fixed32 fx32 = 9;
  fixed64 fx64 = 10;
  sfixed32 sf32 = 11;
  sfixed64 sf64 = 12;
  bool b = 13;
  string s = 14;
  bytes raw = 15;
})";

TEST(ProtobufCodec, EveryScalarTypeRoundTrips) {
    ProtobufCodec codec = make_codec(kScalars);
    const int64_t i64_min = std::numeric_limits<int64_t>::min();
    const int64_t i64_max = std::numeric_limits<int64_t>::max();
    Datum d = Datum::record({
        {"d", Datum::real(-1.25e300)},
        {"f", Datum::real(0.5)},
        {"i32", Datum::integer(INT32_MIN)},
        {"i64", Datum::integer(i64_min)},
        {"u32", Datum::integer(UINT32_MAX)},
        {"u64", Datum::integer(i64_max)},
        {"s32", Datum::integer(INT32_MAX)},
        {"s64", Datum::integer(i64_min)},
        {"fx32", Datum::integer(UINT32_MAX)},
        {"fx64", Datum::integer(i64_max)},
        {"sf32", Datum::integer(INT32_MIN)},
        {"sf64", Datum::integer(-5)},
        {"b", Datum::boolean(true)},
        {"s", Datum::string("h\xc3\xa9llo")},
        {"raw", Datum::bytes(std::string("\x00\xff\x01", 3))},
    });
    std::string bytes = encode_ok(codec, "test.Scalars", d);
    EXPECT_EQ(decode_ok(codec, {0}, bytes), d);

    // Unset proto3 scalars read as their zero values, every field present in number order.
    Datum zeros = decode_ok(codec, {0}, "");
    ASSERT_EQ(zeros.fields().size(), 15u);
    EXPECT_EQ(*zeros.field("d"), Datum::real(0));
    EXPECT_EQ(*zeros.field("u64"), Datum::integer(0));
    EXPECT_EQ(*zeros.field("b"), Datum::boolean(false));
    EXPECT_EQ(*zeros.field("s"), Datum::string(""));
    EXPECT_EQ(*zeros.field("raw"), Datum::bytes(""));
    EXPECT_EQ(zeros.fields().front().first, "d");
    EXPECT_EQ(zeros.fields().back().first, "raw");
    // An integer fits float and double; an empty record writes nothing at all.
    Datum ints = Datum::record({{"d", Datum::integer(3)}, {"f", Datum::integer(-2)}});
    Datum back = decode_ok(codec, {0}, encode_ok(codec, "", ints));
    EXPECT_EQ(*back.field("d"), Datum::real(3));
    EXPECT_EQ(*back.field("f"), Datum::real(-2));
    EXPECT_EQ(encode_ok(codec, "", Datum::record()), "");
    std::printf(
        "checked: 15 scalar types at their limits round-trip; unset proto3 scalars read as "
        "zero values in field-number order\n");
}

TEST(ProtobufCodec, EncodesTheProtobufWireFormatByteForByte) {
    ProtobufCodec codec = make_codec(R"(
syntax = "proto3";
message Tiny {
  int32 a = 1;
  string b = 2;
  sint32 c = 3;
  fixed32 d = 4;
  repeated int32 e = 5;
  int32 f = 6;
  message Inner { int32 x = 1; }
})");
    Datum tiny = Datum::record({
        {"a", Datum::integer(150)},
        {"b", Datum::string("hi")},
        {"c", Datum::integer(-2)},
        {"d", Datum::integer(1)},
        {"e", Datum::list({Datum::integer(1), Datum::integer(2)})},
        {"f", Datum::integer(-1)},
    });
    // Computed by hand: tag = number << 3 | wire type.
    // a: 08, 150 as varint 96 01.  b: 12, length 02, 'h' 'i'.  c: 18, zigzag(-2) = 03.
    // d: 25 (wire type 5), 01 00 00 00 little-endian.  e: 2a, packed length 02, 01 02.
    // f: 30, -1 as a 10-byte varint (int32 sign-extends to 64 bits).
    const std::string expected =
        std::string("\x08\x96\x01\x12\x02hi\x18\x03\x25\x01\x00\x00\x00\x2a\x02\x01\x02\x30", 19) +
        std::string(9, '\xff') + "\x01";
    std::string bytes = encode_ok(codec, "Tiny", tiny);
    EXPECT_EQ(bytes, expected);
    EXPECT_EQ(decode_ok(codec, {0}, expected), tiny);

    // Framed as Confluent's serializer frames Tiny.Inner: id 7, indexes [0, 0] as count 2
    // (zigzag 04) then 00 00; the first message alone is the single byte 00.
    auto inner_indexes = codec.message_indexes("Tiny.Inner");
    ASSERT_TRUE(inner_indexes.ok()) << inner_indexes.error().message();
    EXPECT_EQ(*inner_indexes, (Indexes{0, 0}));
    std::string framed;
    append_header(7, framed);
    append_message_indexes(*inner_indexes, framed);
    framed += encode_ok(codec, "Tiny.Inner", Datum::record({{"x", Datum::integer(1)}}));
    EXPECT_EQ(framed, std::string("\x00\x00\x00\x00\x07\x04\x00\x00\x08\x01", 10));
    auto unframed = unframe(framed, true);
    ASSERT_TRUE(unframed.ok());
    EXPECT_EQ(decode_ok(codec, unframed->message_indexes, unframed->payload),
              Datum::record({{"x", Datum::integer(1)}}));
    std::printf(
        "checked: Tiny{150,\"hi\",-2,1,[1,2],-1} encodes to the 29 bytes computed by hand; "
        "framed Tiny.Inner is 00 00000007 04 00 00 08 01\n");
}

constexpr const char* kNested = R"(
syntax = "proto3";
package test;
message First { int32 x = 1; }
enum Color { RED = 0; GREEN = 1; }
message Outer {
  map<string, int32> counts = 1;
  message Inner { string name = 1; }
  Inner inner = 2;
  message Second {
    message Deep { bool on = 1; }
    int32 y = 1;
  }
})";

TEST(ProtobufCodec, NestedMessagesAndTheirIndexes) {
    ProtobufCodec codec = make_codec(kNested);
    struct Case {
        const char* name;
        Indexes indexes;
    } cases[] = {
        {"", {0}},
        {"test.First", {0}},
        {"test.Outer", {1}},           // the enum between them does not count
        {"test.Outer.Inner", {1, 0}},  // nor does counts' synthesized map entry before it
        {"Outer.Second", {1, 1}},
        {".test.Outer.Second.Deep", {1, 1, 0}},
    };
    for (const auto& c : cases) {
        auto indexes = codec.message_indexes(c.name);
        ASSERT_TRUE(indexes.ok()) << c.name << ": " << indexes.error().message();
        EXPECT_EQ(*indexes, c.indexes) << c.name;
    }
    for (const char* missing : {"test.Nope", "test.Color", "test.Outer.CountsEntry", "Inner"}) {
        auto indexes = codec.message_indexes(missing);
        ASSERT_FALSE(indexes.ok()) << missing;
        EXPECT_TRUE(indexes.error().is(Errc::invalid_schema)) << missing;
    }

    Datum inner = Datum::record({{"name", Datum::string("n")}});
    EXPECT_EQ(decode_ok(codec, {1, 0}, encode_ok(codec, "test.Outer.Inner", inner)), inner);
    Datum deep = Datum::record({{"on", Datum::boolean(true)}});
    EXPECT_EQ(decode_ok(codec, {1, 1, 0}, encode_ok(codec, "test.Outer.Second.Deep", deep)), deep);
    // An unset message field reads as null; a set one as its record.
    Datum outer = decode_ok(codec, {1}, "");
    EXPECT_EQ(outer, Datum::record({{"counts", Datum::record()}, {"inner", Datum()}}));
    Datum with_inner = Datum::record({{"counts", Datum::record()}, {"inner", inner}});
    EXPECT_EQ(decode_ok(codec, {1}, encode_ok(codec, "test.Outer", with_inner)), with_inner);
    std::printf(
        "checked: indexes [0] [1] [1,0] [1,1] [1,1,0] skip enums and map entries as Confluent "
        "does; Outer.Inner decodes at [1,0]; unset message field is null\n");
}

constexpr const char* kCollections = R"(
syntax = "proto3";
package test;
enum Level { LOW = 0; HIGH = 1; }
message Item { string sku = 1; int32 qty = 2; }
message Bag {
  repeated string tags = 1;
  repeated Item items = 2;
  map<int32, string> names = 3;
  map<string, Item> by_sku = 4;
  Level level = 5;
  repeated Level levels = 6;
  oneof choice {
    string text = 7;
    int64 number = 8;
    Item item = 9;
  }
  map<bool, uint64> flags = 10;
})";

TEST(ProtobufCodec, RepeatedMapsEnumsAndOneofs) {
    ProtobufCodec codec = make_codec(kCollections);
    Datum item = Datum::record({{"sku", Datum::string("a")}, {"qty", Datum::integer(2)}});
    Datum bag = Datum::record({
        {"tags", Datum::list({Datum::string("x"), Datum::string("y")})},
        {"items", Datum::list({item, Datum::record()})},
        // Keys in numeric order on the way back, though "10" < "2" as text.
        {"names", Datum::record({{"10", Datum::string("ten")}, {"2", Datum::string("two")}})},
        {"by_sku", Datum::record({{"a", item}})},
        {"level", Datum::string("HIGH")},
        {"levels", Datum::list({Datum::string("LOW"), Datum::integer(1)})},
        {"number", Datum::integer(42)},
        {"flags", Datum::record({{"true", Datum::integer(1)}, {"false", Datum::integer(0)}})},
    });
    Datum back = decode_ok(codec, {1}, encode_ok(codec, "test.Bag", bag));
    Datum empty_item = Datum::record({{"sku", Datum::string("")}, {"qty", Datum::integer(0)}});
    Datum expected = Datum::record({
        {"tags", Datum::list({Datum::string("x"), Datum::string("y")})},
        {"items", Datum::list({item, empty_item})},
        {"names", Datum::record({{"2", Datum::string("two")}, {"10", Datum::string("ten")}})},
        {"by_sku", Datum::record({{"a", item}})},
        {"level", Datum::string("HIGH")},
        {"levels", Datum::list({Datum::string("LOW"), Datum::string("HIGH")})},
        {"number", Datum::integer(42)},  // of the oneof only the set field
        {"flags", Datum::record({{"false", Datum::integer(0)}, {"true", Datum::integer(1)}})},
    });
    EXPECT_EQ(back, expected);

    // A oneof set to a message, and a proto3 enum number without a symbol (open enum).
    Datum other = Datum::record({{"level", Datum::integer(7)}, {"item", item}});
    Datum other_back = decode_ok(codec, {1}, encode_ok(codec, "test.Bag", other));
    EXPECT_EQ(*other_back.field("level"), Datum::integer(7));
    EXPECT_EQ(*other_back.field("item"), item);
    EXPECT_EQ(other_back.field("text"), nullptr);
    EXPECT_EQ(other_back.field("number"), nullptr);

    // Two members of one oneof: refused, naming both.
    std::string out;
    Status both = codec.encode(
        "test.Bag", Datum::record({{"text", Datum::string("t")}, {"number", Datum::integer(1)}}),
        out);
    ASSERT_FALSE(both.ok());
    EXPECT_TRUE(both.error().is(Errc::bad_data));
    EXPECT_NE(both.error().message().find("text and number of oneof choice"), std::string::npos)
        << both.error().message();
    EXPECT_TRUE(out.empty());
    std::printf(
        "checked: repeated scalars and messages, int/string/bool-keyed maps in key order, enums "
        "by symbol and open number, oneof yields only its set field, two set refused\n");
}

TEST(ProtobufCodec, ImportedReferencesAndWellKnownTypes) {
    std::vector<compat::SchemaReference> refs = {
        {"common/money.proto",
         "syntax = \"proto3\"; package common; message Money { string currency = 1; "
         "int64 units = 2; }"},
        {"common/price.proto",
         "syntax = \"proto3\"; package common; import \"common/money.proto\"; "
         "message Price { Money amount = 1; }"},
    };
    constexpr const char* kSchema = R"(
syntax = "proto3";
package shop;
import "common/price.proto";
import "google/protobuf/timestamp.proto";
message Sale {
  common.Price price = 1;
  google.protobuf.Timestamp at = 2;
})";
    ProtobufCodec codec = make_codec(kSchema, refs);
    Datum sale = Datum::record({
        {"price", Datum::record({{"amount", Datum::record({{"currency", Datum::string("EUR")},
                                                           {"units", Datum::integer(12)}})}})},
        {"at",
         Datum::record({{"seconds", Datum::integer(1700000000)}, {"nanos", Datum::integer(5)}})},
    });
    EXPECT_EQ(decode_ok(codec, {0}, encode_ok(codec, "shop.Sale", sale)), sale);
    // Messages of imported files have no indexes in this schema.
    auto imported = codec.message_indexes("common.Money");
    ASSERT_FALSE(imported.ok());
    EXPECT_TRUE(imported.error().is(Errc::invalid_schema));
    // Without its reference the schema does not validate.
    auto missing = ProtobufCodec::make(kSchema, {refs[0]});
    ASSERT_FALSE(missing.ok());
    EXPECT_TRUE(missing.error().is(Errc::invalid_schema));
    EXPECT_NE(missing.error().message().find("common/price.proto"), std::string::npos)
        << missing.error().message();
    std::printf(
        "checked: a schema importing 2 chained references and google/protobuf/timestamp.proto "
        "round-trips; a missing reference is invalid_schema naming it\n");
}

constexpr const char* kProto2 = R"(
syntax = "proto2";
package p2;
message Order {
  required string id = 1;
  optional int32 qty = 2 [default = 7];
  enum Status { NEW = 1; DONE = 2; }
  optional Status status = 3 [default = DONE];
  repeated int32 codes = 4;
  optional group Extra = 5 { optional string note = 6; }
  message Line { required int64 sku = 1; }
  repeated Line lines = 7;
})";

TEST(ProtobufCodec, Proto2DefaultsRequiredFieldsGroupsAndClosedEnums) {
    ProtobufCodec codec = make_codec(kProto2);
    // Unset optionals read as their declared defaults, as DynamicMessage.getField gives them.
    std::string minimal = encode_ok(codec, "", Datum::record({{"id", Datum::string("o1")}}));
    EXPECT_EQ(minimal, "\x0a\x02o1");
    EXPECT_EQ(decode_ok(codec, {0}, minimal), Datum::record({
                                                  {"id", Datum::string("o1")},
                                                  {"qty", Datum::integer(7)},
                                                  {"status", Datum::string("DONE")},
                                                  {"codes", Datum::list()},
                                                  {"extra", Datum()},
                                                  {"lines", Datum::list()},
                                              }));
    // proto2 repeated scalars are not packed: one tag per element.
    std::string codes =
        encode_ok(codec, "",
                  Datum::record({{"id", Datum::string("")},
                                 {"codes", Datum::list({Datum::integer(1), Datum::integer(2)})}}));
    EXPECT_EQ(codes, std::string("\x0a\x00\x20\x01\x20\x02", 6));
    Datum full = Datum::record({
        {"id", Datum::string("o2")},
        {"qty", Datum::integer(1)},
        {"status", Datum::string("NEW")},
        {"codes", Datum::list({Datum::integer(3)})},
        {"extra", Datum::record({{"note", Datum::string("n")}})},
        {"lines", Datum::list({Datum::record({{"sku", Datum::integer(9)}})})},
    });
    EXPECT_EQ(decode_ok(codec, {0}, encode_ok(codec, "p2.Order", full)), full);
    // The group's synthesized message is no index: Line is [0, 0] though Extra precedes it.
    auto line = codec.message_indexes("p2.Order.Line");
    ASSERT_TRUE(line.ok()) << line.error().message();
    EXPECT_EQ(*line, (Indexes{0, 0}));

    std::string out;
    Status no_id = codec.encode("", Datum::record({{"qty", Datum::integer(1)}}), out);
    ASSERT_FALSE(no_id.ok());
    EXPECT_NE(no_id.error().message().find("id"), std::string::npos) << no_id.error().message();
    Status no_sku = codec.encode(
        "", Datum::record({{"id", Datum::string("x")}, {"lines", Datum::list({Datum::record()})}}),
        out);
    ASSERT_FALSE(no_sku.ok());
    EXPECT_NE(no_sku.error().message().find("lines[0].sku"), std::string::npos)
        << no_sku.error().message();
    Status closed = codec.encode(
        "", Datum::record({{"id", Datum::string("x")}, {"status", Datum::integer(9)}}), out);
    ASSERT_FALSE(closed.ok());
    EXPECT_TRUE(closed.error().is(Errc::bad_data));
    EXPECT_TRUE(out.empty());
    // Bytes without the required id: qty = 1 alone.
    auto decoded = codec.decode(Indexes{0}, std::string("\x10\x01", 2));
    ASSERT_FALSE(decoded.ok());
    EXPECT_TRUE(decoded.error().is(Errc::bad_data));
    EXPECT_NE(decoded.error().message().find("required"), std::string::npos);
    std::printf(
        "checked: proto2 defaults [default=7/DONE], unpacked repeated 20 01 20 02, a group, "
        "missing required (also nested lines[0].sku) and closed-enum numbers refused\n");
}

TEST(ProtobufCodec, MisfitsNameTheirFieldPath) {
    ProtobufCodec codec = make_codec(kCollections);
    ProtobufCodec scalars = make_codec(kScalars);
    struct Case {
        ProtobufCodec* codec;
        Datum datum;
        const char* expected;  // in the error message
    } cases[] = {
        {&codec, Datum::record({{"nope", Datum::integer(1)}, {"zap", Datum()}}),
         "no field nope, zap"},
        {&codec, Datum::list(), "a list does not fit message test.Bag"},
        {&codec,
         Datum::record(
             {{"items", Datum::list({Datum::record({{"qty", Datum::integer(1LL << 40)}})})}}),
         "items[0].qty: 1099511627776 is out of range for int32"},
        {&codec, Datum::record({{"tags", Datum::list({Datum::string("a"), Datum::integer(1)})}}),
         "tags[1]: a integer does not fit Protobuf type string"},
        {&codec, Datum::record({{"tags", Datum::list({Datum()})}}), "tags[0]: null cannot be"},
        {&codec, Datum::record({{"tags", Datum::string("a")}}),
         "tags: a string does not fit a repeated"},
        {&codec, Datum::record({{"names", Datum::record({{"x", Datum::string("a")}})}}),
         "names: map key 'x' is not a int32"},
        {&codec, Datum::record({{"names", Datum::record({{"1", Datum::integer(1)}})}}),
         "names[1]: a integer does not fit"},
        {&codec,
         Datum::record({{"by_sku", Datum::record({{"k", Datum::record({{"bad", Datum()}})}})}}),
         "by_sku[k]: message test.Item has no field bad"},
        {&codec, Datum::record({{"level", Datum::string("MEDIUM")}}),
         "level: 'MEDIUM' is not a symbol of enum test.Level"},
        {&codec, Datum::record({{"flags", Datum::record({{"yes", Datum::integer(1)}})}}),
         "map key 'yes' is not a bool"},
        {&codec, Datum::record({{"flags", Datum::record({{"true", Datum::integer(-1)}})}}),
         "flags[true]: -1 is out of range for uint64"},
        {&scalars, Datum::record({{"u32", Datum::integer(-1)}}),
         "u32: -1 is out of range for uint32"},
        {&scalars, Datum::record({{"u32", Datum::integer(1LL << 32)}}), "out of range for uint32"},
        {&scalars, Datum::record({{"f", Datum::real(1e300)}}),
         "f: 1e+300 is out of range for float"},
        {&scalars, Datum::record({{"s", Datum::string("\xc0\xaf")}}), "s: not valid UTF-8"},
        {&scalars, Datum::record({{"s", Datum::string("\xed\xa0\x80")}}), "s: not valid UTF-8"},
        {&scalars, Datum::record({{"raw", Datum::string("x")}}),
         "raw: a string does not fit Protobuf type bytes"},
        {&scalars, Datum::record({{"b", Datum::integer(1)}}),
         "b: a integer does not fit Protobuf type bool"},
        {&scalars, Datum::record({{"d", Datum::string("1")}}),
         "d: a string does not fit Protobuf type double"},
    };
    for (const auto& c : cases) {
        std::string out = "keep";
        Status s = c.codec->encode(c.codec == &codec ? "test.Bag" : "", c.datum, out);
        ASSERT_FALSE(s.ok()) << c.expected;
        EXPECT_TRUE(s.error().is(Errc::bad_data)) << s.error().to_string();
        EXPECT_NE(s.error().message().find(c.expected), std::string::npos)
            << "wanted '" << c.expected << "' in '" << s.error().message() << "'";
        EXPECT_EQ(out, "keep");
    }
    // Nesting deeper than any reader accepts.
    ProtobufCodec node = make_codec("syntax = \"proto3\"; message Node { Node child = 1; }");
    Datum deep = Datum::record();
    for (int i = 0; i < 150; ++i) deep = Datum::record({{"child", std::move(deep)}});
    std::string out;
    Status too_deep = node.encode("", deep, out);
    ASSERT_FALSE(too_deep.ok());
    EXPECT_NE(too_deep.error().message().find("nested deeper than 100"), std::string::npos);
    std::string unknown_message;
    Status no_message = codec.encode("test.Nope", Datum::record(), unknown_message);
    ASSERT_FALSE(no_message.ok());
    EXPECT_TRUE(no_message.error().is(Errc::invalid_schema));
    std::printf(
        "checked: %zu misfits (unknown fields, ranges, kinds, keys, symbols, UTF-8) name their "
        "field path, 150-deep nesting and an unknown message refused\n",
        std::size(cases));
}

TEST(ProtobufCodec, HostilePayloadsAreBadDataOrAValue) {
    ProtobufCodec codec = make_codec(kCollections);
    // libprotobuf would log some refusals (invalid UTF-8) to stderr; the codec keeps it quiet.
    testing::internal::CaptureStderr();
    auto verdict = [&](std::string_view payload, const Indexes& indexes = {1}) {
        auto d = codec.decode(indexes, payload);
        if (!d.ok()) {
            EXPECT_TRUE(d.error().is(Errc::bad_data)) << d.error().to_string();
        }
        return d.ok();
    };
    size_t refused = 0;
    size_t read = 0;
    auto count = [&](bool ok) { ok ? ++read : ++refused; };

    Datum item = Datum::record({{"sku", Datum::string("abc")}, {"qty", Datum::integer(300)}});
    std::string good = encode_ok(codec, "test.Bag",
                                 Datum::record({{"tags", Datum::list({Datum::string("tag")})},
                                                {"items", Datum::list({item})},
                                                {"by_sku", Datum::record({{"k", item}})},
                                                {"text", Datum::string("hello")}}));
    for (size_t n = 0; n < good.size(); ++n) count(verdict(good.substr(0, n)));
    size_t truncations = good.size();

    const std::string cases[] = {
        std::string("\x0a\xff\xff\xff\xff\x0f"
                    "abc",
                    9),  // length 4294967295 for tags
        std::string("\x0a\xff\xff\xff\xff\x07"
                    "abc",
                    9),                                 // length INT32_MAX
        std::string("\x12\x80\x80\x80\x80\x08", 6),     // length past INT32_MAX
        std::string("\x40") + std::string(10, '\xff'),  // varint longer than 10 bytes
        std::string("\x2a\x05\x08", 3),                 // level with wire type 2, short
        std::string("\x0b\x0c", 2),                     // start group, wrong end group
        std::string("\x0f", 1),                         // wire type 7
        std::string("\x00\x01", 2),                     // field number 0
        std::string("\x0a\x01\xff", 3),                 // invalid UTF-8 in a proto3 string
        std::string("\x28\x05", 2),                     // level = 5 with wire type 0: fine
        std::string("\x0d\x01\x02\x03\x04", 5),         // tags with wire type 5: unknown
    };
    for (const auto& c : cases) count(verdict(c));
    EXPECT_FALSE(verdict(cases[0]));
    EXPECT_FALSE(verdict(cases[2]));
    EXPECT_FALSE(verdict(cases[3]));
    EXPECT_FALSE(verdict(cases[8]));

    // Deeper than libprotobuf's recursion limit of 100.
    ProtobufCodec node = make_codec("syntax = \"proto3\"; message Node { Node child = 1; }");
    auto nested = [](int levels) {
        std::string bytes;
        for (int i = 0; i < levels; ++i) {
            std::string wrapped("\x0a", 1);
            size_t len = bytes.size();
            while (len >= 0x80) {
                wrapped.push_back(static_cast<char>((len & 0x7F) | 0x80));
                len >>= 7;
            }
            wrapped.push_back(static_cast<char>(len));
            bytes = wrapped + bytes;
        }
        return bytes;
    };
    EXPECT_TRUE(node.decode(Indexes{0}, nested(50)).ok());
    auto too_deep = node.decode(Indexes{0}, nested(5000));
    ASSERT_FALSE(too_deep.ok());
    EXPECT_TRUE(too_deep.error().is(Errc::bad_data));

    // A uint64 above INT64_MAX has no Datum.
    ProtobufCodec scalars = make_codec(kScalars);
    auto big = scalars.decode(Indexes{0}, std::string("\x30") + std::string(9, '\xff') + "\x01");
    ASSERT_FALSE(big.ok());
    EXPECT_NE(big.error().message().find("u64"), std::string::npos) << big.error().message();

    std::mt19937 rng(20240607);
    for (int i = 0; i < 1000; ++i) {
        std::string noise(rng() % 64, '\0');
        for (char& ch : noise) ch = static_cast<char>(rng());
        count(verdict(noise));
        count(verdict(noise, {0}));
    }
    EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
    // Still works after all that.
    EXPECT_EQ(*decode_ok(codec, {0}, encode_ok(codec, "test.Item", item)).field("qty"),
              Datum::integer(300));
    std::printf(
        "checked: %zu truncations, %zu crafted (huge lengths, bad wire types, 5000-deep, "
        "uint64 max) and 2000 random payloads: %zu refused as bad_data, %zu read, no crash or "
        "log\n",
        truncations, std::size(cases) + 2, refused, read);
}

TEST(ProtobufCodec, BadMessageIndexesAreBadData) {
    ProtobufCodec codec = make_codec(kNested);
    const Indexes cases[] = {{2}, {-1}, {0, 0}, {1, 2}, {1, 1, 1}, {1, 0, 0}, {INT32_MAX}};
    for (const auto& indexes : cases) {
        auto d = codec.decode(indexes, "");
        ASSERT_FALSE(d.ok());
        EXPECT_TRUE(d.error().is(Errc::bad_data)) << d.error().to_string();
    }
    // No indexes at all mean the first message, as Confluent's single 0 byte does.
    EXPECT_EQ(decode_ok(codec, {}, "\x08\x05"), Datum::record({{"x", Datum::integer(5)}}));
    ProtobufCodec enums_only = make_codec("syntax = \"proto3\"; enum E { A = 0; }");
    auto none = enums_only.decode(Indexes{0}, "");
    ASSERT_FALSE(none.ok());
    EXPECT_TRUE(none.error().is(Errc::bad_data));
    std::printf(
        "checked: %zu out-of-range index paths and a file without messages are "
        "bad_data; [] reads the first message\n",
        std::size(cases));
}

TEST(ProtobufCodec, CopiesDecodeOnSeparateThreads) {
    ProtobufCodec codec = make_codec(kCollections);
    Datum bag = Datum::record({{"names", Datum::record({{"1", Datum::string("one")}})},
                               {"level", Datum::string("HIGH")}});
    std::string bytes = encode_ok(codec, "test.Bag", bag);
    Datum expected = decode_ok(codec, {1}, bytes);
    std::vector<ProtobufCodec> copies(4, codec);
    std::vector<int> good(4, 0);
    std::vector<std::thread> threads;
    for (size_t t = 0; t < copies.size(); ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 2000; ++i) {
                auto d = copies[t].decode(Indexes{1}, bytes);
                if (d.ok() && *d == expected) ++good[t];
            }
        });
    }
    for (auto& th : threads) th.join();
    for (int g : good) EXPECT_EQ(g, 2000);
    std::printf("checked: 4 copies on 4 threads decoded 8000 messages\n");
}

std::string json_string(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out + "\"";
}

/// A registry that answers fixed bodies by "METHOD /path" over plain sockets, one request per
/// connection: enough for RegistryClient, without a second copy of cpp-httplib in this binary.
class FakeRegistry {
  public:
    explicit FakeRegistry(std::map<std::string, std::string> routes) : routes_(std::move(routes)) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof(addr);
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd_, 8) != 0 ||
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
            ADD_FAILURE() << "fake registry cannot listen";
            return;
        }
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~FakeRegistry() {
        ::shutdown(fd_, SHUT_RDWR);  // wakes the blocked accept()
        if (thread_.joinable()) thread_.join();
        ::close(fd_);
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    int posts() const { return posts_; }

  private:
    void serve() {
        for (;;) {
            int conn = ::accept(fd_, nullptr, nullptr);
            if (conn < 0) return;
            std::string request;
            char buf[4096];
            size_t body_at = std::string::npos;
            size_t want = 0;
            while (body_at == std::string::npos || request.size() < body_at + want) {
                ssize_t n = ::recv(conn, buf, sizeof(buf), 0);
                if (n <= 0) break;
                request.append(buf, static_cast<size_t>(n));
                if (body_at == std::string::npos &&
                    (body_at = request.find("\r\n\r\n")) != std::string::npos) {
                    body_at += 4;
                    for (const char* h : {"Content-Length: ", "content-length: "}) {
                        if (auto at = request.find(h); at != std::string::npos && at < body_at) {
                            want = std::stoul(request.substr(at + std::strlen(h)));
                        }
                    }
                }
            }
            std::string line = request.substr(0, request.find(" HTTP/"));
            if (line.rfind("POST ", 0) == 0) ++posts_;
            auto route = routes_.find(line);
            int status = route != routes_.end() ? 200 : 404;
            std::string body = route != routes_.end()
                                   ? route->second
                                   : R"({"error_code":40403,"message":"Schema not found"})";
            std::string answer = "HTTP/1.1 " + std::to_string(status) +
                                 " X\r\nContent-Type: application/json\r\nContent-Length: " +
                                 std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
                                 body;
            for (size_t sent = 0; sent < answer.size();) {
                ssize_t n = ::send(conn, answer.data() + sent, answer.size() - sent, MSG_NOSIGNAL);
                if (n <= 0) break;
                sent += static_cast<size_t>(n);
            }
            ::close(conn);
        }
    }

    std::map<std::string, std::string> routes_;
    int fd_ = -1;
    uint16_t port_ = 0;
    std::atomic<int> posts_{0};
    std::thread thread_;
};

TEST(ProtobufCodec, SerializerAndDeserializerFrameMessageIndexes) {
    constexpr const char* kMoney =
        "syntax = \"proto3\"; package common; message Money { string currency = 1; "
        "int64 units = 2; }";
    constexpr const char* kPriced =
        "syntax = \"proto3\"; package shop; import \"common/money.proto\"; "
        "message Tag { string t = 1; } message Priced { common.Money price = 1; }";
    FakeRegistry registry({
        {"POST /subjects/orders-value/versions", R"({"id":7})"},
        {"GET /schemas/ids/7",
         R"({"schemaType":"PROTOBUF","schema":)" + json_string(kNested) + "}"},
        {"GET /schemas/ids/8",
         R"({"schemaType":"PROTOBUF","references":[{"name":"common/money.proto",)"
         R"("subject":"money","version":1}],"schema":)" +
             json_string(kPriced) + "}"},
        {"GET /subjects/money/versions/1",
         R"({"id":3,"version":1,"subject":"money","schemaType":"PROTOBUF","schema":)" +
             json_string(kMoney) + "}"},
        {"GET /schemas/ids/9", R"({"schema":"\"string\""})"},
    });
    auto client = RegistryClient::make(registry.url());
    ASSERT_TRUE(client.ok()) << client.error().message();

    Serializer serializer(*client, "orders-value", compat::SchemaType::protobuf, kNested,
                          "test.Outer.Inner");
    Datum inner = Datum::record({{"name", Datum::string("n")}});
    std::string framed;
    Status encoded = serializer.encode(inner, framed);
    ASSERT_TRUE(encoded.ok()) << encoded.error().message();
    // Header, indexes [1, 0] as count 2 then 1 and 0 (zigzag 04 02 00), name = "n".
    EXPECT_EQ(framed, std::string("\x00\x00\x00\x00\x07\x04\x02\x00\x0a\x01n", 11));
    Deserializer deserializer(*client, compat::SchemaType::protobuf);
    auto back = deserializer.decode(framed);
    ASSERT_TRUE(back.ok()) << back.error().message();
    EXPECT_EQ(*back, inner);
    EXPECT_EQ(deserializer.last_schema_id(), 7);

    // The first message is framed with the single 0 byte.
    Serializer first(*client, "orders-value", compat::SchemaType::protobuf, kNested);
    std::string first_framed;
    ASSERT_TRUE(first.encode(Datum::record({{"x", Datum::integer(1)}}), first_framed).ok());
    EXPECT_EQ(first_framed, std::string("\x00\x00\x00\x00\x07\x00\x08\x01", 8));

    // A schema with a reference, resolved by the client and handed to the codec; [1] = Priced.
    std::string with_ref;
    append_header(8, with_ref);
    append_message_indexes(Indexes{1}, with_ref);
    with_ref += std::string(
        "\x0a\x07\x0a\x03"
        "EUR\x10\x05",
        9);
    auto priced = deserializer.decode(with_ref);
    ASSERT_TRUE(priced.ok()) << priced.error().message();
    EXPECT_EQ(*priced, Datum::record({{"price", Datum::record({{"currency", Datum::string("EUR")},
                                                               {"units", Datum::integer(5)}})}}));

    // Indexes past the schema, an Avro id, a misnamed message (nothing registered for it).
    std::string bad_index;
    append_header(7, bad_index);
    append_message_indexes(Indexes{1, 5}, bad_index);
    auto refused = deserializer.decode(bad_index);
    ASSERT_FALSE(refused.ok());
    EXPECT_TRUE(refused.error().is(Errc::bad_data));
    std::string avro_id;
    append_header(9, avro_id);
    avro_id.push_back('\0');
    auto wrong = deserializer.decode(avro_id);
    ASSERT_FALSE(wrong.ok());
    EXPECT_TRUE(wrong.error().is(Errc::wrong_schema_type)) << wrong.error().to_string();
    int posts = registry.posts();
    Serializer misnamed(*client, "orders-value", compat::SchemaType::protobuf, kNested,
                        "test.Nope");
    auto prepared = misnamed.prepare();
    ASSERT_FALSE(prepared.ok());
    EXPECT_TRUE(prepared.error().is(Errc::invalid_schema));
    EXPECT_EQ(registry.posts(), posts);
    std::printf(
        "checked: Serializer frames Outer.Inner as 00 00000007 04 02 00 + payload and [0] as 00; "
        "Deserializer reads it, a referenced schema, refuses bad indexes and an Avro id\n");
}

}  // namespace
}  // namespace es::registry::serdes
