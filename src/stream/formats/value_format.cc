#include "stream/formats/value_format.h"

#include "registry/serdes/confluent_serde.h"
#include "registry/serdes/errc.h"
#include "stream/api/errc.h"

#include <fmt/format.h>

#include <chrono>
#include <thread>

namespace es::stream::formats {

using registry::compat::SchemaType;
using registry::serdes::Datum;

Result<ValueFormat> read_value_format(const JobParams& params) {
    ValueFormat format;
    const std::string name = params.get("value.format", "json");
    if (name == "avro") {
        format.framed = SchemaType::avro;
    } else if (name == "json-schema") {
        format.framed = SchemaType::json;
    } else if (name == "protobuf") {
        format.framed = SchemaType::protobuf;
    } else if (name != "json") {
        return Error(Errc::invalid_config,
                     "value.format: '" + name + "' is not json, avro, json-schema or protobuf");
    }
    format.registry_url = params.get("schema.registry.url", "");
    if (format.framed && format.registry_url.empty()) {
        return Error(Errc::invalid_config,
                     "value.format " + name + " needs schema.registry.url (http://host:port)");
    }
    return format;
}

std::string format_name(const ValueFormat& format) {
    if (!format.framed) return "json";
    switch (*format.framed) {
        case SchemaType::avro:
            return "avro";
        case SchemaType::json:
            return "json-schema";
        case SchemaType::protobuf:
            return "protobuf";
    }
    return "json";
}

Result<DatumDecoderFn> datum_decoder(const ValueFormat& format) {
    auto registry = registry::serdes::RegistryClient::make(format.registry_url);
    if (!registry.ok()) {
        return Error(Errc::invalid_config, "schema.registry.url: " + registry.error().message());
    }
    registry::serdes::Deserializer deserializer(std::move(registry).value(), format.framed);
    return DatumDecoderFn([deserializer](std::string_view bytes) mutable -> Result<Datum> {
        auto datum = deserializer.decode(bytes);
        // A registry that is restarting should not send a stream of good records to the
        // dead-letter topic: the task waits (about half a minute in all) before giving up.
        for (auto wait = std::chrono::milliseconds(500);
             !datum.ok() && datum.error().code() == registry::serdes::Errc::registry_unavailable &&
             wait <= std::chrono::seconds(16);
             wait *= 2) {
            std::this_thread::sleep_for(wait);
            datum = deserializer.decode(bytes);
        }
        // Every other failure makes the record a bad record (dead-lettered with the reason).
        if (!datum.ok()) return Error(Errc::bad_record, datum.error().message());
        return datum;
    });
}

Status read_datum_fields(const Datum& datum, std::span<const JsonField> fields, const char* type) {
    if (datum.kind() != Datum::Kind::record) {
        return Error(Errc::bad_record,
                     fmt::format("{}: a {}, not a record", type, to_string(datum.kind())));
    }
    for (const JsonField& field : fields) {
        const Datum* value = datum.field(field.name);
        if (!value || value->is_null()) {
            if (field.required) {
                return Error(Errc::bad_record,
                             fmt::format("{}: field '{}' is missing", type, field.name));
            }
            continue;
        }
        auto wrong = [&](const char* wanted) {
            return Error(Errc::bad_record,
                         fmt::format("{}: field '{}' is a {}, not {}", type, field.name,
                                     to_string(value->kind()), wanted));
        };
        if (auto* s = std::get_if<std::string*>(&field.target)) {
            if (value->kind() != Datum::Kind::string) return wrong("a string");
            **s = value->as_text();
        } else if (auto* i = std::get_if<int64_t*>(&field.target)) {
            if (value->kind() != Datum::Kind::integer) return wrong("an integer");
            **i = value->as_integer();
        } else if (auto* d = std::get_if<double*>(&field.target)) {
            if (value->kind() == Datum::Kind::integer) {
                **d = static_cast<double>(value->as_integer());
            } else if (value->kind() == Datum::Kind::real) {
                **d = value->as_real();
            } else {
                return wrong("a number");
            }
        }
    }
    return {};
}

}  // namespace es::stream::formats
