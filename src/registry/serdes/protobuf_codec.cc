#include "registry/serdes/protobuf_codec.h"

#include "registry/compat/protobuf_descriptors.h"
#include "registry/serdes/errc.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/message.h>
#include <google/protobuf/stubs/logging.h>

#include <algorithm>
#include <cfloat>
#include <charconv>
#include <climits>
#include <cmath>
#include <map>
#include <unordered_map>
#include <variant>

namespace es::registry::serdes {

namespace pb = google::protobuf;

namespace {

// libprotobuf's default parse recursion limit: a deeper Datum would make a message no reader
// accepts, and the limit bounds the recursion of writing.
constexpr int kMaxDepth = 100;

Error bad_data(const std::string& path, std::string what) {
    return Error(Errc::bad_data, path.empty() ? what : path + ": " + what);
}

std::string child_path(const std::string& path, std::string_view name) {
    return path.empty() ? std::string(name) : path + "." + std::string(name);
}

bool is_group(const pb::Descriptor& d) {
    const pb::Descriptor* parent = d.containing_type();
    if (parent == nullptr) return false;
    for (int i = 0; i < parent->field_count(); ++i) {
        const pb::FieldDescriptor* f = parent->field(i);
        if (f->type() == pb::FieldDescriptor::TYPE_GROUP && f->message_type() == &d) return true;
    }
    return false;
}

/// Nested messages as Confluent counts them for message indexes: it indexes the .proto source,
/// where map entries and groups are no nested message declarations.
std::vector<const pb::Descriptor*> declared_nested(const pb::Descriptor& d) {
    std::vector<const pb::Descriptor*> out;
    for (int i = 0; i < d.nested_type_count(); ++i) {
        const pb::Descriptor* nested = d.nested_type(i);
        if (!nested->options().map_entry() && !is_group(*nested)) out.push_back(nested);
    }
    return out;
}

/// What libprotobuf's parser demands of proto3 strings (no overlongs, surrogates or code
/// points past U+10FFFF); checked before writing because libprotobuf would only log it.
bool valid_utf8(std::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<uint8_t>(s[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        size_t n = 0;
        uint32_t cp = 0;
        uint32_t min = 0;
        if ((c & 0xE0) == 0xC0) {
            n = 1, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (s.size() - i <= n) return false;
        for (size_t k = 1; k <= n; ++k) {
            auto b = static_cast<uint8_t>(s[i + k]);
            if ((b & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (b & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += n + 1;
    }
    return true;
}

bool is_proto3(const pb::FileDescriptor* file) {
    return file->syntax() == pb::FileDescriptor::SYNTAX_PROTO3;
}

std::string key_text(const Datum& key) {
    switch (key.kind()) {
        case Datum::Kind::integer:
            return std::to_string(key.as_integer());
        case Datum::Kind::boolean:
            return key.as_boolean() ? "true" : "false";
        default:
            return key.as_text();
    }
}

bool key_less(const Datum& a, const Datum& b) {
    switch (a.kind()) {
        case Datum::Kind::integer:
            return a.as_integer() < b.as_integer();
        case Datum::Kind::boolean:
            return a.as_boolean() < b.as_boolean();
        default:
            return a.as_text() < b.as_text();
    }
}

/// A map key parsed from its text, ordered as libprotobuf's deterministic serialization
/// orders keys (each map has one alternative).
using MapKey = std::variant<int64_t, uint64_t, bool, std::string>;

template <class T>
bool parse_number(std::string_view text, T& out) {
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, out);
    return ec == std::errc() && ptr == end && !text.empty();
}

Result<MapKey> parse_key(std::string_view text, const pb::FieldDescriptor& f,
                         const std::string& path) {
    auto refuse = [&] {
        return bad_data(path, fmt::format("map key '{}' is not a {}", text, f.type_name()));
    };
    switch (f.cpp_type()) {
        case pb::FieldDescriptor::CPPTYPE_STRING:
            return MapKey(std::string(text));
        case pb::FieldDescriptor::CPPTYPE_BOOL:
            if (text == "true") return MapKey(true);
            if (text == "false") return MapKey(false);
            return refuse();
        case pb::FieldDescriptor::CPPTYPE_INT32:
        case pb::FieldDescriptor::CPPTYPE_INT64: {
            int64_t v = 0;
            if (!parse_number(text, v)) return refuse();
            if (f.cpp_type() == pb::FieldDescriptor::CPPTYPE_INT32 &&
                (v < INT32_MIN || v > INT32_MAX))
                return refuse();
            return MapKey(v);
        }
        case pb::FieldDescriptor::CPPTYPE_UINT32:
        case pb::FieldDescriptor::CPPTYPE_UINT64: {
            uint64_t v = 0;
            if (!parse_number(text, v)) return refuse();
            if (f.cpp_type() == pb::FieldDescriptor::CPPTYPE_UINT32 && v > UINT32_MAX)
                return refuse();
            return MapKey(v);
        }
        default:
            break;
    }
    return refuse();  // .proto rules allow no other key types
}

void set_key(const MapKey& key, pb::Message& entry, const pb::FieldDescriptor& f) {
    const pb::Reflection* r = entry.GetReflection();
    switch (f.cpp_type()) {
        case pb::FieldDescriptor::CPPTYPE_STRING:
            r->SetString(&entry, &f, std::get<std::string>(key));
            break;
        case pb::FieldDescriptor::CPPTYPE_BOOL:
            r->SetBool(&entry, &f, std::get<bool>(key));
            break;
        case pb::FieldDescriptor::CPPTYPE_INT32:
            r->SetInt32(&entry, &f, static_cast<int32_t>(std::get<int64_t>(key)));
            break;
        case pb::FieldDescriptor::CPPTYPE_INT64:
            r->SetInt64(&entry, &f, std::get<int64_t>(key));
            break;
        case pb::FieldDescriptor::CPPTYPE_UINT32:
            r->SetUInt32(&entry, &f, static_cast<uint32_t>(std::get<uint64_t>(key)));
            break;
        case pb::FieldDescriptor::CPPTYPE_UINT64:
            r->SetUInt64(&entry, &f, std::get<uint64_t>(key));
            break;
        default:
            break;
    }
}

}  // namespace

struct ProtobufCodec::Impl {
    std::string text;
    std::vector<compat::SchemaReference> refs;
    compat::ProtobufDescriptors descriptors;
    // Declared after the pool and before the messages: messages die first, the pool last.
    std::unique_ptr<pb::DynamicMessageFactory> factory;
    std::unordered_map<const pb::Descriptor*, std::unique_ptr<pb::Message>> messages;
    std::unordered_map<const pb::Descriptor*, std::vector<const pb::FieldDescriptor*>> by_number;

    const pb::FileDescriptor& file() const { return *descriptors.file; }

    pb::Message& message(const pb::Descriptor* d) {
        auto& slot = messages[d];
        if (!slot) slot.reset(factory->GetPrototype(d)->New());
        return *slot;
    }

    const std::vector<const pb::FieldDescriptor*>& fields_by_number(const pb::Descriptor* d) {
        auto& fields = by_number[d];
        if (fields.empty() && d->field_count() > 0) {
            for (int i = 0; i < d->field_count(); ++i) fields.push_back(d->field(i));
            std::sort(fields.begin(), fields.end(),
                      [](const auto* a, const auto* b) { return a->number() < b->number(); });
        }
        return fields;
    }

    Result<const pb::Descriptor*> by_indexes(std::span<const int32_t> indexes) const {
        static constexpr int32_t kFirst[] = {0};
        if (indexes.empty()) indexes = kFirst;
        auto refuse = [&](std::string why) {
            return Error(Errc::bad_data,
                         fmt::format("message indexes [{}]: {}", fmt::join(indexes, ", "), why));
        };
        int32_t top = indexes[0];
        if (top < 0 || top >= file().message_type_count()) {
            return refuse(
                fmt::format("the schema has {} top-level messages", file().message_type_count()));
        }
        const pb::Descriptor* d = file().message_type(top);
        for (size_t i = 1; i < indexes.size(); ++i) {
            std::vector<const pb::Descriptor*> nested = declared_nested(*d);
            if (indexes[i] < 0 || static_cast<size_t>(indexes[i]) >= nested.size()) {
                return refuse(
                    fmt::format("{} has {} nested messages", d->full_name(), nested.size()));
            }
            d = nested[static_cast<size_t>(indexes[i])];
        }
        return d;
    }

    Result<const pb::Descriptor*> by_name(std::string_view name) const {
        if (name.empty()) {
            if (file().message_type_count() == 0) {
                return Error(Errc::invalid_schema, "the schema declares no message");
            }
            return file().message_type(0);
        }
        std::string_view full = name.front() == '.' ? name.substr(1) : name;
        const pb::Descriptor* d = descriptors.pool->FindMessageTypeByName(std::string(full));
        if (d == nullptr && !file().package().empty()) {
            d = descriptors.pool->FindMessageTypeByName(file().package() + "." + std::string(full));
        }
        // Message indexes reach only the schema's own file, and only declared messages.
        if (d == nullptr || d->file() != &file() || d->options().map_entry() || is_group(*d)) {
            return Error(Errc::invalid_schema,
                         fmt::format("the schema declares no message '{}'", name));
        }
        return d;
    }

    // Reading. Recursion follows the parsed message, which libprotobuf's parser bounds.

    Result<Datum> read_message(const pb::Message& m, const std::string& path) {
        const pb::Reflection* r = m.GetReflection();
        Datum out = Datum::record();
        for (const pb::FieldDescriptor* f : fields_by_number(m.GetDescriptor())) {
            if (f->real_containing_oneof() != nullptr && !r->HasField(m, f)) continue;
            ES_TRY(Datum value, read_field(m, f, child_path(path, f->name())));
            out.add(f->name(), std::move(value));
        }
        return out;
    }

    Result<Datum> read_field(const pb::Message& m, const pb::FieldDescriptor* f,
                             const std::string& path) {
        const pb::Reflection* r = m.GetReflection();
        if (f->is_map()) {
            const pb::FieldDescriptor* key_field = f->message_type()->map_key();
            const pb::FieldDescriptor* value_field = f->message_type()->map_value();
            int n = r->FieldSize(m, f);
            std::vector<std::pair<Datum, Datum>> entries;
            entries.reserve(static_cast<size_t>(n));
            for (int i = 0; i < n; ++i) {
                const pb::Message& entry = r->GetRepeatedMessage(m, f, i);
                ES_TRY(Datum key, read_value(entry, key_field, -1, path));
                std::string entry_path = path + "[" + key_text(key) + "]";
                ES_TRY(Datum value, read_value(entry, value_field, -1, entry_path));
                entries.emplace_back(std::move(key), std::move(value));
            }
            // libprotobuf keeps maps hashed: key order makes equal maps equal Datums.
            std::sort(entries.begin(), entries.end(),
                      [](const auto& a, const auto& b) { return key_less(a.first, b.first); });
            Datum out = Datum::record();
            for (auto& [key, value] : entries) out.add(key_text(key), std::move(value));
            return out;
        }
        if (f->is_repeated()) {
            int n = r->FieldSize(m, f);
            std::vector<Datum> items;
            items.reserve(static_cast<size_t>(n));
            for (int i = 0; i < n; ++i) {
                ES_TRY(Datum item, read_value(m, f, i, fmt::format("{}[{}]", path, i)));
                items.push_back(std::move(item));
            }
            return Datum::list(std::move(items));
        }
        if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE && !r->HasField(m, f)) {
            return Datum();
        }
        return read_value(m, f, -1, path);
    }

    /// The singular value when `index` < 0, else element `index` of a repeated field.
    Result<Datum> read_value(const pb::Message& m, const pb::FieldDescriptor* f, int index,
                             const std::string& path) {
        const pb::Reflection* r = m.GetReflection();
        const bool element = index >= 0;
        switch (f->cpp_type()) {
            case pb::FieldDescriptor::CPPTYPE_INT32:
                return Datum::integer(element ? r->GetRepeatedInt32(m, f, index)
                                              : r->GetInt32(m, f));
            case pb::FieldDescriptor::CPPTYPE_INT64:
                return Datum::integer(element ? r->GetRepeatedInt64(m, f, index)
                                              : r->GetInt64(m, f));
            case pb::FieldDescriptor::CPPTYPE_UINT32:
                return Datum::integer(element ? r->GetRepeatedUInt32(m, f, index)
                                              : r->GetUInt32(m, f));
            case pb::FieldDescriptor::CPPTYPE_UINT64: {
                uint64_t v = element ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f);
                if (v > static_cast<uint64_t>(INT64_MAX)) {
                    return bad_data(path, fmt::format("{} {} does not fit a 64-bit signed integer",
                                                      f->type_name(), v));
                }
                return Datum::integer(static_cast<int64_t>(v));
            }
            case pb::FieldDescriptor::CPPTYPE_DOUBLE:
                return Datum::real(element ? r->GetRepeatedDouble(m, f, index)
                                           : r->GetDouble(m, f));
            case pb::FieldDescriptor::CPPTYPE_FLOAT:
                return Datum::real(static_cast<double>(element ? r->GetRepeatedFloat(m, f, index)
                                                               : r->GetFloat(m, f)));
            case pb::FieldDescriptor::CPPTYPE_BOOL:
                return Datum::boolean(element ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f));
            case pb::FieldDescriptor::CPPTYPE_ENUM: {
                int number = element ? r->GetRepeatedEnumValue(m, f, index) : r->GetEnumValue(m, f);
                const pb::EnumValueDescriptor* value = f->enum_type()->FindValueByNumber(number);
                return value != nullptr ? Datum::string(value->name()) : Datum::integer(number);
            }
            case pb::FieldDescriptor::CPPTYPE_STRING: {
                std::string scratch;
                const std::string& s = element
                                           ? r->GetRepeatedStringReference(m, f, index, &scratch)
                                           : r->GetStringReference(m, f, &scratch);
                return f->type() == pb::FieldDescriptor::TYPE_BYTES ? Datum::bytes(s)
                                                                    : Datum::string(s);
            }
            case pb::FieldDescriptor::CPPTYPE_MESSAGE:
                return read_message(
                    element ? r->GetRepeatedMessage(m, f, index) : r->GetMessage(m, f), path);
        }
        return bad_data(path, "a field of an unknown Protobuf type");
    }

    // Writing.

    Status write_message(const Datum& d, pb::Message& m, const std::string& path, int depth) {
        const pb::Descriptor* descriptor = m.GetDescriptor();
        if (depth > kMaxDepth) {
            return bad_data(path, fmt::format("nested deeper than {} messages", kMaxDepth));
        }
        if (d.kind() != Datum::Kind::record) {
            return bad_data(path, fmt::format("a {} does not fit message {}", to_string(d.kind()),
                                              descriptor->full_name()));
        }
        std::vector<std::string_view> unknown;
        for (const auto& [name, value] : d.fields()) {
            if (descriptor->FindFieldByName(name) == nullptr &&
                std::find(unknown.begin(), unknown.end(), name) == unknown.end()) {
                unknown.push_back(name);
            }
        }
        if (!unknown.empty()) {
            return bad_data(path, fmt::format("message {} has no field {}", descriptor->full_name(),
                                              fmt::join(unknown, ", ")));
        }
        std::map<const pb::OneofDescriptor*, std::string_view> oneofs_set;
        for (const auto& [name, value] : d.fields()) {
            if (d.field(name) != &value) continue;  // the last one counts, as Datum::field reads
            const pb::FieldDescriptor* f = descriptor->FindFieldByName(name);
            if (const auto* oneof = f->real_containing_oneof(); oneof && !value.is_null()) {
                auto [it, first] = oneofs_set.emplace(oneof, name);
                if (!first) {
                    return bad_data(path, fmt::format("{} and {} of oneof {} are both set",
                                                      it->second, name, oneof->name()));
                }
            }
            ES_CHECK(write_field(value, m, f, child_path(path, name), depth));
        }
        return {};
    }

    Status write_field(const Datum& d, pb::Message& m, const pb::FieldDescriptor* f,
                       const std::string& path, int depth) {
        if (d.is_null()) return {};
        const pb::Reflection* r = m.GetReflection();
        if (f->is_map()) {
            if (d.kind() != Datum::Kind::record) {
                return bad_data(path, fmt::format("a {} does not fit a map (a record of entries)",
                                                  to_string(d.kind())));
            }
            const pb::FieldDescriptor* key_field = f->message_type()->map_key();
            const pb::FieldDescriptor* value_field = f->message_type()->map_value();
            std::vector<std::pair<MapKey, const Datum::Field*>> entries;
            entries.reserve(d.fields().size());
            for (const Datum::Field& field : d.fields()) {
                ES_TRY(MapKey key, parse_key(field.first, *key_field, path));
                entries.emplace_back(std::move(key), &field);
            }
            // Key order, as deterministic serialization writes maps; of equal keys ("1" and
            // "01", or a name given twice) the last counts.
            std::stable_sort(entries.begin(), entries.end(),
                             [](const auto& a, const auto& b) { return a.first < b.first; });
            for (size_t i = 0; i < entries.size(); ++i) {
                if (i + 1 < entries.size() && entries[i + 1].first == entries[i].first) continue;
                const auto& [name, value] = *entries[i].second;
                pb::Message* entry = r->AddMessage(&m, f, factory.get());
                set_key(entries[i].first, *entry, *key_field);
                ES_CHECK(
                    write_field(value, *entry, value_field, path + "[" + name + "]", depth + 1));
            }
            return {};
        }
        if (f->is_repeated()) {
            if (d.kind() != Datum::Kind::list) {
                return bad_data(path, fmt::format("a {} does not fit a repeated field (a list)",
                                                  to_string(d.kind())));
            }
            for (size_t i = 0; i < d.items().size(); ++i) {
                std::string item_path = fmt::format("{}[{}]", path, i);
                if (d.items()[i].is_null()) {
                    return bad_data(item_path, "null cannot be an element of a repeated field");
                }
                ES_CHECK(write_value(d.items()[i], m, f, true, item_path, depth));
            }
            return {};
        }
        return write_value(d, m, f, false, path, depth);
    }

    /// Sets the singular field, or adds an element when `add`.
    Status write_value(const Datum& d, pb::Message& m, const pb::FieldDescriptor* f, bool add,
                       const std::string& path, int depth) {
        const pb::Reflection* r = m.GetReflection();
        auto mismatch = [&] {
            return bad_data(path, fmt::format("a {} does not fit Protobuf type {}",
                                              to_string(d.kind()), f->type_name()));
        };
        auto out_of_range = [&] {
            return bad_data(
                path, fmt::format("{} is out of range for {}", d.as_integer(), f->type_name()));
        };
        const bool integer = d.kind() == Datum::Kind::integer;
        switch (f->cpp_type()) {
            case pb::FieldDescriptor::CPPTYPE_INT32: {
                if (!integer) return mismatch();
                if (d.as_integer() < INT32_MIN || d.as_integer() > INT32_MAX) {
                    return out_of_range();
                }
                auto v = static_cast<int32_t>(d.as_integer());
                add ? r->AddInt32(&m, f, v) : r->SetInt32(&m, f, v);
                return {};
            }
            case pb::FieldDescriptor::CPPTYPE_INT64:
                if (!integer) return mismatch();
                add ? r->AddInt64(&m, f, d.as_integer()) : r->SetInt64(&m, f, d.as_integer());
                return {};
            case pb::FieldDescriptor::CPPTYPE_UINT32: {
                if (!integer) return mismatch();
                if (d.as_integer() < 0 || d.as_integer() > UINT32_MAX) return out_of_range();
                auto v = static_cast<uint32_t>(d.as_integer());
                add ? r->AddUInt32(&m, f, v) : r->SetUInt32(&m, f, v);
                return {};
            }
            case pb::FieldDescriptor::CPPTYPE_UINT64: {
                if (!integer) return mismatch();
                if (d.as_integer() < 0) return out_of_range();
                auto v = static_cast<uint64_t>(d.as_integer());
                add ? r->AddUInt64(&m, f, v) : r->SetUInt64(&m, f, v);
                return {};
            }
            case pb::FieldDescriptor::CPPTYPE_DOUBLE:
            case pb::FieldDescriptor::CPPTYPE_FLOAT: {
                if (!integer && d.kind() != Datum::Kind::real) return mismatch();
                double x = integer ? static_cast<double>(d.as_integer()) : d.as_real();
                if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_DOUBLE) {
                    add ? r->AddDouble(&m, f, x) : r->SetDouble(&m, f, x);
                    return {};
                }
                if (std::isfinite(x) && std::fabs(x) > FLT_MAX) {
                    return bad_data(path, fmt::format("{} is out of range for float", x));
                }
                auto v = static_cast<float>(x);
                add ? r->AddFloat(&m, f, v) : r->SetFloat(&m, f, v);
                return {};
            }
            case pb::FieldDescriptor::CPPTYPE_BOOL:
                if (d.kind() != Datum::Kind::boolean) return mismatch();
                add ? r->AddBool(&m, f, d.as_boolean()) : r->SetBool(&m, f, d.as_boolean());
                return {};
            case pb::FieldDescriptor::CPPTYPE_ENUM: {
                const pb::EnumDescriptor* type = f->enum_type();
                int number = 0;
                if (d.kind() == Datum::Kind::string) {
                    const pb::EnumValueDescriptor* value = type->FindValueByName(d.as_text());
                    if (value == nullptr) {
                        return bad_data(path, fmt::format("'{}' is not a symbol of enum {}",
                                                          d.as_text(), type->full_name()));
                    }
                    number = value->number();
                } else if (integer) {
                    if (d.as_integer() < INT32_MIN || d.as_integer() > INT32_MAX) {
                        return out_of_range();
                    }
                    number = static_cast<int>(d.as_integer());
                    // proto2 enums are closed: libprotobuf would move the number to unknown
                    // fields, silently.
                    if (type->FindValueByNumber(number) == nullptr && !is_proto3(type->file())) {
                        return bad_data(path, fmt::format("{} is not a number of enum {}", number,
                                                          type->full_name()));
                    }
                } else {
                    return mismatch();
                }
                add ? r->AddEnumValue(&m, f, number) : r->SetEnumValue(&m, f, number);
                return {};
            }
            case pb::FieldDescriptor::CPPTYPE_STRING: {
                const bool bytes = f->type() == pb::FieldDescriptor::TYPE_BYTES;
                if (d.kind() != (bytes ? Datum::Kind::bytes : Datum::Kind::string)) {
                    return mismatch();
                }
                if (!bytes && is_proto3(f->file()) && !valid_utf8(d.as_text())) {
                    return bad_data(path, "not valid UTF-8, which proto3 strings must be");
                }
                add ? r->AddString(&m, f, d.as_text()) : r->SetString(&m, f, d.as_text());
                return {};
            }
            case pb::FieldDescriptor::CPPTYPE_MESSAGE: {
                pb::Message* sub = add ? r->AddMessage(&m, f, factory.get())
                                       : r->MutableMessage(&m, f, factory.get());
                return write_message(d, *sub, path, depth + 1);
            }
        }
        return mismatch();
    }
};

Result<ProtobufCodec> ProtobufCodec::make(std::string_view text,
                                          const std::vector<compat::SchemaReference>& refs) {
    compat::ProtobufReferences imports;
    for (const compat::SchemaReference& r : refs) imports.insert_or_assign(r.name, r.text);
    auto descriptors = compat::build_protobuf_descriptors(text, imports);
    if (!descriptors.ok()) return Error(Errc::invalid_schema, descriptors.error().message());
    auto impl = std::make_unique<Impl>();
    impl->text = std::string(text);
    impl->refs = refs;
    impl->descriptors = std::move(descriptors).value();
    impl->factory = std::make_unique<pb::DynamicMessageFactory>(impl->descriptors.pool.get());
    return ProtobufCodec(std::move(impl));
}

ProtobufCodec::ProtobufCodec(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ProtobufCodec::ProtobufCodec(const ProtobufCodec& other) {
    // The text validated once already, so it builds again; each copy has its own pool.
    impl_ = std::move(make(other.impl_->text, other.impl_->refs).value().impl_);
}

ProtobufCodec& ProtobufCodec::operator=(const ProtobufCodec& other) {
    if (this != &other) impl_ = std::move(make(other.impl_->text, other.impl_->refs).value().impl_);
    return *this;
}

ProtobufCodec::ProtobufCodec(ProtobufCodec&&) noexcept = default;
ProtobufCodec& ProtobufCodec::operator=(ProtobufCodec&&) noexcept = default;
ProtobufCodec::~ProtobufCodec() = default;

Result<Datum> ProtobufCodec::decode(std::span<const int32_t> message_indexes,
                                    std::string_view payload) {
    ES_TRY(const pb::Descriptor* descriptor, impl_->by_indexes(message_indexes));
    if (payload.size() > static_cast<size_t>(INT_MAX)) {
        return Error(Errc::bad_data, "a Protobuf message cannot be 2 GiB or larger");
    }
    pb::Message& m = impl_->message(descriptor);
    bool parsed = false;
    {
        // libprotobuf logs some refusals (invalid UTF-8 in a proto3 string) to stderr; bad
        // records are reported through the Result, and one log line per hostile record is
        // what the stream engine must not get. Fatal logs are never silenced.
        pb::LogSilencer quiet;
        // Partial, so that missing required fields get their own message below.
        parsed = m.ParsePartialFromArray(payload.data(), static_cast<int>(payload.size()));
    }
    if (!parsed) {
        return Error(Errc::bad_data,
                     fmt::format("not a {} message: libprotobuf refuses the bytes (truncated, a "
                                 "wire type or length that does not fit, invalid UTF-8 in a "
                                 "proto3 string, or nested deeper than 100)",
                                 descriptor->full_name()));
    }
    if (!m.IsInitialized()) {
        return Error(Errc::bad_data,
                     fmt::format("{} message without required fields: {}", descriptor->full_name(),
                                 m.InitializationErrorString()));
    }
    return impl_->read_message(m, "");
}

Result<std::vector<int32_t>> ProtobufCodec::message_indexes(std::string_view full_name) const {
    ES_TRY(const pb::Descriptor* d, impl_->by_name(full_name));
    std::vector<int32_t> indexes;
    for (const pb::Descriptor* parent = d->containing_type(); parent != nullptr;
         parent = d->containing_type()) {
        std::vector<const pb::Descriptor*> nested = declared_nested(*parent);
        auto at = std::find(nested.begin(), nested.end(), d);
        indexes.push_back(static_cast<int32_t>(at - nested.begin()));
        d = parent;
    }
    indexes.push_back(d->index());
    std::reverse(indexes.begin(), indexes.end());
    return indexes;
}

Status ProtobufCodec::encode(std::string_view full_name, const Datum& datum, std::string& out) {
    ES_TRY(const pb::Descriptor* descriptor, impl_->by_name(full_name));
    pb::Message& m = impl_->message(descriptor);
    m.Clear();
    ES_CHECK(impl_->write_message(datum, m, "", 0));
    if (!m.IsInitialized()) {
        return Error(Errc::bad_data, "missing required fields: " + m.InitializationErrorString());
    }
    size_t start = out.size();
    bool written = false;
    {
        pb::io::StringOutputStream stream(&out);
        pb::io::CodedOutputStream coded(&stream);
        coded.SetSerializationDeterministic(true);
        written = m.SerializePartialToCodedStream(&coded) && !coded.HadError();
    }
    if (!written) {
        out.resize(start);
        return Error(Errc::bad_data, "the encoded message would be 2 GiB or larger");
    }
    return {};
}

}  // namespace es::registry::serdes
