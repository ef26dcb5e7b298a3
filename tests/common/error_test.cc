#include "common/error.h"

#include <memory>
#include <string>
#include <type_traits>

#include <gtest/gtest.h>

namespace tgwark {
namespace {

TEST(ErrorTest, DescribeIncludesCodeRequestIdAndStatus) {
  Error e{ErrorCategory::kThrottled, "slow down", "RequestLimitExceeded", "req-1", 503};
  EXPECT_EQ(e.describe(),
            "throttled: slow down (code=RequestLimitExceeded, request-id=req-1, http=503)");
}

TEST(ErrorTest, DescribeOmitsEmptyDetails) {
  Error e{ErrorCategory::kInvalidConfig, "vip is required", "", "", 0};
  EXPECT_EQ(e.describe(), "invalid-config: vip is required");
}

TEST(ErrorTest, OnlyRetryableAndThrottledAreRetryable) {
  for (auto c : {ErrorCategory::kRetryable, ErrorCategory::kThrottled}) {
    EXPECT_TRUE((Error{c, "x"}.retryable())) << categoryName(c);
  }
  for (auto c : {ErrorCategory::kNotFound, ErrorCategory::kPermission, ErrorCategory::kInvalid,
                 ErrorCategory::kConflict, ErrorCategory::kStale, ErrorCategory::kInvalidConfig,
                 ErrorCategory::kDeadlineExceeded, ErrorCategory::kInternal}) {
    EXPECT_FALSE((Error{c, "x"}.retryable())) << categoryName(c);
  }
}

TEST(ErrorTest, MakeErrorBuildsUnexpected) {
  Result<int> r = makeError(ErrorCategory::kNotFound, "no table", "InvalidRouteTableID.NotFound");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().category, ErrorCategory::kNotFound);
  EXPECT_EQ(r.error().awsCode, "InvalidRouteTableID.NotFound");
}

// The helpers are used through functions, as in production code: the early
// return is what they are for.
Result<int> parsePositive(int v) {
  if (v <= 0) return makeError(ErrorCategory::kInvalidConfig, "not positive", "Code", "req-9", 400);
  return v;
}

Result<void> check(int v) {
  TGWARK_RETURN_IF_ERROR(parsePositive(v));
  return {};
}

Result<void> checkWithContext(int v) {
  TGWARK_RETURN_IF_ERROR(parsePositive(v), "checking " + std::to_string(v));
  return {};
}

Result<int> doubled(int v, bool* reachedEnd) {
  TGWARK_ASSIGN_OR_RETURN(int n, parsePositive(v));
  *reachedEnd = true;
  return 2 * n;
}

Result<int> doubledWithContext(int v) {
  TGWARK_ASSIGN_OR_RETURN(const int n, parsePositive(v), "doubling");
  return 2 * n;
}

Result<int> sumInto(int a, int b) {
  int total = 0;
  TGWARK_ASSIGN_OR_RETURN(total, parsePositive(a));
  TGWARK_ASSIGN_OR_RETURN(int second, parsePositive(b));
  return total + second;
}

TEST(ResultTest, IsAnExpectedWithTheWholeInterface) {
  static_assert(std::is_base_of_v<std::expected<int, Error>, Result<int>>);
  Result<std::string> r = std::string("vip");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r.has_value());
  EXPECT_EQ(*r, "vip");
  EXPECT_EQ(r->size(), 3u);
  EXPECT_EQ(r.value(), "vip");
  EXPECT_EQ(r.value_or("x"), "vip");
  Result<std::string> failed = std::unexpected(Error{ErrorCategory::kNotFound, "gone"});
  EXPECT_FALSE(failed);
  EXPECT_EQ(failed.error().message, "gone");
  // A plain expected (what std algorithms and other code hand back) converts.
  std::expected<std::size_t, Error> plain = r->size();
  Result<std::size_t> length = plain;
  EXPECT_EQ(*length, 3u);
  Result<void> done;
  EXPECT_TRUE(done);
}

TEST(ResultTest, MoveOnlyValuesMoveThrough) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  Result<std::unique_ptr<int>> moved = std::move(r);
  ASSERT_TRUE(moved);
  EXPECT_EQ(**moved, 7);
}

