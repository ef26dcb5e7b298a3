#include "engine/apply.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include <fmt/format.h>

#include "engine/engine.h"
#include "support/fake_clock.h"
#include "support/worlds.h"

namespace tgwark::engine {
namespace {

using namespace tgwark::testing;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

struct ApplyTest : ::testing::Test {
  std::shared_ptr<FakeCloud> cloud = twoRegions();
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  model::Config config = parseOrDie(baseConfigText());
  model::Topology topo;

  void SetUp() override { topo = discoverOrDie(cloud, config, clock); }
  void rediscover() { topo = discoverOrDie(cloud, config, clock); }

  ApplyOptions options() {
    auto o = applyOptionsFrom(config);
    return o;
  }
  ApplyReport apply(const std::string& node, ApplyOptions o, std::optional<Deadline> d = {}) {
    auto report = applyFor(config, topo, node, cloud->factory(), d ? *d : Deadline::none(clock), o);
    EXPECT_TRUE(report) << report.error().describe();
    return report ? *report : ApplyReport{};
  }
  ApplyReport apply(const std::string& node) { return apply(node, options()); }

  const RouteResult& result(const ApplyReport& r, const std::string& table) {
    for (const auto& x : r.routes)
      if (x.change.desired.tableId == table) return x;
    ADD_FAILURE() << "no result for " << table;
    static RouteResult none;
    return none;
  }
  std::vector<std::string> writesIn(const std::string& region) {
    std::vector<std::string> out;
    for (const auto& c : cloud->calls())
      if (c.mutating && c.region == region) out.push_back(c.resource);
    return out;
  }
};

void expectNodeBActive(FakeCloud& cloud) {
  EXPECT_EQ(cloud.routeTarget(kRtbA1, kVip), kTgwE);
  EXPECT_EQ(cloud.routeTarget(kRtbA2, kVip), kTgwE);
  EXPECT_EQ(cloud.routeTarget(kRtbB1, kVip), kEniB);
  EXPECT_EQ(cloud.routeTarget(kRtbC1, kVip), kTgwE);
  EXPECT_EQ(cloud.routeTarget(kTgwRtbE, kVip), kPeerEB);
  EXPECT_EQ(cloud.routeTarget(kTgwRtbB, kVip), kAttB);
}

TEST_F(ApplyTest, FailoverWritesOnlyTheRoutesThatDiffer) {
  auto r = apply("node-b");
  EXPECT_TRUE(r.allRight());
  EXPECT_TRUE(r.homeRight());
  EXPECT_EQ(r.count(RouteOutcome::kWritten), 5);
  EXPECT_EQ(r.count(RouteOutcome::kUnchanged), 1);
  EXPECT_EQ(result(r, kRtbC1).outcome, RouteOutcome::kUnchanged);
  EXPECT_EQ(result(r, kRtbB1).action, "ReplaceRoute");
  EXPECT_EQ(result(r, kTgwRtbB).action, "ReplaceTransitGatewayRoute");
  expectNodeBActive(*cloud);

  EXPECT_EQ(cloud->writeCount(), 5);
  EXPECT_EQ(cloud->callCount("ReplaceRoute"), 3);
  EXPECT_EQ(cloud->callCount("ReplaceTransitGatewayRoute"), 2);
  EXPECT_EQ(cloud->callCount("CreateRoute"), 0);
  // Reads: one batch per region plus one search per TGW table, then the same
  // again for the read-back of the changed tables only (C1 is not re-read).
  EXPECT_EQ(cloud->callCount("DescribeRouteTables"), 4);
  EXPECT_EQ(cloud->callCount("SearchTransitGatewayRoutes"), 4);
  EXPECT_EQ(r.calls.writes, 5);
  EXPECT_EQ(r.calls.reads, 8);
  EXPECT_EQ(r.calls.count("ReplaceRoute"), 3);
  EXPECT_EQ(clock->totalSlept(), 0ms);  // the fake answers active at once: no poll wait

  // Only the VIP's routes were touched.
  EXPECT_EQ(cloud->routeTarget(kRtbA1, "10.0.0.0/8"), kTgwE);
  EXPECT_EQ(cloud->routeTarget(kTgwRtbE, "10.2.0.0/16"), kPeerEB);
}

TEST_F(ApplyTest, SecondApplyMakesNoWrite) {
  apply("node-b");
  cloud->resetCalls();
  auto again = apply("node-b");
  EXPECT_TRUE(again.allRight());
  EXPECT_EQ(again.count(RouteOutcome::kUnchanged), 6);
  EXPECT_EQ(cloud->writeCount(), 0);
  EXPECT_EQ(again.calls.writes, 0);
  EXPECT_EQ(cloud->totalCalls(), 4);  // 2 DescribeRouteTables + 2 searches
  // And back again.
  auto back = apply("node-a");
  EXPECT_EQ(back.count(RouteOutcome::kWritten), 5);
  EXPECT_EQ(cloud->routeTarget(kRtbA1, kVip), kEniA);
}

TEST_F(ApplyTest, MissingRouteIsCreatedWhenAllowed) {
  cloud->removeRoute(kRtbB1, kVip);
  auto r = apply("node-b");
  EXPECT_TRUE(r.allRight());
  EXPECT_EQ(result(r, kRtbB1).action, "CreateRoute");
  EXPECT_EQ(result(r, kRtbB1).outcome, RouteOutcome::kWritten);
  EXPECT_EQ(cloud->callCount("CreateRoute"), 1);
  EXPECT_EQ(cloud->routeTarget(kRtbB1, kVip), kEniB);
}

TEST_F(ApplyTest, MissingRouteIsReportedNotCreatedWhenCreationIsOff) {
  config = parseOrDie(baseConfigText("create_missing = false\n"));
  cloud->removeRoute(kRtbB1, kVip);
  auto r = apply("node-b");
  EXPECT_FALSE(r.allRight());
  EXPECT_FALSE(r.homeRight());
  EXPECT_EQ(result(r, kRtbB1).outcome, RouteOutcome::kMissing);
  EXPECT_EQ(cloud->callCount("CreateRoute"), 0);
  EXPECT_FALSE(cloud->routeTarget(kRtbB1, kVip));
  EXPECT_EQ(r.count(RouteOutcome::kWritten), 4);
}

TEST_F(ApplyTest, ReplaceThatFindsNoRouteFallsBackToCreate) {
  bool removed = false;
  cloud->setInterceptor([&](const FakeCall& c) -> std::optional<Error> {
    if (c.action == "ReplaceRoute" && c.resource == kRtbB1 && !removed) {
      removed = true;
      cloud->removeRoute(kRtbB1, kVip);  // someone deleted it between our read and write
    }
    return std::nullopt;
  });
  auto r = apply("node-b");
  EXPECT_TRUE(r.allRight());
  EXPECT_EQ(result(r, kRtbB1).action, "CreateRoute");
  EXPECT_EQ(cloud->callCount("ReplaceRoute", "us-west-2"), 1);
  EXPECT_EQ(cloud->callCount("CreateRoute", "us-west-2"), 1);
  EXPECT_EQ(cloud->routeTarget(kRtbB1, kVip), kEniB);
}

TEST_F(ApplyTest, ReplaceThatFindsNoRouteWithCreationOffIsMissing) {
  config = parseOrDie(baseConfigText("create_missing = false\n"));
  cloud->setInterceptor([&](const FakeCall& c) -> std::optional<Error> {
    if (c.action == "ReplaceTransitGatewayRoute" && c.resource == kTgwRtbB) {
      cloud->removeRoute(kTgwRtbB, kVip);
    }
    return std::nullopt;
  });
  auto r = apply("node-b");
  EXPECT_EQ(result(r, kTgwRtbB).outcome, RouteOutcome::kMissing);
  EXPECT_EQ(result(r, kTgwRtbB).error->awsCode, "InvalidRoute.NotFound");
  EXPECT_EQ(cloud->callCount("CreateTransitGatewayRoute"), 0);
}

TEST_F(ApplyTest, CreateThatFindsARouteFallsBackToReplace) {
  cloud->removeRoute(kTgwRtbB, kVip);
  cloud->setInterceptor([&](const FakeCall& c) -> std::optional<Error> {
    if (c.action == "CreateTransitGatewayRoute" &&
        cloud->routeTarget(kTgwRtbB, kVip) == std::nullopt) {
      cloud->addTgwRoute(kTgwRtbB, kVip, kPeerEB);  // another writer got there first
    }
    return std::nullopt;
  });
  auto r = apply("node-b");
  EXPECT_TRUE(r.allRight());
  EXPECT_EQ(result(r, kTgwRtbB).action, "ReplaceTransitGatewayRoute");
  EXPECT_EQ(cloud->callCount("CreateTransitGatewayRoute"), 1);
  EXPECT_EQ(cloud->callCount("ReplaceTransitGatewayRoute", "us-west-2"), 1);
  EXPECT_EQ(cloud->routeTarget(kTgwRtbB, kVip), kAttB);
}

TEST_F(ApplyTest, WrongPropagatedRouteIsShadowedByACreatedStaticOne) {
  cloud->removeRoute(kTgwRtbB, kVip);
  cloud->addTgwRoute(kTgwRtbB, kVip, kPeerEB, "active", "propagated");
  auto r = apply("node-b");
  EXPECT_TRUE(r.allRight());
  EXPECT_EQ(result(r, kTgwRtbB).action, "CreateTransitGatewayRoute");
  EXPECT_EQ(result(r, kTgwRtbB).outcome, RouteOutcome::kWritten);
  EXPECT_EQ(cloud->routeTarget(kTgwRtbB, kVip), kAttB);
  cloud->resetCalls();
  EXPECT_TRUE(apply("node-b").allRight());
  EXPECT_EQ(cloud->writeCount(), 0);
}

TEST_F(ApplyTest, PermissionFailureInOneRegionIsReportedOthersAreWritten) {
  cloud->setInterceptor([](const FakeCall& c) -> std::optional<Error> {
    if (c.mutating && c.region == "us-west-2") {
      return fakeAwsError(ErrorCategory::kPermission, "UnauthorizedOperation",
                          "You are not authorized to perform this operation.", 403);
    }
    return std::nullopt;
  });
  auto r = apply("node-b");
  EXPECT_FALSE(r.allRight());
  EXPECT_FALSE(r.homeRight());  // node-b's own tables are the ones that failed
  EXPECT_EQ(r.count(RouteOutcome::kWritten), 3);
  EXPECT_EQ(r.count(RouteOutcome::kFailed), 2);
  for (const char* table : {kRtbB1, kTgwRtbB}) {
    const auto& x = result(r, table);
    EXPECT_EQ(x.outcome, RouteOutcome::kFailed) << table;
    ASSERT_TRUE(x.error) << table;
    EXPECT_EQ(x.error->awsCode, "UnauthorizedOperation");
    EXPECT_EQ(x.error->requestId, "fake-request-id");
    EXPECT_THAT(x.detail, HasSubstr("failed"));
  }
  EXPECT_EQ(cloud->routeTarget(kRtbA1, kVip), kTgwE);
  EXPECT_EQ(cloud->routeTarget(kRtbB1, kVip), kTgwB);  // unchanged

  // A re-run with the permission fixed converges, writing only what is left.
  cloud->setInterceptor(nullptr);
  cloud->resetCalls();
  auto again = apply("node-b");
  EXPECT_TRUE(again.allRight());
  EXPECT_EQ(cloud->writeCount(), 2);
  expectNodeBActive(*cloud);
}

TEST_F(ApplyTest, TransientFailureConvergesOnRetry) {
  cloud->failNext("ReplaceTransitGatewayRoute",
                  fakeAwsError(ErrorCategory::kRetryable, "InternalError", "oops", 500), 1,
                  "us-east-1");
  // A deadline too short for a write retry: the failure is reported.
  auto first = apply("node-b", options(), Deadline::after(clock, 500ms));
  EXPECT_EQ(result(first, kTgwRtbE).outcome, RouteOutcome::kFailed);
  EXPECT_EQ(first.count(RouteOutcome::kWritten), 4);
  EXPECT_TRUE(first.homeRight());  // the failed route is a remote one
  cloud->resetCalls();
  auto second = apply("node-b");
  EXPECT_TRUE(second.allRight());
  EXPECT_EQ(cloud->writeCount(), 1);
  expectNodeBActive(*cloud);
}

// The client gives up after its own few attempts; the action's deadline
// (restore_timeout_s) decides how long a throttled write keeps being retried.
TEST_F(ApplyTest, ThrottledHomeWriteIsRetriedUntilItLandsWithinTheDeadline) {
  // The home retries' backoff moves the one fake clock every region shares
  // by 23 s at once: with the 20 s default the other region, idle in real
  // time, would be taken for silent.
  config.aws.remoteWaitS = 3600;
  cloud->failNext("ReplaceRoute",
                  fakeAwsError(ErrorCategory::kThrottled, "RequestLimitExceeded", "slow", 503), 5,
                  "us-west-2");
  auto before = clock->monotonic();
  auto report = apply("node-b", options(), Deadline::after(clock, 60s));
  EXPECT_EQ(result(report, kRtbB1).outcome, RouteOutcome::kWritten);
  EXPECT_TRUE(report.allRight());
  expectNodeBActive(*cloud);
  // Backoff 1+2+4+8+8 s (no jitter source) on the fake clock, not in real time.
  EXPECT_GE(clock->monotonic() - before, 23s);
  EXPECT_LT(clock->monotonic() - before, 60s);
}

TEST_F(ApplyTest, WriteRetriesStopAtTheDeadline) {
  cloud->failNext("ReplaceRoute",
                  fakeAwsError(ErrorCategory::kThrottled, "RequestLimitExceeded", "slow", 503),
                  1000, "us-west-2");
  auto report = apply("node-b", options(), Deadline::after(clock, 20s));
  const auto& r = result(report, kRtbB1);
  EXPECT_EQ(r.outcome, RouteOutcome::kFailed);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->awsCode, "RequestLimitExceeded");
  EXPECT_FALSE(report.homeRight());
}

TEST_F(ApplyTest, PermissionFailureIsNotRetried) {
  cloud->failNext("ReplaceRoute",
                  fakeAwsError(ErrorCategory::kPermission, "UnauthorizedOperation", "no", 403),
                  1000, "us-west-2");
  auto before = clock->monotonic();
  auto report = apply("node-b", options(), Deadline::after(clock, 60s));
  EXPECT_EQ(result(report, kRtbB1).outcome, RouteOutcome::kFailed);
  int replaceCalls = 0;
  for (const auto& c : cloud->calls())
    replaceCalls += c.action == "ReplaceRoute" && c.resource == kRtbB1;
  EXPECT_EQ(replaceCalls, 1);
  EXPECT_LT(clock->monotonic() - before, 1s);
}

TEST_F(ApplyTest, DeadlineLeavesUnpacedRoutesUnknownHomeFirst) {
  // Drift in us-east-1 only: three writes for node-a, one token per second.
  for (auto* t : {kRtbA1, kRtbA2, kRtbC1}) {
    cloud->removeRoute(t, kVip);
    cloud->addRoute(t, kVip, "igw-e0000001");
  }
  auto o = options();
  o.bucket = {1, 1};
  o.concurrency = 1;
  auto r = apply("node-a", o, Deadline::after(clock, 1500ms));
  EXPECT_EQ(result(r, kRtbA1).outcome, RouteOutcome::kWritten);
  EXPECT_EQ(result(r, kRtbA2).outcome, RouteOutcome::kWritten);
  const auto& c1 = result(r, kRtbC1);  // the client table comes last
  EXPECT_EQ(c1.outcome, RouteOutcome::kUnknown);
  ASSERT_TRUE(c1.error);
  EXPECT_EQ(c1.error->category, ErrorCategory::kDeadlineExceeded);
  EXPECT_EQ(cloud->writeCount(), 2);
  EXPECT_EQ(cloud->routeTarget(kRtbC1, kVip), "igw-e0000001");
  EXPECT_TRUE(r.homeRight());
  EXPECT_FALSE(r.allRight());
  EXPECT_EQ(clock->totalSlept(), 1000ms);  // waited for the second token, not the third
}

TEST_F(ApplyTest, PacingSixtyWritesAtEc2RatesTakesTwoSecondsOfFakeTime) {
  for (int i = 0; i < 60; ++i) {
    auto id = fmt::format("rtb-c2{:06x}", i);
    cloud->addRouteTable("us-east-1", id, kVpcC);
    cloud->addRoute(id, kVip, "igw-e0000001");  // wrong: managed (holds a VIP route), replaced
  }
  rediscover();
  auto o = options();
  o.bucket = BucketSettings{50, 5};
  auto r = apply("node-a", o);
  EXPECT_TRUE(r.allRight());
  EXPECT_EQ(r.count(RouteOutcome::kWritten), 60);
  EXPECT_EQ(cloud->writeCount(), 60);
  // 50 from the burst, 10 more at 5 per second.
  EXPECT_EQ(r.elapsed.paced, 2000ms);
  EXPECT_GE(clock->totalSlept(), 2000ms);
  EXPECT_GE(r.elapsed.write, 2000ms);
  // 60 tables in one region: one read-back call.
  EXPECT_EQ(cloud->callCount("DescribeRouteTables", "us-east-1"), 2);
}

TEST_F(ApplyTest, HomeFirstWithinOneRegionUnderPacing) {
  // Remote tables in node-b's region that also need a write.
  cloud->addVpc("us-west-2", "vpc-b0000002", "10.22.0.0/16");
  cloud->addVpcAttachment("tgw-attach-b0000002", kTgwB, "vpc-b0000002");
  for (int i = 0; i < 4; ++i) {
    auto id = fmt::format("rtb-b2{:06x}", i);
    cloud->addRouteTable("us-west-2", id, "vpc-b0000002");
    cloud->addRoute(id, kVip, "igw-b0000001");
  }
  rediscover();
  auto planned = planFor(config, topo, "node-b", cloud->factory(), Deadline::none(clock));
  ASSERT_TRUE(planned);
  auto plan = planned->plan;
  std::reverse(plan.changes.begin(), plan.changes.end());
  auto o = options();
  o.concurrency = 1;
  cloud->resetCalls();
  auto r = applyPlan(plan, config.vip, cloud->factory(), Deadline::none(clock), o);
  EXPECT_TRUE(r.allRight());
  auto west = writesIn("us-west-2");
  ASSERT_EQ(west.size(), 6u);
  EXPECT_THAT(std::vector<std::string>(west.begin(), west.begin() + 2),
              ::testing::UnorderedElementsAre(kRtbB1, kTgwRtbB));
}

TEST_F(ApplyTest, InvariantRefusesANonVipDestinationWithoutCallingTheApi) {
  plan::Plan plan;
  plan.activeNode = "node-b";
  plan::RouteChange bad;
  bad.desired.tableKind = model::TableKind::kVpc;
  bad.desired.region = "us-west-2";
  bad.desired.tableId = kRtbB1;
  bad.desired.destination = model::parsePrefix("10.0.0.0/8").value();
  bad.desired.target = {model::TargetKind::kNetworkInterface, kEniB};
  bad.desired.role = plan::RouteRole::kNodeVpc;
  bad.kind = plan::ChangeKind::kReplace;
  plan.changes.push_back(bad);

  auto wrongTarget = bad;  // right destination, a TGW attachment in a VPC table
  wrongTarget.desired.destination = config.vip;
  wrongTarget.desired.target = {model::TargetKind::kTgwAttachment, kAttB};
  plan.changes.push_back(wrongTarget);

  auto eniInTgw = bad;
  eniInTgw.desired.tableKind = model::TableKind::kTgw;
  eniInTgw.desired.tableId = kTgwRtbB;
  eniInTgw.desired.destination = config.vip;
  eniInTgw.kind = plan::ChangeKind::kCreate;
  plan.changes.push_back(eniInTgw);

  auto r = applyPlan(plan, config.vip, cloud->factory(), Deadline::none(clock), options());
  EXPECT_EQ(cloud->totalCalls(), 0);
  ASSERT_EQ(r.routes.size(), 3u);
  for (const auto& x : r.routes) {
    EXPECT_EQ(x.outcome, RouteOutcome::kFailed);
    ASSERT_TRUE(x.error);
    EXPECT_EQ(x.error->category, ErrorCategory::kInternal);
  }
  EXPECT_THAT(r.routes[0].detail, HasSubstr("not the VIP host prefix"));
  EXPECT_EQ(cloud->routeTarget(kRtbB1, "10.0.0.0/8"), kTgwB);
  EXPECT_EQ(invariantViolation(wrongTarget, config.vip).empty(), false);
}

TEST_F(ApplyTest, DryRunWritesNothing) {
  auto o = options();
  o.dryRun = true;
  auto r = apply("node-b", o);
  EXPECT_EQ(r.count(RouteOutcome::kSkipped), 5);
  EXPECT_EQ(cloud->writeCount(), 0);
  EXPECT_EQ(cloud->routeTarget(kRtbB1, kVip), kTgwB);
  EXPECT_THAT(result(r, kRtbB1).detail, HasSubstr("would replace"));
}

TEST_F(ApplyTest, Ec2DryRunChecksPermissionsWithoutChanging) {
  auto o = options();
  o.ec2DryRun = true;
  cloud->setInterceptor([](const FakeCall& c) -> std::optional<Error> {
    if (c.mutating && c.region == "us-west-2") {
      return fakeAwsError(ErrorCategory::kPermission, "UnauthorizedOperation", "no", 403);
    }
    return std::nullopt;
  });
  auto r = apply("node-b", o);
  EXPECT_EQ(r.count(RouteOutcome::kSkipped), 3);
  EXPECT_EQ(r.count(RouteOutcome::kFailed), 2);
  for (const auto& c : cloud->calls())
    if (c.mutating) {
      EXPECT_TRUE(c.dryRun) << c.action;
    }
  EXPECT_EQ(cloud->routeTarget(kRtbA1, kVip), kEniA);
  EXPECT_THAT(result(r, kRtbA1).detail, HasSubstr("permitted"));
  // The denial is EC2's verdict, reported with its code, and not retried.
  const auto& denied = result(r, kRtbB1);
  EXPECT_EQ(denied.outcome, RouteOutcome::kFailed);
  ASSERT_TRUE(denied.error);
  EXPECT_EQ(denied.error->awsCode, "UnauthorizedOperation");
  EXPECT_THAT(denied.detail, HasSubstr("refused"));
  EXPECT_EQ(cloud->callCount("ReplaceRoute", "us-west-2"), 1);
}

TEST_F(ApplyTest, StaleAnswerOfAnyCodeMakesTheOtherVerbTheRetry) {
  // IncorrectState is kStale like InvalidRoute.NotFound: the decision is the
  // category's, not the code's.
  bool answered = false;
  cloud->setInterceptor([&](const FakeCall& c) -> std::optional<Error> {
    if (c.action == "ReplaceRoute" && c.resource == kRtbB1 && !answered) {
      answered = true;
      cloud->removeRoute(kRtbB1, kVip);  // the route was on its way out
      return fakeAwsError(ErrorCategory::kStale, "IncorrectState", "the route is being deleted");
    }
    return std::nullopt;
  });
  auto r = apply("node-b");
  EXPECT_TRUE(r.allRight());
  EXPECT_EQ(result(r, kRtbB1).action, "CreateRoute");
  EXPECT_EQ(cloud->callCount("CreateRoute", "us-west-2"), 1);
  EXPECT_EQ(cloud->routeTarget(kRtbB1, kVip), kEniB);
}

TEST_F(ApplyTest, NotFoundOfTheTableIsNotARaceAndKeepsTheVerb) {
  cloud->setInterceptor([&](const FakeCall& c) -> std::optional<Error> {
    if (c.action == "ReplaceRoute" && c.resource == kRtbB1) {
      return fakeAwsError(ErrorCategory::kNotFound, "InvalidRouteTableID.NotFound", "gone");
    }
    return std::nullopt;
  });
  auto r = apply("node-b");
  EXPECT_EQ(result(r, kRtbB1).outcome, RouteOutcome::kFailed);
  EXPECT_EQ(result(r, kRtbB1).error->category, ErrorCategory::kNotFound);
  EXPECT_EQ(cloud->callCount("CreateRoute"), 0);
}

TEST_F(ApplyTest, FactoryErrorReachesEveryRouteOfTheRegionWithItsCategory) {
  auto planned = planFor(config, topo, "node-b", cloud->factory(), Deadline::none(clock));
  ASSERT_TRUE(planned) << planned.error().describe();
  cloud->failFactory("us-west-2",
                     Error{ErrorCategory::kInvalidConfig, "bad endpoint for us-west-2", {}, {}, 0});
  auto r = applyPlan(planned->plan, config.vip, cloud->factory(), Deadline::none(clock), options());
  for (const char* table : {kRtbB1, kTgwRtbB}) {
    const auto& x = result(r, table);
    EXPECT_EQ(x.outcome, RouteOutcome::kFailed) << table;
    ASSERT_TRUE(x.error) << table;
    EXPECT_EQ(x.error->category, ErrorCategory::kInvalidConfig) << table;
    EXPECT_EQ(x.error->message, "bad endpoint for us-west-2") << table;
  }
  EXPECT_EQ(cloud->routeTarget(kRtbA1, kVip), kTgwE);  // the other region is written
}

TEST_F(ApplyTest, FactoryErrorDuringTheReadKeepsItsCategory) {
  cloud->failFactory("us-west-2",
                     Error{ErrorCategory::kInvalidConfig, "bad endpoint for us-west-2", {}, {}, 0});
  auto r = apply("node-b");
  const auto& x = result(r, kRtbB1);
  ASSERT_TRUE(x.error);
  EXPECT_EQ(x.error->category, ErrorCategory::kInvalidConfig);
}

TEST(CallCounterTest, CountingFactoryKeepsTheFactoryError) {
  auto cloud = twoRegions();
  cloud->failFactory("us-west-2", Error{ErrorCategory::kInvalidConfig, "no endpoint", {}, {}, 0});
  auto counter = std::make_shared<ApiCallCounter>();
  auto counting = countingFactory(cloud->factory(), counter);
  auto failed = apiFor(counting, "us-west-2");
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().category, ErrorCategory::kInvalidConfig);
  EXPECT_EQ(failed.error().message, "no endpoint");

