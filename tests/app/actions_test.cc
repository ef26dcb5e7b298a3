// The HA policy, unit-tested over a fake cloud: every action against every
// situation a cluster meets (healthy, home route wrong, remote route wrong,
// routes taken over by the other node, API unreachable, permission denied,
// bad configuration), asserting the verdict and what changed in the cloud.
#include "app/actions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>

#include "aws/aws_error.h"
#include "aws/ec2_xml.h"
#include "aws/http_client.h"
#include "support/fake_clock.h"
#include "support/fake_ec2.h"
#include "support/worlds.h"

namespace tgwark::app {
namespace {

using ::testing::HasSubstr;
using namespace tgwark::testing;  // NOLINT: the shared fake worlds

class ActionsTest : public ::testing::Test {
 protected:
  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
  std::shared_ptr<FakeCloud> cloud_ = twoRegions();  // node-a active

  std::unique_ptr<Context> contextFor(
      const std::string& node, const std::string& extraConfig = "create_missing = true\n",
      std::optional<std::chrono::milliseconds> actionTimeout = std::nullopt,
      std::optional<TopologyStore> store = std::nullopt) {
    ContextOptions options;
    options.actionTimeout = actionTimeout;
    options.store = std::move(store);
    options.config = parseOrDie(baseConfigText(extraConfig));
    options.configSource = ConfigSource{"test.toml", "test"};
    options.env = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
    options.nodeFlag = node;
    options.clock = clock_;
    options.ec2Factory = cloud_->factory();
    options.instanceId = []() -> Result<std::string> {
      return makeError(ErrorCategory::kNotFound, "no instance metadata in tests");
    };
    options.hostName = "";
    auto context = Context::create(std::move(options));
    EXPECT_TRUE(context) << context.error().describe();
    return context ? std::move(*context) : nullptr;
  }

  ActionOutcome run(Action action, const std::string& node = "node-a") {
    auto context = contextFor(node);
    return runAction(action, *context);
  }

  void failEveryCall(ErrorCategory category, const std::string& code) {
    cloud_->setInterceptor([category, code](const FakeCall&) -> std::optional<Error> {
      return fakeAwsError(category, code, "injected",
                          category == ErrorCategory::kPermission ? 403 : 503);
    });
  }

