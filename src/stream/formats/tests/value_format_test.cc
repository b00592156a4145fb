#include "stream/formats/value_format.h"

#include "stream/api/errc.h"

#include <gtest/gtest.h>

#include <array>
#include <map>
#include <string>

namespace es::stream::formats {
namespace {

using registry::serdes::Datum;

struct Touch {
    std::string id;
    int64_t ts = 0;
    double value = 0;
    std::string note = "none";
};

auto touch_fields(Touch& t) {
    return std::array<JsonField, 4>{
        {{"id", &t.id}, {"ts", &t.ts}, {"value", &t.value}, {"note", &t.note, false}}};
}

JobParams params(std::map<std::string, std::string> values) { return JobParams(std::move(values)); }

TEST(ValueFormat, ParametersChooseTheFormat) {
    auto plain = read_value_format(JobParams());
    ASSERT_TRUE(plain.ok());
    EXPECT_FALSE(plain->framed);
    EXPECT_EQ(format_name(*plain), "json");
    for (const char* name : {"avro", "json-schema", "protobuf"}) {
        auto f = read_value_format(
            params({{"value.format", name}, {"schema.registry.url", "http://127.0.0.1:1"}}));
        ASSERT_TRUE(f.ok()) << name;
        EXPECT_TRUE(f->framed);
        EXPECT_EQ(format_name(*f), name);
    }
    auto unknown = read_value_format(params({{"value.format", "xml"}}));
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().code(), Errc::invalid_config);
    auto no_registry = read_value_format(params({{"value.format", "avro"}}));
    ASSERT_FALSE(no_registry.ok());
    EXPECT_NE(no_registry.error().message().find("schema.registry.url"), std::string::npos);
    auto bad_url =
        read_value_format(params({{"value.format", "avro"}, {"schema.registry.url", "ftp://x"}}));
    ASSERT_TRUE(bad_url.ok());
    auto decoder = value_decoder<Touch>(*bad_url, touch_fields, "touch");
    ASSERT_FALSE(decoder.ok());
    EXPECT_EQ(decoder.error().code(), Errc::invalid_config);
    std::printf(
        "checked: json/avro/json-schema/protobuf chosen by value.format; unknown format, "
        "missing and unusable registry URLs refused\n");
}

TEST(ValueFormat, DatumFieldsFillTheStruct) {
    Touch t;
    Datum d = Datum::record({{"id", Datum::string("k-1")},
                             {"ts", Datum::integer(42)},
                             {"value", Datum::integer(3)},
                             {"extra", Datum::list()}});
    ASSERT_TRUE(read_datum_fields(d, touch_fields(t), "touch").ok());
    EXPECT_EQ(t.id, "k-1");
    EXPECT_EQ(t.ts, 42);
    EXPECT_DOUBLE_EQ(t.value, 3.0);
    EXPECT_EQ(t.note, "none");  // optional and absent: untouched
    d.add("note", Datum());     // null: untouched too
    ASSERT_TRUE(read_datum_fields(d, touch_fields(t), "touch").ok());
    EXPECT_EQ(t.note, "none");
    std::printf(
        "checked: string, integer, number fields; unknown fields ignored; optional "
        "absent or null left alone\n");
}

TEST(ValueFormat, MisfitsAreBadRecordsNamingTheField) {
    struct Case {
        Datum datum;
        const char* says;
    };
    const Case cases[] = {
        {Datum::list(), "touch: a list, not a record"},
        {Datum::record({{"ts", Datum::integer(1)}, {"value", Datum::real(1)}}),
         "field 'id' is missing"},
        {Datum::record({{"id", Datum::integer(1)}}), "field 'id' is a integer, not a string"},
        {Datum::record({{"id", Datum::string("x")}, {"ts", Datum::real(1.5)}}),
         "field 'ts' is a real, not an integer"},
        {Datum::record({{"id", Datum::string("x")},
                        {"ts", Datum::integer(1)},
                        {"value", Datum::string("1")}}),
         "field 'value' is a string, not a number"},
    };
    for (const Case& c : cases) {
        Touch t;
        Status s = read_datum_fields(c.datum, touch_fields(t), "touch");
        ASSERT_FALSE(s.ok()) << c.says;
        EXPECT_EQ(s.error().code(), Errc::bad_record);
        EXPECT_NE(s.error().message().find(c.says), std::string::npos) << s.error().message();
    }
    std::printf("checked: %zu misfit records are bad records that name the field\n",
                std::size(cases));
}

}  // namespace
}  // namespace es::stream::formats
