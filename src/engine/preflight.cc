#include "engine/preflight.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "plan/peering.h"

namespace tgwark::engine {

std::string PreflightProblem::describe() const {
  return hint.empty() ? message : message + "; " + hint;
}

std::optional<PreflightProblem> vipPlacementProblem(const model::Config& config,
                                                    const model::Topology& topology) {
  std::vector<std::string> inside;
  for (const auto& [id, vpc] : topology.vpcs) {
    for (const auto& cidr : vpc.cidrs) {
      if (cidr.ipv6 == config.vip.ipv6 && cidr.contains(config.vip)) {
        inside.push_back(fmt::format("{} ({}) CIDR {}", id, vpc.region, cidr.toString()));
      }
    }
  }
  if (inside.empty()) return std::nullopt;
  return PreflightProblem{
      "vip placement",
      fmt::format("vip {} lies inside {}", config.vip.addressString(), fmt::join(inside, ", ")),
      "the overlay IP must be outside every VPC CIDR in scope: EC2 routes a VPC's own CIDR "
      "locally and a /32 route there cannot be created"};
}

std::vector<PreflightProblem> listedTableProblems(const model::Config& config,
                                                  const model::Topology& topology) {
  const auto regions = fmt::format("{}", fmt::join(config.allRegions(), ", "));
  std::vector<PreflightProblem> out;
  for (const auto& id : config.vpcRouteTables) {
    if (topology.vpcRouteTables.contains(id)) continue;
    out.push_back(
        {"table " + id,
         fmt::format("vpc_route_tables: {} not found in any region in scope ({})", id, regions),
         "remove it or add its region to `regions`"});
  }
  for (const auto& id : config.tgwRouteTables) {
    if (topology.tgwRouteTables.contains(id)) continue;
    out.push_back(
        {"table " + id,
         fmt::format("tgw_route_tables: {} not found on any transit gateway in scope ({})", id,
                     regions),
         "remove it, add its region to `regions`, or peer its transit gateway with the nodes' "
         "ones"});
  }
  return out;
}

std::vector<PreflightProblem> peeringPathProblems(const model::Topology& topology) {
  std::vector<PreflightProblem> out;
  for (const auto& to : topology.nodes) {
    // A node without a transit gateway is vpcLayoutProblems' business.
    if (to.tgwId.empty()) continue;
    const auto reaching = plan::peeringDistancesTo(topology, to.tgwId);
    for (const auto& from : topology.nodes) {
      if (from.tgwId.empty() || reaching.contains(from.tgwId)) continue;
      out.push_back({"peering paths",
                     fmt::format("no path over available transit gateway peerings from {} ({}, "
                                 "node '{}') to {} ({}, node '{}')",
                                 from.tgwId, from.region, from.name, to.tgwId, to.region, to.name),
                     "accept or create the peering (`tgwark graph` shows the picture)"});
    }
  }
  return out;
}

bool singleVpcWithoutTgw(const model::Topology& topology) {
  if (topology.nodes.empty()) return false;
  const auto& first = topology.nodes.front();
  return std::all_of(topology.nodes.begin(), topology.nodes.end(), [&](const model::NodeInfo& n) {
    return n.vpcId == first.vpcId && n.tgwId.empty();
  });
}

std::vector<PreflightProblem> vpcLayoutProblems(const model::Topology& topology) {
  std::vector<PreflightProblem> out;
  std::vector<const model::NodeInfo*> stranded;  // nodes whose VPC has no transit gateway
  std::set<std::string> vpcs;
  for (const auto& n : topology.nodes) {
    vpcs.insert(n.vpcId);
    if (n.tgwId.empty()) stranded.push_back(&n);
  }
  if (stranded.empty()) return out;
  auto where = [](const model::NodeInfo& n) {
    return fmt::format("node '{}' in {} ({}, {})", n.name, n.vpcId, n.region,
                       n.tgwId.empty() ? std::string("no transit gateway") : n.tgwId);
  };
  if (vpcs.size() > 1) {
    std::vector<std::string> nodes;
    for (const auto& n : topology.nodes) nodes.push_back(where(n));
    std::vector<std::string> lonely;
    for (const auto* n : stranded) lonely.push_back(n->vpcId);
    std::sort(lonely.begin(), lonely.end());
    lonely.erase(std::unique(lonely.begin(), lonely.end()), lonely.end());
    out.push_back(
        {"vpc layout",
         fmt::format("the nodes are in {} VPCs ({}) and {} {} not attached to any transit gateway, "
                     "so there is no path between the nodes' VPCs",
                     vpcs.size(), fmt::join(nodes, "; "), fmt::join(lonely, ", "),
                     lonely.size() == 1 ? "is" : "are"),
         fmt::format("attach {} to a transit gateway (peered with the other nodes' ones), or put "
                     "every node in one VPC (single-VPC layout, no transit gateway)",
                     fmt::join(lonely, ", "))});
    return out;
  }
  // Single-VPC layout: only that VPC's own tables can be served.
  const auto& vpc = topology.nodes.front().vpcId;
  for (const auto* table : topology.managedVpcTables()) {
    if (table->vpcId == vpc) continue;
    out.push_back({"table " + table->id,
                   fmt::format("{} ({}, {}) is managed, but every node is in {} and {} has no "
                               "transit gateway: no route in another VPC can reach the nodes",
                               table->id, table->vpcId, table->region, vpc, vpc),
                   fmt::format("remove {} from vpc_route_tables (it cannot carry the VIP), or "
                               "attach {} and {} to a transit gateway",
                               table->id, vpc, table->vpcId)});
  }
  for (const auto* table : topology.managedTgwTables()) {
    out.push_back({"table " + table->id,
                   fmt::format("transit gateway route table {} ({}, {}) is managed, but the "
                               "nodes' VPC {} is not attached to any transit gateway",
                               table->id, table->tgwId, table->region, vpc),
                   fmt::format("remove {} from tgw_route_tables, or attach {} to {}", table->id,
                               vpc, table->tgwId)});
  }
  return out;
}

std::vector<PreflightProblem> topologyProblems(const model::Config& config,
                                               const model::Topology& topology) {
  auto out = vpcLayoutProblems(topology);
  auto listed = listedTableProblems(config, topology);
  out.insert(out.end(), listed.begin(), listed.end());
  auto paths = peeringPathProblems(topology);
  out.insert(out.end(), paths.begin(), paths.end());
  if (auto vip = vipPlacementProblem(config, topology)) out.push_back(std::move(*vip));
  return out;
}

}  // namespace tgwark::engine
