#include "plan/reachability.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "plan/desired.h"
#include "topology_builder.h"

namespace tgwark::plan {
namespace {

using model::TableKind;
using model::TargetKind;
using test::prefix;
using test::route;
using ::testing::HasSubstr;

const model::Prefix kVip = prefix("192.168.10.10/32");

test::TopologyBuilder twoRegionBuilder() {
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
  return b;
}

model::ObservedState inPlace(const model::Topology& t, const std::string& node,
                             const model::Prefix& vip = kVip) {
  auto desired = desiredRoutes(t, node, vip);
  EXPECT_TRUE(desired) << (desired ? "" : desired.error().message);
  return test::observedFrom(t, desired.value_or(std::vector<DesiredRoute>{}));
}

// us-east-1 only: tgw-1 (vpc-a, node-a) and tgw-2 (vpc-b, node-b), peered
// within the region: tgw-1's side is tgw-attach-p1, tgw-2's tgw-attach-p2.
test::TopologyBuilder intraRegionBuilder() {
  test::TopologyBuilder b;
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

// The trace crosses an intra-region peering to the far side's own attachment
// (and its association) on either TGW.
TEST(TraceTest, IntraRegionPeeringReachesTheActiveNodeBothWays) {
  auto t = intraRegionBuilder().build();
  for (const auto& [node, from] : {std::pair{"node-a", "rtb-b"}, std::pair{"node-b", "rtb-a"}}) {
    Trace trace = traceFrom(t, inPlace(t, node), kVip, from);
    EXPECT_EQ(trace.outcome, TraceOutcome::kReached) << node << ": " << trace.detail;
    EXPECT_EQ(trace.reachedNode, node);
  }
}

TEST(TraceTest, CrossRegionReachesTheActiveNode) {
  auto t = twoRegionBuilder().build();
  Trace trace = traceFrom(t, inPlace(t, "node-a"), kVip, "rtb-b");
  EXPECT_EQ(trace.outcome, TraceOutcome::kReached) << trace.detail;
  EXPECT_EQ(trace.reachedNode, "node-a");
  EXPECT_EQ(trace.reachedEni, "eni-a");
  EXPECT_EQ(trace.sourceVpcId, "vpc-b");
  EXPECT_EQ(trace.region, "us-west-2");
  ASSERT_EQ(trace.hops.size(), 4u);
  EXPECT_EQ(trace.hops[0].tableId, "rtb-b");
  EXPECT_EQ(trace.hops[0].matched, "192.168.10.10/32 -> tgw-west");
  EXPECT_EQ(trace.hops[1].tableId, "tgw-rtb-west");
  EXPECT_EQ(trace.hops[1].tableKind, TableKind::kTgw);
  EXPECT_EQ(trace.hops[1].matched, "192.168.10.10/32 -> tgw-attach-peer");
  EXPECT_EQ(trace.hops[2].tableId, "tgw-rtb-east");
  EXPECT_EQ(trace.hops[2].region, "us-east-1");
  EXPECT_EQ(trace.hops[2].matched, "192.168.10.10/32 -> tgw-attach-a");
  EXPECT_EQ(trace.hops[3].tableId, "rtb-a");
  EXPECT_EQ(trace.hops[3].matched, "192.168.10.10/32 -> eni-a");
}

TEST(TraceTest, HomeVpcReachesDirectly) {
  auto t = twoRegionBuilder().build();
  Trace trace = traceFrom(t, inPlace(t, "node-b"), kVip, "rtb-b");
  EXPECT_EQ(trace.outcome, TraceOutcome::kReached);
  EXPECT_EQ(trace.reachedNode, "node-b");
  EXPECT_EQ(trace.hops.size(), 1u);
}

TEST(TraceTest, Ref3rEveryTableReachesTheActiveNode) {
  auto t = test::ref3r();
  for (const std::string node : {"node-a", "node-b"}) {
    auto traces = traceAll(t, inPlace(t, node), kVip);
    ASSERT_EQ(traces.size(), 24u);
    for (const auto& trace : traces) {
      EXPECT_EQ(trace.outcome, TraceOutcome::kReached)
          << trace.sourceTableId << ": " << trace.detail;
      EXPECT_EQ(trace.reachedNode, node) << trace.sourceTableId;
    }
  }
}

TEST(TraceTest, ChainOfThreeTgws) {
  test::TopologyBuilder b;
  b.tgw("tgw-a", "us-east-1").tgw("tgw-b", "us-west-2").tgw("tgw-c", "eu-west-1");
  b.tgwTable("tgw-rtb-a", "tgw-a").tgwTable("tgw-rtb-b", "tgw-b").tgwTable("tgw-rtb-c", "tgw-c");
  // tgw-b uses a separate table for traffic from the a-b peering.
  b.tgwTable("tgw-rtb-b-from-a", "tgw-b");
  b.vpc("vpc-1", "us-east-1", "10.1.0.0/16").vpcTable("rtb-1", "vpc-1", true, true);
  b.vpc("vpc-3", "eu-west-1", "10.3.0.0/16").vpcTable("rtb-3", "vpc-3", true, true);
  b.attachVpc("tgw-attach-1", "vpc-1", "tgw-a", "tgw-rtb-a");
  b.attachVpc("tgw-attach-3", "vpc-3", "tgw-c", "tgw-rtb-c");
  b.peer("tgw-attach-ab", "tgw-a", "tgw-b", "tgw-rtb-a", "tgw-rtb-b-from-a");
  b.peer("tgw-attach-bc", "tgw-b", "tgw-c", "tgw-rtb-b", "tgw-rtb-c");
  b.node("node-a", "eni-a", "vpc-1").node("node-c", "eni-c", "vpc-3");
  auto t = b.build();
  Trace trace = traceFrom(t, inPlace(t, "node-c"), kVip, "rtb-1");
  EXPECT_EQ(trace.outcome, TraceOutcome::kReached) << trace.detail;
  EXPECT_EQ(trace.reachedNode, "node-c");
  ASSERT_EQ(trace.hops.size(), 5u);
  EXPECT_EQ(trace.hops[2].tableId, "tgw-rtb-b-from-a");  // the table associated with the peering
  EXPECT_EQ(trace.hops[3].tableId, "tgw-rtb-c");
}

TEST(TraceTest, TwoTgwsPointingAtEachOtherIsALoop) {
  auto t = twoRegionBuilder().build();
  auto observed = inPlace(t, "node-b");
  // tgw-east should send the VIP to the peering and tgw-west to att-b; make
  // tgw-west send it back.
  observed.tables["tgw-rtb-west"].vipRoute->target = {TargetKind::kTgwAttachment,
                                                      "tgw-attach-peer"};
  Trace trace = traceFrom(t, observed, kVip, "rtb-c");
  EXPECT_EQ(trace.outcome, TraceOutcome::kLoop);
  EXPECT_THAT(trace.detail, HasSubstr("tgw-rtb-east"));
  EXPECT_EQ(trace.hops.size(), 3u);  // rtb-c, tgw-rtb-east, tgw-rtb-west
}

TEST(TraceTest, Blackhole) {
  auto t = twoRegionBuilder().build();
  auto observed = inPlace(t, "node-a");
  observed.tables["tgw-rtb-east"].vipRoute->state = "blackhole";
  Trace trace = traceFrom(t, observed, kVip, "rtb-c");
  EXPECT_EQ(trace.outcome, TraceOutcome::kBlackhole);
  EXPECT_THAT(trace.detail, HasSubstr("tgw-rtb-east"));
  EXPECT_EQ(trace.hops.back().matched, "192.168.10.10/32 -> tgw-attach-a [blackhole]");

  observed.tables["tgw-rtb-east"].vipRoute =
      route("192.168.10.10/32", TargetKind::kNone, "", "blackhole");
  EXPECT_EQ(traceFrom(t, observed, kVip, "rtb-c").outcome, TraceOutcome::kBlackhole);
}

TEST(TraceTest, MissingRoute) {
  auto t = twoRegionBuilder().build();
  auto observed = inPlace(t, "node-a");
  observed.tables["tgw-rtb-west"].vipRoute.reset();
  Trace trace = traceFrom(t, observed, kVip, "rtb-b");
  EXPECT_EQ(trace.outcome, TraceOutcome::kNoRoute);
  EXPECT_THAT(trace.detail, HasSubstr("tgw-rtb-west"));
  EXPECT_EQ(trace.hops.size(), 2u);
}

TEST(TraceTest, LongestPrefixMatchWithCoveringRoutes) {
  auto t = twoRegionBuilder().build();
  auto observed = inPlace(t, "node-a");
  // Without its /32, tgw-west forwards by the covering /24 (to the peering),
  // not the /16 (to vpc-b).
  observed.tables["tgw-rtb-west"].vipRoute.reset();
  observed.tables["tgw-rtb-west"].coveringRoutes = {
      route("192.168.0.0/16", TargetKind::kTgwAttachment, "tgw-attach-b"),
      route("192.168.10.0/24", TargetKind::kTgwAttachment, "tgw-attach-peer"),
      route("0.0.0.0/0", TargetKind::kTgwAttachment, "tgw-attach-b")};
  Trace trace = traceFrom(t, observed, kVip, "rtb-b");
  EXPECT_EQ(trace.outcome, TraceOutcome::kReached) << trace.detail;
  EXPECT_EQ(trace.hops[1].matched, "192.168.10.0/24 -> tgw-attach-peer");

  // The /32, when present, beats every covering route. Here it points into
  // vpc-b, whose table still sends the VIP back to tgw-west: a half-done
  // failover, which is a loop.
  observed.tables["tgw-rtb-west"].vipRoute =
      route("192.168.10.10/32", TargetKind::kTgwAttachment, "tgw-attach-b");
  trace = traceFrom(t, observed, kVip, "rtb-b");
  EXPECT_EQ(trace.hops[1].matched, "192.168.10.10/32 -> tgw-attach-b");
  EXPECT_EQ(trace.outcome, TraceOutcome::kLoop);
  EXPECT_THAT(trace.detail, HasSubstr("rtb-b"));
}

TEST(TraceTest, StaticBeatsPropagatedForTheSamePrefix) {
  auto t = twoRegionBuilder().build();
  auto observed = inPlace(t, "node-a");
  observed.tables["tgw-rtb-west"].vipRoute.reset();
  observed.tables["tgw-rtb-west"].coveringRoutes = {
      route("192.168.10.0/24", TargetKind::kTgwAttachment, "tgw-attach-b", "active", true),
      route("192.168.10.0/24", TargetKind::kTgwAttachment, "tgw-attach-peer", "active", false)};
  Trace trace = traceFrom(t, observed, kVip, "rtb-b");
  EXPECT_EQ(trace.reachedNode, "node-a");
}

TEST(TraceTest, VipInsideAVpcCidrIsReportedAsMisconfiguration) {
  auto t = twoRegionBuilder().build();
  auto vip = prefix("10.3.0.50/32");  // inside vpc-c
  auto observed = inPlace(t, "node-a", vip);
  observed.tables["rtb-c"].vipRoute.reset();
  Trace trace = traceFrom(t, observed, vip, "rtb-c");
  EXPECT_EQ(trace.outcome, TraceOutcome::kLeftScope);
  EXPECT_THAT(trace.detail, HasSubstr("misconfiguration"));
  EXPECT_THAT(trace.detail, HasSubstr("10.3.0.0/16"));
  EXPECT_EQ(trace.hops[0].matched, "10.3.0.0/16 -> local");

  // The local route as the reader returns it counts the same.
  observed.tables["rtb-c"].coveringRoutes = {route("10.3.0.0/16", TargetKind::kLocal, "local")};
  EXPECT_EQ(traceFrom(t, observed, vip, "rtb-c").outcome, TraceOutcome::kLeftScope);
}

TEST(TraceTest, UnknownTable) {
  auto t = twoRegionBuilder().build();
  auto observed = inPlace(t, "node-a");
  observed.tables["tgw-rtb-west"].known = false;
  observed.tables["tgw-rtb-west"].error = "RequestLimitExceeded";
  Trace trace = traceFrom(t, observed, kVip, "rtb-b");
  EXPECT_EQ(trace.outcome, TraceOutcome::kUnknown);
  EXPECT_THAT(trace.detail, HasSubstr("tgw-rtb-west"));
  EXPECT_THAT(trace.detail, HasSubstr("RequestLimitExceeded"));

  observed.tables.erase("tgw-rtb-west");
  trace = traceFrom(t, observed, kVip, "rtb-b");
  EXPECT_EQ(trace.outcome, TraceOutcome::kUnknown);
  EXPECT_THAT(trace.detail, HasSubstr("tgw-rtb-west"));

  trace = traceFrom(t, observed, kVip, "rtb-nowhere");
  EXPECT_EQ(trace.outcome, TraceOutcome::kUnknown);
  EXPECT_THAT(trace.detail, HasSubstr("rtb-nowhere"));
}

TEST(TraceTest, AttachmentWithoutAssociation) {
  auto b = twoRegionBuilder();
  b.vpc("vpc-d", "us-east-1", "10.4.0.0/16").vpcTable("rtb-d", "vpc-d");
  b.attachVpc("tgw-attach-d", "vpc-d", "tgw-east", "");
  auto t = b.build();
  Trace trace = traceFrom(t, inPlace(t, "node-a"), kVip, "rtb-d");
  EXPECT_EQ(trace.outcome, TraceOutcome::kNoRoute);
  EXPECT_THAT(trace.detail, HasSubstr("tgw-attach-d"));
}

TEST(TraceTest, EniOfAnotherVpcOrNoNode) {
  auto t = twoRegionBuilder().build();
  auto observed = inPlace(t, "node-a");
  observed.tables["rtb-c"].vipRoute->target = {TargetKind::kNetworkInterface, "eni-a"};
  EXPECT_EQ(traceFrom(t, observed, kVip, "rtb-c").outcome, TraceOutcome::kNoRoute);
  observed.tables["rtb-c"].vipRoute->target = {TargetKind::kNetworkInterface, "eni-stranger"};
  Trace trace = traceFrom(t, observed, kVip, "rtb-c");
  EXPECT_EQ(trace.outcome, TraceOutcome::kLeftScope);
  EXPECT_THAT(trace.detail, HasSubstr("eni-stranger"));
  observed.tables["rtb-c"].vipRoute->target = {TargetKind::kOther, "pcx-1"};
  EXPECT_EQ(traceFrom(t, observed, kVip, "rtb-c").outcome, TraceOutcome::kLeftScope);
}

TEST(TraceTest, EntersTheVpcThroughItsMainTable) {
  auto b = twoRegionBuilder();
  // vpc-a gets a second, non-main table without the VIP route: ingress traffic
  // uses the main table rtb-a, so the trace still reaches node-a.
  b.vpcTable("rtb-a0", "vpc-a");
  auto t = b.build();
  auto observed = inPlace(t, "node-a");
  observed.tables["rtb-a0"].vipRoute.reset();
  Trace trace = traceFrom(t, observed, kVip, "rtb-b");
  EXPECT_EQ(trace.reachedNode, "node-a");
  EXPECT_EQ(trace.hops.back().tableId, "rtb-a");
}

TEST(TraceTest, Ipv6) {
  auto b = twoRegionBuilder();
  auto t = b.build();
  auto vip = prefix("2001:db8::a/128");
  Trace trace = traceFrom(t, inPlace(t, "node-b", vip), vip, "rtb-c");
  EXPECT_EQ(trace.outcome, TraceOutcome::kReached) << trace.detail;
  EXPECT_EQ(trace.reachedNode, "node-b");
  EXPECT_EQ(trace.hops[0].matched, "2001:db8::a/128 -> tgw-east");
}

TEST(TraceTest, OutcomeNames) {
  EXPECT_EQ(traceOutcomeName(TraceOutcome::kReached), "reached");
  EXPECT_EQ(traceOutcomeName(TraceOutcome::kLoop), "loop");
}

}  // namespace
}  // namespace tgwark::plan
