#include "model/config.h"
#include "test_paths.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tgwark::model {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// Line numbers below refer to this text (line 1 is `vip = ...`).
constexpr std::string_view kNodes = R"([[node]]
name = "node-a"
region = "us-east-1"
eni = "eni-0123456789abcdef0"
instance_id = "i-0123456789abcdef0"

[[node]]
name = "node-b"
region = "us-west-2"
eni = "eni-0fedcba9876543210"
)";

std::string withNodes(std::string_view head, std::string_view tail = "") {
  return std::string(head) + std::string(kNodes) + std::string(tail);
}

// The full example of docs/configuration.md, every key set.
constexpr std::string_view kFull = R"(vip = "192.168.10.10"
create_missing = false
fix_source_dest_check = true
vpc_route_tables = ["rtb-0123456789abcdef0", "rtb-01234567"]
tgw_route_tables = ["tgw-rtb-0123456789abcdef0"]
regions = ["eu-west-1"]
scope_tag = "tgwark:vip=192.168.10.10"

[[node]]
name = "node-a"
region = "us-east-1"
eni = "eni-0123456789abcdef0"
instance_id = "i-0123456789abcdef0"

[[node]]
name = "node-b"
region = "us-west-2"
eni = "eni-0fedcba9876543210"

[[vpc]]
id = "vpc-0123456789abcdef0"
transit_gateway = "tgw-0123456789abcdef0"

[aws]
endpoint_url = "http://127.0.0.1:5000"
profile = "ha"
restore_timeout_s = 120
quickcheck_timeout_s = 60
use_fips = true
max_attempts = 5
apply_concurrency = 4

[aws.regions."us-west-2"]
endpoint_url = "https://vpce-1.ec2.us-west-2.vpce.amazonaws.com"
role_arn = "arn:aws:iam::111122223333:role/tgw-routes"
)";

TEST(ConfigTest, ParsesEveryKey) {
  auto config = parseConfig(kFull, "tgwark.toml");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->sourceName, "tgwark.toml");
  EXPECT_EQ(config->vipText, "192.168.10.10");
  EXPECT_EQ(config->vipDestination(), "192.168.10.10/32");
  EXPECT_FALSE(config->createMissing);
  EXPECT_TRUE(config->fixSourceDestCheck);
  EXPECT_EQ(config->scopeTagKey, "tgwark:vip");
  EXPECT_EQ(config->scopeTagValue, "192.168.10.10");
  ASSERT_EQ(config->nodes.size(), 2u);
  EXPECT_EQ(config->nodes[0].name, "node-a");
  EXPECT_EQ(config->nodes[0].region, "us-east-1");
  EXPECT_EQ(config->nodes[0].eni, "eni-0123456789abcdef0");
  EXPECT_EQ(config->nodes[0].instanceId, "i-0123456789abcdef0");
  EXPECT_EQ(config->nodes[1].instanceId, "");
  EXPECT_EQ(config->vpcRouteTables,
            (std::vector<std::string>{"rtb-0123456789abcdef0", "rtb-01234567"}));
  EXPECT_EQ(config->tgwRouteTables, (std::vector<std::string>{"tgw-rtb-0123456789abcdef0"}));
  EXPECT_EQ(config->regions, (std::vector<std::string>{"eu-west-1"}));
  ASSERT_EQ(config->vpcs.size(), 1u);
  EXPECT_EQ(config->vpcs[0].id, "vpc-0123456789abcdef0");
  EXPECT_EQ(config->vpcs[0].transitGateway, "tgw-0123456789abcdef0");
  EXPECT_EQ(config->aws.endpointUrl, "http://127.0.0.1:5000");
  EXPECT_EQ(config->aws.profile, "ha");
  EXPECT_EQ(config->aws.restoreTimeoutS, 120);
  EXPECT_EQ(config->aws.quickcheckTimeoutS, 60);
  EXPECT_TRUE(config->aws.useFips);
  EXPECT_EQ(config->aws.maxAttempts, 5);
  EXPECT_EQ(config->aws.applyConcurrency, 4);
  ASSERT_EQ(config->aws.regions.count("us-west-2"), 1u);
  EXPECT_EQ(config->aws.regions.at("us-west-2").roleArn,
            "arn:aws:iam::111122223333:role/tgw-routes");
  EXPECT_EQ(config->aws.regions.at("us-west-2").endpointUrl,
            "https://vpce-1.ec2.us-west-2.vpce.amazonaws.com");
  EXPECT_EQ(config->allRegions(),
            (std::vector<std::string>{"us-east-1", "us-west-2", "eu-west-1"}));
  EXPECT_EQ(config->findNode("node-b"), &config->nodes[1]);
  EXPECT_EQ(config->findNode("node-c"), nullptr);
  EXPECT_EQ(config->findNodeByInstanceId("i-0123456789abcdef0"), &config->nodes[0]);
  EXPECT_EQ(config->findNodeByInstanceId(""), nullptr);
}

