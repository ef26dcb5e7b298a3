// The in-memory picture of the network in scope: regions, VPCs, their route
// tables, ENIs, transit gateways, VPC and peering attachments, TGW route
// tables with their associations, and the cluster's nodes resolved onto them.
// Built by discovery (engine/discovery.h) or from the config's explicit lists;
// consumed by the planner (plan/) which never calls AWS.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "model/net.h"

namespace tgwark::model {

struct VpcInfo {
  std::string id;
  std::string region;
  std::vector<Prefix> cidrs;  // IPv4 and IPv6 blocks
  // The TGW this VPC sends the VIP to, when it is attached to several TGWs in
  // scope the config's [[vpc]] override decides; empty when attached to none.
  std::string transitGatewayId;
};

struct VpcRouteTableInfo {
  std::string id;
  std::string region;
  std::string vpcId;
  bool main = false;     // the VPC's main route table
  bool managed = false;  // tgwark writes the VIP route here
  std::string why;       // why it is (or is not) managed, for `discover` output
};

struct EniInfo {
  std::string id;
  std::string region;
  std::string vpcId;
  std::string subnetId;
  std::string instanceId;
  bool sourceDestCheck = true;
  std::string status;
};

struct TgwInfo {
  std::string id;
  std::string region;
  std::string ownerId;
  std::string state;
};

enum class AttachmentKind { kVpc, kPeering, kOther };

// A TGW attachment as seen from one TGW. A peering appears once per side (key:
// id + tgwId). A cross-region peering has one id shared by both sides; an
// intra-region peering has a separate attachment id on each side, and each
// TGW's routes must target its own side's id.
struct AttachmentInfo {
  std::string id;
  std::string tgwId;
  std::string region;
  AttachmentKind kind = AttachmentKind::kOther;
  std::string resourceId;              // VPC id for kVpc; the peer TGW id for kPeering
  std::string peerRegion;              // kPeering only
  std::string peerAttachmentId;        // kPeering: the far side's id (== id across regions)
  std::string state;                   // "available", "pendingAcceptance", ...
  std::string associatedRouteTableId;  // the TGW route table used for traffic entering from it

  // One name for a peering whichever side it is seen from (the smaller of
  // the two sides' ids): for listing each peering once.
  std::string peeringKey() const {
    return peerAttachmentId.empty() ? id : std::min(id, peerAttachmentId);
  }
  // "tgw-attach-1" across regions, "tgw-attach-1 / tgw-attach-2" within one.
  std::string peeringLabel() const {
    return peerAttachmentId.empty() || peerAttachmentId == id
               ? id
               : std::min(id, peerAttachmentId) + " / " + std::max(id, peerAttachmentId);
  }
};

struct TgwRouteTableInfo {
  std::string id;
  std::string tgwId;
  std::string region;
  bool managed = false;
};

struct NodeInfo {
  std::string name;
  std::string region;
  std::string eniId;
  std::string vpcId;
  std::string tgwId;            // the TGW the node's VPC uses
  std::string vpcAttachmentId;  // att(V_N) on that TGW
};

// Why a route table is managed: how it entered the scope. Kept in the scope
// store (app/topology_store.h) so `tgwark discover` can say where each
// managed table came from, and so a table keeps its reason after the reason
// itself is gone (the VIP route deleted by hand).
enum class Provenance {
  kListed,      // vpc_route_tables / tgw_route_tables
  kTagged,      // carries the configured scope_tag
  kVipRoute,    // a VPC table outside the nodes' VPCs that holds (or held) a VIP route
  kNodeVpc,     // a route table of a node's VPC
  kTgwInScope,  // a route table of a TGW in scope
  kCarried,     // carried over from an older store format; the reason was not recorded
};

struct TableOrigin {
  Provenance provenance = Provenance::kCarried;
  std::int64_t firstSeen = 0;  // Unix seconds when first managed; 0: unknown
};

// "listed", "tagged", "vip-route", "node-vpc", "tgw-in-scope", "carried-over".
std::string_view provenanceName(Provenance provenance);
std::optional<Provenance> provenanceFrom(std::string_view name);
// "2026-11-28T06:19:28Z"; "unknown" for 0.
std::string firstSeenText(std::int64_t unixSeconds);

struct Topology {
  std::map<std::string, VpcInfo> vpcs;
  std::map<std::string, VpcRouteTableInfo> vpcRouteTables;
  std::map<std::string, EniInfo> enis;
  std::map<std::string, TgwInfo> tgws;
  std::vector<AttachmentInfo> attachments;
  std::map<std::string, TgwRouteTableInfo> tgwRouteTables;
  std::vector<NodeInfo> nodes;
  // For each managed table (VPC and TGW), why and since when.
  std::map<std::string, TableOrigin> origins;
  // Regions that could not be read when this topology was discovered: their
  // part of it is the stored scope's last known state (or missing), by region.
  std::map<std::string, std::string> staleRegions;
  // The errors behind staleRegions, for a caller that says what kind of
  // outage each was (down, stalled, denied, throttled).
  std::map<std::string, Error> staleRegionErrors;
  // Nodes discovery could not place (their region could not be read and no
  // stored scope knew their ENI): left out of `nodes`. Another node's routes
  // need nothing of them; their own tables are in that region anyway.
  std::vector<std::string> unplacedNodes;

  const NodeInfo* findNode(std::string_view name) const;
  const NodeInfo* findNodeByEni(std::string_view eniId) const;
  // The attachment of `tgwId` whose id is `attachmentId` (either side of a peering).
  const AttachmentInfo* findAttachment(std::string_view tgwId, std::string_view attachmentId) const;
  // The (available) VPC attachment of vpcId on tgwId.
  const AttachmentInfo* vpcAttachment(std::string_view tgwId, std::string_view vpcId) const;
  // The far side of a peering attachment (its entry on the peer TGW), or null.
  const AttachmentInfo* peerSide(const AttachmentInfo& peering) const;
  // Peering attachments of tgwId, as seen from tgwId.
  std::vector<const AttachmentInfo*> peerings(std::string_view tgwId) const;
  std::vector<const VpcRouteTableInfo*> managedVpcTables() const;
  std::vector<const TgwRouteTableInfo*> managedTgwTables() const;
};

}  // namespace tgwark::model
