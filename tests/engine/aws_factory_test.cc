#include "engine/aws_factory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "aws/credentials.h"
#include "aws/ec2_client.h"
#include "support/fake_clock.h"
#include "support/fake_http_client.h"
#include "support/worlds.h"

namespace tgwark::engine {
namespace {

using namespace tgwark::testing;
using ::testing::HasSubstr;

class StaticCredentials final : public aws::CredentialsProvider {
 public:
  Result<aws::Credentials> getCredentials() override {
    aws::Credentials c;
    c.accessKeyId = "AKIDSTATICEXAMPLE";
    c.secretAccessKey = SecretString("static-secret");
    c.source = "test";
    return c;
  }
};

constexpr const char* kEmptyRouteTables =
    "<DescribeRouteTablesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
    "<requestId>r-1</requestId><routeTableSet/></DescribeRouteTablesResponse>";
constexpr const char* kAssumeRole =
    "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAROLEEXAMPLE</AccessKeyId>"
    "<SecretAccessKey>role-secret</SecretAccessKey><SessionToken>role-token</SessionToken>"
    "<Expiration>2015-08-30T13:16:00Z</Expiration></Credentials></AssumeRoleResult>"
    "</AssumeRoleResponse>";

struct FactoryTest : ::testing::Test {
  std::map<std::string, std::string> envVars;
  std::shared_ptr<FakeHttpClient> http = std::make_shared<FakeHttpClient>();
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();

  aws::EnvLookup env() {
    return [this](std::string_view name) -> std::optional<std::string> {
      auto it = envVars.find(std::string(name));
      return it == envVars.end() ? std::nullopt : std::optional(it->second);
    };
  }
  AwsFactoryOptions options() {
    AwsFactoryOptions o;
    o.http = http;
    o.credentials = std::make_shared<StaticCredentials>();
    o.clock = clock;
    o.random = std::make_shared<FixedRandom>(0.0);
    return o;
  }
  Result<Ec2Factory> make(const std::string& extra) {
    return makeAwsEc2Factory(parseOrDie(baseConfigText() + extra), env(), options());
  }
};

std::string endpointOf(const Result<std::shared_ptr<aws::Ec2Api>>& api) {
  if (!api) return "(no client: " + api.error().describe() + ")";
  auto* client = dynamic_cast<aws::Ec2Client*>(api->get());
  return client ? client->endpoint().url : "(not an Ec2Client)";
}

TEST_F(FactoryTest, EndpointPrecedencePerRegion) {
  envVars["AWS_ENDPOINT_URL_EC2"] = "http://127.0.0.1:7000";
  auto factory = make(
      "\n[aws]\nendpoint_url = \"http://127.0.0.1:5000\"\n"
      "[aws.regions.\"us-west-2\"]\nendpoint_url = \"http://127.0.0.1:6000\"\n");
  ASSERT_TRUE(factory) << factory.error().describe();
  EXPECT_EQ(endpointOf((*factory)("us-east-1")), "http://127.0.0.1:7000");
  EXPECT_EQ(endpointOf((*factory)("us-west-2")), "http://127.0.0.1:6000");
  envVars.clear();
  auto plain = make("\n[aws]\nendpoint_url = \"http://127.0.0.1:5000\"\n");
  ASSERT_TRUE(plain);
  EXPECT_EQ(endpointOf((*plain)("eu-west-1")), "http://127.0.0.1:5000");
  auto aws = make("");
  ASSERT_TRUE(aws);
  EXPECT_EQ(endpointOf((*aws)("us-west-2")), "https://ec2.us-west-2.amazonaws.com");
  EXPECT_EQ((*aws)("us-west-2").value()->region(), "us-west-2");
  EXPECT_EQ(http->requestCount(), 0u);  // building clients calls nothing
}

TEST_F(FactoryTest, ClientsAreCachedPerRegion) {
  auto factory = make("");
  ASSERT_TRUE(factory);
  auto a = (*factory)("us-east-1").value();
  EXPECT_EQ(a, (*factory)("us-east-1").value());
  EXPECT_NE(a, (*factory)("us-west-2").value());
}

TEST_F(FactoryTest, BadEndpointOrAttemptsAreConfigErrors) {
  envVars["AWS_ENDPOINT_URL_EC2"] = "ftp://example.com";
  auto bad = make("");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().category, ErrorCategory::kInvalidConfig);
  envVars.clear();
  envVars["AWS_MAX_ATTEMPTS"] = "many";
  auto attempts = make("");
  ASSERT_FALSE(attempts);
  EXPECT_THAT(attempts.error().message, HasSubstr("AWS_MAX_ATTEMPTS"));
  // A peered region with an invalid name gets no client but the config
  // error, category kept, rather than a crash.
  envVars.clear();
  auto ok = make("");
  ASSERT_TRUE(ok);
  auto none = (*ok)("not a region");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().category, ErrorCategory::kInvalidConfig);
  EXPECT_THAT(none.error().message, HasSubstr("not a region"));
}