TEST(ConfigTest, QuotedValuesAreEscapedAndBounded) {
  // A value is quoted back in the error, which reaches exit reasons and JSON
  // documents as well as logs: no control characters, and bounded.
  auto r = parseConfig(
      withNodes("vip = \"192.168.10.10\"\nvpc_route_tables = [\"rtb-\\u001b[2J\"]\n"), "t.toml");
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(r.error().message, HasSubstr("rtb-\\x1b[2J"));
  EXPECT_THAT(r.error().message, Not(HasSubstr("\x1b")));
  auto huge = parseConfig(withNodes("vip = \"192.168.10.10\"\nvpc_route_tables = [\"" +
                                    std::string(100000, 'z') + "\"]\n"),
                          "t.toml");
  ASSERT_FALSE(huge.has_value());
  EXPECT_LT(huge.error().message.size(), 2000u);
}

TEST(ConfigTest, DefaultsWhenOptionalKeysAreAbsent) {
  auto config = parseConfig(withNodes("vip = \"192.168.10.10/32\"\n"));
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_TRUE(config->createMissing);
  EXPECT_FALSE(config->fixSourceDestCheck);
  EXPECT_TRUE(config->vpcRouteTables.empty());
  EXPECT_TRUE(config->tgwRouteTables.empty());
  EXPECT_EQ(config->aws.restoreTimeoutS, 300);
  EXPECT_EQ(config->aws.quickcheckTimeoutS, 100);
  EXPECT_EQ(config->aws.maxAttempts, 0);  // no cap: the action's deadline bounds retries
  EXPECT_EQ(config->aws.applyConcurrency, 16);
  EXPECT_FALSE(config->aws.useFips);
  EXPECT_EQ(config->sourceName, "config");
}

TEST(ConfigTest, Ipv6Vip) {
  auto config = parseConfig(withNodes("vip = \"2001:DB8::A\"\n"));
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_TRUE(config->vip.ipv6);
  EXPECT_EQ(config->vipDestination(), "2001:db8::a/128");
  EXPECT_EQ(config->vipText, "2001:DB8::A");
}

TEST(ConfigTest, AllRegionsDeduplicates) {
  auto config =
      parseConfig(withNodes("vip = \"10.9.9.9\"\nregions = [\"us-west-2\", \"eu-west-1\"]\n"));
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->allRegions(),
            (std::vector<std::string>{"us-east-1", "us-west-2", "eu-west-1"}));
}

TEST(ConfigTest, AnEmptyTableListIsStillAList) {
  auto empty = parseConfig(withNodes("vip = \"10.9.9.9\"\ntgw_route_tables = []\n"));
  ASSERT_TRUE(empty) << empty.error().message;
  EXPECT_TRUE(empty->tgwRouteTablesListed);
  EXPECT_FALSE(empty->vpcRouteTablesListed);
  auto absent = parseConfig(withNodes("vip = \"10.9.9.9\"\n"));
  ASSERT_TRUE(absent);
  EXPECT_FALSE(absent->tgwRouteTablesListed);
}

// The scope store's key: what decides the scope changes it, nothing else does.
TEST(ConfigTest, ScopeFingerprintIsWhatDecidesTheScope) {
  auto fingerprint = [](std::string_view head) {
    auto config = parseConfig(withNodes(head));
    EXPECT_TRUE(config) << config.error().message;
    return config ? scopeFingerprint(*config) : std::string();
  };
  const auto base = fingerprint("vip = \"10.9.9.9\"\n");
  for (std::string_view same :
       {"# a comment\nvip = \"10.9.9.9\"\n",
        "vip = \"10.9.9.9\"\ncreate_missing = false\nfix_source_dest_check = true\n",
        "vip = \"10.9.9.9\"\n[aws]\nrestore_timeout_s = 30\nquickcheck_timeout_s = 20\n"
        "remote_wait_s = 5\napply_concurrency = 4\nmax_attempts = 9\n"}) {
    EXPECT_EQ(fingerprint(same), base) << same;
  }
  for (std::string_view other :
       {"vip = \"10.9.9.8\"\n", "vip = \"10.9.9.9\"\nvpc_route_tables = [\"rtb-01234567\"]\n",
        "vip = \"10.9.9.9\"\nvpc_route_tables = []\n",
        "vip = \"10.9.9.9\"\ntgw_route_tables = [\"tgw-rtb-01234567\"]\n",
        "vip = \"10.9.9.9\"\nregions = [\"eu-west-1\"]\n",
        "vip = \"10.9.9.9\"\nscope_tag = \"k\"\n", "vip = \"10.9.9.9\"\nscope_tag = \"k=v\"\n",
        "vip = \"10.9.9.9\"\n[aws]\nendpoint_url = \"http://127.0.0.1:1\"\n",
        "vip = \"10.9.9.9\"\n[aws]\nrole_arn = \"arn:aws:iam::111122223333:role/r\"\n"}) {
    EXPECT_NE(fingerprint(other), base) << other;
  }
  auto moved = parseConfig(withNodes("vip = \"10.9.9.9\"\n"));
  ASSERT_TRUE(moved);
  moved->nodes[1].eni = "eni-0aaaaaaaaaaaaaaaa";
  EXPECT_NE(scopeFingerprint(*moved), base) << "another ENI";
}

