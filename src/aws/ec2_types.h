// Typed shapes of the EC2 API calls tgwark makes, named after botocore's EC2
// service model (service-2.json). Only the fields tgwark reads are kept;
// unknown XML elements are ignored by the parser.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace tgwark::aws {

struct Tag {
  std::string key;
  std::string value;
  friend bool operator==(const Tag&, const Tag&) = default;
};

struct Filter {
  std::string name;
  std::vector<std::string> values;
};

// ---- VPC route tables --------------------------------------------------------

struct Route {
  std::string destinationCidrBlock;
  std::string destinationIpv6CidrBlock;
  std::string destinationPrefixListId;
  std::string gatewayId;
  std::string instanceId;
  std::string networkInterfaceId;
  std::string transitGatewayId;
  std::string vpcPeeringConnectionId;
  std::string natGatewayId;
  std::string localGatewayId;
  std::string carrierGatewayId;
  std::string egressOnlyInternetGatewayId;
  std::string coreNetworkArn;
  std::string state;   // "active" | "blackhole"
  std::string origin;  // "CreateRouteTable" | "CreateRoute" | "EnableVgwRoutePropagation"
};

struct RouteTableAssociation {
  std::string routeTableAssociationId;
  std::string routeTableId;
  std::string subnetId;
  std::string gatewayId;
  bool main = false;
};

struct RouteTable {
  std::string routeTableId;
  std::string vpcId;
  std::string ownerId;
  std::vector<Route> routes;
  std::vector<RouteTableAssociation> associations;
  std::vector<Tag> tags;
};

// Target of a VPC route that tgwark writes: exactly one is set.
struct RouteTarget {
  std::string networkInterfaceId;
  std::string transitGatewayId;
};

// ---- ENIs, VPCs ---------------------------------------------------------------

struct NetworkInterface {
  std::string networkInterfaceId;
  std::string vpcId;
  std::string subnetId;
  std::string availabilityZone;
  std::string status;
  std::string privateIpAddress;
  std::string macAddress;
  std::string ownerId;
  std::string attachmentInstanceId;  // attachment.instanceId
  bool sourceDestCheck = true;
  std::vector<Tag> tags;
};

struct Vpc {
  std::string vpcId;
  std::string state;
  std::string ownerId;
  std::string cidrBlock;                    // primary IPv4
  std::vector<std::string> cidrBlocks;      // cidrBlockAssociationSet (associated only)
  std::vector<std::string> ipv6CidrBlocks;  // ipv6CidrBlockAssociationSet (associated only)
  std::vector<Tag> tags;
};

// ---- Transit gateways --------------------------------------------------------

struct TransitGateway {
  std::string transitGatewayId;
  std::string transitGatewayArn;
  std::string state;
  std::string ownerId;
  std::string associationDefaultRouteTableId;
  std::string propagationDefaultRouteTableId;
  std::vector<Tag> tags;
};

struct TransitGatewayAttachmentAssociation {
  std::string transitGatewayRouteTableId;
  std::string state;
};

// DescribeTransitGatewayAttachments: all kinds (vpc, peering, vpn, ...).
struct TransitGatewayAttachment {
  std::string transitGatewayAttachmentId;
  std::string transitGatewayId;
  std::string transitGatewayOwnerId;
  std::string resourceOwnerId;
  std::string resourceType;  // "vpc" | "peering" | "vpn" | "direct-connect-gateway" | "connect" |
                             // "tgw-peering"
  std::string resourceId;
  std::string state;
  std::optional<TransitGatewayAttachmentAssociation> association;
  std::vector<Tag> tags;
};

struct TransitGatewayVpcAttachment {
  std::string transitGatewayAttachmentId;
  std::string transitGatewayId;
  std::string vpcId;
  std::string vpcOwnerId;
  std::string state;
  std::vector<std::string> subnetIds;
  std::vector<Tag> tags;
};

struct PeeringTgwInfo {
  std::string transitGatewayId;
  std::string ownerId;
  std::string region;
};

struct TransitGatewayPeeringAttachment {
  std::string transitGatewayAttachmentId;  // the requester side's attachment
  // The accepter side's own attachment when both TGWs are in one region;
  // empty (or equal) for a cross-region peering, whose sides share one id.
  std::string accepterTransitGatewayAttachmentId;
  PeeringTgwInfo requesterTgwInfo;
  PeeringTgwInfo accepterTgwInfo;
  std::string state;
  std::vector<Tag> tags;
};

struct TransitGatewayRouteTable {
  std::string transitGatewayRouteTableId;
  std::string transitGatewayId;
  std::string state;
  bool defaultAssociationRouteTable = false;
  bool defaultPropagationRouteTable = false;
  std::vector<Tag> tags;
};

struct TransitGatewayRouteTableAssociation {
  std::string transitGatewayAttachmentId;
  std::string resourceId;
  std::string resourceType;
  std::string state;
};

struct TransitGatewayRouteAttachment {
  std::string resourceId;
  std::string transitGatewayAttachmentId;
  std::string resourceType;
};

struct TransitGatewayRoute {
  std::string destinationCidrBlock;
  std::string prefixListId;
  std::string type;   // "static" | "propagated"
  std::string state;  // "active" | "blackhole" | "pending" | "deleting" | "deleted"
  std::vector<TransitGatewayRouteAttachment> transitGatewayAttachments;
};

struct SearchTransitGatewayRoutesResult {
  std::vector<TransitGatewayRoute> routes;
  bool additionalRoutesAvailable = false;
};

// ---- STS -----------------------------------------------------------------------

struct AssumedRoleCredentials {
  std::string accessKeyId;
  std::string secretAccessKey;
  std::string sessionToken;
  std::string expiration;  // ISO 8601 as returned
  std::string assumedRoleArn;
};

}  // namespace tgwark::aws
