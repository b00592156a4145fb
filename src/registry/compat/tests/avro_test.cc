#include "registry/compat/avro.h"

#include "registry/compat/errc.h"

#include <gtest/gtest.h>

#include <string>

namespace es::registry::compat {
namespace {

AvroSchema parse_ok(const std::string& text, const AvroReferences& refs = {}) {
    auto parsed = parse_avro(text, refs);
    EXPECT_TRUE(parsed.ok()) << parsed.error().to_string();
    return parsed.ok() ? std::move(parsed).value() : AvroSchema();
}

std::string canonical(const std::string& text) { return canonical_form(parse_ok(text)); }

// Examples derived from the specification's Parsing Canonical Form transformations.
TEST(AvroCanonicalForm, Primitives) {
    EXPECT_EQ(canonical(R"("int")"), R"("int")");
    EXPECT_EQ(canonical(R"({"type": "int"})"), R"("int")");  // PRIMITIVES
    EXPECT_EQ(canonical(R"({"type": "long", "logicalType": "timestamp-millis"})"), R"("long")");
    EXPECT_EQ(canonical(R"( [ "null" , {"type":"string"} ] )"), R"(["null","string"])");
}

TEST(AvroCanonicalForm, FullNamesStripOrderWhitespace) {
    // FULLNAMES, STRIP (doc, aliases, default, order, namespace, custom attributes), ORDER
    // (name, type, fields, symbols, items, values, size), WHITESPACE.
    std::string schema = R"({
        "fields": [
            {"type": {"type": "long"}, "name": "id", "doc": "x", "default": 1, "order": "ignore"},
            {"name": "address", "aliases": ["addr"], "type": {
                "type": "record", "name": "Address", "namespace": "geo",
                "fields": [{"name": "city", "type": "string"},
                           {"name": "kind", "type": {"symbols": ["HOME", "WORK"],
                            "type": "enum", "name": "Kind", "default": "HOME"}}]}},
            {"name": "previous", "type": ["null", "geo.Address"], "default": null},
            {"name": "hash", "type": {"size": 16, "type": "fixed", "name": "MD5",
                                       "aliases": ["Hash"]}},
            {"name": "tags", "type": {"values": {"items": "string", "type": "array"},
                                       "type": "map"}}
        ],
        "type": "record", "doc": "a user", "name": "User", "namespace": "com.acme",
        "x-custom": {"anything": [1, 2]}
    })";
    EXPECT_EQ(
        canonical(schema),
        R"({"name":"com.acme.User","type":"record","fields":[)"
        R"({"name":"id","type":"long"},)"
        R"({"name":"address","type":{"name":"geo.Address","type":"record","fields":[)"
        R"({"name":"city","type":"string"},)"
        R"({"name":"kind","type":{"name":"geo.Kind","type":"enum","symbols":["HOME","WORK"]}}]}},)"
        R"({"name":"previous","type":["null","geo.Address"]},)"
        R"({"name":"hash","type":{"name":"com.acme.MD5","type":"fixed","size":16}},)"
        R"({"name":"tags","type":{"type":"map","values":{"type":"array","items":"string"}}}]})");
}

TEST(AvroCanonicalForm, StringsLoseTheirEscapes) {
    // STRINGS: escapes replaced by the characters themselves.
    EXPECT_EQ(canonical(R"({"type": "enum", "name": "\u0045num", "symbols": ["\u0041", "B"]})"),
              R"({"name":"Enum","type":"enum","symbols":["A","B"]})");
    EXPECT_EQ(canonical(R"({"type": "fixed", "name": "a.b.F\u0031", "size": 0})"),
              R"({"name":"a.b.F1","type":"fixed","size":0})");
}