TEST(ConfigTest, ScopeTagIsKeyEqualsValueOrKeyAlone) {
  auto pair = parseConfig(withNodes("vip = \"10.9.9.9\"\nscope_tag = \"tgwark:vip=a=b\"\n"));
  ASSERT_TRUE(pair) << pair.error().message;
  EXPECT_EQ(pair->scopeTagKey, "tgwark:vip");
  EXPECT_EQ(pair->scopeTagValue, "a=b") << "split at the first '='";
  auto key = parseConfig(withNodes("vip = \"10.9.9.9\"\nscope_tag = \"managed-by-tgwark\"\n"));
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(key->scopeTagKey, "managed-by-tgwark");
  EXPECT_FALSE(key->scopeTagValue) << "any value";
  auto empty = parseConfig(withNodes("vip = \"10.9.9.9\"\nscope_tag = \"k=\"\n"));
  ASSERT_TRUE(empty) << empty.error().message;
  EXPECT_EQ(empty->scopeTagValue, "") << "an empty value is a value";
  auto none = parseConfig(withNodes("vip = \"10.9.9.9\"\n"));
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->scopeTagKey.empty());
  const std::vector<std::string> bads = {"scope_tag = \"=v\"",
                                         "scope_tag = \"\"",
                                         "scope_tag = 3",
                                         fmt::format("scope_tag = \"{}\"", std::string(129, 'k')),
                                         fmt::format("scope_tag = \"k={}\"", std::string(257, 'v')),
                                         "scope_tag = \"k\\tx\""};
  for (const auto& bad : bads) {
    auto config = parseConfig(withNodes(fmt::format("vip = \"10.9.9.9\"\n{}\n", bad)));
    ASSERT_FALSE(config) << bad;
    EXPECT_EQ(config.error().category, ErrorCategory::kInvalidConfig);
    EXPECT_THAT(config.error().message, HasSubstr("scope_tag")) << bad;
  }
}

// One bad configuration: the error must be kInvalidConfig, start with
// "tgwark.toml:LINE: " (or "tgwark.toml: " for line 0) and contain `fragment`.
struct BadConfig {
  std::string name;
  std::string text;
  int line;
  std::string fragment;
};

class BadConfigTest : public ::testing::TestWithParam<BadConfig> {};

TEST_P(BadConfigTest, NamesSourceLineKeyAndProblem) {
  const BadConfig& bad = GetParam();
  auto config = parseConfig(bad.text, "tgwark.toml");
  ASSERT_FALSE(config) << bad.name;
  EXPECT_EQ(config.error().category, ErrorCategory::kInvalidConfig);
  std::string prefix =
      bad.line > 0 ? "tgwark.toml:" + std::to_string(bad.line) + ":" : "tgwark.toml: ";
  EXPECT_THAT(config.error().message, StartsWith(prefix)) << config.error().message;
  EXPECT_THAT(config.error().message, HasSubstr(bad.fragment));
}

std::string nodesWith(std::string_view secondNodeExtra) {
  return std::string(R"(vip = "192.168.10.10"
[[node]]
name = "node-a"
region = "us-east-1"
eni = "eni-0123456789abcdef0"
[[node]]
name = "node-b"
region = "us-west-2"
eni = "eni-0fedcba9876543210"
)") + std::string(secondNodeExtra);
}

TEST(ConfigTest, NodeVpcExtension) {
  auto config = parseConfig(nodesWith("vpc = \"vpc-0123456789abcdef0\"\n"), "t.toml");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->nodes[1].vpc, "vpc-0123456789abcdef0");
  EXPECT_EQ(config->nodes[0].vpc, "");
}

