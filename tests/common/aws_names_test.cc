// The one syntax check for region names and resource ids.
#include "common/aws_names.h"

#include <gtest/gtest.h>

namespace tgwark {
namespace {

TEST(AwsIdTest, Syntax) {
  EXPECT_TRUE(isValidAwsId("eni-01234567", "eni"));
  EXPECT_TRUE(isValidAwsId("eni-0123456789abcdef0", "eni"));
  EXPECT_TRUE(isValidAwsId("tgw-rtb-0123456789abcdef0", "tgw-rtb"));
  EXPECT_FALSE(isValidAwsId("tgw-rtb-0123456789abcdef0", "tgw"));
  EXPECT_FALSE(isValidAwsId("eni-0123456", "eni"));
  EXPECT_FALSE(isValidAwsId("eni-012345678", "eni"));
  EXPECT_FALSE(isValidAwsId("eni-0123456789abcdefg", "eni"));
  EXPECT_FALSE(isValidAwsId("eni-0123456789ABCDEF0", "eni"));
  EXPECT_FALSE(isValidAwsId("eni01234567", "eni"));
  EXPECT_FALSE(isValidAwsId("rtb-01234567", "eni"));
  EXPECT_FALSE(isValidAwsId("eni-01234567", ""));
  EXPECT_FALSE(isValidAwsId("", "eni"));
}

TEST(RegionTest, Names) {
  for (const char* good : {"us-east-1", "us-gov-west-1", "cn-northwest-1", "ap-southeast-4",
                           "us-isob-east-1", "il-central-1", "eu-central-2", "ap-southeast-2",
                           // no length limit on the words
                           "ap-southeastsoutheastsoutheastsoutheast-1"}) {
    EXPECT_TRUE(isValidRegionName(good)) << good;
  }
  for (const char* bad : {"", "us-east", "useast1", "US-EAST-1", "us-east-1a", "u-east-1", "us--1",
                          "us-east-1 ", "us_east_1", "1-east-1", "us-east-1/../x", "-us-east-1",
                          // the endpoint resolver once accepted these two:
                          "usa-east-1", "us-east-123"}) {
    EXPECT_FALSE(isValidRegionName(bad)) << bad;
  }
}

}  // namespace
}  // namespace tgwark
