#include "plan/desired.h"

#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/error_matchers.h"
#include "topology_builder.h"

namespace tgwark::plan {
namespace {

using model::TableKind;
using model::TargetKind;
using test::prefix;
using test::TopologyBuilder;
using ::testing::HasSubstr;
using tgwark::testing::ErrorIs;

// us-east-1: tgw-east, vpc-a (node-a), vpc-c (client); us-west-2: tgw-west,
// vpc-b (node-b); one peering.
TopologyBuilder twoRegionBuilder() {
  TopologyBuilder b;
  b.tgw("tgw-east", "us-east-1").tgw("tgw-west", "us-west-2");
  b.tgwTable("tgw-rtb-east", "tgw-east").tgwTable("tgw-rtb-west", "tgw-west");
  b.vpc("vpc-a", "us-east-1", "10.1.0.0/16").vpcTable("rtb-a", "vpc-a", true, true);
  b.vpc("vpc-b", "us-west-2", "10.2.0.0/16").vpcTable("rtb-b", "vpc-b", true, true);
  b.vpc("vpc-c", "us-east-1", "10.3.0.0/16").vpcTable("rtb-c", "vpc-c", true, true);
  b.attachVpc("tgw-attach-a", "vpc-a", "tgw-east", "tgw-rtb-east");
  b.attachVpc("tgw-attach-b", "vpc-b", "tgw-west", "tgw-rtb-west");
  b.attachVpc("tgw-attach-c", "vpc-c", "tgw-east", "tgw-rtb-east");
  b.peer("tgw-attach-peer", "tgw-east", "tgw-west", "tgw-rtb-east", "tgw-rtb-west");
  b.node("node-a", "eni-a", "vpc-a").node("node-b", "eni-b", "vpc-b");
  return b;
}

const model::Prefix kVip = prefix("192.168.10.10/32");

std::map<std::string, DesiredRoute> byTable(const std::vector<DesiredRoute>& routes) {
  std::map<std::string, DesiredRoute> out;
  for (const auto& r : routes) out[r.tableId] = r;
  return out;
}

model::RouteTargetRef eni(std::string id) {
  return {TargetKind::kNetworkInterface, std::move(id)};
}
model::RouteTargetRef tgw(std::string id) {
  return {TargetKind::kTransitGateway, std::move(id)};
}
model::RouteTargetRef att(std::string id) {
  return {TargetKind::kTgwAttachment, std::move(id)};
}

// us-east-1 only: tgw-1 (vpc-a, node-a) and tgw-2 (vpc-b, node-b), peered
// within the region: tgw-1's side is tgw-attach-p1, tgw-2's tgw-attach-p2.
TopologyBuilder intraRegionBuilder() {
  TopologyBuilder b;
  b.tgw("tgw-1", "us-east-1").tgw("tgw-2", "us-east-1");
  b.tgwTable("tgw-rtb-1", "tgw-1").tgwTable("tgw-rtb-2", "tgw-2");
  b.vpc("vpc-a", "us-east-1", "10.1.0.0/16").vpcTable("rtb-a", "vpc-a", true, true);
  b.vpc("vpc-b", "us-east-1", "10.2.0.0/16").vpcTable("rtb-b", "vpc-b", true, true);
  b.attachVpc("tgw-attach-a", "vpc-a", "tgw-1", "tgw-rtb-1");
  b.attachVpc("tgw-attach-b", "vpc-b", "tgw-2", "tgw-rtb-2");
  b.peerSides("tgw-attach-p1", "tgw-attach-p2", "tgw-1", "tgw-2", "tgw-rtb-1", "tgw-rtb-2");
  b.node("node-a", "eni-a", "vpc-a").node("node-b", "eni-b", "vpc-b");
  return b;
}

// Each TGW's table targets its own side of an intra-region peering.
TEST(DesiredTest, IntraRegionPeeringUsesTheTablesOwnSide) {
  const auto t = intraRegionBuilder().build();
  auto a = desiredRoutes(t, "node-a", kVip);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(byTable(*a).at("tgw-rtb-1").target, att("tgw-attach-a"));
  EXPECT_EQ(byTable(*a).at("tgw-rtb-2").target, att("tgw-attach-p2"));
  auto b = desiredRoutes(t, "node-b", kVip);
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(byTable(*b).at("tgw-rtb-1").target, att("tgw-attach-p1"));
  EXPECT_EQ(byTable(*b).at("tgw-rtb-2").target, att("tgw-attach-b"));
}

// Across regions the one shared id is the next hop from both sides.
TEST(DesiredTest, CrossRegionPeeringUsesTheSharedId) {
  const auto t = twoRegionBuilder().build();
  auto a = desiredRoutes(t, "node-a", kVip);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(byTable(*a).at("tgw-rtb-west").target, att("tgw-attach-peer"));
  auto b = desiredRoutes(t, "node-b", kVip);
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(byTable(*b).at("tgw-rtb-east").target, att("tgw-attach-peer"));
}

TEST(DesiredTest, TwoRegionsActiveA) {
  auto routes = desiredRoutes(twoRegionBuilder().build(), "node-a", kVip);
  ASSERT_TRUE(routes) << routes.error().message;
  ASSERT_EQ(routes->size(), 5u);
  auto t = byTable(*routes);
  EXPECT_EQ(t["rtb-a"].target, eni("eni-a"));
  EXPECT_EQ(t["rtb-a"].role, RouteRole::kNodeVpc);
  EXPECT_EQ(t["tgw-rtb-east"].target, att("tgw-attach-a"));
  EXPECT_EQ(t["tgw-rtb-east"].role, RouteRole::kNodeTgw);
  EXPECT_EQ(t["tgw-rtb-west"].target, att("tgw-attach-peer"));
  EXPECT_EQ(t["tgw-rtb-west"].role, RouteRole::kPeerTgw);
  EXPECT_EQ(t["rtb-b"].target, tgw("tgw-west"));
  EXPECT_EQ(t["rtb-b"].role, RouteRole::kClientVpc);
  EXPECT_EQ(t["rtb-c"].target, tgw("tgw-east"));
  EXPECT_EQ(t["tgw-rtb-west"].region, "us-west-2");
  EXPECT_EQ(t["tgw-rtb-west"].tableKind, TableKind::kTgw);
  EXPECT_EQ(t["rtb-b"].tableKind, TableKind::kVpc);
  for (const auto& r : *routes) EXPECT_EQ(r.destination, kVip) << r.tableId;
}

TEST(DesiredTest, HomeTablesComeFirst) {
  auto routes = desiredRoutes(twoRegionBuilder().build(), "node-b", kVip);
  ASSERT_TRUE(routes) << routes.error().message;
  ASSERT_EQ(routes->size(), 5u);
  EXPECT_EQ((*routes)[0].tableId, "rtb-b");
  EXPECT_EQ((*routes)[1].tableId, "tgw-rtb-west");
  EXPECT_TRUE((*routes)[0].home());
  EXPECT_TRUE((*routes)[1].home());
  for (std::size_t i = 2; i < routes->size(); ++i) EXPECT_FALSE((*routes)[i].home());
  EXPECT_EQ((*routes)[1].target, att("tgw-attach-b"));
  EXPECT_EQ((*routes)[2].target, att("tgw-attach-peer"));  // tgw-rtb-east
  // vpc-a is now a client of tgw-east.
  EXPECT_EQ(byTable(*routes)["rtb-a"].target, tgw("tgw-east"));
}

TEST(DesiredTest, Ref3rFailoverChangesTenRoutes) {
  auto topology = test::ref3r();
  auto a = desiredRoutes(topology, "node-a", kVip);
  auto b = desiredRoutes(topology, "node-b", kVip);
  ASSERT_TRUE(a && b);
  ASSERT_EQ(a->size(), 30u);
  ASSERT_EQ(b->size(), 30u);
  auto ta = byTable(*a);
  auto tb = byTable(*b);
  int changed = 0;
  for (const auto& [id, route] : ta) changed += route.target == tb[id].target ? 0 : 1;
  EXPECT_EQ(changed, 10);
  // Full mesh: eu's tables go straight to west after the failover.
  EXPECT_EQ(tb["tgw-rtb-eu-1"].target, att("tgw-attach-peer-wu"));
  EXPECT_EQ(tb["tgw-rtb-eu-2"].target, att("tgw-attach-peer-wu"));
  EXPECT_EQ(ta["tgw-rtb-eu-2"].target, att("tgw-attach-peer-eu"));
  EXPECT_EQ(tb["rtb-e1b"].target, tgw("tgw-east"));
  EXPECT_EQ(tb["rtb-w1b"].target, eni("eni-b"));
  EXPECT_EQ(tb["rtb-u3a"].target, tgw("tgw-eu"));
}

// tgw-a - tgw-b - tgw-c, no a-c peering; the node is behind tgw-c.
TopologyBuilder chainBuilder() {
  TopologyBuilder b;
  b.tgw("tgw-a", "us-east-1").tgw("tgw-b", "us-west-2").tgw("tgw-c", "eu-west-1");
  b.tgwTable("tgw-rtb-a", "tgw-a").tgwTable("tgw-rtb-b", "tgw-b").tgwTable("tgw-rtb-c", "tgw-c");
  b.vpc("vpc-1", "us-east-1", "10.1.0.0/16").vpcTable("rtb-1", "vpc-1", true, true);
  b.vpc("vpc-3", "eu-west-1", "10.3.0.0/16").vpcTable("rtb-3", "vpc-3", true, true);
  b.vpc("vpc-1b", "us-east-1", "10.4.0.0/16").vpcTable("rtb-1b", "vpc-1b", true, true);
  b.attachVpc("tgw-attach-1", "vpc-1", "tgw-a", "tgw-rtb-a");
  b.attachVpc("tgw-attach-1b", "vpc-1b", "tgw-a", "tgw-rtb-a");
  b.attachVpc("tgw-attach-3", "vpc-3", "tgw-c", "tgw-rtb-c");
  b.peer("tgw-attach-ab", "tgw-a", "tgw-b", "tgw-rtb-a", "tgw-rtb-b");
  b.peer("tgw-attach-bc", "tgw-b", "tgw-c", "tgw-rtb-b", "tgw-rtb-c");
  b.node("node-a", "eni-a", "vpc-1").node("node-c", "eni-c", "vpc-3");
  return b;
}

TEST(NextHopTest, ChainGoesThroughTheMiddle) {
  auto topology = chainBuilder().build();
  EXPECT_EQ(nextHopPeering(topology, "tgw-a", "tgw-c").value_or(""), "tgw-attach-ab");
  EXPECT_EQ(nextHopPeering(topology, "tgw-b", "tgw-c").value_or(""), "tgw-attach-bc");
  EXPECT_EQ(nextHopPeering(topology, "tgw-c", "tgw-a").value_or(""), "tgw-attach-bc");
  auto routes = desiredRoutes(topology, "node-c", kVip);
  ASSERT_TRUE(routes) << routes.error().message;
  auto t = byTable(*routes);
  EXPECT_EQ(t["tgw-rtb-a"].target, att("tgw-attach-ab"));
  EXPECT_EQ(t["tgw-rtb-b"].target, att("tgw-attach-bc"));
  EXPECT_EQ(t["tgw-rtb-c"].target, att("tgw-attach-3"));
  EXPECT_EQ(t["rtb-1"].target, tgw("tgw-a"));
}

TEST(NextHopTest, PrefersTheShortestPath) {
  // Add a direct a-c peering: it wins over a-b-c.
  auto topology =
      chainBuilder().peer("tgw-attach-zz-ac", "tgw-a", "tgw-c", "tgw-rtb-a", "tgw-rtb-c").build();
  EXPECT_EQ(nextHopPeering(topology, "tgw-a", "tgw-c").value_or(""), "tgw-attach-zz-ac");
}

TEST(NextHopTest, SkipsPeeringsThatAreNotAvailable) {
  auto topology =
      chainBuilder()
          .peer("tgw-attach-ac", "tgw-a", "tgw-c", "tgw-rtb-a", "tgw-rtb-c", "pendingAcceptance")
          .build();
  EXPECT_EQ(nextHopPeering(topology, "tgw-a", "tgw-c").value_or(""), "tgw-attach-ab");
}

TEST(NextHopTest, TiesBrokenByAttachmentId) {
  // a-x-d and a-y-d are equally short; tgw-attach-1-ay < tgw-attach-2-ax.
  TopologyBuilder b;
  for (const char* id : {"tgw-a", "tgw-x", "tgw-y", "tgw-d"}) b.tgw(id, "us-east-1");
  b.peer("tgw-attach-2-ax", "tgw-a", "tgw-x", "", "");
  b.peer("tgw-attach-1-ay", "tgw-a", "tgw-y", "", "");
  b.peer("tgw-attach-3-xd", "tgw-x", "tgw-d", "", "");
  b.peer("tgw-attach-4-yd", "tgw-y", "tgw-d", "", "");
  auto topology = b.build();
  EXPECT_EQ(nextHopPeering(topology, "tgw-a", "tgw-d").value_or(""), "tgw-attach-1-ay");
  // Reversed, the tie is between tgw-attach-3-xd and tgw-attach-4-yd.
  EXPECT_EQ(nextHopPeering(topology, "tgw-d", "tgw-a").value_or(""), "tgw-attach-3-xd");
}

TEST(NextHopTest, NoPathIsNotFound) {
  TopologyBuilder b;
  b.tgw("tgw-a", "us-east-1").tgw("tgw-b", "us-west-2").tgw("tgw-c", "eu-west-1");
  b.peer("tgw-attach-ab", "tgw-a", "tgw-b", "", "");
  auto hop = nextHopPeering(b.build(), "tgw-a", "tgw-c");
  ASSERT_FALSE(hop);
  EXPECT_EQ(hop.error().category, ErrorCategory::kNotFound);
  EXPECT_THAT(hop.error().message, HasSubstr("tgw-a"));
  EXPECT_THAT(hop.error().message, HasSubstr("tgw-c"));
}

TEST(DesiredTest, TgwWithNoPathIsAnErrorNamingTheTable) {
  auto b = chainBuilder();
  b.tgw("tgw-lonely", "ap-south-1").tgwTable("tgw-rtb-lonely", "tgw-lonely");
  auto routes = desiredRoutes(b.build(), "node-c", kVip);
  ASSERT_FALSE(routes);
  EXPECT_EQ(routes.error().category, ErrorCategory::kInvalidConfig);
  EXPECT_THAT(routes.error().message, HasSubstr("tgw-rtb-lonely"));
  EXPECT_THAT(routes.error().message, HasSubstr("no path"));
}

TEST(DesiredTest, ReportKeepsTheComputableRoutes) {
  auto b = chainBuilder();
  b.tgw("tgw-lonely", "ap-south-1").tgwTable("tgw-rtb-lonely", "tgw-lonely");
  auto report = desiredRoutesReport(b.build(), "node-c", kVip);
  ASSERT_TRUE(report);
  ASSERT_EQ(report->problems.size(), 1u);
  EXPECT_EQ(report->problems[0].tableId, "tgw-rtb-lonely");
  EXPECT_EQ(report->problems[0].tableKind, TableKind::kTgw);
  EXPECT_EQ(report->routes.size(), 6u);
  EXPECT_EQ(report->routes[0].tableId, "rtb-3");
}

TEST(DesiredTest, ClientVpcWithoutTgwIsAnError) {
  auto b = twoRegionBuilder();
  b.vpc("vpc-island", "us-east-1", "10.9.0.0/16").vpcTable("rtb-island", "vpc-island");
  auto routes = desiredRoutes(b.build(), "node-a", kVip);
  ASSERT_FALSE(routes);
  EXPECT_THAT(routes.error().message, HasSubstr("rtb-island"));
  EXPECT_THAT(routes.error().message, HasSubstr("not attached to any transit gateway"));
}

TEST(DesiredTest, NodeVpcNotAttachedIsAnError) {
  auto b = twoRegionBuilder();
  b.vpc("vpc-d", "us-east-1", "10.5.0.0/16")
      .vpcTable("rtb-d", "vpc-d")
      .node("node-d", "eni-d", "vpc-d");
  auto routes = desiredRoutes(b.build(), "node-d", kVip);
  ASSERT_FALSE(routes);
  EXPECT_THAT(routes.error().message, HasSubstr("node-d"));
  EXPECT_THAT(routes.error().message, HasSubstr("vpc-d"));
  EXPECT_THAT(routes.error().message, HasSubstr("tgw-rtb-east"));
}

TEST(DesiredTest, UnknownNode) {
  auto routes = desiredRoutes(twoRegionBuilder().build(), "node-z", kVip);
  ASSERT_FALSE(routes);
  EXPECT_EQ(routes.error().category, ErrorCategory::kInvalidConfig);
  EXPECT_THAT(routes.error().message, HasSubstr("node-z"));
  EXPECT_THAT(routes.error().message, HasSubstr("node-a, node-b"));
}

TEST(DesiredTest, UnmanagedTablesNeverAppear) {
  auto b = twoRegionBuilder();
  b.vpcTable("rtb-a-private", "vpc-a", /*managed=*/false)
      .tgwTable("tgw-rtb-east-other", "tgw-east", false);
  auto routes = desiredRoutes(b.build(), "node-a", kVip);
  ASSERT_TRUE(routes);
  EXPECT_EQ(routes->size(), 5u);
  for (const auto& r : *routes) {
    EXPECT_NE(r.tableId, "rtb-a-private");
    EXPECT_NE(r.tableId, "tgw-rtb-east-other");
  }
}

TEST(DesiredTest, NodeVpcWithTwoTablesAndTgwWithTwoTables) {
  auto b = twoRegionBuilder();
  b.vpcTable("rtb-a2", "vpc-a")
      .tgwTable("tgw-rtb-east2", "tgw-east")
      .tgwTable("tgw-rtb-west2", "tgw-west");
  auto routes = desiredRoutes(b.build(), "node-a", kVip);
  ASSERT_TRUE(routes) << routes.error().message;
  auto t = byTable(*routes);
  EXPECT_EQ(t["rtb-a"].target, eni("eni-a"));
  EXPECT_EQ(t["rtb-a2"].target, eni("eni-a"));
  EXPECT_EQ(t["tgw-rtb-east"].target, att("tgw-attach-a"));
  EXPECT_EQ(t["tgw-rtb-east2"].target, att("tgw-attach-a"));
  EXPECT_EQ(t["tgw-rtb-west2"].target, att("tgw-attach-peer"));
  // Four home routes lead.
  for (std::size_t i = 0; i < 4; ++i) EXPECT_TRUE((*routes)[i].home()) << i;
  EXPECT_FALSE((*routes)[4].home());
}

TEST(DesiredTest, VpcAttachedToTwoTgwsUsesTheChosenOne) {
  auto b = twoRegionBuilder();
  b.attachVpc("tgw-attach-c-west", "vpc-c", "tgw-west", "tgw-rtb-west")
      .vpcUses("vpc-c", "tgw-west");
  auto routes = desiredRoutes(b.build(), "node-a", kVip);
  ASSERT_TRUE(routes);
  EXPECT_EQ(byTable(*routes)["rtb-c"].target, tgw("tgw-west"));
}

TEST(DesiredTest, Ipv6Vip) {
  auto v6 = prefix("2001:db8::a/128");
  auto routes = desiredRoutes(twoRegionBuilder().build(), "node-b", v6);
  ASSERT_TRUE(routes);
  for (const auto& r : *routes) {
    EXPECT_EQ(r.destination, v6);
    EXPECT_EQ(r.destination.toString(), "2001:db8::a/128");
  }
}

TEST(DesiredTest, RejectsANetworkAsVip) {
  EXPECT_THAT(desiredRoutes(twoRegionBuilder().build(), "node-a", prefix("192.168.10.0/24")),
              ErrorIs(ErrorCategory::kInvalidConfig, "",
                      HasSubstr("the VIP 192.168.10.0/24 is not a host prefix")));
}

TEST(DesiredTest, RoleNames) {
  EXPECT_EQ(roleName(RouteRole::kNodeVpc), "node-vpc");
  EXPECT_EQ(roleName(RouteRole::kPeerTgw), "peer-tgw");
}

}  // namespace
}  // namespace tgwark::plan

