// The provider chain and the default chain (environment -> profile files ->
// IMDSv2) behind the cache.
#include "aws/credentials_chain.h"

#include <map>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "aws/iso8601.h"
#include "support/fake_clock.h"
#include "support/fake_credentials.h"
#include "support/fake_http_client.h"

namespace tgwark::aws {
namespace {

using tgwark::testing::credentialsNamed;
using tgwark::testing::envOf;
using tgwark::testing::FakeHttpClient;
using tgwark::testing::FakeImds;
using ScriptedProvider = tgwark::testing::ScriptedCredentialsProvider;

TEST(Chain, TriesInOrderAndRemembersTheOneThatWorked) {
  auto first = std::make_shared<ScriptedProvider>();
  auto second = std::make_shared<ScriptedProvider>();
  first->next = [] { return Result<Credentials>(makeError(ErrorCategory::kNotFound, "unset")); };
  second->next = [] { return Result<Credentials>(credentialsNamed("AKIDSECOND")); };
  ChainCredentialsProvider chain({{"first", first}, {"second", second}});
  EXPECT_EQ(chain.getCredentials()->accessKeyId, "AKIDSECOND");
  EXPECT_EQ(chain.getCredentials()->accessKeyId, "AKIDSECOND");
  EXPECT_EQ(first->calls.load(), 1);  // remembered: asked second directly
  EXPECT_EQ(second->calls.load(), 2);

  // The remembered provider has nothing any more: start over from the top.
  second->next = [] { return Result<Credentials>(makeError(ErrorCategory::kNotFound, "gone")); };
  first->next = [] { return Result<Credentials>(credentialsNamed("AKIDFIRST")); };
  EXPECT_EQ(chain.getCredentials()->accessKeyId, "AKIDFIRST");
}

TEST(Chain, StopsAtRealErrorAndListsWhatWasTried) {
  auto first = std::make_shared<ScriptedProvider>();
  auto second = std::make_shared<ScriptedProvider>();
  auto third = std::make_shared<ScriptedProvider>();
  first->next = [] { return Result<Credentials>(makeError(ErrorCategory::kNotFound, "unset")); };
  second->next = [] {
    return Result<Credentials>(makeError(ErrorCategory::kInvalidConfig, "bad profile"));
  };
  third->next = [] { return Result<Credentials>(credentialsNamed("AKIDTHIRD")); };
  ChainCredentialsProvider chain({{"environment", first}, {"profile", second}, {"imds", third}});
  auto r = chain.getCredentials();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().category, ErrorCategory::kInvalidConfig);
  EXPECT_NE(r.error().message.find("environment: unset"), std::string::npos);
  EXPECT_NE(r.error().message.find("profile: bad profile"), std::string::npos);
  EXPECT_EQ(third->calls.load(), 0);
}

TEST(Chain, AllNotFound) {
  auto only = std::make_shared<ScriptedProvider>();
  only->next = [] { return Result<Credentials>(makeError(ErrorCategory::kNotFound, "unset")); };
  ChainCredentialsProvider chain({{"environment", only}});
  auto r = chain.getCredentials();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().category, ErrorCategory::kNotFound);
  EXPECT_EQ(r.error().awsCode, kNoCredentialsCode);
  EXPECT_NE(r.error().message.find("no AWS credentials found (tried environment: unset)"),
            std::string::npos)
      << r.error().message;
  // One line that says how to fix it.
  EXPECT_NE(r.error().message.find("instance role"), std::string::npos);
  EXPECT_NE(r.error().message.find("AWS_PROFILE"), std::string::npos);
  EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
}

TEST(Chain, InvalidateIsPassedToEveryLink) {
  auto first = std::make_shared<ScriptedProvider>();
  auto second = std::make_shared<ScriptedProvider>();
  ChainCredentialsProvider chain({{"first", first}, {"second", second}});
  chain.invalidate();
  EXPECT_EQ(first->invalidations.load(), 1);
  EXPECT_EQ(second->invalidations.load(), 1);
}

