#include "registry/serdes/wire_format.h"

#include "registry/serdes/errc.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace es::registry::serdes {
namespace {

TEST(WireFormat, HeaderIsMagicByteAndBigEndianId) {
    std::string out;
    append_header(0x01020304, out);
    ASSERT_EQ(out, std::string("\x00\x01\x02\x03\x04", 5));
    const std::string framed = out + "payload";  // the payload is a view into it
    auto f = unframe(framed, false);
    ASSERT_TRUE(f.ok());
    EXPECT_EQ(f->schema_id, 0x01020304);
    EXPECT_EQ(f->payload, "payload");
    std::printf("checked: header bytes 00 01 02 03 04 and the payload after it\n");
}

TEST(WireFormat, FirstMessageIndexIsASingleZeroByte) {
    std::string out;
    append_header(7, out);
    const std::vector<int32_t> first = {0};
    append_message_indexes(first, out);
    EXPECT_EQ(out.size(), 6u);
    EXPECT_EQ(out[5], '\0');
    const std::string framed = out + "x";
    auto f = unframe(framed, true);
    ASSERT_TRUE(f.ok());
    EXPECT_EQ(f->message_indexes, first);
    EXPECT_EQ(f->payload, "x");
    std::printf("checked: message indexes [0] are one 0 byte and read back as [0]\n");
}

TEST(WireFormat, NestedMessageIndexesAreZigzagVarints) {
    std::string out;
    append_header(7, out);
    const std::vector<int32_t> nested = {1, 0, 300};
    append_message_indexes(nested, out);
    // count 3 -> 6; 1 -> 2; 0 -> 0; 300 -> 600 = 0xd8 0x04
    EXPECT_EQ(out.substr(5), std::string("\x06\x02\x00\xd8\x04", 5));
    auto f = unframe(out, true);
    ASSERT_TRUE(f.ok());
    EXPECT_EQ(f->message_indexes, nested);
    EXPECT_TRUE(f->payload.empty());
    std::printf("checked: indexes [1, 0, 300] as zigzag varints 06 02 00 d8 04\n");
}

TEST(WireFormat, MalformedFramesAreBadData) {
    const std::vector<std::pair<std::string, bool>> cases = {
        {"", false},
        {std::string("\x01\x00\x00\x00\x01", 5), false},         // wrong magic byte
        {std::string("{\"a\":1}"), false},                       // plain JSON, not framed
        {std::string("\x00\x00\x00", 3), false},                 // truncated header
        {std::string("\x00\x00\x00\x00\x01", 5), true},          // no message indexes
        {std::string("\x00\x00\x00\x00\x01\x04\x02", 7), true},  // 2 indexes, 1 given
        {std::string("\x00\x00\x00\x00\x01\x01", 6), true},      // negative count
        {std::string("\x00\x00\x00\x00\x01\xff\xff\xff\xff\x0f", 10), true},  // huge count
        {std::string("\x00\x00\x00\x00\x01\x02\x01", 7), true},               // negative index
        {std::string("\x00\x00\x00\x00\x01\x02\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 16),
         true},  // overlong varint
    };
    for (const auto& [bytes, indexes] : cases) {
        auto f = unframe(bytes, indexes);
        ASSERT_FALSE(f.ok()) << testing::PrintToString(bytes);
        EXPECT_EQ(f.error().code(), Errc::bad_data);
        EXPECT_FALSE(f.error().message().empty());
    }
    std::printf("checked: %zu malformed frames are bad_data with a reason\n", cases.size());
}

}  // namespace
}  // namespace es::registry::serdes