INSTANTIATE_TEST_SUITE_P(
    Config, BadConfigTest,
    ::testing::Values(
        BadConfig{"SyntaxError", "vip = \"192.168.10.10\"\ncreate_missing = tru\n", 2,
                  "TOML syntax error"},
        BadConfig{"UnterminatedString", withNodes("vip = \"192.168.10.10\n"), 1,
                  "TOML syntax error"},
        BadConfig{"UnknownTopLevelKeyWithHint",
                  withNodes("vip = \"192.168.10.10\"\ncreate_mising = true\n"), 2,
                  "create_mising: unknown key (did you mean \"create_missing\"?)"},
        BadConfig{"UnknownTopLevelKeyNoHint", withNodes("vip = \"192.168.10.10\"\nbanana = 1\n"), 2,
                  "banana: unknown key; known keys here:"},
        BadConfig{"UnknownNodeKey", nodesWith("eni_id = \"eni-01234567\"\n"), 10,
                  "node[1].eni_id: unknown key (did you mean \"eni\"?)"},
        BadConfig{"UnknownAwsKey",
                  withNodes("vip = \"192.168.10.10\"\n", "[aws]\nendpoint = \"http://x\"\n"), 13,
                  "aws.endpoint: unknown key (did you mean"},
        BadConfig{
            "UnknownRegionOverrideKey",
            withNodes("vip = \"192.168.10.10\"\n", "[aws.regions.\"us-west-2\"]\nrole = \"x\"\n"),
            13, "aws.regions.\"us-west-2\".role: unknown key"},
        BadConfig{"UnknownVpcKey",
                  withNodes("vip = \"192.168.10.10\"\n",
                            "[[vpc]]\nid = \"vpc-01234567\"\ntransit_gateway = \"tgw-01234567\"\n"
                            "tgw = \"tgw-01234567\"\n"),
                  15, "vpc[0].tgw: unknown key"},
        BadConfig{"MissingVip", std::string(kNodes), 0, "vip: required key is missing"},
        BadConfig{"VipWrongType", withNodes("vip = 17\n"), 1,
                  "vip: expected a string, got an integer"},
        BadConfig{"VipNotHost", withNodes("vip = \"10.0.0.0/24\"\n"), 1, "is not a host address"},
        BadConfig{"VipGarbage", withNodes("vip = \"a.b.c.d/32\"\n"), 1,
                  "vip: \"a.b.c.d/32\" is not a valid IP address"},
        BadConfig{"Ipv6VipNotHost", withNodes("vip = \"2001:db8::/64\"\n"), 1,
                  "not a host address"},
        BadConfig{"CreateMissingWrongType",
                  withNodes("vip = \"10.9.9.9\"\ncreate_missing = \"no\"\n"), 2,
                  "create_missing: expected a boolean (true or false), got a string"},
        BadConfig{"NoNodes", "vip = \"10.9.9.9\"\n", 0, "no [[node]] defined"},
        BadConfig{"OneNode",
                  "vip = \"10.9.9.9\"\n[[node]]\nname = \"a\"\nregion = \"us-east-1\"\n"
                  "eni = \"eni-01234567\"\n",
                  2, "1 [[node]] defined: at least two nodes are required"},
        BadConfig{"NodeNotATable", "vip = \"10.9.9.9\"\nnode = [\"a\", \"b\"]\n", 2,
                  "node[0]: expected a table ([[node]]), got a string"},
        BadConfig{"DuplicateNodeName",
                  "vip = \"10.9.9.9\"\n[[node]]\nname = \"a\"\nregion = \"us-east-1\"\n"
                  "eni = \"eni-01234567\"\n[[node]]\nname = \"a\"\nregion = \"us-east-1\"\n"
                  "eni = \"eni-01234568\"\n",
                  7, "node[1].name: duplicate node name \"a\" (also node[0])"},
        BadConfig{"SharedEni",
                  "vip = \"10.9.9.9\"\n[[node]]\nname = \"a\"\nregion = \"us-east-1\"\n"
                  "eni = \"eni-01234567\"\n[[node]]\nname = \"b\"\nregion = \"us-east-1\"\n"
                  "eni = \"eni-01234567\"\n",
                  9, "node[1].eni: ENI \"eni-01234567\" is already used by node[0]"},
        BadConfig{"BadEni",
                  "vip = \"10.9.9.9\"\n[[node]]\nname = \"a\"\nregion = \"us-east-1\"\n"
                  "eni = \"eni-xyz\"\n[[node]]\nname = \"b\"\nregion = \"us-east-1\"\n"
                  "eni = \"eni-01234567\"\n",
                  5,
                  "node[0].eni: \"eni-xyz\" is not a valid ENI id (eni- followed by 8 or 17 hex "
                  "digits)"},
        BadConfig{"UpperCaseEni",
                  "vip = \"10.9.9.9\"\n[[node]]\nname = \"a\"\nregion = \"us-east-1\"\n"
                  "eni = \"eni-0123ABCD\"\n[[node]]\nname = \"b\"\nregion = \"us-east-1\"\n"
                  "eni = \"eni-01234567\"\n",
                  5, "not a valid ENI id"},
        BadConfig{"MissingEni",
                  "vip = \"10.9.9.9\"\n[[node]]\nname = \"a\"\nregion = \"us-east-1\"\n"
                  "[[node]]\nname = \"b\"\nregion = \"us-east-1\"\neni = \"eni-01234567\"\n",
                  2, "node[0].eni: required key is missing"},
        BadConfig{"MissingName",
                  "vip = \"10.9.9.9\"\n[[node]]\nname = \"a\"\nregion = \"us-east-1\"\n"
                  "eni = \"eni-01234568\"\n[[node]]\nregion = \"us-east-1\"\n"
                  "eni = \"eni-01234567\"\n",
                  6, "node[1].name: required key is missing"},
        BadConfig{"BadInstanceId", nodesWith("instance_id = \"i-123\"\n"), 10,
                  "node[1].instance_id: \"i-123\" is not a valid instance id"},
        BadConfig{"BadNodeVpc", nodesWith("vpc = \"vpc-xyz\"\n"), 10,
                  "node[1].vpc: \"vpc-xyz\" is not a valid VPC id"},
        BadConfig{"BadRegion",
                  "vip = \"10.9.9.9\"\n[[node]]\nname = \"a\"\nregion = \"us-east-1\"\n"
                  "eni = \"eni-01234568\"\n[[node]]\nname = \"b\"\nregion = \"US-East\"\n"
                  "eni = \"eni-01234567\"\n",
                  8, "node[1].region: \"US-East\" is not a valid AWS region name"},
        BadConfig{"BadVpcRouteTableId",
                  withNodes("vip = \"10.9.9.9\"\nvpc_route_tables = [\"rtb-01234567\",\n"
                            "  \"tgw-rtb-01234567\"]\n"),
                  3, "vpc_route_tables[1]: \"tgw-rtb-01234567\" is not a valid VPC route table id"},
        BadConfig{"BadTgwRouteTableId",
                  withNodes("vip = \"10.9.9.9\"\ntgw_route_tables = [\"rtb-01234567\"]\n"), 2,
                  "tgw_route_tables[0]: \"rtb-01234567\" is not a valid transit gateway route "
                  "table id (tgw-rtb- followed by"},
        BadConfig{
            "DuplicateTableId",
            withNodes("vip = \"10.9.9.9\"\nvpc_route_tables = [\"rtb-01234567\", "
                      "\"rtb-01234567\"]\n"),
            2, "vpc_route_tables[1]: \"rtb-01234567\" is listed twice (also vpc_route_tables[0])"},
        BadConfig{"TableListWrongType",
                  withNodes("vip = \"10.9.9.9\"\nvpc_route_tables = \"rtb-01234567\"\n"), 2,
                  "vpc_route_tables: expected an array of strings, got a string"},
        BadConfig{"BadExtraRegion", withNodes("vip = \"10.9.9.9\"\nregions = [\"eu-west\"]\n"), 2,
                  "regions[0]: \"eu-west\" is not a valid AWS region name"},
        BadConfig{"VpcMissingTransitGateway",
                  withNodes("vip = \"10.9.9.9\"\n", "[[vpc]]\nid = \"vpc-01234567\"\n"), 12,
                  "vpc[0].transit_gateway: required key is missing"},
        BadConfig{
            "VpcBadIds",
            withNodes(
                "vip = \"10.9.9.9\"\n",
                "[[vpc]]\nid = \"vpc-01234567\"\ntransit_gateway = \"tgw-attach-01234567\"\n"),
            14,
            "vpc[0].transit_gateway: \"tgw-attach-01234567\" is not a valid transit gateway id"},
        BadConfig{"VpcDuplicate",
                  withNodes("vip = \"10.9.9.9\"\n",
                            "[[vpc]]\nid = \"vpc-01234567\"\ntransit_gateway = \"tgw-01234567\"\n"
                            "[[vpc]]\nid = \"vpc-01234567\"\ntransit_gateway = \"tgw-01234568\"\n"),
                  16, "vpc[1].id: VPC \"vpc-01234567\" is already listed as vpc[0]"},
        BadConfig{"ZeroTimeout",
                  withNodes("vip = \"10.9.9.9\"\n", "[aws]\nrestore_timeout_s = 0\n"), 13,
                  "aws.restore_timeout_s: 0 is out of range (1..3600)"},
        BadConfig{"AbsurdTimeout",
                  withNodes("vip = \"10.9.9.9\"\n", "[aws]\nquickcheck_timeout_s = 100000\n"), 13,
                  "aws.quickcheck_timeout_s: 100000 is out of range"},
        BadConfig{"FloatTimeout",
                  withNodes("vip = \"10.9.9.9\"\n", "[aws]\nrestore_timeout_s = 1.5\n"), 13,
                  "aws.restore_timeout_s: expected an integer, got a float"},
        BadConfig{"BadMaxAttempts", withNodes("vip = \"10.9.9.9\"\n", "[aws]\nmax_attempts = 0\n"),
                  13, "aws.max_attempts: 0 is out of range (1..20)"},
        BadConfig{"EndpointNotHttp",
                  withNodes("vip = \"10.9.9.9\"\n", "[aws]\nendpoint_url = \"ftp://x\"\n"), 13,
                  "aws.endpoint_url: \"ftp://x\" is not an http:// or https:// URL"},
        BadConfig{"RegionEndpointNotHttp",
                  withNodes("vip = \"10.9.9.9\"\n",
                            "[aws.regions.\"us-east-1\"]\nendpoint_url = \"127.0.0.1:5000\"\n"),
                  13, "aws.regions.\"us-east-1\".endpoint_url: \"127.0.0.1:5000\" is not an http"},
        BadConfig{
            "BadRoleArn",
            withNodes("vip = \"10.9.9.9\"\n",
                      "[aws.regions.\"us-east-1\"]\nrole_arn = \"arn:aws:iam::1234:role/x\"\n"),
            13,
            "aws.regions.\"us-east-1\".role_arn: \"arn:aws:iam::1234:role/x\" is not an IAM role "
            "ARN"},
        BadConfig{"RoleArnUserNotRole",
                  withNodes("vip = \"10.9.9.9\"\n",
                            "[aws.regions.\"us-east-1\"]\n"
                            "role_arn = \"arn:aws:iam::111122223333:user/x\"\n"),
                  13, "is not an IAM role ARN"},
        BadConfig{
            "RegionOverrideBadName",
            withNodes("vip = \"10.9.9.9\"\n", "[aws.regions.\"useast1\"]\nrole_arn = \"x\"\n"), 12,
            "aws.regions.\"useast1\": \"useast1\" is not a valid AWS region name"},
        BadConfig{"RegionOverrideOutOfScope",
                  withNodes("vip = \"10.9.9.9\"\n",
                            "[aws.regions.\"eu-west-1\"]\n"
                            "role_arn = \"arn:aws:iam::111122223333:role/r\"\n"),
                  12, "region \"eu-west-1\" is neither a node's region nor listed in `regions`"},
        BadConfig{"AwsNotATable", withNodes("vip = \"10.9.9.9\"\naws = \"x\"\n"), 2,
                  "aws: expected a table ([aws]), got a string"},
        BadConfig{"EmptyProfile", withNodes("vip = \"10.9.9.9\"\n", "[aws]\nprofile = \"\"\n"), 13,
                  "aws.profile: must not be empty"}),
    [](const ::testing::TestParamInfo<BadConfig>& param) { return param.param.name; });

