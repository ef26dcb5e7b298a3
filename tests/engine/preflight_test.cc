// The pre-flight checks discovery and `tgwark validate` share.
#include "engine/preflight.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/discovery.h"
#include "plan/topology_builder.h"
#include "support/fake_clock.h"
#include "support/worlds.h"

namespace tgwark::engine {
namespace {

using namespace tgwark::testing;
using test::TopologyBuilder;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;

model::Config configWith(const std::string& vip, const std::string& extra = {}) {
  auto text = baseConfigText(extra);
  text.replace(text.find("192.168.10.10"), 13, vip);
  return parseOrDie(text);
}

// Two regions, one node per region, TGWs peered: the shape of every cluster.
TopologyBuilder twoNodes(const std::string& peeringState = "available") {
  TopologyBuilder b;
  b.tgw("tgw-e", "us-east-1").tgw("tgw-w", "us-west-2");
  b.vpc("vpc-a", "us-east-1", "10.1.0.0/16,2001:db8:1::/56")
      .vpc("vpc-b", "us-west-2", "10.2.0.0/16");
  b.vpc("vpc-c", "us-west-2", "10.3.0.0/16");
  b.tgwTable("tgw-rtb-e", "tgw-e").tgwTable("tgw-rtb-0000000f", "tgw-w");
  b.vpcTable("rtb-0000000a", "vpc-a").vpcTable("rtb-b", "vpc-b").vpcTable("rtb-c", "vpc-c", false);
  b.attachVpc("att-a", "vpc-a", "tgw-e", "tgw-rtb-e")
      .attachVpc("att-b", "vpc-b", "tgw-w", "tgw-rtb-0000000f");
  b.attachVpc("att-c", "vpc-c", "tgw-w", "tgw-rtb-0000000f");
  b.peer("att-ew", "tgw-e", "tgw-w", "tgw-rtb-e", "tgw-rtb-0000000f", peeringState);
  b.node("node-a", "eni-a", "vpc-a").node("node-b", "eni-b", "vpc-b");
  return b;
}

TEST(Preflight, VipOutsideEveryCidrIsFine) {
  auto topology = twoNodes().build();
  EXPECT_EQ(vipPlacementProblem(configWith("192.168.10.10"), topology), std::nullopt);
  EXPECT_TRUE(topologyProblems(configWith("192.168.10.10"), topology).empty());
}

// Every VPC in scope counts, also one whose tables are not managed (vpc-c).
TEST(Preflight, VipInsideAnyVpcCidrInScopeIsAProblemNamingIt) {
  auto topology = twoNodes().build();
  auto problem = vipPlacementProblem(configWith("10.3.0.99"), topology);
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->check, "vip placement");
  EXPECT_THAT(problem->message,
              HasSubstr("vip 10.3.0.99 lies inside vpc-c (us-west-2) CIDR 10.3.0.0/16"));
  EXPECT_THAT(problem->hint, HasSubstr("outside every VPC CIDR"));
}

TEST(Preflight, OnlyCidrsOfTheVipsAddressFamilyCount) {
  auto topology = twoNodes().build();
  EXPECT_EQ(vipPlacementProblem(configWith("2001:db8:2::1"), topology), std::nullopt);
  auto inside = vipPlacementProblem(configWith("2001:db8:1::10"), topology);
  ASSERT_TRUE(inside);
  EXPECT_THAT(inside->message, HasSubstr("vpc-a (us-east-1) CIDR 2001:db8:1::/56"));
}

TEST(Preflight, ListedTablesMustBeInScope) {
  auto topology = twoNodes().build();
  auto config = configWith("192.168.10.10",
                           "vpc_route_tables = [\"rtb-0000000a\", \"rtb-0000beef\"]\n"
                           "tgw_route_tables = [\"tgw-rtb-0000000f\", \"tgw-rtb-0000beef\"]\n");
  auto problems = listedTableProblems(config, topology);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].check, "table rtb-0000beef");
  EXPECT_THAT(problems[0].message, HasSubstr("vpc_route_tables: rtb-0000beef not found"));
  EXPECT_THAT(problems[0].hint, HasSubstr("`regions`"));
  EXPECT_EQ(problems[1].check, "table tgw-rtb-0000beef");
  EXPECT_THAT(problems[1].message, HasSubstr("tgw_route_tables: tgw-rtb-0000beef not found"));
}

TEST(Preflight, NodesWhoseTgwsAreNotPeeredAreAProblemBothWays) {
  auto topology = twoNodes("pendingAcceptance").build();
  auto problems = peeringPathProblems(topology);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_THAT(problems[0].message, HasSubstr("from tgw-w (us-west-2, node 'node-b') to tgw-e"));
  EXPECT_THAT(problems[1].message, HasSubstr("from tgw-e (us-east-1, node 'node-a') to tgw-w"));
  EXPECT_TRUE(peeringPathProblems(twoNodes().build()).empty());
}

// The planner's rule: the side of the TGW that would hold the route must be
// available (discovery once looked at either side).
TEST(Preflight, OneSidedPeeringReachesOnlyOneWay) {
  auto topology = twoNodes().build();
  for (auto& a : topology.attachments) {
    if (a.id == "att-ew" && a.tgwId == "tgw-w") a.state = "deleting";
  }
  auto problems = peeringPathProblems(topology);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems[0].message, HasSubstr("from tgw-w"));
}

