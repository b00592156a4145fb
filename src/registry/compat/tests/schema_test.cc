// schema.h: the one face the registry and the CLI use over the three schema types.

#include "registry/compat/schema.h"

#include "registry/compat/errc.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace es::registry::compat {
namespace {

TEST(Schema, TypesParseCaseInsensitivelyWithAvroAsTheDefault) {
    EXPECT_EQ(*parse_schema_type(""), SchemaType::avro);
    EXPECT_EQ(*parse_schema_type("avro"), SchemaType::avro);
    EXPECT_EQ(*parse_schema_type("Json"), SchemaType::json);
    EXPECT_EQ(*parse_schema_type("PROTOBUF"), SchemaType::protobuf);
    auto bad = parse_schema_type("xml");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message().find("xml"), std::string::npos);
    std::printf(
        "checked: schema types AVRO/JSON/PROTOBUF any case, empty = AVRO, others refused\n");
}

TEST(Schema, IdentityIgnoresLayoutAndReferencesResolveInOrder) {
    auto a = parse_schema(SchemaType::avro,
                          R"({"type":"record","name":"A","fields":[{"name":"x","type":"int"}]})");
    auto b = parse_schema(SchemaType::avro, R"({ "name" : "A", "type" : "record",
        "fields" : [ { "type" : "int", "name" : "x" } ] })");
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->identity(), b->identity());
    auto with_default = parse_schema(
        SchemaType::avro,
        R"({"type":"record","name":"A","fields":[{"name":"x","type":"int","default":1}]})");
    ASSERT_TRUE(with_default.ok());
    EXPECT_NE(with_default->identity(), a->identity()) << "a default changes what is read";

    std::vector<SchemaReference> refs = {
        {"Money", R"({"type":"record","name":"Money","namespace":"m","fields":[
            {"name":"cents","type":"long"}]})"},
        {"Price", R"({"type":"record","name":"Price","namespace":"m","fields":[
            {"name":"amount","type":"m.Money"}]})"}};
    auto order = parse_schema(
        SchemaType::avro,
        R"({"type":"record","name":"Order","fields":[{"name":"price","type":"m.Price"}]})", refs);
    EXPECT_TRUE(order.ok()) << order.error().to_string();
    std::swap(refs[0], refs[1]);
    auto reversed = parse_schema(SchemaType::avro, R"("m.Price")", refs);
    ASSERT_FALSE(reversed.ok());
    EXPECT_NE(reversed.error().message().find("in reference 'Price'"), std::string::npos)
        << reversed.error().message();

    auto json = parse_schema(SchemaType::json, R"({"type":"object","properties":{"a":{}}})");
    auto json2 = parse_schema(SchemaType::json, R"({"properties":{"a":{}},"type":"object"})");
    ASSERT_TRUE(json.ok() && json2.ok());
    EXPECT_EQ(json->identity(), json2->identity());
    auto proto =
        parse_schema(SchemaType::protobuf,
                     "syntax = \"proto3\"; import \"money.proto\";\n"
                     "message Order { Money price = 1; }",
                     {{"money.proto", "syntax = \"proto3\"; message Money { int64 c = 1; }"}});
    EXPECT_TRUE(proto.ok()) << proto.error().to_string();
    std::printf(
        "checked: identity is layout-free and changes with a default; Avro references "
        "resolve in order (a misordered one is named); JSON and Protobuf (imports) parse\n");
}

TEST(Schema, CompatibilityAcrossTypesAndLevels) {
    auto v1 = parse_schema(SchemaType::avro,
                           R"({"type":"record","name":"A","fields":[{"name":"x","type":"int"}]})");
    auto v2 = parse_schema(SchemaType::avro, R"({"type":"record","name":"A","fields":[
        {"name":"x","type":"int"},{"name":"y","type":"string"}]})");
    auto j = parse_schema(SchemaType::json, R"({"type":"object"})");
    ASSERT_TRUE(v1.ok() && v2.ok() && j.ok());
    auto backward = check_compatibility(CompatibilityLevel::backward, *v2, {*v1});
    ASSERT_FALSE(backward.compatible());
    EXPECT_EQ(backward.issues[0].incompatibility.rule, "READER_FIELD_MISSING_DEFAULT_VALUE");
    EXPECT_TRUE(check_compatibility(CompatibilityLevel::forward, *v2, {*v1}).compatible());
    EXPECT_TRUE(check_compatibility(CompatibilityLevel::none, *v2, {*v1}).compatible());
    auto mixed = can_read(*j, *v1);
    ASSERT_EQ(mixed.size(), 1u);
    EXPECT_EQ(mixed[0].rule, "TYPE_MISMATCH");
    std::printf(
        "checked: BACKWARD refuses a new field without default, FORWARD and NONE accept "
        "it, AVRO vs JSON is a TYPE_MISMATCH\n");
}

}  // namespace
}  // namespace es::registry::compat