  auto ok = apiFor(counting, "us-east-1");
  ASSERT_TRUE(ok);
  ASSERT_TRUE((*ok)->describeVpcs({}));
  EXPECT_EQ(counter->snapshot().count("DescribeVpcs"), 1);

  // No factory, or a client that is null: a bug of ours, kInternal.
  EXPECT_EQ(apiFor(Ec2Factory{}, "us-east-1").error().category, ErrorCategory::kInternal);
  Ec2Factory nullClient = [](const std::string&) -> Result<std::shared_ptr<aws::Ec2Api>> {
    return std::shared_ptr<aws::Ec2Api>{};
  };
  EXPECT_EQ(apiFor(nullClient, "us-east-1").error().category, ErrorCategory::kInternal);
  EXPECT_EQ(apiFor(countingFactory(nullClient, counter), "us-east-1").error().category,
            ErrorCategory::kInternal);
}

TEST_F(ApplyTest, ReadBackPollsUntilRoutesAreActive) {
  cloud->setWrittenState("pending");
  cloud->setInterceptor([&](const FakeCall& c) -> std::optional<Error> {
    // The routes become active once some time has passed after the writes.
    if (!c.mutating && clock->totalSlept() >= 250ms) {
      for (auto* t : {kRtbA1, kRtbA2, kRtbB1, kTgwRtbE, kTgwRtbB})
        cloud->setRouteState(t, kVip, "active");
    }
    return std::nullopt;
  });
  auto r = apply("node-b");
  EXPECT_TRUE(r.allRight());
  EXPECT_EQ(r.count(RouteOutcome::kWritten), 5);
  // One poll interval (no jitter source) in each of the two regions, whose
  // read-backs run side by side on the shared fake clock.
  EXPECT_GE(clock->totalSlept(), 250ms);
  EXPECT_LE(clock->totalSlept(), 500ms);
  EXPECT_GE(r.elapsed.verify, 250ms);
  EXPECT_LE(r.elapsed.verify, 500ms);
}

