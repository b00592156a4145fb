#include "stream/state/clean_cache.h"

#include <gtest/gtest.h>

#include <string>

namespace es::stream::state {
namespace {

TEST(CleanCache, EvictsTheLeastRecentlyUsedEntry) {
    CleanCache c(2);
    c.put("a", true, std::string_view("1"));
    c.put("b", true, std::string_view("2"));
    ASSERT_NE(c.find("a"), nullptr);  // a is now the most recent
    c.put("c", true, std::string_view("3"));
    EXPECT_EQ(c.size(), 2u);
    EXPECT_EQ(c.find("b"), nullptr);
    ASSERT_NE(c.find("a"), nullptr);
    EXPECT_EQ(c.find("a")->stored, "1");
    ASSERT_NE(c.find("c"), nullptr);
    EXPECT_EQ(c.find("c")->key, "c");
}

TEST(CleanCache, RemembersAbsentKeys) {
    CleanCache c(4);
    c.put("gone", false, std::string_view("ignored"));
    const auto* e = c.find("gone");
    ASSERT_NE(e, nullptr);
    EXPECT_FALSE(e->live);
    EXPECT_TRUE(e->stored.empty());
}

TEST(CleanCache, PeekDoesNotChangeTheEvictionOrder) {
    CleanCache c(2);
    c.put("a", true, std::string_view("1"));
    c.put("b", true, std::string_view("2"));
    ASSERT_NE(c.peek("a"), nullptr);
    c.put("c", true, std::string_view("3"));
    EXPECT_EQ(c.peek("a"), nullptr);
    EXPECT_NE(c.peek("b"), nullptr);
}

TEST(CleanCache, ZeroCapacityCachesNothing) {
    CleanCache c(0);
    c.put("a", true, std::string_view("1"));
    EXPECT_EQ(c.find("a"), nullptr);
    EXPECT_EQ(c.size(), 0u);
}

TEST(CleanCache, ReusedNodesStayFindableUnderTheirNewKeysOnly) {
    CleanCache c(8);
    for (int i = 0; i < 1000; ++i) {
        std::string k = "key-" + std::to_string(i);
        std::string v = "value-" + std::to_string(i);
        c.put(k, true, std::move(v));
    }
    EXPECT_EQ(c.size(), 8u);
    for (int i = 0; i < 992; ++i) EXPECT_EQ(c.peek("key-" + std::to_string(i)), nullptr) << i;
    for (int i = 992; i < 1000; ++i) {
        const auto* e = c.peek("key-" + std::to_string(i));
        ASSERT_NE(e, nullptr) << i;
        EXPECT_EQ(e->stored, "value-" + std::to_string(i));
    }
    c.erase("key-995");
    EXPECT_EQ(c.peek("key-995"), nullptr);
    EXPECT_EQ(c.size(), 7u);
}

}  // namespace
}  // namespace es::stream::state
