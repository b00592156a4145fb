#include "base/result.h"

#include "base/errc.h"

#include <gtest/gtest.h>

#include <memory>

namespace es {
namespace {

Result<int> parse_positive(int v) {
    if (v <= 0) return Error(Errc::invalid_argument, "want a positive number");
    return v;
}

Result<int> doubled(int v) {
    ES_TRY(int x, parse_positive(v));
    return 2 * x;
}

Status check_both(int a, int b) {
    ES_CHECK(parse_positive(a));
    ES_CHECK(parse_positive(b));
    return {};
}

TEST(Result, CarriesValueOrTypedError) {
    EXPECT_EQ(*doubled(4), 8);
    auto bad = doubled(-1);
    ASSERT_FALSE(bad.ok());
    EXPECT_TRUE(bad.error().is(Errc::invalid_argument));
    EXPECT_FALSE(bad.error().is(Errc::truncated));
    EXPECT_EQ(bad.error().to_string(), "base: invalid argument: want a positive number");
    EXPECT_EQ(bad.error().code_as(Errc::io_error), Errc::invalid_argument);
}

TEST(Result, StatusPropagatesTheFirstError) {
    EXPECT_TRUE(check_both(1, 2).ok());
    EXPECT_TRUE(check_both(1, 0).error().is(Errc::invalid_argument));
}

TEST(Result, HoldsMoveOnlyValues) {
    Result<std::unique_ptr<int>> r(std::make_unique<int>(5));
    std::unique_ptr<int> p = std::move(r).value();
    EXPECT_EQ(*p, 5);
}

TEST(Result, ContextIsPrepended) {
    Error e = Error(Errc::io_error, "fdatasync: EIO").with_context("segment 00000000000000000042");
    EXPECT_EQ(e.message(), "segment 00000000000000000042: fdatasync: EIO");
}

}  // namespace
}  // namespace es