TEST(AvroCanonicalForm, RecursiveTypeIsWrittenOnce) {
    EXPECT_EQ(canonical(R"({"type": "record", "name": "Node", "namespace": "list", "fields": [
                  {"name": "value", "type": "int"},
                  {"name": "next", "type": ["null", "Node"], "default": null}]})"),
              R"({"name":"list.Node","type":"record","fields":[{"name":"value","type":"int"},)"
              R"({"name":"next","type":["null","list.Node"]}]})");
}

TEST(AvroNormalizedForm, KeepsWhatChangesReading) {
    auto schema = parse_ok(R"({"type": "record", "name": "R", "aliases": ["Old"], "fields": [
        {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 9,
                                     "scale": 2}, "default": "\u0000"},
        {"name": "when", "type": {"type": "long", "logicalType": "timestamp-micros"}},
        {"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["A", "B"],
                                "default": "A"}, "order": "descending", "aliases": ["f"]}]})");
    EXPECT_EQ(normalized_form(schema),
              R"({"name":"R","type":"record","fields":[)"
              R"({"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":9,)"
              R"("scale":2},"default":"\u0000"},)"
              R"({"name":"when","type":{"type":"long","logicalType":"timestamp-micros"}},)"
              R"({"name":"e","type":{"name":"E","type":"enum","symbols":["A","B"],"default":"A"},)"
              R"("order":"descending","aliases":["f"]}],"aliases":["Old"]})");
    EXPECT_EQ(canonical_form(schema),
              R"({"name":"R","type":"record","fields":[{"name":"amount","type":"bytes"},)"
              R"({"name":"when","type":"long"},)"
              R"({"name":"e","type":{"name":"E","type":"enum","symbols":["A","B"]}}]})");
}

TEST(AvroParse, ModelOfARecord) {
    auto s = parse_ok(R"({"type": "record", "name": "a.b.R", "fields": [
        {"name": "x", "type": {"type": "fixed", "name": "F", "size": 12,
                                "logicalType": "duration"}},
        {"name": "y", "type": "F", "default": "abcdefghijkl"}]})");
    const AvroNode& root = s.node(s.root());
    EXPECT_EQ(root.type, AvroType::record);
    EXPECT_EQ(root.full_name, "a.b.R");
    EXPECT_EQ(root.simple_name(), "R");
    ASSERT_EQ(root.fields.size(), 2u);
    EXPECT_EQ(root.fields[0].type, root.fields[1].type);  // one node per named type
    const AvroNode& fixed = s.node(root.fields[0].type);
    EXPECT_EQ(fixed.full_name, "a.b.F");  // namespace inherited from the dotted name
    EXPECT_EQ(fixed.logical_type, "duration");
    EXPECT_EQ(root.fields[1].default_json, "\"abcdefghijkl\"");
    EXPECT_EQ(s.named_types().size(), 2u);
    EXPECT_TRUE(s.notes().empty());
}

TEST(AvroParse, IgnoredLogicalTypesAreNoted) {
    auto s = parse_ok(R"({"type": "bytes", "logicalType": "decimal", "precision": 2,
                          "scale": 3})");
    EXPECT_EQ(s.node(s.root()).logical_type, "");
    ASSERT_EQ(s.notes().size(), 1u);
    EXPECT_EQ(s.notes()[0],
              "/logicalType: logical type 'decimal' ignored: scale 3 is greater than precision 2");
}

TEST(AvroParse, ErrorsCarryCodeAndPath) {
    auto bad_json = parse_avro(R"({"type": )");
    ASSERT_FALSE(bad_json.ok());
    EXPECT_TRUE(bad_json.error().is(Errc::invalid_json));

    auto bad = parse_avro(R"({"type": "record", "name": "R", "fields": [
        {"name": "a", "type": "int"}, {"name": "b", "type": "int", "default": "x"}]})");
    ASSERT_FALSE(bad.ok());
    EXPECT_TRUE(bad.error().is(Errc::invalid_schema));
    EXPECT_EQ(bad.error().message(),
              "at /fields/1/default: default value \"x\" does not match type int (expected an "
              "integer in the 32-bit range)");
}

