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
  EXPECT_EQ(policy.backoff(4), 2500ms);   // 0.5 * min(8 s, 5 s): jitter below the cap
  EXPECT_EQ(policy.backoff(10), 2500ms);  // the cap bounds the range, not the jittered value
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

// A call may cap its own attempts (a probe wants a prompt verdict) under a
// long deadline, and under the client's cap only ever lower it.
TEST_F(RetryTest, ACallsOwnCapEndsItBeforeTheDeadline) {
  RetryPolicy policy({}, clock, random);
  int calls = 0;
  const MonoTime deadline = clock->monotonic() + std::chrono::seconds{300};
  auto failing = [&](const AttemptContext&) -> Result<int> {
    ++calls;
    return std::unexpected(
        Error{ErrorCategory::kRetryable, "Unavailable", "Unavailable", "req-9", 503});
  };
  auto result = policy.run<int>(deadline, failing, nullptr, 3);
  ASSERT_FALSE(result);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(result.error().awsCode, "Unavailable");
  EXPECT_EQ(result.error().requestId, "req-9");
  EXPECT_EQ(result.error().httpStatus, 503);

  RetryOptions options;
  options.maxAttempts = 2;
  RetryPolicy capped(options, clock, random);
  calls = 0;
  EXPECT_FALSE(capped.run<int>(deadline, failing, nullptr, 3));
  EXPECT_EQ(calls, 2);
  calls = 0;
  EXPECT_FALSE(capped.run<int>(std::nullopt, failing, nullptr, 1));
  EXPECT_EQ(calls, 1);
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

// The last attempt started just before the deadline and timed out at it:
// that says nothing new, so the call reports the service's last answer (an
// operator needs its code and request id), not a bare timeout.
TEST_F(RetryTest, AttemptCutShortByTheDeadlineReportsTheLastAnswer) {
  RetryPolicy policy({}, clock, random);
  MonoTime deadline = clock->monotonic() + 800ms;
  int calls = 0;
  auto result = policy.run<int>(deadline, [&](const AttemptContext& ctx) -> Result<int> {
    if (++calls == 1) return std::unexpected(serverError());
    clock->advance(std::chrono::duration_cast<Millis>(*ctx.deadline - clock->monotonic()));
    return std::unexpected(
        Error{ErrorCategory::kRetryable, "timed out", std::string(kTransportTimeoutCode), "", 0});
  });
  ASSERT_FALSE(result);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(result.error().awsCode, "InternalError");
  EXPECT_EQ(result.error().httpStatus, 500);
}

// A timeout well before the deadline is the answer itself, and is reported.
TEST_F(RetryTest, TimeoutBeforeTheDeadlineIsReportedAsIs) {
  RetryPolicy policy({}, clock, random);
  MonoTime deadline = clock->monotonic() + 800ms;
  int calls = 0;
  auto result = policy.run<int>(deadline, [&](const AttemptContext&) -> Result<int> {
    if (++calls == 1) return std::unexpected(serverError());
    clock->advance(100ms);
    return std::unexpected(
        Error{ErrorCategory::kRetryable, "timed out", std::string(kTransportTimeoutCode), "", 0});
  });
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().awsCode, kTransportTimeoutCode);
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

// An empty quota slows retries to the backoff cap instead of ending the
// call: within an action's budget a sick region is still asked, rarely.
TEST_F(RetryTest, QuotaExhaustionSlowsRetriesToTheCap) {
  RetryOptions options;
  options.maxAttempts = 5;
  auto quota = std::make_shared<RetryQuota>(12);
  RetryPolicy policy(options, clock, random, quota);
  int calls = 0;
  auto result = policy.run<int>(std::nullopt, [&](const AttemptContext&) -> Result<int> {
    ++calls;
    return std::unexpected(serverError());
  });
  ASSERT_FALSE(result);
  EXPECT_EQ(calls, 5);
  EXPECT_EQ(quota->available(), 2);  // 12 tokens paid for two retries of 5
  // 0.5 s and 1 s paid for; then two at 0.5 * the 5 s cap, not 2 s and 4 s.
  EXPECT_EQ(clock->totalSlept(), 500ms + 1000ms + 2500ms + 2500ms);
  EXPECT_TRUE(RetryPolicy::isTimeout(
      Error{ErrorCategory::kRetryable, "timed out", std::string(kTransportTimeoutCode)}));
}

// Without max_attempts, the deadline is the budget: 50 throttled answers
// are outlasted when the deadline allows it.
TEST_F(RetryTest, UncappedRetriesRunUntilTheDeadline) {
  RetryPolicy policy({}, clock, random);
  int calls = 0;
  MonoTime deadline = clock->monotonic() + std::chrono::seconds{300};
  auto result = policy.run<int>(deadline, [&](const AttemptContext&) -> Result<int> {
    if (++calls <= 50) return std::unexpected(throttled());
    return 7;
  });
  ASSERT_TRUE(result) << result.error().describe();
  EXPECT_EQ(calls, 51);

  // Never-ending throttling ends at the deadline, not before and not after.
  calls = 0;
  clock = std::make_shared<FakeClock>();
  RetryPolicy bounded({}, clock, random);
  deadline = clock->monotonic() + std::chrono::seconds{100};
  auto failed = bounded.run<int>(deadline, [&](const AttemptContext&) -> Result<int> {
    ++calls;
    return std::unexpected(throttled());
  });
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().category, ErrorCategory::kThrottled);
  EXPECT_LT(clock->monotonic(), deadline);
  EXPECT_GT(clock->monotonic() + 2500ms, deadline);  // stopped only when a backoff would cross it
  EXPECT_GT(calls, 30);

  // No deadline and no cap: the standard three attempts.
  calls = 0;
  auto noDeadline = bounded.run<int>(std::nullopt, [&](const AttemptContext&) -> Result<int> {
    ++calls;
    return std::unexpected(throttled());
  });
  EXPECT_FALSE(noDeadline);
  EXPECT_EQ(calls, kAttemptsWithoutDeadline);
}