TEST(Preflight, DiscoveryOrderIsTablesThenPathsThenVip) {
  auto topology = twoNodes("pendingAcceptance").build();
  auto config = configWith("10.1.0.5", "vpc_route_tables = [\"rtb-0000beef\"]\n");
  auto problems = topologyProblems(config, topology);
  EXPECT_THAT(problems, ElementsAre(Field(&PreflightProblem::check, "table rtb-0000beef"),
                                    Field(&PreflightProblem::check, "peering paths"),
                                    Field(&PreflightProblem::check, "peering paths"),
                                    Field(&PreflightProblem::check, "vip placement")));
  EXPECT_EQ(problems[0].describe(), problems[0].message + "; " + problems[0].hint);
}

// Discovery runs the same checks: it fails with the first problem's text,
// unless the caller runs them itself.
TEST(Preflight, DiscoveryEnforcesThemUnlessAskedNotTo) {
  auto clock = std::make_shared<FakeClock>();
  auto cloud = twoRegions();
  auto config = parseOrDie(baseConfigText("vpc_route_tables = [\"rtb-0000beef\"]\n"));
  auto strict = discover(config, cloud->factory(), Deadline::none(clock));
  ASSERT_FALSE(strict);
  EXPECT_EQ(strict.error().category, ErrorCategory::kInvalidConfig);
  auto lenient =
      discover(config, cloud->factory(), Deadline::none(clock), {.enforcePreflight = false});
  ASSERT_TRUE(lenient) << lenient.error().describe();
  auto problems = topologyProblems(config, *lenient);
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(strict.error().message, problems.front().describe());
}

}  // namespace
}  // namespace tgwark::engine

namespace tgwark::engine {
namespace {

using test::TopologyBuilder;
using ::testing::HasSubstr;

// Both nodes in vpc-a, which has no transit gateway.
TopologyBuilder oneVpc() {
  TopologyBuilder b;
  b.vpc("vpc-a", "us-east-1", "10.1.0.0/16");
  b.vpcTable("rtb-a1", "vpc-a", true, true).vpcTable("rtb-a2", "vpc-a");
  b.node("node-a", "eni-a", "vpc-a").node("node-b", "eni-b", "vpc-a");
  return b;
}

TEST(PreflightVpcLayout, OneVpcWithoutTransitGatewayIsFine) {
  auto t = oneVpc().build();
  EXPECT_TRUE(singleVpcWithoutTgw(t));
  EXPECT_TRUE(vpcLayoutProblems(t).empty());
  EXPECT_TRUE(peeringPathProblems(t).empty());
  // The usual layout is not the single-VPC one.
  EXPECT_FALSE(singleVpcWithoutTgw(twoNodes().build()));
  EXPECT_TRUE(vpcLayoutProblems(twoNodes().build()).empty());
}

TEST(PreflightVpcLayout, NodesInTwoVpcsOneWithoutTransitGateway) {
  auto b = twoNodes();
  b.vpc("vpc-x", "us-west-2", "10.9.0.0/16").node("node-c", "eni-c", "vpc-x");
  auto t = b.build();
  EXPECT_FALSE(singleVpcWithoutTgw(t));
  auto problems = vpcLayoutProblems(t);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].check, "vpc layout");
  EXPECT_THAT(problems[0].message, HasSubstr("3 VPCs"));
  EXPECT_THAT(problems[0].message, HasSubstr("node 'node-c' in vpc-x (us-west-2, no transit"));
  EXPECT_THAT(problems[0].message, HasSubstr("node 'node-a' in vpc-a (us-east-1, tgw-e)"));
  EXPECT_THAT(problems[0].message, HasSubstr("and vpc-x is not attached"));
  EXPECT_THAT(problems[0].hint, HasSubstr("attach vpc-x to a transit gateway"));
  // Paths are only judged between nodes that have a transit gateway.
  EXPECT_TRUE(peeringPathProblems(t).empty());
}

TEST(PreflightVpcLayout, OnlyTheVpcsOwnTablesCanBeServed) {
  auto b = oneVpc();
  b.vpc("vpc-c", "us-east-1", "10.3.0.0/16").vpcTable("rtb-c", "vpc-c");
  b.vpcTable("rtb-c-unmanaged", "vpc-c", false);
  b.tgw("tgw-e", "us-east-1").tgwTable("tgw-rtb-e", "tgw-e");
  auto t = b.build();
  EXPECT_TRUE(singleVpcWithoutTgw(t));
  auto problems = vpcLayoutProblems(t);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].check, "table rtb-c");
  EXPECT_THAT(problems[0].message, HasSubstr("every node is in vpc-a"));
  EXPECT_EQ(problems[1].check, "table tgw-rtb-e");
  EXPECT_THAT(problems[1].message, HasSubstr("not attached to any transit gateway"));
  // Discovery's order: the layout comes first.
  auto config = parseOrDie(baseConfigText());
  auto all = topologyProblems(config, t);
  ASSERT_GE(all.size(), 2u);
  EXPECT_EQ(all[0].check, "table rtb-c");
}

}  // namespace
}  // namespace tgwark::engine
