#include "registry/serdes/avro_codec.h"

#include "registry/serdes/errc.h"

#include <avro.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>

namespace es::registry::serdes {
namespace {

std::string avro_error() {
    const char* e = avro_strerror();
    return e && *e ? std::string(e) : std::string("libavro gave no reason");
}

Error bad_data(const std::string& path, std::string what) {
    return Error(Errc::bad_data, path.empty() ? what : path + ": " + what);
}

std::string child_path(const std::string& path, std::string_view name) {
    return path.empty() ? std::string(name) : path + "." + std::string(name);
}

// Reading: a libavro value into a Datum.
Result<Datum> to_datum(avro_value_t& v) {
    switch (avro_value_get_type(&v)) {
        case AVRO_NULL:
            return Datum();
        case AVRO_BOOLEAN: {
            int b = 0;
            avro_value_get_boolean(&v, &b);
            return Datum::boolean(b != 0);
        }
        case AVRO_INT32: {
            int32_t i = 0;
            avro_value_get_int(&v, &i);
            return Datum::integer(i);
        }
        case AVRO_INT64: {
            int64_t i = 0;
            avro_value_get_long(&v, &i);
            return Datum::integer(i);
        }
        case AVRO_FLOAT: {
            float f = 0;
            avro_value_get_float(&v, &f);
            return Datum::real(f);
        }
        case AVRO_DOUBLE: {
            double d = 0;
            avro_value_get_double(&v, &d);
            return Datum::real(d);
        }
        case AVRO_STRING: {
            const char* s = nullptr;
            size_t size = 0;  // counts libavro's terminating NUL
            avro_value_get_string(&v, &s, &size);
            return Datum::string(std::string(s ? s : "", size > 0 ? size - 1 : 0));
        }
        case AVRO_BYTES: {
            const void* b = nullptr;
            size_t size = 0;
            avro_value_get_bytes(&v, &b, &size);
            return Datum::bytes(std::string(static_cast<const char*>(b), size));
        }
        case AVRO_FIXED: {
            const void* b = nullptr;
            size_t size = 0;
            avro_value_get_fixed(&v, &b, &size);
            return Datum::bytes(std::string(static_cast<const char*>(b), size));
        }
        case AVRO_ENUM: {
            int index = 0;
            avro_value_get_enum(&v, &index);
            // libavro reads any index and looks symbols up unchecked: the range check is ours.
            avro_schema_t schema = avro_value_get_schema(&v);
            const char* symbol = index >= 0 && index < avro_schema_enum_number_of_symbols(schema)
                                     ? avro_schema_enum_get(schema, index)
                                     : nullptr;
            if (!symbol) {
                return Error(Errc::bad_data, fmt::format("enum index {} is not a symbol", index));
            }
            return Datum::string(symbol);
        }
        case AVRO_ARRAY:
        case AVRO_MAP:
        case AVRO_RECORD: {
            avro_type_t type = avro_value_get_type(&v);
            size_t n = 0;
            avro_value_get_size(&v, &n);
            Datum out = type == AVRO_ARRAY ? Datum::list() : Datum::record();
            for (size_t i = 0; i < n; ++i) {
                avro_value_t child;
                const char* name = nullptr;
                if (avro_value_get_by_index(&v, i, &child, &name) != 0) {
                    return Error(Errc::bad_data, avro_error());
                }
                ES_TRY(Datum d, to_datum(child));
                if (type == AVRO_ARRAY) {
                    out.items().push_back(std::move(d));
                } else {
                    out.add(name ? name : "", std::move(d));
                }
            }
            return out;
        }
        case AVRO_UNION: {
            avro_value_t branch;
            if (avro_value_get_current_branch(&v, &branch) != 0) {
                return Error(Errc::bad_data, avro_error());
            }
            return to_datum(branch);
        }
        case AVRO_LINK:
            break;
    }
    return Error(Errc::bad_data, "a value of an unknown Avro type");
}

bool fits(avro_type_t type, const Datum& d) {
    switch (d.kind()) {
        case Datum::Kind::null:
            return type == AVRO_NULL;
        case Datum::Kind::boolean:
            return type == AVRO_BOOLEAN;
        case Datum::Kind::integer:
            return type == AVRO_INT32 || type == AVRO_INT64 || type == AVRO_FLOAT ||
                   type == AVRO_DOUBLE;
        case Datum::Kind::real:
            return type == AVRO_FLOAT || type == AVRO_DOUBLE;
        case Datum::Kind::string:
            return type == AVRO_STRING || type == AVRO_ENUM;
        case Datum::Kind::bytes:
            return type == AVRO_BYTES || type == AVRO_FIXED;
        case Datum::Kind::list:
            return type == AVRO_ARRAY;
        case Datum::Kind::record:
            return type == AVRO_RECORD || type == AVRO_MAP;
    }
    return false;
}

std::string_view avro_type_name(avro_type_t type) {
    switch (type) {
        case AVRO_STRING:
            return "string";
        case AVRO_BYTES:
            return "bytes";
        case AVRO_INT32:
            return "int";
        case AVRO_INT64:
            return "long";
        case AVRO_FLOAT:
            return "float";
        case AVRO_DOUBLE:
            return "double";
        case AVRO_BOOLEAN:
            return "boolean";
        case AVRO_NULL:
            return "null";
        case AVRO_RECORD:
            return "record";
        case AVRO_ENUM:
            return "enum";
        case AVRO_FIXED:
            return "fixed";
        case AVRO_MAP:
            return "map";
        case AVRO_ARRAY:
            return "array";
        case AVRO_UNION:
            return "union";
        case AVRO_LINK:
            return "link";
    }
    return "?";
}

Error mismatch(const std::string& path, avro_type_t type, const Datum& d) {
    return bad_data(path, fmt::format("a {} does not fit Avro type {}", to_string(d.kind()),
                                      avro_type_name(type)));
}

Status check(int rc, const std::string& path) {
    if (rc != 0) return bad_data(path, avro_error());
    return {};
}

// Writing: a Datum into a libavro value of the schema.
Status from_datum(const Datum& d, avro_value_t& v, const std::string& path) {
    avro_type_t type = avro_value_get_type(&v);
    if (type == AVRO_UNION) {
        avro_schema_t schema = avro_value_get_schema(&v);
        size_t branches = avro_schema_union_size(schema);
        for (size_t i = 0; i < branches; ++i) {
            avro_schema_t branch_schema = avro_schema_union_branch(schema, static_cast<int>(i));
            if (!fits(avro_typeof(branch_schema), d)) continue;
            avro_value_t branch;
            ES_CHECK(check(avro_value_set_branch(&v, static_cast<int>(i), &branch), path));
            return from_datum(d, branch, path);
        }
        return bad_data(path, fmt::format("a {} fits no branch of the union", to_string(d.kind())));
    }
    if (!fits(type, d)) return mismatch(path, type, d);
    switch (type) {
        case AVRO_NULL:
            return check(avro_value_set_null(&v), path);
        case AVRO_BOOLEAN:
            return check(avro_value_set_boolean(&v, d.as_boolean() ? 1 : 0), path);
        case AVRO_INT32:
            if (d.as_integer() < INT32_MIN || d.as_integer() > INT32_MAX) {
                return bad_data(path, fmt::format("{} is out of range for int", d.as_integer()));
            }
            return check(avro_value_set_int(&v, static_cast<int32_t>(d.as_integer())), path);
        case AVRO_INT64:
            return check(avro_value_set_long(&v, d.as_integer()), path);
        case AVRO_FLOAT:
        case AVRO_DOUBLE: {
            double x =
                d.kind() == Datum::Kind::real ? d.as_real() : static_cast<double>(d.as_integer());
            if (type == AVRO_DOUBLE) return check(avro_value_set_double(&v, x), path);
            return check(avro_value_set_float(&v, static_cast<float>(x)), path);
        }
        case AVRO_STRING:
            // The size counts the terminating NUL that c_str() supplies.
            return check(avro_value_set_string_len(&v, d.as_text().c_str(), d.as_text().size() + 1),
                         path);
        case AVRO_BYTES:
            return check(
                avro_value_set_bytes(&v, const_cast<char*>(d.as_text().data()), d.as_text().size()),
                path);
        case AVRO_FIXED: {
            int64_t size = avro_schema_fixed_size(avro_value_get_schema(&v));
            if (static_cast<int64_t>(d.as_text().size()) != size) {
                return bad_data(
                    path, fmt::format("{} bytes for a fixed of {}", d.as_text().size(), size));
            }
            return check(
                avro_value_set_fixed(&v, const_cast<char*>(d.as_text().data()), d.as_text().size()),
                path);
        }
        case AVRO_ENUM: {
            int index =
                avro_schema_enum_get_by_name(avro_value_get_schema(&v), d.as_text().c_str());
            if (index < 0)
                return bad_data(path, "'" + d.as_text() + "' is not a symbol of the enum");
            return check(avro_value_set_enum(&v, index), path);
        }
        case AVRO_ARRAY:
            for (size_t i = 0; i < d.items().size(); ++i) {
                avro_value_t element;
                std::string element_path = fmt::format("{}[{}]", path, i);
                ES_CHECK(check(avro_value_append(&v, &element, nullptr), element_path));
                ES_CHECK(from_datum(d.items()[i], element, element_path));
            }
            return {};
        case AVRO_MAP:
            for (const auto& [key, value] : d.fields()) {
                avro_value_t element;
                std::string element_path = child_path(path, key);
                ES_CHECK(check(avro_value_add(&v, key.c_str(), &element, nullptr, nullptr),
                               element_path));
                ES_CHECK(from_datum(value, element, element_path));
            }
            return {};
        case AVRO_RECORD: {
            size_t n = 0;
            avro_value_get_size(&v, &n);
            for (size_t i = 0; i < n; ++i) {
                avro_value_t field;
                const char* name = nullptr;
                ES_CHECK(check(avro_value_get_by_index(&v, i, &field, &name), path));
                std::string field_path = child_path(path, name ? name : "");
                const Datum* given = d.field(name ? name : "");
                static const Datum kNull;
                if (!given) {
                    // Only a field that admits null may be left out.
                    Status as_null = from_datum(kNull, field, field_path);
                    if (!as_null.ok()) return bad_data(field_path, "missing");
                    continue;
                }
                ES_CHECK(from_datum(*given, field, field_path));
            }
            return {};
        }
        case AVRO_UNION:
        case AVRO_LINK:
            break;
    }
    return mismatch(path, type, d);
}

// libavro allocates a string's buffer before it reads its bytes and leaks it when they are not
// there, and loops over an array's claimed count even when its items take no bytes: so every
// payload is walked here first, without allocating, and refused unless it is one complete value
// of the schema. Nesting is bounded (recursive schemas would otherwise recurse once per byte).
class PayloadCheck {
  public:
    explicit PayloadCheck(std::string_view in) : in_(in) {}

