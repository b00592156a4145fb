#pragma once

// How a job's input values are written, chosen by job parameters with Confluent's names:
//
//   value.format          json (plain JSON, the default), avro, json-schema or protobuf
//                         (Confluent-framed, with the schema id of a registry in every value)
//   schema.registry.url   http://host:port, needed by the framed formats
//
// value_decoder<V>() turns a framed value into the struct V through the same field list that
// V's JSON decoding uses (stream/api/json_fields.h), so a job reads Avro, JSON Schema-framed
// JSON and Protobuf without a line of per-format code. Fields are matched by name against the
// writer's schema, as Confluent's generic deserializers hand them out.

#include "base/result.h"
#include "registry/compat/schema.h"
#include "registry/serdes/datum.h"
#include "stream/api/job.h"
#include "stream/api/json_fields.h"
#include "stream/api/ops/io.h"

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace es::stream::formats {

struct ValueFormat {
    /// Empty for plain JSON (Serde<V>), else the schema type of the framed values.
    std::optional<registry::compat::SchemaType> framed;
    std::string registry_url;
};

/// Reads value.format and schema.registry.url. Errc::invalid_config for an unknown format, or
/// a framed format without a registry URL.
Result<ValueFormat> read_value_format(const JobParams& params);

/// "json", "avro", "json-schema", "protobuf".
std::string format_name(const ValueFormat& format);

/// Decodes framed bytes into a Datum; the function owns a Deserializer (copies are
/// independent, one per task). Errc::invalid_config when the registry URL is not usable.
using DatumDecoderFn = std::function<Result<registry::serdes::Datum>(std::string_view bytes)>;
Result<DatumDecoderFn> datum_decoder(const ValueFormat& format);

/// Sets the targets of `fields` from a record Datum, with read_json_object's rules: a string
/// target takes a string (or an enum symbol), an integer target an integer, a number target
/// an integer or a real; a missing or null optional field is left as it is. Errc::bad_record
/// naming `type` and the field otherwise.
Status read_datum_fields(const registry::serdes::Datum& datum, std::span<const JsonField> fields,
                         const char* type);

/// The source decoder for values of V in `format`: empty for plain JSON (the source then uses
/// Serde<V>). `fields(v)` lists V's fields with v's members as targets (as V's JSON Serde does).
template <class V, class FieldsFn>
Result<ops::ValueDecoderFn<V>> value_decoder(const ValueFormat& format, FieldsFn fields,
                                             const char* type) {
    if (!format.framed) return ops::ValueDecoderFn<V>{};
    ES_TRY(DatumDecoderFn decode, datum_decoder(format));
    return ops::ValueDecoderFn<V>(
        [decode = std::move(decode), fields, type](std::string_view bytes) mutable -> Result<V> {
            ES_TRY(registry::serdes::Datum datum, decode(bytes));
            V value;
            const auto list = fields(value);
            ES_CHECK(read_datum_fields(datum, list, type));
            return value;
        });
}

/// For types that decode from JSON with a reader of their own (Nexmark's tagged events): a framed
/// value is turned into JSON text (fields that are null left out, as a union's null stands for
/// an absent field) and Serde<V> reads that. One more encode per record than value_decoder().
template <HasSerde V>
Result<ops::ValueDecoderFn<V>> value_decoder_via_json(const ValueFormat& format) {
    if (!format.framed) return ops::ValueDecoderFn<V>{};
    ES_TRY(DatumDecoderFn decode, datum_decoder(format));
    return ops::ValueDecoderFn<V>(
        [decode = std::move(decode)](std::string_view bytes) mutable -> Result<V> {
            ES_TRY(registry::serdes::Datum datum, decode(bytes));
            std::erase_if(datum.fields(), [](const registry::serdes::Datum::Field& f) {
                return f.second.is_null();
            });
            return Serde<V>::decode(registry::serdes::datum_to_json(datum));
        });
}

}  // namespace es::stream::formats
