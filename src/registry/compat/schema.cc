#include "registry/compat/schema.h"

#include "registry/compat/avro.h"
#include "registry/compat/errc.h"
#include "registry/compat/json_schema.h"
#include "registry/compat/protobuf.h"

#include <algorithm>
#include <cctype>
#include <variant>

namespace es::registry::compat {

struct ParsedSchema::Impl {
    std::variant<AvroSchema, JsonSchema, ProtobufSchema> schema;
    std::string identity;
};

std::string_view to_string(SchemaType type) {
    switch (type) {
        case SchemaType::avro:
            return "AVRO";
        case SchemaType::json:
            return "JSON";
        case SchemaType::protobuf:
            return "PROTOBUF";
    }
    return "?";
}

Result<SchemaType> parse_schema_type(std::string_view text) {
    std::string upper(text);
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (upper.empty() || upper == "AVRO") return SchemaType::avro;
    if (upper == "JSON") return SchemaType::json;
    if (upper == "PROTOBUF") return SchemaType::protobuf;
    return Error(Errc::invalid_schema,
                 "unknown schema type '" + std::string(text) + "' (AVRO, JSON or PROTOBUF)");
}

SchemaType ParsedSchema::type() const { return static_cast<SchemaType>(impl_->schema.index()); }

const std::string& ParsedSchema::identity() const { return impl_->identity; }

std::vector<std::string> ParsedSchema::notes() const {
    return std::visit([](const auto& s) { return s.notes(); }, impl_->schema);
}

namespace {

Error in_reference(const std::string& name, const Error& e) {
    return Error(e.code(), "in reference '" + name + "': " + e.message());
}

/// Parses a type whose references are parsed schemas of the same type, each reference with
/// those before it.
template <class Schema, class Parse>
Result<Schema> parse_with_parsed_references(std::string_view text,
                                            const std::vector<SchemaReference>& references,
                                            Parse parse) {
    std::map<std::string, Schema> parsed;
    for (const SchemaReference& r : references) {
        auto one = parse(r.text, parsed);
        if (!one.ok()) return in_reference(r.name, one.error());
        parsed.insert_or_assign(r.name, std::move(one).value());
    }
    return parse(text, parsed);
}

}  // namespace

Result<ParsedSchema> parse_schema(SchemaType type, std::string_view text,
                                  const std::vector<SchemaReference>& references) {
    auto impl = std::make_shared<ParsedSchema::Impl>();
    switch (type) {
        case SchemaType::avro: {
            ES_TRY(AvroSchema s, parse_with_parsed_references<AvroSchema>(
                                     text, references, [](std::string_view t, const auto& refs) {
                                         return parse_avro(t, refs);
                                     }));
            impl->identity = normalized_form(s);
            impl->schema = std::move(s);
            break;
        }
        case SchemaType::json: {
            ES_TRY(JsonSchema s, parse_with_parsed_references<JsonSchema>(
                                     text, references, [](std::string_view t, const auto& refs) {
                                         return parse_json_schema(t, refs);
                                     }));
            impl->identity = canonical_form(s);
            impl->schema = std::move(s);
            break;
        }
        case SchemaType::protobuf: {
            ProtobufReferences imports;
            for (const SchemaReference& r : references) imports.insert_or_assign(r.name, r.text);
            ES_TRY(ProtobufSchema s, parse_protobuf(text, imports));
            impl->identity = canonical_form(s);
            impl->schema = std::move(s);
            break;
        }
    }
    ParsedSchema out;
    out.impl_ = std::move(impl);
    return out;
}

std::vector<Incompatibility> can_read(const ParsedSchema& reader, const ParsedSchema& writer) {
    const auto& r = reader.impl_->schema;
    const auto& w = writer.impl_->schema;
    if (r.index() != w.index()) {
        return {Incompatibility{"/", "TYPE_MISMATCH",
                                "the schema type changed from " +
                                    std::string(to_string(writer.type())) + " to " +
                                    std::string(to_string(reader.type()))}};
    }
    if (const auto* a = std::get_if<AvroSchema>(&r)) {
        return avro_can_read(*a, std::get<AvroSchema>(w));
    }
    if (const auto* j = std::get_if<JsonSchema>(&r)) {
        return json_schema_can_read(*j, std::get<JsonSchema>(w));
    }
    return protobuf_can_read(std::get<ProtobufSchema>(r), std::get<ProtobufSchema>(w));
}

CompatibilityResult check_compatibility(CompatibilityLevel level, const ParsedSchema& new_schema,
                                        const std::vector<ParsedSchema>& previous_oldest_first) {
    return check_compatibility(
        level, new_schema, previous_oldest_first,
        [](const ParsedSchema& r, const ParsedSchema& w) { return can_read(r, w); });
}

}  // namespace es::registry::compat
