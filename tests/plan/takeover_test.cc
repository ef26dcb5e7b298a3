#include "plan/takeover.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "topology_builder.h"

namespace tgwark::plan {
namespace {

using model::TargetKind;
using test::prefix;

const model::Prefix kVip = prefix("192.168.10.10/32");

std::vector<DesiredRoute> desiredFor(const model::Topology& t, const std::string& node) {
  auto routes = desiredRoutes(t, node, kVip);
  EXPECT_TRUE(routes) << (routes ? "" : routes.error().message);
  return routes.value_or(std::vector<DesiredRoute>{});
}

void setRoute(model::ObservedState& state, const std::string& table, TargetKind kind,
              const std::string& target, const std::string& routeState = "active") {
  state.tables.at(table).vipRoute = test::route("192.168.10.10/32", kind, target, routeState);
}

TEST(TakeoverTest, NoTakeoverWhenOwnRoutesAreRight) {
  auto t = test::ref3r();
  auto observed = test::observedFrom(t, desiredFor(t, "node-a"));
  EXPECT_FALSE(detectTakeover(t, observed, kVip, "node-a"));
}

TEST(TakeoverTest, CompletedFailoverToBIsATakeoverForA) {
  auto t = test::ref3r();
  auto observed = test::observedFrom(t, desiredFor(t, "node-b"));
  auto takeover = detectTakeover(t, observed, kVip, "node-a");
  ASSERT_TRUE(takeover);
  EXPECT_EQ(takeover->byNode, "node-b");
  EXPECT_THAT(takeover->evidence, ::testing::HasSubstr("node-b"));
  // And B, whose routes are right, sees no takeover.
  EXPECT_FALSE(detectTakeover(t, observed, kVip, "node-b"));
}

// B's restore writes its home tables first; A must already yield when only
// those and one of A's home tables have moved.
TEST(TakeoverTest, PartialRestoreOfBWithBHomeRightIsATakeover) {
  auto t = test::ref3r();
  auto observed = test::observedFrom(t, desiredFor(t, "node-a"));
  for (const auto& d : desiredFor(t, "node-b")) {
    if (d.home())
      observed.tables.at(d.tableId).vipRoute =
          model::ObservedRoute{d.destination, d.target, "active", false};
  }
  // One of A's VPC tables now points at A's TGW, as B's restore writes it.
  setRoute(observed, "rtb-e1a", TargetKind::kTransitGateway, "tgw-east");
  auto takeover = detectTakeover(t, observed, kVip, "node-a");
  ASSERT_TRUE(takeover);
  EXPECT_EQ(takeover->byNode, "node-b");
}

// Drift that happens to match B's target for A's table, while B never
// restored (B's home routes still point elsewhere): A must repair, not yield.
TEST(TakeoverTest, DriftLookingLikeBIsNotATakeoverWhenBNeverRestored) {
  auto t = test::ref3r();
  auto observed = test::observedFrom(t, desiredFor(t, "node-a"));
  setRoute(observed, "rtb-e1a", TargetKind::kTransitGateway, "tgw-east");
  EXPECT_FALSE(detectTakeover(t, observed, kVip, "node-a"));
}

TEST(TakeoverTest, DriftToAStrangerIsNotATakeover) {
  auto t = test::ref3r();
  // A's home route points at an unknown ENI: nobody's target.
  auto aObserved = test::observedFrom(t, desiredFor(t, "node-a"));
  setRoute(aObserved, "rtb-e1a", TargetKind::kNetworkInterface, "eni-stranger");
  EXPECT_FALSE(detectTakeover(t, aObserved, kVip, "node-a"));
}

TEST(TakeoverTest, BlackholeRouteDoesNotCountAsServingAnotherNode) {
  auto t = test::ref3r();
  auto observed = test::observedFrom(t, desiredFor(t, "node-b"));
  // A's every home route: B's target but blackhole -> does not serve B.
  for (const auto& d : desiredFor(t, "node-a")) {
    if (!d.home()) continue;
    auto& route = observed.tables.at(d.tableId).vipRoute;
    if (route) route->state = "blackhole";
  }
  EXPECT_FALSE(detectTakeover(t, observed, kVip, "node-a"));
}

}  // namespace
}  // namespace tgwark::plan

namespace tgwark::plan {
namespace {

using model::TargetKind;

// Single VPC, no transit gateway: both nodes' home tables are the same tables.
model::Topology oneVpc() {
  test::TopologyBuilder b;
  b.vpc("vpc-a", "us-east-1", "10.1.0.0/16");
  b.vpcTable("rtb-a1", "vpc-a", true, true).vpcTable("rtb-a2", "vpc-a").vpcTable("rtb-a3", "vpc-a");
  b.node("node-a", "eni-a", "vpc-a").node("node-b", "eni-b", "vpc-a");
  return b.build();
}

TEST(TakeoverSingleVpcTest, ACompletedRestoreOnBIsATakeoverButOneDriftedTableIsNot) {
  auto t = oneVpc();
  auto afterB = test::observedFrom(t, desiredFor(t, "node-b"));
  auto takeover = detectTakeover(t, afterB, kVip, "node-a");
  ASSERT_TRUE(takeover);
  EXPECT_EQ(takeover->byNode, "node-b");
  EXPECT_FALSE(detectTakeover(t, afterB, kVip, "node-b"));

  // One table pointed at eni-b by hand while node-a is active: drift, repaired.
  auto drifted = test::observedFrom(t, desiredFor(t, "node-a"));
  setRoute(drifted, "rtb-a2", TargetKind::kNetworkInterface, "eni-b");
  EXPECT_FALSE(detectTakeover(t, drifted, kVip, "node-a"));
}

}  // namespace
}  // namespace tgwark::plan
