#include "registry/serdes/avro_codec.h"

#include "registry/serdes/errc.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace es::registry::serdes {
namespace {

constexpr const char* kSchema = R"({
  "type": "record", "name": "Event", "namespace": "test",
  "fields": [
    {"name": "id", "type": "string"},
    {"name": "count", "type": "int"},
    {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    {"name": "ratio", "type": "double"},
    {"name": "score", "type": "float"},
    {"name": "ok", "type": "boolean"},
    {"name": "note", "type": ["null", "string"], "default": null},
    {"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["A", "B"]}},
    {"name": "hash", "type": {"type": "fixed", "name": "Hash", "size": 2}},
    {"name": "raw", "type": "bytes"},
    {"name": "tags", "type": {"type": "array", "items": "string"}},
    {"name": "attrs", "type": {"type": "map", "values": "long"}}
  ]})";

Datum sample() {
    return Datum::record({
        {"id", Datum::string("ab")},
        {"count", Datum::integer(-2)},
        {"ts", Datum::integer(1700000000000)},
        {"ratio", Datum::real(0.5)},
        {"score", Datum::integer(3)},  // an integer fits a float
        {"ok", Datum::boolean(true)},
        {"note", Datum::string("hi")},
        {"kind", Datum::string("B")},
        {"hash", Datum::bytes("xy")},
        {"raw", Datum::bytes(std::string("\x00\x01", 2))},
        {"tags", Datum::list({Datum::string("t")})},
        {"attrs", Datum::record({{"k", Datum::integer(5)}})},
    });
}

TEST(AvroCodec, EncodesTheSpecsBinaryFormat) {
    auto codec = AvroCodec::make(R"({"type":"record","name":"R","fields":[
        {"name":"s","type":"string"},{"name":"n","type":"long"},
        {"name":"u","type":["null","int"]}]})");
    ASSERT_TRUE(codec.ok()) << codec.error().message();
    std::string out;
    Datum d = Datum::record(
        {{"s", Datum::string("ab")}, {"n", Datum::integer(-64)}, {"u", Datum::integer(1)}});
    ASSERT_TRUE(codec->encode(d, out).ok());
    // "ab": length 2 zigzag 04; -64 zigzag 127 = 7f; union branch 1 -> 02, int 1 -> 02
    EXPECT_EQ(out, std::string("\x04"
                               "ab"
                               "\x7f\x02\x02",
                               6));
    auto back = codec->decode(out);
    ASSERT_TRUE(back.ok()) << back.error().message();
    EXPECT_EQ(*back, d);
    std::printf("checked: string, long and union bytes as the Avro specification writes them\n");
}

TEST(AvroCodec, EveryTypeRoundTrips) {
    auto codec = AvroCodec::make(kSchema);
    ASSERT_TRUE(codec.ok()) << codec.error().message();
    std::string out;
    Status encoded = codec->encode(sample(), out);
    ASSERT_TRUE(encoded.ok()) << encoded.error().message();
    auto back = codec->decode(out);
    ASSERT_TRUE(back.ok()) << back.error().message();
    Datum expected = sample();
    expected.fields()[4].second = Datum::real(3);  // read back as the float it was written as
    EXPECT_EQ(*back, expected);
    // A nullable field left out is written as null.
    Datum without_note = sample();
    without_note.fields().erase(without_note.fields().begin() + 6);
    out.clear();
    ASSERT_TRUE(codec->encode(without_note, out).ok());
    back = codec->decode(out);
    ASSERT_TRUE(back.ok());
    EXPECT_TRUE(back->field("note")->is_null());
    std::printf("checked: 12 fields of every Avro type round-trip; a missing nullable is null\n");
}

TEST(AvroCodec, DatumsThatDoNotFitAreRefusedWithThePath) {
    auto codec = AvroCodec::make(kSchema);
    ASSERT_TRUE(codec.ok());
    struct Case {
        const char* field;
        Datum value;
        const char* says;
    };
    const Case cases[] = {
        {"id", Datum::integer(1), "id: a integer does not fit Avro type string"},
        {"count", Datum::integer(int64_t{1} << 40), "out of range for int"},
        {"kind", Datum::string("C"), "not a symbol"},
        {"hash", Datum::bytes("xyz"), "3 bytes for a fixed of 2"},
        {"note", Datum::integer(1), "fits no branch"},
        {"tags", Datum::list({Datum::integer(1)}), "tags[0]"},
    };
    for (const Case& c : cases) {
        Datum d = sample();
        for (auto& [name, value] : d.fields()) {
            if (name == c.field) value = c.value;
        }
        std::string out = "keep";
        Status s = codec->encode(d, out);
        ASSERT_FALSE(s.ok()) << c.field;
        EXPECT_EQ(s.error().code(), Errc::bad_data);
        EXPECT_NE(s.error().message().find(c.says), std::string::npos) << s.error().message();
    }
    Datum missing = sample();
    missing.fields().erase(missing.fields().begin());
    std::string out;
    Status s = codec->encode(missing, out);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message().find("id: missing"), std::string::npos) << s.error().message();
    std::printf("checked: %zu misfits and a missing required field name their field\n",
                std::size(cases));
}

