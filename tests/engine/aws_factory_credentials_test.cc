// Credentials as the production factory wires them: after an ExpiredToken
// answer the next attempt is signed with freshly fetched credentials, both
// for the default chain (instance role over IMDS) and for a region with
// role_arn (STS AssumeRole behind that region's cache).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <mutex>

#include "aws/iso8601.h"
#include "aws/sigv4.h"
#include "engine/aws_factory.h"
#include "support/fake_clock.h"
#include "support/fake_credentials.h"
#include "support/fake_http_client.h"
#include "support/worlds.h"

namespace tgwark::engine {
namespace {

using namespace tgwark::testing;
using ::testing::HasSubstr;

constexpr const char* kEmptyRouteTables =
    "<DescribeRouteTablesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
    "<requestId>r-1</requestId><routeTableSet/></DescribeRouteTablesResponse>";
constexpr const char* kExpiredToken =
    "<Response><Errors><Error><Code>ExpiredToken</Code><Message>The security token included in "
    "the request is expired</Message></Error></Errors><RequestID>r-2</RequestID></Response>";

std::string signedWith(const aws::HttpRequest& request) {
  auto auth = aws::sigv4::parseAuthorization(aws::findHeader(request.headers, "Authorization"));
  return auth ? auth->accessKeyId : "(unsigned)";
}

// One fake network: the metadata service, STS and EC2 told apart by URL.
struct FakeAws {
  FakeImds imds;
  std::mutex mu;
  std::deque<std::string> stsKeys;  // access key ids of successive AssumeRole answers
  int ec2ExpiredTokens = 0;         // EC2 answers ExpiredToken this many times next
  std::vector<aws::HttpRequest> sts, ec2;
  std::shared_ptr<FakeClock> clock;

  FakeHttpClient::Handler handler() {
    return [this,
            imdsHandler = imds.handler()](const aws::HttpRequest& r) -> Result<aws::HttpResponse> {
      if (r.url.starts_with("http://169.254.169.254/")) return imdsHandler(r);
      std::lock_guard lock(mu);
      if (r.url.find("://sts.") != std::string::npos) {
        sts.push_back(r);
        if (stsKeys.empty()) return aws::HttpResponse{500, {}, ""};
        std::string key = stsKeys.front();
        stsKeys.pop_front();
        return aws::HttpResponse{
            200,
            {},
            assumeRoleResponse(key, aws::formatIso8601(clock->now() + std::chrono::hours(1)))};
      }
      ec2.push_back(r);
      if (ec2ExpiredTokens > 0) {
        --ec2ExpiredTokens;
        return aws::HttpResponse{400, {}, kExpiredToken};
      }
      return aws::HttpResponse{200, {}, kEmptyRouteTables};
    };
  }
};

struct FactoryCredentialsTest : ::testing::Test {
  std::shared_ptr<FakeHttpClient> http = std::make_shared<FakeHttpClient>();
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  FakeAws cloud;

  void SetUp() override {
    cloud.clock = clock;
    cloud.imds.setRole("node-role", "ASIAIMDS1",
                       aws::formatIso8601(clock->now() + std::chrono::hours(6)));
    http->setHandler(cloud.handler());
  }
  // No injected credentials: the factory builds the production default chain.
  Result<Ec2Factory> make(const std::string& extra) {
    AwsFactoryOptions o;
    o.http = http;
    o.clock = clock;
    o.random = std::make_shared<FixedRandom>(0.0);
    return makeAwsEc2Factory(parseOrDie(baseConfigText() + extra),
                             envOf({{"HOME", "/nonexistent-home"}}), o);
  }
};

TEST_F(FactoryCredentialsTest, ExpiredTokenRefetchesInstanceRoleCredentials) {
  auto factory = make("");
  ASSERT_TRUE(factory) << factory.error().describe();
  auto made = (*factory)("us-east-1");
  ASSERT_TRUE(made) << made.error().describe();
  auto api = *made;
  ASSERT_TRUE(api->describeRouteTables({}));
  ASSERT_TRUE(api->describeRouteTables({}));
  // IMDS now serves new keys; the cached ones still look fresh for hours.
  cloud.imds.setRole("node-role", "ASIAIMDS2",
                     aws::formatIso8601(clock->now() + std::chrono::hours(6)));
  cloud.ec2ExpiredTokens = 1;
  auto r = api->describeRouteTables({});
  ASSERT_TRUE(r) << r.error().describe();
  ASSERT_EQ(cloud.ec2.size(), 4u);
  EXPECT_EQ(signedWith(cloud.ec2[1]), "ASIAIMDS1");  // cached between calls
  EXPECT_EQ(signedWith(cloud.ec2[2]), "ASIAIMDS1");  // rejected
  EXPECT_EQ(signedWith(cloud.ec2[3]), "ASIAIMDS2");
}

TEST_F(FactoryCredentialsTest, ExpiredTokenAssumesTheRegionsRoleAgain) {
  cloud.stsKeys = {"ASIAROLE1", "ASIAROLE2"};
  auto factory = make(
      "\n[aws.regions.\"us-west-2\"]\n"
      "role_arn = \"arn:aws:iam::111122223333:role/tgw-routes\"\n");
  ASSERT_TRUE(factory) << factory.error().describe();
  auto made = (*factory)("us-west-2");
  ASSERT_TRUE(made) << made.error().describe();
  auto api = *made;
  ASSERT_TRUE(api->describeRouteTables({}));
  ASSERT_TRUE(api->describeRouteTables({}));
  EXPECT_EQ(cloud.sts.size(), 1u);  // cached between calls
  cloud.ec2ExpiredTokens = 1;
  auto r = api->describeRouteTables({});
  ASSERT_TRUE(r) << r.error().describe();
  ASSERT_EQ(cloud.sts.size(), 2u);
  EXPECT_EQ(signedWith(cloud.sts[1]), "ASIAIMDS1");  // the source is the default chain
  ASSERT_EQ(cloud.ec2.size(), 4u);
  EXPECT_EQ(signedWith(cloud.ec2[2]), "ASIAROLE1");
  EXPECT_EQ(signedWith(cloud.ec2[3]), "ASIAROLE2");
  EXPECT_THAT(std::string(aws::findHeader(cloud.ec2[3].headers, "Authorization")),
              HasSubstr("/us-west-2/ec2/"));
}

}  // namespace
}  // namespace tgwark::engine
