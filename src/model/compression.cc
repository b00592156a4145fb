#include "model/compression.h"

// With ZLIB_CONST, z_stream::next_in points to const bytes, so read-only input needs no cast.
#define ZLIB_CONST
#include "base/errc.h"
#include "model/errc.h"

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

namespace es::model {
namespace {

Error corrupt(std::string_view codec, std::string_view what) {
    std::string message(codec);
    message.append(": ").append(what);
    return Error(Errc::corrupt_compressed_data, std::move(message));
}

Error too_large(std::string_view codec, size_t max_output) {
    std::string message(codec);
    message.append(": output exceeds the limit of ")
        .append(std::to_string(max_output))
        .append(" bytes");
    return Error(Errc::decompressed_too_large, std::move(message));
}

Error unsupported(Compression codec) {
    return Error(Errc::unsupported_compression,
                 "codec id " + std::to_string(static_cast<unsigned>(codec)));
}

Error truncated(std::string_view codec) { return corrupt(codec, "input ends inside a frame"); }

// An empty span's data() is null, and whether null-with-length-zero is acceptable differs between
// these C APIs (and between their versions); a static byte makes the question moot.
const uint8_t* nonnull(const uint8_t* p) {
    static constexpr uint8_t kNothing = 0;
    return p != nullptr ? p : &kNothing;
}
const char* chars(BytesView v) { return reinterpret_cast<const char*>(nonnull(v.data())); }

// Compressors write into a worst-case-sized buffer; a result that is much smaller than that bound
// (the usual case for record data) would otherwise pin the whole bound for as long as it lives.
void trim(Bytes& out, size_t size) {
    out.resize(size);
    if (out.capacity() / 2 > size) out.shrink_to_fit();
}

// zlib counts in uInt (32 bits), so inputs and outputs past 4 GiB are fed in slices.
uInt clamp_uint(size_t n) { return static_cast<uInt>(std::min<size_t>(n, UINT_MAX)); }

/// Decoder output that grows geometrically but never past max_output + 1 bytes: the one spare
/// byte is how a streaming decoder tells "exactly max_output" from "more than max_output" while
/// never decoding more than a byte past the limit.
class BoundedOutput {
  public:
    BoundedOutput(size_t max_output, size_t input_size)
        : max_output_(max_output), cap_(max_output == SIZE_MAX ? SIZE_MAX : max_output + 1) {
        // Record data typically inflates a few times over; starting near that saves regrowth.
        constexpr size_t kMinInitial = 64 * 1024;
        size_t guess = input_size > SIZE_MAX / 4 ? SIZE_MAX : input_size * 4;
        initial_ = std::min(cap_, std::max(guess, kMinInitial));
    }

    /// Writable space after the bytes produced so far; empty only once exceeded() holds.
    MutableBytesView room() {
        if (produced_ == buf_.size() && buf_.size() < cap_) {
            size_t grown = buf_.empty()             ? initial_
                           : buf_.size() > cap_ / 2 ? cap_
                                                    : buf_.size() * 2;
            buf_.resize(std::min(grown, cap_));
        }
        return {buf_.data() + produced_, buf_.size() - produced_};
    }
    void commit(size_t n) { produced_ += n; }
    bool exceeded() const { return produced_ > max_output_; }

    Bytes take() && {
        trim(buf_, produced_);
        return std::move(buf_);
    }

  private:
    size_t max_output_;
    size_t cap_;
    size_t initial_ = 0;
    size_t produced_ = 0;
    Bytes buf_;
};

// ---- gzip -------------------------------------------------------------------------------------

constexpr int kGzipWindowBits = 15 + 16;  // 32 KiB window, gzip header and trailer
constexpr int kAutoWindowBits = 15 + 32;  // 32 KiB window, gzip or zlib header detected

/// Owns a z_stream from the moment its init call succeeds. Not movable: zlib keeps a pointer back
/// to the z_stream in its state and rejects calls made through a copy.
template <int (*End)(z_streamp)>
class ZStream {
  public:
    ZStream() = default;
    ZStream(const ZStream&) = delete;
    ZStream& operator=(const ZStream&) = delete;
    ~ZStream() {
        if (live_) End(&zs_);
    }

    z_stream* get() { return &zs_; }
    z_stream* operator->() { return &zs_; }
    void set_live() { live_ = true; }