    Status value(avro_schema_t schema, int depth) {
        if (depth > kMaxDepth) return fail("nested deeper than 64 levels");
        switch (avro_typeof(schema)) {
            case AVRO_NULL:
                return {};
            case AVRO_BOOLEAN:
                return skip(1);
            case AVRO_INT32:
            case AVRO_INT64:
            case AVRO_ENUM: {
                int64_t v = 0;
                return varint(v);
            }
            case AVRO_FLOAT:
                return skip(4);
            case AVRO_DOUBLE:
                return skip(8);
            case AVRO_STRING:
            case AVRO_BYTES: {
                int64_t len = 0;
                ES_CHECK(varint(len));
                if (len < 0) return fail("negative length");
                return skip(static_cast<uint64_t>(len));
            }
            case AVRO_FIXED:
                return skip(static_cast<uint64_t>(avro_schema_fixed_size(schema)));
            case AVRO_UNION: {
                int64_t branch = 0;
                ES_CHECK(varint(branch));
                if (branch < 0 || static_cast<size_t>(branch) >= avro_schema_union_size(schema)) {
                    return fail(fmt::format("union branch {} out of range", branch));
                }
                return value(avro_schema_union_branch(schema, static_cast<int>(branch)), depth + 1);
            }
            case AVRO_RECORD:
                for (size_t i = 0; i < avro_schema_record_size(schema); ++i) {
                    ES_CHECK(
                        value(avro_schema_record_field_get_by_index(schema, static_cast<int>(i)),
                              depth + 1));
                }
                return {};
            case AVRO_ARRAY:
                return blocks(avro_schema_array_items(schema), false, depth);
            case AVRO_MAP:
                return blocks(avro_schema_map_values(schema), true, depth);
            case AVRO_LINK:
                return value(avro_schema_link_target(schema), depth + 1);
        }
        return fail("unknown Avro type");
    }