  // node-b restores: every route now serves node-b.
  void nodeBTakesOver() {
    auto outcome = run(Action::kRestore, "node-b");
    ASSERT_EQ(outcome.verdict, Verdict::kOk) << outcome.message;
    ASSERT_EQ(cloud_->routeTarget(kRtbB1, kVip), kEniB);
    cloud_->resetCalls();
  }
};

// ---- healthy ---------------------------------------------------------------------

TEST_F(ActionsTest, HealthyEveryActionSucceedsAndNothingIsWritten) {
  for (Action action : {Action::kRestore, Action::kQuickCheck, Action::kRecover, Action::kRemove}) {
    auto outcome = run(action);
    EXPECT_EQ(outcome.verdict, Verdict::kOk) << actionName(action) << ": " << outcome.message;
    EXPECT_EQ(outcome.action, action);
  }
  EXPECT_EQ(cloud_->writeCount(), 0) << "only the source/dest pre-flight read, never a write";
}

TEST_F(ActionsTest, RemoveNeverCallsAws) {
  auto outcome = run(Action::kRemove);
  EXPECT_EQ(outcome.verdict, Verdict::kOk);
  EXPECT_EQ(cloud_->totalCalls(), 0);
}

// ---- home route wrong ------------------------------------------------------------

TEST_F(ActionsTest, HomeBlackholeFailsQuickCheckWithoutWritingIt) {
  cloud_->setRouteState(kRtbA1, kVip, "blackhole");
  auto outcome = run(Action::kQuickCheck);
  EXPECT_EQ(outcome.verdict, Verdict::kFailed) << outcome.message;
  EXPECT_THAT(outcome.message, HasSubstr("1 home problem"));
  // quickCheck never repairs a home route: that is recover's decision.
  EXPECT_EQ(cloud_->routeState(kRtbA1, kVip), "blackhole");
}

TEST_F(ActionsTest, HomeBlackholeIsRepairedByRestoreAndByRecover) {
  for (Action action : {Action::kRestore, Action::kRecover}) {
    cloud_->setRouteState(kRtbA1, kVip, "blackhole");
    auto outcome = run(action);
    EXPECT_EQ(outcome.verdict, Verdict::kOk) << actionName(action) << ": " << outcome.message;
    EXPECT_EQ(cloud_->routeState(kRtbA1, kVip), "active") << actionName(action);
    EXPECT_EQ(cloud_->routeTarget(kRtbA1, kVip), kEniA) << actionName(action);
  }
}

TEST_F(ActionsTest, HomeRouteThatCannotBeWrittenFailsRestore) {
  cloud_->setRouteState(kRtbA1, kVip, "blackhole");
  cloud_->failNext("ReplaceRoute",
                   fakeAwsError(ErrorCategory::kPermission, "UnauthorizedOperation", "denied", 403),
                   100, "", kRtbA1);
  auto outcome = run(Action::kRestore);
  EXPECT_EQ(outcome.verdict, Verdict::kFailed) << outcome.message;
  EXPECT_THAT(outcome.message, HasSubstr("home routes not right"));
}

// ---- remote route wrong ----------------------------------------------------------

TEST_F(ActionsTest, RemoteDriftIsHealthyAndRepairedByQuickCheck) {
  cloud_->setRouteState(kRtbC1, kVip, "blackhole");
  auto outcome = run(Action::kQuickCheck);
  EXPECT_EQ(outcome.verdict, Verdict::kOk) << outcome.message;
  EXPECT_THAT(outcome.message, HasSubstr("repaired 1 of 1 remote route"));
  EXPECT_EQ(cloud_->routeState(kRtbC1, kVip), "active");
}

TEST_F(ActionsTest, ANodeWhoseHomeRoutesAreWrongRepairsNothingElsewhere) {
  // node-a's home table is blackholed and a remote table drifted: quickCheck
  // fails, and must not point the remote table at node-a (it may not be the
  // active node any more).
  cloud_->setRouteState(kRtbA1, kVip, "blackhole");
  cloud_->setRouteState(kRtbC1, kVip, "blackhole");
  auto outcome = run(Action::kQuickCheck);
  EXPECT_EQ(outcome.verdict, Verdict::kFailed) << outcome.message;
  EXPECT_EQ(cloud_->writeCount(), 0);
  EXPECT_EQ(cloud_->routeState(kRtbC1, kVip), "blackhole");
}

TEST_F(ActionsTest, APassiveNodeRepairsNothing) {
  // quickCheck run on node-b while node-a is active but one of node-a's home
  // routes is blackholed (so no takeover is recognised): node-b's own home
  // routes are not its own, so it fails without pulling any route to itself.
  cloud_->setRouteState(kRtbA2, kVip, "blackhole");
  auto outcome = run(Action::kQuickCheck, "node-b");
  EXPECT_EQ(outcome.verdict, Verdict::kFailed) << outcome.message;
  EXPECT_EQ(cloud_->writeCount(), 0);
  EXPECT_EQ(cloud_->routeTarget(kRtbA1, kVip), kEniA);
  EXPECT_EQ(cloud_->routeTarget(kRtbC1, kVip), kTgwE);
}

TEST_F(ActionsTest, RemoteRouteThatCannotBeWrittenDoesNotFailRestore) {
  cloud_->setRouteState(kRtbC1, kVip, "blackhole");
  cloud_->failNext("ReplaceRoute",
                   fakeAwsError(ErrorCategory::kPermission, "UnauthorizedOperation", "denied", 403),
                   100, "", kRtbC1);
  auto outcome = run(Action::kRestore);
  EXPECT_EQ(outcome.verdict, Verdict::kOk) << outcome.message;
  EXPECT_THAT(outcome.message, HasSubstr("1 failed"));
}

// ---- taken over ------------------------------------------------------------------

TEST_F(ActionsTest, QuickCheckAndRecoverYieldToANodeThatTookOver) {
  nodeBTakesOver();
  for (Action action : {Action::kQuickCheck, Action::kRecover}) {
    auto outcome = run(action);
    EXPECT_EQ(outcome.verdict, Verdict::kTakenOver)
        << actionName(action) << ": " << outcome.message;
    EXPECT_THAT(outcome.message, HasSubstr("taken over by node-b"));
  }
  EXPECT_EQ(cloud_->writeCount(), 0) << "a node that was taken over reclaims nothing";
  EXPECT_EQ(cloud_->routeTarget(kRtbB1, kVip), kEniB);
}

TEST_F(ActionsTest, RestoreTakesTheRoutesBackEvenAfterATakeover) {
  nodeBTakesOver();
  auto outcome = run(Action::kRestore);
  EXPECT_EQ(outcome.verdict, Verdict::kOk) << outcome.message;
  EXPECT_EQ(cloud_->routeTarget(kRtbA1, kVip), kEniA);
  EXPECT_EQ(cloud_->routeTarget(kRtbB1, kVip), kTgwB);
}

// Two restores at once: node-b's just-written home route is rewritten for
// node-a before node-b's read-back. node-b's restore finds out there and
// yields at once (taken over by node-a), instead of polling until its
// deadline and failing with "unknown".
TEST_F(ActionsTest, RestoreWhoseHomeRouteAConcurrentRestoreOverwroteIsTakenOver) {
  cloud_->removeRoute(kRtbB1, kVip);  // drifted: node-b's restore writes it
  cloud_->addRoute(kRtbB1, kVip, "igw-b0000001");
  std::atomic<bool> overwritten{false};
  cloud_->setInterceptor([&](const FakeCall& c) -> std::optional<Error> {
    if (!c.mutating && c.action == "DescribeRouteTables" && c.region == "us-west-2" &&
        cloud_->routeTarget(kRtbB1, kVip) == std::optional<std::string>(kEniB) &&
        !overwritten.exchange(true)) {
      // node-a's restore, writing node-b's VPC as its client.
      cloud_->removeRoute(kRtbB1, kVip);
      cloud_->addRoute(kRtbB1, kVip, kTgwB);
    }
    return std::nullopt;
  });
  const auto before = clock_->totalSlept();
  auto outcome = run(Action::kRestore, "node-b");
  ASSERT_TRUE(overwritten);
  EXPECT_EQ(outcome.verdict, Verdict::kTakenOver) << outcome.message;
  EXPECT_THAT(outcome.message, HasSubstr("taken over by node-a"));
  EXPECT_EQ(clock_->totalSlept(), before) << "no read-back poll";
}

// ---- API unreachable / permission denied -------------------------------------------

TEST_F(ActionsTest, UnreachableApiIsUndeterminableForQuickCheckAndAFailureOtherwise) {
  failEveryCall(ErrorCategory::kRetryable, "Transport.Error");
  EXPECT_EQ(run(Action::kQuickCheck).verdict, Verdict::kUndeterminable);
  auto restore = run(Action::kRestore);
  EXPECT_EQ(restore.verdict, Verdict::kFailed) << restore.message;
  ASSERT_TRUE(restore.error);
  EXPECT_EQ(restore.error->category, ErrorCategory::kRetryable);
  EXPECT_EQ(run(Action::kRecover).verdict, Verdict::kFailed);
  EXPECT_EQ(run(Action::kRemove).verdict, Verdict::kOk);
  EXPECT_EQ(cloud_->writeCount(), 0);
}

TEST_F(ActionsTest, PermissionDeniedIsUndeterminableForQuickCheckAndAFailureOtherwise) {
  failEveryCall(ErrorCategory::kPermission, "UnauthorizedOperation");
  auto check = run(Action::kQuickCheck);
  EXPECT_EQ(check.verdict, Verdict::kUndeterminable) << check.message;
  auto restore = run(Action::kRestore);
  EXPECT_EQ(restore.verdict, Verdict::kFailed) << restore.message;
  ASSERT_TRUE(restore.error);
  EXPECT_EQ(restore.error->category, ErrorCategory::kPermission);
  EXPECT_EQ(restore.error->awsCode, "UnauthorizedOperation");
  EXPECT_EQ(run(Action::kRecover).verdict, Verdict::kFailed);
  EXPECT_EQ(cloud_->writeCount(), 0);
}

TEST_F(ActionsTest, UnreadableHomeTableAfterDiscoveryIsUndeterminable) {
  // Discovery succeeds; then the batched route read of us-east-1 times out.
  auto context = contextFor("node-a");
  auto topology = context->topology(context->deadlineAfterSeconds(60));
  ASSERT_TRUE(topology) << topology.error().describe();
  cloud_->setInterceptor([](const FakeCall& call) -> std::optional<Error> {
    if (call.action == "DescribeRouteTables" && call.region == "us-east-1") {
      return fakeAwsError(ErrorCategory::kRetryable, "Transport.Timeout", "timed out", 0);
    }
    return std::nullopt;
  });
  auto outcome = quickCheck(*context);
  EXPECT_EQ(outcome.verdict, Verdict::kUndeterminable) << outcome.message;
}

// ---- a region down -----------------------------------------------------------------

class RegionDownTest : public ActionsTest {
 protected:
  std::filesystem::path storeDir_ =
      std::filesystem::temp_directory_path() / ("tgwark-store-" + std::to_string(::getpid()));
  void SetUp() override { std::filesystem::remove_all(storeDir_); }
  void TearDown() override { std::filesystem::remove_all(storeDir_); }

