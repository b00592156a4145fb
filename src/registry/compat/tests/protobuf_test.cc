#include "registry/compat/protobuf.h"

#include "registry/compat/errc.h"

#include <gtest/gtest.h>

#include <string>

namespace es::registry::compat {
namespace {

ProtobufSchema parse_ok(const std::string& text, const ProtobufReferences& refs = {}) {
    auto parsed = parse_protobuf(text, refs);
    EXPECT_TRUE(parsed.ok()) << parsed.error().to_string();
    return parsed.ok() ? std::move(parsed).value() : ProtobufSchema();
}

Error parse_error(const std::string& text, const ProtobufReferences& refs = {}) {
    auto parsed = parse_protobuf(text, refs);
    EXPECT_FALSE(parsed.ok()) << "accepted: " << text.substr(0, 80);
    return parsed.ok() ? Error(Errc::invalid_schema, "accepted") : std::move(parsed).error();
}

void expect_error(const std::string& text, const std::string& substring,
                  const ProtobufReferences& refs = {}) {
    auto e = parse_error(text, refs);
    EXPECT_TRUE(e.is(Errc::invalid_schema));
    EXPECT_NE(e.message().find(substring), std::string::npos) << e.message();
}

TEST(ProtobufParse, KeepsMessagesFieldsOneofsMapsAndReserved) {
    auto schema = parse_ok(R"(
        syntax = "proto3";
        package shop.v1;
        import "google/protobuf/timestamp.proto";
        message Order {
            reserved 4, 10 to 12;
            reserved "legacy";
            string id = 1;
            optional int64 total = 2;
            repeated Line lines = 3;
            map<string, int32> counts = 5;
            oneof payment { string card = 6; string iban = 7; }
            google.protobuf.Timestamp at = 8;
            message Line { sint32 quantity = 1; }
            enum State { STATE_UNSPECIFIED = 0; PAID = 1; }
        }
    )");
    EXPECT_EQ(schema.syntax(), "proto3");
    EXPECT_EQ(schema.package(), "shop.v1");
    ASSERT_EQ(schema.files().size(), 2u);
    EXPECT_EQ(schema.files()[1].name, "google/protobuf/timestamp.proto");
    auto id = schema.find_message("shop.v1.Order");
    ASSERT_TRUE(id.has_value());
    const auto& order = schema.message(*id);
    EXPECT_EQ(order.local_name, "Order");
    ASSERT_EQ(order.fields.size(), 7u);
    EXPECT_FALSE(order.fields[0].label_written);                // string id = 1
    EXPECT_TRUE(order.fields[1].label_written);                 // optional int64
    EXPECT_EQ(order.fields[1].oneof, -1);                       // synthetic oneof hidden
    EXPECT_EQ(order.fields[2].label, ProtobufLabel::repeated);  // repeated Line
    EXPECT_EQ(order.fields[2].type_name, "shop.v1.Order.Line");
    EXPECT_EQ(order.fields[3].type, ProtobufFieldType::message);  // the map's entry
    auto entry = schema.find_message(order.fields[3].type_name);
    ASSERT_TRUE(entry.has_value());
    EXPECT_TRUE(schema.message(*entry).map_entry);
    ASSERT_EQ(order.oneofs.size(), 1u);
    EXPECT_EQ(order.oneofs[0].name, "payment");
    EXPECT_EQ(order.oneofs[0].fields, (std::vector<int32_t>{4, 5}));
    EXPECT_EQ(order.fields[6].type_name, "google.protobuf.Timestamp");
    ASSERT_EQ(order.reserved_ranges.size(), 2u);
    EXPECT_EQ(order.reserved_ranges[1].start, 10);
    EXPECT_EQ(order.reserved_ranges[1].end, 12);
    EXPECT_EQ(order.reserved_names, std::vector<std::string>{"legacy"});
    auto state = schema.find_enum("shop.v1.Order.State");
    ASSERT_TRUE(state.has_value());
    EXPECT_EQ(schema.enum_type(*state).values.size(), 2u);
    EXPECT_EQ(schema.enum_type(*state).local_name, "Order.State");
}

TEST(ProtobufParse, ErrorsSayLineAndColumn) {
    expect_error("syntax = \"proto3\";\nmessage A {\n  int32 a = 1\n}\n",
                 "line 4:1: Expected \";\"");
    expect_error("syntax = \"proto3\";\nmessage A {\n  Missing a = 1;\n}\n",
                 "line 3:3: \"Missing\" is not defined.");
    expect_error("syntax = \"proto3\";\nmessage A {\n  int32 a = 1;\n  int32 b = 1;\n}\n",
                 "line 4:13: Field number 1 has already been used");
    expect_error("syntax = \"proto3\";\nmessage A {\n  reserved 2;\n  int32 b = 2;\n}\n",
                 "line 4:13: Field \"b\" uses reserved number 2.");
    expect_error("syntax = \"proto3\";\nimport \"nowhere.proto\";\nmessage A {}\n",
                 "line 2:1: import \"nowhere.proto\" was not found");
    expect_error("syntax = \"proto3\";\nmessage A {\n  required int32 a = 1;\n}\n",
                 "Required fields are not allowed in proto3");
}

TEST(ProtobufParse, ErrorsInReferencesNameTheReference) {
    ProtobufReferences refs{{"common.proto", "syntax = \"proto3\";\nmessage C { int32 x = 1 }\n"}};
    expect_error("syntax = \"proto3\";\nimport \"common.proto\";\nmessage A { C c = 1; }\n",
                 "in reference 'common.proto' line 2:25", refs);
}

TEST(ProtobufParse, ImportCyclesAreRefused) {
    ProtobufReferences refs{{"a.proto", "syntax = \"proto3\";\nimport \"b.proto\";\n"},
                            {"b.proto", "syntax = \"proto3\";\nimport \"a.proto\";\n"}};
    expect_error("syntax = \"proto3\";\nimport \"a.proto\";\n", "imports form a cycle: 'a.proto'",
                 refs);
}

TEST(ProtobufParse, WarningsBecomeNotes) {
    auto schema = parse_ok("message A { optional int32 a = 1; }");
    EXPECT_EQ(schema.syntax(), "proto2");
    ASSERT_FALSE(schema.notes().empty());
    EXPECT_EQ(schema.notes().front(), "no syntax statement: read as proto2");
    // Columns on line 1 stay those of the text as written.
    expect_error("message A { optional int32 a = 1 }", "line 1:34: Expected \";\"");
    expect_error("message A { optional Missing a = 1; }", "line 1:22: \"Missing\" is not defined.");
}

TEST(ProtobufParse, DeepNestingIsRefusedBeforeParsing) {
    std::string deep = "syntax = \"proto3\";\n";
    for (int i = 0; i < 100000; ++i) deep += "message M {";
    for (int i = 0; i < 100000; ++i) deep += "}";
    expect_error(deep, "nested deeper than 64");

    std::string option =
        "syntax = \"proto3\";\nimport \"google/protobuf/descriptor.proto\";\n"
        "message A { option (x) = ";
    for (int i = 0; i < 100000; ++i) option += "{ a <";
    expect_error(option, "nested deeper than 64");

    // Messages: the DescriptorPool allows 32 levels.
    auto nested = [](int levels) {
        std::string text = "syntax = \"proto3\";\n";
        for (int i = 0; i < levels; ++i) text += "message M" + std::to_string(i) + " {";
        text += "int32 x = 1;";
        for (int i = 0; i < levels; ++i) text += "}";
        return text;
    };
    parse_ok(nested(30));
    expect_error(nested(40), "Reached maximum recursion limit for nested messages");
}

TEST(ProtobufParse, TooManyImportedFilesAreRefused) {
    ProtobufReferences refs;
    for (int i = 0; i < 300; ++i) {
        std::string text = "syntax = \"proto3\";\n";
        if (i + 1 < 300) text += "import \"f" + std::to_string(i + 1) + ".proto\";\n";
        refs.emplace("f" + std::to_string(i) + ".proto", text);
    }
    expect_error("syntax = \"proto3\";\nimport \"f0.proto\";\n", "more than 256 files", refs);
}

TEST(ProtobufCanonicalForm, IgnoresLayoutCommentsAndNameQualification) {
    auto a = parse_ok(R"(syntax = "proto3";
        package p;
        // a comment
        message A { B b = 1; message B { string s = 1; } })");
    auto b =
        parse_ok("syntax=\"proto3\";package p;message A{.p.A.B b=1;/* x */message B{string s=1;}}");
    EXPECT_EQ(canonical_form(a), canonical_form(b));
    EXPECT_NE(canonical_form(a).find(".p.A.B b = 1;"), std::string::npos) << canonical_form(a);
    auto c = parse_ok("syntax=\"proto3\";package p;message A{.p.A.B c=1;message B{string s=1;}}");
    EXPECT_NE(canonical_form(a), canonical_form(c));
}

TEST(ProtobufCompatibility, RecursiveImportedTypesTerminate) {
    ProtobufReferences v1{{"tree.proto", R"(syntax = "proto3"; package t;
        message Node { repeated Node children = 1; int32 value = 2; })"}};
    ProtobufReferences v2{{"tree2.proto", R"(syntax = "proto3"; package t;
        message Node { repeated Node children = 1; string value = 2; })"}};
    auto writer =
        parse_ok("syntax = \"proto3\"; import \"tree.proto\"; message R { t.Node n = 1; }", v1);
    auto reader =
        parse_ok("syntax = \"proto3\"; import \"tree2.proto\"; message R { t.Node n = 1; }", v2);
    auto issues = protobuf_can_read(reader, writer);
    // The inner Node -> Node reference is met while Node is being compared: assumed
    // compatible, as Confluent's Context does.
    ASSERT_EQ(issues.size(), 2u);
    EXPECT_EQ(issues[0].rule, "FIELD_SCALAR_KIND_CHANGED");
    EXPECT_EQ(issues[0].path, "/Node/2");
    EXPECT_EQ(issues[1].rule, "FIELD_NAMED_TYPE_CHANGED");
    EXPECT_EQ(issues[1].path, "/R/1");
    EXPECT_TRUE(protobuf_can_read(writer, writer).empty());
}

TEST(ProtobufCompatibility, MessagesSayWhatChanged) {
    auto writer = parse_ok("syntax = \"proto3\"; package p; message M { int32 count = 1; }");
    auto reader = parse_ok("syntax = \"proto3\"; package p; message M { string count = 1; }");
    auto issues = protobuf_can_read(reader, writer);
    ASSERT_EQ(issues.size(), 1u);
    EXPECT_EQ(issues[0].path, "/M/1");
    EXPECT_EQ(issues[0].message,
              "field 1 of p.M (writer 'int32 count = 1', reader 'string count = 1'): int32 "
              "(int32/int64/uint32/uint64/bool/enum) and string (string/bytes) are not "
              "wire-compatible");
}

}  // namespace
}  // namespace es::registry::compat
