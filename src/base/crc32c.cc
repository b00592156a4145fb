#include "base/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace es::crc32c {
namespace {

constexpr uint32_t kPolynomial = 0x82f63b78;  // reflected Castagnoli polynomial

constexpr std::array<std::array<uint32_t, 256>, 8> make_tables() {
    std::array<std::array<uint32_t, 256>, 8> t{};
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPolynomial : c >> 1;
        t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i) {
        for (size_t s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
    }
    return t;
}

constexpr auto kTables = make_tables();

#if defined(__x86_64__)
/// a * b modulo the polynomial, both in the reflected bit order of the CRC register.
constexpr uint32_t multiply_mod_p(uint32_t a, uint32_t b) {
    uint32_t product = 0;
    for (uint32_t m = 1U << 31; m != 0; m >>= 1) {
        if (a & m) product ^= b;
        b = (b & 1) ? (b >> 1) ^ kPolynomial : b >> 1;
    }
    return product;
}

/// The operator that moves a CRC register over `bytes` zero bytes (multiplies it by
/// x^(8 * bytes)), as four tables indexed by the register's bytes: combining the registers of
/// three interleaved streams is then four lookups each.
struct Shift {
    std::array<std::array<uint32_t, 256>, 4> table{};

    explicit constexpr Shift(size_t bytes) {
        uint32_t x8n = 1U << 31;                                                     // x^0
        for (size_t i = 0; i < 8 * bytes; ++i) x8n = multiply_mod_p(1U << 30, x8n);  // times x
        for (uint32_t k = 0; k < 4; ++k) {
            for (uint32_t b = 0; b < 256; ++b) table[k][b] = multiply_mod_p(x8n, b << (8 * k));
        }
    }
    uint32_t operator()(uint32_t c) const {
        return table[0][c & 0xff] ^ table[1][(c >> 8) & 0xff] ^ table[2][(c >> 16) & 0xff] ^
               table[3][c >> 24];
    }
};

// The crc32 instruction has a latency of 3 cycles and a throughput of 1: three independent
// streams over thirds of the data keep it busy, then their registers are combined.
constexpr size_t kLongStream = 4096;
constexpr size_t kShortStream = 256;
const Shift kShiftLong(kLongStream);
const Shift kShiftShort(kShortStream);

__attribute__((target("sse4.2"))) inline uint64_t crc_words(uint64_t c, const uint8_t* p,
                                                            size_t n) {
    for (size_t i = 0; i < n; i += 8) {
        uint64_t word;
        std::memcpy(&word, p + i, 8);
        c = _mm_crc32_u64(c, word);
    }
    return c;
}

/// Three streams of `stream` bytes each from p, combined into c; returns the new register.
__attribute__((target("sse4.2"))) inline uint64_t crc_three(uint64_t c, const uint8_t* p,
                                                            size_t stream, const Shift& shift) {
    uint64_t c1 = 0;
    uint64_t c2 = 0;
    for (size_t i = 0; i < stream; i += 8) {
        uint64_t w0;
        uint64_t w1;
        uint64_t w2;
        std::memcpy(&w0, p + i, 8);
        std::memcpy(&w1, p + stream + i, 8);
        std::memcpy(&w2, p + 2 * stream + i, 8);
        c = _mm_crc32_u64(c, w0);
        c1 = _mm_crc32_u64(c1, w1);
        c2 = _mm_crc32_u64(c2, w2);
    }
    uint32_t combined = shift(static_cast<uint32_t>(c)) ^ static_cast<uint32_t>(c1);
    return shift(combined) ^ static_cast<uint32_t>(c2);
}

__attribute__((target("sse4.2"))) uint32_t extend_sse42(uint32_t crc, const uint8_t* p, size_t n) {
    uint64_t c = ~crc;
    while (n >= 3 * kLongStream) {
        c = crc_three(c, p, kLongStream, kShiftLong);
        p += 3 * kLongStream;
        n -= 3 * kLongStream;
    }
    while (n >= 3 * kShortStream) {
        c = crc_three(c, p, kShortStream, kShiftShort);
        p += 3 * kShortStream;
        n -= 3 * kShortStream;
    }
    size_t words = n & ~size_t{7};
    c = crc_words(c, p, words);
    p += words;
    n -= words;
    auto c32 = static_cast<uint32_t>(c);
    while (n > 0) {
        c32 = _mm_crc32_u8(c32, *p++);
        --n;
    }
    return ~c32;
}
#endif

bool detect_hardware() {
#if defined(__x86_64__)
    return __builtin_cpu_supports("sse4.2");
#else
    return false;
#endif
}

const bool kHardware = detect_hardware();

}  // namespace

uint32_t extend_software(uint32_t crc, BytesView data) {
    const uint8_t* p = data.data();
    size_t n = data.size();
    uint32_t c = ~crc;
    while (n >= 8) {
        uint32_t lo;
        uint32_t hi;
        std::memcpy(&lo, p, 4);  // little-endian hosts only, like the SSE path
        std::memcpy(&hi, p + 4, 4);
        lo ^= c;
        c = kTables[7][lo & 0xff] ^ kTables[6][(lo >> 8) & 0xff] ^ kTables[5][(lo >> 16) & 0xff] ^
            kTables[4][lo >> 24] ^ kTables[3][hi & 0xff] ^ kTables[2][(hi >> 8) & 0xff] ^
            kTables[1][(hi >> 16) & 0xff] ^ kTables[0][hi >> 24];
        p += 8;
        n -= 8;
    }
    while (n > 0) {
        c = kTables[0][(c ^ *p++) & 0xff] ^ (c >> 8);
        --n;
    }
    return ~c;
}

uint32_t extend(uint32_t crc, BytesView data) {
#if defined(__x86_64__)
    if (kHardware) return extend_sse42(crc, data.data(), data.size());
#endif
    return extend_software(crc, data);
}

bool hardware_accelerated() { return kHardware; }

}  // namespace es::crc32c