  std::unique_ptr<Context> withStore(const std::string& node) {
    return contextFor(node, "create_missing = true\n", std::nullopt,
                      TopologyStore(storeDir_, "0123456789abcdef0123456789abcdef"));
  }

  // Every call to `region` fails as an unreachable endpoint does.
  void regionDown(const std::string& region) {
    cloud_->setInterceptor([region](const FakeCall& call) -> std::optional<Error> {
      if (call.region != region) return std::nullopt;
      return fakeAwsError(ErrorCategory::kRetryable, "Transport.Error", "connection refused", 0);
    });
  }
};

TEST_F(RegionDownTest, RestoreMakesTheHomeRoutesRightOnTheStoredScope) {
  {  // Once, while every region answered, node-b learned the scope.
    auto context = withStore("node-b");
    ASSERT_TRUE(context->topology(context->deadlineAfterSeconds(60)));
  }
  regionDown("us-east-1");  // the old active node's region
  auto context = withStore("node-b");
  auto outcome = restore(*context);
  EXPECT_EQ(outcome.verdict, Verdict::kOk) << outcome.message;
  EXPECT_EQ(cloud_->routeTarget(kRtbB1, kVip), kEniB);
  EXPECT_EQ(cloud_->routeTarget(kTgwRtbB, kVip), kAttB);
  EXPECT_EQ(cloud_->routeTarget(kRtbA1, kVip), kEniA) << "the region that is down is untouched";
  EXPECT_EQ(cloud_->writeCount("us-east-1"), 0);
}

TEST_F(RegionDownTest, RecoverToo) {
  {
    auto context = withStore("node-b");
    ASSERT_TRUE(context->topology(context->deadlineAfterSeconds(60)));
  }
  regionDown("us-east-1");
  auto context = withStore("node-b");
  auto outcome = recover(*context);
  EXPECT_EQ(outcome.verdict, Verdict::kOk) << outcome.message;
  EXPECT_EQ(cloud_->routeTarget(kRtbB1, kVip), kEniB);
}

TEST_F(RegionDownTest, RestoreAndQuickCheckNameTheRegionLeftBehind) {
  {
    auto context = withStore("node-b");
    ASSERT_TRUE(context->topology(context->deadlineAfterSeconds(60)));
  }
  regionDown("us-east-1");
  auto context = withStore("node-b");
  auto outcome = restore(*context);
  EXPECT_EQ(outcome.verdict, Verdict::kOk) << outcome.message;
  ASSERT_EQ(outcome.regionsLeftBehind.size(), 1u);
  const auto& behind = outcome.regionsLeftBehind.front();
  EXPECT_EQ(behind.region, "us-east-1");
  EXPECT_EQ(behind.reason, "down");
  EXPECT_THAT(behind.tables, ::testing::Contains(std::string(kRtbA1)));
  EXPECT_THAT(behind.detail, ::testing::HasSubstr("not written"));
  auto check = quickCheck(*withStore("node-b"));
  EXPECT_EQ(check.verdict, Verdict::kOk) << check.message;
  ASSERT_EQ(check.regionsLeftBehind.size(), 1u);
  EXPECT_EQ(check.regionsLeftBehind.front().region, "us-east-1");
}

// With a stored scope, the first calls are the state reads and the scope
// check: no discovery when nothing changed.
TEST_F(RegionDownTest, AnUnchangedStoreCostsNoDiscovery) {
  {
    auto context = withStore("node-b");
    ASSERT_TRUE(context->topology(context->deadlineAfterSeconds(60)));
  }
  cloud_->resetCalls();
  auto outcome = restore(*withStore("node-b"));
  EXPECT_EQ(outcome.verdict, Verdict::kOk) << outcome.message;
  EXPECT_TRUE(outcome.regionsLeftBehind.empty());
  EXPECT_EQ(cloud_->callCount("DescribeTransitGatewayPeeringAttachments"), 0);
  EXPECT_EQ(cloud_->callCount("DescribeVpcs"), 0);
  EXPECT_EQ(cloud_->callCount("DescribeNetworkInterfaces"), 1) << "the pre-flight only";
  EXPECT_EQ(cloud_->routeTarget(kTgwRtbB, kVip), kAttB);
  // The state read and the check share one DescribeRouteTables per region;
  // the second is the read-back of the tables written there.
  for (const auto* region : {"us-east-1", "us-west-2"})
    EXPECT_EQ(cloud_->callCount("DescribeRouteTables", region), 2) << region;
}

// quickCheck runs every two minutes: on a store confirmed less than
// kTopologyCacheTtl ago it makes exactly its reads, no check of the scope.
// A store older than that is checked once, in the same round, and is then
// confirmed for the quickChecks that follow.
TEST_F(RegionDownTest, QuickCheckChecksTheStoredScopeOnlyWhenItIsNotFresh) {
  {
    auto context = withStore("node-b");
    ASSERT_TRUE(context->topology(context->deadlineAfterSeconds(60)));
  }
  ASSERT_EQ(restore(*withStore("node-b")).verdict, Verdict::kOk);
  const auto path = TopologyStore(storeDir_, "0123456789abcdef0123456789abcdef").path();
  auto checkCalls = [&] {
    return cloud_->callCount("DescribeTransitGatewayAttachments") +
           cloud_->callCount("DescribeTransitGatewayRouteTables") +
           cloud_->callCount("DescribeTransitGatewayVpcAttachments");
  };

  cloud_->resetCalls();
  auto fresh = quickCheck(*withStore("node-b"));
  EXPECT_EQ(fresh.verdict, Verdict::kOk) << fresh.message;
  EXPECT_EQ(checkCalls(), 0) << "a fresh store is not checked";
  EXPECT_GT(cloud_->callCount("SearchTransitGatewayRoutes"), 0);
  for (const auto* region : {"us-east-1", "us-west-2"})
    EXPECT_EQ(cloud_->callCount("DescribeRouteTables", region), 1) << region;

  std::filesystem::last_write_time(
      path, std::filesystem::file_time_type::clock::now() - std::chrono::minutes(20));
  cloud_->resetCalls();
  auto stale = quickCheck(*withStore("node-b"));
  EXPECT_EQ(stale.verdict, Verdict::kOk) << stale.message;
  EXPECT_GT(checkCalls(), 0) << "a store last confirmed 20 minutes ago is checked";
  for (const auto* region : {"us-east-1", "us-west-2"}) {
    EXPECT_EQ(cloud_->callCount("DescribeRouteTables", region), 1)
        << region << ": the check shares the state read's";
  }
  EXPECT_EQ(cloud_->callCount("DescribeTransitGatewayPeeringAttachments"), 0)
      << "unchanged: no discovery";

  cloud_->resetCalls();
  auto again = quickCheck(*withStore("node-b"));
  EXPECT_EQ(again.verdict, Verdict::kOk) << again.message;
  EXPECT_EQ(checkCalls(), 0) << "the check found it unchanged: confirmed again";
}

// On a fresh store, a wrong home route is still judged on a fresh discovery
// before quickCheck fails.
TEST_F(RegionDownTest, QuickCheckOnAFreshStoreRediscoversBeforeFailing) {
  {
    auto context = withStore("node-b");
    ASSERT_TRUE(context->topology(context->deadlineAfterSeconds(60)));
  }
  ASSERT_EQ(restore(*withStore("node-b")).verdict, Verdict::kOk);
  cloud_->setRouteState(kRtbB1, kVip, "blackhole");
  cloud_->resetCalls();
  auto outcome = quickCheck(*withStore("node-b"));
  EXPECT_EQ(outcome.verdict, Verdict::kFailed) << outcome.message;
  EXPECT_GE(cloud_->callCount("DescribeTransitGatewayPeeringAttachments"), 1) << "rediscovered";
}

// The node VPC was re-attached under a new attachment id after the store was
// written: the first pass writes the stale target (refused), the check finds
// the change, the second pass on a fresh discovery makes the home routes right.
TEST_F(RegionDownTest, AChangedStoreCostsARediscoveryAndASecondPass) {
  {
    auto context = withStore("node-b");
    ASSERT_TRUE(context->topology(context->deadlineAfterSeconds(60)));
  }
  cloud_->removeAttachment(kAttB);
  cloud_->addVpcAttachment("tgw-attach-b0000009", kTgwB, kVpcB);
  cloud_->associate("tgw-attach-b0000009", kTgwRtbB);
  auto outcome = restore(*withStore("node-b"));
  EXPECT_EQ(outcome.verdict, Verdict::kOk) << outcome.message;
  EXPECT_EQ(cloud_->routeTarget(kTgwRtbB, kVip), "tgw-attach-b0000009");
  EXPECT_EQ(cloud_->routeTarget(kRtbB1, kVip), kEniB);
  EXPECT_GE(cloud_->callCount("DescribeTransitGatewayPeeringAttachments"), 1) << "rediscovered";
}

// The pre-flight runs in the same round as the state reads, and no route is
// written before it answered: an ENI that would drop the VIP's traffic fails
// restore without a single write, with a stored scope or without one.
TEST_F(RegionDownTest, AFailedPreflightWritesNothingEvenInParallelWithTheReads) {
  cloud_->addEni("us-west-2", kEniB, kVpcB, /*sourceDestCheck=*/true);
  auto cold = restore(*contextFor("node-b"));
  EXPECT_EQ(cold.verdict, Verdict::kFailed) << cold.message;
  EXPECT_THAT(cold.reason, HasSubstr("pre-flight"));
  EXPECT_EQ(cloud_->writeCount(), 0);
  {
    auto context = withStore("node-b");
    ASSERT_TRUE(context->topology(context->deadlineAfterSeconds(60)));
  }
  cloud_->resetCalls();
  auto warm = restore(*withStore("node-b"));
  EXPECT_EQ(warm.verdict, Verdict::kFailed) << warm.message;
  EXPECT_THAT(warm.reason, HasSubstr("pre-flight"));
  EXPECT_EQ(cloud_->writeCount(), 0);
  EXPECT_EQ(cloud_->routeTarget(kRtbB1, kVip), kTgwB);
  // Allowed to fix it, restore turns the check off and goes on.
  auto fixed =
      restore(*contextFor("node-b", "create_missing = true\nfix_source_dest_check = true\n"));
  EXPECT_EQ(fixed.verdict, Verdict::kOk) << fixed.message;
  EXPECT_FALSE(cloud_->eniSourceDestCheck(kEniB));
  EXPECT_EQ(cloud_->routeTarget(kRtbB1, kVip), kEniB);
}

// No store yet (a first run): node-a's region down leaves node-a out of the
// scope. node-b's routes need nothing of it, so restore and recover make the
// home routes right, name the region left behind, and keep no partial scope.
TEST_F(RegionDownTest, WithoutAStoredScopeTheOtherNodesRegionIsLeftBehind) {
  regionDown("us-east-1");
  auto outcome = restore(*withStore("node-b"));
  EXPECT_EQ(outcome.verdict, Verdict::kOk) << outcome.message;
  EXPECT_EQ(cloud_->routeTarget(kRtbB1, kVip), kEniB);
  EXPECT_EQ(cloud_->routeTarget(kTgwRtbB, kVip), kAttB);
  EXPECT_EQ(cloud_->routeTarget(kRtbA1, kVip), kEniA) << "the region that is down is untouched";
  EXPECT_EQ(cloud_->writeCount("us-east-1"), 0);
  ASSERT_EQ(outcome.regionsLeftBehind.size(), 1u);
  const auto& behind = outcome.regionsLeftBehind.front();
  EXPECT_EQ(behind.region, "us-east-1");
  EXPECT_EQ(behind.reason, "down");
  EXPECT_TRUE(behind.tables.empty()) << "never discovered";
  EXPECT_THAT(behind.detail, HasSubstr("node node-a left out"));
  EXPECT_FALSE(std::filesystem::exists(storeDir_) && !std::filesystem::is_empty(storeDir_))
      << "a scope without a region is not stored";

  cloud_->setRouteState(kRtbB1, kVip, "blackhole");
  auto recovered = recover(*withStore("node-b"));
  EXPECT_EQ(recovered.verdict, Verdict::kOk) << recovered.message;
  EXPECT_EQ(cloud_->routeTarget(kRtbB1, kVip), kEniB);
  ASSERT_EQ(recovered.regionsLeftBehind.size(), 1u);
  EXPECT_EQ(recovered.regionsLeftBehind.front().region, "us-east-1");

  auto checked = quickCheck(*withStore("node-b"));
  EXPECT_EQ(checked.verdict, Verdict::kOk) << checked.message;
  ASSERT_EQ(checked.regionsLeftBehind.size(), 1u);
  EXPECT_EQ(checked.regionsLeftBehind.front().region, "us-east-1");

  // The region back: one quickCheck discovers it and repairs it.
  cloud_->setInterceptor(nullptr);
  auto repaired = quickCheck(*withStore("node-b"));
  EXPECT_EQ(repaired.verdict, Verdict::kOk) << repaired.message;
  EXPECT_TRUE(repaired.regionsLeftBehind.empty());
  EXPECT_EQ(cloud_->routeTarget(kRtbA1, kVip), kTgwE);
  EXPECT_EQ(cloud_->routeTarget(kTgwRtbE, kVip), kPeerEB);
}

// The acting node's own region down with no store: nothing is written.
TEST_F(RegionDownTest, WithoutAStoredScopeTheHomeRegionDownWritesNothing) {
  regionDown("us-west-2");
  auto outcome = restore(*withStore("node-b"));
  EXPECT_EQ(outcome.verdict, Verdict::kFailed) << outcome.message;
  EXPECT_EQ(cloud_->writeCount(), 0);
}

TEST_F(RegionDownTest, TheHomeRegionDownFailsRestoreAndBreaksNothing) {
  {
    auto context = withStore("node-b");
    ASSERT_TRUE(context->topology(context->deadlineAfterSeconds(60)));
  }
  regionDown("us-west-2");  // node-b's own region
  auto context = withStore("node-b");
  auto outcome = restore(*context);
  EXPECT_EQ(outcome.verdict, Verdict::kFailed) << outcome.message;
  EXPECT_EQ(cloud_->writeCount(), 0) << "no remote route is pointed at a node that cannot serve";
  EXPECT_EQ(cloud_->routeTarget(kRtbA1, kVip), kEniA);
  auto recovered = recover(*withStore("node-b"));
  EXPECT_EQ(recovered.verdict, Verdict::kFailed) << recovered.message;
  EXPECT_EQ(cloud_->writeCount(), 0) << "recover holds remote writes back too";
}

// ---- the durable scope ---------------------------------------------------------------

TEST_F(RegionDownTest, AManagedVipRouteDeletedByHandIsRecreatedByQuickCheck) {
  {  // node-a active, the scope learnt (and stored) with rtb-c1 holding the route
    auto context = withStore("node-a");
    ASSERT_TRUE(context->topology(context->deadlineAfterSeconds(60)));
  }
  cloud_->removeRoute(kRtbC1, kVip);
  clock_->advance(std::chrono::hours(1));
  auto context = withStore("node-a");
  auto outcome = quickCheck(*context);
  EXPECT_EQ(outcome.verdict, Verdict::kOk) << outcome.message;  // a remote table: repaired
  EXPECT_EQ(cloud_->routeTarget(kRtbC1, kVip), kTgwE);
}

TEST_F(RegionDownTest, RestoreRecreatesTheRouteOfAStoredTableThatLostIt) {
  {
    auto context = withStore("node-b");
    ASSERT_TRUE(context->topology(context->deadlineAfterSeconds(60)));
  }
  cloud_->removeRoute(kRtbC1, kVip);
  auto context = withStore("node-b");
  auto outcome = restore(*context);
  EXPECT_EQ(outcome.verdict, Verdict::kOk) << outcome.message;
  EXPECT_EQ(cloud_->routeTarget(kRtbC1, kVip), kTgwE);
  EXPECT_EQ(cloud_->routeTarget(kRtbB1, kVip), kEniB);
}

TEST_F(RegionDownTest, ATableDeletedSinceTheStoreLeavesTheScopeAndRestoreIsRight) {
  {
    auto context = withStore("node-b");
    ASSERT_TRUE(context->topology(context->deadlineAfterSeconds(60)));
  }
  cloud_->deleteTable(kRtbC1);
  auto context = withStore("node-b");
  auto outcome = restore(*context);
  EXPECT_EQ(outcome.verdict, Verdict::kOk) << outcome.message;
  EXPECT_EQ(cloud_->routeTarget(kRtbB1, kVip), kEniB);
  EXPECT_EQ(cloud_->routeTarget(kRtbA1, kVip), kTgwE);
  auto stored = withStore("node-b")->storedTopology();
  ASSERT_TRUE(stored);
  EXPECT_FALSE(stored->origins.contains(kRtbC1));
  EXPECT_TRUE(stored->origins.contains(kRtbA1));
}

// A stale store (e.g. unhealthy on it) is not deleted: its managed set stays.
TEST_F(RegionDownTest, QuickCheckRediscoveringKeepsTheStoredManagedSet) {
  {
    auto context = withStore("node-a");
    ASSERT_TRUE(context->topology(context->deadlineAfterSeconds(60)));
  }
  cloud_->removeRoute(kRtbC1, kVip);
  cloud_->removeRoute(kRtbA1, kVip);  // a home route missing: unhealthy on the store
  auto context = withStore("node-a");
  (void)quickCheck(*context);
  auto stored = withStore("node-a")->storedTopology();
  ASSERT_TRUE(stored);
  EXPECT_TRUE(stored->origins.contains(kRtbC1));
}

// ---- answers that cannot be understood ------------------------------------------------

// The errors the EC2 client ends with when an answer never made sense, made
// by the client's own classification so the test follows it.
std::vector<Error> malformedAnswers() {
  std::vector<Error> out;
  out.push_back(aws::parseDescribeRouteTables("<html><body>Proxy</body></html>").error());
  out.push_back(aws::parseDescribeRouteTables("<DescribeRouteTablesResponse><routeTa").error());
  out.push_back(aws::parseDescribeRouteTables("").error());
  out.push_back(aws::parseDescribeRouteTables("{\"RouteTables\": []}").error());
  out.push_back(aws::parseDescribeRouteTables(
                    "<DescribeRouteTablesResponse xmlns=\"urn:other\"><routeTableSet/>"
                    "</DescribeRouteTablesResponse>")
                    .error());
  out.push_back(
      aws::parseDescribeRouteTables(
          "<DescribeRouteTablesResponse><routeTableSet><item><routeTableId>rtb-a1</routeTableId>"
          "<routeSet><item><destinationCidrBlock>10.9.9.9/32</destinationCidrBlock>"
          "<networkInterfaceId>eni-a</networkInterfaceId></item></routeSet></item>"
          "</routeTableSet></DescribeRouteTablesResponse>")
          .error());
  out.push_back(aws::parseAwsError(aws::HttpResponse{404, {}, ""}));
  out.push_back(aws::parseAwsError(aws::HttpResponse{302, {{"Location", "/x"}}, ""}));
  return out;
}

// Whatever read meets a malformed answer — discovery on a cold start, or the
// state read on a known topology — quickCheck cannot tell: exit 0 with a
// warning, never "failed" (a needless failover) nor "bad config".
TEST_F(ActionsTest, MalformedAnswersAreUndeterminableForQuickCheckWhereverTheyArrive) {
  for (const Error& answer : malformedAnswers()) {
    ASSERT_EQ(answer.awsCode, aws::kUnparseableAnswerCode) << answer.describe();
    for (const char* action : {"DescribeNetworkInterfaces", "DescribeTransitGatewayRouteTables",
                               "DescribeRouteTables", "SearchTransitGatewayRoutes"}) {
      cloud_->setInterceptor([&](const FakeCall& call) -> std::optional<Error> {
        if (call.action == action) return answer;
        return std::nullopt;
      });
      auto cold = run(Action::kQuickCheck);
      EXPECT_EQ(cold.verdict, Verdict::kUndeterminable)
          << action << ": " << answer.describe() << " -> " << cold.message;
    }
    // The reads a quickCheck on a known topology makes.
    for (const char* action : {"DescribeRouteTables", "SearchTransitGatewayRoutes"}) {
      cloud_->setInterceptor(nullptr);
      auto context = contextFor("node-a");
      ASSERT_TRUE(context->topology(context->deadlineAfterSeconds(60)));
      cloud_->setInterceptor([&](const FakeCall& call) -> std::optional<Error> {
        if (call.action == action) return answer;
        return std::nullopt;
      });
      auto known = quickCheck(*context);
      EXPECT_EQ(known.verdict, Verdict::kUndeterminable)
          << action << " on a known topology: " << answer.describe() << " -> " << known.message;
    }
  }
  cloud_->setInterceptor(nullptr);
  EXPECT_EQ(cloud_->writeCount(), 0);
  EXPECT_EQ(cloud_->routeTarget(kRtbA1, kVip), kEniA);
}

// A NotFound without EC2's error code (how a bare 404 used to come back) is
// no evidence that the ENI is gone: discovery must not make it a
// configuration error. EC2's own InvalidNetworkInterfaceID.NotFound still is.
TEST_F(ActionsTest, OnlyEc2SayingNotFoundMakesAnEniABadConfiguration) {
  cloud_->setInterceptor([](const FakeCall& call) -> std::optional<Error> {
    if (call.action == "DescribeNetworkInterfaces") {
      return Error{ErrorCategory::kNotFound, "HTTP 404 with an empty body", "", "", 404};
    }
    return std::nullopt;
  });
  auto check = run(Action::kQuickCheck);
  EXPECT_EQ(check.verdict, Verdict::kUndeterminable) << check.message;
  auto restore = run(Action::kRestore);
  EXPECT_EQ(restore.verdict, Verdict::kFailed) << restore.message;
  ASSERT_TRUE(restore.error);
  EXPECT_NE(restore.error->category, ErrorCategory::kInvalidConfig) << restore.message;

  cloud_->setInterceptor([](const FakeCall& call) -> std::optional<Error> {
    if (call.action == "DescribeNetworkInterfaces") {
      return fakeAwsError(ErrorCategory::kNotFound, "InvalidNetworkInterfaceID.NotFound",
                          "The networkInterface ID 'eni-a' does not exist");
    }
    return std::nullopt;
  });
  auto evidence = run(Action::kQuickCheck);
  EXPECT_EQ(evidence.verdict, Verdict::kBadConfig) << evidence.message;
  EXPECT_THAT(evidence.message, HasSubstr("region right?"));
}

// ---- bad configuration -------------------------------------------------------------

TEST_F(ActionsTest, UnknownNodeIsABadConfigurationAndCallsNothing) {
  for (Action action : {Action::kRestore, Action::kQuickCheck, Action::kRecover}) {
    auto outcome = run(action, "node-z");
    EXPECT_EQ(outcome.verdict, Verdict::kBadConfig) << actionName(action);
    ASSERT_TRUE(outcome.error);
    EXPECT_EQ(outcome.error->category, ErrorCategory::kInvalidConfig);
    EXPECT_THAT(outcome.message, HasSubstr("node-z"));
  }
  EXPECT_EQ(run(Action::kRemove, "node-z").verdict, Verdict::kOk);
  EXPECT_EQ(cloud_->totalCalls(), 0);
}

// ---- deadlines ------------------------------------------------------------------

TEST_F(ActionsTest, AnActionTimeoutReplacesTheConfiguredBudget) {
  using std::chrono::milliseconds;
  auto configured = contextFor("node-a");
  EXPECT_EQ(configured->actionDeadline(300).remaining(), milliseconds(300000));
  auto overridden = contextFor("node-a", "create_missing = true\n", milliseconds(1234));
  EXPECT_EQ(overridden->actionDeadline(300).remaining(), milliseconds(1234));
  // The actions use it: with no time at all, nothing is even read.
  auto none = contextFor("node-a", "create_missing = true\n", milliseconds(0));
  for (Action action : {Action::kRestore, Action::kQuickCheck, Action::kRecover}) {
    auto outcome = runAction(action, *none);
    ASSERT_TRUE(outcome.error) << actionName(action) << ": " << outcome.message;
    EXPECT_EQ(outcome.error->category, ErrorCategory::kDeadlineExceeded) << actionName(action);
  }
  EXPECT_EQ(cloud_->totalCalls(), 0);
}

// ---- reasons and where the home routes point --------------------------------------

TEST_F(ActionsTest, QuickCheckSaysWhereTheHomeRoutesPoint) {
  EXPECT_EQ(run(Action::kQuickCheck, "node-a").home, HomeRoutes::kAllHere);
  auto onB = run(Action::kQuickCheck, "node-b");
  EXPECT_EQ(onB.verdict, Verdict::kTakenOver) << onB.message;
  EXPECT_EQ(onB.home, HomeRoutes::kNoneHere);
  // node-a's routes broken: nobody took over, and still none of node-b's serve it.
  cloud_->setRouteState(kRtbA1, kVip, "blackhole");
  CheckOptions readOnly;
  readOnly.repairRemote = false;
  auto stillNotB = quickCheck(*contextFor("node-b"), readOnly);
  EXPECT_EQ(stillNotB.verdict, Verdict::kFailed) << stillNotB.message;
  EXPECT_EQ(stillNotB.home, HomeRoutes::kNoneHere);
  auto broken = run(Action::kQuickCheck, "node-a");
  EXPECT_EQ(broken.home, HomeRoutes::kSomeHere);
  EXPECT_THAT(broken.reason, HasSubstr(kRtbA1));
  EXPECT_THAT(broken.reason, HasSubstr("us-east-1"));
  EXPECT_THAT(broken.reason, ::testing::Not(HasSubstr("API calls")));
}

TEST_F(ActionsTest, AReadOnlyCheckRepairsNothing) {
  cloud_->setRouteState(kRtbC1, kVip, "blackhole");
  auto context = contextFor("node-a");
  CheckOptions readOnly;
  readOnly.repairRemote = false;
  auto outcome = quickCheck(*context, readOnly);
  EXPECT_EQ(outcome.verdict, Verdict::kOk) << outcome.message;
  EXPECT_EQ(cloud_->writeCount(), 0);
  EXPECT_EQ(cloud_->routeState(kRtbC1, kVip), "blackhole");
}

TEST_F(ActionsTest, AFailedRestoreNamesTheFirstWrongHomeRouteAndItsAwsCode) {
  cloud_->setRouteState(kRtbA1, kVip, "blackhole");
  cloud_->failNext("ReplaceRoute",
                   fakeAwsError(ErrorCategory::kPermission, "UnauthorizedOperation", "denied", 403),
                   100, "", kRtbA1);
  auto outcome = run(Action::kRestore);
  EXPECT_EQ(outcome.verdict, Verdict::kFailed);
  EXPECT_THAT(outcome.reason, HasSubstr(kRtbA1));
  EXPECT_THAT(outcome.reason, HasSubstr("UnauthorizedOperation"));
  EXPECT_THAT(outcome.reason, ::testing::Not(HasSubstr("API calls")));
}

// ---- the verdict rule itself ---------------------------------------------------------

TEST(VerdictForErrorTest, OneRuleForEveryAction) {
  const Error config{ErrorCategory::kInvalidConfig, "bad"};
  const Error throttled{ErrorCategory::kThrottled, "slow down", "RequestLimitExceeded"};
  const Error deadline{ErrorCategory::kDeadlineExceeded, "late"};
  const Error denied{ErrorCategory::kPermission, "no", "UnauthorizedOperation"};
  const Error internal{ErrorCategory::kInternal, "bug"};
  const Error unparseable{ErrorCategory::kRetryable, "unparseable answer",
                          std::string(aws::kUnparseableAnswerCode), "", 200};
  const Error rejected{ErrorCategory::kInvalid, "bad parameter", "InvalidParameterValue"};
  const Error notFound{ErrorCategory::kNotFound, "gone", "InvalidRouteTableID.NotFound"};
  EXPECT_EQ(verdictForError(Action::kRestore, config), Verdict::kBadConfig);
  EXPECT_EQ(verdictForError(Action::kQuickCheck, config), Verdict::kBadConfig);
  // quickCheck fails only on evidence from a read, which is never an error.
  for (const Error& e : {throttled, deadline, denied, unparseable, rejected, notFound, internal}) {
    EXPECT_EQ(verdictForError(Action::kQuickCheck, e), Verdict::kUndeterminable) << e.describe();
    EXPECT_EQ(verdictForError(Action::kRestore, e), Verdict::kFailed) << e.describe();
    EXPECT_EQ(verdictForError(Action::kRecover, e), Verdict::kFailed) << e.describe();
  }
  for (const Error& e : {config, throttled, denied, internal}) {
    EXPECT_EQ(verdictForError(Action::kRemove, e), Verdict::kOk) << e.describe();
  }
}

}  // namespace
}  // namespace tgwark::app
