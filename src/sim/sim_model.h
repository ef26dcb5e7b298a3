// Derived views of the simulated world that EC2 computes rather than stores:
// route states (a route whose target is gone is a blackhole), the routes a TGW
// route table actually holds (static beating propagated), attachments as seen
// from one region (a peering is visible on both sides; within one region each
// side is its own attachment), and CIDR helpers.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/sim_topology.h"

namespace tgwark::sim {

// Canonical form of an IPv4/IPv6 CIDR ("10.0.0.0/16", "2001:db8::/64"), or
// nullopt when malformed or when host bits are set.
std::optional<std::string> canonicalCidr(std::string_view cidr, bool* isIpv6 = nullptr);
bool validIpv4(std::string_view address);

// "active" or "blackhole".
std::string vpcRouteState(const SimRegion& region, const SimRoute& route);
// The local routes of the table's VPC followed by the stored routes.
std::vector<SimRoute> effectiveVpcRoutes(const SimRegion& region, const SimRouteTable& table);

struct AttachmentView {
  std::string id;
  std::string transitGatewayId;  // the TGW on this region's side
  std::string resourceType;      // "vpc" | "peering"
  std::string resourceId;        // VPC id, or the TGW on the other side
  std::string resourceOwnerId;
  std::string state;
  const Tags* tags = nullptr;
};

std::optional<AttachmentView> findAttachment(const SimTopology& topology, const SimRegion& region,
                                             std::string_view id);
// Every attachment visible in the region, ordered by id.
std::vector<AttachmentView> regionAttachments(const SimTopology& topology, const SimRegion& region);
// The TGW route table (in this region) the attachment is associated with, or "".
std::string associatedTable(const SimRegion& region, std::string_view attachmentId);

struct EffectiveTgwRoute {
  std::string destination;
  std::string type;          // "static" | "propagated"
  std::string state;         // "active" | "blackhole"
  std::string attachmentId;  // empty for blackhole static routes
};
// Routes of a TGW route table ordered by destination: static routes plus the
// CIDRs of propagating VPC attachments, a static route hiding a propagated one
// for the same prefix.
std::vector<EffectiveTgwRoute> effectiveTgwRoutes(const SimTopology& topology,
                                                  const SimRegion& region,
                                                  const SimTgwRouteTable& table);

}  // namespace tgwark::sim

namespace tgwark::sim {
// True when inner lies within outer (same family). Both must be canonical CIDRs.
bool cidrContains(std::string_view outer, std::string_view inner);
}  // namespace tgwark::sim