namespace tgwark::plan {
namespace {

using model::TargetKind;
using test::prefix;
using test::TopologyBuilder;

// The single-VPC layout: both nodes in vpc-a, no transit gateway.
TEST(DesiredSingleVpcTest, EveryTableOfTheVpcPointsAtTheActiveNodesEni) {
  TopologyBuilder b;
  b.vpc("vpc-a", "us-east-1", "10.1.0.0/16");
  b.vpcTable("rtb-a1", "vpc-a", true, true).vpcTable("rtb-a2", "vpc-a").vpcTable("rtb-a3", "vpc-a");
  b.vpcTable("rtb-a4", "vpc-a", /*managed=*/false);
  b.node("node-a", "eni-a", "vpc-a").node("node-b", "eni-b", "vpc-a");
  const auto t = b.build();
  for (const char* node : {"node-a", "node-b"}) {
    auto routes = desiredRoutes(t, node, prefix("192.168.10.10/32"));
    ASSERT_TRUE(routes) << routes.error().message;
    ASSERT_EQ(routes->size(), 3u);
    for (const auto& r : *routes) {
      EXPECT_EQ(r.tableKind, model::TableKind::kVpc);
      EXPECT_EQ(r.target.kind, TargetKind::kNetworkInterface);
      EXPECT_EQ(r.target.id, node == std::string("node-a") ? "eni-a" : "eni-b");
      EXPECT_EQ(r.role, RouteRole::kNodeVpc);
      EXPECT_TRUE(r.home());
      EXPECT_NE(r.tableId, "rtb-a4");
    }
  }
}

}  // namespace
}  // namespace tgwark::plan
