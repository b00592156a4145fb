#pragma once

// How values cross a boundary of the engine (Kafka topics, state stores, repartition topics):
// Serde<T> is specialized per type with two static functions,
//
//     static void encode(const T& value, std::string& out);   // appends to out
//     static Result<T> decode(std::string_view bytes);        // Errc::bad_record on bad input
//
// Built in: std::string and Bytes (raw bytes), int32_t/int64_t (big-endian, as Kafka's IntegerSerde
// and LongSerde), double (IEEE-754 big-endian, as DoubleSerde), NoKey (null), std::vector<T>
// (length-prefixed elements) and std::pair. serde_json.h adds JSON for types with nlohmann
// to_json/from_json. Inside a chain of operators values stay typed: no serde runs there.

#include "base/bytes.h"
#include "base/result.h"
#include "stream/api/errc.h"
#include "stream/api/record.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace es::stream {

template <class T>
struct Serde;

/// True when Serde<T> is specialized with both functions.
template <class T>
concept HasSerde = requires(const T& v, std::string& out, std::string_view in) {
    Serde<T>::encode(v, out);
    { Serde<T>::decode(in) } -> std::same_as<Result<T>>;
};

template <class T>
std::string encode_to_string(const T& value) {
    std::string out;
    Serde<T>::encode(value, out);
    return out;
}

namespace serde_detail {

Error bad_size(const char* type, size_t expected, size_t got);
void append_be64(std::string& out, uint64_t v);
uint64_t read_be64(std::string_view in);
void append_varint(std::string& out, uint64_t v);
/// Reads a varint at `pos`, advancing it; false on truncated or overlong input.
bool read_varint(std::string_view in, size_t& pos, uint64_t& v);

}  // namespace serde_detail

template <>
struct Serde<std::string> {
    static void encode(const std::string& v, std::string& out) { out.append(v); }
    static Result<std::string> decode(std::string_view in) { return std::string(in); }
};

template <>
struct Serde<Bytes> {
    static void encode(const Bytes& v, std::string& out) {
        out.append(reinterpret_cast<const char*>(v.data()), v.size());
    }
    static Result<Bytes> decode(std::string_view in) {
        return Bytes(reinterpret_cast<const uint8_t*>(in.data()),
                     reinterpret_cast<const uint8_t*>(in.data()) + in.size());
    }
};

template <>
struct Serde<NoKey> {
    static void encode(const NoKey&, std::string&) {}
    static Result<NoKey> decode(std::string_view) { return NoKey{}; }
};

template <>
struct Serde<int64_t> {
    static void encode(int64_t v, std::string& out) {
        serde_detail::append_be64(out, static_cast<uint64_t>(v));
    }
    static Result<int64_t> decode(std::string_view in) {
        if (in.size() != 8) return serde_detail::bad_size("int64", 8, in.size());
        return static_cast<int64_t>(serde_detail::read_be64(in));
    }
};

template <>
struct Serde<int32_t> {
    static void encode(int32_t v, std::string& out) {
        uint8_t b[4];
        store_be32(b, static_cast<uint32_t>(v));
        out.append(reinterpret_cast<const char*>(b), 4);
    }
    static Result<int32_t> decode(std::string_view in) {
        if (in.size() != 4) return serde_detail::bad_size("int32", 4, in.size());
        return static_cast<int32_t>(load_be32(reinterpret_cast<const uint8_t*>(in.data())));
    }
};

template <>
struct Serde<double> {
    static void encode(double v, std::string& out) {
        uint64_t bits;
        std::memcpy(&bits, &v, 8);
        serde_detail::append_be64(out, bits);
    }
    static Result<double> decode(std::string_view in) {
        if (in.size() != 8) return serde_detail::bad_size("double", 8, in.size());
        uint64_t bits = serde_detail::read_be64(in);
        double v;
        std::memcpy(&v, &bits, 8);
        return v;
    }
};

