#include "engine/scope_check.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/engine.h"
#include "support/fake_clock.h"
#include "support/worlds.h"

namespace tgwark::engine {
namespace {

using namespace tgwark::testing;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct ScopeCheckTest : ::testing::Test {
  std::shared_ptr<FakeCloud> cloud = threeRegions();
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  model::Config config = parseOrDie(baseConfigText());
  model::Topology stored;
  void SetUp() override { stored = discoverOrDie(cloud, config, clock); }
  ScopeCheckReport check() {
    ScopeCheckOptions options;
    options.homeRegion = "us-west-2";
    return checkScope(config, stored, cloud->factory(), Deadline::none(clock), options);
  }
};

TEST_F(ScopeCheckTest, AnUnchangedScopeCostsThreeDescribesPerRegionAndNoDiscovery) {
  auto report = check();
  EXPECT_FALSE(report.changed()) << ::testing::PrintToString(report.changes);
  EXPECT_TRUE(report.complete());
  EXPECT_EQ(report.regionsChecked, 3);
  for (const auto* region : {"us-east-1", "us-west-2", "eu-west-1"}) {
    EXPECT_EQ(cloud->callCount("DescribeTransitGatewayAttachments", region), 1) << region;
    EXPECT_EQ(cloud->callCount("DescribeTransitGatewayRouteTables", region), 1) << region;
    EXPECT_EQ(cloud->callCount("DescribeRouteTables", region), 1) << region;
  }
  EXPECT_EQ(cloud->totalCalls(), 9);
  EXPECT_EQ(cloud->callCount("DescribeNetworkInterfaces"), 0);
  EXPECT_EQ(cloud->callCount("DescribeTransitGatewayPeeringAttachments"), 0);
  EXPECT_EQ(cloud->writeCount(), 0);
}

TEST_F(ScopeCheckTest, ANodeVpcReattachedWithANewAttachmentIdIsAChange) {
  cloud->removeAttachment(kAttB);
  cloud->addVpcAttachment("tgw-attach-b0000002", kTgwB, kVpcB);
  cloud->associate("tgw-attach-b0000002", kTgwRtbB);
  auto report = check();
  EXPECT_THAT(report.changes, Contains(HasSubstr("tgw-attach-b0000002 of tgw-b0000001 is new")));
  EXPECT_THAT(report.changes, Contains(HasSubstr(std::string(kAttB) + " of tgw-b0000001 is gone")));
}

TEST_F(ScopeCheckTest, AReplacedPeeringIsAChangeOnBothSides) {
  cloud->removeAttachment(kPeerBD);
  cloud->addPeering("tgw-attach-f0000009", kTgwB, kTgwD);
  auto report = check();
  EXPECT_THAT(report.changes, Contains(AllOf(HasSubstr("us-west-2"), HasSubstr("f0000009"))));
  EXPECT_THAT(report.changes, Contains(AllOf(HasSubstr("eu-west-1"), HasSubstr("f0000009"))));
  EXPECT_THAT(report.changes, Contains(HasSubstr("f0000002 of tgw-d0000001 is gone")));
}

TEST_F(ScopeCheckTest, AMovedAssociationIsAChange) {
  cloud->addTgwRouteTable("tgw-rtb-b0000002", kTgwB);
  cloud->associate(kAttB, "tgw-rtb-b0000002");
  auto report = check();
  EXPECT_THAT(report.changes, Contains(HasSubstr("associated with tgw-rtb-b0000002")));
  EXPECT_THAT(report.changes, Contains(HasSubstr("TGW route table tgw-rtb-b0000002 is new")));
}

TEST_F(ScopeCheckTest, TablesAddedAndGoneAreChanges) {
  cloud->addRouteTable("us-west-2", "rtb-b0000002", kVpcB);
  cloud->removeRouteTable(kRtbC2);
  cloud->removeRouteTable(kTgwRtbD);
  auto report = check();
  EXPECT_THAT(report.changes,
              Contains(HasSubstr("route table rtb-b0000002 of vpc-b0000001 is new")));
  EXPECT_THAT(report.changes, Contains(HasSubstr("route table rtb-c0000002 is gone")));
  EXPECT_THAT(report.changes, Contains(HasSubstr("TGW route table tgw-rtb-d0000001 is gone")));
}

TEST_F(ScopeCheckTest, AClientTableThatNowHoldsTheVipRouteIsAChangeOneThatLostItIsNot) {
  cloud->addRoute(kRtbC2, kVip, kTgwE);  // rtb-c2 was not managed
  cloud->removeRoute(kRtbC1, kVip);      // rtb-c1 stays managed (reported missing by the read)
  auto report = check();
  ASSERT_EQ(report.changes.size(), 1u) << ::testing::PrintToString(report.changes);
  EXPECT_THAT(report.changes[0], HasSubstr("rtb-c0000002 now holds the VIP route"));
}

TEST_F(ScopeCheckTest, ARegionThatCannotBeCheckedIsUnverifiedAndTheOthersStillAre) {
  cloud->failFactory("us-east-1", Error{ErrorCategory::kRetryable, "down", "Unavailable", {}, 503});
  cloud->addRouteTable("us-west-2", "rtb-b0000002", kVpcB);
  auto report = check();
  ASSERT_EQ(report.unverified.size(), 1u);
  EXPECT_TRUE(report.unverified.contains("us-east-1"));
  EXPECT_FALSE(report.complete());
  EXPECT_THAT(report.changes, Contains(HasSubstr("rtb-b0000002")));
  EXPECT_EQ(cloud->callCount("DescribeRouteTables", "us-west-2"), 1);
}

TEST_F(ScopeCheckTest, ARemoteRegionPastItsOwnDeadlineIsUnverifiedTheHomeRegionIsChecked) {
  ScopeCheckOptions options;
  options.homeRegion = "us-west-2";
  options.remoteDeadline = Deadline::after(clock, std::chrono::milliseconds(0));
  auto report = checkScope(config, stored, cloud->factory(),
                           Deadline::after(clock, std::chrono::seconds(60)), options);
  EXPECT_TRUE(report.unverified.contains("us-east-1"));
  EXPECT_TRUE(report.unverified.contains("eu-west-1"));
  EXPECT_FALSE(report.unverified.contains("us-west-2"));
  EXPECT_EQ(cloud->callCount("DescribeTransitGatewayAttachments", "us-west-2"), 1);
  EXPECT_EQ(cloud->callCount("DescribeTransitGatewayAttachments", "us-east-1"), 0);
}

// The narrow IAM policy without DescribeTransitGatewayAttachments: the VPC
// and peering attachment calls stand in (associations are not compared).
TEST_F(ScopeCheckTest, WithoutDescribeTransitGatewayAttachmentsTheAttachmentCallsStandIn) {
  cloud->setInterceptor([](const FakeCall& call) -> std::optional<Error> {
    if (call.action != "DescribeTransitGatewayAttachments") return std::nullopt;
    return fakeAwsError(ErrorCategory::kPermission, "UnauthorizedOperation", "not permitted", 403);
  });
  auto unchanged = check();
  EXPECT_FALSE(unchanged.changed()) << ::testing::PrintToString(unchanged.changes);
  EXPECT_TRUE(unchanged.complete());
  EXPECT_EQ(cloud->callCount("DescribeTransitGatewayVpcAttachments", "us-west-2"), 1);
  EXPECT_EQ(cloud->callCount("DescribeTransitGatewayPeeringAttachments", "us-west-2"), 1);

  cloud->removeAttachment(kPeerBD);
  cloud->addPeering("tgw-attach-f0000009", kTgwB, kTgwD);
  cloud->removeAttachment(kAttB);
  cloud->addVpcAttachment("tgw-attach-b0000002", kTgwB, kVpcB);
  auto changed = check();
  EXPECT_THAT(changed.changes, Contains(AllOf(HasSubstr("eu-west-1"), HasSubstr("f0000009"))));
  EXPECT_THAT(changed.changes, Contains(HasSubstr("tgw-attach-b0000002 of tgw-b0000001 is new")));
  EXPECT_THAT(changed.changes,
              Contains(HasSubstr(std::string(kAttB) + " of tgw-b0000001 is gone")));
}

TEST_F(ScopeCheckTest, ListedTablesAreNotListedAgainOnlyAttachmentsAreChecked) {
  config = parseOrDie(
      baseConfigText("vpc_route_tables = [\"rtb-a0000001\", \"rtb-b0000001\"]\n"
                     "tgw_route_tables = [\"tgw-rtb-e0000001\", \"tgw-rtb-b0000001\"]\n"));
  stored = discoverOrDie(cloud, config, clock);
  auto report = check();
  EXPECT_FALSE(report.changed()) << ::testing::PrintToString(report.changes);
  EXPECT_EQ(cloud->callCount("DescribeRouteTables"), 0);
  EXPECT_EQ(cloud->callCount("DescribeTransitGatewayRouteTables"), 0);
  EXPECT_GE(cloud->callCount("DescribeTransitGatewayAttachments"), 1);
}

// The state read and the check in the same round, sharing their
// DescribeRouteTables: one per region serves both, and the check still sees
// a table added, a table gone and a client table that now holds the VIP route.
struct SharedReadTest : ScopeCheckTest {
  std::shared_ptr<SharedVpcRead> shared;
  StateRead read;
  ScopeCheckReport checkSharing(bool stateRead = true) {
    shared = sharedVpcReadFor(config, stored);
    EXPECT_TRUE(shared);
    if (!shared) return {};
    ScopeCheckOptions options;
    options.homeRegion = "us-west-2";
    options.sharedVpcRead = shared;
    ScopeCheckReport report;
    std::thread checker([&] {
      report = checkScope(config, stored, cloud->factory(), Deadline::none(clock), options);
    });
    if (stateRead) {
      ReadOptions ro;
      ro.sharedVpcRead = shared;
      read = readStateDetailed(stored, config.vip, cloud->factory(), Deadline::none(clock), ro);
    }
    shared->close();
    checker.join();
    return report;
  }
};

TEST_F(SharedReadTest, OneDescribeRouteTablesPerRegionServesTheReadAndTheCheck) {
  cloud->addRouteTable("us-west-2", "rtb-b0000002", kVpcB);
  cloud->removeRouteTable(kRtbC1);       // managed
  cloud->addRoute(kRtbC2, kVip, kTgwE);  // not managed
  auto report = checkSharing();
  for (const auto* region : {"us-east-1", "us-west-2", "eu-west-1"})
    EXPECT_EQ(cloud->callCount("DescribeRouteTables", region), 1) << region;
  EXPECT_THAT(report.changes,
              Contains(HasSubstr("route table rtb-b0000002 of vpc-b0000001 is new")));
  EXPECT_THAT(report.changes, Contains(HasSubstr("route table rtb-c0000001 is gone")));
  EXPECT_THAT(report.changes, Contains(HasSubstr("rtb-c0000002 now holds the VIP route")));
  EXPECT_EQ(report.changes.size(), 3u) << ::testing::PrintToString(report.changes);
  EXPECT_TRUE(report.complete());
  // The read keeps only the managed tables, and says which one is gone.
  const auto* gone = read.state.find(kRtbC1);
  ASSERT_NE(gone, nullptr);
  EXPECT_FALSE(gone->known);
  ASSERT_TRUE(read.errors.contains(kRtbC1));
  EXPECT_EQ(read.errors.at(kRtbC1).category, ErrorCategory::kNotFound);
  EXPECT_EQ(read.state.find(kRtbC2), nullptr);
  EXPECT_EQ(read.state.find("rtb-b0000002"), nullptr);
  const auto* a1 = read.state.find(kRtbA1);
  ASSERT_NE(a1, nullptr);
  ASSERT_TRUE(a1->known && a1->vipRoute);
  EXPECT_EQ(a1->vipRoute->target.id, kEniA);
  EXPECT_EQ(read.errors.size(), 1u);
}

TEST_F(SharedReadTest, ARegionTheStateReadDidNotReadIsCheckedByTheCheckItself) {
  cloud->addRouteTable("us-west-2", "rtb-b0000002", kVpcB);
  auto report = checkSharing(/*stateRead=*/false);
  for (const auto* region : {"us-east-1", "us-west-2", "eu-west-1"})
    EXPECT_EQ(cloud->callCount("DescribeRouteTables", region), 1) << region;
  EXPECT_THAT(report.changes,
              Contains(HasSubstr("route table rtb-b0000002 of vpc-b0000001 is new")));
  EXPECT_TRUE(report.complete());
}

TEST_F(SharedReadTest, AStateReadThatFailedLeavesTheRegionUnverifiedNotChanged) {
  cloud->failNext("DescribeRouteTables",
                  Error{ErrorCategory::kRetryable, "down", "Unavailable", {}, 503}, 1000,
                  "us-east-1");
  auto report = checkSharing();
  EXPECT_EQ(cloud->callCount("DescribeRouteTables", "us-west-2"), 1);
  ASSERT_TRUE(report.unverified.contains("us-east-1"));
  EXPECT_FALSE(report.changed()) << ::testing::PrintToString(report.changes);
  ASSERT_TRUE(read.errors.contains(kRtbA1));
  EXPECT_EQ(read.errors.at(kRtbA1).category, ErrorCategory::kRetryable);
  EXPECT_TRUE(read.state.find(kRtbB1)->known);
}

TEST_F(SharedReadTest, ListedTablesShareNothing) {
  auto listed = parseOrDie(baseConfigText("vpc_route_tables = [\"rtb-a0000001\"]\n"));
  EXPECT_EQ(sharedVpcReadFor(listed, stored), nullptr);
}

// The home region's writes start as soon as the home read is in: a remote
// region whose read does not answer until a home write arrived does not hold
// them up (a pipeline that read every region first would never write).
TEST(ApplyPipelineTest, HomeWritesDoNotWaitForASlowRemoteRead) {
  auto cloud = twoRegions();
  auto clock = std::make_shared<FakeClock>();
  auto config = parseOrDie(baseConfigText());
  auto topo = discoverOrDie(cloud, config, clock);
  std::mutex mu;
  std::condition_variable cv;
  bool homeWritten = false;
  bool remoteWaited = false;
  cloud->setInterceptor([&](const FakeCall& call) -> std::optional<Error> {
    std::unique_lock lock(mu);
    if (call.mutating && call.region == "us-west-2") {
      homeWritten = true;
      cv.notify_all();
    }
    if (!call.mutating && call.region == "us-east-1" && !remoteWaited) {
      remoteWaited = true;
      // Bounded so a broken pipeline fails the test instead of hanging it.
      if (!cv.wait_for(lock, std::chrono::seconds(20), [&] { return homeWritten; })) {
        return Error{ErrorCategory::kRetryable, "home writes never started", "Test", {}, 503};
      }
    }
    return std::nullopt;
  });
  auto report = applyFor(config, topo, "node-b", cloud->factory(), Deadline::none(clock),
                         applyOptionsFrom(config));
  ASSERT_TRUE(report) << report.error().describe();
  EXPECT_TRUE(report->homeRight());
  EXPECT_TRUE(report->allRight());
  EXPECT_EQ(cloud->routeTarget(kRtbB1, kVip), kEniB);
  EXPECT_EQ(cloud->routeTarget(kTgwRtbE, kVip), kPeerEB);
  // One report in plan order: home tables first.
  ASSERT_FALSE(report->routes.empty());
  EXPECT_TRUE(report->routes.front().change.desired.home());
}

TEST(ApplyPipelineTest, AShutWriteGateWritesNothing) {
  auto cloud = twoRegions();
  auto clock = std::make_shared<FakeClock>();
  auto config = parseOrDie(baseConfigText());
  auto topo = discoverOrDie(cloud, config, clock);
  int asked = 0;
  auto report = applyFor(config, topo, "node-b", cloud->factory(), Deadline::none(clock),
                         applyOptionsFrom(config), [&] {
                           ++asked;
                           return false;
                         });
  ASSERT_TRUE(report) << report.error().describe();
  EXPECT_EQ(asked, 1);
  EXPECT_EQ(cloud->writeCount(), 0);
  EXPECT_FALSE(report->homeRight());
  for (const auto& r : report->routes) {
    if (r.change.needsWrite()) {
      EXPECT_THAT(r.detail, HasSubstr("pre-flight")) << r.change.desired.tableId;
    }
  }
}

// A remote region that stalls, or only throttles, mid-write (its read
// answered) is given up on after remoteWait without an answer, not retried
// until the action's deadline; the home region keeps the whole deadline.
TEST(ApplyPipelineTest, ARemoteRegionSilentMidWriteIsGivenUpOnAfterRemoteWait) {
  for (const bool stall : {true, false}) {
    for (const bool bounded : {true, false}) {
      SCOPED_TRACE(stall ? "stalled" : "throttled to death");
      SCOPED_TRACE(bounded ? "remoteWait 5 s" : "no remoteWait");
      auto cloud = twoRegions();
      auto clock = std::make_shared<FakeClock>();
      auto config = parseOrDie(baseConfigText());
      auto topo = discoverOrDie(cloud, config, clock);
      std::atomic<int> remoteWrites{0};
      cloud->setInterceptor([&](const FakeCall& call) -> std::optional<Error> {
        if (!call.mutating || call.region != "us-east-1") return std::nullopt;
        ++remoteWrites;
        if (stall) {
          clock->advance(std::chrono::seconds(6));  // each attempt hangs 6 s, then times out
          return fakeAwsError(ErrorCategory::kRetryable, "Transport.Timeout", "stalled", 0);
        }
        clock->advance(std::chrono::milliseconds(200));
        return fakeAwsError(ErrorCategory::kThrottled, "RequestLimitExceeded", "slow down", 503);
      });
      auto options = applyOptionsFrom(config);
      options.remoteWait = bounded ? std::optional<Millis>(std::chrono::seconds(5)) : std::nullopt;
      auto report = applyFor(config, topo, "node-b", cloud->factory(),
                             Deadline::after(clock, std::chrono::seconds(120)), options);
      ASSERT_TRUE(report) << report.error().describe();
      EXPECT_FALSE(report->allRight());
      if (bounded) {
        EXPECT_TRUE(report->homeRight());
        EXPECT_LE(remoteWrites.load(), stall ? 4 : 12) << "no retry past 5 s of silence";
      } else {
        // (The home routes share the fake clock the remote stalls advance: not
        // judged here.)
        EXPECT_GT(remoteWrites.load(), stall ? 8 : 16) << "retried until the action's deadline";
      }
    }
  }
}

// A remote region that is slow but keeps answering is not given up on: the
// bound is on silence, not on how long its work takes (a region throttled at
// 50 %, or a first-time setup, can take longer than remote_wait_s).
TEST(ApplyPipelineTest, ARemoteRegionSlowButAnsweringKeepsTheWholeDeadline) {
  auto cloud = twoRegions();
  auto clock = std::make_shared<FakeClock>();
  auto config = parseOrDie(baseConfigText());
  auto topo = discoverOrDie(cloud, config, clock);
  std::atomic<int> remoteCalls{0};
  std::atomic<int> writes{0};
  cloud->setInterceptor([&](const FakeCall& call) -> std::optional<Error> {
    if (call.region != "us-east-1") return std::nullopt;
    // Every call there takes 1.5 s and every other write is throttled: the
    // region's work takes several times the 2 s remoteWait.
    clock->advance(std::chrono::milliseconds(1500));
    ++remoteCalls;
    if (call.mutating && ++writes % 2 == 0) {
      return fakeAwsError(ErrorCategory::kThrottled, "RequestLimitExceeded", "slow down", 503);
    }
    return std::nullopt;
  });
  auto options = applyOptionsFrom(config);
  options.remoteWait = std::chrono::seconds(2);
  options.writeRetryBase = std::chrono::milliseconds(100);
  options.pollInitial = std::chrono::milliseconds(100);
  auto report = applyFor(config, topo, "node-b", cloud->factory(),
                         Deadline::after(clock, std::chrono::seconds(300)), options);
  ASSERT_TRUE(report) << report.error().describe();
  for (const auto& r : report->routes)
    EXPECT_TRUE(r.right()) << r.change.desired.tableId << ": " << r.detail;
  EXPECT_EQ(cloud->routeTarget(kTgwRtbE, kVip), kPeerEB);
  EXPECT_GT(remoteCalls.load(), 3);
}

TEST(ApplyPipelineTest, ARemoteRegionDownLeavesOnlyItsTablesUnknown) {
  auto cloud = twoRegions();
  auto clock = std::make_shared<FakeClock>();
  auto config = parseOrDie(baseConfigText());
  auto topo = discoverOrDie(cloud, config, clock);
  cloud->failFactory("us-east-1", Error{ErrorCategory::kRetryable, "down", "Unavailable", {}, 503});
  auto report = applyFor(config, topo, "node-b", cloud->factory(), Deadline::none(clock),
                         applyOptionsFrom(config));
  ASSERT_TRUE(report) << report.error().describe();
  EXPECT_TRUE(report->homeRight());
  for (const auto& r : report->routes) {
    if (r.change.desired.region == "us-east-1") {
      EXPECT_EQ(r.outcome, RouteOutcome::kUnknown) << r.change.desired.tableId;
      ASSERT_TRUE(r.error);
      EXPECT_EQ(r.error->awsCode, "Unavailable");
    } else {
      EXPECT_TRUE(r.right()) << r.change.desired.tableId;
    }
  }
}

}  // namespace
}  // namespace tgwark::engine
