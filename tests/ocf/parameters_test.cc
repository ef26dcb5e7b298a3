// The configuration parameters: their syntax (malformed is OCF_ERR_ARGS),
// the settings they become, checked like the TOML file (invalid is
// OCF_ERR_CONFIGURED, naming the parameter), parameters over the file, and
// meta-data that documents every parameter the agent reads.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pugixml.hpp>

#include <map>
#include <set>

#include "model/config.h"
#include "ocf/agent.h"
#include "ocf/parameters.h"

namespace tgwark::ocf {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;

constexpr const char* kNodes =
    "node-a=eni-a0000001:us-east-1, node-b=eni-b0000001:us-west-2:i-0123456789abcdef0:vpc-b0000001";

EnvLookup envOf(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

Result<model::Config> configFrom(const std::map<std::string, std::string>& vars,
                                 std::optional<std::string_view> file = std::nullopt) {
  auto params = readConfigParameters(envOf(vars));
  if (!params) return std::unexpected(params.error());
  return model::buildConfig(file, file ? "tgwark.toml" : "resource parameters", params->settings);
}

TEST(OcfParametersTest, TheParametersAloneAreAWholeConfiguration) {
  auto params =
      readConfigParameters(envOf({{"OCF_RESKEY_vip", "192.168.10.10"},
                                  {"OCF_RESKEY_nodes", kNodes},
                                  {"OCF_RESKEY_create_missing", "no"},
                                  {"OCF_RESKEY_routing_table", "rtb-a0000001,rtb-c0000001"},
                                  {"OCF_RESKEY_tgw_routing_table", "tgw-rtb-e0000001"},
                                  {"OCF_RESKEY_regions", "eu-west-1"},
                                  {"OCF_RESKEY_endpoint_url", "http://127.0.0.1:5000"},
                                  {"OCF_RESKEY_profile", "ha"},
                                  {"OCF_RESKEY_remote_wait_s", "7"},
                                  {"OCF_RESKEY_use_fips", "false"}}));
  ASSERT_TRUE(params) << params.error().message;
  EXPECT_TRUE(params->definesConfig);
  auto config = model::buildConfig(std::nullopt, "resource parameters", params->settings);
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->vipDestination(), "192.168.10.10/32");
  ASSERT_EQ(config->nodes.size(), 2u);
  EXPECT_EQ(config->nodes[0].name, "node-a");
  EXPECT_EQ(config->nodes[0].eni, "eni-a0000001");
  EXPECT_EQ(config->nodes[0].region, "us-east-1");
  EXPECT_EQ(config->nodes[1].instanceId, "i-0123456789abcdef0");
  EXPECT_EQ(config->nodes[1].vpc, "vpc-b0000001");
  EXPECT_FALSE(config->createMissing);
  EXPECT_THAT(config->vpcRouteTables, ElementsAre("rtb-a0000001", "rtb-c0000001"));
  EXPECT_THAT(config->tgwRouteTables, ElementsAre("tgw-rtb-e0000001"));
  EXPECT_THAT(config->regions, ElementsAre("eu-west-1"));
  EXPECT_EQ(config->aws.endpointUrl, "http://127.0.0.1:5000");
  EXPECT_EQ(config->aws.profile, "ha");
  EXPECT_EQ(config->aws.remoteWaitS, 7);
  EXPECT_TRUE(params->repairRemote);
}

TEST(OcfParametersTest, ScopeTagIsTheTomlKey) {
  auto params = readConfigParameters(envOf({{"OCF_RESKEY_vip", "192.168.10.10"},
                                            {"OCF_RESKEY_nodes", kNodes},
                                            {"OCF_RESKEY_scope_tag", "tgwark:vip=192.168.10.10"}}));
  ASSERT_TRUE(params) << params.error().message;
  auto config = model::buildConfig(std::nullopt, "resource parameters", params->settings);
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->scopeTagKey, "tgwark:vip");
  EXPECT_EQ(config->scopeTagValue, "192.168.10.10");
  auto bad = readConfigParameters(envOf({{"OCF_RESKEY_vip", "192.168.10.10"},
                                         {"OCF_RESKEY_nodes", kNodes},
                                         {"OCF_RESKEY_scope_tag", "=value"}}));
  ASSERT_TRUE(bad);
  auto refused = model::buildConfig(std::nullopt, "resource parameters", bad->settings);
  ASSERT_FALSE(refused);
  EXPECT_THAT(refused.error().message, HasSubstr("parameter scope_tag"));
}

