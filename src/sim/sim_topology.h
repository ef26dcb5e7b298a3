// The emulator's world: what a topology file declares and what the simulated
// EC2 state is at any moment (the same structure: a state dump can be loaded
// back as a topology). Ordered maps keyed by id give every listing and dump a
// stable order, so dumps taken before and after a failover can be diffed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/secret.h"

namespace tgwark::sim {

using Tags = std::map<std::string, std::string>;

struct SimRoute {
  std::string destination;  // canonical IPv4 or IPv6 CIDR
  bool ipv6 = false;
  // Exactly one target is set. gatewayId "local" is the VPC's own CIDR route.
  std::string gatewayId;
  std::string networkInterfaceId;
  std::string transitGatewayId;
  std::string origin = "CreateRoute";  // "CreateRouteTable" for local routes
};

struct SimRouteTable {
  std::string id;
  std::string vpcId;
  bool main = false;
  std::vector<std::string> subnets;  // explicit subnet associations
  std::vector<SimRoute> routes;      // local routes are derived from the VPC, not stored
  Tags tags;
};

struct SimVpc {
  std::string id;
  std::vector<std::string> cidrs;  // the first is the primary CIDR
  std::vector<std::string> ipv6Cidrs;
  bool isDefault = false;
  Tags tags;
};

struct SimEni {
  std::string id;
  std::string vpcId;
  std::string subnetId;
  std::string availabilityZone;
  std::string privateIp;
  std::string mac;
  std::string instanceId;  // empty: detached ("available"); routes to it are blackholes
  std::string description;
  bool sourceDestCheck = true;
  Tags tags;
};

struct SimTgwRoute {
  std::string destination;
  std::string attachmentId;  // empty when blackhole
  bool blackhole = false;
};

struct SimTgwRouteTable {
  std::string id;
  std::string transitGatewayId;
  bool defaultAssociation = false;
  bool defaultPropagation = false;
  std::vector<std::string> associations;  // attachment ids
  std::vector<std::string> propagations;  // attachment ids (VPC attachments propagate their CIDRs)
  std::vector<SimTgwRoute> staticRoutes;
  Tags tags;
};

struct SimTgw {
  std::string id;
  std::string description;
  std::int64_t amazonSideAsn = 64512;
  std::string state = "available";
  Tags tags;
};

struct SimVpcAttachment {
  std::string id;
  std::string transitGatewayId;
  std::string vpcId;
  std::vector<std::string> subnets;
  std::string state = "available";
  Tags tags;
};

struct SimRegion {
  std::string name;
  std::map<std::string, SimVpc> vpcs;
  std::map<std::string, SimRouteTable> routeTables;
  std::map<std::string, SimEni> enis;
  std::map<std::string, SimTgw> transitGateways;
  std::map<std::string, SimTgwRouteTable> tgwRouteTables;
  std::map<std::string, SimVpcAttachment> vpcAttachments;
};

struct SimPeeringSide {
  std::string region;
  std::string transitGatewayId;
  std::string ownerId;  // defaults to the topology's account
};

// A TGW peering attachment. Across regions it has one id, visible in both
// regions. Within one region each side has its own attachment: `id` is the
// requester's, accepterAttachmentId the accepter's (EC2's
// AccepterTransitGatewayAttachmentId), each an attachment of its own TGW only.
struct SimPeeringAttachment {
  std::string id;
  std::string accepterAttachmentId;  // intra-region only; empty across regions
  SimPeeringSide requester;
  SimPeeringSide accepter;
  std::string state = "available";
  Tags tags;

  // The accepter side's attachment id (the shared id across regions).
  const std::string& accepterSideId() const {
    return accepterAttachmentId.empty() ? id : accepterAttachmentId;
  }
  bool hasId(std::string_view attachmentId) const {
    return attachmentId == id || attachmentId == accepterAttachmentId;
  }
};

struct SimNode {
  std::string name;
  std::string instanceId;
  std::string region;
  std::string availabilityZone;
  std::string eniId;
  std::string role;  // IAM role name served by IMDS; empty: no instance profile
};

// A simulated IAM principal. allowedActions empty means every action; entries
// are "ec2:Action", "Action", or prefixes ending in '*' ("ec2:Describe*").
struct SimCredential {
  std::string accessKeyId;
  SecretString secretAccessKey;
  std::vector<std::string> allowedActions;
};

struct SimRole {
  std::string name;
  std::vector<std::string> allowedActions;
};

struct SimTopology {
  std::string accountId = "123456789012";
  std::map<std::string, SimRegion> regions;
  std::map<std::string, SimPeeringAttachment> peerings;
  std::vector<SimNode> nodes;  // file order: the first node also serves plain /latest/...
  std::map<std::string, SimCredential> credentials;
  std::map<std::string, SimRole> roles;
};

// Parses a topology (docs/emulator.md). Errors are kInvalidConfig and name the
// offending key path, e.g. "regions.us-east-1.vpcs[2].cidrs: ...".
Result<SimTopology> parseTopology(std::string_view json);
Result<SimTopology> loadTopology(const std::filesystem::path& path);

// Serialises the topology in the same format parseTopology reads. With
// withDerived, each route also carries its computed "state" (active/blackhole)
// and TGW tables list their propagated routes (ignored when loaded back).
// Secrets are written only when includeSecrets is set (state files), never in dumps served
// over the control API.
std::string dumpTopology(const SimTopology& topology, bool withDerived, bool includeSecrets);

// True when the action name is allowed by the list (see SimCredential).
bool actionAllowed(const std::vector<std::string>& allowed, std::string_view action);

}  // namespace tgwark::sim
