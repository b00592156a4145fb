#include "registry/service/records.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace es::registry::service::records {
namespace {

TEST(Records, KeysAreWrittenInConfluentsFieldOrder) {
    EXPECT_EQ(schema_key("s", 1), R"({"keytype":"SCHEMA","subject":"s","version":1,"magic":1})");
    EXPECT_EQ(config_key(std::nullopt), R"({"keytype":"CONFIG","subject":null,"magic":0})");
    EXPECT_EQ(config_key("s"), R"({"keytype":"CONFIG","subject":"s","magic":0})");
    EXPECT_EQ(mode_key(std::nullopt), R"({"keytype":"MODE","subject":null,"magic":0})");
    EXPECT_EQ(delete_subject_key("s"), R"({"keytype":"DELETE_SUBJECT","subject":"s","magic":0})");
    EXPECT_EQ(clear_subject_key("s"), R"({"keytype":"CLEAR_SUBJECT","subject":"s","magic":0})");
    std::printf("checked: _schemas keys are byte-identical to Confluent's (compaction keys)\n");
}

TEST(Records, SchemaValuesRoundTripAndOmitAvroType) {
    SchemaVersion v;
    v.subject = "s";
    v.version = 3;
    v.id = 7;
    v.schema = R"("string")";
    EXPECT_EQ(schema_value(v),
              R"({"subject":"s","version":3,"id":7,"schema":"\"string\"","deleted":false})");
    v.type = compat::SchemaType::protobuf;
    v.references = {{"a.proto", "a", 1}};
    v.deleted = true;
    auto back = parse_schema_value(schema_value(v));
    ASSERT_TRUE(back.ok()) << back.error().to_string();
    EXPECT_EQ(back->type, compat::SchemaType::protobuf);
    EXPECT_EQ(back->references, v.references);
    EXPECT_TRUE(back->deleted);
    EXPECT_EQ(back->id, 7);
    std::printf("checked: SCHEMA values round-trip; schemaType omitted for AVRO\n");
}

TEST(Records, ConfluentWrittenRecordsParse) {
    // As Confluent writes them, with extra fields this registry does not know.
    auto key = parse_key(R"({"magic":1,"keytype":"SCHEMA","subject":"t-value","version":2})");
    ASSERT_TRUE(key.ok());
    EXPECT_EQ(key->type, KeyType::schema);
    EXPECT_EQ(key->version, 2);
    auto value = parse_schema_value(
        R"({"subject":"t-value","version":2,"id":11,"schemaType":"JSON","schema":"{}",)"
        R"("deleted":false,"metadata":null,"ruleSet":null})");
    ASSERT_TRUE(value.ok());
    EXPECT_EQ(value->type, compat::SchemaType::json);
    auto level = parse_config_value(R"({"compatibilityLevel":"FULL_TRANSITIVE","alias":null})");
    ASSERT_TRUE(level.ok());
    EXPECT_EQ(*level, compat::CompatibilityLevel::full_transitive);
    auto mode = parse_mode_value(R"({"mode":"IMPORT"})");
    ASSERT_TRUE(mode.ok());
    EXPECT_EQ(*mode, Mode::import);
    auto up_to = parse_delete_subject_value(R"({"subject":"t-value","version":4})");
    ASSERT_TRUE(up_to.ok());
    EXPECT_EQ(*up_to, 4);
    EXPECT_EQ(parse_key(R"({"keytype":"NOOP","magic":0})")->type, KeyType::noop);
    std::printf("checked: Confluent-written keys and values parse, unknown fields ignored\n");
}

TEST(Records, MalformedRecordsAreErrorsNotCrashes) {
    for (const char* bad :
         {"", "not json", "[]", "{}", R"({"keytype":"WHAT"})", R"({"keytype":"SCHEMA"})",
          R"({"keytype":"SCHEMA","subject":"s","version":"1"})",
          R"({"keytype":"SCHEMA","subject":"s","version":0})",
          R"({"keytype":"DELETE_SUBJECT","subject":null})", R"({"keytype":5})"}) {
        EXPECT_FALSE(parse_key(bad).ok()) << bad;
    }
    for (const char* bad :
         {"", "{", R"({"subject":"s"})", R"({"subject":"s","version":1,"id":"x","schema":"{}"})",
          R"({"subject":"s","version":1,"id":1,"schema":"{}","schemaType":"XML"})",
          R"({"subject":"s","version":1,"id":1,"schema":"{}","references":[1]})",
          R"({"subject":"s","version":1,"id":99999999999,"schema":"{}"})"}) {
        EXPECT_FALSE(parse_schema_value(bad).ok()) << bad;
    }
    EXPECT_FALSE(parse_config_value(R"({"compatibilityLevel":"SOMETIMES"})").ok());
    EXPECT_FALSE(parse_mode_value(R"({"mode":7})").ok());
    std::printf("checked: malformed keys and values are refused with an error\n");
}

}  // namespace
}  // namespace es::registry::service::records
