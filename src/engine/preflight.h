// Pre-flight checks on a discovered topology, written once: discovery fails on
// the first problem (so restore never writes routes into a topology that
// cannot carry the VIP), and `tgwark validate` lists every problem as a FAIL
// line with its fix. The node ENIs' source/dest check is the other pre-flight
// check; it needs an API call and lives in engine::checkSourceDestCheck.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/config.h"
#include "model/topology.h"

namespace tgwark::engine {

struct PreflightProblem {
  std::string check;    // the check as `validate` names it: "vip placement", "table rtb-..."
  std::string message;  // what is wrong, naming the resources
  std::string hint;     // how to fix it
  // "message; hint": discovery's error text.
  std::string describe() const;
};

// The VIP must lie outside every CIDR of its own address family of every VPC
// in scope (not only the VPCs whose tables are managed): a VPC's local route
// captures its whole CIDR, so a VIP inside it is delivered in that VPC and a
// /32 route there cannot be created. One problem naming every such CIDR.
std::optional<PreflightProblem> vipPlacementProblem(const model::Config& config,
                                                    const model::Topology& topology);

// Every table listed in vpc_route_tables must be a VPC route table in scope,
// and every table in tgw_route_tables a table of a transit gateway in scope.
// One problem per missing table, check "table <id>".
std::vector<PreflightProblem> listedTableProblems(const model::Config& config,
                                                  const model::Topology& topology);

// Every node's transit gateway must reach every other node's over available
// peerings, by the planner's rule (plan::peeringDistancesTo): otherwise the
// VIP cannot follow a failover. One problem per unreachable pair, check
// "peering paths".
std::vector<PreflightProblem> peeringPathProblems(const model::Topology& topology);

// Whether the nodes' VPCs can carry the VIP at all. A node's VPC without a
// transit gateway is only servable when every node is in that one VPC (the
// single-VPC layout: rule 1 alone) and nothing else is managed: a table of
// another VPC or a TGW table could never reach the nodes. Nodes in different
// VPCs where one of them has no transit gateway are one problem naming the
// VPCs; each table the single-VPC layout cannot serve is one problem. Check
// "vpc layout".
std::vector<PreflightProblem> vpcLayoutProblems(const model::Topology& topology);

// Every node is in one VPC and that VPC sends the VIP to no transit gateway:
// the single-VPC layout (no TGW tables, only that VPC's tables).
bool singleVpcWithoutTgw(const model::Topology& topology);

// All of the above, in the order discovery reports them: VPC layout, listed
// tables, paths, VIP placement.
std::vector<PreflightProblem> topologyProblems(const model::Config& config,
                                               const model::Topology& topology);

}  // namespace tgwark::engine