TEST(DefaultChain, EnvironmentFirstThenImds) {
  auto http = std::make_shared<FakeHttpClient>();
  auto clock = std::make_shared<FakeClock>();
  std::map<std::string, std::string> env = {{"AWS_ACCESS_KEY_ID", "AKIDENV"},
                                            {"AWS_SECRET_ACCESS_KEY", "env-secret"},
                                            {"HOME", "/nonexistent-home"}};
  auto chain = makeDefaultCredentialsChain({}, envOf(env), http, nullptr, clock);
  auto c = chain->getCredentials();
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->source, "environment");
  EXPECT_EQ(http->requestCount(), 0u);

  // No keys, no files: the instance role at the overridden endpoint.
  http->setHandler([&](const HttpRequest& r) -> Result<HttpResponse> {
    if (r.method == "PUT") return HttpResponse{200, {}, "tok"};
    if (r.url.ends_with("/iam/security-credentials/")) return HttpResponse{200, {}, "role"};
    if (r.url.ends_with("/iam/security-credentials/role")) {
      return HttpResponse{200,
                          {},
                          fmt::format(R"({{"Code":"Success","AccessKeyId":"ASIAIMDS",)"
                                      R"("SecretAccessKey":"x","Token":"t","Expiration":"{}"}})",
                                      formatIso8601(clock->now() + std::chrono::hours(6)))};
    }
    return HttpResponse{404, {}, ""};
  });
  auto imdsChain = makeDefaultCredentialsChain(
      {},
      envOf({{"HOME", "/nonexistent-home"},
             {"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9/_node/a"}}),
      http, nullptr, clock);
  auto i = imdsChain->getCredentials();
  ASSERT_TRUE(i.has_value()) << i.error().describe();
  EXPECT_EQ(i->source, "imds");
  EXPECT_EQ(i->accessKeyId, "ASIAIMDS");
  EXPECT_TRUE(http->lastRequest().url.starts_with("http://127.0.0.1:9/_node/a/latest/meta-data/"));

  auto none = makeDefaultCredentialsChain(
      {}, envOf({{"HOME", "/nonexistent-home"}, {"AWS_EC2_METADATA_DISABLED", "true"}}), http,
      nullptr, clock);
  auto n = none->getCredentials();
  ASSERT_FALSE(n.has_value());
  EXPECT_EQ(n.error().category, ErrorCategory::kNotFound);
}

// The default chain caches once, in front of providers that keep nothing:
// invalidating the chain makes the next call ask the metadata service again.
TEST(DefaultChain, InvalidateFetchesNewInstanceRoleCredentials) {
  auto http = std::make_shared<FakeHttpClient>();
  auto clock = std::make_shared<FakeClock>();
  FakeImds imds;
  imds.setRole("node-role", "ASIAFIRST", formatIso8601(clock->now() + std::chrono::hours(6)));
  http->setHandler(imds.handler());
  auto chain =
      makeDefaultCredentialsChain({}, envOf({{"HOME", "/nonexistent-home"}}), http, nullptr, clock);
  EXPECT_EQ(chain->getCredentials()->accessKeyId, "ASIAFIRST");
  const auto requests = http->requestCount();
  imds.setRole("node-role", "ASIASECOND", formatIso8601(clock->now() + std::chrono::hours(6)));
  EXPECT_EQ(chain->getCredentials()->accessKeyId, "ASIAFIRST");  // cached
  EXPECT_EQ(http->requestCount(), requests);
  chain->invalidate();
  auto fresh = chain->getCredentials();
  ASSERT_TRUE(fresh.has_value()) << fresh.error().describe();
  EXPECT_EQ(fresh->accessKeyId, "ASIASECOND");
  EXPECT_GT(http->requestCount(), requests);
}

}  // namespace
}  // namespace tgwark::aws
