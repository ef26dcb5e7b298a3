#include "plan/desired.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "plan/internal.h"
#include "plan/peering.h"

namespace tgwark::plan {

using model::AttachmentKind;
using model::NodeInfo;
using model::RouteTargetRef;
using model::TableKind;
using model::TargetKind;
using model::Topology;

std::string_view roleName(RouteRole role) {
  switch (role) {
    case RouteRole::kNodeVpc: return "node-vpc";
    case RouteRole::kNodeTgw: return "node-tgw";
    case RouteRole::kPeerTgw: return "peer-tgw";
    case RouteRole::kClientVpc: return "client-vpc";
  }
  return "unknown";
}

Result<std::string> nextHopPeering(const Topology& topology, const std::string& fromTgw,
                                   const std::string& toTgw) {
  if (fromTgw == toTgw) {
    return makeError(ErrorCategory::kInvalid,
                     fmt::format("no peering hop needed from {} to itself", fromTgw));
  }
  // The next hop is the smallest-id available peering of fromTgw that goes one
  // step closer.
  const auto distance = peeringDistancesTo(topology, toTgw);
  auto from = distance.find(fromTgw);
  if (from == distance.end()) {
    return makeError(ErrorCategory::kNotFound,
                     fmt::format("transit gateway {} has no path of available peering attachments "
                                 "to transit gateway {}",
                                 fromTgw, toTgw));
  }
  const model::AttachmentInfo* best = nullptr;
  for (const auto* peering : topology.peerings(fromTgw)) {
    if (peering->state != "available") continue;
    auto peer = distance.find(peering->resourceId);
    if (peer == distance.end() || peer->second != from->second - 1) continue;
    if (!best || peering->id < best->id) best = peering;
  }
  if (!best) {
    return makeError(ErrorCategory::kInternal,
                     fmt::format("no next hop found from {} toward {}", fromTgw, toTgw));
  }
  return best->id;
}

namespace detail {

Result<TargetChoice> targetFor(const Topology& topology, const NodeInfo& node, TableKind kind,
                               const std::string& tableId) {
  auto invalid = [&](std::string what) {
    return makeError(ErrorCategory::kInvalidConfig, std::move(what));
  };
  if (kind == TableKind::kVpc) {
    auto it = topology.vpcRouteTables.find(tableId);
    if (it == topology.vpcRouteTables.end()) {
      return invalid(fmt::format("route table {} is not in the topology", tableId));
    }
    const auto& table = it->second;
    if (!node.vpcId.empty() && table.vpcId == node.vpcId) {
      if (node.eniId.empty()) {
        return invalid(fmt::format("route table {} ({}): node {} has no ENI", tableId, table.vpcId,
                                   node.name));
      }
      return TargetChoice{{TargetKind::kNetworkInterface, node.eniId}, RouteRole::kNodeVpc};
    }
    auto vpc = topology.vpcs.find(table.vpcId);
    if (vpc == topology.vpcs.end()) {
      return invalid(
          fmt::format("route table {}: its VPC {} is not in the topology", tableId, table.vpcId));
    }
    const std::string& tgw = vpc->second.transitGatewayId;
    if (tgw.empty()) {
      return invalid(fmt::format(
          "route table {} ({}, {}): VPC {} is not attached to any transit gateway in scope, so it "
          "cannot reach {} (remove the table from vpc_route_tables or attach the VPC)",
          tableId, table.vpcId, table.region, table.vpcId, node.name));
    }
    if (node.tgwId.empty()) {
      return invalid(
          fmt::format("route table {} ({}): node {}'s VPC {} is not attached to any "
                      "transit gateway, so no other VPC can reach it",
                      tableId, table.vpcId, node.name, node.vpcId));
    }
    // Whether that TGW can reach T_N is a property of the TGW tables (checked
    // there) and of the path (plan/reachability.h), not of this route.
    return TargetChoice{{TargetKind::kTransitGateway, tgw}, RouteRole::kClientVpc};
  }

  auto it = topology.tgwRouteTables.find(tableId);
  if (it == topology.tgwRouteTables.end()) {
    return invalid(fmt::format("transit gateway route table {} is not in the topology", tableId));
  }
  const auto& table = it->second;
  if (node.tgwId.empty()) {
    return invalid(
        fmt::format("transit gateway route table {} ({}): node {}'s VPC {} is not "
                    "attached to any transit gateway",
                    tableId, table.tgwId, node.name, node.vpcId));
  }
  if (table.tgwId == node.tgwId) {
    std::string attachment = node.vpcAttachmentId;
    if (attachment.empty()) {
      if (const auto* found = topology.vpcAttachment(node.tgwId, node.vpcId))
        attachment = found->id;
    }
    if (attachment.empty()) {
      return invalid(
          fmt::format("transit gateway route table {} ({}): node {}'s VPC {} has no "
                      "available attachment to {}",
                      tableId, table.tgwId, node.name, node.vpcId, node.tgwId));
    }
    return TargetChoice{{TargetKind::kTgwAttachment, attachment}, RouteRole::kNodeTgw};
  }
  auto hop = nextHopPeering(topology, table.tgwId, node.tgwId);
  if (!hop) {
    return invalid(fmt::format("transit gateway route table {} ({}): {} (node {} is behind {})",
                               tableId, table.region, hop.error().message, node.name, node.tgwId));
  }
  return TargetChoice{{TargetKind::kTgwAttachment, *hop}, RouteRole::kPeerTgw};
}

}  // namespace detail

Result<DesiredRoutesReport> desiredRoutesReport(const Topology& topology,
                                                const std::string& activeNode,
                                                const model::Prefix& vip) {
  const NodeInfo* node = topology.findNode(activeNode);
  if (!node) {
    std::vector<std::string> names;
    for (const auto& n : topology.nodes) names.push_back(n.name);
    return makeError(
        ErrorCategory::kInvalidConfig,
        fmt::format("unknown node \"{}\" (nodes: {})", activeNode, fmt::join(names, ", ")));
  }
  if (!vip.isHost()) {
    return makeError(ErrorCategory::kInvalidConfig,
                     fmt::format("the VIP {} is not a host prefix", vip.toString()));
  }

  DesiredRoutesReport report;
  auto add = [&](TableKind kind, const std::string& id, const std::string& region) {
    auto choice = detail::targetFor(topology, *node, kind, id);
    if (!choice) {
      report.problems.push_back({kind, region, id, choice.error().message});
      return;
    }
    report.routes.push_back(DesiredRoute{kind, region, id, vip, choice->target, choice->role});
  };
  for (const auto* table : topology.managedVpcTables())
    add(TableKind::kVpc, table->id, table->region);
  for (const auto* table : topology.managedTgwTables())
    add(TableKind::kTgw, table->id, table->region);
  // Home routes decide success and are paced first; the rest in a stable order.
  std::stable_sort(report.routes.begin(), report.routes.end(),
                   [](const DesiredRoute& a, const DesiredRoute& b) {
                     if (a.role != b.role)
                       return static_cast<int>(a.role) < static_cast<int>(b.role);
                     if (a.region != b.region) return a.region < b.region;
                     return a.tableId < b.tableId;
                   });
  return report;
}

Result<std::vector<DesiredRoute>> desiredRoutes(const Topology& topology,
                                                const std::string& activeNode,
                                                const model::Prefix& vip) {
  TGWARK_ASSIGN_OR_RETURN(auto report, desiredRoutesReport(topology, activeNode, vip));
  if (!report.problems.empty()) {
    std::vector<std::string> messages;
    for (const auto& problem : report.problems) messages.push_back(problem.message);
    return makeError(ErrorCategory::kInvalidConfig,
                     fmt::format("cannot compute the VIP routes for node {}:\n  {}", activeNode,
                                 fmt::join(messages, "\n  ")));
  }
  return std::move(report.routes);
}

}  // namespace tgwark::plan
