#include "registry/compat/compat.h"

#include "registry/compat/errc.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

namespace es::registry::compat {
namespace {

TEST(CompatibilityLevel, NamesRoundTripAndParseIgnoringCase) {
    for (auto level : {CompatibilityLevel::none, CompatibilityLevel::backward,
                       CompatibilityLevel::backward_transitive, CompatibilityLevel::forward,
                       CompatibilityLevel::forward_transitive, CompatibilityLevel::full,
                       CompatibilityLevel::full_transitive}) {
        auto parsed = parse_compatibility_level(to_string(level));
        ASSERT_TRUE(parsed.ok());
        EXPECT_EQ(*parsed, level);
    }
    EXPECT_EQ(to_string(CompatibilityLevel::full_transitive), "FULL_TRANSITIVE");
    auto lower = parse_compatibility_level("backward_transitive");
    ASSERT_TRUE(lower.ok());
    EXPECT_EQ(*lower, CompatibilityLevel::backward_transitive);
    auto mixed = parse_compatibility_level("Full");
    ASSERT_TRUE(mixed.ok());
    EXPECT_EQ(*mixed, CompatibilityLevel::full);
}

TEST(CompatibilityLevel, UnknownNamesAreErrors) {
    for (const char* text : {"", "BACKWARDS", "full-transitive", "NONE ", "TRANSITIVE"}) {
        auto parsed = parse_compatibility_level(text);
        ASSERT_FALSE(parsed.ok()) << text;
        EXPECT_TRUE(parsed.error().is(Errc::invalid_level));
        EXPECT_NE(parsed.error().message().find("FULL_TRANSITIVE"), std::string::npos);
    }
}

/// Which (reader_is_new, previous_index) pairs each level checks, with a history of three.
std::set<std::pair<bool, std::size_t>> calls_of(CompatibilityLevel level, std::size_t count = 3) {
    std::set<std::pair<bool, std::size_t>> calls;
    auto result = check_compatibility(level, count, [&](bool reader_is_new, std::size_t i) {
        calls.emplace(reader_is_new, i);
        return std::vector<Incompatibility>{};
    });
    EXPECT_TRUE(result.compatible());
    return calls;
}

TEST(CheckCompatibility, LevelsCheckTheRightPairs) {
    using Calls = std::set<std::pair<bool, std::size_t>>;
    EXPECT_EQ(calls_of(CompatibilityLevel::none), Calls{});
    EXPECT_EQ(calls_of(CompatibilityLevel::backward), (Calls{{true, 2}}));
    EXPECT_EQ(calls_of(CompatibilityLevel::forward), (Calls{{false, 2}}));
    EXPECT_EQ(calls_of(CompatibilityLevel::full), (Calls{{true, 2}, {false, 2}}));
    EXPECT_EQ(calls_of(CompatibilityLevel::backward_transitive),
              (Calls{{true, 0}, {true, 1}, {true, 2}}));
    EXPECT_EQ(calls_of(CompatibilityLevel::forward_transitive),
              (Calls{{false, 0}, {false, 1}, {false, 2}}));
    EXPECT_EQ(calls_of(CompatibilityLevel::full_transitive),
              (Calls{{true, 0}, {true, 1}, {true, 2}, {false, 0}, {false, 1}, {false, 2}}));
    EXPECT_EQ(calls_of(CompatibilityLevel::full_transitive, 0), Calls{});
}

TEST(CheckCompatibility, TemplateOverSchemasPassesReaderAndWriter) {
    // Schemas are ints; a reader reads a writer when it is not older.
    std::vector<int> previous{1, 5, 2};
    auto can_read = [](int reader, int writer) {
        std::vector<Incompatibility> out;
        if (reader < writer) {
            out.push_back({"/", "TOO_OLD",
                           std::to_string(reader) + " cannot read " + std::to_string(writer)});
        }
        return out;
    };
    auto backward = check_compatibility(CompatibilityLevel::backward, 3, previous, can_read);
    EXPECT_TRUE(backward.compatible());  // 3 reads 2
    auto transitive =
        check_compatibility(CompatibilityLevel::backward_transitive, 3, previous, can_read);
    ASSERT_EQ(transitive.issues.size(), 1u);  // 3 cannot read 5
    EXPECT_EQ(transitive.issues[0].previous_index, 1u);
    EXPECT_TRUE(transitive.issues[0].new_is_reader);
    EXPECT_EQ(transitive.issues[0].incompatibility.message, "3 cannot read 5");
    auto full = check_compatibility(CompatibilityLevel::full, 1, previous, can_read);
    ASSERT_EQ(full.issues.size(), 1u);  // 2 reads 1, but 1 cannot read 2
    EXPECT_TRUE(full.issues[0].new_is_reader);
    EXPECT_EQ(to_string(full.issues[0], previous.size()),
              "new schema (reader) cannot read data written with previous version 3 of 3 "
              "(writer): /: TOO_OLD: 1 cannot read 2");
    auto forward = check_compatibility(CompatibilityLevel::forward, 9, previous, can_read);
    ASSERT_EQ(forward.issues.size(), 1u);
    EXPECT_FALSE(forward.issues[0].new_is_reader);
    EXPECT_EQ(to_string(forward.issues[0], previous.size()),
              "previous version 3 of 3 (reader) cannot read data written with the new schema "
              "(writer): /: TOO_OLD: 2 cannot read 9");
}

}  // namespace
}  // namespace es::registry::compat
