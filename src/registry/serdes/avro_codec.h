#pragma once

// Avro binary data through libavro (Apache Avro's C library), for one schema: decoding into a
// Datum and encoding a Datum. libavro stays inside avro_codec.cc.
//
// Decoding uses the writer's schema, as Confluent's deserializers do without a specific reader
// class: the Datum has the writer's fields, and whoever maps it onto a struct picks fields by
// name (libavro's own schema resolution does not fill reader defaults, so it is not used).
//
// Encoding maps the Datum onto the schema: record fields by name (a missing field is null when
// the field's type admits null), integers into int with a range check, long, float or double,
// strings into string or enum, records into records or maps, and a union's branch chosen by the
// value: null for null, else the first branch whose type fits.

#include "base/result.h"
#include "registry/serdes/datum.h"

#include <memory>
#include <string>
#include <string_view>

namespace es::registry::serdes {

/// Runs on: one thread at a time (libavro values are reused between calls); copies share the
/// parsed schema and have their own values, so give each thread a copy.
class AvroCodec {
  public:
    /// Errc::invalid_schema with libavro's message when libavro refuses the schema.
    static Result<AvroCodec> make(std::string_view schema_json);
    AvroCodec(const AvroCodec& other);
    AvroCodec& operator=(const AvroCodec& other);
    AvroCodec(AvroCodec&&) noexcept;
    AvroCodec& operator=(AvroCodec&&) noexcept;
    ~AvroCodec();

    /// Errc::bad_data when the bytes are not one value of the schema (truncated, bytes left
    /// over, a union branch or enum symbol out of range).
    Result<Datum> decode(std::string_view payload);
    /// Appends the binary encoding. Errc::bad_data naming the field path when the Datum does
    /// not fit the schema.
    Status encode(const Datum& datum, std::string& out);

    struct Impl;

  private:
    explicit AvroCodec(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace es::registry::serdes