// A remote region whose write stalls until the deadline must not leave the
// home routes unconfirmed: each region reads back its own writes as soon as
// they are done. (Before, the read-back of every region waited for the
// slowest region's writes and got whatever time their last retry left.)
TEST_F(ApplyTest, HomeReadBackDoesNotWaitForAStalledRemoteRegion) {
  auto deadline = Deadline::after(clock, 20s);
  std::promise<void> homeReadBack;
  auto homeReadBackSeen = homeReadBack.get_future().share();
  std::atomic<int> homeWrites{0};
  std::atomic<int> homeReads{0};
  cloud->setInterceptor([&](const FakeCall& c) -> std::optional<Error> {
    if (c.region == "us-west-2" && c.mutating) ++homeWrites;
    // Both home tables' read-back calls made (one each): let the stall go on.
    if (c.region == "us-west-2" && !c.mutating && homeWrites == 2 && ++homeReads == 2)
      homeReadBack.set_value();
    if (c.region == "us-east-1" && c.action == "ReplaceTransitGatewayRoute") {
      // Held until the home routes were read back (bounded, so that a
      // read-back that waits for this write fails the test instead of
      // hanging it), then stalls past the deadline.
      homeReadBackSeen.wait_for(10s);
      clock->advance(21s);
      return fakeAwsError(ErrorCategory::kRetryable, "RequestTimeout", "stalled", 0);
    }
    return std::nullopt;
  });
  auto r = apply("node-b", options(), deadline);
  EXPECT_EQ(result(r, kRtbB1).outcome, RouteOutcome::kWritten);
  EXPECT_EQ(result(r, kTgwRtbB).outcome, RouteOutcome::kWritten);
  EXPECT_TRUE(r.homeRight());
  EXPECT_NE(result(r, kTgwRtbE).outcome, RouteOutcome::kWritten);
  EXPECT_FALSE(r.allRight());
}

