// IMDSv2 client (token PUT, token reuse and renewal, 401 retry, endpoint
// prefixes) and the instance-role credentials provider over it.
#include <map>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "aws/credential_providers.h"
#include "aws/imds_client.h"
#include "support/fake_http_client.h"

namespace tgwark::aws {
namespace {

using tgwark::testing::FakeHttpClient;

EnvLookup envOf(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// A scripted metadata service: answers by method + path, counts token PUTs,
// and checks that every GET carries the current token.
struct FakeImds {
  std::map<std::string, std::pair<int, std::string>> pages;  // path -> (status, body)
  std::string prefix;                                        // path prefix of the endpoint
  int tokenCount = 0;
  int rejectNextGetWith401 = 0;

  FakeHttpClient::Handler handler() {
    return [this](const HttpRequest& r) -> Result<HttpResponse> {
      std::string path = r.url.substr(r.url.find('/', r.url.find("://") + 3));
      EXPECT_TRUE(path.starts_with(prefix)) << path;
      path = path.substr(prefix.size());
      if (r.method == "PUT" && path == "/latest/api/token") {
        EXPECT_EQ(findHeader(r.headers, "X-aws-ec2-metadata-token-ttl-seconds"), "21600");
        ++tokenCount;
        return HttpResponse{200, {}, "token-" + std::to_string(tokenCount)};
      }
      if (r.method != "GET") return HttpResponse{405, {}, ""};
      if (findHeader(r.headers, "X-aws-ec2-metadata-token") !=
          "token-" + std::to_string(tokenCount)) {
        return HttpResponse{401, {}, ""};
      }
      if (rejectNextGetWith401 > 0) {
        --rejectNextGetWith401;
        return HttpResponse{401, {}, ""};
      }
      auto it = pages.find(path);
      if (it == pages.end()) return HttpResponse{404, {}, "Not Found"};
      return HttpResponse{it->second.first, {}, it->second.second};
    };
  }
};

std::string credentialsJson(std::string_view key, std::string_view expiration) {
  return fmt::format(R"({{
  "Code" : "Success",
  "LastUpdated" : "2015-08-30T12:00:00Z",
  "Type" : "AWS-HMAC",
  "AccessKeyId" : "{}",
  "SecretAccessKey" : "imds-secret",
  "Token" : "imds-token",
  "Expiration" : "{}"
}})",
                     key, expiration);
}

class ImdsTest : public ::testing::Test {
 protected:
  void SetUp() override { http_->setHandler(imds_.handler()); }
  ImdsClient makeClient(std::string endpoint = "http://169.254.169.254") {
    ImdsOptions o;
    o.endpoint = std::move(endpoint);
    return ImdsClient(http_, clock_, o);
  }
  std::shared_ptr<FakeHttpClient> http_ = std::make_shared<FakeHttpClient>();
  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
  FakeImds imds_;
};

TEST_F(ImdsTest, TokenThenGetWithTokenAndShortTimeout) {
  imds_.pages["/latest/meta-data/instance-id"] = {200, "i-0123456789abcdef0"};
  auto client = makeClient();
  auto id = client.instanceId();
  ASSERT_TRUE(id.has_value()) << id.error().describe();
  EXPECT_EQ(*id, "i-0123456789abcdef0");
  auto requests = http_->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "PUT");
  EXPECT_EQ(requests[0].url, "http://169.254.169.254/latest/api/token");
  EXPECT_EQ(requests[1].url, "http://169.254.169.254/latest/meta-data/instance-id");
  EXPECT_EQ(requests[1].timeout, std::chrono::milliseconds(1000));
  EXPECT_EQ(requests[0].timeout, std::chrono::milliseconds(1000));
}

TEST_F(ImdsTest, TokenReusedUntilNearTtlThenRenewed) {
  imds_.pages["/latest/meta-data/placement/region"] = {200, "us-west-2"};
  auto client = makeClient();
  EXPECT_EQ(*client.region(), "us-west-2");
  clock_->advance(std::chrono::hours(5));
  EXPECT_EQ(*client.region(), "us-west-2");
  EXPECT_EQ(imds_.tokenCount, 1);
  clock_->advance(std::chrono::minutes(59) + std::chrono::seconds(30));  // 30 s before the TTL
  EXPECT_EQ(*client.region(), "us-west-2");
  EXPECT_EQ(imds_.tokenCount, 2);
}

TEST_F(ImdsTest, RetriesOnceWithNewTokenAfter401) {
  imds_.pages["/latest/meta-data/mac"] = {200, "0e:49:61:0f:c3:11"};
  auto client = makeClient();
  ASSERT_TRUE(client.mac().has_value());
  imds_.rejectNextGetWith401 = 1;
  auto mac = client.mac();
  ASSERT_TRUE(mac.has_value()) << mac.error().describe();
  EXPECT_EQ(imds_.tokenCount, 2);
  imds_.rejectNextGetWith401 = 2;
  auto denied = client.mac();
  ASSERT_FALSE(denied.has_value());
  EXPECT_EQ(denied.error().category, ErrorCategory::kPermission);
}

TEST_F(ImdsTest, EndpointWithPathPrefix) {
  imds_.prefix = "/_node/node-a";
  imds_.pages["/latest/meta-data/network/interfaces/macs/0e:49:61:0f:c3:11/interface-id"] = {
      200, "eni-0123456789abcdef0"};
  auto client = makeClient("http://127.0.0.1:1234/_node/node-a/");
  auto eni = client.interfaceId("0e:49:61:0f:c3:11");
  ASSERT_TRUE(eni.has_value()) << eni.error().describe();
  EXPECT_EQ(*eni, "eni-0123456789abcdef0");
  EXPECT_EQ(http_->requests().front().url, "http://127.0.0.1:1234/_node/node-a/latest/api/token");
}

