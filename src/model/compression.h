#pragma once

#include "base/bytes.h"
#include "base/result.h"

#include <cstdint>
#include <string_view>

namespace es::model {

/// The codec ids of a record batch's attributes (bits 0-2).
enum class Compression : uint8_t { none = 0, gzip = 1, snappy = 2, lz4 = 3, zstd = 4 };

std::string_view to_string(Compression c);

/// Compresses a record batch's records section the way Kafka clients expect to find it:
/// gzip with a gzip header (zlib), snappy as raw snappy, lz4 in the LZ4 frame format with
/// independent 64 KiB blocks (Kafka's Java reader rejects linked blocks), zstd as a zstd frame.
/// `none` returns a copy. Fails with Errc::unsupported_compression for a codec id outside 0..4;
/// other failures (a codec out of memory, snappy input past 4 GiB) are not expected in practice.
Result<Bytes> compress(Compression codec, BytesView input);

/// Inverse of compress(). Also accepts snappy in the xerial framing the Java client writes, gzip
/// streams of several members, and several concatenated lz4 or zstd frames. Fails with
/// Errc::decompressed_too_large as soon as the output would pass max_output bytes, so a
/// decompression bomb costs at most max_output; with Errc::corrupt_compressed_data when the codec
/// rejects the input, when it ends inside a frame (empty input included), or when bytes follow
/// the last frame that do not start another; with Errc::unsupported_compression for a codec id
/// outside 0..4.
Result<Bytes> decompress(Compression codec, BytesView input, size_t max_output);

}  // namespace es::model
