#include "base/varint.h"

#include "base/byte_reader.h"

#include <gtest/gtest.h>

#include <limits>

namespace es {
namespace {

TEST(Varint, ZigzagMapsSmallMagnitudesToSmallCodes) {
    EXPECT_EQ(varint::zigzag_encode(int32_t{0}), 0u);
    EXPECT_EQ(varint::zigzag_encode(int32_t{-1}), 1u);
    EXPECT_EQ(varint::zigzag_encode(int32_t{1}), 2u);
    EXPECT_EQ(varint::zigzag_encode(int32_t{-2}), 3u);
    EXPECT_EQ(varint::zigzag_encode(std::numeric_limits<int32_t>::min()), 0xffffffffu);
    EXPECT_EQ(varint::zigzag_decode(uint64_t{0xffffffffffffffff}),
              std::numeric_limits<int64_t>::min());
}

TEST(Varint, RoundTripsBoundaryValuesThroughWriterAndReader) {
    const int64_t values[] = {0,
                              1,
                              -1,
                              63,
                              -64,
                              64,
                              -65,
                              8191,
                              -8192,
                              std::numeric_limits<int32_t>::max(),
                              std::numeric_limits<int32_t>::min(),
                              std::numeric_limits<int64_t>::max(),
                              std::numeric_limits<int64_t>::min()};
    for (int64_t v : values) {
        Bytes out;
        ByteWriter w(out);
        w.write_varlong(v);
        EXPECT_EQ(out.size(), varint::size_signed(v));
        ByteReader r(out);
        auto got = r.read_varlong();
        ASSERT_TRUE(got.ok()) << v;
        EXPECT_EQ(*got, v);
        EXPECT_TRUE(r.empty());
        if (v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max()) {
            ByteReader r32(out);
            auto got32 = r32.read_varint();
            ASSERT_TRUE(got32.ok()) << v;
            EXPECT_EQ(*got32, v);
        }
    }
}

TEST(Varint, RejectsOverlongAndUnterminatedEncodings) {
    const uint8_t six_groups[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    ByteReader r(six_groups);
    EXPECT_TRUE(r.read_varint().error().is(Errc::invalid_varint));
    EXPECT_EQ(r.position(), 0u) << "a failed read consumes nothing";

    const uint8_t unterminated[] = {0xff, 0xff};
    ByteReader r2(unterminated);
    EXPECT_TRUE(r2.read_varlong().error().is(Errc::invalid_varint));

    const uint8_t eleven_groups[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                     0xff, 0xff, 0xff, 0xff, 0x01};
    ByteReader r3(eleven_groups);
    EXPECT_TRUE(r3.read_varlong().error().is(Errc::invalid_varint));

    // Five groups whose value exceeds 32 bits.
    const uint8_t too_big[] = {0xff, 0xff, 0xff, 0xff, 0x7f};
    ByteReader r4(too_big);
    EXPECT_TRUE(r4.read_unsigned_varint().error().is(Errc::invalid_varint));
}

}  // namespace
}  // namespace es
