#include "engine/discovery.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include <fmt/format.h>

#include "plan/desired.h"
#include "support/fake_clock.h"
#include "support/worlds.h"

namespace tgwark::engine {
namespace {

using namespace tgwark::testing;
using ::testing::HasSubstr;

struct Fixture {
  std::shared_ptr<FakeCloud> cloud;
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  Result<model::Topology> run(const std::string& configText) {
    auto config = parseOrDie(configText);
    return discover(config, cloud->factory(), Deadline::none(clock));
  }
};

std::vector<std::string> managedVpcIds(const model::Topology& t) {
  std::vector<std::string> out;
  for (const auto* table : t.managedVpcTables()) out.push_back(table->id);
  return out;
}
std::vector<std::string> managedTgwIds(const model::Topology& t) {
  std::vector<std::string> out;
  for (const auto* table : t.managedTgwTables()) out.push_back(table->id);
  return out;
}

TEST(Discovery, TwoRegionsResolvesNodesAndManagedTables) {
  Fixture f{twoRegions()};
  auto topo = f.run(baseConfigText());
  ASSERT_TRUE(topo) << topo.error().describe();

  ASSERT_EQ(topo->nodes.size(), 2u);
  const auto* a = topo->findNode("node-a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->vpcId, kVpcA);
  EXPECT_EQ(a->tgwId, kTgwE);
  EXPECT_EQ(a->vpcAttachmentId, kAttA);
  const auto* b = topo->findNode("node-b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->tgwId, kTgwB);
  EXPECT_EQ(b->vpcAttachmentId, kAttB);

  // Node VPC tables always, client tables only when they hold the VIP route.
  EXPECT_THAT(managedVpcIds(*topo),
              ::testing::UnorderedElementsAre(kRtbA1, kRtbA2, kRtbB1, kRtbC1));
  ASSERT_TRUE(topo->vpcRouteTables.contains(kRtbC2));
  EXPECT_FALSE(topo->vpcRouteTables.at(kRtbC2).managed);
  EXPECT_THAT(topo->vpcRouteTables.at(kRtbC1).why, HasSubstr("VIP"));
  EXPECT_TRUE(topo->vpcRouteTables.at(kRtbA1).main);
  EXPECT_FALSE(topo->vpcRouteTables.at(kRtbA2).main);
  EXPECT_THAT(managedTgwIds(*topo), ::testing::UnorderedElementsAre(kTgwRtbE, kTgwRtbB));

  // Both sides of the peering, with the peer's region and each side's association.
  const auto* peerE = topo->findAttachment(kTgwE, kPeerEB);
  ASSERT_NE(peerE, nullptr);
  EXPECT_EQ(peerE->kind, model::AttachmentKind::kPeering);
  EXPECT_EQ(peerE->resourceId, kTgwB);
  EXPECT_EQ(peerE->peerRegion, "us-west-2");
  EXPECT_EQ(peerE->associatedRouteTableId, kTgwRtbE);
  const auto* peerB = topo->findAttachment(kTgwB, kPeerEB);
  ASSERT_NE(peerB, nullptr);
  EXPECT_EQ(peerB->resourceId, kTgwE);
  EXPECT_EQ(peerB->associatedRouteTableId, kTgwRtbB);

  EXPECT_EQ(topo->vpcs.at(kVpcC).transitGatewayId, kTgwE);
  ASSERT_EQ(topo->vpcs.at(kVpcA).cidrs.size(), 1u);
  EXPECT_EQ(topo->vpcs.at(kVpcA).cidrs[0].toString(), "10.1.0.0/16");
  EXPECT_FALSE(topo->enis.at(kEniA).sourceDestCheck);
  EXPECT_EQ(f.cloud->writeCount(), 0);
}

TEST(Discovery, ReadsWithFilteredCallsPerRegionNotPerObject) {
  Fixture f{twoRegions()};
  ASSERT_TRUE(f.run(baseConfigText()));
  for (const char* region : {"us-east-1", "us-west-2"}) {
    EXPECT_EQ(f.cloud->callCount("DescribeNetworkInterfaces", region), 1) << region;
    EXPECT_EQ(f.cloud->callCount("DescribeRouteTables", region), 1) << region;
    EXPECT_EQ(f.cloud->callCount("DescribeVpcs", region), 1) << region;
    EXPECT_EQ(f.cloud->callCount("DescribeTransitGatewayRouteTables", region), 1) << region;
    EXPECT_EQ(f.cloud->callCount("DescribeTransitGatewayPeeringAttachments", region), 1) << region;
    // One for the nodes' VPCs, one for the TGW's attachments.
    EXPECT_EQ(f.cloud->callCount("DescribeTransitGatewayAttachments", region), 2) << region;
  }
  EXPECT_EQ(f.cloud->callCount("GetTransitGatewayRouteTableAssociations"), 0);
}

TEST(Discovery, ThreeRegionsFollowsPeeringsIntoUnconfiguredRegions) {
  Fixture f{threeRegions()};
  auto topo = f.run(baseConfigText());
  ASSERT_TRUE(topo) << topo.error().describe();
  ASSERT_TRUE(topo->tgws.contains(kTgwD));
  EXPECT_EQ(topo->tgws.at(kTgwD).region, "eu-west-1");
  EXPECT_THAT(managedVpcIds(*topo),
              ::testing::UnorderedElementsAre(kRtbA1, kRtbA2, kRtbB1, kRtbC1, kRtbD1));
  EXPECT_THAT(managedTgwIds(*topo), ::testing::UnorderedElementsAre(kTgwRtbE, kTgwRtbB, kTgwRtbD));
  EXPECT_EQ(topo->vpcRouteTables.at(kRtbD1).region, "eu-west-1");

  // The planner gets a usable picture: eu-west-1 reaches node-a over two hops.
  auto desired = plan::desiredRoutes(*topo, "node-a", model::parseVipHostPrefix(kVip).value());
  ASSERT_TRUE(desired) << desired.error().describe();
  bool sawD = false;
  for (const auto& d : *desired) {
    if (d.tableId == kTgwRtbD) {
      sawD = true;
      EXPECT_EQ(d.target.id, kPeerBD);
    }
  }
  EXPECT_TRUE(sawD);
}

// Cross-region: both sides share the peering's id.
TEST(Discovery, CrossRegionPeeringSidesShareOneId) {
  Fixture f{twoRegions()};
  auto topo = f.run(baseConfigText());
  ASSERT_TRUE(topo) << topo.error().describe();
  const auto* peerE = topo->findAttachment(kTgwE, kPeerEB);
  ASSERT_NE(peerE, nullptr);
  EXPECT_EQ(peerE->peerAttachmentId, kPeerEB);
  ASSERT_NE(topo->peerSide(*peerE), nullptr);
  EXPECT_EQ(topo->peerSide(*peerE)->tgwId, kTgwB);
}

// Within one region each side of a peering has its own attachment id; the walk
// crosses a peering from either side and records both ids.
TEST(Discovery, IntraRegionPeeringsRecordEachSidesId) {
  Fixture f{sameRegion()};
  auto topo = f.run(baseConfigText({}, "us-east-1"));
  ASSERT_TRUE(topo) << topo.error().describe();
  EXPECT_THAT(managedTgwIds(*topo), ::testing::UnorderedElementsAre(kTgwRtbE, kTgwRtbF, kTgwRtbG));
  EXPECT_THAT(managedVpcIds(*topo),
              ::testing::UnorderedElementsAre(kRtbA1, kRtbB1, kRtbC1, kRtbD1));
  struct Side {
    const char* tgw;
    const char* id;
    const char* peerTgw;
    const char* peerId;
    const char* table;
  };
  for (const Side& s : {Side{kTgwE, kPeerEF_E, kTgwF, kPeerEF_F, kTgwRtbE},
                        Side{kTgwF, kPeerEF_F, kTgwE, kPeerEF_E, kTgwRtbF},
                        Side{kTgwE, kPeerGE_E, kTgwG, kPeerGE_G, kTgwRtbE},
                        Side{kTgwG, kPeerGE_G, kTgwE, kPeerGE_E, kTgwRtbG}}) {
    const auto* side = topo->findAttachment(s.tgw, s.id);
    ASSERT_NE(side, nullptr) << s.tgw << " " << s.id;
    EXPECT_EQ(side->kind, model::AttachmentKind::kPeering);
    EXPECT_EQ(side->resourceId, s.peerTgw);
    EXPECT_EQ(side->peerRegion, "us-east-1");
    EXPECT_EQ(side->peerAttachmentId, s.peerId);
    EXPECT_EQ(side->state, "available");
    EXPECT_EQ(side->associatedRouteTableId, s.table);
    // The other side's id is not an attachment of this TGW.
    EXPECT_EQ(topo->findAttachment(s.tgw, s.peerId), nullptr);
  }

  // The planner targets each table's own side.
  const auto vip = model::parseVipHostPrefix(kVip).value();
  for (const auto& [node, want] :
       {std::pair{"node-a",
                  std::map<std::string, std::string>{
                      {kTgwRtbE, kAttA}, {kTgwRtbF, kPeerEF_F}, {kTgwRtbG, kPeerGE_G}}},
        std::pair{"node-b",
                  std::map<std::string, std::string>{
                      {kTgwRtbE, kPeerEF_E}, {kTgwRtbF, kAttB}, {kTgwRtbG, kPeerGE_G}}}}) {
    auto desired = plan::desiredRoutes(*topo, node, vip);
    ASSERT_TRUE(desired) << desired.error().describe();
    std::map<std::string, std::string> got;
    for (const auto& d : *desired) {
      if (topo->tgwRouteTables.contains(d.tableId)) got[d.tableId] = d.target.id;
    }
    EXPECT_EQ(got, want) << node;
  }
}

// Without ec2:DescribeTransitGatewayAttachments the sides come from the
// peering description: the accepter's side still gets its own id.
TEST(DiscoveryMinimalIam, IntraRegionPeeringSidesFromThePeeringDescription) {
  auto cloud = sameRegion();
  cloud->failNext("DescribeTransitGatewayAttachments",
                  Error{ErrorCategory::kPermission, "not authorized", "UnauthorizedOperation",
                        "req-denied", 403},
                  1000);
  std::string text = baseConfigText({}, "us-east-1");
  text.replace(text.find("eni = \"eni-a0000001\"\n"), 21,
               "eni = \"eni-a0000001\"\nvpc = \"vpc-a0000001\"\n");
  text.replace(text.find("eni = \"eni-b0000001\"\n"), 21,
               "eni = \"eni-b0000001\"\nvpc = \"vpc-b0000001\"\n");
  auto clock = std::make_shared<FakeClock>();
  auto topo = discover(parseOrDie(text), cloud->factory(), Deadline::none(clock));
  ASSERT_TRUE(topo) << topo.error().describe();
  EXPECT_NE(topo->findAttachment(kTgwF, kPeerEF_F), nullptr);
  EXPECT_EQ(topo->findAttachment(kTgwF, kPeerEF_E), nullptr);
  EXPECT_NE(topo->findAttachment(kTgwE, kPeerGE_E), nullptr);
  EXPECT_EQ(topo->findAttachment(kTgwE, kPeerGE_G), nullptr);
}

TEST(Discovery, ExplicitListsReplaceTableDiscovery) {
  Fixture f{twoRegions()};
  auto topo =
      f.run(baseConfigText("vpc_route_tables = [\"rtb-a0000001\", \"rtb-b0000001\"]\n"
                           "tgw_route_tables = [\"tgw-rtb-e0000001\"]\n"));
  ASSERT_TRUE(topo) << topo.error().describe();
  EXPECT_THAT(managedVpcIds(*topo), ::testing::UnorderedElementsAre(kRtbA1, kRtbB1));
  EXPECT_THAT(managedTgwIds(*topo), ::testing::UnorderedElementsAre(kTgwRtbE));
  EXPECT_FALSE(topo->vpcRouteTables.contains(kRtbA2));
  // Still resolved: nodes, their TGWs and attachments, the peering.
  EXPECT_EQ(topo->findNode("node-b")->vpcAttachmentId, kAttB);
  EXPECT_NE(topo->findAttachment(kTgwB, kPeerEB), nullptr);
  // Tables are not enumerated by VPC in explicit mode.
  EXPECT_EQ(f.cloud->callCount("DescribeTransitGatewayRouteTables"), 2);  // the id lookup only
}

TEST(Discovery, ListedTableInNoRegionIsAnError) {
  Fixture f{twoRegions()};
  auto topo = f.run(baseConfigText("vpc_route_tables = [\"rtb-0000beef\"]\n"));
  ASSERT_FALSE(topo);
  EXPECT_EQ(topo.error().category, ErrorCategory::kInvalidConfig);
  EXPECT_THAT(topo.error().message, HasSubstr("rtb-0000beef not found"));
  EXPECT_THAT(topo.error().message, HasSubstr("regions"));
}

TEST(Discovery, VpcAttachedToTwoTgwsNeedsOverride) {
  auto cloud = twoRegions();
  cloud->addTgw("us-east-1", "tgw-e0000002");
  cloud->addVpcAttachment("tgw-attach-c0000002", "tgw-e0000002", kVpcC);
  // The second TGW is in scope because it peers with node-b's.
  cloud->addPeering("tgw-attach-f0000003", "tgw-e0000002", kTgwB);
  Fixture f{cloud};
  auto topo = f.run(baseConfigText());
  ASSERT_FALSE(topo);
  EXPECT_EQ(topo.error().category, ErrorCategory::kInvalidConfig);
  EXPECT_THAT(topo.error().message, HasSubstr(kVpcC));
  EXPECT_THAT(topo.error().message, HasSubstr("several transit gateways"));
  EXPECT_THAT(topo.error().message, HasSubstr("tgw-e0000001, tgw-e0000002"));
  EXPECT_THAT(topo.error().message, HasSubstr("[[vpc]]"));

  auto fixed = f.run(baseConfigText() +
                     "\n[[vpc]]\nid = \"vpc-c0000001\"\ntransit_gateway = \"tgw-e0000002\"\n");
  ASSERT_TRUE(fixed) << fixed.error().describe();
  EXPECT_EQ(fixed->vpcs.at(kVpcC).transitGatewayId, "tgw-e0000002");
}

TEST(Discovery, PendingOrDeletedAttachmentsDoNotMakeAVpcAmbiguous) {
  auto cloud = twoRegions();
  cloud->addTgw("us-east-1", "tgw-e0000002");
  cloud->addPeering("tgw-attach-f0000003", "tgw-e0000002", kTgwB);
  cloud->addVpcAttachment("tgw-attach-c0000002", "tgw-e0000002", kVpcC, "pending");
  cloud->addVpcAttachment("tgw-attach-a0000002", "tgw-e0000002", kVpcA, "deleted");
  Fixture f{cloud};
  auto topo = f.run(baseConfigText());
  ASSERT_TRUE(topo) << topo.error().describe();
  EXPECT_EQ(topo->vpcs.at(kVpcC).transitGatewayId, kTgwE);
  EXPECT_EQ(topo->findNode("node-a")->tgwId, kTgwE);
  EXPECT_EQ(topo->findNode("node-a")->vpcAttachmentId, kAttA);
}

TEST(Discovery, OverrideNamingAnUnattachedTgwIsAnError) {
  Fixture f{twoRegions()};
  auto topo = f.run(baseConfigText() +
                    "\n[[vpc]]\nid = \"vpc-c0000001\"\ntransit_gateway = \"tgw-b0000001\"\n");
  ASSERT_FALSE(topo);
  EXPECT_THAT(topo.error().message, HasSubstr("not attached"));
}

TEST(Discovery, NoPeeringPathBetweenNodesIsAnError) {
  auto cloud = std::make_shared<FakeCloud>();
  cloud->addVpc("us-east-1", kVpcA, "10.1.0.0/16");
  cloud->addVpc("us-west-2", kVpcB, "10.2.0.0/16");
  cloud->addRouteTable("us-east-1", kRtbA1, kVpcA, true);
  cloud->addRouteTable("us-west-2", kRtbB1, kVpcB, true);
  cloud->addEni("us-east-1", kEniA, kVpcA);
  cloud->addEni("us-west-2", kEniB, kVpcB);
  cloud->addTgw("us-east-1", kTgwE);
  cloud->addTgw("us-west-2", kTgwB);
  cloud->addVpcAttachment(kAttA, kTgwE, kVpcA);
  cloud->addVpcAttachment(kAttB, kTgwB, kVpcB);
  // A peering that was never accepted does not carry traffic.
  cloud->addPeering(kPeerEB, kTgwE, kTgwB, "pendingAcceptance");
  Fixture f{cloud};
  auto topo = f.run(baseConfigText());
  ASSERT_FALSE(topo);
  EXPECT_EQ(topo.error().category, ErrorCategory::kInvalidConfig);
  EXPECT_THAT(topo.error().message, HasSubstr("no path"));
  EXPECT_THAT(topo.error().message, HasSubstr(kTgwE));
  EXPECT_THAT(topo.error().message, HasSubstr(kTgwB));
}

TEST(Discovery, EniNotInTheStatedRegion) {
  Fixture f{twoRegions()};
  auto topo = f.run(baseConfigText({}, "us-east-1"));
  ASSERT_FALSE(topo);
  EXPECT_EQ(topo.error().category, ErrorCategory::kInvalidConfig);
  EXPECT_EQ(topo.error().awsCode, "InvalidNetworkInterfaceID.NotFound");
  EXPECT_THAT(topo.error().message, HasSubstr("node 'node-b'"));
  EXPECT_THAT(topo.error().message, HasSubstr("eni-b0000001 not found in region us-east-1"));
}

TEST(Discovery, NodeVpcWithoutTgw) {
  auto cloud = twoRegions();
  cloud->addVpc("us-west-2", "vpc-b0000009", "10.9.0.0/16");
  cloud->addEni("us-west-2", "eni-b0000009", "vpc-b0000009");
  Fixture f{cloud};
  auto text = baseConfigText() +
              "\n[[node]]\nname = \"node-c\"\nregion = \"us-west-2\"\neni = \"eni-b0000009\"\n";
  auto topo = f.run(text);
  ASSERT_FALSE(topo);
  EXPECT_THAT(topo.error().message, HasSubstr("node 'node-c'"));
  EXPECT_THAT(topo.error().message, HasSubstr("not attached to any transit gateway"));
}

TEST(Discovery, VipInsideAVpcCidrIsRefused) {
  Fixture f{twoRegions()};
  auto text = baseConfigText();
  text.replace(text.find("192.168.10.10"), 13, "10.3.0.99");
  auto topo = f.run(text);
  ASSERT_FALSE(topo);
  EXPECT_THAT(topo.error().message, HasSubstr("inside vpc-c0000001"));
}

TEST(Discovery, ApiErrorsKeepCodeAndRequestId) {
  Fixture f{twoRegions()};
  // DescribeTransitGatewayRouteTables is in the minimal permission set: a
  // denial there is a real failure (unlike DescribeVpcs, which has a fallback).
  f.cloud->failNext("DescribeTransitGatewayRouteTables",
                    fakeAwsError(ErrorCategory::kPermission, "UnauthorizedOperation", "nope", 403),
                    1, "us-west-2");
  auto topo = f.run(baseConfigText());
  ASSERT_FALSE(topo);
  EXPECT_EQ(topo.error().category, ErrorCategory::kPermission);
  EXPECT_EQ(topo.error().awsCode, "UnauthorizedOperation");
  EXPECT_EQ(topo.error().requestId, "fake-request-id");
  EXPECT_THAT(topo.error().message, HasSubstr("DescribeTransitGatewayRouteTables in us-west-2"));
}

TEST(Discovery, ExpiredDeadlineMakesNoCall) {
  Fixture f{twoRegions()};
  auto config = parseOrDie(baseConfigText());
  auto deadline = Deadline::after(f.clock, std::chrono::milliseconds(0));
  auto topo = discover(config, f.cloud->factory(), deadline);
  ASSERT_FALSE(topo);
  EXPECT_EQ(topo.error().category, ErrorCategory::kDeadlineExceeded);
  EXPECT_EQ(f.cloud->totalCalls(), 0);
}

}  // namespace
}  // namespace tgwark::engine

namespace tgwark::engine {
namespace {

using namespace tgwark::testing;

// The vendor TGW kit's eight permissions (docs/semantics.md) must be enough.
void denyBeyondVendorKit(FakeCloud& cloud) {
  for (const char* action :
       {"DescribeNetworkInterfaces", "DescribeVpcs", "DescribeTransitGatewayAttachments",
        "GetTransitGatewayRouteTableAssociations"}) {
    cloud.failNext(action,
                   Error{ErrorCategory::kPermission, "not authorized", "UnauthorizedOperation",
                         "req-denied", 403},
                   1000);
  }
}

TEST(DiscoveryMinimalIam, WorksWithTheVendorKitPermissionsGivenNodeVpcs) {
  auto cloud = twoRegions();
  denyBeyondVendorKit(*cloud);
  std::string text = baseConfigText();
  text.replace(text.find("eni = \"eni-a0000001\"\n"), 21,
               "eni = \"eni-a0000001\"\nvpc = \"vpc-a0000001\"\n");
  text.replace(text.find("eni = \"eni-b0000001\"\n"), 21,
               "eni = \"eni-b0000001\"\nvpc = \"vpc-b0000001\"\n");
  auto clock = std::make_shared<FakeClock>();
  auto topo = discover(parseOrDie(text), cloud->factory(), Deadline::none(clock));
  ASSERT_TRUE(topo) << topo.error().describe();
  EXPECT_EQ(topo->findNode("node-a")->vpcAttachmentId, kAttA);
  EXPECT_EQ(topo->findNode("node-b")->tgwId, kTgwB);
  EXPECT_THAT(managedVpcIds(*topo),
              ::testing::UnorderedElementsAre(kRtbA1, kRtbA2, kRtbB1, kRtbC1));
  EXPECT_THAT(managedTgwIds(*topo), ::testing::UnorderedElementsAre(kTgwRtbE, kTgwRtbB));
  const auto* peer = topo->findAttachment(kTgwE, kPeerEB);
  ASSERT_NE(peer, nullptr);
  EXPECT_EQ(peer->resourceId, kTgwB);
  EXPECT_EQ(peer->associatedRouteTableId, "");  // unknown without the enrichment call
  // CIDRs from the local routes, so the VIP-outside-CIDR check still works.
  ASSERT_EQ(topo->vpcs.at(kVpcA).cidrs.size(), 1u);
  EXPECT_EQ(topo->vpcs.at(kVpcA).cidrs[0].toString(), "10.1.0.0/16");
  // The desired state is computable from this topology.
  auto vip = model::parsePrefix("192.168.10.10/32");
  ASSERT_TRUE(vip);
  auto desired = plan::desiredRoutes(*topo, "node-b", *vip);
  ASSERT_TRUE(desired) << desired.error().describe();
  EXPECT_EQ(desired->size(), 6u);  // 4 managed VPC tables + 2 TGW tables
}

TEST(DiscoveryMinimalIam, WithoutNodeVpcTheErrorSaysWhatToAdd) {
  auto cloud = twoRegions();
  denyBeyondVendorKit(*cloud);
  auto clock = std::make_shared<FakeClock>();
  auto topo = discover(parseOrDie(baseConfigText()), cloud->factory(), Deadline::none(clock));
  ASSERT_FALSE(topo);
  EXPECT_EQ(topo.error().category, ErrorCategory::kPermission);
  EXPECT_EQ(topo.error().awsCode, "UnauthorizedOperation");
  EXPECT_THAT(topo.error().message, HasSubstr("set vpc = "));
  EXPECT_THAT(topo.error().message, HasSubstr("node-a"));
}

TEST(DiscoveryMinimalIam, NodeVpcMustAgreeWithTheEni) {
  auto cloud = twoRegions();
  std::string text = baseConfigText();
  text.replace(text.find("eni = \"eni-a0000001\"\n"), 21,
               "eni = \"eni-a0000001\"\nvpc = \"vpc-b0000001\"\n");
  auto clock = std::make_shared<FakeClock>();
  auto topo = discover(parseOrDie(text), cloud->factory(), Deadline::none(clock));
  ASSERT_FALSE(topo);
  EXPECT_EQ(topo.error().category, ErrorCategory::kInvalidConfig);
  EXPECT_THAT(topo.error().message, HasSubstr("vpc-a0000001"));
}

}  // namespace
}  // namespace tgwark::engine

// The single-VPC layout: every node in one VPC, no transit gateway.
namespace tgwark::engine {
namespace {

using namespace tgwark::testing;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

Result<model::Topology> discoverText(const std::shared_ptr<FakeCloud>& cloud,
                                     const std::string& text) {
  auto clock = std::make_shared<FakeClock>();
  return discover(parseOrDie(text), cloud->factory(), Deadline::none(clock));
}

std::vector<std::string> managedVpcTableIds(const model::Topology& t) {
  std::vector<std::string> out;
  for (const auto* table : t.managedVpcTables()) out.push_back(table->id);
  return out;
}

TEST(DiscoverySingleVpc, ManagesEveryTableOfTheNodesVpcAndNothingElse) {
  auto cloud = singleVpc();
  auto topo = discoverText(cloud, singleVpcConfigText());
  ASSERT_TRUE(topo) << topo.error().describe();
  ASSERT_EQ(topo->nodes.size(), 2u);
  for (const auto& n : topo->nodes) {
    EXPECT_EQ(n.vpcId, kVpcA) << n.name;
    EXPECT_EQ(n.tgwId, "") << n.name;
    EXPECT_EQ(n.vpcAttachmentId, "") << n.name;
  }
  EXPECT_THAT(managedVpcTableIds(*topo), UnorderedElementsAre(kRtbA1, kRtbA2, kRtbA3));
  // vpc-c holds a look-alike VIP route but no node: it is not in scope at all.
  EXPECT_FALSE(topo->vpcRouteTables.contains(kRtbC1));
  EXPECT_TRUE(topo->tgws.empty());
  EXPECT_TRUE(topo->managedTgwTables().empty());
  EXPECT_EQ(cloud->writeCount(), 0);
}

TEST(DiscoverySingleVpc, ListedTablesOfThatVpcAreEnough) {
  auto cloud = singleVpc();
  auto topo = discoverText(
      cloud, singleVpcConfigText("vpc_route_tables = [\"rtb-a0000001\", \"rtb-a0000003\"]\n"));
  ASSERT_TRUE(topo) << topo.error().describe();
  EXPECT_THAT(managedVpcTableIds(*topo), UnorderedElementsAre(kRtbA1, kRtbA3));
}

// The stock agent's policy has no transit gateway permission; neither must
// tgwark's in this layout (the VPC's TGW attachments cannot be read at all).
TEST(DiscoverySingleVpc, NeedsNoTransitGatewayPermission) {
  auto cloud = singleVpc();
  cloud->setInterceptor([](const FakeCall& call) -> std::optional<Error> {
    if (call.action.find("TransitGateway") == std::string::npos) return std::nullopt;
    return Error{ErrorCategory::kPermission, "not authorized", "UnauthorizedOperation",
                 "req-denied", 403};
  });
  auto topo = discoverText(cloud, singleVpcConfigText());
  ASSERT_TRUE(topo) << topo.error().describe();
  EXPECT_THAT(managedVpcTableIds(*topo), UnorderedElementsAre(kRtbA1, kRtbA2, kRtbA3));
  // With nodes in two VPCs the same denial stays an error: the layout needs TGWs.
  auto two = twoRegions();
  two->setInterceptor([](const FakeCall& call) -> std::optional<Error> {
    if (call.action.find("TransitGateway") == std::string::npos) return std::nullopt;
    return Error{ErrorCategory::kPermission, "not authorized", "UnauthorizedOperation",
                 "req-denied", 403};
  });
  auto denied = discoverText(two, baseConfigText());
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().category, ErrorCategory::kPermission);
}

TEST(DiscoverySingleVpc, NodesInTwoVpcsWithoutTransitGatewaysAreRefusedNamingBoth) {
  auto cloud = singleVpc();
  cloud->addEni("us-east-1", "eni-c0000001", kVpcC);
  std::string text = singleVpcConfigText();
  text.replace(text.find("eni-b0000001"), 12, "eni-c0000001");
  auto topo = discoverText(cloud, text);
  ASSERT_FALSE(topo);
  EXPECT_EQ(topo.error().category, ErrorCategory::kInvalidConfig);
  EXPECT_THAT(topo.error().message, HasSubstr("2 VPCs"));
  EXPECT_THAT(topo.error().message, HasSubstr("node 'node-a' in vpc-a0000001"));
  EXPECT_THAT(topo.error().message, HasSubstr("node 'node-b' in vpc-c0000001"));
  EXPECT_THAT(topo.error().message, HasSubstr("not attached to any transit gateway"));
  EXPECT_THAT(topo.error().message, HasSubstr("no path between the nodes' VPCs"));
  EXPECT_EQ(cloud->writeCount(), 0);
}

// One node's VPC has a transit gateway, the other's has none.
TEST(DiscoverySingleVpc, NodeVpcWithoutTgwNextToOneWithIsRefusedNamingIt) {
  auto cloud = twoRegions();
  cloud->addVpc("us-west-2", "vpc-b0000009", "10.9.0.0/16");
  cloud->addEni("us-west-2", "eni-b0000009", "vpc-b0000009");
  std::string text = baseConfigText();
  text.replace(text.find("eni-b0000001"), 12, "eni-b0000009");
  auto topo = discoverText(cloud, text);
  ASSERT_FALSE(topo);
  EXPECT_THAT(topo.error().message, HasSubstr("vpc-b0000009 is not attached"));
  EXPECT_THAT(topo.error().message, HasSubstr(fmt::format("vpc-a0000001 (us-east-1, {})", kTgwE)));
  EXPECT_THAT(topo.error().message, HasSubstr("attach vpc-b0000009 to a transit gateway"));
}

// Mixed: the nodes share a VPC without a TGW, but a listed table lies in another
// VPC (here one attached to a TGW): the rules cannot serve it, so nothing is planned.
TEST(DiscoverySingleVpc, AListedTableOutsideTheVpcIsRefusedNotHalfPlanned) {
  auto cloud = singleVpc();
  cloud->addTgw("us-east-1", kTgwE);
  cloud->addTgwRouteTable(kTgwRtbE, kTgwE);
  cloud->addVpcAttachment(kAttC, kTgwE, kVpcC);
  cloud->associate(kAttC, kTgwRtbE);
  auto topo = discoverText(cloud, singleVpcConfigText("vpc_route_tables = [\"rtb-a0000001\", "
                                                      "\"rtb-c0000001\"]\n"));
  ASSERT_FALSE(topo);
  EXPECT_EQ(topo.error().category, ErrorCategory::kInvalidConfig);
  EXPECT_THAT(topo.error().message, HasSubstr("rtb-c0000001 (vpc-c0000001, us-east-1)"));
  EXPECT_THAT(topo.error().message, HasSubstr("every node is in vpc-a0000001"));
  EXPECT_THAT(topo.error().message, Not(HasSubstr("rtb-a0000001")));

  auto tgwTable = discoverText(cloud, singleVpcConfigText("vpc_route_tables = [\"rtb-a0000001\"]\n"
                                                          "tgw_route_tables = [\"" +
                                                          std::string(kTgwRtbE) + "\"]\n"));
  ASSERT_FALSE(tgwTable);
  EXPECT_THAT(tgwTable.error().message,
              HasSubstr("transit gateway route table tgw-rtb-e0000001 (tgw-e0000001"));
  EXPECT_THAT(tgwTable.error().message, HasSubstr("nodes' VPC vpc-a0000001 is not attached"));
  EXPECT_EQ(cloud->writeCount(), 0);
}

// A single VPC that is attached to a TGW is the ordinary layout: its TGW
// tables point at its attachment.
TEST(DiscoverySingleVpc, AVpcWithATransitGatewayKeepsTheTgwRules) {
  auto cloud = singleVpc();
  cloud->addTgw("us-east-1", kTgwE);
  cloud->addTgwRouteTable(kTgwRtbE, kTgwE);
  cloud->addVpcAttachment(kAttA, kTgwE, kVpcA);
  cloud->associate(kAttA, kTgwRtbE);
  auto topo = discoverText(cloud, singleVpcConfigText());
  ASSERT_TRUE(topo) << topo.error().describe();
  EXPECT_EQ(topo->findNode("node-b")->tgwId, kTgwE);
  EXPECT_EQ(topo->managedTgwTables().size(), 1u);
}

// ---- the durable scope -----------------------------------------------------------------

struct ScopeFixture {
  std::shared_ptr<FakeCloud> cloud;
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  Result<model::Topology> run(const std::string& configText, DiscoveryOptions options = {}) {
    auto config = parseOrDie(configText);
    return discover(config, cloud->factory(), Deadline::none(clock), options);
  }
  void regionDown(const std::string& region) {
    cloud->setInterceptor([region](const FakeCall& call) -> std::optional<Error> {
      if (call.region != region) return std::nullopt;
      return fakeAwsError(ErrorCategory::kRetryable, "Transport.Error", "connection refused", 0);
    });
  }
};

std::int64_t unixNow(const FakeClock& clock) {
  return std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
}

TEST(DiscoveryScope, EveryManagedTableSaysWhyAndSinceWhen) {
  ScopeFixture f{twoRegions()};
  auto topo = f.run(baseConfigText());
  ASSERT_TRUE(topo) << topo.error().describe();
  EXPECT_EQ(topo->origins.at(kRtbA1).provenance, model::Provenance::kNodeVpc);
  EXPECT_EQ(topo->origins.at(kRtbC1).provenance, model::Provenance::kVipRoute);
  EXPECT_EQ(topo->origins.at(kTgwRtbE).provenance, model::Provenance::kTgwInScope);
  EXPECT_EQ(topo->origins.at(kRtbC1).firstSeen, unixNow(*f.clock));
  EXPECT_FALSE(topo->origins.contains(kRtbC2)) << "not managed";
  EXPECT_TRUE(topo->staleRegions.empty());
}

// The defect the durable scope cures: the VIP route deleted by hand from a
// client table made the table leave the scope, so nothing ever noticed.
TEST(DiscoveryScope, AClientTableThatLostItsVipRouteStaysManaged) {
  ScopeFixture f{twoRegions()};
  auto first = f.run(baseConfigText());
  ASSERT_TRUE(first);
  const auto firstSeen = first->origins.at(kRtbC1).firstSeen;
  f.clock->advance(std::chrono::hours(24));
  f.cloud->removeRoute(kRtbC1, kVip);

  auto without = f.run(baseConfigText());
  ASSERT_TRUE(without);
  EXPECT_FALSE(without->vpcRouteTables.at(kRtbC1).managed) << "discovery alone drops it";

  DiscoveryOptions options;
  options.stored = &*first;
  auto topo = f.run(baseConfigText(), options);
  ASSERT_TRUE(topo) << topo.error().describe();
  ASSERT_TRUE(topo->vpcRouteTables.at(kRtbC1).managed);
  EXPECT_THAT(topo->vpcRouteTables.at(kRtbC1).why, HasSubstr("held the VIP route (first seen"));
  EXPECT_EQ(topo->origins.at(kRtbC1).provenance, model::Provenance::kVipRoute);
  EXPECT_EQ(topo->origins.at(kRtbC1).firstSeen, firstSeen) << "first seen is kept";
  EXPECT_FALSE(topo->vpcRouteTables.at(kRtbC2).managed);

  // The planner wants the route back: a create in that table.
  auto desired = plan::desiredRoutes(*topo, "node-a", model::parseVipHostPrefix(kVip).value());
  ASSERT_TRUE(desired);
  EXPECT_TRUE(std::any_of(desired->begin(), desired->end(),
                          [](const plan::DesiredRoute& d) { return d.tableId == kRtbC1; }));
}

TEST(DiscoveryScope, AStoredTableThatNoLongerExistsLeavesTheScope) {
  ScopeFixture f{twoRegions()};
  auto first = f.run(baseConfigText());
  ASSERT_TRUE(first);
  f.cloud->deleteTable(kRtbC1);
  f.cloud->deleteTable(kTgwRtbB);
  DiscoveryOptions options;
  options.stored = &*first;
  auto topo = f.run(baseConfigText(), options);
  ASSERT_TRUE(topo) << topo.error().describe();
  EXPECT_FALSE(topo->vpcRouteTables.contains(kRtbC1));
  EXPECT_FALSE(topo->origins.contains(kRtbC1));
  EXPECT_FALSE(topo->tgwRouteTables.contains(kTgwRtbB));
  EXPECT_FALSE(topo->origins.contains(kTgwRtbB));
  EXPECT_TRUE(topo->origins.contains(kRtbA1));
}

// An older store's table list (no provenance recorded) carries over the same way.
TEST(DiscoveryScope, CarriedOverTablesStayManaged) {
  ScopeFixture f{twoRegions()};
  f.cloud->removeRoute(kRtbC1, kVip);
  model::Topology carried;
  carried.vpcRouteTables[kRtbC1] =
      model::VpcRouteTableInfo{kRtbC1, "us-east-1", kVpcC, false, true, ""};
  carried.origins[kRtbC1] = model::TableOrigin{};
  DiscoveryOptions options;
  options.stored = &carried;
  options.storedComplete = false;
  auto topo = f.run(baseConfigText(), options);
  ASSERT_TRUE(topo) << topo.error().describe();
  EXPECT_TRUE(topo->vpcRouteTables.at(kRtbC1).managed);
  EXPECT_EQ(topo->origins.at(kRtbC1).provenance, model::Provenance::kCarried);
}

TEST(DiscoveryScope, TaggedTablesAreManagedWithoutTheRoute) {
  ScopeFixture f{twoRegions()};
  f.cloud->tagTable(kRtbC2, "tgwark:vip", "192.168.10.10");
  auto topo = f.run(baseConfigText("scope_tag = \"tgwark:vip=192.168.10.10\"\n"));
  ASSERT_TRUE(topo) << topo.error().describe();
  EXPECT_TRUE(topo->vpcRouteTables.at(kRtbC2).managed);
  EXPECT_EQ(topo->origins.at(kRtbC2).provenance, model::Provenance::kTagged);
  EXPECT_THAT(topo->vpcRouteTables.at(kRtbC2).why, HasSubstr("tagged tgwark:vip=192.168.10.10"));

  auto otherValue = f.run(baseConfigText("scope_tag = \"tgwark:vip=10.0.0.1\"\n"));
  ASSERT_TRUE(otherValue);
  EXPECT_FALSE(otherValue->vpcRouteTables.at(kRtbC2).managed);
  auto anyValue = f.run(baseConfigText("scope_tag = \"tgwark:vip\"\n"));
  ASSERT_TRUE(anyValue);
  EXPECT_TRUE(anyValue->vpcRouteTables.at(kRtbC2).managed);
  auto noTag = f.run(baseConfigText());
  ASSERT_TRUE(noTag);
  EXPECT_FALSE(noTag->vpcRouteTables.at(kRtbC2).managed);
}

// With the tables listed, the tag still adds tables of its kind.
TEST(DiscoveryScope, TagsAddToListedTables) {
  ScopeFixture f{twoRegions()};
  f.cloud->tagTable(kRtbC2, "scope", "yes");
  f.cloud->tagTable(kTgwRtbB, "scope", "yes");
  auto topo =
      f.run(baseConfigText("scope_tag = \"scope=yes\"\n"
                           "vpc_route_tables = [\"rtb-a0000001\"]\n"
                           "tgw_route_tables = [\"tgw-rtb-e0000001\"]\n"));
  ASSERT_TRUE(topo) << topo.error().describe();
  EXPECT_THAT(managedVpcIds(*topo), ::testing::UnorderedElementsAre(kRtbA1, kRtbC2));
  EXPECT_THAT(managedTgwIds(*topo), ::testing::UnorderedElementsAre(kTgwRtbE, kTgwRtbB));
  EXPECT_EQ(topo->origins.at(kRtbA1).provenance, model::Provenance::kListed);
  EXPECT_EQ(topo->origins.at(kTgwRtbB).provenance, model::Provenance::kTagged);
}

// Listing one kind of table no longer drops the other kind.
TEST(DiscoveryScope, ListingOnlyVpcTablesStillDiscoversTheTgwTables) {
  ScopeFixture f{twoRegions()};
  auto topo = f.run(baseConfigText("vpc_route_tables = [\"rtb-a0000001\", \"rtb-b0000001\"]\n"));
  ASSERT_TRUE(topo) << topo.error().describe();
  EXPECT_THAT(managedVpcIds(*topo), ::testing::UnorderedElementsAre(kRtbA1, kRtbB1));
  EXPECT_THAT(managedTgwIds(*topo), ::testing::UnorderedElementsAre(kTgwRtbE, kTgwRtbB));
  EXPECT_EQ(topo->origins.at(kTgwRtbE).provenance, model::Provenance::kTgwInScope);
}

TEST(DiscoveryScope, ListingOnlyTgwTablesStillDiscoversTheVpcTables) {
  ScopeFixture f{twoRegions()};
  auto topo = f.run(baseConfigText("tgw_route_tables = [\"tgw-rtb-e0000001\"]\n"));
  ASSERT_TRUE(topo) << topo.error().describe();
  EXPECT_THAT(managedVpcIds(*topo),
              ::testing::UnorderedElementsAre(kRtbA1, kRtbA2, kRtbB1, kRtbC1));
  EXPECT_THAT(managedTgwIds(*topo), ::testing::UnorderedElementsAre(kTgwRtbE));
  EXPECT_EQ(topo->origins.at(kRtbC1).provenance, model::Provenance::kVipRoute);
}

// The stock agent's permissions with its VPC tables listed: the TGW tables
// cannot be read, and that is said, not failed.
TEST(DiscoveryScope, ListedVpcTablesWithoutTgwTablePermissionWarnAndGoOn) {
  ScopeFixture f{twoRegions()};
  f.cloud->setInterceptor([](const FakeCall& call) -> std::optional<Error> {
    if (call.action != "DescribeTransitGatewayRouteTables") return std::nullopt;
    return fakeAwsError(ErrorCategory::kPermission, "UnauthorizedOperation", "denied", 403);
  });
  auto topo = f.run(baseConfigText("vpc_route_tables = [\"rtb-a0000001\", \"rtb-b0000001\"]\n"));
  ASSERT_TRUE(topo) << topo.error().describe();
  EXPECT_TRUE(managedTgwIds(*topo).empty());
}

// An explicitly empty list is a list: that kind is not managed at all.
TEST(DiscoveryScope, AnEmptyListManagesNoTableOfItsKind) {
  ScopeFixture f{twoRegions()};
  auto noTgw =
      f.run(baseConfigText("vpc_route_tables = [\"rtb-a0000001\", \"rtb-b0000001\"]\n"
                           "tgw_route_tables = []\n"));
  ASSERT_TRUE(noTgw) << noTgw.error().describe();
  EXPECT_THAT(managedVpcIds(*noTgw), ::testing::UnorderedElementsAre(kRtbA1, kRtbB1));
  EXPECT_TRUE(managedTgwIds(*noTgw).empty());
  auto onlyVpc = f.run(baseConfigText("tgw_route_tables = []\n"));
  ASSERT_TRUE(onlyVpc) << onlyVpc.error().describe();
  EXPECT_THAT(managedVpcIds(*onlyVpc),
              ::testing::UnorderedElementsAre(kRtbA1, kRtbA2, kRtbB1, kRtbC1));
  EXPECT_TRUE(managedTgwIds(*onlyVpc).empty());
}

// ---- regions are independent -----------------------------------------------------------

TEST(DiscoveryRegions, AClientRegionDownIsTakenFromTheStoredScope) {
  ScopeFixture f{threeRegions()};
  auto first = f.run(baseConfigText());
  ASSERT_TRUE(first);
  f.regionDown("eu-west-1");
  DiscoveryOptions options;
  options.stored = &*first;
  auto topo = f.run(baseConfigText(), options);
  ASSERT_TRUE(topo) << topo.error().describe();
  EXPECT_TRUE(topo->staleRegions.contains("eu-west-1"));
  EXPECT_THAT(topo->staleRegions.at("eu-west-1"), HasSubstr("Transport.Error"));
  EXPECT_THAT(managedVpcIds(*topo),
              ::testing::UnorderedElementsAre(kRtbA1, kRtbA2, kRtbB1, kRtbC1, kRtbD1));
  EXPECT_THAT(managedTgwIds(*topo), ::testing::UnorderedElementsAre(kTgwRtbE, kTgwRtbB, kTgwRtbD));
  EXPECT_NE(topo->findAttachment(kTgwD, kPeerBD), nullptr) << "its side of the peering, as known";
  auto desired = plan::desiredRoutes(*topo, "node-b", model::parseVipHostPrefix(kVip).value());
  ASSERT_TRUE(desired) << desired.error().describe();
}

TEST(DiscoveryRegions, AClientRegionDownWithoutAStoreContributesNothing) {
  ScopeFixture f{threeRegions()};
  f.regionDown("eu-west-1");
  auto topo = f.run(baseConfigText());
  ASSERT_TRUE(topo) << topo.error().describe();
  EXPECT_TRUE(topo->staleRegions.contains("eu-west-1"));
  EXPECT_THAT(managedVpcIds(*topo),
              ::testing::UnorderedElementsAre(kRtbA1, kRtbA2, kRtbB1, kRtbC1));
  EXPECT_FALSE(topo->tgwRouteTables.contains(kTgwRtbD));
}

// Not told which node acts, discovery needs every node's region.
TEST(DiscoveryRegions, ANodeRegionIsNeededUnlessAnotherNodeActs) {
  ScopeFixture f{twoRegions()};
  auto first = f.run(baseConfigText());
  ASSERT_TRUE(first);
  f.regionDown("us-east-1");
  DiscoveryOptions options;
  options.stored = &*first;
  auto anyNode = f.run(baseConfigText(), options);
  ASSERT_FALSE(anyNode);
  EXPECT_THAT(anyNode.error().describe(), HasSubstr("Transport.Error"));

  options.homeRegion = "us-west-2";  // node-b acts; node-a's region is down
  auto topo = f.run(baseConfigText(), options);
  ASSERT_TRUE(topo) << topo.error().describe();
  EXPECT_TRUE(topo->staleRegions.contains("us-east-1"));
  EXPECT_EQ(topo->findNode("node-a")->vpcAttachmentId, kAttA) << "node-a as last known";
  EXPECT_EQ(topo->findNode("node-b")->vpcAttachmentId, kAttB);
  EXPECT_THAT(managedVpcIds(*topo),
              ::testing::UnorderedElementsAre(kRtbA1, kRtbA2, kRtbB1, kRtbC1));

  options.stored = &*first;
  options.homeRegion = "us-east-1";  // the acting node's own region is down
  auto home = f.run(baseConfigText(), options);
  ASSERT_FALSE(home);
}

// node-b acts with node-a's region down and nothing stored to place node-a
// (a first run, or an older store with only its table list): node-a is left
// out, and node-b's routes are computed without it. Everything they need is
// outside node-a's region: node-b's VPC and TGW, and the client region's TGW
// reached over its own peering with node-b's TGW.
TEST(DiscoveryRegions, AnotherNodesRegionDownWithNothingStoredLeavesThatNodeOut) {
  ScopeFixture f{threeRegions()};
  auto first = f.run(baseConfigText());
  ASSERT_TRUE(first);
  f.regionDown("us-east-1");
  DiscoveryOptions options;
  options.homeRegion = "us-west-2";
  for (bool olderStore : {false, true}) {
    SCOPED_TRACE(olderStore ? "an older store" : "no store");
    options.stored = olderStore ? &*first : nullptr;
    options.storedComplete = !olderStore;
    auto topo = f.run(baseConfigText(), options);
    ASSERT_TRUE(topo) << topo.error().describe();
    EXPECT_TRUE(topo->staleRegions.contains("us-east-1"));
    ASSERT_TRUE(topo->staleRegionErrors.contains("us-east-1"));
    EXPECT_EQ(topo->staleRegionErrors.at("us-east-1").category, ErrorCategory::kRetryable);
    EXPECT_EQ(topo->unplacedNodes, std::vector<std::string>{"node-a"});
    EXPECT_EQ(topo->findNode("node-a"), nullptr);
    ASSERT_NE(topo->findNode("node-b"), nullptr);
    EXPECT_EQ(topo->findNode("node-b")->vpcAttachmentId, kAttB);
    EXPECT_THAT(managedVpcIds(*topo), ::testing::UnorderedElementsAre(kRtbB1, kRtbD1));
    EXPECT_THAT(managedTgwIds(*topo), ::testing::UnorderedElementsAre(kTgwRtbB, kTgwRtbD));
    auto desired = plan::desiredRoutes(*topo, "node-b", model::parseVipHostPrefix(kVip).value());
    ASSERT_TRUE(desired) << desired.error().describe();
    std::map<std::string, std::string> targets;
    for (const auto& d : *desired) targets[d.tableId] = d.target.id;
    EXPECT_EQ(targets,
              (std::map<std::string, std::string>{
                  {kRtbB1, kEniB}, {kRtbD1, kTgwD}, {kTgwRtbB, kAttB}, {kTgwRtbD, kPeerBD}}));
  }

  // The acting node's own region down: nothing can stand in for it.
  options.stored = nullptr;
  options.storedComplete = true;
  options.homeRegion = "us-east-1";
  auto home = f.run(baseConfigText(), options);
  ASSERT_FALSE(home);
  EXPECT_THAT(home.error().describe(), HasSubstr("Transport.Error"));
  EXPECT_NE(home.error().category, ErrorCategory::kInvalidConfig);
}

// A stored scope that knows node-a's ENI but not its VPC (a file cut short
// or edited) cannot place node-a either: left out, not a failed discovery.
TEST(DiscoveryRegions, AStoredScopeWithoutTheNodesVpcLeavesThatNodeOut) {
  ScopeFixture f{twoRegions()};
  auto first = f.run(baseConfigText());
  ASSERT_TRUE(first);
  auto stored = *first;
  stored.vpcs.erase(kVpcA);
  f.regionDown("us-east-1");
  DiscoveryOptions options;
  options.stored = &stored;
  options.homeRegion = "us-west-2";
  auto topo = f.run(baseConfigText(), options);
  ASSERT_TRUE(topo) << topo.error().describe();
  EXPECT_EQ(topo->findNode("node-a"), nullptr);
  EXPECT_EQ(topo->unplacedNodes, std::vector<std::string>{"node-a"});
  EXPECT_EQ(topo->findNode("node-b")->vpcAttachmentId, kAttB);
}

// node-a's VPC from the config (`vpc = ...`, as the OCF nodes parameter's
// :vpc-... field gives it) places its ENI without DescribeNetworkInterfaces,
// but its region denies everything: its transit gateway cannot be known, so
// node-a is left out all the same, and node-b's routes go ahead.
TEST(DiscoveryRegions, ANodeVpcFromTheConfigInADeniedRegionStillLeavesThatNodeOut) {
  ScopeFixture f{twoRegions()};
  f.cloud->setInterceptor([](const FakeCall& call) -> std::optional<Error> {
    if (call.region != "us-east-1") return std::nullopt;
    return fakeAwsError(ErrorCategory::kPermission, "UnauthorizedOperation", "denied", 403);
  });
  std::string text = baseConfigText();
  text.replace(text.find("eni = \"eni-a0000001\"\n"),
               std::string("eni = \"eni-a0000001\"\n").size(),
               "eni = \"eni-a0000001\"\nvpc = \"vpc-a0000001\"\n");
  DiscoveryOptions options;
  options.homeRegion = "us-west-2";
  auto topo = f.run(text, options);
  ASSERT_TRUE(topo) << topo.error().describe();
  EXPECT_EQ(topo->findNode("node-a"), nullptr);
  EXPECT_EQ(topo->unplacedNodes, std::vector<std::string>{"node-a"});
  EXPECT_EQ(topo->staleRegionErrors.at("us-east-1").category, ErrorCategory::kPermission);
  EXPECT_THAT(managedVpcIds(*topo), ::testing::UnorderedElementsAre(kRtbB1));
  EXPECT_THAT(managedTgwIds(*topo), ::testing::UnorderedElementsAre(kTgwRtbB));
  EXPECT_TRUE(plan::desiredRoutes(*topo, "node-b", model::parseVipHostPrefix(kVip).value()));
}

// A remote region whose calls run out of (remote) time is given up on; the
// discovery as a whole still has its own deadline.
TEST(DiscoveryRegions, ARemoteRegionPastItsDeadlineIsGivenUpOn) {
  ScopeFixture f{threeRegions()};
  auto first = f.run(baseConfigText());
  ASSERT_TRUE(first);
  f.cloud->setInterceptor([](const FakeCall& call) -> std::optional<Error> {
    if (call.region != "eu-west-1") return std::nullopt;
    return fakeAwsError(ErrorCategory::kDeadlineExceeded, "", "deadline exceeded", 0);
  });
  auto config = parseOrDie(baseConfigText());
  DiscoveryOptions options;
  options.stored = &*first;
  options.homeRegion = "us-west-2";
  options.remoteDeadline = Deadline::after(f.clock, std::chrono::seconds(2));
  auto topo = discover(config, f.cloud->factory(),
                       Deadline::after(f.clock, std::chrono::seconds(60)), options);
  ASSERT_TRUE(topo) << topo.error().describe();
  EXPECT_TRUE(topo->staleRegions.contains("eu-west-1"));
  EXPECT_TRUE(topo->tgwRouteTables.contains(kTgwRtbD));
}

// A listed table in a region that cannot be read is neither a configuration
// error nor a reason to fail the other regions: it is left out for now.
TEST(DiscoveryRegions, AListedTableInARegionDownIsLeftOutForNow) {
  ScopeFixture f{threeRegions()};
  f.regionDown("eu-west-1");
  auto topo =
      f.run(baseConfigText("vpc_route_tables = [\"rtb-a0000001\", \"rtb-d0000001\"]\n"
                           "regions = [\"eu-west-1\"]\n"));
  ASSERT_TRUE(topo) << topo.error().describe();
  EXPECT_TRUE(topo->staleRegions.contains("eu-west-1"));
  EXPECT_THAT(managedVpcIds(*topo), ::testing::UnorderedElementsAre(kRtbA1));
  f.cloud->setInterceptor(nullptr);
  EXPECT_TRUE(
      f.run(baseConfigText("vpc_route_tables = [\"rtb-a0000001\", \"rtb-d0000001\"]\n"
                           "regions = [\"eu-west-1\"]\n")));
}

}  // namespace
}  // namespace tgwark::engine
