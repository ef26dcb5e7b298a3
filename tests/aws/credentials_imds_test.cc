// Instance-role credentials over IMDSv2, alone and behind the cache.
#include "aws/credentials_imds.h"

#include <gtest/gtest.h>

#include "aws/credentials_cache.h"
#include "aws/imds_client.h"
#include "aws/iso8601.h"
#include "support/fake_clock.h"
#include "support/fake_credentials.h"
#include "support/fake_http_client.h"

namespace tgwark::aws {
namespace {

using tgwark::testing::envOf;
using tgwark::testing::FakeHttpClient;
using tgwark::testing::FakeImds;

class ImdsCredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http_->setHandler(imds_.handler());
    imds_.pages["/latest/meta-data/iam/security-credentials/"] = {200, "tgw-node-role\n"};
    setCredentials("ASIAFIRST", clock_->now() + std::chrono::hours(6));
  }
  void setCredentials(std::string_view key, WallTime expiration) {
    imds_.pages["/latest/meta-data/iam/security-credentials/tgw-node-role"] = {
        200, FakeImds::credentialsJson(key, formatIso8601(expiration))};
  }
  std::shared_ptr<FakeHttpClient> http_ = std::make_shared<FakeHttpClient>();
  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
  FakeImds imds_;
  std::shared_ptr<ImdsClient> client_ = std::make_shared<ImdsClient>(http_, clock_, ImdsOptions{});
};

TEST_F(ImdsCredentialsTest, FetchesRoleCredentials) {
  ImdsCredentialsProvider provider(client_, envOf({}));
  auto c = provider.getCredentials();
  ASSERT_TRUE(c.has_value()) << c.error().describe();
  EXPECT_EQ(c->accessKeyId, "ASIAFIRST");
  EXPECT_TRUE(c->secretAccessKey == SecretString("imds-secret"));  // no secret in failure output
  EXPECT_TRUE(c->sessionToken == SecretString("imds-token"));      // no secret in failure output
  EXPECT_EQ(c->source, "imds");
  EXPECT_EQ(c->expiration, clock_->now() + std::chrono::hours(6));
}

TEST_F(ImdsCredentialsTest, AsksTheServiceOnEveryCall) {
  ImdsCredentialsProvider provider(client_, envOf({}));
  EXPECT_EQ(provider.getCredentials()->accessKeyId, "ASIAFIRST");
  setCredentials("ASIASECOND", clock_->now() + std::chrono::hours(12));
  EXPECT_EQ(provider.getCredentials()->accessKeyId, "ASIASECOND");
}

TEST_F(ImdsCredentialsTest, CachedRefreshesFiveMinutesBeforeExpiry) {
  CachedCredentialsProvider provider(std::make_shared<ImdsCredentialsProvider>(client_, envOf({})),
                                     clock_);
  EXPECT_EQ(provider.getCredentials()->accessKeyId, "ASIAFIRST");
  const auto requestsAfterFirst = http_->requestCount();
  setCredentials("ASIASECOND", clock_->now() + std::chrono::hours(12));
  clock_->advance(std::chrono::hours(5) + std::chrono::minutes(54));
  EXPECT_EQ(provider.getCredentials()->accessKeyId, "ASIAFIRST");
  EXPECT_EQ(http_->requestCount(), requestsAfterFirst);
  clock_->advance(std::chrono::minutes(2));
  EXPECT_EQ(provider.getCredentials()->accessKeyId, "ASIASECOND");
}

TEST_F(ImdsCredentialsTest, CachedKeepsUnexpiredCredentialsWhenRefreshFails) {
  CachedCredentialsProvider provider(std::make_shared<ImdsCredentialsProvider>(client_, envOf({})),
                                     clock_);
  EXPECT_EQ(provider.getCredentials()->accessKeyId, "ASIAFIRST");
  imds_.pages["/latest/meta-data/iam/security-credentials/tgw-node-role"] = {500, ""};
  clock_->advance(std::chrono::hours(5) + std::chrono::minutes(57));
  EXPECT_EQ(provider.getCredentials()->accessKeyId, "ASIAFIRST");
  clock_->advance(std::chrono::minutes(4));  // now expired
  auto r = provider.getCredentials();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().category, ErrorCategory::kRetryable);
}

TEST_F(ImdsCredentialsTest, DisabledMakesNoRequest) {
  ImdsCredentialsProvider provider(client_, envOf({{"AWS_EC2_METADATA_DISABLED", "true"}}));
  auto r = provider.getCredentials();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().category, ErrorCategory::kNotFound);
  EXPECT_EQ(http_->requestCount(), 0u);
}

TEST_F(ImdsCredentialsTest, NoRoleIsNotFound) {
  imds_.pages.erase("/latest/meta-data/iam/security-credentials/");
  ImdsCredentialsProvider provider(client_, envOf({}));
  auto r = provider.getCredentials();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().category, ErrorCategory::kNotFound);
}

TEST_F(ImdsCredentialsTest, MalformedDocumentNeverQuotesSecrets) {
  imds_.pages["/latest/meta-data/iam/security-credentials/tgw-node-role"] = {
      200, R"({"AccessKeyId": "ASIA", "SecretAccessKey": "leaky-secret", )"};
  ImdsCredentialsProvider provider(client_, envOf({}));
  auto r = provider.getCredentials();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().category, ErrorCategory::kInvalid);
  EXPECT_EQ(r.error().describe().find("leaky-secret"), std::string::npos);

  imds_.pages["/latest/meta-data/iam/security-credentials/tgw-node-role"] = {
      200, R"({"Code": "Success", "AccessKeyId": "ASIA", "SecretAccessKey": "leaky-secret",
              "Token": "t", "Expiration": "soon"})"};
  auto badTime = provider.getCredentials();
  ASSERT_FALSE(badTime.has_value());
  EXPECT_EQ(badTime.error().describe().find("leaky-secret"), std::string::npos);
}

TEST_F(ImdsCredentialsTest, NothingListeningIsAbsenceNotATransientFailure) {
  // Off EC2 nothing accepts connections at the metadata address: the chain
  // must end with "no credentials" at once, not retry until the deadline.
  http_->setHandler([](const HttpRequest&) -> Result<HttpResponse> {
    return makeError(ErrorCategory::kRetryable, "Failed to connect",
                     std::string(kTransportConnectCode));
  });
  ImdsCredentialsProvider provider(client_, envOf({}));
  auto c = provider.getCredentials();
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().category, ErrorCategory::kNotFound);
  EXPECT_NE(c.error().message.find("not an EC2 instance"), std::string::npos) << c.error().message;
}

TEST_F(ImdsCredentialsTest, OtherTransportFailuresStayTransient) {
  // A timeout on an EC2 instance is a flapping metadata service: retry.
  http_->setHandler([](const HttpRequest&) -> Result<HttpResponse> {
    return makeError(ErrorCategory::kRetryable, "timed out", std::string(kTransportTimeoutCode));
  });
  ImdsCredentialsProvider provider(client_, envOf({}));
  auto c = provider.getCredentials();
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().category, ErrorCategory::kRetryable);
}

}  // namespace
}  // namespace tgwark::aws
