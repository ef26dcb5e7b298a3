#include "engine/engine.h"

#include <atomic>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/error_matchers.h"
#include "support/fake_clock.h"
#include "support/worlds.h"

namespace tgwark::engine {
namespace {

using namespace tgwark::testing;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

struct OpsTest : ::testing::Test {
  std::shared_ptr<FakeCloud> cloud = twoRegions();
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  model::Config config = parseOrDie(baseConfigText());
  model::Topology topo;
  void SetUp() override { topo = discoverOrDie(cloud, config, clock); }
  Deadline none() { return Deadline::none(clock); }
  void drift(const char* table, const char* target) {
    cloud->removeRoute(table, kVip);
    if (std::string(table).starts_with("tgw-rtb-")) {
      cloud->addTgwRoute(table, kVip, target);
    } else {
      cloud->addRoute(table, kVip, target);
    }
  }
};

TEST_F(OpsTest, StatusShowsEveryManagedRouteAndTheNodeItServes) {
  auto s = status(config, topo, cloud->factory(), none());
  ASSERT_TRUE(s) << s.error().describe();
  EXPECT_EQ(s->routes.size(), 6u);
  EXPECT_TRUE(s->consistent());
  EXPECT_EQ(s->servedNode, "node-a");
  for (const auto& r : s->routes) {
    EXPECT_TRUE(r.known) << r.tableId;
    ASSERT_TRUE(r.route) << r.tableId;
    EXPECT_FALSE(r.region.empty());
  }
  // The client VPC's route to its TGW is right for either node.
  for (const auto& r : s->routes) {
    if (r.tableId == kRtbC1) {
      EXPECT_THAT(r.serves, ::testing::UnorderedElementsAre("node-a", "node-b"));
    }
    if (r.tableId == kRtbA1) {
      EXPECT_THAT(r.serves, ::testing::ElementsAre("node-a"));
    }
  }
  EXPECT_EQ(s->calls.total(), 4);
  EXPECT_EQ(cloud->writeCount(), 0);
}

TEST_F(OpsTest, StatusIsInconsistentWhenRoutesServeDifferentNodes) {
  drift(kTgwRtbB, kAttB);  // us-west-2's TGW now delivers to node-b
  auto s = status(config, topo, cloud->factory(), none());
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->consistent());
  EXPECT_TRUE(s->servedNode.empty());
}

TEST_F(OpsTest, StatusIsInconsistentWhenATableIsUnreadable) {
  cloud->failNext("DescribeRouteTables",
                  fakeAwsError(ErrorCategory::kRetryable, "ServiceUnavailable", "busy", 503), 1,
                  "us-west-2");
  auto s = status(config, topo, cloud->factory(), none());
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->consistent());
  bool sawUnknown = false;
  for (const auto& r : s->routes) {
    if (r.tableId == kRtbB1) {
      sawUnknown = true;
      EXPECT_FALSE(r.known);
      EXPECT_THAT(r.error, HasSubstr("ServiceUnavailable"));
    }
  }
  EXPECT_TRUE(sawUnknown);
}

TEST_F(OpsTest, VerifyTracesEveryVpcToTheActiveNode) {
  auto v = verify(config, topo, cloud->factory(), none());
  ASSERT_TRUE(v) << v.error().describe();
  EXPECT_EQ(v->expectedNode, "node-a");
  EXPECT_EQ(v->traces.size(), 4u);
  for (const auto& t : v->traces) {
    EXPECT_EQ(t.outcome, plan::TraceOutcome::kReached) << t.sourceTableId << ": " << t.detail;
    EXPECT_EQ(t.reachedNode, "node-a") << t.sourceTableId;
  }
  EXPECT_TRUE(v->ok);
  auto asB = verify(config, topo, cloud->factory(), none(), std::string("node-b"));
  ASSERT_TRUE(asB);
  EXPECT_FALSE(asB->ok);
  EXPECT_THAT(verify(config, topo, cloud->factory(), none(), std::string("node-z")),
              ErrorIs(ErrorCategory::kInvalidConfig, "", HasSubstr("unknown node 'node-z'")));
}

TEST_F(OpsTest, VerifyAfterFailoverReachesTheNewNode) {
  ASSERT_TRUE(applyFor(config, topo, "node-b", cloud->factory(), none(), applyOptionsFrom(config)));
  auto v = verify(config, topo, cloud->factory(), none());
  ASSERT_TRUE(v);
  EXPECT_EQ(v->expectedNode, "node-b");
  EXPECT_TRUE(v->ok);
}

