#include "engine/tgw_attachments.h"

namespace tgwark::engine {

bool goneState(const std::string& state) {
  return state == "deleted" || state == "deleting" || state == "failed" || state == "failing" ||
         state == "rejected" || state == "rejecting";
}

bool isPeeringType(const std::string& type) {
  return type == "peering" || type == "tgw-peering";
}

aws::TransitGatewayAttachment fromVpcAttachment(const aws::TransitGatewayVpcAttachment& v) {
  aws::TransitGatewayAttachment a;
  a.transitGatewayAttachmentId = v.transitGatewayAttachmentId;
  a.transitGatewayId = v.transitGatewayId;
  a.resourceType = "vpc";
  a.resourceId = v.vpcId;
  a.resourceOwnerId = v.vpcOwnerId;
  a.state = v.state;
  return a;
}

const std::string& accepterSideId(const aws::TransitGatewayPeeringAttachment& p) {
  return p.accepterTransitGatewayAttachmentId.empty() ? p.transitGatewayAttachmentId
                                                      : p.accepterTransitGatewayAttachmentId;
}

void addPeeringSides(const std::vector<aws::TransitGatewayPeeringAttachment>& peers,
                     const std::set<std::string>& tgws,
                     std::vector<aws::TransitGatewayAttachment>& out) {
  for (const auto& p : peers) {
    for (const auto* side : {&p.requesterTgwInfo, &p.accepterTgwInfo}) {
      if (!tgws.contains(side->transitGatewayId)) continue;
      const auto& other = side == &p.requesterTgwInfo ? p.accepterTgwInfo : p.requesterTgwInfo;
      aws::TransitGatewayAttachment a;
      a.transitGatewayAttachmentId =
          side == &p.requesterTgwInfo ? p.transitGatewayAttachmentId : accepterSideId(p);
      a.transitGatewayId = side->transitGatewayId;
      a.resourceType = "peering";
      a.resourceId = other.transitGatewayId;
      a.resourceOwnerId = other.ownerId;
      a.state = p.state;
      out.push_back(std::move(a));
    }
  }
}

}  // namespace tgwark::engine
