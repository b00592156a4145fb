#include "base/crc32c.h"

#include <gtest/gtest.h>

#include <numeric>
#include <random>
#include <string>
#include <vector>

namespace es {
namespace {

struct Vector {
    std::vector<uint8_t> data;
    uint32_t crc;
};

// RFC 3720 appendix B.4 test vectors plus the common "123456789" check value.
std::vector<Vector> published_vectors() {
    std::vector<Vector> v;
    v.push_back({std::vector<uint8_t>(32, 0x00), 0x8a9136aa});
    v.push_back({std::vector<uint8_t>(32, 0xff), 0x62a8ab43});
    std::vector<uint8_t> inc(32);
    std::iota(inc.begin(), inc.end(), 0);
    v.push_back({inc, 0x46dd794e});
    std::vector<uint8_t> dec(inc.rbegin(), inc.rend());
    v.push_back({dec, 0x113fdb5c});
    std::string check = "123456789";
    v.push_back({std::vector<uint8_t>(check.begin(), check.end()), 0xe3069283});
    return v;
}

TEST(Crc32c, MatchesPublishedVectors) {
    for (const auto& [data, crc] : published_vectors()) {
        EXPECT_EQ(crc32c::value(data), crc);
        EXPECT_EQ(crc32c::extend_software(0, data), crc);
    }
}

TEST(Crc32c, ExtendingInPiecesEqualsOneShot) {
    std::mt19937 rng(7);
    std::vector<uint8_t> data(4099);
    for (auto& b : data) b = static_cast<uint8_t>(rng());
    uint32_t whole = crc32c::value(data);
    for (size_t cut : {0UL, 1UL, 7UL, 8UL, 1000UL, 4098UL, 4099UL}) {
        BytesView all(data);
        uint32_t c = crc32c::extend(crc32c::extend(0, all.first(cut)), all.subspan(cut));
        EXPECT_EQ(c, whole) << "cut at " << cut;
    }
}

TEST(Crc32c, HardwareAndSoftwareAgreeOnEveryLengthAndAlignment) {
    std::mt19937 rng(11);
    std::vector<uint8_t> data(300);
    for (auto& b : data) b = static_cast<uint8_t>(rng());
    for (size_t start = 0; start < 9; ++start) {
        for (size_t len = 0; start + len <= data.size(); len += 13) {
            BytesView v = BytesView(data).subspan(start, len);
            ASSERT_EQ(crc32c::extend(0, v), crc32c::extend_software(0, v));
        }
    }
    std::printf("crc32c hardware acceleration: %s\n",
                crc32c::hardware_accelerated() ? "sse4.2" : "none");
}

TEST(Crc32c, TheInterleavedStreamsAgreeWithSoftwareOnLargeBuffers) {
    // The hardware path splits buffers of 768 bytes and more into three streams and combines
    // them: every size around the stream boundaries, at several alignments and start values.
    std::mt19937 rng(5);
    std::vector<uint8_t> data(3 * 4096 * 3 + 64);
    for (auto& b : data) b = static_cast<uint8_t>(rng());
    size_t checked = 0;
    for (size_t len : {767UL, 768UL, 769UL, 1535UL, 1536UL, 12287UL, 12288UL, 12289UL, 13055UL,
                       24576UL, 24577UL, 36864UL}) {
        for (size_t start : {0UL, 1UL, 5UL, 8UL}) {
            for (uint32_t seed : {0U, 0xdeadbeefU}) {
                BytesView v = BytesView(data).subspan(start, len);
                ASSERT_EQ(crc32c::extend(seed, v), crc32c::extend_software(seed, v))
                    << "length " << len << " start " << start;
                ++checked;
            }
        }
    }
    for (int i = 0; i < 200; ++i) {
        size_t len = rng() % (data.size() - 16);
        BytesView v = BytesView(data).subspan(rng() % 16, len);
        ASSERT_EQ(crc32c::extend(0, v), crc32c::extend_software(0, v)) << "length " << len;
        ++checked;
    }
    std::printf("checked: %zu large buffers, hardware (three streams) = software\n", checked);
}

}  // namespace
}  // namespace es
