#include "common/error.h"

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
                 ErrorCategory::kConflict, ErrorCategory::kInvalidConfig,
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

}  // namespace
}  // namespace tgwark