TEST(AvroParse, HostileDeepNestingIsAnErrorNotACrash) {
    std::string arrays(100000, '[');
    auto deep = parse_avro(arrays + std::string(100000, ']'));
    ASSERT_FALSE(deep.ok());
    EXPECT_TRUE(deep.error().is(Errc::invalid_json));
    EXPECT_NE(deep.error().message().find("nested deeper than 256"), std::string::npos);

    std::string nested;
    for (int i = 0; i < 100000; ++i) nested += R"({"type":"array","items":)";
    nested += R"("int")";
    for (int i = 0; i < 100000; ++i) nested += "}";
    auto deep_arrays = parse_avro(nested);
    ASSERT_FALSE(deep_arrays.ok());
    EXPECT_TRUE(deep_arrays.error().is(Errc::invalid_json));

    // Brackets inside strings do not count.
    auto in_string =
        parse_avro(R"({"type": "string", "doc": ")" + std::string(1000, '[') + R"("})");
    EXPECT_TRUE(in_string.ok());

    // 200 nested arrays are fine.
    std::string ok;
    for (int i = 0; i < 200; ++i) ok += R"({"type":"array","items":)";
    ok += R"("int")" + std::string(200, '}');
    EXPECT_TRUE(parse_avro(ok).ok());
}

TEST(AvroParse, NonUtf8IsInvalidJson) {
    auto bad = parse_avro("{\"type\": \"record\", \"name\": \"R\xff\xfe\", \"fields\": []}");
    ASSERT_FALSE(bad.ok());
    EXPECT_TRUE(bad.error().is(Errc::invalid_json));
    auto overlong =
        parse_avro("{\"type\": \"enum\", \"name\": \"E\", \"symbols\": [\"\xc0\xaf\"]}");
    ASSERT_FALSE(overlong.ok());
    EXPECT_TRUE(overlong.error().is(Errc::invalid_json));
}

TEST(AvroParse, ReferencesSupplyNamedTypes) {
    AvroReferences refs;
    refs.emplace("com.acme.Address", parse_ok(R"({"type": "record", "name": "Address",
        "namespace": "com.acme", "fields": [{"name": "city", "type": "string"},
        {"name": "country", "type": {"type": "enum", "name": "Country", "symbols": ["DE"]}}]})"));
    auto user = parse_ok(R"({"type": "record", "name": "User", "namespace": "com.acme",
        "fields": [{"name": "home", "type": "Address"},
                   {"name": "born_in", "type": "com.acme.Country"}]})",
                         refs);
    EXPECT_EQ(canonical_form(user),
              R"({"name":"com.acme.User","type":"record","fields":[{"name":"home","type":)"
              R"({"name":"com.acme.Address","type":"record","fields":[{"name":"city","type":)"
              R"("string"},{"name":"country","type":{"name":"com.acme.Country","type":"enum",)"
              R"("symbols":["DE"]}}]}},{"name":"born_in","type":"com.acme.Country"}]})");

    auto missing = parse_avro(R"({"type": "record", "name": "User", "fields": [
        {"name": "home", "type": "Address"}]})");
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().message().find("undefined name 'Address'"), std::string::npos);

    auto redefined =
        parse_avro(R"({"type": "record", "name": "com.acme.Address", "fields": []})", refs);
    ASSERT_FALSE(redefined.ok());
    EXPECT_NE(redefined.error().message().find("already defined"), std::string::npos);

    // Two references may both define a type, if they define it the same way.
    refs.emplace("copy", parse_ok(R"({"type": "enum", "name": "com.acme.Country",
                                      "symbols": ["DE"]})"));
    EXPECT_TRUE(parse_avro(R"("com.acme.Country")", refs).ok());
    refs.emplace("different", parse_ok(R"({"type": "enum", "name": "com.acme.Country",
                                           "symbols": ["FR"]})"));
    auto conflict = parse_avro(R"("com.acme.Country")", refs);
    ASSERT_FALSE(conflict.ok());
    EXPECT_NE(conflict.error().message().find("differently"), std::string::npos);
}

