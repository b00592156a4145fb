#pragma once

#include "base/bytes.h"
#include "base/errc.h"
#include "base/result.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace es {

/// Reads untrusted bytes. Every read checks what is left first; a length prefix is checked
/// against the bytes left (and against a caller's maximum) before anything is allocated or
/// sliced, so a hostile 2 GB length costs nothing. Integers are big-endian (Kafka's order).
class ByteReader {
  public:
    explicit ByteReader(BytesView data) : data_(data) {}

    size_t position() const { return pos_; }
    size_t remaining() const { return data_.size() - pos_; }
    bool empty() const { return pos_ == data_.size(); }
    /// The bytes not read yet.
    BytesView rest() const { return data_.subspan(pos_); }

    Result<int8_t> read_i8();
    Result<uint8_t> read_u8();
    Result<int16_t> read_i16();
    Result<uint16_t> read_u16();
    Result<int32_t> read_i32();
    Result<uint32_t> read_u32();
    Result<int64_t> read_i64();
    Result<double> read_f64();

    /// Zigzag varints as in record batches: at most 5 (int32) or 10 (int64) bytes.
    Result<int32_t> read_varint();
    Result<int64_t> read_varlong();
    /// Unsigned varint as in flexible protocol versions: at most 5 bytes.
    Result<uint32_t> read_unsigned_varint();

    /// The next n bytes, without copying.
    Result<BytesView> read_bytes(size_t n);
    Status skip(size_t n);

    /// A length that was read from the input: -1 means null when allowed; anything else must be
    /// non-negative, at most what is left and at most max_length.
    Result<std::optional<size_t>> check_length(int64_t length, bool nullable,
                                               size_t max_length = SIZE_MAX) const;

    /// Bytes with a zigzag varint length (record keys, values, header values): -1 is null.
    Result<std::optional<BytesView>> read_varint_bytes();

  private:
    Status need(size_t n) const;

    BytesView data_;
    size_t pos_ = 0;
};

/// A view a ByteWriter left out of its bytes, to be sent from where it is (scatter-gather
/// I/O): it belongs at `position` of the bytes written.
struct Splice {
    size_t position = 0;
    BytesView bytes;
};

/// Appends big-endian integers, varints and bytes to a growing vector.
class ByteWriter {
  public:
    explicit ByteWriter(Bytes& out) : out_(out) {}
    /// Views of at least `min_bytes` given to write_spliceable() are not copied but recorded
    /// in `splices`, in order; the caller keeps what they point into alive.
    ByteWriter(Bytes& out, std::vector<Splice>& splices, size_t min_bytes)
        : out_(out), splices_(&splices), min_splice_(min_bytes) {}

    /// The size of what was written so far, splices left out.
    size_t position() const { return out_.size(); }

    void write_i8(int8_t v) { out_.push_back(static_cast<uint8_t>(v)); }
    void write_u8(uint8_t v) { out_.push_back(v); }
    void write_i16(int16_t v);
    void write_i32(int32_t v);
    void write_u32(uint32_t v);
    void write_i64(int64_t v);
    void write_f64(double v);
    void write_varint(int32_t v);
    void write_varlong(int64_t v);
    void write_unsigned_varint(uint32_t v);
    void write_bytes(BytesView b) { out_.insert(out_.end(), b.begin(), b.end()); }
    /// As write_bytes(), or recorded as a splice when this writer collects them and `b` is
    /// large enough (record sets in a Fetch answer).
    void write_spliceable(BytesView b) {
        if (splices_ && b.size() >= min_splice_) {
            splices_->push_back({out_.size(), b});
        } else {
            write_bytes(b);
        }
    }
    /// Zigzag varint length then the bytes; nullopt is written as length -1.
    void write_varint_bytes(std::optional<BytesView> b);

    /// Reserves n bytes to be filled later with the patch_* calls; returns their position.
    size_t reserve(size_t n);
    void patch_i32(size_t position, int32_t v);
    void patch_u32(size_t position, uint32_t v);

    /// What was written, without the splices (see position()).
    Bytes& bytes() { return out_; }

  private:
    Bytes& out_;
    std::vector<Splice>* splices_ = nullptr;
    size_t min_splice_ = 0;
};

}  // namespace es