    bool at_end() const { return pos_ == in_.size(); }

  private:
    static constexpr int kMaxDepth = 64;

    Status blocks(avro_schema_t items, bool keyed, int depth) {
        for (;;) {
            int64_t count = 0;
            ES_CHECK(varint(count));
            if (count == 0) return {};
            if (count < 0) {  // a negative count is followed by the block's size in bytes
                if (count == INT64_MIN) return fail("block count out of range");
                count = -count;
                int64_t size = 0;
                ES_CHECK(varint(size));
            }
            // Items take a byte at least, except null ones: a count beyond the bytes left is
            // a lie either way (no schema worth reading is an array of nulls).
            if (static_cast<uint64_t>(count) > in_.size() - pos_) {
                return fail(
                    fmt::format("a block of {} items in {} bytes", count, in_.size() - pos_));
            }
            for (int64_t i = 0; i < count; ++i) {
                if (keyed) {
                    int64_t len = 0;
                    ES_CHECK(varint(len));
                    if (len < 0) return fail("negative length");
                    ES_CHECK(skip(static_cast<uint64_t>(len)));
                }
                ES_CHECK(value(items, depth + 1));
            }
        }
    }

    Status varint(int64_t& v) {
        uint64_t u = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos_ >= in_.size()) return fail("truncated");
            auto b = static_cast<uint8_t>(in_[pos_++]);
            u |= static_cast<uint64_t>(b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                v = static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
                return {};
            }
        }
        return fail("varint longer than 10 bytes");
    }