/// Length-prefixed elements (varint count, then varint length + bytes per element): list state
/// and buffered join sides use it.
template <HasSerde T>
struct Serde<std::vector<T>> {
    static void encode(const std::vector<T>& v, std::string& out) {
        serde_detail::append_varint(out, v.size());
        std::string element;
        for (const T& e : v) {
            element.clear();
            Serde<T>::encode(e, element);
            serde_detail::append_varint(out, element.size());
            out.append(element);
        }
    }
    static Result<std::vector<T>> decode(std::string_view in) {
        size_t pos = 0;
        uint64_t count = 0;
        if (!serde_detail::read_varint(in, pos, count) || count > in.size()) {
            return Error(Errc::bad_record, "list: bad element count");
        }
        std::vector<T> out;
        out.reserve(count);
        for (uint64_t i = 0; i < count; ++i) {
            uint64_t len = 0;
            if (!serde_detail::read_varint(in, pos, len) || len > in.size() - pos) {
                return Error(Errc::bad_record, "list: element length beyond the input");
            }
            ES_TRY(T element, Serde<T>::decode(in.substr(pos, len)));
            out.push_back(std::move(element));
            pos += len;
        }
        if (pos != in.size()) return Error(Errc::bad_record, "list: bytes after the last element");
        return out;
    }
};

/// Binary encoding of a struct's fields, for the Serde of types that only the engine reads back
/// (state stores, repartition topics), where JSON would cost several times the bytes and the
/// time. Fields are written and read in the same order: strings with a varint length, numbers
/// as 8 bytes big-endian. A reader that runs out of bytes stays failed; finish() reports it,
/// and bytes left over, as bad_record.
class FieldWriter {
  public:
    explicit FieldWriter(std::string& out) : out_(out) {}
    FieldWriter& str(std::string_view v) {
        serde_detail::append_varint(out_, v.size());
        out_.append(v);
        return *this;
    }
    FieldWriter& i64(int64_t v) {
        serde_detail::append_be64(out_, static_cast<uint64_t>(v));
        return *this;
    }
    FieldWriter& f64(double v) {
        uint64_t bits;
        std::memcpy(&bits, &v, 8);
        serde_detail::append_be64(out_, bits);
        return *this;
    }
    FieldWriter& u8(uint8_t v) {
        out_.push_back(static_cast<char>(v));
        return *this;
    }

  private:
    std::string& out_;
};

class FieldReader {
  public:
    /// `type` names the decoded type in errors.
    FieldReader(std::string_view in, const char* type) : in_(in), type_(type) {}
    FieldReader& str(std::string& v) {
        uint64_t len = 0;
        if (!ok_ || !serde_detail::read_varint(in_, pos_, len) || len > in_.size() - pos_) {
            ok_ = false;
            return *this;
        }
        v.assign(in_.data() + pos_, len);
        pos_ += len;
        return *this;
    }
    FieldReader& i64(int64_t& v) {
        if (take(8)) v = static_cast<int64_t>(serde_detail::read_be64(in_.substr(pos_ - 8)));
        return *this;
    }
    FieldReader& f64(double& v) {
        if (take(8)) {
            uint64_t bits = serde_detail::read_be64(in_.substr(pos_ - 8));
            std::memcpy(&v, &bits, 8);
        }
        return *this;
    }
    FieldReader& u8(uint8_t& v) {
        if (take(1)) v = static_cast<uint8_t>(in_[pos_ - 1]);
        return *this;
    }
    Status finish() const;

  private:
    bool take(size_t n) {
        if (!ok_ || in_.size() - pos_ < n) {
            ok_ = false;
            return false;
        }
        pos_ += n;
        return true;
    }

    std::string_view in_;
    const char* type_;
    size_t pos_ = 0;
    bool ok_ = true;
};

/// A varint-length-prefixed first, then the second.
template <HasSerde A, HasSerde B>
struct Serde<std::pair<A, B>> {
    static void encode(const std::pair<A, B>& v, std::string& out) {
        std::string first;
        Serde<A>::encode(v.first, first);
        serde_detail::append_varint(out, first.size());
        out.append(first);
        Serde<B>::encode(v.second, out);
    }
    static Result<std::pair<A, B>> decode(std::string_view in) {
        size_t pos = 0;
        uint64_t len = 0;
        if (!serde_detail::read_varint(in, pos, len) || len > in.size() - pos) {
            return Error(Errc::bad_record, "pair: first element length beyond the input");
        }
        ES_TRY(A a, Serde<A>::decode(in.substr(pos, len)));
        ES_TRY(B b, Serde<B>::decode(in.substr(pos + len)));
        return std::pair<A, B>(std::move(a), std::move(b));
    }
};

}  // namespace es::stream
