#include "aws/endpoints.h"

#include <map>

#include <gtest/gtest.h>

namespace tgwark::aws {
namespace {

EnvLookup envOf(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(EndpointsTest, DefaultCommercialPartition) {
  auto endpoint = resolveEc2Endpoint("us-east-1", {});
  ASSERT_TRUE(endpoint) << endpoint.error().describe();
  EXPECT_EQ(endpoint->url, "https://ec2.us-east-1.amazonaws.com");
  EXPECT_EQ(endpoint->signingRegion, "us-east-1");
  EXPECT_EQ(endpoint->source, "default");
}

TEST(EndpointsTest, ChinaAndGovCloudPartitions) {
  EXPECT_EQ(resolveEc2Endpoint("cn-north-1", {})->url, "https://ec2.cn-north-1.amazonaws.com.cn");
  EXPECT_EQ(resolveEc2Endpoint("cn-northwest-1", {})->url,
            "https://ec2.cn-northwest-1.amazonaws.com.cn");
  EXPECT_EQ(resolveEc2Endpoint("us-gov-west-1", {})->url,
            "https://ec2.us-gov-west-1.amazonaws.com");
  EndpointOptions fips;
  fips.useFips = true;
  EXPECT_EQ(resolveEc2Endpoint("us-gov-east-1", fips)->url,
            "https://ec2.us-gov-east-1.amazonaws.com");
}

TEST(EndpointsTest, FipsOptionAndEnvironment) {
  EndpointOptions options;
  options.useFips = true;
  EXPECT_EQ(resolveEc2Endpoint("us-west-2", options)->url,
            "https://ec2-fips.us-west-2.amazonaws.com");
  EndpointOptions viaEnv;
  viaEnv.env = envOf({{"AWS_USE_FIPS_ENDPOINT", "true"}});
  EXPECT_EQ(resolveEc2Endpoint("ca-central-1", viaEnv)->url,
            "https://ec2-fips.ca-central-1.amazonaws.com");
  auto china = resolveEc2Endpoint("cn-north-1", options);
  ASSERT_FALSE(china);
  EXPECT_EQ(china.error().category, ErrorCategory::kInvalidConfig);
}

TEST(EndpointsTest, OverridePrecedence) {
  EndpointOptions options;
  options.configEndpointUrl = "http://127.0.0.1:5000/";
  options.regionEndpointUrls["us-west-2"] = "https://vpce-1.ec2.us-west-2.vpce.amazonaws.com";
  options.env = envOf(
      {{"AWS_ENDPOINT_URL_EC2", "http://ec2-env:1"}, {"AWS_ENDPOINT_URL", "http://generic-env:2"}});

  // The per-region key wins over everything, and signs for the region.
  auto perRegion = resolveEc2Endpoint("us-west-2", options);
  ASSERT_TRUE(perRegion);
  EXPECT_EQ(perRegion->url, "https://vpce-1.ec2.us-west-2.vpce.amazonaws.com");
  EXPECT_EQ(perRegion->source, "region-config");
  EXPECT_EQ(perRegion->signingRegion, "us-west-2");

  auto ec2Env = resolveEc2Endpoint("eu-west-1", options);
  EXPECT_EQ(ec2Env->url, "http://ec2-env:1");
  EXPECT_EQ(ec2Env->source, "AWS_ENDPOINT_URL_EC2");
  EXPECT_EQ(ec2Env->signingRegion, "eu-west-1");

  options.env = envOf({{"AWS_ENDPOINT_URL", "http://generic-env:2"}});
  EXPECT_EQ(resolveEc2Endpoint("eu-west-1", options)->url, "http://generic-env:2");

  options.env = envOf({});
  auto config = resolveEc2Endpoint("eu-west-1", options);
  EXPECT_EQ(config->url, "http://127.0.0.1:5000");  // trailing slash dropped
  EXPECT_EQ(config->source, "config");

  // An empty variable counts as unset.
  options.env = envOf({{"AWS_ENDPOINT_URL_EC2", ""}});
  EXPECT_EQ(resolveEc2Endpoint("eu-west-1", options)->url, "http://127.0.0.1:5000");
}

TEST(EndpointsTest, RejectsBadRegionsAndUrls) {
  for (const char* bad : {"", "us-east", "US-EAST-1", "us_east_1", "us-east-1a", "1-east-1",
                          "us-east-1/../x", "u-east-1",
                          // once accepted here but refused by the config parser:
                          "usa-east-1", "us-east-123"}) {
    auto endpoint = resolveEc2Endpoint(bad, {});
    ASSERT_FALSE(endpoint) << bad;
    EXPECT_EQ(endpoint.error().category, ErrorCategory::kInvalidConfig);
    EXPECT_NE(endpoint.error().message.find("region"), std::string::npos);
  }
  // Once refused here (longer than 40) but accepted by the config parser.
  EXPECT_TRUE(resolveEc2Endpoint("ap-southeastsoutheastsoutheastsoutheast-1", {}));

  EndpointOptions options;
  options.configEndpointUrl = "ftp://example.com";
  auto ftp = resolveEc2Endpoint("us-east-1", options);
  ASSERT_FALSE(ftp);
  EXPECT_EQ(ftp.error().category, ErrorCategory::kInvalidConfig);
  options.configEndpointUrl = "http://";
  EXPECT_FALSE(resolveEc2Endpoint("us-east-1", options));
}

}  // namespace
}  // namespace tgwark::aws
