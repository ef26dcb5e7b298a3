// The per-region role provider: STS AssumeRole with a source provider's
// credentials, alone and behind the cache.
#include "aws/credentials_sts.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "aws/credentials_cache.h"
#include "aws/iso8601.h"
#include "aws/sigv4.h"
#include "support/fake_clock.h"
#include "support/fake_credentials.h"
#include "support/fake_http_client.h"

namespace tgwark::aws {
namespace {

using tgwark::testing::assumeRoleResponse;
using tgwark::testing::envOf;
using tgwark::testing::FakeHttpClient;
using tgwark::testing::ScriptedCredentialsProvider;

constexpr const char* kRole = "arn:aws:iam::111122223333:role/tgw-routes";

std::string expiredTokenError() {
  return "<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code>"
         "<Message>The security token included in the request is expired</Message></Error>"
         "<RequestId>r</RequestId></ErrorResponse>";
}

std::shared_ptr<ScriptedCredentialsProvider> sourceNamed(std::string key) {
  auto source = std::make_shared<ScriptedCredentialsProvider>();
  source->next = [key] {
    Credentials c;
    c.accessKeyId = key;
    c.secretAccessKey = SecretString("source-secret");
    c.source = "environment";
    return Result<Credentials>(c);
  };
  return source;
}

struct StsProviderTest : ::testing::Test {
  std::shared_ptr<FakeHttpClient> http = std::make_shared<FakeHttpClient>();
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  AssumeRoleOptions options() {
    AssumeRoleOptions o;
    o.roleArn = kRole;
    o.region = "eu-west-1";
    return o;
  }
  std::string in(std::chrono::minutes m) { return formatIso8601(clock->now() + m); }
};

TEST_F(StsProviderTest, AssumesTheRoleOnEveryCall) {
  auto source = sourceNamed("AKIDSOURCE");
  http->enqueue(200, assumeRoleResponse("ASIAFIRST", in(std::chrono::minutes(60))));
  http->enqueue(200, assumeRoleResponse("ASIASECOND", in(std::chrono::minutes(60))));
  StsAssumeRoleProvider provider(options(), source, http, clock, envOf({}));
  EXPECT_EQ(provider.getCredentials()->accessKeyId, "ASIAFIRST");
  EXPECT_EQ(provider.getCredentials()->accessKeyId, "ASIASECOND");
  EXPECT_EQ(source->calls.load(), 2);
  EXPECT_EQ(http->lastRequest().url, "https://sts.eu-west-1.amazonaws.com/");
  auto auth = sigv4::parseAuthorization(findHeader(http->lastRequest().headers, "Authorization"));
  ASSERT_TRUE(auth.has_value());
  EXPECT_EQ(auth->accessKeyId, "AKIDSOURCE");
}

TEST_F(StsProviderTest, CachedUntilFiveMinutesBeforeExpiry) {
  http->enqueue(200, assumeRoleResponse("ASIAFIRST", in(std::chrono::minutes(60))));
  http->enqueue(200, assumeRoleResponse("ASIASECOND", in(std::chrono::minutes(120))));
  auto source = sourceNamed("AKIDSOURCE");
  CachedCredentialsProvider provider(
      std::make_shared<StsAssumeRoleProvider>(options(), source, http, clock, envOf({})), clock);

  EXPECT_EQ(provider.getCredentials()->accessKeyId, "ASIAFIRST");
  clock->advance(std::chrono::minutes(54));
  EXPECT_EQ(provider.getCredentials()->accessKeyId, "ASIAFIRST");
  EXPECT_EQ(http->requestCount(), 1u);
  clock->advance(std::chrono::minutes(2));  // 4 minutes left: refresh
  EXPECT_EQ(provider.getCredentials()->accessKeyId, "ASIASECOND");
  EXPECT_EQ(http->requestCount(), 2u);
  EXPECT_EQ(source->calls.load(), 2);
}

TEST_F(StsProviderTest, InvalidatingTheCacheAssumesTheRoleAgain) {
  http->enqueue(200, assumeRoleResponse("ASIAFIRST", in(std::chrono::minutes(60))));
  http->enqueue(200, assumeRoleResponse("ASIASECOND", in(std::chrono::minutes(60))));
  auto source = sourceNamed("AKIDSOURCE");
  CachedCredentialsProvider provider(
      std::make_shared<StsAssumeRoleProvider>(options(), source, http, clock, envOf({})), clock);
  EXPECT_EQ(provider.getCredentials()->accessKeyId, "ASIAFIRST");
  provider.invalidate();
  EXPECT_EQ(provider.getCredentials()->accessKeyId, "ASIASECOND");
  // Rejected role credentials say nothing about the source's.
  EXPECT_EQ(source->invalidations.load(), 0);
}

TEST_F(StsProviderTest, ExpiredSourceCredentialsAreInvalidatedAndFetchedOnceMore) {
  auto source = std::make_shared<ScriptedCredentialsProvider>();
  int fetched = 0;
  source->next = [&] {
    Credentials c;
    c.accessKeyId = fmt::format("AKIDSOURCE{}", ++fetched);
    c.secretAccessKey = SecretString("source-secret");
    return Result<Credentials>(c);
  };
  http->enqueue(400, expiredTokenError());
  http->enqueue(200, assumeRoleResponse("ASIAROLE", in(std::chrono::minutes(60))));
  StsAssumeRoleProvider provider(options(), source, http, clock, envOf({}));
  auto creds = provider.getCredentials();
  ASSERT_TRUE(creds.has_value()) << creds.error().describe();
  EXPECT_EQ(creds->accessKeyId, "ASIAROLE");
  EXPECT_EQ(source->invalidations.load(), 1);
  auto auth = sigv4::parseAuthorization(findHeader(http->lastRequest().headers, "Authorization"));
  ASSERT_TRUE(auth.has_value());
  EXPECT_EQ(auth->accessKeyId, "AKIDSOURCE2");

  // Only once: a source that stays expired is reported, not looped on.
  http->enqueue(400, expiredTokenError());
  http->enqueue(400, expiredTokenError());
  auto failed = provider.getCredentials();
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().awsCode, "ExpiredToken");
  EXPECT_EQ(http->requestCount(), 4u);
  EXPECT_EQ(source->invalidations.load(), 2);
}

TEST_F(StsProviderTest, MissingSourceIsConfigError) {
  auto source = std::make_shared<ScriptedCredentialsProvider>();
  source->next = [] {
    return Result<Credentials>(makeError(ErrorCategory::kNotFound, "no AWS credentials found"));
  };
  StsAssumeRoleProvider provider(options(), source, http, clock, envOf({}));
  auto r = provider.getCredentials();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().category, ErrorCategory::kInvalidConfig);
  EXPECT_NE(r.error().message.find(kRole), std::string::npos);
  EXPECT_EQ(http->requestCount(), 0u);
}

}  // namespace
}  // namespace tgwark::aws
