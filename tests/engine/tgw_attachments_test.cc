#include "engine/tgw_attachments.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tgwark::engine {
namespace {

aws::TransitGatewayPeeringAttachment peering(std::string requesterId, std::string accepterId) {
  aws::TransitGatewayPeeringAttachment p;
  p.transitGatewayAttachmentId = std::move(requesterId);
  p.accepterTransitGatewayAttachmentId = std::move(accepterId);
  p.requesterTgwInfo = {"tgw-1", "111111111111", "us-east-1"};
  p.accepterTgwInfo = {"tgw-2", "222222222222", "us-east-1"};
  p.state = "available";
  return p;
}

TEST(TgwAttachmentsTest, AnIntraRegionPeeringHasOneAttachmentPerSideUnderItsOwnId) {
  std::vector<aws::TransitGatewayAttachment> out;
  addPeeringSides({peering("tgw-attach-r", "tgw-attach-a")}, {"tgw-1", "tgw-2"}, out);
  ASSERT_EQ(out.size(), 2U);
  EXPECT_EQ(out[0].transitGatewayAttachmentId, "tgw-attach-r");
  EXPECT_EQ(out[0].transitGatewayId, "tgw-1");
  EXPECT_EQ(out[0].resourceId, "tgw-2");
  EXPECT_EQ(out[0].resourceOwnerId, "222222222222");
  EXPECT_EQ(out[1].transitGatewayAttachmentId, "tgw-attach-a");
  EXPECT_EQ(out[1].transitGatewayId, "tgw-2");
  EXPECT_EQ(out[1].resourceId, "tgw-1");
  EXPECT_EQ(out[1].resourceOwnerId, "111111111111");
  for (const auto& a : out) {
    EXPECT_EQ(a.resourceType, "peering");
    EXPECT_EQ(a.state, "available");
    EXPECT_TRUE(isPeeringType(a.resourceType));
  }
}

TEST(TgwAttachmentsTest, ACrossRegionPeeringSharesOneIdAndOnlyTheAskedSidesAreKept) {
  auto p = peering("tgw-attach-x", "");
  EXPECT_EQ(accepterSideId(p), "tgw-attach-x");
  std::vector<aws::TransitGatewayAttachment> out;
  addPeeringSides({p}, {"tgw-2"}, out);
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(out[0].transitGatewayAttachmentId, "tgw-attach-x");
  EXPECT_EQ(out[0].transitGatewayId, "tgw-2");
}

TEST(TgwAttachmentsTest, AVpcAttachmentKeepsItsVpcAndOwner) {
  aws::TransitGatewayVpcAttachment v;
  v.transitGatewayAttachmentId = "tgw-attach-v";
  v.transitGatewayId = "tgw-1";
  v.vpcId = "vpc-1";
  v.vpcOwnerId = "333333333333";
  v.state = "modifying";
  auto a = fromVpcAttachment(v);
  EXPECT_EQ(a.resourceType, "vpc");
  EXPECT_EQ(a.resourceId, "vpc-1");
  EXPECT_EQ(a.resourceOwnerId, "333333333333");
  EXPECT_EQ(a.state, "modifying");
  EXPECT_FALSE(a.association.has_value());
}

TEST(TgwAttachmentsTest, GoneStates) {
  for (const char* s : {"deleted", "deleting", "failed", "failing", "rejected", "rejecting"})
    EXPECT_TRUE(goneState(s)) << s;
  for (const char* s : {"available", "modifying", "pending", "pendingAcceptance"})
    EXPECT_FALSE(goneState(s)) << s;
}

}  // namespace
}  // namespace tgwark::engine