TEST_F(OpsTest, VerifyReportsABlackhole) {
  cloud->setRouteState(kTgwRtbB, kVip, "blackhole");
  auto v = verify(config, topo, cloud->factory(), none(), std::string("node-a"));
  ASSERT_TRUE(v);
  EXPECT_FALSE(v->ok);
  bool sawBlackhole = false;
  for (const auto& t : v->traces)
    if (t.sourceTableId == kRtbB1) sawBlackhole = t.outcome == plan::TraceOutcome::kBlackhole;
  EXPECT_TRUE(sawBlackhole);
}

TEST_F(OpsTest, QuickCheckHealthyWithOneReadPerRegionAndOneSearchPerTgwTable) {
  auto q = quickCheck(config, topo, "node-a", cloud->factory(), none());
  ASSERT_TRUE(q) << q.error().describe();
  EXPECT_EQ(q->health, Health::kHealthy);
  EXPECT_TRUE(q->homeProblems.empty());
  EXPECT_TRUE(q->remoteProblems.empty());
  EXPECT_EQ(cloud->callCount("DescribeRouteTables"), 2);
  EXPECT_EQ(cloud->callCount("SearchTransitGatewayRoutes"), 2);
  EXPECT_EQ(cloud->totalCalls(), 4);
  EXPECT_EQ(q->calls.total(), 4);
}

TEST_F(OpsTest, QuickCheckFailsOnAWrongHomeRoute) {
  drift(kRtbA2, kTgwE);
  auto q = quickCheck(config, topo, "node-a", cloud->factory(), none());
  ASSERT_TRUE(q);
  EXPECT_EQ(q->health, Health::kUnhealthy);
  ASSERT_EQ(q->homeProblems.size(), 1u);
  EXPECT_EQ(q->homeProblems[0].desired.tableId, kRtbA2);
  EXPECT_EQ(cloud->writeCount(), 0);  // never repairs home routes itself
}

TEST_F(OpsTest, QuickCheckFailsOnAHomeBlackhole) {
  cloud->setRouteState(kTgwRtbE, kVip, "blackhole");
  auto q = quickCheck(config, topo, "node-a", cloud->factory(), none());
  ASSERT_TRUE(q);
  EXPECT_EQ(q->health, Health::kUnhealthy);
}

TEST_F(OpsTest, QuickCheckReportsRemoteProblemsWithoutFailingAndCanRepairThem) {
  drift(kRtbC1, "igw-e0000001");
  drift(kTgwRtbB, kAttB);
  auto q = quickCheck(config, topo, "node-a", cloud->factory(), none());
  ASSERT_TRUE(q);
  EXPECT_EQ(q->health, Health::kHealthy);
  EXPECT_EQ(q->remoteProblems.size(), 2u);
  EXPECT_FALSE(q->repair);
  EXPECT_EQ(cloud->writeCount(), 0);

  QuickCheckOptions o;
  o.repairRemote = true;
  o.apply = applyOptionsFrom(config);
  auto fixed = quickCheck(config, topo, "node-a", cloud->factory(), none(), o);
  ASSERT_TRUE(fixed);
  ASSERT_TRUE(fixed->repair);
  EXPECT_EQ(fixed->repair->count(RouteOutcome::kWritten), 2);
  EXPECT_EQ(cloud->routeTarget(kRtbC1, kVip), kTgwE);
  EXPECT_EQ(cloud->routeTarget(kTgwRtbB, kVip), kPeerEB);
  EXPECT_THAT(fixed->summary, HasSubstr("repaired 2"));
}

