#pragma once

// Protobuf binary data for one schema (.proto text and its references), through libprotobuf's
// DynamicMessage and reflection: decoding into a Datum and encoding a Datum, as Confluent's
// KafkaProtobufDeserializer / KafkaProtobufSerializer do with DynamicMessage. The descriptors
// come from registry/compat (build_protobuf_descriptors), so a schema reads exactly as the
// registry validated it. libprotobuf stays inside protobuf_codec.cc.
//
// Message indexes follow Confluent: the first index counts the file's top-level messages, each
// further index the nested messages declared inside the previous one. Like Confluent (which
// indexes the .proto source, not descriptors) the count skips the entry messages synthesized
// for map fields and proto2 groups.
//
// Datum mapping: a message is a record of its fields by proto name in field-number order.
// Singular scalars outside oneofs are always present (unset: proto3 zero or proto2 default, as
// DynamicMessage.getField gives them); an unset message field is null; of a oneof only the set
// field appears. Repeated fields are lists; map<k, v> is a record keyed by the key as text
// (integers in decimal, bools "true"/"false"), entries in key order. Enums are symbol strings;
// a number that is no symbol (proto3 enums are open) reads as an integer. Integer types are
// integers (a uint64 above INT64_MAX is bad_data), float and double reals, bytes bytes.
//
// Encoding is the inverse: null leaves a field unset; an integer also fits float and double and
// an enum by number; fields the message lacks, out-of-range numbers, invalid UTF-8 in proto3
// strings, two fields of one oneof and missing proto2 required fields are Errc::bad_data naming
// the field path. Maps are written in key order (deterministic serialization).

#include "base/result.h"
#include "registry/compat/schema.h"
#include "registry/serdes/datum.h"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace es::registry::serdes {

/// Runs on: one thread at a time (messages are reused between calls); copies build their own
/// descriptors and messages, so give each thread a copy.
class ProtobufCodec {
  public:
    /// `refs`: import path -> .proto text, as RegisteredSchema carries them. Errc::invalid_schema
    /// with registry/compat's message when the schema does not validate.
    static Result<ProtobufCodec> make(std::string_view text,
                                      const std::vector<compat::SchemaReference>& refs = {});
    ProtobufCodec(const ProtobufCodec& other);
    ProtobufCodec& operator=(const ProtobufCodec& other);
    ProtobufCodec(ProtobufCodec&&) noexcept;
    ProtobufCodec& operator=(ProtobufCodec&&) noexcept;
    ~ProtobufCodec();

    /// The message at `message_indexes` (empty means [0]). Errc::bad_data when the indexes name
    /// no message or the payload is not one message of that type (libprotobuf refuses it:
    /// truncated, lengths past the end, nesting deeper than 100, missing required fields).
    Result<Datum> decode(std::span<const int32_t> message_indexes, std::string_view payload);
    /// The indexes of a message of the schema's own file by full name (a leading dot or a name
    /// without the package also do); empty means the first message, [0]. Errc::invalid_schema
    /// when the file has no such message.
    Result<std::vector<int32_t>> message_indexes(std::string_view full_name) const;
    /// Appends the binary encoding of `datum` as the message `full_name` (empty: the first).
    /// Errc::invalid_schema for an unknown message, bad_data naming the field path when the
    /// Datum does not fit.
    Status encode(std::string_view full_name, const Datum& datum, std::string& out);

    struct Impl;

  private:
    explicit ProtobufCodec(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace es::registry::serdes