// `none` is the explicitly empty list (`tgw_route_tables = []`): the opt-out a
// routing_table user on a TGW-attached VPC needs to keep tgwark off its TGW.
TEST(OcfParametersTest, NoneIsTheEmptyListThatManagesNoTableOfItsKind) {
  auto config = configFrom({{"OCF_RESKEY_vip", "192.168.10.10"},
                            {"OCF_RESKEY_nodes", kNodes},
                            {"OCF_RESKEY_routing_table", "rtb-a0000001"},
                            {"OCF_RESKEY_tgw_routing_table", "none"}});
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_THAT(config->vpcRouteTables, ElementsAre("rtb-a0000001"));
  EXPECT_TRUE(config->tgwRouteTablesListed);
  EXPECT_TRUE(config->tgwRouteTables.empty());

  auto onlyTgw = configFrom({{"OCF_RESKEY_vip", "192.168.10.10"},
                             {"OCF_RESKEY_nodes", kNodes},
                             {"OCF_RESKEY_routing_table", " none "},
                             {"OCF_RESKEY_tgw_routing_table", "tgw-rtb-e0000001"}});
  ASSERT_TRUE(onlyTgw) << onlyTgw.error().message;
  EXPECT_TRUE(onlyTgw->vpcRouteTablesListed);
  EXPECT_TRUE(onlyTgw->vpcRouteTables.empty());
  EXPECT_THAT(onlyTgw->tgwRouteTables, ElementsAre("tgw-rtb-e0000001"));

  // Unset still means discovered: not the same as none.
  auto unset = configFrom({{"OCF_RESKEY_vip", "192.168.10.10"},
                           {"OCF_RESKEY_nodes", kNodes},
                           {"OCF_RESKEY_routing_table", "rtb-a0000001"}});
  ASSERT_TRUE(unset) << unset.error().message;
  EXPECT_FALSE(unset->tgwRouteTablesListed);

  // none among table ids is a mistake, not a table id.
  auto mixed =
      readConfigParameters(envOf({{"OCF_RESKEY_tgw_routing_table", "none,tgw-rtb-e0000001"}}));
  ASSERT_FALSE(mixed);
  EXPECT_EQ(mixed.error().category, ErrorCategory::kInvalid);
  EXPECT_THAT(mixed.error().message, StartsWith("parameter tgw_routing_table="));
  EXPECT_THAT(mixed.error().message, HasSubstr("none stands alone"));
}

TEST(OcfParametersTest, IpIsAnAliasOfVipAndTheRegionParameterFillsNodesWithoutOne) {
  auto config = configFrom({{"OCF_RESKEY_ip", "192.168.10.11"},
                            {"OCF_RESKEY_region", "eu-west-1"},
                            {"OCF_RESKEY_nodes", "node-a=eni-a0000001 node-b=eni-b0000001"}});
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->vipDestination(), "192.168.10.11/32");
  EXPECT_EQ(config->nodes[0].region, "eu-west-1");
  EXPECT_EQ(config->nodes[1].region, "eu-west-1");
  // Both given and equal is fine; different is malformed.
  EXPECT_TRUE(readConfigParameters(
      envOf({{"OCF_RESKEY_ip", "192.168.10.11"}, {"OCF_RESKEY_vip", "192.168.10.11"}})));
  auto clash = readConfigParameters(
      envOf({{"OCF_RESKEY_ip", "192.168.10.11"}, {"OCF_RESKEY_vip", "192.168.10.12"}}));
  ASSERT_FALSE(clash);
  EXPECT_EQ(clash.error().category, ErrorCategory::kInvalid);
  EXPECT_THAT(clash.error().message, HasSubstr("disagree"));
}

TEST(OcfParametersTest, MalformedValuesAreArgumentErrorsNamingTheParameter) {
  for (auto [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"nodes", "node-a"},
           {"nodes", "node-a=eni-a0000001"},  // no region, no region parameter
           {"nodes", "node-a=eni-a0000001:us-east-1:eu-west-1"},
           {"nodes", "node-a=:us-east-1"},
           {"nodes", "node-a=eni-a0000001:us-east-1 node-a=eni-b0000001:us-east-1"},
           {"create_missing", "maybe"},
           {"repair_remote", "2"},
           {"remote_wait_s", "20s"},
           {"max_attempts", "-"},
           {"region_role", "us-east-1"},
           {"vpc_transit_gateway", "vpc-a0000001"}}) {
    auto params = readConfigParameters(envOf({{"OCF_RESKEY_" + name, value}}));
    ASSERT_FALSE(params) << name << "=" << value;
    EXPECT_EQ(params.error().category, ErrorCategory::kInvalid) << name;
    EXPECT_THAT(params.error().message, StartsWith("parameter " + name + "=")) << name;
  }
}

