// `tgwark validate` against the in-process emulator with the topology's
// restricted keys: the IAM lines are proven by real DryRun calls, and
// validate changes nothing.
#include "cli/validate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "engine/engine.h"
#include "support/sim_session.h"

namespace tgwark::cli {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::SimSession;
using testing::SimSessionOptions;

SimSessionOptions kit(bool createMissing) {
  SimSessionOptions o;
  o.accessKeyId = "AKIDTGWKIT";
  o.secretAccessKey = "tgwkit-secret-key";
  o.createMissing = createMissing;
  return o;
}

CheckStatus statusOf(const ValidateReport& r, const std::string& check) {
  const auto* c = r.find(check);
  EXPECT_NE(c, nullptr) << "no check " << check;
  return c == nullptr ? CheckStatus::kFail : c->status;
}

std::string dump(const ValidateReport& r) {
  return validateText(r, false);
}

TEST(Validate, EverythingAllowedIsAllOkAndChangesNothing) {
  SimSession sim;
  auto before = engine::status(sim.session().config(), *sim.session().topology(sim.deadline()),
                               sim.session().factory(), sim.deadline());
  ASSERT_TRUE(before.has_value());
  auto report = runValidate(sim.session(), sim.deadline());
  EXPECT_EQ(report.count(CheckStatus::kFail), 0) << dump(report);
  EXPECT_EQ(report.exitCode(), 0);
  EXPECT_TRUE(report.missingActions.empty());
  EXPECT_THAT(report.find("credentials")->detail, HasSubstr("environment"));
  EXPECT_EQ(statusOf(report, "endpoint us-east-1"), CheckStatus::kOk);
  EXPECT_EQ(statusOf(report, "endpoint us-west-2"), CheckStatus::kOk);
  EXPECT_EQ(statusOf(report, "discovery"), CheckStatus::kOk);
  EXPECT_EQ(statusOf(report, "node node-a ENI"), CheckStatus::kOk);
  EXPECT_EQ(statusOf(report, "node node-b source/dest check"), CheckStatus::kOk);
  EXPECT_EQ(statusOf(report, "vip placement"), CheckStatus::kOk);
  EXPECT_EQ(statusOf(report, "attachments"), CheckStatus::kOk);
  EXPECT_EQ(statusOf(report, "associations"), CheckStatus::kOk);
  EXPECT_EQ(statusOf(report, "paths to node-a"), CheckStatus::kOk);
  EXPECT_EQ(statusOf(report, "paths to node-b"), CheckStatus::kOk);
  EXPECT_EQ(statusOf(report, "iam ec2:CreateRoute"), CheckStatus::kOk);
  EXPECT_EQ(statusOf(report, "iam ec2:ReplaceTransitGatewayRoute"), CheckStatus::kOk);
  // Every mutating call was a DryRun: the routes are exactly as before.
  auto after = engine::status(sim.session().config(), *sim.session().topology(sim.deadline()),
                              sim.session().factory(), sim.deadline());
  ASSERT_TRUE(after.has_value());
  ASSERT_EQ(before->routes.size(), after->routes.size());
  for (std::size_t i = 0; i < before->routes.size(); ++i) {
    EXPECT_EQ(before->routes[i].route.has_value(), after->routes[i].route.has_value());
    if (before->routes[i].route && after->routes[i].route) {
      EXPECT_EQ(before->routes[i].route->target, after->routes[i].route->target);
    }
  }
}

TEST(Validate, VendorKitKeysMissCreateRouteWhenCreateMissing) {
  SimSession sim(kit(true));
  auto report = runValidate(sim.session(), sim.deadline());
  EXPECT_EQ(report.exitCode(), 1);
  const auto* create = report.find("iam ec2:CreateRoute");
  ASSERT_NE(create, nullptr) << dump(report);
  EXPECT_EQ(create->status, CheckStatus::kFail);
  EXPECT_THAT(create->detail, HasSubstr("UnauthorizedOperation"));
  EXPECT_THAT(create->hint,
              HasSubstr(R"({"Effect":"Allow","Action":"ec2:CreateRoute","Resource":"*"})"));
  EXPECT_EQ(statusOf(report, "iam ec2:CreateTransitGatewayRoute"), CheckStatus::kFail);
  // The kit's own eight are proven allowed.
  for (const char* allowed :
       {"ec2:DescribeRouteTables", "ec2:ReplaceRoute", "ec2:DescribeTransitGateways",
        "ec2:DescribeTransitGatewayVpcAttachments", "ec2:DescribeTransitGatewayPeeringAttachments",
        "ec2:DescribeTransitGatewayRouteTables", "ec2:SearchTransitGatewayRoutes",
        "ec2:ReplaceTransitGatewayRoute"}) {
    EXPECT_EQ(statusOf(report, std::string("iam ") + allowed), CheckStatus::kOk) << allowed;
  }
  // Discovery's extras are missing, so discovery itself fails and says why.
  EXPECT_EQ(statusOf(report, "iam ec2:DescribeNetworkInterfaces"), CheckStatus::kFail);
  EXPECT_EQ(statusOf(report, "discovery"), CheckStatus::kFail);
  EXPECT_THAT(report.missingActions, Contains("ec2:CreateRoute"));
  EXPECT_THAT(report.missingActions, Contains("ec2:DescribeVpcs"));
  EXPECT_THAT(report.missingActions, Not(Contains("ec2:ReplaceRoute")));
  // The text ends with one statement covering every missing action.
  std::string text = dump(report);
  EXPECT_THAT(text, HasSubstr("FAIL  iam ec2:CreateRoute: denied"));
  EXPECT_THAT(text, HasSubstr("Add this statement to the policy"));
  auto json = validateJson(report);
  EXPECT_EQ(json["exit_code"], 1);
  EXPECT_EQ(json["policy_statement"]["Action"].size(), report.missingActions.size());
}

TEST(Validate, WithoutCreateMissingCreatePermissionsAreNotRequired) {
  SimSession sim(kit(false));
  auto report = runValidate(sim.session(), sim.deadline());
  EXPECT_EQ(report.find("iam ec2:CreateRoute"), nullptr) << dump(report);
  EXPECT_EQ(report.find("iam ec2:CreateTransitGatewayRoute"), nullptr);
  EXPECT_THAT(report.missingActions, Not(Contains("ec2:CreateRoute")));
}

TEST(Validate, ReadOnlyKeysDiscoverButCannotWrite) {
  SimSessionOptions o;
  o.accessKeyId = "AKIDREADONLY";
  o.secretAccessKey = "readonly-secret-key";
  SimSession sim(o);
  auto report = runValidate(sim.session(), sim.deadline());
  EXPECT_EQ(statusOf(report, "discovery"), CheckStatus::kOk) << dump(report);
  EXPECT_EQ(statusOf(report, "paths to node-b"), CheckStatus::kOk);
  EXPECT_EQ(statusOf(report, "iam ec2:DescribeRouteTables"), CheckStatus::kOk);
  EXPECT_EQ(statusOf(report, "iam ec2:GetTransitGatewayRouteTableAssociations"), CheckStatus::kOk);
  EXPECT_EQ(statusOf(report, "iam ec2:ReplaceRoute"), CheckStatus::kFail);
  EXPECT_EQ(statusOf(report, "iam ec2:ReplaceTransitGatewayRoute"), CheckStatus::kFail);
  EXPECT_THAT(report.missingActions,
              (std::vector<std::string>{"ec2:CreateRoute", "ec2:CreateTransitGatewayRoute",
                                        "ec2:ReplaceRoute", "ec2:ReplaceTransitGatewayRoute"}));
}

std::string demoWithSourceDestCheckOn() {
  std::string json(sim::demoTopologyJson());
  const std::string off =
      R"("source_dest_check": false, "description": "node-a primary interface")";
  auto at = json.find(off);
  EXPECT_NE(at, std::string::npos);
  json.replace(at, off.size(),
               R"("source_dest_check": true, "description": "node-a primary interface")");
  return json;
}

TEST(Validate, SourceDestCheckOnFailsAndIsNotFixed) {
  SimSessionOptions o;
  o.topologyJson = demoWithSourceDestCheckOn();
  o.fixSourceDestCheck = false;
  SimSession sim(o);
  auto report = runValidate(sim.session(), sim.deadline());
  const auto* c = report.find("node node-a source/dest check");
  ASSERT_NE(c, nullptr) << dump(report);
  EXPECT_EQ(c->status, CheckStatus::kFail);
  EXPECT_THAT(c->hint, HasSubstr("--no-source-dest-check"));
  EXPECT_EQ(statusOf(report, "node node-b source/dest check"), CheckStatus::kOk);
}

TEST(Validate, SourceDestCheckOnIsAWarningWhenRestoreWouldFixItButValidateDoesNot) {
  SimSessionOptions o;
  o.topologyJson = demoWithSourceDestCheckOn();
  o.fixSourceDestCheck = true;
  SimSession sim(o);
  auto report = runValidate(sim.session(), sim.deadline());
  EXPECT_EQ(statusOf(report, "node node-a source/dest check"), CheckStatus::kWarn) << dump(report);
  EXPECT_EQ(statusOf(report, "iam ec2:ModifyNetworkInterfaceAttribute"), CheckStatus::kOk);
  // Still on: validate only looked.
  auto again = runValidate(sim.session(), sim.deadline());
  EXPECT_EQ(statusOf(again, "node node-a source/dest check"), CheckStatus::kWarn);
}

// Discovery would stop at these; validate runs it without the pre-flight
// checks and reports each problem on its own line, with the rest still checked.
TEST(Validate, ListedTablesNotInScopeFailOnTheirOwnLines) {
  SimSessionOptions o;
  o.topLevelConfig =
      "vpc_route_tables = [\"rtb-00000010000000000\", \"rtb-0000beef\"]\n"
      "tgw_route_tables = [\"tgw-rtb-00000000100000000\", \"tgw-rtb-0000beef\"]\n";
  SimSession sim(o);
  auto report = runValidate(sim.session(), sim.deadline());
  EXPECT_EQ(statusOf(report, "discovery"), CheckStatus::kOk) << dump(report);
  EXPECT_EQ(statusOf(report, "table rtb-00000010000000000"), CheckStatus::kOk);
  EXPECT_EQ(statusOf(report, "table tgw-rtb-00000000100000000"), CheckStatus::kOk);
  const auto* vpcTable = report.find("table rtb-0000beef");
  ASSERT_NE(vpcTable, nullptr) << dump(report);
  EXPECT_EQ(vpcTable->status, CheckStatus::kFail);
  EXPECT_THAT(vpcTable->detail, HasSubstr("vpc_route_tables: rtb-0000beef not found"));
  EXPECT_THAT(vpcTable->hint, HasSubstr("`regions`"));
  const auto* tgwTable = report.find("table tgw-rtb-0000beef");
  ASSERT_NE(tgwTable, nullptr);
  EXPECT_EQ(tgwTable->status, CheckStatus::kFail);
  EXPECT_THAT(tgwTable->detail, HasSubstr("tgw_route_tables: tgw-rtb-0000beef not found"));
  EXPECT_EQ(statusOf(report, "vip placement"), CheckStatus::kOk);
  EXPECT_EQ(statusOf(report, "peering paths"), CheckStatus::kOk);
  EXPECT_EQ(report.exitCode(), 1);
}

TEST(Validate, VipInsideAVpcCidrFailsVipPlacement) {
  SimSessionOptions o;
  o.vip = "10.13.0.99";  // inside vpc-00000030000000000, a VPC with no node
  SimSession sim(o);
  auto report = runValidate(sim.session(), sim.deadline());
  EXPECT_EQ(statusOf(report, "discovery"), CheckStatus::kOk) << dump(report);
  const auto* c = report.find("vip placement");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->status, CheckStatus::kFail);
  EXPECT_THAT(c->detail, HasSubstr("vpc-00000030000000000 (us-east-1) CIDR 10.13.0.0/16"));
  EXPECT_THAT(c->hint, HasSubstr("outside every VPC CIDR"));
}