TEST_F(RetryTest, PermissionErrorIsTriedExactlyOnceWhateverTheBudget) {
  RetryPolicy policy({}, clock, random);
  int calls = 0;
  auto result = policy.run<int>(
      clock->monotonic() + std::chrono::seconds{300}, [&](const AttemptContext&) -> Result<int> {
        ++calls;
        return std::unexpected(
            Error{ErrorCategory::kPermission, "no", "UnauthorizedOperation", "", 403});
      });
  ASSERT_FALSE(result);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(clock->totalSlept(), 0ms);
}

// A caller with a deadline never queues past it: a region throttled to
// death must not hold later calls (a remote region's reads, bounded by
// remote_wait_s) behind the limiter for longer than their deadline.
TEST_F(RetryTest, AdaptiveRateLimiterGivesUpAtTheCallersDeadline) {
  AdaptiveRateLimiter limiter;
  for (int i = 0; i < 5; ++i) limiter.onAnswer(true, *clock);
  ASSERT_TRUE(limiter.enabled());
  const auto until = clock->monotonic() + 1000ms;
  int sent = 0;
  for (int i = 0; i < 20; ++i) sent += limiter.acquire(*clock, until) ? 1 : 0;
  EXPECT_LT(sent, 20);
  EXPECT_LE(clock->monotonic(), until) << "no wait ended after the deadline";
  // Refused callers took no token: one without a deadline waits only for
  // the ones that were sent.
  const auto before = clock->totalSlept();
  limiter.acquire(*clock);
  EXPECT_LT(clock->totalSlept() - before, 2000ms);
}

TEST_F(RetryTest, AdaptiveRateLimiterBacksOffOnThrottlesAndRecovers) {
  AdaptiveRateLimiter limiter;
  // Free until the first throttle.
  for (int i = 0; i < 100; ++i) limiter.acquire(*clock);
  EXPECT_EQ(clock->totalSlept(), 0ms);
  EXPECT_FALSE(limiter.enabled());

  limiter.onAnswer(true, *clock);
  ASSERT_TRUE(limiter.enabled());
  EXPECT_DOUBLE_EQ(limiter.rate(), 7.0);  // 10/s * 0.7
  limiter.onAnswer(true, *clock);
  limiter.onAnswer(true, *clock);
  EXPECT_NEAR(limiter.rate(), 3.43, 1e-9);
  // Requests now wait for tokens: ten of them take about 10 / 3.43 s.
  for (int i = 0; i < 10; ++i) limiter.acquire(*clock);
  EXPECT_GT(clock->totalSlept(), 2500ms);
  EXPECT_LT(clock->totalSlept(), 3500ms);

  // Successes grow the rate back past where it was throttled.
  clock->advance(std::chrono::seconds{5});
  limiter.onAnswer(false, *clock);
  EXPECT_GT(limiter.rate(), 4.9);
  clock->advance(std::chrono::seconds{30});
  limiter.onAnswer(false, *clock);
  EXPECT_DOUBLE_EQ(limiter.rate(), 100.0);  // capped at maxRate
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