// A remote region whose writes stall is given up after remoteWait without an
// answer; the other regions' repairs are not held up by it.
TEST_F(OpsTest, QuickCheckRepairGivesUpARegionWhoseWritesStall) {
  for (const bool bounded : {true, false}) {
    SCOPED_TRACE(bounded ? "remoteWait 5 s" : "no remoteWait");
    cloud = twoRegions();
    topo = discoverOrDie(cloud, config, clock);
    drift(kRtbC1, "igw-e0000001");
    drift(kTgwRtbB, kAttB);
    std::atomic<int> stalled{0};
    cloud->setInterceptor([&](const FakeCall& call) -> std::optional<Error> {
      if (!call.mutating || call.region != "us-west-2") return std::nullopt;
      ++stalled;
      clock->advance(6s);
      return fakeAwsError(ErrorCategory::kRetryable, "Transport.Timeout", "stalled", 0);
    });
    QuickCheckOptions o;
    o.repairRemote = true;
    o.apply = applyOptionsFrom(config);
    o.apply.remoteWait = bounded ? std::optional<Millis>(5s) : std::nullopt;
    auto q = quickCheck(config, topo, "node-a", cloud->factory(), Deadline::after(clock, 120s), o);
    ASSERT_TRUE(q) << q.error().describe();
    EXPECT_EQ(q->health, Health::kHealthy);
    ASSERT_TRUE(q->repair);
    EXPECT_EQ(cloud->routeTarget(kRtbC1, kVip), kTgwE);
    if (bounded) {
      EXPECT_LE(stalled.load(), 2) << "no retry past 5 s of silence";
    } else {
      EXPECT_GT(stalled.load(), 8) << "retried until the action's deadline";
    }
  }
}

TEST_F(OpsTest, QuickCheckThrottledHomeReadIsUndeterminableNotAFailure) {
  cloud->failNext("SearchTransitGatewayRoutes",
                  fakeAwsError(ErrorCategory::kThrottled, "RequestLimitExceeded", "slow", 503), 1,
                  "", kTgwRtbE);
  auto q = quickCheck(config, topo, "node-a", cloud->factory(), none());
  ASSERT_TRUE(q);
  EXPECT_EQ(q->health, Health::kUndeterminable);
  EXPECT_TRUE(q->unreadable.contains(kTgwRtbE));
}

TEST_F(OpsTest, QuickCheckHomeTableGoneIsAFailure) {
  cloud->failNext("SearchTransitGatewayRoutes",
                  fakeAwsError(ErrorCategory::kNotFound, "InvalidRouteTableID.NotFound", "gone"), 1,
                  "", kTgwRtbE);
  auto q = quickCheck(config, topo, "node-a", cloud->factory(), none());
  ASSERT_TRUE(q);
  EXPECT_EQ(q->health, Health::kUnhealthy);
}

TEST_F(OpsTest, PlanForUnknownNodeMakesNoCall) {
  auto p = planFor(config, topo, "node-z", cloud->factory(), none());
  EXPECT_THAT(p, ErrorIs(ErrorCategory::kInvalidConfig, "", HasSubstr("unknown node 'node-z'")));
  EXPECT_EQ(cloud->totalCalls(), 0);
}

TEST_F(OpsTest, SourceDestCheckReportedOrFixed) {
  auto ok = checkSourceDestCheck(config, "node-a", cloud->factory(), none());
  ASSERT_TRUE(ok) << ok.error().describe();
  EXPECT_TRUE(ok->ok());
  EXPECT_FALSE(ok->enabledBefore);

  cloud->addEni("us-east-1", kEniA, kVpcA, /*sourceDestCheck=*/true);
  auto reported = checkSourceDestCheck(config, "node-a", cloud->factory(), none());
  ASSERT_TRUE(reported);
  EXPECT_TRUE(reported->enabledBefore);
  EXPECT_FALSE(reported->fixed);
  EXPECT_FALSE(reported->ok());
  EXPECT_THAT(reported->message, HasSubstr("enabled"));
  EXPECT_EQ(cloud->callCount("ModifyNetworkInterfaceAttribute"), 0);

  config = parseOrDie(baseConfigText("fix_source_dest_check = true\n"));
  auto fixed = checkSourceDestCheck(config, "node-a", cloud->factory(), none());
  ASSERT_TRUE(fixed);
  EXPECT_TRUE(fixed->fixed);
  EXPECT_TRUE(fixed->ok());
  EXPECT_FALSE(cloud->eniSourceDestCheck(kEniA));
  EXPECT_EQ(cloud->callCount("ModifyNetworkInterfaceAttribute", "us-east-1"), 1);
}

TEST_F(OpsTest, SourceDestCheckOfAMissingEniIsAnError) {
  cloud->failNext(
      "DescribeNetworkInterfaces",
      fakeAwsError(ErrorCategory::kNotFound, "InvalidNetworkInterfaceID.NotFound", "x"));
  auto r = checkSourceDestCheck(config, "node-b", cloud->factory(), none());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().awsCode, "InvalidNetworkInterfaceID.NotFound");
  EXPECT_THAT(r.error().message, HasSubstr("node 'node-b'"));
}

}  // namespace
}  // namespace tgwark::engine