TEST(ConfigTest, ReportsEveryProblemInLineOrder) {
  auto config = parseConfig(
      "vip = \"10.0.0.0/8\"\n[[node]]\nname = \"a\"\nregion = \"us-east-1\"\n"
      "eni = \"eni-bad\"\n[[node]]\nname = \"b\"\nregion = \"nowhere\"\neni = \"eni-01234567\"\n",
      "t.toml");
  ASSERT_FALSE(config);
  const std::string& message = config.error().message;
  auto vip = message.find("t.toml:1: vip:");
  auto eni = message.find("t.toml:5: node[0].eni:");
  auto region = message.find("t.toml:8: node[1].region:");
  ASSERT_NE(vip, std::string::npos) << message;
  ASSERT_NE(eni, std::string::npos) << message;
  ASSERT_NE(region, std::string::npos) << message;
  EXPECT_LT(vip, eni);
  EXPECT_LT(eni, region);
}

// docs/configuration.md's example, verbatim (comments included).
constexpr std::string_view kInterfaceExample =
    R"(vip = "192.168.10.10"          # required; IPv4 (managed as /32) or IPv6 (/128); "a.b.c.d/32" also accepted
create_missing = true           # optional, default true; false = only replace existing routes

[[node]]                        # two or more
name = "node-a"                 # the cluster's node name
region = "us-east-1"
eni = "eni-0123456789abcdef0"   # the ENI that receives the VIP's traffic
instance_id = "i-0123456789abcdef0"   # optional; lets the local node be recognised from instance metadata