  private:
    z_stream zs_{};
    bool live_ = false;
};

std::string zlib_text(int rc, const z_stream& zs) {
    if (zs.msg != nullptr) return zs.msg;
    const char* text = zError(rc);
    return text != nullptr ? text : "error " + std::to_string(rc);
}

Result<Bytes> gzip_compress(BytesView input) {
    ZStream<deflateEnd> zs;
    int rc = deflateInit2(zs.get(), Z_DEFAULT_COMPRESSION, Z_DEFLATED, kGzipWindowBits, 8,
                          Z_DEFAULT_STRATEGY);
    if (rc != Z_OK) return corrupt("gzip", zlib_text(rc, *zs.get()));
    zs.set_live();

    Bytes out(deflateBound(zs.get(), input.size()));
    size_t fed = 0;
    size_t produced = 0;
    for (;;) {
        if (zs->avail_in == 0 && fed < input.size()) {
            zs->next_in = input.data() + fed;
            zs->avail_in = clamp_uint(input.size() - fed);
            fed += zs->avail_in;
        }
        // deflateBound normally makes this a single pass; growth covers inputs past 4 GiB.
        if (produced == out.size()) out.resize(out.size() + out.size() / 2 + 64);
        zs->next_out = out.data() + produced;
        zs->avail_out = clamp_uint(out.size() - produced);
        uInt room = zs->avail_out;
        rc = deflate(zs.get(), fed == input.size() ? Z_FINISH : Z_NO_FLUSH);
        produced += room - zs->avail_out;
        if (rc == Z_STREAM_END) break;
        if (rc != Z_OK && rc != Z_BUF_ERROR) return corrupt("gzip", zlib_text(rc, *zs.get()));
    }
    trim(out, produced);
    return out;
}

Result<Bytes> gzip_decompress(BytesView input, size_t max_output) {
    ZStream<inflateEnd> zs;
    int rc = inflateInit2(zs.get(), kAutoWindowBits);
    if (rc != Z_OK) return corrupt("gzip", zlib_text(rc, *zs.get()));
    zs.set_live();

    BoundedOutput out(max_output, input.size());
    size_t fed = 0;
    for (;;) {
        if (zs->avail_in == 0 && fed < input.size()) {
            zs->next_in = input.data() + fed;
            zs->avail_in = clamp_uint(input.size() - fed);
            fed += zs->avail_in;
        }
        MutableBytesView room = out.room();
        zs->next_out = room.data();
        zs->avail_out = clamp_uint(room.size());
        uInt avail = zs->avail_out;
        rc = inflate(zs.get(), Z_NO_FLUSH);
        out.commit(avail - zs->avail_out);
        if (out.exceeded()) return too_large("gzip", max_output);

        bool input_done = zs->avail_in == 0 && fed == input.size();
        if (rc == Z_STREAM_END) {
            if (input_done) return std::move(out).take();
            // Another member follows: Java's GZIPOutputStream never writes one, but gzip tools
            // and some clients concatenate, and the format allows it.
            rc = inflateReset(zs.get());
            if (rc != Z_OK) return corrupt("gzip", zlib_text(rc, *zs.get()));
            continue;
        }
        if (rc == Z_OK) continue;
        // Z_BUF_ERROR means no progress was possible: with output room to spare, that can only be
        // a member cut short.
        if (rc == Z_BUF_ERROR && zs->avail_out == 0) continue;
        if (rc == Z_BUF_ERROR && input_done) return truncated("gzip");
        return corrupt("gzip", zlib_text(rc, *zs.get()));
    }
}

// ---- snappy -----------------------------------------------------------------------------------

// snappy-java's SnappyOutputStream (the Java client's snappy codec) writes this framing rather
// than raw snappy: the magic, then int32 version and int32 minimum compatible version.
constexpr std::array<uint8_t, 8> kXerialMagic = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
constexpr size_t kXerialHeaderSize = kXerialMagic.size() + 8;

Result<Bytes> snappy_compress(BytesView input) {
    // The raw format's preamble is a varint32; a larger input would be silently mislabelled.
    if (input.size() > UINT32_MAX) {
        return Error(es::Errc::invalid_argument, "snappy: input of " +
                                                     std::to_string(input.size()) +
                                                     " bytes exceeds the format's 4 GiB limit");
    }
    Bytes out(snappy::MaxCompressedLength(input.size()));
    size_t size = 0;
    snappy::RawCompress(chars(input), input.size(), reinterpret_cast<char*>(out.data()), &size);
    trim(out, size);
    return out;
}

/// Appends one raw snappy block to `out`. The preamble's declared length is checked against what
/// max_output still allows before anything is allocated, so a 5-byte input claiming 4 GiB costs
/// nothing.
Status snappy_append(BytesView block, size_t max_output, Bytes& out) {
    size_t size = 0;
    if (!snappy::GetUncompressedLength(chars(block), block.size(), &size)) {
        return corrupt("snappy", "invalid length preamble");
    }
    if (size > max_output - out.size()) return too_large("snappy", max_output);
    size_t old_size = out.size();
    out.resize(old_size + size);
    // RawUncompress still needs somewhere valid to point for a zero-length block.
    char scratch = 0;
    char* dest = size == 0 ? &scratch : reinterpret_cast<char*>(out.data() + old_size);
    if (!snappy::RawUncompress(chars(block), block.size(), dest)) {
        return corrupt("snappy", "invalid compressed data");
    }
    return {};
}

Result<Bytes> snappy_decompress(BytesView input, size_t max_output) {
    Bytes out;
    bool xerial = input.size() >= kXerialMagic.size() &&
                  std::memcmp(input.data(), kXerialMagic.data(), kXerialMagic.size()) == 0;
    if (!xerial) {
        ES_CHECK(snappy_append(input, max_output, out));
        return out;
    }
    // The version fields are not checked: every version snappy-java has written uses the same
    // block layout, and librdkafka ignores them too.
    if (input.size() < kXerialHeaderSize) return corrupt("snappy", "truncated xerial header");
    size_t pos = kXerialHeaderSize;
    while (pos < input.size()) {
        if (input.size() - pos < 4) return corrupt("snappy", "truncated xerial block length");
        uint32_t length = load_be32(input.data() + pos);
        pos += 4;
        if (length > input.size() - pos) {
            return corrupt("snappy", "xerial block length " + std::to_string(length) +
                                         " exceeds the " + std::to_string(input.size() - pos) +
                                         " bytes left");
        }
        ES_CHECK(snappy_append(input.subspan(pos, length), max_output, out));
        pos += length;
    }
    return out;
}

// ---- lz4 --------------------------------------------------------------------------------------

struct Lz4DctxDeleter {
    void operator()(LZ4F_dctx* dctx) const { LZ4F_freeDecompressionContext(dctx); }
};
using Lz4Dctx = std::unique_ptr<LZ4F_dctx, Lz4DctxDeleter>;

Result<Bytes> lz4_compress(BytesView input) {
    LZ4F_preferences_t prefs{};
    // Kafka's Java reader (Lz4BlockInputStream) rejects linked blocks, and 64 KiB blocks are what
    // its writer uses, which keeps every consumer's per-block buffer small. No content checksum:
    // the batch CRC already covers the records, and older Java readers never read it.
    prefs.frameInfo.blockMode = LZ4F_blockIndependent;
    prefs.frameInfo.blockSizeID = LZ4F_max64KB;
    Bytes out(LZ4F_compressFrameBound(input.size(), &prefs));
    size_t size =
        LZ4F_compressFrame(out.data(), out.size(), nonnull(input.data()), input.size(), &prefs);
    if (LZ4F_isError(size)) return corrupt("lz4", LZ4F_getErrorName(size));
    trim(out, size);
    return out;
}

Result<Bytes> lz4_decompress(BytesView input, size_t max_output) {
    LZ4F_dctx* raw = nullptr;
    size_t rc = LZ4F_createDecompressionContext(&raw, LZ4F_VERSION);
    Lz4Dctx dctx(raw);
    if (LZ4F_isError(rc)) return corrupt("lz4", LZ4F_getErrorName(rc));

    BoundedOutput out(max_output, input.size());
    size_t pos = 0;
    for (;;) {
        MutableBytesView room = out.room();
        size_t produced = room.size();
        size_t consumed = input.size() - pos;
        size_t hint = LZ4F_decompress(dctx.get(), room.data(), &produced,
                                      nonnull(input.data()) + pos, &consumed, nullptr);
        if (LZ4F_isError(hint)) return corrupt("lz4", LZ4F_getErrorName(hint));
        pos += consumed;
        out.commit(produced);
        if (out.exceeded()) return too_large("lz4", max_output);
        // hint == 0: a frame ended exactly here. More input means another frame follows, which
        // the context is ready for without a reset.
        if (hint == 0 && pos == input.size()) return std::move(out).take();
        if (consumed == 0 && produced == 0) {
            if (pos == input.size()) return truncated("lz4");
            return corrupt("lz4", "decoder made no progress");
        }
    }
}

// ---- zstd -------------------------------------------------------------------------------------

struct ZstdDctxDeleter {
    void operator()(ZSTD_DCtx* dctx) const { ZSTD_freeDCtx(dctx); }
};
using ZstdDctx = std::unique_ptr<ZSTD_DCtx, ZstdDctxDeleter>;

Result<Bytes> zstd_compress(BytesView input) {
    Bytes out(ZSTD_compressBound(input.size()));
    size_t size = ZSTD_compress(out.data(), out.size(), nonnull(input.data()), input.size(),
                                ZSTD_CLEVEL_DEFAULT);
    if (ZSTD_isError(size)) return corrupt("zstd", ZSTD_getErrorName(size));
    trim(out, size);
    return out;
}

Result<Bytes> zstd_decompress(BytesView input, size_t max_output) {
    // The streaming API because zstd-jni's ZstdOutputStream (the Java client) omits the content
    // size from the frame header. The window limit stays at the library default (128 MiB):
    // lowering it would reject frames written at high levels, which declare large windows even
    // for small payloads.
    ZstdDctx dctx(ZSTD_createDCtx());
    if (dctx == nullptr) return corrupt("zstd", "cannot allocate a decompression context");

    BoundedOutput out(max_output, input.size());
    ZSTD_inBuffer in{nonnull(input.data()), input.size(), 0};
    for (;;) {
        MutableBytesView room = out.room();
        ZSTD_outBuffer dest{room.data(), room.size(), 0};
        size_t consumed_before = in.pos;
        size_t rc = ZSTD_decompressStream(dctx.get(), &dest, &in);
        if (ZSTD_isError(rc)) return corrupt("zstd", ZSTD_getErrorName(rc));
        out.commit(dest.pos);
        if (out.exceeded()) return too_large("zstd", max_output);
        // rc == 0: a frame ended and is fully flushed; more input means another frame follows.
        if (rc == 0 && in.pos == in.size) return std::move(out).take();
        // Output room to spare means the decoder flushed all it had; it wants input there is none.
        if (in.pos == in.size && dest.pos < dest.size) return truncated("zstd");
        if (in.pos == consumed_before && dest.pos == 0) {
            return corrupt("zstd", "decoder made no progress");
        }
    }
}

}  // namespace

std::string_view to_string(Compression c) {
    switch (c) {
        case Compression::none:
            return "none";
        case Compression::gzip:
            return "gzip";
        case Compression::snappy:
            return "snappy";
        case Compression::lz4:
            return "lz4";
        case Compression::zstd:
            return "zstd";
    }
    return "unknown";
}

Result<Bytes> compress(Compression codec, BytesView input) {
    switch (codec) {
        case Compression::none:
            return Bytes(input.begin(), input.end());
        case Compression::gzip:
            return gzip_compress(input);
        case Compression::snappy:
            return snappy_compress(input);
        case Compression::lz4:
            return lz4_compress(input);
        case Compression::zstd:
            return zstd_compress(input);
    }
    return unsupported(codec);
}

Result<Bytes> decompress(Compression codec, BytesView input, size_t max_output) {
    if (codec == Compression::none) {
        if (input.size() > max_output) return too_large("none", max_output);
        return Bytes(input.begin(), input.end());
    }
    if (codec > Compression::zstd) return unsupported(codec);
    // Every codec encodes even empty data in at least one byte, so empty input is the ultimate
    // truncation; rejecting it here keeps each decoder off that edge.
    if (input.empty()) return truncated(to_string(codec));
    switch (codec) {
        case Compression::none:
            break;
        case Compression::gzip:
            return gzip_decompress(input, max_output);
        case Compression::snappy:
            return snappy_decompress(input, max_output);
        case Compression::lz4:
            return lz4_decompress(input, max_output);
        case Compression::zstd:
            return zstd_decompress(input, max_output);
    }
    return unsupported(codec);
}

}  // namespace es::model