TEST_F(ApplyTest, ReadBackThatNeverSettlesIsUnknownAtTheDeadline) {
  cloud->setWrittenState("blackhole");
  auto o = options();
  o.random = std::make_shared<FixedRandom>(0.5);
  auto r = apply("node-b", o, Deadline::after(clock, 5000ms));
  EXPECT_EQ(r.count(RouteOutcome::kUnknown), 5);
  EXPECT_EQ(cloud->writeCount(), 5);
  const auto& b1 = result(r, kRtbB1);
  EXPECT_THAT(b1.detail, HasSubstr("blackhole"));
  ASSERT_TRUE(b1.error);
  EXPECT_EQ(b1.error->category, ErrorCategory::kDeadlineExceeded);
  EXPECT_LE(clock->totalSlept(), 5000ms);
  EXPECT_GT(clock->totalSlept(), 1000ms);
  EXPECT_FALSE(r.homeRight());
}

// A concurrent restore on node-a rewrites node-b's just-written home route
// for node-a: the read-back sees a target that serves another node and stops
// polling that route at once (no wait for the deadline), naming the node.
TEST_F(ApplyTest, ReadBackStopsAtOnceWhenAnotherNodeTookTheRouteOver) {
  // Drifted before the failover, so what the read-back sees is new.
  cloud->removeRoute(kRtbB1, kVip);
  cloud->addRoute(kRtbB1, kVip, "igw-b0000001");
  std::atomic<bool> overwritten{false};
  cloud->setInterceptor([&](const FakeCall& c) -> std::optional<Error> {
    if (c.region == "us-west-2" && !c.mutating && c.action == "DescribeRouteTables" &&
        cloud->routeTarget(kRtbB1, kVip) == std::optional<std::string>(kEniB) &&
        !overwritten.exchange(true)) {
      cloud->removeRoute(kRtbB1, kVip);
      cloud->addRoute(kRtbB1, kVip, kTgwB);  // node-b's VPC as node-a's client
    }
    return std::nullopt;
  });
  auto r = apply("node-b", options(), Deadline::after(clock, 300s));
  ASSERT_TRUE(overwritten);
  const auto& b1 = result(r, kRtbB1);
  EXPECT_EQ(b1.outcome, RouteOutcome::kFailed);
  EXPECT_EQ(b1.takenOverBy, "node-a");
  EXPECT_THAT(b1.detail, HasSubstr("taken over by node-a"));
  ASSERT_TRUE(b1.error);
  EXPECT_EQ(b1.error->category, ErrorCategory::kConflict);
  EXPECT_FALSE(r.homeRight());
  EXPECT_EQ(result(r, kTgwRtbB).outcome, RouteOutcome::kWritten);
  EXPECT_EQ(clock->totalSlept(), 0ms);  // not one poll interval
}

