#include "engine/state_reader.h"

#include "engine/call_counter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "support/fake_clock.h"
#include "support/worlds.h"

namespace tgwark::engine {
namespace {

using namespace tgwark::testing;
using model::TargetKind;
using ::testing::HasSubstr;

struct ReaderTest : ::testing::Test {
  std::shared_ptr<FakeCloud> cloud = threeRegions();
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  model::Config config = parseOrDie(baseConfigText());
  model::Topology topo = discoverOrDie(cloud, config, clock);
  StateRead read(ReadMode mode = ReadMode::kRoutes) {
    ReadOptions o;
    o.mode = mode;
    return readStateDetailed(topo, config.vip, cloud->factory(), Deadline::none(clock), o);
  }
};

TEST_F(ReaderTest, OneDescribePerRegionAndOneSearchPerTgwTable) {
  auto r = read();
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(r.state.tables.size(), 8u);  // 5 VPC + 3 TGW tables
  for (const char* region : {"us-east-1", "us-west-2", "eu-west-1"}) {
    EXPECT_EQ(cloud->callCount("DescribeRouteTables", region), 1) << region;
  }
  EXPECT_EQ(cloud->callCount("SearchTransitGatewayRoutes"), 3);
  EXPECT_EQ(cloud->totalCalls(), 6);

  const auto* a1 = r.state.find(kRtbA1);
  ASSERT_NE(a1, nullptr);
  ASSERT_TRUE(a1->known);
  ASSERT_TRUE(a1->vipRoute);
  EXPECT_EQ(a1->vipRoute->target, (model::RouteTargetRef{TargetKind::kNetworkInterface, kEniA}));
  EXPECT_EQ(a1->vipRoute->state, "active");
  EXPECT_TRUE(a1->coveringRoutes.empty());  // kRoutes mode
  const auto* c1 = r.state.find(kRtbC1);
  ASSERT_TRUE(c1 && c1->vipRoute);
  EXPECT_EQ(c1->vipRoute->target, (model::RouteTargetRef{TargetKind::kTransitGateway, kTgwE}));
  const auto* tb = r.state.find(kTgwRtbB);
  ASSERT_TRUE(tb && tb->vipRoute);
  EXPECT_EQ(tb->kind, model::TableKind::kTgw);
  EXPECT_EQ(tb->vipRoute->target, (model::RouteTargetRef{TargetKind::kTgwAttachment, kPeerEB}));
  EXPECT_EQ(tb->region, "us-west-2");
}

TEST_F(ReaderTest, SearchUsesExactMatchOnTheVip) {
  // The fake answers exact-match only with the VIP's route: a route for another
  // prefix in the table must not be mistaken for it.
  cloud->addTgwRoute(kTgwRtbE, "192.168.10.0/24", kAttC);
  auto r = read();
  ASSERT_TRUE(r.state.find(kTgwRtbE)->vipRoute);
  EXPECT_EQ(r.state.find(kTgwRtbE)->vipRoute->target.id, kAttA);
}

TEST_F(ReaderTest, StaticRouteWinsOverAPropagatedOneForTheVip) {
  cloud->removeRoute(kTgwRtbB, kVip);
  cloud->addTgwRoute(kTgwRtbB, kVip, kAttB, "active", "propagated");
  cloud->addTgwRoute(kTgwRtbB, kVip, kPeerEB);
  auto r = read();
  const auto* t = r.state.find(kTgwRtbB);
  ASSERT_TRUE(t && t->vipRoute);
  EXPECT_EQ(t->vipRoute->target.id, kPeerEB);
  EXPECT_FALSE(t->vipRoute->propagated);
}

TEST_F(ReaderTest, BatchesOfAtMostOneHundredTableIds) {
  // 150 more managed client tables in us-east-1.
  for (int i = 0; i < 150; ++i) {
    auto id = fmt::format("rtb-c1{:06x}", i);
    cloud->addRouteTable("us-east-1", id, kVpcC);
    topo.vpcRouteTables[id] = model::VpcRouteTableInfo{id, "us-east-1", kVpcC, false, true, "test"};
  }
  auto r = read();
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(cloud->callCount("DescribeRouteTables", "us-east-1"), 2);
  EXPECT_EQ(cloud->callCount("DescribeRouteTables", "us-west-2"), 1);
  const auto* t = r.state.find("rtb-c1000095");
  ASSERT_NE(t, nullptr);
  EXPECT_TRUE(t->known);
  EXPECT_FALSE(t->vipRoute);
}

TEST_F(ReaderTest, UnreadableRegionIsUnknownOthersKnown) {
  cloud->failNext("DescribeRouteTables",
                  fakeAwsError(ErrorCategory::kThrottled, "RequestLimitExceeded", "slow down", 503),
                  1, "us-west-2");
  cloud->failNext("SearchTransitGatewayRoutes",
                  fakeAwsError(ErrorCategory::kPermission, "UnauthorizedOperation", "no", 403), 1,
                  "", kTgwRtbD);
  auto r = read();
  const auto* b1 = r.state.find(kRtbB1);
  ASSERT_NE(b1, nullptr);
  EXPECT_FALSE(b1->known);
  EXPECT_THAT(b1->error, HasSubstr("RequestLimitExceeded"));
  ASSERT_TRUE(r.errors.contains(kRtbB1));
  EXPECT_EQ(r.errors.at(kRtbB1).category, ErrorCategory::kThrottled);
  EXPECT_FALSE(r.state.find(kTgwRtbD)->known);
  EXPECT_EQ(r.errors.at(kTgwRtbD).awsCode, "UnauthorizedOperation");
  EXPECT_TRUE(r.state.find(kRtbA1)->known);
  EXPECT_TRUE(r.state.find(kTgwRtbB)->known);
  EXPECT_EQ(r.errors.size(), 2u);
}

TEST_F(ReaderTest, AMissingTableLeavesTheRestOfItsBatchKnown) {
  topo.vpcRouteTables["rtb-a000dead"] =
      model::VpcRouteTableInfo{"rtb-a000dead", "us-east-1", kVpcA, false, true, "test"};
  auto r = read();
  EXPECT_FALSE(r.state.find("rtb-a000dead")->known);
  EXPECT_EQ(r.errors.at("rtb-a000dead").category, ErrorCategory::kNotFound);
  EXPECT_TRUE(r.state.find(kRtbA1)->known);
  EXPECT_TRUE(r.state.find(kRtbC1)->known);
  EXPECT_EQ(cloud->callCount("DescribeRouteTables", "us-east-1"), 2);  // ids, then the filter
}

TEST_F(ReaderTest, TraceModeAddsCoveringRoutes) {
  cloud->removeRoute(kTgwRtbD, kVip);
  cloud->addTgwRoute(kTgwRtbD, "192.168.0.0/16", kPeerBD);
  auto r = read(ReadMode::kTrace);
  const auto* a1 = r.state.find(kRtbA1);
  ASSERT_TRUE(a1->vipRoute);
  // 10.0.0.0/8 and the local route do not contain 192.168.10.10.
  EXPECT_TRUE(a1->coveringRoutes.empty());
  const auto* d = r.state.find(kTgwRtbD);
  ASSERT_TRUE(d->known);
  EXPECT_FALSE(d->vipRoute);
  ASSERT_EQ(d->coveringRoutes.size(), 1u);
  EXPECT_EQ(d->coveringRoutes[0].destination.toString(), "192.168.0.0/16");
  // Only the table without an exact route needed a second search.
  EXPECT_EQ(cloud->callCount("SearchTransitGatewayRoutes"), 4);
  EXPECT_EQ(cloud->callCount("SearchTransitGatewayRoutes", "eu-west-1"), 2);
}

TEST_F(ReaderTest, TraceModeKeepsVpcRoutesThatContainTheVip) {
  cloud->addRoute(kRtbC2, "0.0.0.0/0", "igw-c0000001");
  topo.vpcRouteTables.at(kRtbC2).managed = true;
  cloud->addRoute(kRtbC2, "192.168.0.0/16", kTgwE);
  auto r = read(ReadMode::kTrace);
  const auto* c2 = r.state.find(kRtbC2);
  ASSERT_TRUE(c2 && c2->known);
  EXPECT_FALSE(c2->vipRoute);
  ASSERT_EQ(c2->coveringRoutes.size(), 2u);
  std::vector<TargetKind> kinds;
  for (const auto& route : c2->coveringRoutes) kinds.push_back(route.target.kind);
  EXPECT_THAT(kinds,
              ::testing::UnorderedElementsAre(TargetKind::kOther, TargetKind::kTransitGateway));
}

TEST_F(ReaderTest, ExplicitTableListReadsOnlyThose) {
  ReadOptions o;
  o.tables = {TableRef{model::TableKind::kVpc, "us-west-2", kRtbB1},
              TableRef{model::TableKind::kTgw, "us-east-1", kTgwRtbE}};
  auto r =
      readStateDetailed(model::Topology{}, config.vip, cloud->factory(), Deadline::none(clock), o);
  EXPECT_EQ(r.state.tables.size(), 2u);
  EXPECT_EQ(cloud->totalCalls(), 2);
  EXPECT_TRUE(r.state.find(kRtbB1)->known);
}

TEST_F(ReaderTest, ExpiredDeadlineReadsNothingAndSaysSo) {
  auto r = readStateDetailed(topo, config.vip, cloud->factory(),
                             Deadline::after(clock, std::chrono::milliseconds(0)), {});
  EXPECT_EQ(cloud->totalCalls(), 0);
  EXPECT_EQ(r.state.tables.size(), 8u);
  for (const auto& [id, t] : r.state.tables) {
    EXPECT_FALSE(t.known) << id;
    EXPECT_EQ(r.errors.at(id).category, ErrorCategory::kDeadlineExceeded);
  }
}

TEST_F(ReaderTest, ARemoteRegionOutOfTimeLeavesOnlyItsOwnTablesUnknown) {
  ReadOptions o;
  o.homeRegion = "us-west-2";
  o.remoteDeadline = Deadline::after(clock, std::chrono::milliseconds(0));  // already spent
  auto r = readStateDetailed(topo, config.vip, cloud->factory(),
                             Deadline::after(clock, std::chrono::seconds(300)), o);
  EXPECT_EQ(r.state.tables.size(), 8u);
  for (const auto& [id, t] : r.state.tables) {
    EXPECT_EQ(t.known, t.region == "us-west-2") << id;
  }
  EXPECT_EQ(cloud->callCount("DescribeRouteTables", "us-west-2"), 1);
  EXPECT_EQ(cloud->totalCalls() - cloud->callCount("DescribeRouteTables", "us-west-2") -
                cloud->callCount("SearchTransitGatewayRoutes", "us-west-2"),
            0)
      << "no call to a region whose time is spent";
}

TEST(DeadlineTest, WithinNeverOutlivesTheDeadline) {
  auto clock = std::make_shared<FakeClock>();
  auto whole = Deadline::after(clock, std::chrono::seconds(10));
  EXPECT_EQ(*whole.within(std::chrono::seconds(3)).remaining(), std::chrono::seconds(3));
  EXPECT_EQ(*whole.within(std::chrono::seconds(30)).remaining(), std::chrono::seconds(10));
  EXPECT_EQ(*Deadline::none(clock).within(std::chrono::seconds(30)).remaining(),
            std::chrono::seconds(30));
}

TEST(DeadlineTest, AQuietDeadlineEndsAfterSilenceAndRunsOnWithAnswers) {
  auto clock = std::make_shared<FakeClock>();
  auto whole = Deadline::after(clock, std::chrono::seconds(60));
  auto region = whole.quietAfter(std::chrono::seconds(5));
  EXPECT_EQ(*region.remaining(), std::chrono::seconds(5));
  clock->advance(std::chrono::seconds(4));
  region.quiet->answered();
  clock->advance(std::chrono::seconds(4));
  EXPECT_FALSE(region.expired()) << "an answer 4 s ago";
  EXPECT_EQ(*region.callOptions().deadline, clock->monotonic() + std::chrono::seconds(1));
  // Sub-deadlines share the silence limit.
  EXPECT_EQ(*region.within(std::chrono::seconds(30)).remaining(), std::chrono::seconds(1));
  clock->advance(std::chrono::seconds(2));
  EXPECT_TRUE(region.expired());
  EXPECT_TRUE(region.wouldPass(Millis{1}));
  EXPECT_FALSE(whole.expired()) << "the action's own deadline is untouched";
  // Answers never extend past the fixed deadline.
  clock->advance(std::chrono::seconds(49));
  region.quiet->answered();
  EXPECT_EQ(*region.remaining(), std::chrono::seconds(1));
}

TEST(DeadlineTest, WatchedClientsReportOnlyRealAnswers) {
  auto cloud = twoRegions();
  auto clock = std::make_shared<FakeClock>();
  auto region = Deadline::none(clock).quietAfter(std::chrono::seconds(5));
  auto api = apiFor(watchedFactory(cloud->factory(), region), "us-east-1");
  ASSERT_TRUE(api);
  std::optional<Error> next;
  cloud->setInterceptor([&](const FakeCall&) { return next; });
  auto cutoffAfter = [&](std::optional<Error> error) {
    clock->advance(std::chrono::seconds(1));
    next = std::move(error);
    (void)(*api)->describeVpcs({});
    return region.quiet->cutoff();
  };
  const auto start = region.quiet->cutoff();
  // Throttling, 5xx and timeouts are silence.
  EXPECT_EQ(cutoffAfter(fakeAwsError(ErrorCategory::kThrottled, "RequestLimitExceeded", "", 503)),
            start);
  EXPECT_EQ(cutoffAfter(fakeAwsError(ErrorCategory::kRetryable, "Unavailable", "", 503)), start);
  EXPECT_EQ(cutoffAfter(fakeAwsError(ErrorCategory::kDeadlineExceeded, "", "", 0)), start);
  // A success or a refusal the service made is an answer.
  auto cut = cutoffAfter(std::nullopt);
  EXPECT_EQ(cut, clock->monotonic() + std::chrono::seconds(5));
  cut = cutoffAfter(fakeAwsError(ErrorCategory::kPermission, "UnauthorizedOperation", ""));
  EXPECT_EQ(cut, clock->monotonic() + std::chrono::seconds(5));
  // No watch: the factory as it was.
  auto plain = Deadline::none(clock);
  EXPECT_TRUE(apiFor(watchedFactory(cloud->factory(), plain), "us-east-1"));
}

}  // namespace
}  // namespace tgwark::engine