TEST(AvroCodec, HostilePayloadsAreBadData) {
    auto codec = AvroCodec::make(kSchema);
    ASSERT_TRUE(codec.ok());
    std::string good;
    ASSERT_TRUE(codec->encode(sample(), good).ok());
    std::vector<std::string> cases = {
        "",
        good.substr(0, good.size() / 2),                              // truncated
        good + "x",                                                   // trailing bytes
        std::string("\xfe\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10),  // string of 2^63 bytes
        std::string("\x01", 1),                                       // negative length
    };
    for (size_t cut = 1; cut < good.size(); cut += 3) cases.push_back(good.substr(0, cut));
    // Union branch 5 of a 2-branch union, enum index 4 of a 1-symbol enum.
    auto nullable = AvroCodec::make(R"(["null","string"])");
    ASSERT_TRUE(nullable.ok());
    for (const std::string& bytes : cases) {
        auto d = codec->decode(bytes);
        ASSERT_FALSE(d.ok()) << bytes.size();
        EXPECT_EQ(d.error().code(), Errc::bad_data);
    }
    auto bad_branch = nullable->decode(std::string("\x0a", 1));
    ASSERT_FALSE(bad_branch.ok());
    auto enum_codec = AvroCodec::make(R"({"type":"enum","name":"E","symbols":["A"]})");
    ASSERT_TRUE(enum_codec.ok());
    EXPECT_FALSE(enum_codec->decode(std::string("\x08", 1)).ok());
    // A recursive schema and 100,000 bytes of "next branch": refused, not a stack overflow.
    auto list = AvroCodec::make(
        R"({"type":"record","name":"Node","fields":[{"name":"next","type":["null","Node"]}]})");
    ASSERT_TRUE(list.ok()) << list.error().message();
    auto deep = list->decode(std::string(100000, '\x02'));
    ASSERT_FALSE(deep.ok());
    EXPECT_NE(deep.error().message().find("nested deeper"), std::string::npos);
    EXPECT_TRUE(list->decode(std::string("\x02\x02\x00", 3)).ok());
    // An array of nulls claiming 2^40 items in 6 bytes: refused before libavro loops over it.
    auto nulls = AvroCodec::make(R"({"type":"array","items":"null"})");
    ASSERT_TRUE(nulls.ok());
    auto many = nulls->decode(std::string("\x80\x80\x80\x80\x80\x40\x00", 7));
    ASSERT_FALSE(many.ok());
    EXPECT_NE(many.error().message().find("a block of"), std::string::npos)
        << many.error().message();
    // After all that the codec still decodes good data.
    EXPECT_TRUE(codec->decode(good).ok());
    std::printf(
        "checked: %zu truncated, oversized and corrupt payloads, 100k-deep recursion and "
        "2^40 nulls refused; the codec still works\n",
        cases.size() + 4);
}

TEST(AvroCodec, InvalidSchemasAreRefused) {
    const char* cases[] = {"", "{", R"({"type":"nope"})", R"({"type":"record","name":"R"})",
                           R"({"type":"fixed","name":"F"})"};
    for (const char* text : cases) {
        auto codec = AvroCodec::make(text);
        ASSERT_FALSE(codec.ok()) << text;
        EXPECT_EQ(codec.error().code(), Errc::invalid_schema);
    }
    std::printf("checked: %zu invalid schemas refused by libavro\n", std::size(cases));
}

TEST(AvroCodec, CopiesWorkOnTheirOwnThreads) {
    auto codec = AvroCodec::make(kSchema);
    ASSERT_TRUE(codec.ok());
    std::string bytes;
    ASSERT_TRUE(codec->encode(sample(), bytes).ok());
    std::vector<std::thread> threads;
    std::atomic<int> decoded{0};
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([copy = *codec, &bytes, &decoded]() mutable {
            for (int i = 0; i < 2000; ++i) {
                if (copy.decode(bytes).ok()) ++decoded;
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(decoded.load(), 8000);
    std::printf("checked: 4 copies on 4 threads decoded 8000 values\n");
}

}  // namespace
}  // namespace es::registry::serdes
