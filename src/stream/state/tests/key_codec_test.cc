#include "stream/state/key_codec.h"

#include "stream/state/errc.h"
#include "stream/state/stored_value.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

namespace es::stream::state {
namespace {

std::string i64(int64_t v) {
    std::string out;
    encode_i64(out, v);
    return out;
}

TEST(KeyCodec, I64EncodingSortsBytewiseLikeTheIntegers) {
    const std::vector<int64_t> values = {std::numeric_limits<int64_t>::min(),
                                         -1'000'000'000'000,
                                         -256,
                                         -1,
                                         0,
                                         1,
                                         255,
                                         256,
                                         1'700'000'000'000,
                                         std::numeric_limits<int64_t>::max()};
    for (size_t i = 0; i + 1 < values.size(); ++i) {
        EXPECT_LT(i64(values[i]), i64(values[i + 1])) << values[i] << " vs " << values[i + 1];
    }
}

TEST(KeyCodec, I64RoundTrips) {
    for (int64_t v : {std::numeric_limits<int64_t>::min(), int64_t{-1}, int64_t{0}, int64_t{42},
                      std::numeric_limits<int64_t>::max()}) {
        std::string enc = i64(v);
        ASSERT_EQ(enc.size(), kEncodedI64Size);
        KeyDecoder d(enc);
        auto r = d.i64();
        ASSERT_TRUE(r.ok());
        EXPECT_EQ(*r, v);
        EXPECT_TRUE(d.done());
    }
}

TEST(KeyCodec, CompositeKeyRoundTripsAndFinishes) {
    std::string key;
    encode_bytes(key, "user-7");
    encode_i64(key, -5);
    encode_bytes(key, "");
    KeyDecoder d(key);
    auto user = d.bytes();
    ASSERT_TRUE(user.ok());
    EXPECT_EQ(*user, "user-7");
    auto t = d.i64();
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(*t, -5);
    auto empty = d.bytes();
    ASSERT_TRUE(empty.ok());
    EXPECT_EQ(*empty, "");
    EXPECT_TRUE(d.finish().ok());
}

TEST(KeyCodec, BytesPrefixOfOneUserKeyNeverMatchesALongerUserKey) {
    std::string ab, abc;
    encode_bytes(ab, "ab");
    encode_bytes(abc, "abc");
    std::string ab_window = ab;
    encode_i64(ab_window, 100);
    std::string abc_window = abc;
    encode_i64(abc_window, 100);
    EXPECT_EQ(ab_window.compare(0, ab.size(), ab), 0);
    EXPECT_NE(abc_window.compare(0, ab.size(), ab), 0);
}

TEST(KeyCodec, DecodeOfTruncatedI64Fails) {
    std::string enc = i64(7);
    for (size_t n = 0; n < enc.size(); ++n) {
        KeyDecoder d(std::string_view(enc).substr(0, n));
        auto r = d.i64();
        ASSERT_FALSE(r.ok()) << n;
        EXPECT_TRUE(r.error().is(Errc::corrupt));
        EXPECT_NE(r.error().message().find("truncated"), std::string::npos);
    }
}

TEST(KeyCodec, DecodeOfTruncatedLengthPrefixFails) {
    std::string enc;
    encode_bytes(enc, "hello");
    KeyDecoder d(std::string_view(enc).substr(0, 3));
    EXPECT_FALSE(d.bytes().ok());
}

TEST(KeyCodec, DecodeOfLengthBeyondTheInputFails) {
    std::string enc;
    encode_bytes(enc, "hello");
    KeyDecoder short_body(std::string_view(enc).substr(0, enc.size() - 1));
    EXPECT_FALSE(short_body.bytes().ok());
    const std::string hostile(
        "\xff\xff\xff\xff"
        "abc",
        7);
    KeyDecoder d(hostile);
    auto r = d.bytes();
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(r.error().is(Errc::corrupt));
}

TEST(KeyCodec, FinishRejectsTrailingBytes) {
    std::string enc = i64(1) + "x";
    KeyDecoder d(enc);
    ASSERT_TRUE(d.i64().ok());
    EXPECT_FALSE(d.finish().ok());
}

TEST(KeyCodec, PrefixEndIsTheSmallestKeyPastThePrefix) {
    EXPECT_EQ(prefix_end("abc"), "abd");
    EXPECT_EQ(prefix_end(std::string("a\xff\xff", 3)), "b");
    EXPECT_EQ(prefix_end(std::string("\xff\xff", 2)), std::nullopt);
    EXPECT_EQ(prefix_end(""), std::nullopt);
}

TEST(StoredValue, RoundTripsWithAndWithoutExpiry) {
    std::string s;
    encode_stored(s, std::nullopt, "v1");
    auto a = decode_stored(s);
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->expiry_ms, std::nullopt);
    EXPECT_EQ(a->value, "v1");
    encode_stored(s, -3, "");
    auto b = decode_stored(s);
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b->expiry_ms, -3);
    EXPECT_EQ(b->value, "");
}

TEST(StoredValue, DecodeRejectsEmptyUnknownTagAndTruncatedExpiry) {
    EXPECT_FALSE(decode_stored("").ok());
    EXPECT_FALSE(decode_stored("\x07value").ok());
    EXPECT_FALSE(decode_stored(std::string("\x01\x00\x00", 3)).ok());
}

}  // namespace
}  // namespace es::stream::state