TEST_F(FactoryTest, MaxAttemptsFromEnvironmentBoundsRetries) {
  envVars["AWS_MAX_ATTEMPTS"] = "2";
  http->setHandler([](const aws::HttpRequest&) -> Result<aws::HttpResponse> {
    return aws::HttpResponse{503, {}, ""};
  });
  auto factory = make("");
  ASSERT_TRUE(factory);
  auto api = (*factory)("us-east-1").value();
  auto r = api->describeRouteTables({});
  ASSERT_FALSE(r);
  EXPECT_EQ(http->requestCount(), 2u);

  auto cfg = parseOrDie(baseConfigText("\n[aws]\nmax_attempts = 4\n"));
  envVars.clear();
  EXPECT_EQ(effectiveMaxAttempts(cfg, env()).value(), 4);
  envVars["AWS_MAX_ATTEMPTS"] = "1";
  EXPECT_EQ(effectiveMaxAttempts(cfg, env()).value(), 1);
}

// AWS_MAX_ATTEMPTS is read in effectiveMaxAttempts alone: a whole number from 1 to 20.
TEST_F(FactoryTest, MaxAttemptsFromEnvironmentMustBeAWholeNumberFrom1To20) {
  auto cfg = parseOrDie(baseConfigText("\n[aws]\nmax_attempts = 4\n"));
  envVars["AWS_MAX_ATTEMPTS"] = "20";
  EXPECT_EQ(effectiveMaxAttempts(cfg, env()).value(), 20);
  for (const char* bad : {"0", "-1", "three", "5x", "21", " 5"}) {
    envVars["AWS_MAX_ATTEMPTS"] = bad;
    auto attempts = effectiveMaxAttempts(cfg, env());
    ASSERT_FALSE(attempts) << bad;
    EXPECT_EQ(attempts.error().category, ErrorCategory::kInvalidConfig) << bad;
    EXPECT_THAT(attempts.error().message, HasSubstr("AWS_MAX_ATTEMPTS")) << bad;
  }
}

TEST_F(FactoryTest, RegionRoleArnAssumesTheRoleForThatRegionOnly) {
  http->setHandler([](const aws::HttpRequest& req) -> Result<aws::HttpResponse> {
    if (req.body.find("Action=AssumeRole") != std::string::npos) {
      return aws::HttpResponse{200, {}, kAssumeRole};
    }
    return aws::HttpResponse{200, {}, kEmptyRouteTables};
  });
  auto factory = make(
      "\n[aws.regions.\"us-west-2\"]\n"
      "role_arn = \"arn:aws:iam::111122223333:role/tgw-routes\"\n");
  ASSERT_TRUE(factory) << factory.error().describe();
  ASSERT_TRUE((*factory)("us-west-2").value()->describeRouteTables({}));
  auto requests = http->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_THAT(requests[0].body, HasSubstr("Action=AssumeRole"));
  EXPECT_THAT(requests[0].body, HasSubstr("tgw-routes"));
  EXPECT_THAT(requests[0].url, HasSubstr("sts.us-west-2"));
  EXPECT_THAT(std::string(aws::findHeader(requests[1].headers, "Authorization")),
              HasSubstr("Credential=ASIAROLEEXAMPLE/"));
  EXPECT_THAT(std::string(aws::findHeader(requests[1].headers, "Authorization")),
              HasSubstr("/us-west-2/ec2/"));

  ASSERT_TRUE((*factory)("us-east-1").value()->describeRouteTables({}));
  requests = http->requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_THAT(std::string(aws::findHeader(requests[2].headers, "Authorization")),
              HasSubstr("Credential=AKIDSTATICEXAMPLE/"));
}

TEST_F(FactoryTest, AwsRoleArnIsAssumedInEveryRegionWithoutARoleOfItsOwn) {
  http->setHandler([](const aws::HttpRequest& req) -> Result<aws::HttpResponse> {
    if (req.body.find("Action=AssumeRole") != std::string::npos) {
      return aws::HttpResponse{200, {}, kAssumeRole};
    }
    return aws::HttpResponse{200, {}, kEmptyRouteTables};
  });
  auto factory = make(
      "\n[aws]\nrole_arn = \"arn:aws:iam::111122223333:role/all-regions\"\n"
      "[aws.regions.\"us-west-2\"]\n"
      "role_arn = \"arn:aws:iam::444455556666:role/west-only\"\n");
  ASSERT_TRUE(factory) << factory.error().describe();
  // eu-west-1 is in no configured list: a region found through a peering.
  for (const char* region : {"us-east-1", "eu-west-1", "us-west-2"}) {
    ASSERT_TRUE((*factory)(region).value()->describeRouteTables({})) << region;
  }
  auto requests = http->requests();
  ASSERT_EQ(requests.size(), 6u);
  EXPECT_THAT(requests[0].body, HasSubstr("all-regions"));
  EXPECT_THAT(requests[2].body, HasSubstr("all-regions"));
  EXPECT_THAT(requests[2].url, HasSubstr("sts.eu-west-1"));
  EXPECT_THAT(requests[4].body, HasSubstr("west-only"));
  for (std::size_t i : {1u, 3u, 5u}) {
    EXPECT_THAT(std::string(aws::findHeader(requests[i].headers, "Authorization")),
                HasSubstr("Credential=ASIAROLEEXAMPLE/"));
  }
}

}  // namespace
}  // namespace tgwark::engine