TEST_F(ImdsTest, AbsolutePathsAndErrors) {
  imds_.pages["/latest/dynamic/instance-identity/document"] = {200, "{}"};
  imds_.pages["/latest/meta-data/broken"] = {503, ""};
  auto client = makeClient();
  EXPECT_EQ(*client.get("/latest/dynamic/instance-identity/document"), "{}");
  EXPECT_EQ(client.get("missing").error().category, ErrorCategory::kNotFound);
  EXPECT_EQ(client.get("broken").error().category, ErrorCategory::kRetryable);
}

TEST_F(ImdsTest, TransportFailureIsRetryableAndNamesEndpoint) {
  auto http = std::make_shared<FakeHttpClient>();
  http->enqueueError(Error{ErrorCategory::kRetryable, "connect timeout"});
  ImdsClient client(http, clock_, ImdsOptions{});
  auto r = client.instanceId();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().category, ErrorCategory::kRetryable);
  EXPECT_NE(r.error().message.find("169.254.169.254"), std::string::npos);
}

TEST(ImdsEnv, EndpointOverrideAndDisable) {
  EXPECT_EQ(resolveImdsEndpoint(envOf({})), "http://169.254.169.254");
  EXPECT_EQ(resolveImdsEndpoint(envOf({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://x:1/p"}})),
            "http://x:1/p");
  EXPECT_FALSE(imdsDisabled(envOf({})));
  EXPECT_TRUE(imdsDisabled(envOf({{"AWS_EC2_METADATA_DISABLED", "TRUE"}})));
  EXPECT_FALSE(imdsDisabled(envOf({{"AWS_EC2_METADATA_DISABLED", "false"}})));
}

class ImdsCredentialsTest : public ImdsTest {
 protected:
  void SetUp() override {
    ImdsTest::SetUp();
    imds_.pages["/latest/meta-data/iam/security-credentials/"] = {200, "tgw-node-role\n"};
    setCredentials("ASIAFIRST", clock_->now() + std::chrono::hours(6));
  }
  void setCredentials(std::string_view key, WallTime expiration) {
    imds_.pages["/latest/meta-data/iam/security-credentials/tgw-node-role"] = {
        200, credentialsJson(key, formatIso8601(expiration))};
  }
  std::shared_ptr<ImdsClient> client_ = std::make_shared<ImdsClient>(http_, clock_, ImdsOptions{});
};

TEST_F(ImdsCredentialsTest, FetchesRoleCredentials) {
  ImdsCredentialsProvider provider(client_, clock_, envOf({}));
  auto c = provider.getCredentials();
  ASSERT_TRUE(c.has_value()) << c.error().describe();
  EXPECT_EQ(c->accessKeyId, "ASIAFIRST");
  EXPECT_TRUE(c->secretAccessKey == SecretString("imds-secret"));  // no secret in failure output
  EXPECT_TRUE(c->sessionToken == SecretString("imds-token"));      // no secret in failure output
  EXPECT_EQ(c->source, "imds");
  EXPECT_EQ(c->expiration, clock_->now() + std::chrono::hours(6));
}

TEST_F(ImdsCredentialsTest, RefreshesFiveMinutesBeforeExpiry) {
  ImdsCredentialsProvider provider(client_, clock_, envOf({}));
  EXPECT_EQ(provider.getCredentials()->accessKeyId, "ASIAFIRST");
  const auto requestsAfterFirst = http_->requestCount();
  setCredentials("ASIASECOND", clock_->now() + std::chrono::hours(12));
  clock_->advance(std::chrono::hours(5) + std::chrono::minutes(54));
  EXPECT_EQ(provider.getCredentials()->accessKeyId, "ASIAFIRST");
  EXPECT_EQ(http_->requestCount(), requestsAfterFirst);
  clock_->advance(std::chrono::minutes(2));
  EXPECT_EQ(provider.getCredentials()->accessKeyId, "ASIASECOND");
}

TEST_F(ImdsCredentialsTest, KeepsUnexpiredCredentialsWhenRefreshFails) {
  ImdsCredentialsProvider provider(client_, clock_, envOf({}));
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
  ImdsCredentialsProvider provider(client_, clock_, envOf({{"AWS_EC2_METADATA_DISABLED", "true"}}));
  auto r = provider.getCredentials();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().category, ErrorCategory::kNotFound);
  EXPECT_EQ(http_->requestCount(), 0u);
}

TEST_F(ImdsCredentialsTest, NoRoleIsNotFound) {
  imds_.pages.erase("/latest/meta-data/iam/security-credentials/");
  ImdsCredentialsProvider provider(client_, clock_, envOf({}));
  auto r = provider.getCredentials();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().category, ErrorCategory::kNotFound);
}

TEST_F(ImdsCredentialsTest, MalformedDocumentNeverQuotesSecrets) {
  imds_.pages["/latest/meta-data/iam/security-credentials/tgw-node-role"] = {
      200, R"({"AccessKeyId": "ASIA", "SecretAccessKey": "leaky-secret", )"};
  ImdsCredentialsProvider provider(client_, clock_, envOf({}));
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

}  // namespace
}  // namespace tgwark::aws
