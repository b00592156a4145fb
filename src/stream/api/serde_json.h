#pragma once

// JSON serde for any type nlohmann::json can convert (to_json/from_json, or
// NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE): specialize Serde<T> as `struct Serde<T> : JsonSerde<T> {}`.
// Included only by jobs that use JSON: nlohmann's header is heavy.

#include "stream/api/serde.h"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace es::stream {

template <class T>
struct JsonSerde {
    static void encode(const T& value, std::string& out) {
        out.append(nlohmann::json(value).dump());
    }
    static Result<T> decode(std::string_view in) {
        auto doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
        if (doc.is_discarded()) return Error(Errc::bad_record, "not valid JSON");
        try {
            return doc.template get<T>();
        } catch (const nlohmann::json::exception& e) {
            // from_json throws on a missing field or a wrong type: a bad record, not a crash.
            return Error(Errc::bad_record,
                         std::string("JSON does not match the type: ") + e.what());
        }
    }
};

template <>
struct Serde<nlohmann::json> {
    static void encode(const nlohmann::json& value, std::string& out) { out.append(value.dump()); }
    static Result<nlohmann::json> decode(std::string_view in) {
        auto doc = nlohmann::json::parse(in, nullptr, false);
        if (doc.is_discarded()) return Error(Errc::bad_record, "not valid JSON");
        return doc;
    }
};

}  // namespace es::stream
