#include "model/topology.h"

#include <gtest/gtest.h>

#include "model/observed.h"

namespace tgwark::model {
namespace {

AttachmentInfo attachment(std::string id, std::string tgw, AttachmentKind kind,
                          std::string resource, std::string state = "available") {
  AttachmentInfo a;
  a.id = std::move(id);
  a.tgwId = std::move(tgw);
  a.kind = kind;
  a.resourceId = std::move(resource);
  a.state = std::move(state);
  return a;
}

Topology sample() {
  Topology t;
  t.attachments = {
      attachment("tgw-attach-old", "tgw-a", AttachmentKind::kVpc, "vpc-1", "deleted"),
      attachment("tgw-attach-v1", "tgw-a", AttachmentKind::kVpc, "vpc-1"),
      attachment("tgw-attach-v2", "tgw-b", AttachmentKind::kVpc, "vpc-2"),
      // One peering, seen from both sides.
      attachment("tgw-attach-p", "tgw-a", AttachmentKind::kPeering, "tgw-b"),
      attachment("tgw-attach-p", "tgw-b", AttachmentKind::kPeering, "tgw-a"),
  };
  t.nodes = {NodeInfo{"node-a", "us-east-1", "eni-a", "vpc-1", "tgw-a", "tgw-attach-v1"},
             NodeInfo{"node-b", "us-west-2", "eni-b", "vpc-2", "tgw-b", "tgw-attach-v2"}};
  t.vpcRouteTables["rtb-2"] = VpcRouteTableInfo{"rtb-2", "us-west-2", "vpc-2", true, true, ""};
  t.vpcRouteTables["rtb-1"] = VpcRouteTableInfo{"rtb-1", "us-east-1", "vpc-1", true, true, ""};
  t.vpcRouteTables["rtb-x"] = VpcRouteTableInfo{"rtb-x", "us-east-1", "vpc-1", false, false, ""};
  t.tgwRouteTables["tgw-rtb-a"] = TgwRouteTableInfo{"tgw-rtb-a", "tgw-a", "us-east-1", true};
  t.tgwRouteTables["tgw-rtb-x"] = TgwRouteTableInfo{"tgw-rtb-x", "tgw-a", "us-east-1", false};
  return t;
}

TEST(TopologyTest, FindsNodes) {
  Topology t = sample();
  ASSERT_NE(t.findNode("node-b"), nullptr);
  EXPECT_EQ(t.findNode("node-b")->eniId, "eni-b");
  EXPECT_EQ(t.findNode("node-c"), nullptr);
  ASSERT_NE(t.findNodeByEni("eni-a"), nullptr);
  EXPECT_EQ(t.findNodeByEni("eni-a")->name, "node-a");
  EXPECT_EQ(t.findNodeByEni("eni-z"), nullptr);
}

TEST(TopologyTest, FindAttachmentDistinguishesPeeringSides) {
  Topology t = sample();
  const auto* fromA = t.findAttachment("tgw-a", "tgw-attach-p");
  const auto* fromB = t.findAttachment("tgw-b", "tgw-attach-p");
  ASSERT_NE(fromA, nullptr);
  ASSERT_NE(fromB, nullptr);
  EXPECT_EQ(fromA->resourceId, "tgw-b");
  EXPECT_EQ(fromB->resourceId, "tgw-a");
  EXPECT_EQ(t.findAttachment("tgw-c", "tgw-attach-p"), nullptr);
}

TEST(TopologyTest, VpcAttachmentIgnoresDeadOnes) {
  Topology t = sample();
  const auto* a = t.vpcAttachment("tgw-a", "vpc-1");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->id, "tgw-attach-v1");
  EXPECT_EQ(t.vpcAttachment("tgw-b", "vpc-1"), nullptr);
  // A peering is never a VPC attachment, even if its resource id looked like one.
  EXPECT_EQ(t.vpcAttachment("tgw-a", "tgw-b"), nullptr);
}

TEST(TopologyTest, PeeringsAsSeenFromOneSide) {
  Topology t = sample();
  auto peerings = t.peerings("tgw-b");
  ASSERT_EQ(peerings.size(), 1u);
  EXPECT_EQ(peerings[0]->tgwId, "tgw-b");
  EXPECT_EQ(peerings[0]->resourceId, "tgw-a");
  EXPECT_TRUE(t.peerings("tgw-c").empty());
}

TEST(TopologyTest, PeerSideAcrossRegionsSharesTheId) {
  Topology t = sample();
  const auto* fromA = t.findAttachment("tgw-a", "tgw-attach-p");
  ASSERT_NE(fromA, nullptr);
  const auto* far = t.peerSide(*fromA);
  ASSERT_NE(far, nullptr);
  EXPECT_EQ(far->tgwId, "tgw-b");
  EXPECT_EQ(far->id, "tgw-attach-p");
}

// Two TGWs in one region: each side has its own attachment id.
TEST(TopologyTest, PeerSideWithinARegionHasItsOwnId) {
  Topology t;
  auto a = attachment("tgw-attach-pa", "tgw-a", AttachmentKind::kPeering, "tgw-b");
  a.peerAttachmentId = "tgw-attach-pb";
  auto b = attachment("tgw-attach-pb", "tgw-b", AttachmentKind::kPeering, "tgw-a");
  b.peerAttachmentId = "tgw-attach-pa";
  t.attachments = {a, b};
  ASSERT_NE(t.peerSide(t.attachments[0]), nullptr);
  EXPECT_EQ(t.peerSide(t.attachments[0])->id, "tgw-attach-pb");
  ASSERT_NE(t.peerSide(t.attachments[1]), nullptr);
  EXPECT_EQ(t.peerSide(t.attachments[1])->id, "tgw-attach-pa");
  // Each id belongs to its own TGW only.
  EXPECT_EQ(t.findAttachment("tgw-a", "tgw-attach-pb"), nullptr);
  EXPECT_EQ(t.findAttachment("tgw-b", "tgw-attach-pa"), nullptr);
  ASSERT_EQ(t.peerings("tgw-b").size(), 1u);
  EXPECT_EQ(t.peerings("tgw-b")[0]->id, "tgw-attach-pb");
}

TEST(TopologyTest, ManagedTablesOnly) {
  Topology t = sample();
  auto vpcTables = t.managedVpcTables();
  ASSERT_EQ(vpcTables.size(), 2u);
  EXPECT_EQ(vpcTables[0]->id, "rtb-1");
  EXPECT_EQ(vpcTables[1]->id, "rtb-2");
  auto tgwTables = t.managedTgwTables();
  ASSERT_EQ(tgwTables.size(), 1u);
  EXPECT_EQ(tgwTables[0]->id, "tgw-rtb-a");
}

TEST(ObservedStateTest, Find) {
  ObservedState state;
  state.tables["rtb-1"].id = "rtb-1";
  ASSERT_NE(state.find("rtb-1"), nullptr);
  EXPECT_EQ(state.find("rtb-1")->id, "rtb-1");
  EXPECT_EQ(state.find("rtb-2"), nullptr);
}

}  // namespace
}  // namespace tgwark::model
