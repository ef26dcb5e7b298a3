#include "plan/diff.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "topology_builder.h"

namespace tgwark::plan {
namespace {

using model::TableKind;
using model::TargetKind;
using test::prefix;
using test::route;

const model::Prefix kVip = prefix("192.168.10.10/32");

model::Topology twoRegion() {
  test::TopologyBuilder b;
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
  return b.build();
}

std::vector<DesiredRoute> desiredFor(const model::Topology& t, const std::string& node,
                                     const model::Prefix& vip = kVip) {
  auto routes = desiredRoutes(t, node, vip);
  EXPECT_TRUE(routes) << (routes ? "" : routes.error().message);
  return routes.value_or(std::vector<DesiredRoute>{});
}

const RouteChange& changeFor(const Plan& plan, const std::string& table) {
  for (const auto& c : plan.changes) {
    if (c.desired.tableId == table) return c;
  }
  throw std::out_of_range(table);
}

TEST(DiffTest, NothingToDoWhenAllRight) {
  auto t = twoRegion();
  auto desired = desiredFor(t, "node-a");
  Plan plan = diff(desired, test::observedFrom(t, desired), true, t, "node-a");
  EXPECT_EQ(plan.activeNode, "node-a");
  ASSERT_EQ(plan.changes.size(), desired.size());
  for (const auto& c : plan.changes) {
    EXPECT_EQ(c.kind, ChangeKind::kNone) << c.desired.tableId;
    EXPECT_FALSE(c.needsWrite());
    ASSERT_TRUE(c.observed);
  }
  EXPECT_EQ(plan.writeCount(), 0u);
  EXPECT_TRUE(plan.allRight());
  EXPECT_TRUE(plan.homeRight());
  EXPECT_EQ(changeFor(plan, "rtb-a").currentlyServes, "node-a");
}

TEST(DiffTest, MissingRoutesAreCreatedOrReported) {
  auto t = twoRegion();
  auto desired = desiredFor(t, "node-a");
  Plan create = diff(desired, test::emptyObserved(t), true, t, "node-a");
  for (const auto& c : create.changes) EXPECT_EQ(c.kind, ChangeKind::kCreate);
  EXPECT_EQ(create.writeCount(), desired.size());
  EXPECT_FALSE(create.homeRight());

  Plan report = diff(desired, test::emptyObserved(t), false, t, "node-a");
  for (const auto& c : report.changes) {
    EXPECT_EQ(c.kind, ChangeKind::kMissing);
    EXPECT_FALSE(c.needsWrite());
    EXPECT_FALSE(c.observed);
  }
  EXPECT_EQ(report.writeCount(), 0u);
  EXPECT_FALSE(report.allRight());
}

TEST(DiffTest, FailoverReplacesOnlyWhatDiffers) {
  auto t = test::ref3r();
  auto before = desiredFor(t, "node-a");
  auto after = desiredFor(t, "node-b");
  Plan plan = diff(after, test::observedFrom(t, before), false, t, "node-b");
  EXPECT_EQ(plan.writeCount(), 10u);
  EXPECT_FALSE(plan.homeRight());
  const auto& home = changeFor(plan, "rtb-w1a");
  EXPECT_EQ(home.kind, ChangeKind::kReplace);
  ASSERT_TRUE(home.observed);
  EXPECT_EQ(home.observed->target.id, "tgw-west");
  // While node-a was active, vpc-w1 was one of its clients.
  EXPECT_EQ(home.currentlyServes, "node-a");
  const auto& oldHome = changeFor(plan, "rtb-e1a");
  EXPECT_EQ(oldHome.kind, ChangeKind::kReplace);
  EXPECT_EQ(oldHome.currentlyServes, "node-a");
  const auto& eu = changeFor(plan, "tgw-rtb-eu-2");
  EXPECT_EQ(eu.kind, ChangeKind::kReplace);
  EXPECT_EQ(eu.currentlyServes, "node-a");
  EXPECT_EQ(changeFor(plan, "rtb-u2b").kind, ChangeKind::kNone);
  // Home routes lead the plan.
  EXPECT_TRUE(plan.changes[0].desired.home());
}

TEST(DiffTest, RightTargetInBlackholeIsFixed) {
  auto t = twoRegion();
  auto desired = desiredFor(t, "node-a");
  auto observed = test::observedFrom(t, desired);
  observed.tables["tgw-rtb-east"].vipRoute->state = "blackhole";
  Plan plan = diff(desired, observed, true, t, "node-a");
  EXPECT_EQ(changeFor(plan, "tgw-rtb-east").kind, ChangeKind::kFixBlackhole);
  EXPECT_TRUE(changeFor(plan, "tgw-rtb-east").needsWrite());
  EXPECT_EQ(plan.writeCount(), 1u);
  EXPECT_FALSE(plan.homeRight());
}

TEST(DiffTest, RemoteProblemsDoNotSpoilHome) {
  auto t = twoRegion();
  auto desired = desiredFor(t, "node-a");
  auto observed = test::observedFrom(t, desired);
  observed.tables["rtb-b"].vipRoute->target = {TargetKind::kNetworkInterface, "eni-b"};
  Plan plan = diff(desired, observed, true, t, "node-a");
  EXPECT_TRUE(plan.homeRight());
  EXPECT_FALSE(plan.allRight());
  EXPECT_EQ(changeFor(plan, "rtb-b").kind, ChangeKind::kReplace);
  EXPECT_EQ(changeFor(plan, "rtb-b").currentlyServes, "node-b");
}

TEST(DiffTest, UnreadableTablesAreUnknown) {
  auto t = twoRegion();
  auto desired = desiredFor(t, "node-a");
  auto observed = test::observedFrom(t, desired);
  observed.tables["rtb-c"].known = false;
  observed.tables["rtb-c"].error = "timeout";
  observed.tables.erase("tgw-rtb-west");
  Plan plan = diff(desired, observed, true, t, "node-a");
  EXPECT_EQ(changeFor(plan, "rtb-c").kind, ChangeKind::kUnknown);
  EXPECT_EQ(changeFor(plan, "tgw-rtb-west").kind, ChangeKind::kUnknown);
  EXPECT_FALSE(changeFor(plan, "rtb-c").needsWrite());
  EXPECT_TRUE(plan.homeRight());
  EXPECT_FALSE(plan.allRight());
  EXPECT_EQ(plan.writeCount(), 0u);
}

TEST(DiffTest, PropagatedRouteIsOverriddenByCreatingAStaticOne) {
  auto t = twoRegion();
  auto desired = desiredFor(t, "node-a");
  auto observed = test::observedFrom(t, desired);
  observed.tables["tgw-rtb-east"].vipRoute =
      route("192.168.10.10/32", TargetKind::kTgwAttachment, "tgw-attach-c", "active", true);
  EXPECT_EQ(changeFor(diff(desired, observed, true, t, "node-a"), "tgw-rtb-east").kind,
            ChangeKind::kCreate);
  EXPECT_EQ(changeFor(diff(desired, observed, false, t, "node-a"), "tgw-rtb-east").kind,
            ChangeKind::kMissing);
}

TEST(DiffTest, ComparesDestinationsAsPrefixes) {
  auto t = twoRegion();
  auto v6 = prefix("2001:db8::a/128");
  auto desired = desiredFor(t, "node-a", v6);
  auto observed = test::observedFrom(t, desired);
  // The same address spelled differently by the reader parses to the same prefix.
  observed.tables["rtb-a"].vipRoute->destination = prefix("2001:DB8:0:0::A/128");
  Plan plan = diff(desired, observed, true, t, "node-a");
  EXPECT_EQ(changeFor(plan, "rtb-a").kind, ChangeKind::kNone);
}

TEST(DiffTest, NeverEmitsAWriteForAnotherDestination) {
  auto t = twoRegion();
  auto desired = desiredFor(t, "node-a");
  // A corrupted desired list: one route for a network, one for another host.
  desired[2].destination = prefix("10.0.0.0/8");
  desired[3].destination = prefix("192.168.10.11/32");
  Plan plan = diff(desired, test::emptyObserved(t), true, t, "node-a");
  EXPECT_EQ(plan.changes[2].kind, ChangeKind::kUnknown);
  EXPECT_EQ(plan.changes[3].kind, ChangeKind::kUnknown);
  for (const auto& c : plan.changes) {
    if (c.needsWrite()) {
      EXPECT_EQ(c.desired.destination, kVip);
    }
  }
  EXPECT_EQ(plan.writeCount(), desired.size() - 2);
}

TEST(DiffTest, ObservedRouteForAnotherDestinationIsNotTrusted) {
  auto t = twoRegion();
  auto desired = desiredFor(t, "node-a");
  auto observed = test::observedFrom(t, desired);
  observed.tables["rtb-c"].vipRoute->destination = prefix("192.168.10.0/24");
  EXPECT_EQ(changeFor(diff(desired, observed, true, t, "node-a"), "rtb-c").kind,
            ChangeKind::kUnknown);
}

TEST(ServedNodeTest, TellsWhichNodeARouteServes) {
  auto t = twoRegion();
  model::ObservedTable table{TableKind::kTgw, "tgw-rtb-west", "us-west-2", true, "", {}, {}};
  table.vipRoute = route("192.168.10.10/32", TargetKind::kTgwAttachment, "tgw-attach-peer");
  EXPECT_EQ(servedNode(t, kVip, table), "node-a");
  table.vipRoute->target.id = "tgw-attach-b";
  EXPECT_EQ(servedNode(t, kVip, table), "node-b");
  EXPECT_EQ(servedNodes(t, kVip, table), std::vector<std::string>{"node-b"});
  table.vipRoute->target.id = "tgw-attach-c";
  EXPECT_EQ(servedNode(t, kVip, table), "");
  table.vipRoute.reset();
  EXPECT_EQ(servedNode(t, kVip, table), "");

  model::ObservedTable client{TableKind::kVpc, "rtb-c", "us-east-1", true, "", {}, {}};
  client.vipRoute = route("192.168.10.10/32", TargetKind::kTransitGateway, "tgw-east");
  EXPECT_EQ(servedNode(t, kVip, client), "node-a,node-b");
  client.vipRoute = route("192.168.10.10/32", TargetKind::kTransitGateway, "tgw-west");
  EXPECT_EQ(servedNode(t, kVip, client), "");
  client.vipRoute = route("192.168.10.10/32", TargetKind::kNetworkInterface, "eni-a");
  EXPECT_EQ(servedNode(t, kVip, client), "");  // eni-a is not in vpc-c
}

TEST(DiffTest, KindNames) {
  EXPECT_EQ(changeKindName(ChangeKind::kFixBlackhole), "fix-blackhole");
  EXPECT_EQ(changeKindName(ChangeKind::kMissing), "missing");
  EXPECT_EQ(changeKindName(ChangeKind::kCreate), "create");
}

}  // namespace
}  // namespace tgwark::plan
