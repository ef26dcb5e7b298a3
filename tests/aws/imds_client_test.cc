// IMDSv2 client: token PUT, token reuse and renewal, 401 retry, endpoint
// prefixes, error categories.
#include <map>

#include <gtest/gtest.h>

#include "aws/imds_client.h"
#include "support/fake_clock.h"
#include "support/fake_credentials.h"
#include "support/fake_http_client.h"

namespace tgwark::aws {
namespace {

using tgwark::testing::envOf;
using tgwark::testing::FakeHttpClient;
using tgwark::testing::FakeImds;

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
  http->setHandler([](const HttpRequest&) -> Result<HttpResponse> {
    return makeError(ErrorCategory::kRetryable, "connect timeout");
  });
  ImdsClient client(http, clock_, ImdsOptions{});
  auto r = client.instanceId();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().category, ErrorCategory::kRetryable);
  EXPECT_NE(r.error().message.find("169.254.169.254"), std::string::npos);
  EXPECT_EQ(http->requestCount(), 3u);  // the token request, after its retries
}

// Transient failures: the scripted answers go to successive requests.
class ImdsRetryTest : public ::testing::Test {
 protected:
  ImdsClient makeClient(int maxAttempts = 3,
                        std::chrono::milliseconds backoffBase = std::chrono::milliseconds(100)) {
    ImdsOptions o;
    o.maxAttempts = maxAttempts;
    o.backoffBase = backoffBase;
    o.random = std::make_shared<FixedRandom>(0.5);
    return ImdsClient(http_, clock_, o);
  }
  std::shared_ptr<FakeHttpClient> http_ = std::make_shared<FakeHttpClient>();
  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
};

TEST_F(ImdsRetryTest, TransientFailuresAreRetriedWithBackoff) {
  http_->enqueueError(Error{ErrorCategory::kRetryable, "connection refused"});
  http_->enqueue(503, "");
  http_->enqueue(200, "tok");
  http_->enqueue(500, "");
  http_->enqueue(200, "i-0123456789abcdef0");
  auto client = makeClient();
  auto id = client.instanceId();
  ASSERT_TRUE(id.has_value()) << id.error().describe();
  EXPECT_EQ(*id, "i-0123456789abcdef0");
  auto requests = http_->requests();
  ASSERT_EQ(requests.size(), 5u);
  for (int i : {0, 1, 2}) EXPECT_EQ(requests[i].method, "PUT") << i;
  for (int i : {3, 4}) {
    EXPECT_EQ(requests[i].method, "GET") << i;
    EXPECT_EQ(findHeader(requests[i].headers, "X-aws-ec2-metadata-token"), "tok") << i;
  }
  for (const auto& r : requests) EXPECT_EQ(r.timeout, std::chrono::milliseconds(1000));
  // Token: 0.5 * 100 ms, then 0.5 * 200 ms; the GET: 0.5 * 100 ms.
  EXPECT_EQ(clock_->totalSlept(), std::chrono::milliseconds(200));
}

TEST_F(ImdsRetryTest, GivesUpAfterThreeAttempts) {
  http_->setHandler([](const HttpRequest&) -> Result<HttpResponse> {
    return HttpResponse{503, {}, ""};
  });
  auto client = makeClient();
  auto r = client.instanceId();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().category, ErrorCategory::kRetryable);
  EXPECT_EQ(r.error().httpStatus, 503);
  EXPECT_EQ(http_->requestCount(), 3u);
  EXPECT_EQ(clock_->totalSlept(), std::chrono::milliseconds(150));
}

TEST_F(ImdsRetryTest, ThrottlingIsRetriedClientErrorsAreNot) {
  http_->enqueue(429, "");
  http_->enqueue(200, "tok");
  http_->enqueue(404, "Not Found");
  auto client = makeClient();
  auto r = client.get("missing");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().category, ErrorCategory::kNotFound);
  EXPECT_EQ(http_->requestCount(), 3u);  // PUT 429, PUT, GET 404 once
  EXPECT_EQ(clock_->totalSlept(), std::chrono::milliseconds(50));

  http_->enqueue(403, "");
  auto denied = client.get("forbidden");
  ASSERT_FALSE(denied.has_value());
  EXPECT_EQ(denied.error().category, ErrorCategory::kPermission);
  EXPECT_EQ(http_->requestCount(), 4u);
}

TEST_F(ImdsRetryTest, BackoffIsCappedAndOneAttemptMeansNoRetry) {
  http_->setHandler([](const HttpRequest&) -> Result<HttpResponse> {
    return makeError(ErrorCategory::kRetryable, "timeout");
  });
  auto client = makeClient(4, std::chrono::milliseconds(800));
  EXPECT_FALSE(client.instanceId().has_value());
  EXPECT_EQ(http_->requestCount(), 4u);
  // 0.5 * 800 ms, then 0.5 * the 1 s cap twice.
  EXPECT_EQ(clock_->totalSlept(), std::chrono::milliseconds(1400));

  auto once = makeClient(1);
  EXPECT_FALSE(once.instanceId().has_value());
  EXPECT_EQ(http_->requestCount(), 5u);
  EXPECT_EQ(clock_->totalSlept(), std::chrono::milliseconds(1400));
}

TEST(ImdsEnv, EndpointOverrideAndDisable) {
  EXPECT_EQ(resolveImdsEndpoint(envOf({})), "http://169.254.169.254");
  EXPECT_EQ(resolveImdsEndpoint(envOf({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://x:1/p"}})),
            "http://x:1/p");
  EXPECT_FALSE(imdsDisabled(envOf({})));
  EXPECT_TRUE(imdsDisabled(envOf({{"AWS_EC2_METADATA_DISABLED", "TRUE"}})));
  EXPECT_FALSE(imdsDisabled(envOf({{"AWS_EC2_METADATA_DISABLED", "false"}})));
}

}  // namespace
}  // namespace tgwark::aws