    Status skip(uint64_t n) {
        if (n > in_.size() - pos_) return fail("truncated");
        pos_ += n;
        return {};
    }

    Error fail(std::string what) const {
        return Error(
            Errc::bad_data,
            fmt::format("not a value of the writer's Avro schema: {} at byte {}", what, pos_));
    }

    std::string_view in_;
    size_t pos_ = 0;
};

// libavro allocates a string's or array's memory from the length the data claims before it
// reads a byte of it: hostile data claiming 2^62 bytes would ask malloc for that. While a
// payload is being decoded on this thread, no single allocation may exceed a bound derived from
// the payload's size (no value can legitimately outgrow its encoding by that much).
thread_local size_t decode_allocation_limit = 0;  // 0: not decoding

void* bounded_allocator(void*, void* ptr, size_t, size_t nsize) {
    if (nsize == 0) {
        std::free(ptr);
        return nullptr;
    }
    if (decode_allocation_limit != 0 && nsize > decode_allocation_limit) return nullptr;
    return std::realloc(ptr, nsize);
}

void install_bounded_allocator() {
    static std::once_flag once;
    std::call_once(once, [] { avro_set_allocator(bounded_allocator, nullptr); });
}

/// Sets the bound for the decoding in scope.
class DecodeAllocationLimit {
  public:
    explicit DecodeAllocationLimit(size_t payload_size) : previous_(decode_allocation_limit) {
        decode_allocation_limit = std::max<size_t>(payload_size * 64, 1 << 20);
    }
    ~DecodeAllocationLimit() { decode_allocation_limit = previous_; }
    DecodeAllocationLimit(const DecodeAllocationLimit&) = delete;
    DecodeAllocationLimit& operator=(const DecodeAllocationLimit&) = delete;