[[node]]
name = "node-b"
region = "us-west-2"
eni = "eni-0fedcba9876543210"

# Optional scope. When both lists are absent, tables are discovered (docs/semantics.md).
# IDs are plain AWS IDs; the region of each is found among the nodes' regions and `regions`.
# vpc_route_tables = ["rtb-...", "rtb-..."]
# tgw_route_tables = ["tgw-rtb-...", "tgw-rtb-..."]
# regions = ["eu-west-1"]       # extra regions to look in (e.g. client-only regions)

# [[vpc]]                       # only to disambiguate a VPC attached to several TGWs
# id = "vpc-..."
# transit_gateway = "tgw-..."

[aws]                           # optional
# endpoint_url = "http://127.0.0.1:5000"   # one endpoint for every region (emulators, proxies)
# profile = "ha"
# restore_timeout_s = 300       # whole-action deadlines
# quickcheck_timeout_s = 100

# [aws.regions."us-west-2"]     # per-region overrides
# endpoint_url = "https://vpce-...ec2.us-west-2.vpce.amazonaws.com"
# role_arn = "arn:aws:iam::111122223333:role/tgw-routes"   # assume this role for this region's calls
)";

TEST(ConfigTest, InterfaceExampleParses) {
  auto config = parseConfig(kInterfaceExample, "tgwark.toml");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->nodes.size(), 2u);
  EXPECT_EQ(config->vipDestination(), "192.168.10.10/32");
  EXPECT_TRUE(config->createMissing);
}

// Every ```toml block of docs/configuration.md that holds a vip must parse.
TEST(ConfigTest, DocumentationExamplesParse) {
  std::ifstream in(std::string(TGWARK_SOURCE_DIR) + "/docs/configuration.md");
  ASSERT_TRUE(in) << "docs/configuration.md not found";
  std::string line, block;
  bool inToml = false;
  int checked = 0;
  while (std::getline(in, line)) {
    if (!inToml && line == "```toml") {
      inToml = true;
      block.clear();
    } else if (inToml && line == "```") {
      inToml = false;
      if (block.find("vip =") == std::string::npos) continue;
      auto config = parseConfig(block, "docs/configuration.md");
      EXPECT_TRUE(config) << (config ? "" : config.error().message);
      ++checked;
    } else if (inToml) {
      block += line + "\n";
    }
  }
  EXPECT_GE(checked, 1);
}

TEST(ConfigTest, EndpointWithCredentialsIsRejectedWithoutEchoingThem) {
  auto config =
      parseConfig(withNodes("vip = \"10.9.9.9\"\n",
                            "[aws]\nendpoint_url = \"https://AKIDEXAMPLE:s3cr3t@host\"\n"),
                  "t.toml");
  ASSERT_FALSE(config);
  EXPECT_THAT(config.error().message, StartsWith("t.toml:13: aws.endpoint_url:"));
  EXPECT_THAT(config.error().message, Not(HasSubstr("s3cr3t")));
}