// What the apply replaced, read again, may be a read that has not caught up
// with the write (EC2's reads are eventually consistent): polled on, not
// taken for a takeover.
TEST_F(ApplyTest, ReadBackOfThePreviousValueIsPolledOnNotATakeover) {
  // Before the failover, node-b's home VPC table points at its TGW (node-a's).
  ASSERT_EQ(cloud->routeTarget(kRtbB1, kVip), std::optional<std::string>(kTgwB));
  std::atomic<bool> written{false};
  std::atomic<int> staleReads{0};
  cloud->setInterceptor([&](const FakeCall& c) -> std::optional<Error> {
    if (c.mutating && c.resource == kRtbB1) written = true;
    if (written && !c.mutating && c.region == "us-west-2" && c.action == "DescribeRouteTables") {
      // Two reads show the value before the write, then the write.
      cloud->removeRoute(kRtbB1, kVip);
      cloud->addRoute(kRtbB1, kVip, ++staleReads <= 2 ? kTgwB : kEniB);
    }
    return std::nullopt;
  });
  auto r = apply("node-b", options(), Deadline::after(clock, 300s));
  EXPECT_EQ(staleReads, 3);
  const auto& b1 = result(r, kRtbB1);
  EXPECT_EQ(b1.outcome, RouteOutcome::kWritten);
  EXPECT_TRUE(b1.takenOverBy.empty());
  EXPECT_TRUE(r.allRight());
  EXPECT_GT(clock->totalSlept(), 0ms);  // it polled
}