// The single-VPC layout (no transit gateway): apply, status, verify and
// quickCheck on rule 1 alone.
namespace tgwark::engine {
namespace {

using namespace tgwark::testing;

struct SingleVpcOps : ::testing::Test {
  std::shared_ptr<FakeCloud> cloud = singleVpc();
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  model::Config config = parseOrDie(singleVpcConfigText());
  model::Topology topo;
  void SetUp() override { topo = discoverOrDie(cloud, config, clock); }
  Deadline none() { return Deadline::none(clock); }
};

TEST_F(SingleVpcOps, FailoverMovesEveryTablesVipRouteAndNothingElse) {
  auto a = applyFor(config, topo, "node-a", cloud->factory(), none(), applyOptionsFrom(config));
  ASSERT_TRUE(a) << a.error().describe();
  EXPECT_TRUE(a->allRight());
  EXPECT_EQ(cloud->writeCount(), 1);  // only rtb-a3's missing route
  EXPECT_EQ(cloud->routeTarget(kRtbA3, kVip), kEniA);

  cloud->resetCalls();
  auto b = applyFor(config, topo, "node-b", cloud->factory(), none(), applyOptionsFrom(config));
  ASSERT_TRUE(b) << b.error().describe();
  EXPECT_TRUE(b->allRight());
  EXPECT_EQ(b->routes.size(), 3u);
  for (const auto& r : b->routes) {
    EXPECT_EQ(r.change.desired.role, plan::RouteRole::kNodeVpc) << r.change.desired.tableId;
    EXPECT_TRUE(r.change.desired.home());
  }
  for (const char* table : {kRtbA1, kRtbA2, kRtbA3}) {
    EXPECT_EQ(cloud->routeTarget(table, kVip), kEniB) << table;
  }
  EXPECT_EQ(cloud->writeCount(), 3);
  for (const auto& call : cloud->calls()) {
    if (call.mutating) {
      EXPECT_EQ(call.destination, kVip) << call.action;
    }
    EXPECT_EQ(call.action.find("TransitGateway"), std::string::npos) << call.action;
  }
  // Not the VIP's, not in scope: untouched.
  EXPECT_EQ(cloud->routeTarget(kRtbA2, kOtherRoute), kEniB);
  EXPECT_EQ(cloud->routeTarget(kRtbC1, kVip), kEniX);

  auto s = status(config, topo, cloud->factory(), none());
  ASSERT_TRUE(s) << s.error().describe();
  EXPECT_TRUE(s->consistent());
  EXPECT_EQ(s->servedNode, "node-b");
  EXPECT_EQ(s->routes.size(), 3u);

  auto v = verify(config, topo, cloud->factory(), none());
  ASSERT_TRUE(v) << v.error().describe();
  EXPECT_TRUE(v->ok);
  EXPECT_EQ(v->traces.size(), 3u);
  for (const auto& t : v->traces) EXPECT_EQ(t.reachedNode, "node-b") << t.sourceTableId;

  auto healthy = quickCheck(config, topo, "node-b", cloud->factory(), none());
  ASSERT_TRUE(healthy) << healthy.error().describe();
  EXPECT_EQ(healthy->health, Health::kHealthy);
  auto stale = quickCheck(config, topo, "node-a", cloud->factory(), none());
  ASSERT_TRUE(stale) << stale.error().describe();
  EXPECT_EQ(stale->health, Health::kUnhealthy);
  EXPECT_EQ(stale->homeProblems.size(), 3u);
  // node-b's restore owns every table now: node-a yields (split-brain guard).
  ASSERT_TRUE(stale->takeover.has_value());
  EXPECT_EQ(stale->takeover->byNode, "node-b");
}

TEST_F(SingleVpcOps, QuickCheckIsOneReadForTheWholeVpc) {
  ASSERT_TRUE(applyFor(config, topo, "node-a", cloud->factory(), none(), applyOptionsFrom(config)));
  cloud->resetCalls();
  auto q = quickCheck(config, topo, "node-a", cloud->factory(), none());
  ASSERT_TRUE(q) << q.error().describe();
  EXPECT_EQ(q->health, Health::kHealthy);
  EXPECT_EQ(cloud->totalCalls(), 1);
  EXPECT_EQ(cloud->callCount("DescribeRouteTables"), 1);
}

}  // namespace
}  // namespace tgwark::engine
