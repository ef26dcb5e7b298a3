#include "engine/token_bucket.h"

#include <gtest/gtest.h>

#include "engine/parallel.h"
#include "support/fake_clock.h"

namespace tgwark::engine {
namespace {

using namespace std::chrono_literals;

TEST(TokenBucket, BurstIsFreeThenRefillRatePaces) {
  FakeClock clock;
  TokenBucket bucket({50, 5}, clock);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(bucket.acquire());
  EXPECT_EQ(clock.totalSlept(), 0ms);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(bucket.acquire());
  // 10 tokens beyond the burst at 5 per second.
  EXPECT_EQ(clock.totalSlept(), 2000ms);
  EXPECT_EQ(bucket.waited(), 2000ms);
}

TEST(TokenBucket, RefillsWhileIdleUpToCapacity) {
  FakeClock clock;
  TokenBucket bucket({2, 1}, clock);
  ASSERT_TRUE(bucket.acquire());
  ASSERT_TRUE(bucket.acquire());
  clock.advance(10s);  // would be 10 tokens; capped at 2
  ASSERT_TRUE(bucket.acquire());
  ASSERT_TRUE(bucket.acquire());
  EXPECT_EQ(bucket.waited(), 0ms);
  ASSERT_TRUE(bucket.acquire());
  EXPECT_EQ(bucket.waited(), 1000ms);
}

TEST(TokenBucket, RefusesWithoutSleepingWhenTheTokenComesAfterTheDeadline) {
  FakeClock clock;
  TokenBucket bucket({1, 1}, clock);
  const auto deadline = clock.monotonic() + 500ms;
  ASSERT_TRUE(bucket.acquire(deadline));
  EXPECT_FALSE(bucket.acquire(deadline));
  EXPECT_EQ(clock.totalSlept(), 0ms);
  EXPECT_TRUE(bucket.acquire(clock.monotonic() + 1000ms));
  EXPECT_EQ(clock.totalSlept(), 1000ms);
}

TEST(TokenBucket, ConcurrentCallersShareTheRate) {
  FakeClock clock;
  TokenBucket bucket({50, 5}, clock);
  parallelFor(60, 8, [&](std::size_t) { EXPECT_TRUE(bucket.acquire()); });
  // Waiters queue on the bucket, so concurrency does not add sleeps.
  EXPECT_EQ(clock.totalSlept(), 2000ms);
}

TEST(ParallelFor, RunsEveryJobOnce) {
  std::vector<int> hits(100, 0);
  parallelFor(hits.size(), 7, [&](std::size_t i) { ++hits[i]; });
  for (int h : hits) EXPECT_EQ(h, 1);
  parallelFor(0, 4, [&](std::size_t) { FAIL(); });
}

}  // namespace
}  // namespace tgwark::engine

namespace tgwark::engine {
namespace {

// The defaults must stay under EC2's own mutating bucket (50 burst, 5/s), or a
// large apply trips RequestLimitExceeded by itself.
TEST(TokenBucketDefaults, StayUnderEc2MutatingLimits) {
  BucketSettings defaults;
  EXPECT_LT(defaults.capacity, 50);
  EXPECT_LT(defaults.refillPerSecond, 5);
  EXPECT_GT(defaults.refillPerSecond, 4);  // and not needlessly slow
}

}  // namespace
}  // namespace tgwark::engine