// Two TGWs peered within one region: a failover each way writes every TGW
// table's VIP route to its own side's attachment (the fake, like EC2, refuses
// the other side's id), and a second apply writes nothing.
TEST(ApplyIntraRegion, FailoverBothWaysTargetsEachTgwsOwnSide) {
  auto cloud = sameRegion();
  auto clock = std::make_shared<FakeClock>();
  auto config = parseOrDie(baseConfigText({}, "us-east-1"));
  auto topo = discoverOrDie(cloud, config, clock);
  auto run = [&](const std::string& node) {
    auto report = applyFor(config, topo, node, cloud->factory(), Deadline::none(clock),
                           applyOptionsFrom(config));
    EXPECT_TRUE(report) << report.error().describe();
    if (report) {
      EXPECT_TRUE(report->allRight()) << node;
    }
  };
  run("node-b");
  EXPECT_EQ(cloud->routeTarget(kTgwRtbE, kVip), kPeerEF_E);
  EXPECT_EQ(cloud->routeTarget(kTgwRtbF, kVip), kAttB);
  EXPECT_EQ(cloud->routeTarget(kTgwRtbG, kVip), kPeerGE_G);
  EXPECT_EQ(cloud->routeTarget(kRtbA1, kVip), kTgwE);
  EXPECT_EQ(cloud->routeTarget(kRtbB1, kVip), kEniB);
  cloud->resetCalls();
  run("node-b");
  EXPECT_EQ(cloud->writeCount(), 0);
  run("node-a");
  EXPECT_EQ(cloud->routeTarget(kTgwRtbE, kVip), kAttA);
  EXPECT_EQ(cloud->routeTarget(kTgwRtbF, kVip), kPeerEF_F);
  EXPECT_EQ(cloud->routeTarget(kTgwRtbG, kVip), kPeerGE_G);
  EXPECT_EQ(cloud->routeTarget(kRtbA1, kVip), kEniA);
  EXPECT_EQ(cloud->routeTarget(kRtbB1, kVip), kTgwF);
  EXPECT_EQ(cloud->routeTarget(kRtbC1, kVip), kTgwE);
  EXPECT_EQ(cloud->routeTarget(kRtbD1, kVip), kTgwG);
}

}  // namespace
}  // namespace tgwark::engine