TEST(OcfParametersTest, AMalformedValueThatMayHoldCredentialsIsNotShown) {
  auto params = readConfigParameters(
      envOf({{"OCF_RESKEY_region_endpoint_url", "https://admin:hunter2@proxy.example"}}));
  ASSERT_FALSE(params);
  EXPECT_EQ(params.error().category, ErrorCategory::kInvalid);
  EXPECT_THAT(params.error().message,
              StartsWith("parameter region_endpoint_url (value not shown)"));
  EXPECT_THAT(params.error().message, ::testing::Not(HasSubstr("hunter2")));
}

TEST(OcfParametersTest, InvalidValuesFailTheConfigurationCheckNamingTheParameter) {
  struct Case {
    std::map<std::string, std::string> vars;
    std::string message;
  };
  const std::string nodes = kNodes;
  for (const auto& c : std::vector<Case>{
           {{{"OCF_RESKEY_vip", "192.168.10.10"},
             {"OCF_RESKEY_nodes", "node-a=eni-xyz:us-east-1 node-b=eni-b0000001:us-west-2"}},
            "parameter nodes: node[0].eni: \"eni-xyz\" is not a valid ENI id"},
           {{{"OCF_RESKEY_vip", "192.168.10.10"},
             {"OCF_RESKEY_nodes", "node-a=eni-a0000001:us-east-1"}},
            "parameter nodes: node: 1 [[node]] defined: at least two nodes are required"},
           {{{"OCF_RESKEY_vip", "10.0.0.0/24"}, {"OCF_RESKEY_nodes", nodes}},
            "parameter vip: vip:"},
           {{{"OCF_RESKEY_vip", "192.168.10.10"},
             {"OCF_RESKEY_nodes", nodes},
             {"OCF_RESKEY_remote_wait_s", "0"}},
            "parameter remote_wait_s: aws.remote_wait_s: 0 is out of range (1..3600)"},
           {{{"OCF_RESKEY_vip", "192.168.10.10"},
             {"OCF_RESKEY_nodes", nodes},
             {"OCF_RESKEY_routing_table", "rtb-a0000001 table-2"}},
            "parameter routing_table: vpc_route_tables[1]: \"table-2\" is not a valid"},
           {{{"OCF_RESKEY_vip", "192.168.10.10"},
             {"OCF_RESKEY_nodes", nodes},
             {"OCF_RESKEY_region_role", "ap-south-1=arn:aws:iam::111122223333:role/r"}},
            "parameter region_role: aws.regions.\"ap-south-1\": region \"ap-south-1\" is neither"},
           {{{"OCF_RESKEY_vip", "192.168.10.10"},
             {"OCF_RESKEY_nodes", nodes},
             {"OCF_RESKEY_routing_table_role", "role/r"}},
            "parameter routing_table_role: aws.role_arn: \"role/r\" is not an IAM role ARN"},
           {{{"OCF_RESKEY_vip", "192.168.10.10"},
             {"OCF_RESKEY_nodes", nodes},
             {"OCF_RESKEY_endpoint_url", "localhost:5000"}},
            "parameter endpoint_url: aws.endpoint_url:"},
       }) {
    auto config = configFrom(c.vars);
    ASSERT_FALSE(config) << c.message;
    EXPECT_EQ(config.error().category, ErrorCategory::kInvalidConfig);
    EXPECT_THAT(config.error().message, StartsWith(c.message));
  }
}