TEST(ConfigTest, TopLevelKeyBelowATableGetsAHint) {
  // docs/configuration.md's example has the table lists after the [[node]] entries:
  // uncommented there, TOML puts them into the last node.
  auto config = parseConfig(
      withNodes("vip = \"10.9.9.9\"\n", "vpc_route_tables = [\"rtb-01234567\"]\n"), "t.toml");
  ASSERT_FALSE(config);
  EXPECT_THAT(config.error().message,
              StartsWith("t.toml:12: node[1].vpc_route_tables: unknown key"));
  EXPECT_THAT(config.error().message, HasSubstr("is a top-level key"));
}

TEST(ConfigTest, SyntaxErrorHasColumn) {
  auto config = parseConfig("vip = \"10.9.9.9\"\n[[node]\n", "t.toml");
  ASSERT_FALSE(config);
  EXPECT_THAT(config.error().message, StartsWith("t.toml:2:"));
  EXPECT_THAT(config.error().message,
              ::testing::ContainsRegex("^t\\.toml:2:[0-9]+: TOML syntax error"));
}

TEST(ConfigTest, DuplicateKeyIsASyntaxError) {
  auto config = parseConfig(withNodes("vip = \"10.9.9.9\"\nvip = \"10.9.9.8\"\n"), "t.toml");
  ASSERT_FALSE(config);
  EXPECT_THAT(config.error().message, StartsWith("t.toml:2:"));
}

TEST(ConfigTest, AcceptsGovAndChinaRoleArns) {
  for (const char* arn : {"arn:aws-cn:iam::111122223333:role/path/to/r",
                          "arn:aws-us-gov:iam::111122223333:role/r+=,.@_-"}) {
    auto config = parseConfig(
        withNodes("vip = \"10.9.9.9\"\n",
                  std::string("[aws.regions.\"us-east-1\"]\nrole_arn = \"") + arn + "\"\n"));
    EXPECT_TRUE(config) << arn << ": " << (config ? "" : config.error().message);
  }
}

TEST(ConfigTest, WrongTypeValuesAreNotEchoed) {
  // The config holds no secrets; but a wrong-type value must not be echoed
  // verbatim beyond its type (it might be a pasted key).
  auto config = parseConfig(withNodes("vip = \"10.9.9.9\"\n", "[aws]\nprofile = 12345\n"));
  ASSERT_FALSE(config);
  EXPECT_THAT(config.error().message, Not(HasSubstr("12345")));
}

// The config rejects exactly the region names the endpoint resolver refuses
// (both use common/aws_names); these are names the two once disagreed on.
TEST(ConfigTest, RegionNamesFollowTheSharedRule) {
  for (const char* bad : {"usa-east-1", "us-east-123"}) {
    std::string text = std::string("vip = \"10.9.9.9\"\n[[node]]\nname = \"a\"\nregion = \"") +
                       bad + "\"\neni = \"eni-01234567\"\n";
    auto config = parseConfig(text);
    ASSERT_FALSE(config) << bad;
    EXPECT_THAT(config.error().message, HasSubstr("not a valid AWS region name")) << bad;
  }
  auto longWords = parseConfig(
      withNodes("vip = \"10.9.9.9\"\nregions = [\"ap-southeastsoutheastsoutheastsoutheast-1\"]\n"));
  EXPECT_TRUE(longWords) << longWords.error().message;
}

TEST(ConfigFileTest, LoadsAndNamesThePath) {
  std::string path = ::testing::TempDir() + "tgwark_config_test.toml";
  {
    std::ofstream out(path);
    out << "vip = \"10.9.9.9\"\nvip_typo = 1\n" << kNodes;
  }
  auto config = loadConfigFile(path);
  std::remove(path.c_str());
  ASSERT_FALSE(config);
  EXPECT_THAT(config.error().message, StartsWith(path + ":2: vip_typo: unknown key"));
}

// A FIFO would block an ifstream forever, /dev/zero would fill memory.
TEST(ConfigFileTest, OnlyABoundedRegularFileIsRead) {
  std::string fifo = ::testing::TempDir() + "tgwark_config_fifo_" + std::to_string(::getpid());
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto fromFifo = loadConfigFile(fifo);
  std::remove(fifo.c_str());
  ASSERT_FALSE(fromFifo);
  EXPECT_EQ(fromFifo.error().category, ErrorCategory::kInvalidConfig);
  EXPECT_THAT(fromFifo.error().message, HasSubstr("FIFO"));

  auto fromZero = loadConfigFile("/dev/zero");
  ASSERT_FALSE(fromZero);
  EXPECT_EQ(fromZero.error().category, ErrorCategory::kInvalidConfig);

  std::string big = ::testing::TempDir() + "tgwark_config_big_" + std::to_string(::getpid());
  {
    std::ofstream out(big);
    out << "vip = \"10.9.9.9\"\n" << kNodes << std::string((1 << 20) + 1, '#');
  }
  auto fromBig = loadConfigFile(big);
  std::remove(big.c_str());
  ASSERT_FALSE(fromBig);
  EXPECT_EQ(fromBig.error().category, ErrorCategory::kInvalidConfig);
  EXPECT_THAT(fromBig.error().message, HasSubstr("allowed"));
}

