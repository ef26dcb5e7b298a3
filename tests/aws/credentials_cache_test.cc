// The one credentials cache: refresh ahead of expiry, single flight,
// keeping unexpired credentials over a failed refresh, invalidation.
#include "aws/credentials_cache.h"

#include <latch>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "support/fake_clock.h"
#include "support/fake_credentials.h"

namespace tgwark::aws {
namespace {

using tgwark::testing::credentialsNamed;
using ScriptedProvider = tgwark::testing::ScriptedCredentialsProvider;

TEST(CredentialsCacheTest, OneRefreshWhileManyThreadsWait) {
  auto clock = std::make_shared<FakeClock>();
  auto inner = std::make_shared<ScriptedProvider>();
  std::latch entered(1);
  std::latch release(1);
  inner->next = [&]() -> Result<Credentials> {
    entered.count_down();
    release.wait();  // hold the refresh until every other thread is queued behind it
    return credentialsNamed("AKIDONE", clock->now() + std::chrono::hours(1));
  };
  CachedCredentialsProvider cached(inner, clock);
  constexpr int kThreads = 8;
  std::vector<std::string> keys(kThreads);
  std::vector<std::thread> threads;
  threads.emplace_back([&] { keys[0] = cached.getCredentials()->accessKeyId; });
  entered.wait();
  for (int i = 1; i < kThreads; ++i) {
    threads.emplace_back([&, i] { keys[i] = cached.getCredentials()->accessKeyId; });
  }
  // Release the refresh only once every other caller is blocked behind it.
  while (cached.waiting() < kThreads - 1 && inner->calls.load() == 1) {
    std::this_thread::yield();  // bounded: a broken cache calls inner again instead of waiting
  }
  release.count_down();
  for (auto& t : threads) t.join();
  EXPECT_EQ(inner->calls.load(), 1);
  for (const auto& k : keys) EXPECT_EQ(k, "AKIDONE");
}

TEST(CredentialsCacheTest, FailedRefreshIsSharedByWaiters) {
  auto clock = std::make_shared<FakeClock>();
  auto inner = std::make_shared<ScriptedProvider>();
  std::latch entered(1);
  std::latch release(1);
  inner->next = [&]() -> Result<Credentials> {
    entered.count_down();
    release.wait();
    return makeError(ErrorCategory::kRetryable, "down");
  };
  CachedCredentialsProvider cached(inner, clock);
  constexpr int kThreads = 4;
  std::vector<std::string> messages(kThreads);
  std::vector<std::thread> threads;
  threads.emplace_back([&] { messages[0] = cached.getCredentials().error().message; });
  entered.wait();
  for (int i = 1; i < kThreads; ++i) {
    threads.emplace_back([&, i] { messages[i] = cached.getCredentials().error().message; });
  }
  while (cached.waiting() < kThreads - 1 && inner->calls.load() == 1) {
    std::this_thread::yield();  // bounded: a broken cache calls inner again instead of waiting
  }
  release.count_down();
  for (auto& t : threads) t.join();
  EXPECT_EQ(inner->calls.load(), 1);
  for (const auto& m : messages) EXPECT_EQ(m, "down");

  // Errors are not cached: the next call tries again.
  inner->next = [] { return Result<Credentials>(makeError(ErrorCategory::kRetryable, "again")); };
  EXPECT_EQ(cached.getCredentials().error().message, "again");
  EXPECT_EQ(inner->calls.load(), 2);
}

TEST(CredentialsCacheTest, NoExpiryCachedForeverShortLivedNotRefetchedEveryCall) {
  auto clock = std::make_shared<FakeClock>();
  auto inner = std::make_shared<ScriptedProvider>();
  inner->next = [] { return Result<Credentials>(credentialsNamed("AKIDSTATIC")); };
  CachedCredentialsProvider forever(inner, clock);
  EXPECT_TRUE(forever.getCredentials().has_value());
  clock->advance(std::chrono::hours(1000));
  EXPECT_TRUE(forever.getCredentials().has_value());
  EXPECT_EQ(inner->calls.load(), 1);

  auto shortLived = std::make_shared<ScriptedProvider>();
  shortLived->next = [&] {
    return Result<Credentials>(
        credentialsNamed("AKIDSHORT", clock->now() + std::chrono::minutes(2)));
  };
  CachedCredentialsProvider cached(shortLived, clock);
  EXPECT_TRUE(cached.getCredentials().has_value());
  EXPECT_TRUE(cached.getCredentials().has_value());
  EXPECT_EQ(shortLived->calls.load(), 1);  // inside the 5-minute window, but kept for half its life
  clock->advance(std::chrono::seconds(61));
  EXPECT_TRUE(cached.getCredentials().has_value());
  EXPECT_EQ(shortLived->calls.load(), 2);
}

TEST(CredentialsCacheTest, RefreshesAheadOfExpiry) {
  auto clock = std::make_shared<FakeClock>();
  auto inner = std::make_shared<ScriptedProvider>();
  int fetched = 0;
  inner->next = [&] {
    return Result<Credentials>(
        credentialsNamed(fmt::format("AKID{}", ++fetched), clock->now() + std::chrono::hours(1)));
  };
  CachedCredentialsProvider cached(inner, clock);
  EXPECT_EQ(cached.getCredentials()->accessKeyId, "AKID1");
  clock->advance(std::chrono::minutes(54) + std::chrono::seconds(59));
  EXPECT_EQ(cached.getCredentials()->accessKeyId, "AKID1");
  EXPECT_EQ(inner->calls.load(), 1);
  clock->advance(std::chrono::seconds(1));  // exactly 5 minutes before expiry
  EXPECT_EQ(cached.getCredentials()->accessKeyId, "AKID2");
  EXPECT_EQ(inner->calls.load(), 2);

  // A shorter window refreshes later.
  CachedCredentialsProvider late(inner, clock, std::chrono::seconds(60));
  EXPECT_EQ(late.getCredentials()->accessKeyId, "AKID3");
  clock->advance(std::chrono::minutes(58));
  EXPECT_EQ(late.getCredentials()->accessKeyId, "AKID3");
  clock->advance(std::chrono::minutes(1));
  EXPECT_EQ(late.getCredentials()->accessKeyId, "AKID4");
}

TEST(CredentialsCacheTest, OthersKeepUsingUnexpiredCredentialsDuringARefresh) {
  auto clock = std::make_shared<FakeClock>();
  auto inner = std::make_shared<ScriptedProvider>();
  inner->next = [&] {
    return Result<Credentials>(credentialsNamed("AKIDOLD", clock->now() + std::chrono::hours(1)));
  };
  CachedCredentialsProvider cached(inner, clock);
  ASSERT_TRUE(cached.getCredentials());
  clock->advance(std::chrono::minutes(57));  // inside the refresh window, not expired

  std::latch entered(1);
  std::latch release(1);
  inner->next = [&]() -> Result<Credentials> {
    entered.count_down();
    release.wait();
    return credentialsNamed("AKIDNEW", clock->now() + std::chrono::hours(1));
  };
  std::string refresherKey;
  std::thread refresher([&] { refresherKey = cached.getCredentials()->accessKeyId; });
  entered.wait();
  // Neither blocks nor starts a second fetch while the first is under way.
  EXPECT_EQ(cached.getCredentials()->accessKeyId, "AKIDOLD");
  EXPECT_EQ(cached.waiting(), 0u);
  EXPECT_EQ(inner->calls.load(), 2);
  release.count_down();
  refresher.join();
  EXPECT_EQ(refresherKey, "AKIDNEW");
  EXPECT_EQ(cached.getCredentials()->accessKeyId, "AKIDNEW");
  EXPECT_EQ(inner->calls.load(), 2);
}

TEST(CredentialsCacheTest, KeepsUnexpiredCredentialsWhenRefreshFails) {
  auto clock = std::make_shared<FakeClock>();
  auto inner = std::make_shared<ScriptedProvider>();
  const WallTime expiry = clock->now() + std::chrono::hours(1);
  inner->next = [&] { return Result<Credentials>(credentialsNamed("AKIDOLD", expiry)); };
  CachedCredentialsProvider cached(inner, clock);
  ASSERT_TRUE(cached.getCredentials());
  inner->next = [] { return Result<Credentials>(makeError(ErrorCategory::kRetryable, "down")); };
  clock->advance(std::chrono::minutes(57));
  EXPECT_EQ(cached.getCredentials()->accessKeyId, "AKIDOLD");
  EXPECT_EQ(inner->calls.load(), 2);        // the refresh was tried
  clock->advance(std::chrono::minutes(4));  // now expired
  auto r = cached.getCredentials();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "down");
}

TEST(CredentialsCacheTest, InvalidateDropsTheCopyAndIsPassedOn) {
  auto clock = std::make_shared<FakeClock>();
  auto inner = std::make_shared<ScriptedProvider>();
  inner->next = [] { return Result<Credentials>(credentialsNamed("AKID")); };
  CachedCredentialsProvider cached(inner, clock);
  EXPECT_TRUE(cached.getCredentials().has_value());
  EXPECT_TRUE(cached.getCredentials().has_value());
  EXPECT_EQ(inner->calls.load(), 1);
  cached.invalidate();
  EXPECT_EQ(inner->invalidations.load(), 1);  // a cache behind this one drops its copy too
  EXPECT_TRUE(cached.getCredentials().has_value());
  EXPECT_EQ(inner->calls.load(), 2);

  // Rejected credentials are not handed out again even if the refetch fails.
  cached.invalidate();
  inner->next = [] { return Result<Credentials>(makeError(ErrorCategory::kRetryable, "down")); };
  EXPECT_FALSE(cached.getCredentials().has_value());
}

TEST(CredentialsCacheTest, InvalidateReachesAProviderBehindTwoCaches) {
  auto clock = std::make_shared<FakeClock>();
  auto inner = std::make_shared<ScriptedProvider>();
  int fetched = 0;
  inner->next = [&] {
    return Result<Credentials>(credentialsNamed(fmt::format("AKID{}", ++fetched)));
  };
  auto innerCache = std::make_shared<CachedCredentialsProvider>(inner, clock);
  CachedCredentialsProvider outer(innerCache, clock);
  EXPECT_EQ(outer.getCredentials()->accessKeyId, "AKID1");
  outer.invalidate();
  EXPECT_EQ(outer.getCredentials()->accessKeyId, "AKID2");
  EXPECT_EQ(inner->invalidations.load(), 1);
}

TEST(CredentialsCacheTest, ThrowingProviderIsAnErrorNotAStuckCache) {
  auto clock = std::make_shared<FakeClock>();
  auto inner = std::make_shared<ScriptedProvider>();
  inner->next = []() -> Result<Credentials> { throw std::runtime_error("boom"); };
  CachedCredentialsProvider cached(inner, clock);
  auto r = cached.getCredentials();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().category, ErrorCategory::kInternal);
  inner->next = [] { return Result<Credentials>(credentialsNamed("AKID")); };
  EXPECT_EQ(cached.getCredentials()->accessKeyId, "AKID");
}

}  // namespace
}  // namespace tgwark::aws
