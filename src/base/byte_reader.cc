#include "base/byte_reader.h"

#include "base/varint.h"

#include <bit>
#include <string>

namespace es {

Status ByteReader::need(size_t n) const {
    if (n > remaining()) {
        return Error(Errc::truncated, "need " + std::to_string(n) + " bytes at offset " +
                                          std::to_string(pos_) + ", " +
                                          std::to_string(remaining()) + " left");
    }
    return {};
}

Result<int8_t> ByteReader::read_i8() {
    ES_CHECK(need(1));
    return static_cast<int8_t>(data_[pos_++]);
}

Result<uint8_t> ByteReader::read_u8() {
    ES_CHECK(need(1));
    return data_[pos_++];
}

Result<int16_t> ByteReader::read_i16() {
    ES_TRY(uint16_t v, read_u16());
    return static_cast<int16_t>(v);
}

Result<uint16_t> ByteReader::read_u16() {
    ES_CHECK(need(2));
    uint16_t v = load_be16(data_.data() + pos_);
    pos_ += 2;
    return v;
}

Result<int32_t> ByteReader::read_i32() {
    ES_TRY(uint32_t v, read_u32());
    return static_cast<int32_t>(v);
}

Result<uint32_t> ByteReader::read_u32() {
    ES_CHECK(need(4));
    uint32_t v = load_be32(data_.data() + pos_);
    pos_ += 4;
    return v;
}

Result<int64_t> ByteReader::read_i64() {
    ES_CHECK(need(8));
    auto v = static_cast<int64_t>(load_be64(data_.data() + pos_));
    pos_ += 8;
    return v;
}

Result<double> ByteReader::read_f64() {
    ES_TRY(int64_t bits, read_i64());
    return std::bit_cast<double>(bits);
}

namespace {
Error bad_varint(size_t pos, size_t max_bytes) {
    return Error(Errc::invalid_varint, "at offset " + std::to_string(pos) +
                                           ": unterminated or longer than " +
                                           std::to_string(max_bytes) + " bytes");
}
}  // namespace

Result<int32_t> ByteReader::read_varint() {
    uint64_t raw = 0;
    const uint8_t* p = data_.data() + pos_;
    size_t n = varint::decode_unsigned(p, data_.data() + data_.size(), varint::max_size32, &raw);
    if (n == 0 || raw > UINT32_MAX) return bad_varint(pos_, varint::max_size32);
    pos_ += n;
    return varint::zigzag_decode(static_cast<uint32_t>(raw));
}

Result<int64_t> ByteReader::read_varlong() {
    uint64_t raw = 0;
    const uint8_t* p = data_.data() + pos_;
    size_t n = varint::decode_unsigned(p, data_.data() + data_.size(), varint::max_size64, &raw);
    if (n == 0) return bad_varint(pos_, varint::max_size64);
    pos_ += n;
    return varint::zigzag_decode(raw);
}

Result<uint32_t> ByteReader::read_unsigned_varint() {
    uint64_t raw = 0;
    const uint8_t* p = data_.data() + pos_;
    size_t n = varint::decode_unsigned(p, data_.data() + data_.size(), varint::max_size32, &raw);
    if (n == 0 || raw > UINT32_MAX) return bad_varint(pos_, varint::max_size32);
    pos_ += n;
    return static_cast<uint32_t>(raw);
}

Result<BytesView> ByteReader::read_bytes(size_t n) {
    ES_CHECK(need(n));
    BytesView v = data_.subspan(pos_, n);
    pos_ += n;
    return v;
}

Status ByteReader::skip(size_t n) {
    ES_CHECK(need(n));
    pos_ += n;
    return {};
}

Result<std::optional<size_t>> ByteReader::check_length(int64_t length, bool nullable,
                                                       size_t max_length) const {
    if (length == -1 && nullable) return std::optional<size_t>{};
    if (length < 0) {
        return Error(Errc::invalid_length,
                     "length " + std::to_string(length) + " at offset " + std::to_string(pos_));
    }
    auto n = static_cast<uint64_t>(length);
    if (n > remaining() || n > max_length) {
        return Error(Errc::length_too_large,
                     "length " + std::to_string(length) + " at offset " + std::to_string(pos_) +
                         " with " + std::to_string(remaining()) + " bytes left (limit " +
                         std::to_string(max_length) + ")");
    }
    return std::optional<size_t>(static_cast<size_t>(n));
}

Result<std::optional<BytesView>> ByteReader::read_varint_bytes() {
    ES_TRY(int32_t length, read_varint());
    ES_TRY(std::optional<size_t> n, check_length(length, /*nullable=*/true));
    if (!n) return std::optional<BytesView>{};
    ES_TRY(BytesView b, read_bytes(*n));
    return std::optional<BytesView>(b);
}

void ByteWriter::write_i16(int16_t v) {
    size_t at = reserve(2);
    store_be16(out_.data() + at, static_cast<uint16_t>(v));
}

void ByteWriter::write_i32(int32_t v) { write_u32(static_cast<uint32_t>(v)); }

void ByteWriter::write_u32(uint32_t v) {
    size_t at = reserve(4);
    store_be32(out_.data() + at, v);
}

void ByteWriter::write_i64(int64_t v) {
    size_t at = reserve(8);
    store_be64(out_.data() + at, static_cast<uint64_t>(v));
}

void ByteWriter::write_f64(double v) { write_i64(std::bit_cast<int64_t>(v)); }

void ByteWriter::write_varint(int32_t v) { write_varlong(v); }

void ByteWriter::write_varlong(int64_t v) {
    uint8_t tmp[varint::max_size64];
    size_t n = varint::encode_signed(v, tmp);
    out_.insert(out_.end(), tmp, tmp + n);
}

void ByteWriter::write_unsigned_varint(uint32_t v) {
    uint8_t tmp[varint::max_size64];
    size_t n = varint::encode_unsigned(v, tmp);
    out_.insert(out_.end(), tmp, tmp + n);
}

void ByteWriter::write_varint_bytes(std::optional<BytesView> b) {
    if (!b) {
        write_varint(-1);
        return;
    }
    write_varint(static_cast<int32_t>(b->size()));
    write_bytes(*b);
}

size_t ByteWriter::reserve(size_t n) {
    size_t at = out_.size();
    out_.resize(at + n);
    return at;
}

void ByteWriter::patch_i32(size_t position, int32_t v) {
    patch_u32(position, static_cast<uint32_t>(v));
}

void ByteWriter::patch_u32(size_t position, uint32_t v) { store_be32(out_.data() + position, v); }

}  // namespace es
