#include "registry/serdes/datum.h"

#include "registry/serdes/errc.h"

#include <gtest/gtest.h>

#include <string>

namespace es::registry::serdes {
namespace {

TEST(Datum, JsonRoundTrip) {
    auto d = datum_from_json(R"({"id":"i-1","n":42,"big":18446744073709551615,"x":1.5,)"
                             R"("ok":true,"none":null,"tags":["a","b"],"m":{"k":-7}})");
    ASSERT_TRUE(d.ok()) << d.error().message();
    EXPECT_EQ(d->kind(), Datum::Kind::record);
    EXPECT_EQ(d->field("id")->as_text(), "i-1");
    EXPECT_EQ(d->field("n")->as_integer(), 42);
    EXPECT_EQ(d->field("big")->kind(), Datum::Kind::real);  // beyond int64
    EXPECT_DOUBLE_EQ(d->field("x")->as_real(), 1.5);
    EXPECT_TRUE(d->field("ok")->as_boolean());
    EXPECT_TRUE(d->field("none")->is_null());
    EXPECT_EQ(d->field("tags")->items().size(), 2u);
    EXPECT_EQ(d->field("m")->field("k")->as_integer(), -7);
    EXPECT_EQ(d->field("absent"), nullptr);
    auto again = datum_from_json(datum_to_json(*d));
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, *d);
    std::printf("checked: every JSON kind into a Datum and back, equal\n");
}

TEST(Datum, HostileJsonIsBadData) {
    const std::string cases[] = {
        "",
        "{",
        "{\"a\":}",
        "[1,2",
        "nul",
        "{\"a\":1} trailing",
        std::string(100000, '['),
        "\"\xff\xfe\"",
    };
    for (const std::string& text : cases) {
        auto d = datum_from_json(text);
        ASSERT_FALSE(d.ok()) << text.substr(0, 20);
        EXPECT_EQ(d.error().code(), Errc::bad_data);
    }
    std::printf("checked: %zu malformed or hostile JSON texts (incl. 100k nesting) refused\n",
                std::size(cases));
}

TEST(Datum, BytesAreCodePointsInJson) {
    Datum d = Datum::record({{"b", Datum::bytes(std::string("\x00\x7f\x80\xff", 4))}});
    EXPECT_EQ(datum_to_json(d), "{\"b\":\"\\u0000\x7f\xc2\x80\xc3\xbf\"}");
    std::printf("checked: bytes as one code point per byte, as Avro's JSON encoding\n");
}

}  // namespace
}  // namespace es::registry::serdes