TEST(Validate, UnreachableEndpointFailsPerRegionAndSkipsTheRest) {
  SimSessionOptions o;
  o.endpointOverride = "http://127.0.0.1:1";
  SimSession sim(o);
  auto report = runValidate(sim.session(), sim.deadline());
  const auto* c = report.find("endpoint us-east-1");
  ASSERT_NE(c, nullptr) << dump(report);
  EXPECT_EQ(c->status, CheckStatus::kFail);
  EXPECT_THAT(c->detail, HasSubstr("unreachable"));
  EXPECT_EQ(report.find("discovery"), nullptr);
  EXPECT_EQ(statusOf(report, "iam ec2:ReplaceRoute"), CheckStatus::kWarn);
  EXPECT_EQ(report.exitCode(), 1);
}

// A node's region answering 503 to everything: its endpoint line names EC2's
// last answer, and nothing else calls that region (discovery and the node's
// ENI check would only retry it until the deadline); the other region is
// still checked.
TEST(Validate, UnhealthyNodeRegionFailsWithEc2sLastAnswerAndIsNotCalledAgain) {
  SimSession sim;
  sim::FaultRule down;
  down.region = "us-west-2";
  down.kind = "Unavailable";
  down.probability = 1.0;
  sim.server().state().addFault(down);
  auto report = runValidate(sim.session(), sim.deadline());
  EXPECT_EQ(report.exitCode(), 1);
  const auto* c = report.find("endpoint us-west-2");
  ASSERT_NE(c, nullptr) << dump(report);
  EXPECT_EQ(c->status, CheckStatus::kFail);
  EXPECT_THAT(c->detail, HasSubstr("unhealthy"));
  EXPECT_THAT(c->detail, HasSubstr("code=Unavailable"));
  EXPECT_THAT(c->detail, HasSubstr("request-id="));
  EXPECT_THAT(c->detail, HasSubstr("http=503"));
  EXPECT_EQ(statusOf(report, "endpoint us-east-1"), CheckStatus::kOk);
  EXPECT_EQ(statusOf(report, "discovery"), CheckStatus::kWarn);
  EXPECT_THAT(report.find("discovery")->detail, HasSubstr("us-west-2"));
  EXPECT_EQ(statusOf(report, "node node-b ENI"), CheckStatus::kWarn);
  EXPECT_EQ(statusOf(report, "node node-a ENI"), CheckStatus::kOk);
  EXPECT_EQ(statusOf(report, "iam ec2:ReplaceRoute"), CheckStatus::kOk);
  EXPECT_THAT(report.find("iam ec2:ReplaceRoute")->detail, HasSubstr("us-east-1"));
  EXPECT_THAT(report.find("iam ec2:ReplaceRoute")->detail, Not(HasSubstr("us-west-2")));
  // The probe is the only call us-west-2 saw.
  auto counters = nlohmann::json::parse(sim.server().state().countersJson());
  EXPECT_EQ(counters["calls"]["us-west-2"].size(), 1u) << counters.dump();
  EXPECT_EQ(sim.server().state().callCount("us-west-2", "DescribeTransitGateways"), 1u);
}

TEST(Validate, JsonListsEveryCheck) {
  SimSession sim;
  auto report = runValidate(sim.session(), sim.deadline());
  auto j = validateJson(report);
  EXPECT_EQ(j["ok"], true);
  ASSERT_EQ(j["checks"].size(), report.checks.size());
  EXPECT_EQ(j["checks"][0]["check"], "config");
  EXPECT_EQ(j["checks"][0]["status"], "OK");
  EXPECT_TRUE(j["policy_statement"].is_null());
  EXPECT_GT(j["calls"]["total"].get<int>(), 0);
}

TEST(PolicyStatement, OneActionOrSeveral) {
  EXPECT_EQ(policyStatement({"ec2:CreateRoute"}),
            R"({"Effect":"Allow","Action":"ec2:CreateRoute","Resource":"*"})");
  EXPECT_EQ(policyStatement({"ec2:A", "ec2:B"}),
            R"({"Effect":"Allow","Action":["ec2:A","ec2:B"],"Resource":"*"})");
}

}  // namespace
}  // namespace tgwark::cli
