#include "aws/retry.h"

#include <map>

#include <gtest/gtest.h>

#include "aws/http_client.h"
#include "support/fake_clock.h"

namespace tgwark::aws {
namespace {

using namespace std::chrono_literals;

Error throttled() {
  return Error{ErrorCategory::kThrottled, "RequestLimitExceeded: slow down", "RequestLimitExceeded",
               "r", 503};
}
Error serverError() {
  return Error{ErrorCategory::kRetryable, "InternalError", "InternalError", "", 500};
}

struct Fixture : ::testing::Test {
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  std::shared_ptr<FixedRandom> random = std::make_shared<FixedRandom>(0.5);
};

using RetryTest = Fixture;

TEST_F(RetryTest, BackoffIsFullJitterExponentialWithCap) {
  RetryPolicy policy({}, clock, random);
  EXPECT_EQ(policy.backoff(1), 500ms);
  EXPECT_EQ(policy.backoff(2), 1000ms);
  EXPECT_EQ(policy.backoff(3), 2000ms);
  EXPECT_EQ(policy.backoff(10), 20000ms);  // 0.5 * 512 s capped at 20 s
  RetryPolicy zero({}, clock, std::make_shared<FixedRandom>(0.0));
  EXPECT_EQ(zero.backoff(5), 0ms);
}

TEST_F(RetryTest, ThrottleThenSuccess) {
  RetryPolicy policy({}, clock, random);
  int calls = 0;
  RetryStats stats;
  auto result = policy.run<int>(
      std::nullopt,
      [&](const AttemptContext& ctx) -> Result<int> {
        ++calls;
        EXPECT_EQ(ctx.attempt, calls);
        if (calls < 3) return std::unexpected(throttled());
        return 42;
      },
      &stats);
  ASSERT_TRUE(result);
  EXPECT_EQ(*result, 42);
  EXPECT_EQ(stats.attempts, 3);
  EXPECT_TRUE(stats.throttled);
  EXPECT_EQ(clock->totalSlept(), 1500ms);  // 0.5 s + 1 s
  // Two retries took 5 each; the success paid back the last one.
  EXPECT_EQ(policy.quota().available(), 500 - 10 + 5);
}

TEST_F(RetryTest, GivesUpAfterMaxAttempts) {
  RetryOptions options;
  options.maxAttempts = 2;
  RetryPolicy policy(options, clock, random);
  int calls = 0;
  auto result = policy.run<int>(std::nullopt, [&](const AttemptContext&) -> Result<int> {
    ++calls;
    return std::unexpected(serverError());
  });
  ASSERT_FALSE(result);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(result.error().awsCode, "InternalError");
}

TEST_F(RetryTest, NonRetryableErrorsAreNotRetried) {
  RetryPolicy policy({}, clock, random);
  for (ErrorCategory category :
       {ErrorCategory::kInvalid, ErrorCategory::kPermission, ErrorCategory::kNotFound,
        ErrorCategory::kConflict, ErrorCategory::kStale}) {
    int calls = 0;
    auto result = policy.run<int>(std::nullopt, [&](const AttemptContext&) -> Result<int> {
      ++calls;
      return std::unexpected(Error{category, "no", "SomeCode", "", 400});
    });
    ASSERT_FALSE(result);
    EXPECT_EQ(calls, 1) << categoryName(category);
    EXPECT_EQ(result.error().category, category);
  }
  EXPECT_EQ(clock->totalSlept(), 0ms);
}

TEST_F(RetryTest, BackoffCrossingDeadlineReturnsLastError) {
  RetryPolicy policy({}, clock, random);
  MonoTime deadline = clock->monotonic() + 800ms;
  int calls = 0;
  auto result = policy.run<int>(deadline, [&](const AttemptContext& ctx) -> Result<int> {
    ++calls;
    EXPECT_EQ(ctx.deadline, deadline);
    return std::unexpected(throttled());
  });
  ASSERT_FALSE(result);
  // First retry after 500 ms fits; the second (1 s) would end past 800 ms.
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(result.error().category, ErrorCategory::kThrottled);
  EXPECT_EQ(clock->totalSlept(), 500ms);
}

TEST_F(RetryTest, PassedDeadlineIsDeadlineExceeded) {
  RetryPolicy policy({}, clock, random);
  MonoTime deadline = clock->monotonic();
  clock->advance(1ms);
  int calls = 0;
  auto result = policy.run<int>(deadline, [&](const AttemptContext&) -> Result<int> {
    ++calls;
    return 1;
  });
  ASSERT_FALSE(result);
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(result.error().category, ErrorCategory::kDeadlineExceeded);
}

TEST_F(RetryTest, QuotaExhaustionStopsRetries) {
  RetryOptions options;
  options.maxAttempts = 10;
  auto quota = std::make_shared<RetryQuota>(12);
  RetryPolicy policy(options, clock, random, quota);
  int calls = 0;
  auto result = policy.run<int>(std::nullopt, [&](const AttemptContext&) -> Result<int> {
    ++calls;
    return std::unexpected(serverError());
  });
  ASSERT_FALSE(result);
  EXPECT_EQ(calls, 3);  // 12 tokens pay for two retries of 5
  EXPECT_EQ(quota->available(), 2);

  // Timeouts cost 10: with 2 left, none at all.
  calls = 0;
  result = policy.run<int>(std::nullopt, [&](const AttemptContext&) -> Result<int> {
    ++calls;
    return std::unexpected(
        Error{ErrorCategory::kRetryable, "timed out", std::string(kTransportTimeoutCode)});
  });
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(RetryPolicy::isTimeout(result.error()));
}

TEST_F(RetryTest, SuccessRefillsQuotaUpToCapacity) {
  RetryQuota quota(10);
  EXPECT_TRUE(quota.tryAcquire(10));
  EXPECT_FALSE(quota.tryAcquire(1));
  quota.release(3);
  EXPECT_EQ(quota.available(), 3);
  quota.release(100);
  EXPECT_EQ(quota.available(), 10);
}

TEST_F(RetryTest, ExpiredTokenRetriedOnceWithFreshCredentials) {
  RetryOptions options;
  options.maxAttempts = 1;  // the credential retry is on top of the normal attempts
  RetryPolicy policy(options, clock, random);
  std::vector<bool> flags;
  auto result = policy.run<int>(std::nullopt, [&](const AttemptContext& ctx) -> Result<int> {
    flags.push_back(ctx.credentialsExpired);
    return std::unexpected(
        Error{ErrorCategory::kPermission, "ExpiredToken: expired", "ExpiredToken", "", 400});
  });
  ASSERT_FALSE(result);
  EXPECT_EQ(flags, (std::vector<bool>{false, true}));
  EXPECT_EQ(result.error().awsCode, "ExpiredToken");
}

TEST_F(RetryTest, VoidResults) {
  RetryPolicy policy({}, clock, random);
  int calls = 0;
  Result<void> result = policy.run<void>(std::nullopt, [&](const AttemptContext&) -> Result<void> {
    if (++calls == 1) return std::unexpected(serverError());
    return {};
  });
  EXPECT_TRUE(result);
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace tgwark::aws
