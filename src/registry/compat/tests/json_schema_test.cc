#include "registry/compat/json_schema.h"

#include "registry/compat/errc.h"

#include <gtest/gtest.h>

#include <string>

namespace es::registry::compat {
namespace {

JsonSchema parse_ok(const std::string& text, const JsonSchemaReferences& refs = {}) {
    auto parsed = parse_json_schema(text, refs);
    EXPECT_TRUE(parsed.ok()) << parsed.error().to_string();
    return parsed.ok() ? std::move(parsed).value() : JsonSchema();
}

Error parse_error(const std::string& text, const JsonSchemaReferences& refs = {}) {
    auto parsed = parse_json_schema(text, refs);
    EXPECT_FALSE(parsed.ok()) << "accepted: " << text.substr(0, 80);
    return parsed.ok() ? Error(Errc::invalid_schema, "accepted") : std::move(parsed).error();
}

TEST(JsonSchemaCanonicalForm, SortsKeysDropsWhitespaceAndNormalizesNumbers) {
    auto schema = parse_ok(R"({
        "type": "object",
        "properties": {"b": {"type": "number", "maximum": 10.0}, "a": {"enum": [1, 2.5]}},
        "required": ["b"]
    })");
    EXPECT_EQ(canonical_form(schema),
              R"({"properties":{"a":{"enum":[1,2.5]},"b":{"maximum":10,"type":"number"}},)"
              R"("required":["b"],"type":"object"})");
    EXPECT_EQ(canonical_form(parse_ok("true")), "true");
    EXPECT_EQ(canonical_form(parse_ok(R"( { "maxLength" : 3e2 } )")), R"({"maxLength":300})");
}

TEST(JsonSchemaCanonicalForm, SameSchemaWrittenTwoWaysIsIdentical) {
    EXPECT_EQ(canonical_form(parse_ok(R"({"type":"string","minLength":1})")),
              canonical_form(parse_ok("{\n  \"minLength\": 1.0,\n  \"type\": \"string\"\n}")));
}

TEST(JsonSchemaParse, ErrorsNameTheCodeAndPath) {
    auto e = parse_error(R"({"properties": {"a": {"type": "strin"}}})");
    EXPECT_TRUE(e.is(Errc::invalid_schema));
    EXPECT_NE(e.message().find("at /properties/a/type: unknown type 'strin'"), std::string::npos)
        << e.message();

    e = parse_error(R"({"properties": {"a/b": {"minLength": -1}}})");
    EXPECT_NE(e.message().find("at /properties/a~1b/minLength:"), std::string::npos) << e.message();

    e = parse_error(R"({"type": "object",)");
    EXPECT_TRUE(e.is(Errc::invalid_json));

    e = parse_error("42");
    EXPECT_TRUE(e.is(Errc::invalid_schema));
    EXPECT_NE(e.message().find("object or a boolean"), std::string::npos);
}

TEST(JsonSchemaParse, DeepNestingIsRefusedWithoutRecursion) {
    std::string deep(100000, '[');
    deep += std::string(100000, ']');
    EXPECT_TRUE(parse_error(deep).is(Errc::invalid_json));

    std::string nested;
    for (int i = 0; i < 100000; ++i) nested += R"({"not":)";
    nested += "true";
    nested += std::string(100000, '}');
    auto e = parse_error(nested);
    EXPECT_TRUE(e.is(Errc::invalid_json));
    EXPECT_NE(e.message().find("nested deeper than 256"), std::string::npos);

    // Just below the limit is fine.
    std::string ok;
    for (int i = 0; i < 200; ++i) ok += R"({"items":)";
    ok += "{}";
    ok += std::string(200, '}');
    auto schema = parse_ok(ok);
    EXPECT_TRUE(json_schema_can_read(schema, schema).empty());
}

TEST(JsonSchemaParse, HugeNumbers) {
    // Beyond a double: the JSON parser refuses it.
    EXPECT_TRUE(parse_error(R"({"maximum": 1e400})").is(Errc::invalid_json));
    // Beyond 64 bits but a valid double: accepted, compared as doubles.
    auto big = parse_ok(R"({"type": "string", "maxLength": 100000000000000000000000})");
    auto small = parse_ok(R"({"type": "string", "maxLength": 10})");
    EXPECT_TRUE(json_schema_can_read(big, small).empty());
    auto issues = json_schema_can_read(small, big);
    ASSERT_EQ(issues.size(), 1u);
    EXPECT_EQ(issues[0].rule, "MAX_LENGTH_DECREASED");
}

TEST(JsonSchemaParse, RefCycles) {
    // Recursion through a property is a fine (infinite) tree.
    auto tree = parse_ok(R"({"$ref": "#/definitions/node", "definitions": {"node": {
        "type": "object",
        "properties": {"children": {"type": "array", "items": {"$ref": "#/definitions/node"}}}}}})");
    EXPECT_TRUE(json_schema_can_read(tree, tree).empty());
    // Bare references that point at each other never reach a schema.
    auto e = parse_error(R"({"$ref": "#/$defs/a", "$defs": {"a": {"$ref": "#/$defs/b"},
                                                              "b": {"$ref": "#/$defs/a"}}})");
    EXPECT_NE(e.message().find("$ref cycle"), std::string::npos) << e.message();
    e = parse_error(R"({"$ref": "#"})");
    EXPECT_NE(e.message().find("$ref cycle"), std::string::npos) << e.message();
}

