#include "base/byte_reader.h"

#include <gtest/gtest.h>

#include <random>

namespace es {
namespace {

TEST(ByteReader, ReadsBigEndianIntegers) {
    const uint8_t data[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
                            0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0xff, 0xfe};
    ByteReader r(data);
    EXPECT_EQ(*r.read_i8(), 0x01);
    EXPECT_EQ(*r.read_i16(), 0x0203);
    EXPECT_EQ(*r.read_i32(), 0x04050607);
    EXPECT_EQ(*r.read_i64(), 0x08090a0b0c0d0e0f);
    EXPECT_EQ(*r.read_i16(), -2);
    EXPECT_TRUE(r.empty());
}

TEST(ByteReader, EveryReadPastTheEndFailsWithoutMoving) {
    const uint8_t data[] = {0x00, 0x01, 0x02};
    ByteReader r(data);
    EXPECT_TRUE(r.read_i32().error().is(Errc::truncated));
    EXPECT_TRUE(r.read_i64().error().is(Errc::truncated));
    EXPECT_TRUE(r.read_bytes(4).error().is(Errc::truncated));
    EXPECT_TRUE(r.skip(4).error().is(Errc::truncated));
    EXPECT_EQ(r.position(), 0u);
    EXPECT_EQ(*r.read_i16(), 1);
    EXPECT_TRUE(r.read_i16().error().is(Errc::truncated));
    EXPECT_EQ(*r.read_i8(), 2);
}

TEST(ByteReader, HostileLengthPrefixIsRejectedBeforeAnyAllocation) {
    // A 2 GB length with three bytes behind it.
    const uint8_t data[] = {0x7f, 0xff, 0xff, 0xff, 'a', 'b', 'c'};
    ByteReader r(data);
    int32_t length = *r.read_i32();
    auto checked = r.check_length(length, /*nullable=*/false);
    ASSERT_FALSE(checked.ok());
    EXPECT_TRUE(checked.error().is(Errc::length_too_large));
    EXPECT_NE(checked.error().to_string().find("2147483647"), std::string::npos)
        << checked.error().to_string();

    EXPECT_TRUE(r.check_length(-2, true).error().is(Errc::invalid_length));
    EXPECT_TRUE(r.check_length(-1, false).error().is(Errc::invalid_length));
    EXPECT_FALSE(r.check_length(-1, true)->has_value());
    EXPECT_TRUE(r.check_length(3, false, /*max_length=*/2).error().is(Errc::length_too_large));
    EXPECT_EQ(**r.check_length(3, false), 3u);
}

TEST(ByteReader, VarintBytesHandleNullEmptyAndTruncated) {
    Bytes out;
    ByteWriter w(out);
    w.write_varint_bytes(std::nullopt);
    w.write_varint_bytes(BytesView{});
    w.write_varint_bytes(as_bytes("key"));
    ByteReader r(out);
    EXPECT_FALSE(r.read_varint_bytes()->has_value());
    EXPECT_EQ((*r.read_varint_bytes())->size(), 0u);
    EXPECT_EQ(as_string_view(**r.read_varint_bytes()), "key");

    Bytes bad;
    ByteWriter wb(bad);
    wb.write_varint(1000);  // claims 1000 bytes, has 1
    wb.write_i8(1);
    ByteReader rb(bad);
    EXPECT_TRUE(rb.read_varint_bytes().error().is(Errc::length_too_large));
}

TEST(ByteReader, RandomInputNeverReadsOutOfBounds) {
    // Under ASan this proves every path checks its bounds.
    std::mt19937 rng(3);
    for (int round = 0; round < 2000; ++round) {
        Bytes data(rng() % 24);
        for (auto& b : data) b = static_cast<uint8_t>(rng());
        ByteReader r(data);
        for (int step = 0; step < 16; ++step) {
            switch (rng() % 6) {
                case 0:
                    r.read_i32().ignore_error();
                    break;
                case 1:
                    r.read_varint().ignore_error();
                    break;
                case 2:
                    r.read_varlong().ignore_error();
                    break;
                case 3:
                    r.read_varint_bytes().ignore_error();
                    break;
                case 4:
                    r.read_unsigned_varint().ignore_error();
                    break;
                default:
                    r.read_bytes(rng() % 8).ignore_error();
                    break;
            }
            ASSERT_LE(r.position(), data.size());
        }
    }
}

TEST(ByteWriter, PatchesReservedFields) {
    Bytes out;
    ByteWriter w(out);
    size_t at = w.reserve(4);
    w.write_i16(7);
    w.patch_i32(at, 0x11223344);
    ByteReader r(out);
    EXPECT_EQ(*r.read_i32(), 0x11223344);
    EXPECT_EQ(*r.read_i16(), 7);
}

TEST(ByteWriter, LargeSpliceableViewsAreRecordedInOrderAndSmallOnesCopied) {
    Bytes small(10, 0xaa);
    Bytes large(100, 0xbb);
    Bytes out;
    std::vector<Splice> splices;
    ByteWriter w(out, splices, 64);
    w.write_i16(1);
    w.write_spliceable(large);
    w.write_spliceable(small);
    w.write_spliceable(large);
    w.write_i8(2);
    ASSERT_EQ(splices.size(), 2u);
    EXPECT_EQ(splices[0].position, 2u);
    EXPECT_EQ(splices[0].bytes.data(), large.data());  // not copied
    EXPECT_EQ(splices[1].position, 12u);
    EXPECT_EQ(out.size(), 2u + 10u + 1u);  // the small view was copied in
    EXPECT_EQ(out[2], 0xaa);
}

TEST(ByteWriter, AWriterWithoutSplicesCopiesEverything) {
    Bytes large(100, 0xbb);
    Bytes out;
    ByteWriter w(out);
    w.write_spliceable(large);
    EXPECT_EQ(out, large);
}

}  // namespace
}  // namespace es