TEST(OcfParametersTest, ParametersOverrideTheFileKeyByKey) {
  const std::string file =
      "vip = \"192.168.10.10\"\ncreate_missing = true\n"
      "vpc_route_tables = [\"rtb-a0000001\"]\n"
      "[[node]]\nname = \"file-a\"\nregion = \"us-east-1\"\neni = \"eni-a0000009\"\n"
      "[[node]]\nname = \"file-b\"\nregion = \"us-west-2\"\neni = \"eni-b0000009\"\n"
      "[aws]\nendpoint_url = \"http://127.0.0.1:9\"\nremote_wait_s = 30\nprofile = \"file\"\n"
      "[aws.regions.\"us-west-2\"]\nendpoint_url = \"http://127.0.0.1:8\"\n";
  auto config =
      configFrom({{"OCF_RESKEY_ip", "192.168.10.20"},
                  {"OCF_RESKEY_create_missing", "false"},
                  {"OCF_RESKEY_nodes", kNodes},
                  {"OCF_RESKEY_endpoint_url", "http://127.0.0.1:5000"},
                  {"OCF_RESKEY_region_role", "us-west-2=arn:aws:iam::111122223333:role/west"}},
                 file);
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->vipDestination(), "192.168.10.20/32");
  EXPECT_FALSE(config->createMissing);
  EXPECT_EQ(config->nodes.size(), 2u);
  EXPECT_EQ(config->nodes[0].name, "node-a") << "nodes replaces the file's [[node]] list";
  EXPECT_EQ(config->aws.endpointUrl, "http://127.0.0.1:5000");
  // Keys without a parameter keep the file's values.
  EXPECT_EQ(config->aws.remoteWaitS, 30);
  EXPECT_EQ(config->aws.profile, "file");
  EXPECT_THAT(config->vpcRouteTables, ElementsAre("rtb-a0000001"));
  // A per-region parameter goes into the file's region table, next to its keys.
  EXPECT_EQ(config->aws.regions.at("us-west-2").endpointUrl, "http://127.0.0.1:8");
  EXPECT_EQ(config->aws.regions.at("us-west-2").roleArn, "arn:aws:iam::111122223333:role/west");
  // A problem in the file still names the file and the line.
  auto bad = configFrom({{"OCF_RESKEY_create_missing", "false"}},
                        "vip = \"192.168.10.10\"\n[[node]]\nname = \"a\"\nregion = \"us-east-1\"\n"
                        "eni = \"eni-a0000001\"\n[[node]]\nname = \"b\"\nregion = \"x\"\n"
                        "eni = \"eni-b0000001\"\n");
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message, StartsWith("tgwark.toml:8: node[1].region:"));
}

TEST(OcfParametersTest, RoutingTableRoleIsEveryRegionsRoleUnlessRegionRoleNamesOne) {
  auto config =
      configFrom({{"OCF_RESKEY_vip", "192.168.10.10"},
                  {"OCF_RESKEY_nodes", kNodes},
                  {"OCF_RESKEY_regions", "eu-west-1"},
                  {"OCF_RESKEY_routing_table_role", "arn:aws:iam::111122223333:role/all"},
                  {"OCF_RESKEY_region_role", "eu-west-1=arn:aws:iam::444455556666:role/eu"},
                  {"OCF_RESKEY_region_endpoint_url",
                   "us-west-2=https://vpce-1.ec2.us-west-2.vpce.amazonaws.com"}});
  ASSERT_TRUE(config) << config.error().message;
  // aws.role_arn: the role of every region without its own (the EC2 factory's fallback).
  EXPECT_EQ(config->aws.roleArn, "arn:aws:iam::111122223333:role/all");
  EXPECT_EQ(config->aws.regions.at("us-west-2").roleArn, "");
  EXPECT_EQ(config->aws.regions.at("eu-west-1").roleArn, "arn:aws:iam::444455556666:role/eu");
  EXPECT_EQ(config->aws.regions.at("us-west-2").endpointUrl,
            "https://vpce-1.ec2.us-west-2.vpce.amazonaws.com");
}

TEST(OcfParametersTest, RepairRemoteAndTheConfigurationParametersGiven) {
  auto params = readConfigParameters(
      envOf({{"OCF_RESKEY_repair_remote", "off"}, {"OCF_RESKEY_profile", "ha"}}));
  ASSERT_TRUE(params);
  EXPECT_FALSE(params->repairRemote);
  EXPECT_FALSE(params->definesConfig) << "without vip or nodes the default file is read";
  EXPECT_THAT(params->given, UnorderedElementsAre("profile", "repair_remote"));
}

// ---- meta-data --------------------------------------------------------------------

pugi::xml_node agentOf(pugi::xml_document& doc) {
  auto parsed = doc.load_string(metadataXml().c_str());
  EXPECT_TRUE(parsed) << parsed.description();
  return doc.child("resource-agent");
}

