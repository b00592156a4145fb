#include "model/compression.h"

#include "model/errc.h"

#include <gtest/gtest.h>
#include <snappy.h>

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace es::model {
namespace {

constexpr size_t kMiB = 1024 * 1024;
constexpr size_t kNoLimit = SIZE_MAX;
constexpr std::array<Compression, 5> kAllCodecs = {
    Compression::none, Compression::gzip, Compression::snappy, Compression::lz4, Compression::zstd};
constexpr std::array<Compression, 4> kRealCodecs = {Compression::gzip, Compression::snappy,
                                                    Compression::lz4, Compression::zstd};

/// Text-like records: repetitive enough to compress well, varied enough not to be trivial.
Bytes compressible_bytes(size_t size) {
    Bytes out;
    out.reserve(size);
    for (uint64_t i = 0; out.size() < size; ++i) {
        std::string record = "{\"key\":\"user-" + std::to_string(i % 977) +
                             "\",\"seq\":" + std::to_string(i) + ",\"status\":\"ok\"}\n";
        for (char c : record) {
            if (out.size() == size) break;
            out.push_back(static_cast<uint8_t>(c));
        }
    }
    return out;
}

Bytes random_bytes(std::mt19937_64& rng, size_t size) {
    Bytes out(size);
    for (auto& b : out) b = static_cast<uint8_t>(rng());
    return out;
}

Bytes concat(const Bytes& a, const Bytes& b) {
    Bytes out = a;
    out.insert(out.end(), b.begin(), b.end());
    return out;
}

Bytes must_compress(Compression codec, BytesView input) {
    auto r = compress(codec, input);
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    return r.ok() ? std::move(r).value() : Bytes{};
}

std::string describe(const Result<Bytes>& r) {
    return r.ok() ? "ok with " + std::to_string(r->size()) + " bytes" : r.error().to_string();
}

bool fails_with(const Result<Bytes>& r, Errc code) { return !r.ok() && r.error().is(code); }

// ---- per-codec properties ---------------------------------------------------------------------

class CodecTest : public ::testing::TestWithParam<Compression> {
  protected:
    Compression codec() const { return GetParam(); }

    void expect_round_trip(const Bytes& data) {
        Bytes packed = must_compress(codec(), data);
        auto unpacked = decompress(codec(), packed, kNoLimit);
        ASSERT_TRUE(unpacked.ok()) << unpacked.error().to_string();
        EXPECT_EQ(*unpacked, data);
    }
};

TEST_P(CodecTest, RoundTripsEmptyInput) { expect_round_trip({}); }

TEST_P(CodecTest, RoundTripsOneByte) { expect_round_trip({0x5a}); }

TEST_P(CodecTest, RoundTripsOneMebibyteOfCompressibleDataAndShrinksIt) {
    Bytes data = compressible_bytes(kMiB);
    expect_round_trip(data);
    if (codec() != Compression::none) {
        EXPECT_LT(must_compress(codec(), data).size(), data.size() / 4);
    }
}

TEST_P(CodecTest, RoundTripsSixtyFourKibibytesOfRandomBytes) {
    std::mt19937_64 rng(42);
    expect_round_trip(random_bytes(rng, 64 * 1024));
}

TEST_P(CodecTest, AcceptsOutputOfExactlyMaxOutputAndRejectsOneByteMore) {
    Bytes data = compressible_bytes(kMiB);
    Bytes packed = must_compress(codec(), data);
    auto exact = decompress(codec(), packed, data.size());
    ASSERT_TRUE(exact.ok()) << exact.error().to_string();
    EXPECT_EQ(*exact, data);
    auto short_by_one = decompress(codec(), packed, data.size() - 1);
    EXPECT_TRUE(fails_with(short_by_one, Errc::decompressed_too_large)) << describe(short_by_one);
}

TEST_P(CodecTest, RejectsZerosInflatingPastMaxOutput) {
    Bytes packed = must_compress(codec(), Bytes(kMiB, 0));
    auto r = decompress(codec(), packed, 1000);
    EXPECT_TRUE(fails_with(r, Errc::decompressed_too_large)) << describe(r);
}

// Uncompressed data has no frame to cut, so the truncation tests run for the real codecs only.
class CompressingCodecTest : public CodecTest {};

TEST_P(CompressingCodecTest, RejectsEveryTruncationOfASmallPayload) {
    Bytes packed = must_compress(codec(), compressible_bytes(4096));
    for (size_t cut = 0; cut < packed.size(); ++cut) {
        auto r = decompress(codec(), BytesView(packed).first(cut), kNoLimit);
        EXPECT_TRUE(fails_with(r, Errc::corrupt_compressed_data))
            << "cut at " << cut << " of " << packed.size() << ": " << describe(r);
    }
}

TEST_P(CompressingCodecTest, RejectsTruncationsOfALargeMultiChunkPayload) {
    std::mt19937_64 rng(7);
    Bytes data = concat(compressible_bytes(kMiB), random_bytes(rng, 256 * 1024));
    Bytes packed = must_compress(codec(), data);
    for (size_t cut : {size_t{1}, packed.size() / 3, packed.size() / 2, packed.size() - 1}) {
        auto r = decompress(codec(), BytesView(packed).first(cut), kNoLimit);
        EXPECT_TRUE(fails_with(r, Errc::corrupt_compressed_data))
            << "cut at " << cut << " of " << packed.size() << ": " << describe(r);
    }
}

// Under ASan/UBSan this is the safety proof: hostile bytes must end in an error or a bounded
// result, never a crash, hang or overrun.
TEST_P(CodecTest, SurvivesRandomGarbageWithinMaxOutput) {
    constexpr size_t kMaxOutput = 64 * 1024;
    std::mt19937_64 rng(1234 + static_cast<unsigned>(codec()));
    for (int i = 0; i < 500; ++i) {
        Bytes garbage = random_bytes(rng, rng() % 2048);
        auto r = decompress(codec(), garbage, kMaxOutput);
        if (r.ok()) {
            EXPECT_LE(r->size(), kMaxOutput);
        } else {
            EXPECT_TRUE(r.error().is(Errc::corrupt_compressed_data) ||
                        r.error().is(Errc::decompressed_too_large))
                << r.error().to_string();
        }
    }
}

// Random bytes rarely get past a codec's header checks; flipping bytes of a valid payload reaches
// the block decoders themselves.
TEST_P(CodecTest, SurvivesMutatedValidPayloadsWithinMaxOutput) {
    constexpr size_t kMaxOutput = 16 * 1024;
    std::mt19937_64 rng(99 + static_cast<unsigned>(codec()));
    Bytes packed = must_compress(codec(), compressible_bytes(12 * 1024));
    ASSERT_FALSE(packed.empty());
    for (int i = 0; i < 500; ++i) {
        Bytes mutated = packed;
        int flips = 1 + static_cast<int>(rng() % 4);
        for (int f = 0; f < flips; ++f) mutated[rng() % mutated.size()] ^= 1 + rng() % 255;
        if (rng() % 4 == 0) mutated.resize(rng() % mutated.size());
        auto r = decompress(codec(), mutated, kMaxOutput);
        if (r.ok()) {
            EXPECT_LE(r->size(), kMaxOutput);
        } else {
            EXPECT_TRUE(r.error().is(Errc::corrupt_compressed_data) ||
                        r.error().is(Errc::decompressed_too_large))
                << r.error().to_string();
        }
    }
}

// A named function, not a lambda: the macro's own parameter is called `info`, and -Wshadow
// objects to a lambda parameter of that name.
std::string codec_name(const ::testing::TestParamInfo<Compression>& param_info) {
    return std::string(to_string(param_info.param));
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, CodecTest, ::testing::ValuesIn(kAllCodecs), codec_name);
INSTANTIATE_TEST_SUITE_P(RealCodecs, CompressingCodecTest, ::testing::ValuesIn(kRealCodecs),
                         codec_name);

// ---- codec ids --------------------------------------------------------------------------------

TEST(CompressionNames, ToStringNamesEveryCodecAndUnknownIds) {
    EXPECT_EQ(to_string(Compression::none), "none");
    EXPECT_EQ(to_string(Compression::gzip), "gzip");
    EXPECT_EQ(to_string(Compression::snappy), "snappy");
    EXPECT_EQ(to_string(Compression::lz4), "lz4");
    EXPECT_EQ(to_string(Compression::zstd), "zstd");
    EXPECT_EQ(to_string(static_cast<Compression>(5)), "unknown");
}

TEST(CompressionIds, RejectsCodecIdsOutsideZeroToFour) {
    Bytes data = compressible_bytes(100);
    for (int id : {5, 6, 7, 255}) {
        auto codec = static_cast<Compression>(id);
        auto packed = compress(codec, data);
        EXPECT_TRUE(fails_with(packed, Errc::unsupported_compression)) << describe(packed);
        auto unpacked = decompress(codec, data, kNoLimit);
        EXPECT_TRUE(fails_with(unpacked, Errc::unsupported_compression)) << describe(unpacked);
        auto empty = decompress(codec, {}, kNoLimit);
        EXPECT_TRUE(fails_with(empty, Errc::unsupported_compression)) << describe(empty);
    }
}

TEST(CompressionErrors, MessagesNameTheCodec) {
    Bytes garbage(64, 0xab);
    for (Compression codec : kRealCodecs) {
        auto r = decompress(codec, garbage, kNoLimit);
        ASSERT_FALSE(r.ok()) << to_string(codec);
        EXPECT_EQ(r.error().message().rfind(std::string(to_string(codec)) + ": ", 0), 0u)
            << r.error().message();
    }
}

// ---- wire format details other Kafka clients depend on ----------------------------------------

TEST(Gzip, WritesAGzipHeader) {
    Bytes packed = must_compress(Compression::gzip, compressible_bytes(100));
    ASSERT_GE(packed.size(), 10u);
    EXPECT_EQ(packed[0], 0x1f);
    EXPECT_EQ(packed[1], 0x8b);
    EXPECT_EQ(packed[2], 8);  // deflate
}

TEST(Gzip, DecompressesConcatenatedMembersToTheConcatenation) {
    Bytes a = compressible_bytes(5000);
    std::mt19937_64 rng(3);
    Bytes b = random_bytes(rng, 3000);
    Bytes stream =
        concat(concat(must_compress(Compression::gzip, a), must_compress(Compression::gzip, b)),
               must_compress(Compression::gzip, {}));
    auto r = decompress(Compression::gzip, stream, kNoLimit);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(*r, concat(a, b));
}

TEST(Gzip, EnforcesMaxOutputAcrossConcatenatedMembers) {
    Bytes a = compressible_bytes(5000);
    Bytes stream = concat(must_compress(Compression::gzip, a), must_compress(Compression::gzip, a));
    EXPECT_TRUE(decompress(Compression::gzip, stream, 10000).ok());
    auto r = decompress(Compression::gzip, stream, 9999);
    EXPECT_TRUE(fails_with(r, Errc::decompressed_too_large)) << describe(r);
}

TEST(Gzip, RejectsTrailingGarbageAfterAMember) {
    Bytes stream = must_compress(Compression::gzip, compressible_bytes(1000));
    stream.insert(stream.end(), 12, 0);  // padding some writers leave after the last member
    auto r = decompress(Compression::gzip, stream, kNoLimit);
    EXPECT_TRUE(fails_with(r, Errc::corrupt_compressed_data)) << describe(r);
}

TEST(Gzip, RejectsACorruptedCrc) {
    Bytes stream = must_compress(Compression::gzip, compressible_bytes(1000));
    stream[stream.size() - 8] ^= 0xff;  // first byte of the CRC32 trailer
    auto r = decompress(Compression::gzip, stream, kNoLimit);
    EXPECT_TRUE(fails_with(r, Errc::corrupt_compressed_data)) << describe(r);
}

TEST(Zstd, WritesAZstdFrame) {
    Bytes packed = must_compress(Compression::zstd, compressible_bytes(100));
    ASSERT_GE(packed.size(), 4u);
    EXPECT_EQ(packed[0], 0x28);
    EXPECT_EQ(packed[1], 0xb5);
    EXPECT_EQ(packed[2], 0x2f);
    EXPECT_EQ(packed[3], 0xfd);
}

TEST(Zstd, DecompressesConcatenatedFramesToTheConcatenation) {
    Bytes a = compressible_bytes(200 * 1024);
    std::mt19937_64 rng(5);
    Bytes b = random_bytes(rng, 3000);
    Bytes stream =
        concat(concat(must_compress(Compression::zstd, a), must_compress(Compression::zstd, {})),
               must_compress(Compression::zstd, b));
    auto r = decompress(Compression::zstd, stream, kNoLimit);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(*r, concat(a, b));
}

TEST(Zstd, RejectsTrailingGarbageAfterAFrame) {
    Bytes stream = must_compress(Compression::zstd, compressible_bytes(1000));
    stream.insert(stream.end(), {0xde, 0xad, 0xbe, 0xef, 0x01});
    auto r = decompress(Compression::zstd, stream, kNoLimit);
    EXPECT_TRUE(fails_with(r, Errc::corrupt_compressed_data)) << describe(r);
}

TEST(Lz4, WritesAFrameWithIndependentSixtyFourKibibyteBlocksForJavaClients) {
    Bytes packed = must_compress(Compression::lz4, compressible_bytes(200 * 1024));
    ASSERT_GE(packed.size(), 7u);
    EXPECT_EQ(packed[0], 0x04);  // frame magic 0x184D2204, little-endian
    EXPECT_EQ(packed[1], 0x22);
    EXPECT_EQ(packed[2], 0x4d);
    EXPECT_EQ(packed[3], 0x18);
    uint8_t flg = packed[4];
    EXPECT_EQ(flg >> 6, 1) << "frame version";
    EXPECT_TRUE(flg & 0x20) << "Kafka's Java reader rejects dependent blocks";
    uint8_t bd = packed[5];
    EXPECT_EQ((bd >> 4) & 0x7, 4) << "64 KiB maximum block size";
}

TEST(Lz4, DecompressesConcatenatedFramesToTheConcatenation) {
    Bytes a = compressible_bytes(100 * 1024);
    Bytes b = compressible_bytes(10);
    Bytes stream = concat(must_compress(Compression::lz4, a), must_compress(Compression::lz4, b));
    auto r = decompress(Compression::lz4, stream, kNoLimit);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(*r, concat(a, b));
}

// ---- snappy: raw and the xerial framing of the Java client ------------------------------------

/// The framing snappy-java's SnappyOutputStream writes: magic, version 1, compatible version 1,
/// then [int32 big-endian length][raw snappy block] per block.
Bytes xerial_frame(const std::vector<Bytes>& chunks) {
    Bytes out = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1};
    for (const Bytes& chunk : chunks) {
        std::string block;
        snappy::Compress(reinterpret_cast<const char*>(chunk.data()), chunk.size(), &block);
        uint8_t length[4];
        store_be32(length, static_cast<uint32_t>(block.size()));
        out.insert(out.end(), length, length + 4);
        out.insert(out.end(), block.begin(), block.end());
    }
    return out;
}

TEST(Snappy, DecompressesXerialFramedBlocksToTheirConcatenation) {
    std::mt19937_64 rng(11);
    Bytes a = compressible_bytes(32 * 1024);
    Bytes b = random_bytes(rng, 32 * 1024);
    Bytes c = compressible_bytes(100);
    auto r = decompress(Compression::snappy, xerial_frame({a, b, c}), kNoLimit);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(*r, concat(concat(a, b), c));
}

TEST(Snappy, DecompressesAnXerialHeaderWithoutBlocksToNothing) {
    auto r = decompress(Compression::snappy, xerial_frame({}), kNoLimit);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_TRUE(r->empty());
}

TEST(Snappy, EnforcesMaxOutputAcrossXerialBlocks) {
    Bytes chunk = compressible_bytes(1000);
    Bytes stream = xerial_frame({chunk, chunk, chunk});
    EXPECT_TRUE(decompress(Compression::snappy, stream, 3000).ok());
    auto r = decompress(Compression::snappy, stream, 2999);
    EXPECT_TRUE(fails_with(r, Errc::decompressed_too_large)) << describe(r);
}

TEST(Snappy, RejectsAnXerialBlockLengthBeyondTheInput) {
    Bytes stream = xerial_frame({compressible_bytes(1000)});
    store_be32(stream.data() + 16, 0x7fffffff);
    auto r = decompress(Compression::snappy, stream, kNoLimit);
    EXPECT_TRUE(fails_with(r, Errc::corrupt_compressed_data)) << describe(r);
}

TEST(Snappy, RejectsEveryTruncationOfAnXerialStream) {
    Bytes stream = xerial_frame({compressible_bytes(700), compressible_bytes(300)});
    // Cuts that land exactly on a block boundary are a valid shorter stream, so skip those.
    size_t first_block_end = 16 + 4 + load_be32(stream.data() + 16);
    for (size_t cut = 0; cut < stream.size(); ++cut) {
        if (cut == 16 || cut == first_block_end) continue;
        auto r = decompress(Compression::snappy, BytesView(stream).first(cut), kNoLimit);
        EXPECT_TRUE(fails_with(r, Errc::corrupt_compressed_data))
            << "cut at " << cut << " of " << stream.size() << ": " << describe(r);
    }
}

TEST(Snappy, ChecksDeclaredLengthAgainstMaxOutputBeforeDecoding) {
    // A preamble claiming 4 GiB - 1 followed by nothing: refused for size, not allocated.
    Bytes bomb = {0xff, 0xff, 0xff, 0xff, 0x0f};
    auto r = decompress(Compression::snappy, bomb, 64 * kMiB);
    EXPECT_TRUE(fails_with(r, Errc::decompressed_too_large)) << describe(r);
}

TEST(Snappy, RejectsAnInvalidLengthPreamble) {
    Bytes bad = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};  // varint32 longer than five bytes
    auto r = decompress(Compression::snappy, bad, kNoLimit);
    EXPECT_TRUE(fails_with(r, Errc::corrupt_compressed_data)) << describe(r);
}

TEST(Snappy, WritesRawSnappyNotXerial) {
    Bytes data = compressible_bytes(1000);
    Bytes packed = must_compress(Compression::snappy, data);
    std::string expected;
    snappy::Compress(reinterpret_cast<const char*>(data.data()), data.size(), &expected);
    EXPECT_EQ(as_string_view(packed), expected);
}

TEST(None, RejectsInputLargerThanMaxOutput) {
    Bytes data(100, 1);
    EXPECT_TRUE(decompress(Compression::none, data, 100).ok());
    auto r = decompress(Compression::none, data, 99);
    EXPECT_TRUE(fails_with(r, Errc::decompressed_too_large)) << describe(r);
}

}  // namespace
}  // namespace es::model
