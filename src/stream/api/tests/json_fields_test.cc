// read_json_object: the fields a source asks for, typed; anything malformed or hostile is a
// bad_record naming the type and the field, never a crash or a silent default.

#include "stream/api/json_fields.h"

#include "stream/api/errc.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

namespace es::stream {
namespace {

struct Event {
    std::string id;
    int64_t ts = 0;
    double value = 0;
    std::string note = "none";
};

Status read(std::string_view in, Event& e) {
    const JsonField fields[] = {
        {"id", &e.id}, {"ts", &e.ts}, {"value", &e.value}, {"note", &e.note, false}};
    return read_json_object(in, fields, "event");
}

TEST(JsonFields, ReadsTheFieldsAskedForSkipsOthersAndKeepsOptionalDefaults) {
    Event e;
    ASSERT_TRUE(read(R"({"extra":{"deep":[1,2,{"x":null}]},"ts":1700000000123,"id":"a\"b\u00e9",)"
                     R"("value":3,"other":true})",
                     e)
                    .ok());
    EXPECT_EQ(e.id, "a\"b\xc3\xa9");
    EXPECT_EQ(e.ts, 1700000000123);
    EXPECT_EQ(e.value, 3.0);
    EXPECT_EQ(e.note, "none");
    Event twice;
    ASSERT_TRUE(read(R"({"id":"x","id":"y","ts":-5,"value":-0.5e3,"note":"n"})", twice).ok());
    EXPECT_EQ(twice.id, "y");
    EXPECT_EQ(twice.ts, -5);
    EXPECT_EQ(twice.value, -500.0);
    EXPECT_EQ(twice.note, "n");
    std::printf(
        "checked: wanted fields read (escapes, negative, exponent), others skipped, "
        "optional default kept, a repeated field takes its last value\n");
}

TEST(JsonFields, MalformedAndHostileInputIsABadRecordNamingTheProblem) {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"", "not valid JSON"},
        {"nope", "not valid JSON"},
        {"[1,2]", "not a JSON object"},
        {R"("just a string")", "not a JSON object"},
        {R"({"id":"a","ts":1})", "missing field 'value'"},
        {R"({"id":7,"ts":1,"value":1})", "field 'id' is not a string"},
        {R"({"id":"a","ts":1.5,"value":1})", "field 'ts' is not an integer"},
        {R"({"id":"a","ts":"1","value":1})", "field 'ts' is not an integer"},
        {R"({"id":"a","ts":99999999999999999999,"value":1})", "not valid JSON"},
        {R"({"id":"a","ts":1,"value":"x"})", "field 'value' is not a number"},
        {R"({"id":"a","ts":1,"value":1)", "not valid JSON"},
        {R"({"id":"a","ts":1,"value":1} trailing)", "not valid JSON"},
        {std::string(100000, '['), "not valid JSON"},
        {"{\"id\":\"\xff\xfe\",\"ts\":1,\"value\":1}", "not valid JSON"},
        {std::string("{\"id\":\"a\0b\",\"ts\":1,\"value\":1}", 27), "not valid JSON"},
    };
    for (const auto& [input, expected] : cases) {
        Event e;
        Status st = read(input, e);
        ASSERT_FALSE(st.ok()) << input.substr(0, 60);
        EXPECT_TRUE(st.error().is(Errc::bad_record)) << st.error().to_string();
        EXPECT_NE(st.error().message().find("event: "), std::string::npos);
        EXPECT_NE(st.error().message().find(expected), std::string::npos)
            << input.substr(0, 60) << " -> " << st.error().message();
    }
    std::printf(
        "checked: %zu malformed or hostile inputs (100k nesting, invalid UTF-8, a NUL in "
        "a string, trailing text, wrong types, overflow) are bad records\n",
        cases.size());
}

}  // namespace
}  // namespace es::stream
