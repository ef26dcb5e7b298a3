#include "app/iam_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tgwark::app {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Not;

// The vendor TGW kit's exact permission set (docs/semantics.md): with create_missing
// = false and no extras, tgwark must ask for nothing more.
TEST(IamPolicyTest, MinimalSetIsExactlyTheVendorKitSet) {
  auto actions = requiredActions(
      {.createMissing = false, .fixSourceDestCheck = false, .includeDiscovery = false});
  EXPECT_THAT(actions,
              ElementsAre("ec2:DescribeRouteTables", "ec2:DescribeTransitGatewayPeeringAttachments",
                          "ec2:DescribeTransitGatewayRouteTables",
                          "ec2:DescribeTransitGatewayVpcAttachments", "ec2:DescribeTransitGateways",
                          "ec2:ReplaceRoute", "ec2:ReplaceTransitGatewayRoute",
                          "ec2:SearchTransitGatewayRoutes"));
}

TEST(IamPolicyTest, CreateMissingAddsCreateActions) {
  auto actions = requiredActions(
      {.createMissing = true, .fixSourceDestCheck = false, .includeDiscovery = false});
  EXPECT_THAT(actions, Contains("ec2:CreateRoute"));
  EXPECT_THAT(actions, Contains("ec2:CreateTransitGatewayRoute"));
  EXPECT_THAT(actions, Not(Contains("ec2:ModifyNetworkInterfaceAttribute")));
}

// One VPC, no transit gateway: the VPC actions only (what aws-vpc-move-ip's
// users already grant, plus the pre-flight reads).
TEST(IamPolicyTest, SingleVpcLayoutNeedsNoTransitGatewayAction) {
  auto actions = requiredActions({.createMissing = true,
                                  .fixSourceDestCheck = false,
                                  .includeDiscovery = true,
                                  .transitGateways = false});
  EXPECT_THAT(actions,
              ElementsAre("ec2:CreateRoute", "ec2:DescribeNetworkInterfaces",
                          "ec2:DescribeRouteTables", "ec2:DescribeVpcs", "ec2:ReplaceRoute"));
}

TEST(IamPolicyTest, SourceDestFixAddsModifyAttribute) {
  auto actions = requiredActions(
      {.createMissing = false, .fixSourceDestCheck = true, .includeDiscovery = false});
  EXPECT_THAT(actions, Contains("ec2:ModifyNetworkInterfaceAttribute"));
}

TEST(IamPolicyTest, PolicyDocumentIsValidIamJson) {
  auto doc = nlohmann::json::parse(policyDocument({}));
  EXPECT_EQ(doc["Version"], "2012-10-17");
  ASSERT_EQ(doc["Statement"].size(), 1u);
  EXPECT_EQ(doc["Statement"][0]["Effect"], "Allow");
  EXPECT_EQ(doc["Statement"][0]["Resource"], "*");
  EXPECT_EQ(doc["Statement"][0]["Action"].size(), requiredActions({}).size());
}

}  // namespace
}  // namespace tgwark::app