TEST(OcfParametersTest, MetaDataDocumentsEveryParameterTheAgentReads) {
  // Every OCF_RESKEY_ name the agent looks up, recorded from a lookup that
  // holds nothing (every parameter is then read).
  std::set<std::string> read;
  EnvLookup recorder = [&](std::string_view name) -> std::optional<std::string> {
    // CRM_meta_* and crm_feature_set are Pacemaker's, not the resource's.
    if (name.starts_with("OCF_RESKEY_") && !name.starts_with("OCF_RESKEY_CRM_meta_") &&
        name != "OCF_RESKEY_crm_feature_set") {
      read.insert(std::string(name.substr(11)));
    }
    return std::nullopt;
  };
  ASSERT_TRUE(readConfigParameters(recorder));
  ASSERT_TRUE(readParameters(recorder));
  ASSERT_GT(read.size(), 20u);

  pugi::xml_document doc;
  auto agent = agentOf(doc);
  std::set<std::string> documented;
  for (auto p : agent.child("parameters").children("parameter")) {
    std::string name = p.attribute("name").value();
    documented.insert(name);
    EXPECT_GT(std::string(p.child_value("longdesc")).size(), 20u) << name;
    EXPECT_FALSE(std::string(p.child_value("shortdesc")).empty()) << name;
    std::string type = p.child("content").attribute("type").value();
    EXPECT_TRUE(type == "string" || type == "integer" || type == "boolean") << name;
    EXPECT_TRUE(p.child("content").attribute("default")) << name;
    EXPECT_STREQ(p.attribute("required").value(), "0") << name << ": the file may hold it";
  }
  EXPECT_EQ(read, documented);
}

TEST(OcfParametersTest, MetaDataDefaultsAreWhatAnUnsetParameterMeans) {
  pugi::xml_document doc;
  auto agent = agentOf(doc);
  std::map<std::string, std::string> defaults;
  for (auto p : agent.child("parameters").children("parameter")) {
    defaults[p.attribute("name").value()] = p.child("content").attribute("default").value();
  }
  // The TOML defaults a Config without the key has.
  auto config = model::parseConfig(
      "vip = \"192.168.10.10\"\n[[node]]\nname = \"a\"\nregion = \"us-east-1\"\neni = "
      "\"eni-a0000001\"\n[[node]]\nname = \"b\"\nregion = \"us-east-1\"\neni = \"eni-b0000001\"\n");
  ASSERT_TRUE(config);
  EXPECT_EQ(defaults["create_missing"], config->createMissing ? "true" : "false");
  EXPECT_EQ(defaults["fix_source_dest_check"], config->fixSourceDestCheck ? "true" : "false");
  EXPECT_EQ(defaults["use_fips"], config->aws.useFips ? "true" : "false");
  EXPECT_EQ(defaults["remote_wait_s"], std::to_string(config->aws.remoteWaitS));
  EXPECT_EQ(defaults["restore_timeout_s"], std::to_string(config->aws.restoreTimeoutS));
  EXPECT_EQ(defaults["quickcheck_timeout_s"], std::to_string(config->aws.quickcheckTimeoutS));
  EXPECT_EQ(defaults["apply_concurrency"], std::to_string(config->aws.applyConcurrency));
  EXPECT_EQ(defaults["state_dir"], "/run/tgwark");
  auto params = readConfigParameters(envOf({}));
  ASSERT_TRUE(params);
  EXPECT_EQ(defaults["repair_remote"], params->repairRemote ? "true" : "false");
}

TEST(OcfParametersTest, MetaDataIsOcf11WithReloadAgentForTheReloadableParameters) {
  pugi::xml_document doc;
  auto agent = agentOf(doc);
  EXPECT_STREQ(agent.child_value("version"), "1.1");
  std::set<std::string> actions;
  for (auto a : agent.child("actions").children("action")) {
    actions.insert(a.attribute("name").value());
    EXPECT_TRUE(a.attribute("timeout")) << a.attribute("name").value();
  }
  EXPECT_TRUE(actions.count("reload-agent"));
  std::set<std::string> reloadable;
  for (auto p : agent.child("parameters").children("parameter")) {
    if (std::string(p.attribute("reloadable").value()) == "1") {
      reloadable.insert(p.attribute("name").value());
    }
  }
  // What changes which routes are managed, or where, needs a restart.
  for (const char* name : {"vip", "ip", "nodes", "region", "routing_table", "tgw_routing_table",
                           "regions", "vpc_transit_gateway", "config", "node", "state_dir"}) {
    EXPECT_FALSE(reloadable.count(name)) << name;
  }
  for (const char* name : {"profile", "endpoint_url", "routing_table_role", "region_role",
                           "remote_wait_s", "repair_remote", "create_missing"}) {
    EXPECT_TRUE(reloadable.count(name)) << name;
  }
}

}  // namespace
}  // namespace tgwark::ocf