TEST(ErrorHelpersTest, ReturnIfErrorPassesSuccessThrough) {
  EXPECT_TRUE(check(3));
  EXPECT_TRUE(checkWithContext(3));
}

TEST(ErrorHelpersTest, ReturnIfErrorReturnsTheErrorUnchanged) {
  auto r = check(-1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().category, ErrorCategory::kInvalidConfig);
  EXPECT_EQ(r.error().message, "not positive");
  EXPECT_EQ(r.error().awsCode, "Code");
  EXPECT_EQ(r.error().requestId, "req-9");
  EXPECT_EQ(r.error().httpStatus, 400);
}

TEST(ErrorHelpersTest, ContextIsPrefixedAndTheRestKept) {
  auto r = checkWithContext(-2);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "checking -2: not positive");
  EXPECT_EQ(r.error().category, ErrorCategory::kInvalidConfig);
  EXPECT_EQ(r.error().awsCode, "Code");
  EXPECT_EQ(r.error().requestId, "req-9");
  EXPECT_EQ(r.error().httpStatus, 400);
  auto d = doubledWithContext(0);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().message, "doubling: not positive");
}

TEST(ErrorHelpersTest, AssignOrReturnDeclaresTheValue) {
  bool reached = false;
  auto r = doubled(4, &reached);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 8);
  EXPECT_TRUE(reached);
  EXPECT_EQ(*doubledWithContext(5), 10);
}

TEST(ErrorHelpersTest, AssignOrReturnStopsAtTheFirstError) {
  bool reached = false;
  auto r = doubled(-4, &reached);
  ASSERT_FALSE(r);
  EXPECT_FALSE(reached);
  EXPECT_EQ(r.error().message, "not positive");
}

TEST(ErrorHelpersTest, AssignOrReturnAssignsAnExistingVariable) {
  EXPECT_EQ(*sumInto(2, 3), 5);
  EXPECT_FALSE(sumInto(2, -3));
  EXPECT_FALSE(sumInto(-2, 3));
}

TEST(ErrorHelpersTest, ReturnIfErrorCopiesFromAnLvalue) {
  const Result<int> kept = parsePositive(-1);
  auto forward = [&]() -> Result<void> {
    TGWARK_RETURN_IF_ERROR(kept);
    return {};
  };
  auto r = forward();
  ASSERT_FALSE(r);
  EXPECT_EQ(kept.error().message, "not positive");
  Result<int> mutableKept = parsePositive(-1);
  auto forwardMutable = [&]() -> Result<void> {
    TGWARK_RETURN_IF_ERROR(mutableKept);
    return {};
  };
  ASSERT_FALSE(forwardMutable());
  // Not moved from: the caller's result still has its message.
  EXPECT_EQ(mutableKept.error().message, "not positive");
}

struct OtherError {
  int code = 0;
};

std::expected<int, OtherError> otherParse(int v) {
  if (v < 0) return std::unexpected(OtherError{v});
  return v;
}

std::expected<int, OtherError> otherTwice(int v) {
  TGWARK_ASSIGN_OR_RETURN(int n, otherParse(v));
  TGWARK_RETURN_IF_ERROR(otherParse(n - 10));
  return n * 2;
}

TEST(ErrorHelpersTest, WorkWithAnotherErrorType) {
  EXPECT_EQ(*otherTwice(11), 22);
  EXPECT_EQ(otherTwice(-3).error().code, -3);
  EXPECT_EQ(otherTwice(4).error().code, -6);
}

TEST(ErrorTest, WithContextPrefixesTheMessageOnly) {
  Error e = withContext(Error{ErrorCategory::kThrottled, "slow", "RequestLimitExceeded", "r", 503},
                        "DescribeRouteTables in us-east-1");
  EXPECT_EQ(e.message, "DescribeRouteTables in us-east-1: slow");
  EXPECT_EQ(e.category, ErrorCategory::kThrottled);
  EXPECT_EQ(e.awsCode, "RequestLimitExceeded");
  EXPECT_EQ(e.requestId, "r");
  EXPECT_EQ(e.httpStatus, 503);
}

}  // namespace
}  // namespace tgwark