TEST(JsonSchemaParse, PointerEscapesAndAnchors) {
    auto s = parse_ok(R"({"properties": {"x": {"$ref": "#/definitions/a~1b~0c"},
                                         "y": {"$ref": "#/definitions/sp%20ace"},
                                         "z": {"$ref": "#zed"}},
                         "definitions": {"a/b~c": {"type": "string"},
                                         "sp ace": {"type": "integer"},
                                         "anchored": {"$anchor": "zed", "type": "boolean"}}})");
    const auto& root = s.node(s.root());
    ASSERT_EQ(root.properties.size(), 3u);
    auto target = [&](std::size_t i) { return s.node(s.node(root.properties[i].second).ref); };
    EXPECT_EQ(target(0).pointer, "/definitions/a~1b~0c");
    EXPECT_EQ(target(1).pointer, "/definitions/sp ace");
    EXPECT_EQ(target(2).pointer, "/definitions/anchored");

    EXPECT_NE(parse_error(R"({"$ref": "#/definitions/a~2"})").message().find("~ must be"),
              std::string::npos);
    EXPECT_NE(parse_error(R"({"$ref": "#/definitions/missing"})").message().find("unresolvable"),
              std::string::npos);
    EXPECT_NE(parse_error(R"({"$ref": "#/required", "required": ["a"]})")
                  .message()
                  .find("not at a schema"),
              std::string::npos);
}

TEST(JsonSchemaParse, References) {
    JsonSchemaReferences refs;
    refs.emplace("address.json", parse_ok(R"({"$id": "https://acme.com/schemas/address.json",
        "type": "object", "properties": {"city": {"type": "string"}},
        "definitions": {"zip": {"type": "string", "maxLength": 10}}})"));
    auto by_name = parse_ok(R"({"properties": {"a": {"$ref": "address.json"},
                                               "z": {"$ref": "address.json#/definitions/zip"}}})",
                            refs);
    EXPECT_EQ(by_name.document_names().size(), 2u);
    // Resolved against the referring schema's $id, and by the reference's own $id.
    parse_ok(R"({"$id": "https://acme.com/schemas/order.json",
                 "properties": {"a": {"$ref": "address.json"}}})",
             refs);
    parse_ok(R"({"properties": {"a": {"$ref": "https://acme.com/schemas/address.json"}}})", refs);
    auto e = parse_error(R"({"properties": {"a": {"$ref": "customer.json"}}})", refs);
    EXPECT_NE(e.message().find("at /properties/a/$ref: unresolvable $ref 'customer.json'"),
              std::string::npos)
        << e.message();
}

TEST(JsonSchemaCompat, LongReferenceChainsStopAtTheCheckDepth) {
    // 600 definitions, each an object holding the next: deeper than the check allows, though
    // each document nests only a little.
    std::string defs;
    for (int i = 0; i < 600; ++i) {
        if (i > 0) defs += ",";
        defs += "\"d" + std::to_string(i) + "\": {\"type\": \"object\", \"properties\": {\"n\": " +
                (i + 1 < 600 ? "{\"$ref\": \"#/definitions/d" + std::to_string(i + 1) + "\"}"
                             : std::string("{\"type\": \"string\"}")) +
                "}}";
    }
    auto writer = parse_ok(R"({"$ref": "#/definitions/d0", "definitions": {)" + defs + "}}");
    std::string reader_text = R"({"$ref": "#/definitions/d0", "definitions": {)" + defs + "}}";
    auto pos = reader_text.rfind("\"string\"");
    reader_text.replace(pos, 8, "\"number\"");
    auto reader = parse_ok(reader_text);
    auto issues = json_schema_can_read(reader, writer);
    ASSERT_EQ(issues.size(), 1u);
    EXPECT_EQ(issues[0].rule, "SCHEMA_TOO_DEEP");
}

TEST(JsonSchemaCompat, MessagesSayWhatToDo) {
    auto writer = parse_ok(R"({"type": "object", "properties": {"a": {"type": "string"}},
                               "additionalProperties": false})");
    auto reader = parse_ok(R"({"type": "object", "properties": {"a": {"type": "string"},
                               "b": {"type": "string"}}, "required": ["b"],
                               "additionalProperties": false})");
    auto issues = json_schema_can_read(reader, writer);
    ASSERT_EQ(issues.size(), 1u);
    EXPECT_EQ(issues[0].rule, "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL");
    EXPECT_EQ(issues[0].path, "/properties/b");
    EXPECT_NE(issues[0].message.find("make it optional or give it a default"), std::string::npos);
}

}  // namespace
}  // namespace es::registry::compat
