#include "app/iam_policy.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace tgwark::app {

const std::vector<Permission>& allPermissions() {
  static const std::vector<Permission> kPermissions = {
      {"ec2:DescribeRouteTables", PermissionTier::kMinimal, "read VPC route tables"},
      {"ec2:ReplaceRoute", PermissionTier::kMinimal, "re-point the VIP route in VPC tables"},
      {"ec2:DescribeTransitGateways", PermissionTier::kMinimal, "find transit gateways"},
      {"ec2:DescribeTransitGatewayVpcAttachments", PermissionTier::kMinimal,
       "find which VPC is attached to which TGW"},
      {"ec2:DescribeTransitGatewayPeeringAttachments", PermissionTier::kMinimal,
       "find TGW peerings across regions"},
      {"ec2:DescribeTransitGatewayRouteTables", PermissionTier::kMinimal, "find TGW route tables"},
      {"ec2:SearchTransitGatewayRoutes", PermissionTier::kMinimal,
       "read the VIP route in TGW tables"},
      {"ec2:ReplaceTransitGatewayRoute", PermissionTier::kMinimal,
       "re-point the VIP route in TGW tables"},
      {"ec2:DescribeNetworkInterfaces", PermissionTier::kDiscovery,
       "pre-flight: the ENI exists, is in the node's VPC, source/dest check is off"},
      {"ec2:DescribeVpcs", PermissionTier::kDiscovery,
       "pre-flight: the VIP is outside every VPC CIDR"},
      {"ec2:DescribeTransitGatewayAttachments", PermissionTier::kDiscovery,
       "attachment states and TGW route table associations (verify)"},
      {"ec2:GetTransitGatewayRouteTableAssociations", PermissionTier::kDiscovery,
       "which TGW table serves traffic entering from each attachment (verify)"},
      {"ec2:CreateRoute", PermissionTier::kCreate, "create a missing VIP route in VPC tables"},
      {"ec2:CreateTransitGatewayRoute", PermissionTier::kCreate,
       "create a missing VIP route in TGW tables"},
      {"ec2:ModifyNetworkInterfaceAttribute", PermissionTier::kSourceDest,
       "turn off source/dest check on the node's ENI"},
  };
  return kPermissions;
}

std::vector<std::string> requiredActions(const PolicyOptions& options) {
  std::vector<std::string> actions;
  for (const auto& p : allPermissions()) {
    bool needed = p.tier == PermissionTier::kMinimal ||
                  (p.tier == PermissionTier::kDiscovery && options.includeDiscovery) ||
                  (p.tier == PermissionTier::kCreate && options.createMissing) ||
                  (p.tier == PermissionTier::kSourceDest && options.fixSourceDestCheck);
    if (!options.transitGateways && p.action.find("TransitGateway") != std::string_view::npos) {
      needed = false;
    }
    if (needed) actions.emplace_back(p.action);
  }
  std::sort(actions.begin(), actions.end());
  return actions;
}

std::string policyDocument(const PolicyOptions& options) {
  nlohmann::ordered_json statement;
  statement["Sid"] = "TgwarkVipRoutes";
  statement["Effect"] = "Allow";
  statement["Action"] = requiredActions(options);
  statement["Resource"] = "*";
  nlohmann::ordered_json doc;
  doc["Version"] = "2012-10-17";
  doc["Statement"] = nlohmann::ordered_json::array({statement});
  return doc.dump(2);
}

}  // namespace tgwark::app
