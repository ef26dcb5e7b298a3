// ErrorIs must refuse what it does not name, or the tests using it prove nothing.
#include "support/error_matchers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tgwark {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using tgwark::testing::ErrorIs;

Result<int> failing(ErrorCategory category, std::string code = {}) {
  return makeError(category, "unknown node 'node-z'", std::move(code));
}

TEST(ErrorIs, MatchesTheCategoryAndOnlyIt) {
  EXPECT_THAT(failing(ErrorCategory::kInvalidConfig), ErrorIs(ErrorCategory::kInvalidConfig));
  EXPECT_THAT(failing(ErrorCategory::kInternal), Not(ErrorIs(ErrorCategory::kInvalidConfig)));
  EXPECT_THAT(Result<int>(1), Not(ErrorIs(ErrorCategory::kInvalidConfig)));
  EXPECT_THAT(Result<void>(), Not(ErrorIs(ErrorCategory::kInternal)));
  Result<void> voidError = makeError(ErrorCategory::kInternal, "x");
  EXPECT_THAT(voidError, ErrorIs(ErrorCategory::kInternal));
}

TEST(ErrorIs, ChecksTheAwsCodeWhenGiven) {
  auto notFound = failing(ErrorCategory::kNotFound, "InvalidRouteTableID.NotFound");
  EXPECT_THAT(notFound, ErrorIs(ErrorCategory::kNotFound, "InvalidRouteTableID.NotFound"));
  EXPECT_THAT(notFound, Not(ErrorIs(ErrorCategory::kNotFound, "InvalidRoute.NotFound")));
  EXPECT_THAT(notFound, ErrorIs(ErrorCategory::kNotFound));
}

TEST(ErrorIs, ChecksTheMessageWhenGiven) {
  auto e = failing(ErrorCategory::kInvalidConfig);
  EXPECT_THAT(e, ErrorIs(ErrorCategory::kInvalidConfig, "", HasSubstr("node-z")));
  EXPECT_THAT(e, Not(ErrorIs(ErrorCategory::kInvalidConfig, "", HasSubstr("node-y"))));
}

TEST(ErrorIs, ExplainsAMismatch) {
  ::testing::StringMatchResultListener listener;
  ::testing::Matcher<const Result<int>&> m = ErrorIs(ErrorCategory::kNotFound);
  EXPECT_FALSE(m.MatchAndExplain(failing(ErrorCategory::kInternal), &listener));
  EXPECT_THAT(listener.str(), HasSubstr("unknown node 'node-z'"));
}

}  // namespace
}  // namespace tgwark