TEST(ConfigFileTest, MissingFileIsAConfigError) {
  auto config = loadConfigFile("/nonexistent/tgwark.toml");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().category, ErrorCategory::kInvalidConfig);
  EXPECT_THAT(config.error().message, HasSubstr("/nonexistent/tgwark.toml"));
}

// ---- aws.role_arn and settings over the file -------------------------------------

TEST(ConfigTest, AwsRoleArnIsCheckedAndKeptBesideThePerRegionRoles) {
  auto config = parseConfig(withNodes("vip = \"192.168.10.10\"\nregions = [\"eu-west-1\"]\n",
                                      "[aws]\nrole_arn = \"arn:aws:iam::111122223333:role/all\"\n"
                                      "[aws.regions.\"us-west-2\"]\n"
                                      "role_arn = \"arn:aws:iam::444455556666:role/west\"\n"));
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->aws.roleArn, "arn:aws:iam::111122223333:role/all");
  EXPECT_FALSE(config->aws.regions.contains("us-east-1")) << "the factory falls back to it";
  EXPECT_EQ(config->aws.regions.at("us-west-2").roleArn, "arn:aws:iam::444455556666:role/west");
  auto bad = parseConfig(withNodes("vip = \"192.168.10.10\"\n", "[aws]\nrole_arn = \"role/x\"\n"));
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message, StartsWith("config:13: aws.role_arn: \"role/x\" is not an IAM"));
}

TEST(ConfigTest, SettingsReplaceTheFilesValuesAndTheirProblemsNameTheirOrigin) {
  std::vector<ConfigSetting> settings = {
      {{"vip"}, std::string("192.168.10.20"), "parameter ip"},
      {{"aws", "remote_wait_s"}, std::int64_t{5}, "parameter remote_wait_s"},
      {{"aws", "regions", "us-west-2", "endpoint_url"},
       std::string("http://127.0.0.1:1"),
       "parameter region_endpoint_url"}};
  auto config = buildConfig(withNodes("vip = \"192.168.10.10\"\n", "[aws]\nremote_wait_s = 9\n"),
                            "tgwark.toml", settings);
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->vipDestination(), "192.168.10.20/32");
  EXPECT_EQ(config->aws.remoteWaitS, 5);
  EXPECT_EQ(config->aws.regions.at("us-west-2").endpointUrl, "http://127.0.0.1:1");
  EXPECT_EQ(config->nodes.size(), 2u) << "the file's nodes stay";

  settings[1].value = std::int64_t{0};
  settings.push_back(
      {{"node"}, std::vector<ConfigSetting::Table>{{{"name", "a"}}}, "parameter nodes"});
  auto bad = buildConfig(withNodes("vip = \"192.168.10.10\"\n", "[aws]\nbogus = 1\n"),
                         "tgwark.toml", settings);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().category, ErrorCategory::kInvalidConfig);
  EXPECT_THAT(bad.error().message,
              HasSubstr("parameter remote_wait_s: aws.remote_wait_s: 0 is out"));
  EXPECT_THAT(bad.error().message, HasSubstr("parameter nodes: node[0].region: required key"));
  EXPECT_THAT(bad.error().message, HasSubstr("tgwark.toml:13: aws.bogus: unknown key"));
  // No file: the settings are everything; a key nobody set names the source.
  auto none = buildConfig(std::nullopt, "resource parameters", {settings[0]});
  ASSERT_FALSE(none);
  EXPECT_THAT(none.error().message, HasSubstr("resource parameters: node: no [[node]] defined"));
  // The fingerprint (the topology store's key) follows every value.
  auto before = settingsFingerprint(settings);
  settings[0].value = std::string("192.168.10.21");
  EXPECT_NE(settingsFingerprint(settings), before);
}

}  // namespace
}  // namespace tgwark::model

namespace tgwark::model {
namespace {

// The shipped single-VPC example (docs/configuration.md): both nodes in one
// region, no transit gateway key at all; with the table list uncommented, the
// listed tables.
TEST(ConfigSingleVpcExample, ParsesAsDocumented) {
  auto config = loadConfigFile(TGWARK_SOURCE_DIR "/packaging/examples/single-vpc.toml");
  ASSERT_TRUE(config) << config.error().describe();
  ASSERT_EQ(config->nodes.size(), 2u);
  EXPECT_EQ(config->nodes[0].region, config->nodes[1].region);
  EXPECT_TRUE(config->vpcRouteTables.empty());
  EXPECT_TRUE(config->tgwRouteTables.empty());
  EXPECT_TRUE(config->vpcs.empty());
  EXPECT_EQ(config->allRegions(), std::vector<std::string>{"us-east-1"});

  std::ifstream in(TGWARK_SOURCE_DIR "/packaging/examples/single-vpc.toml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string commented = "# vpc_route_tables = ";
  auto at = text.find(commented);
  ASSERT_NE(at, std::string::npos);
  text.erase(at, 2);
  auto listed = parseConfig(text, "single-vpc.toml");
  ASSERT_TRUE(listed) << listed.error().describe();
  EXPECT_EQ(listed->vpcRouteTables,
            (std::vector<std::string>{"rtb-0123456789abcdef0", "rtb-0fedcba9876543210"}));
}

}  // namespace
}  // namespace tgwark::model