/// A chain of records, each one's field a union with the previous one, defined side by side in
/// a reference so that no JSON nesting limit applies.
AvroReferences chain(int length) {
    std::string holder = R"({"type": "record", "name": "Holder", "fields": [)";
    holder += R"({"name": "a0", "type": {"type": "record", "name": "A0", "fields": []}})";
    for (int i = 1; i < length; ++i) {
        holder += R"(, {"name": "a)" + std::to_string(i) +
                  R"(", "type": {"type": "record", "name": "A)" + std::to_string(i) +
                  R"(", "fields": [{"name": "p", "type": ["null", "A)" + std::to_string(i - 1) +
                  R"("]}]}})";
    }
    holder += "]}";
    AvroReferences refs;
    refs.emplace("holder", parse_ok(holder));
    return refs;
}

TEST(AvroParse, DeepChainsThroughReferencesAreBounded) {
    auto refs = chain(600);  // 1200 levels of definitions from the top
    auto deep = parse_avro(R"("A599")", refs);
    ASSERT_FALSE(deep.ok());
    EXPECT_NE(deep.error().message().find("nest deeper than 1000"), std::string::npos);

    auto refs2 = chain(400);  // parses, but a check needs 3 levels per link
    auto top = parse_ok(R"("A399")", refs2);
    auto issues = avro_can_read(top, top);
    ASSERT_EQ(issues.size(), 1u);
    EXPECT_EQ(issues[0].rule, "SCHEMA_TOO_DEEP");
    EXPECT_TRUE(avro_can_read(parse_ok(R"("A100")", refs2), parse_ok(R"("A100")", refs2)).empty());
}

TEST(AvroCanRead, RecursiveSchemasTerminateAndCollectEverything) {
    auto reader = parse_ok(R"({"type": "record", "name": "Tree", "fields": [
        {"name": "value", "type": "long"},
        {"name": "label", "type": "string"},
        {"name": "children", "type": {"type": "array", "items": "Tree"}}]})");
    auto writer = parse_ok(R"({"type": "record", "name": "Tree", "fields": [
        {"name": "value", "type": "string"},
        {"name": "children", "type": {"type": "array", "items": "Tree"}}]})");
    auto issues = avro_can_read(reader, writer);
    ASSERT_EQ(issues.size(), 2u);
    EXPECT_EQ(issues[0].rule, "TYPE_MISMATCH");
    EXPECT_EQ(issues[0].path, "/fields/0/type");
    EXPECT_EQ(issues[0].message,
              "reader type long cannot read writer type string; string does not promote to long");
    EXPECT_EQ(issues[1].rule, "READER_FIELD_MISSING_DEFAULT_VALUE");
    EXPECT_EQ(issues[1].path, "/fields/1");
    EXPECT_TRUE(avro_can_read(writer, writer).empty());
}

TEST(AvroCanRead, UnionMessageNamesTheClosestBranch) {
    auto reader = parse_ok(R"(["null", {"type": "record", "name": "R", "fields": [
        {"name": "a", "type": "int"}, {"name": "b", "type": "int"}]}])");
    auto writer = parse_ok(R"({"type": "record", "name": "R", "fields": [
        {"name": "a", "type": "int"}]})");
    auto issues = avro_can_read(reader, writer);
    ASSERT_EQ(issues.size(), 1u);
    EXPECT_EQ(issues[0].rule, "MISSING_UNION_BRANCH");
    EXPECT_EQ(issues[0].path, "/");
    EXPECT_EQ(issues[0].message,
              "reader union union [null, record R] has no branch that can read writer type "
              "record R; the closest branch, record R, fails at /fields/1: reader field 'b' is "
              "not in the writer's record R and has no default value; give it a default");
}

}  // namespace
}  // namespace es::registry::compat