  private:
    size_t previous_;
};

}  // namespace

struct AvroCodec::Impl {
    std::string text;
    avro_schema_t schema = nullptr;
    avro_value_iface_t* iface = nullptr;
    avro_value_t value{};
    avro_reader_t reader = nullptr;

    ~Impl() {
        if (reader) avro_reader_free(reader);
        if (iface) {
            avro_value_decref(&value);
            avro_value_iface_decref(iface);
        }
        if (schema) avro_schema_decref(schema);
    }
};

Result<AvroCodec> AvroCodec::make(std::string_view schema_json) {
    install_bounded_allocator();
    auto impl = std::make_unique<Impl>();
    impl->text = std::string(schema_json);
    if (avro_schema_from_json_length(impl->text.data(), impl->text.size(), &impl->schema) != 0) {
        impl->schema = nullptr;
        return Error(Errc::invalid_schema, "libavro: " + avro_error());
    }
    impl->iface = avro_generic_class_from_schema(impl->schema);
    if (!impl->iface) return Error(Errc::invalid_schema, "libavro: " + avro_error());
    if (avro_generic_value_new(impl->iface, &impl->value) != 0) {
        avro_value_iface_decref(impl->iface);
        impl->iface = nullptr;
        return Error(Errc::invalid_schema, "libavro: " + avro_error());
    }
    impl->reader = avro_reader_memory(nullptr, 0);
    return AvroCodec(std::move(impl));
}

AvroCodec::AvroCodec(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

AvroCodec::AvroCodec(const AvroCodec& other) {
    // The text parsed once already, so it parses again; each copy has its own libavro objects.
    impl_ = std::move(make(other.impl_->text).value().impl_);
}

AvroCodec& AvroCodec::operator=(const AvroCodec& other) {
    if (this != &other) impl_ = std::move(make(other.impl_->text).value().impl_);
    return *this;
}

AvroCodec::AvroCodec(AvroCodec&&) noexcept = default;
AvroCodec& AvroCodec::operator=(AvroCodec&&) noexcept = default;
AvroCodec::~AvroCodec() = default;

Result<Datum> AvroCodec::decode(std::string_view payload) {
    PayloadCheck check(payload);
    ES_CHECK(check.value(impl_->schema, 0));
    if (!check.at_end()) return Error(Errc::bad_data, "bytes left after the Avro value");
    DecodeAllocationLimit limit(payload.size());
    avro_value_reset(&impl_->value);
    avro_reader_memory_set_source(impl_->reader, payload.data(),
                                  static_cast<int64_t>(payload.size()));
    if (avro_value_read(impl_->reader, &impl_->value) != 0) {
        return Error(Errc::bad_data, "not a value of the writer's Avro schema: " + avro_error());
    }
    // libavro's end-of-input flag is set only by a read that failed: a one-byte read tells.
    char extra = 0;
    if (avro_read(impl_->reader, &extra, 1) == 0) {
        return Error(Errc::bad_data, "bytes left after the Avro value");
    }
    return to_datum(impl_->value);
}

Status AvroCodec::encode(const Datum& datum, std::string& out) {
    avro_value_reset(&impl_->value);
    ES_CHECK(from_datum(datum, impl_->value, ""));
    size_t size = 0;
    if (avro_value_sizeof(&impl_->value, &size) != 0) return Error(Errc::bad_data, avro_error());
    size_t start = out.size();
    out.resize(start + size);
    avro_writer_t writer = avro_writer_memory(out.data() + start, static_cast<int64_t>(size));
    int rc = avro_value_write(writer, &impl_->value);
    avro_writer_free(writer);
    if (rc != 0) {
        out.resize(start);
        return Error(Errc::bad_data, avro_error());
    }
    return {};
}

}  // namespace es::registry::serdes
