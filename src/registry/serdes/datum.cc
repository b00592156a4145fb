#include "registry/serdes/datum.h"

#include "registry/compat/json_text.h"
#include "registry/serdes/errc.h"

#include <nlohmann/json.hpp>

namespace es::registry::serdes {
namespace {

constexpr int kMaxDepth = 64;

Result<Datum> from_json(const nlohmann::json& j, int depth) {
    if (depth > kMaxDepth) {
        return Error(Errc::bad_data, "JSON nested deeper than " + std::to_string(kMaxDepth));
    }
    switch (j.type()) {
        case nlohmann::json::value_t::null:
            return Datum();
        case nlohmann::json::value_t::boolean:
            return Datum::boolean(j.get<bool>());
        case nlohmann::json::value_t::number_integer:
            return Datum::integer(j.get<int64_t>());
        case nlohmann::json::value_t::number_unsigned: {
            uint64_t u = j.get<uint64_t>();
            if (u > static_cast<uint64_t>(INT64_MAX)) return Datum::real(static_cast<double>(u));
            return Datum::integer(static_cast<int64_t>(u));
        }
        case nlohmann::json::value_t::number_float:
            return Datum::real(j.get<double>());
        case nlohmann::json::value_t::string:
            return Datum::string(j.get<std::string>());
        case nlohmann::json::value_t::array: {
            std::vector<Datum> items;
            items.reserve(j.size());
            for (const auto& e : j) {
                ES_TRY(Datum d, from_json(e, depth + 1));
                items.push_back(std::move(d));
            }
            return Datum::list(std::move(items));
        }
        case nlohmann::json::value_t::object: {
            std::vector<Datum::Field> fields;
            fields.reserve(j.size());
            for (const auto& [k, v] : j.items()) {
                ES_TRY(Datum d, from_json(v, depth + 1));
                fields.emplace_back(k, std::move(d));
            }
            return Datum::record(std::move(fields));
        }
        case nlohmann::json::value_t::binary:
        case nlohmann::json::value_t::discarded:
            break;
    }
    return Error(Errc::bad_data, "not a JSON value");
}

nlohmann::json to_json(const Datum& d) {
    switch (d.kind()) {
        case Datum::Kind::null:
            return nullptr;
        case Datum::Kind::boolean:
            return d.as_boolean();
        case Datum::Kind::integer:
            return d.as_integer();
        case Datum::Kind::real:
            return d.as_real();
        case Datum::Kind::string:
            return d.as_text();
        case Datum::Kind::bytes: {
            // Avro's JSON encoding of bytes: one code point per byte.
            std::string utf8;
            for (unsigned char c : d.as_text()) {
                if (c < 0x80) {
                    utf8.push_back(static_cast<char>(c));
                } else {
                    utf8.push_back(static_cast<char>(0xC0 | (c >> 6)));
                    utf8.push_back(static_cast<char>(0x80 | (c & 0x3F)));
                }
            }
            return utf8;
        }
        case Datum::Kind::list: {
            auto out = nlohmann::json::array();
            for (const Datum& e : d.items()) out.push_back(to_json(e));
            return out;
        }
        case Datum::Kind::record: {
            auto out = nlohmann::json::object();
            for (const auto& [name, value] : d.fields()) out[name] = to_json(value);
            return out;
        }
    }
    return nullptr;
}

}  // namespace

Datum Datum::boolean(bool v) {
    Datum d;
    d.kind_ = Kind::boolean;
    d.boolean_ = v;
    return d;
}

Datum Datum::integer(int64_t v) {
    Datum d;
    d.kind_ = Kind::integer;
    d.integer_ = v;
    return d;
}

Datum Datum::real(double v) {
    Datum d;
    d.kind_ = Kind::real;
    d.real_ = v;
    return d;
}

Datum Datum::string(std::string v) {
    Datum d;
    d.kind_ = Kind::string;
    d.text_ = std::move(v);
    return d;
}

Datum Datum::bytes(std::string v) {
    Datum d;
    d.kind_ = Kind::bytes;
    d.text_ = std::move(v);
    return d;
}

Datum Datum::list(std::vector<Datum> items) {
    Datum d;
    d.kind_ = Kind::list;
    d.items_ = std::move(items);
    return d;
}

Datum Datum::record(std::vector<Field> fields) {
    Datum d;
    d.kind_ = Kind::record;
    d.fields_ = std::move(fields);
    return d;
}

const Datum* Datum::field(std::string_view name) const {
    for (auto it = fields_.rbegin(); it != fields_.rend(); ++it) {
        if (it->first == name) return &it->second;
    }
    return nullptr;
}

Datum& Datum::add(std::string name, Datum value) {
    fields_.emplace_back(std::move(name), std::move(value));
    return fields_.back().second;
}

std::string_view to_string(Datum::Kind kind) {
    switch (kind) {
        case Datum::Kind::null:
            return "null";
        case Datum::Kind::boolean:
            return "boolean";
        case Datum::Kind::integer:
            return "integer";
        case Datum::Kind::real:
            return "real";
        case Datum::Kind::string:
            return "string";
        case Datum::Kind::bytes:
            return "bytes";
        case Datum::Kind::list:
            return "list";
        case Datum::Kind::record:
            return "record";
    }
    return "?";
}

Result<Datum> datum_from_json(std::string_view json) {
    // Checked before the parser sees the text, as nlohmann recurses once per level.
    if (Status depth = compat::check_json_depth(json, kMaxDepth); !depth.ok()) {
        return Error(Errc::bad_data, depth.error().message());
    }
    auto j = nlohmann::json::parse(json, nullptr, false);
    if (j.is_discarded()) return Error(Errc::bad_data, "not valid JSON");
    return from_json(j, 0);
}

std::string datum_to_json(const Datum& datum) {
    return to_json(datum).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace es::registry::serdes
