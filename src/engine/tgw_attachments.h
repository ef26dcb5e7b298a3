// What discovery and the check of a stored scope both make of EC2's transit
// gateway attachment answers, so the two can never disagree on an attachment:
// which states mean gone, which resource types are peerings, and the shape of
// DescribeTransitGatewayAttachments rebuilt from the VPC and peering
// attachment calls (the fallback under an IAM policy without that call, as
// the vendor TGW kit's). Engine-internal.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "aws/ec2_types.h"

namespace tgwark::engine {

// An attachment or table on its way out (or never coming): not in scope.
bool goneState(const std::string& state);

// DescribeTransitGatewayAttachments says "peering"; some endpoints "tgw-peering".
bool isPeeringType(const std::string& type);

// A VPC attachment in DescribeTransitGatewayAttachments' shape (no association).
aws::TransitGatewayAttachment fromVpcAttachment(const aws::TransitGatewayVpcAttachment& v);

// The accepter side's attachment id: its own within one region, the shared one
// across regions (EC2 leaves accepterTransitGatewayAttachmentId out there).
const std::string& accepterSideId(const aws::TransitGatewayPeeringAttachment& p);

// Appends one attachment per side of each peering whose TGW is in `tgws` (a
// transit-gateway-id filter matches either side), each under that side's own
// id, with the far TGW as its resource.
void addPeeringSides(const std::vector<aws::TransitGatewayPeeringAttachment>& peers,
                     const std::set<std::string>& tgws,
                     std::vector<aws::TransitGatewayAttachment>& out);

}  // namespace tgwark::engine
