#include "engine/preflight.h"

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
    const auto reaching = plan::peeringDistancesTo(topology, to.tgwId);
    for (const auto& from : topology.nodes) {
      if (reaching.contains(from.tgwId)) continue;
      out.push_back({"peering paths",
                     fmt::format("no path over available transit gateway peerings from {} ({}, "
                                 "node '{}') to {} ({}, node '{}')",
                                 from.tgwId, from.region, from.name, to.tgwId, to.region, to.name),
                     "accept or create the peering (`tgwark graph` shows the picture)"});
    }
  }
  return out;
}

std::vector<PreflightProblem> topologyProblems(const model::Config& config,
                                               const model::Topology& topology) {
  auto out = listedTableProblems(config, topology);
  auto paths = peeringPathProblems(topology);
  out.insert(out.end(), paths.begin(), paths.end());
  if (auto vip = vipPlacementProblem(config, topology)) out.push_back(std::move(*vip));
  return out;
}

}  // namespace tgwark::engine
