// The route rules (docs/semantics.md): given the topology and the active node, the
// target each managed table's VIP route must have. Pure computation, no AWS.
#pragma once

#include <string>
#include <vector>

#include "common/error.h"
#include "model/observed.h"
#include "model/topology.h"

namespace tgwark::plan {

enum class RouteRole {
  kNodeVpc,   // table of V_N -> eni-N
  kNodeTgw,   // table of T_N -> att(V_N)
  kPeerTgw,   // table of another TGW -> peering attachment toward T_N
  kClientVpc  // table of another VPC -> its TGW
};

struct DesiredRoute {
  model::TableKind tableKind = model::TableKind::kVpc;
  std::string region;
  std::string tableId;
  model::Prefix destination;
  model::RouteTargetRef target;
  RouteRole role = RouteRole::kClientVpc;
  // Home routes (V_N's and T_N's tables) decide restore/quickCheck success.
  bool home() const { return role == RouteRole::kNodeVpc || role == RouteRole::kNodeTgw; }
};

std::string_view roleName(RouteRole role);

// The next hop from `fromTgw` toward `toTgw` over the peering graph: the
// peering attachment (as seen from fromTgw) on a shortest path, ties broken by
// attachment id so the answer is deterministic. Only `available` peerings are
// used. kNotFound when no path exists.
Result<std::string> nextHopPeering(const model::Topology& topology, const std::string& fromTgw,
                                   const std::string& toTgw);

// Desired state for every managed table. Errors (kInvalidConfig / kNotFound)
// name the table and what is missing (e.g. a client VPC with no TGW, a TGW
// with no path to T_N).
Result<std::vector<DesiredRoute>> desiredRoutes(const model::Topology& topology,
                                                const std::string& activeNode,
                                                const model::Prefix& vip);

// Extension: the same computation, table by table, so a caller can still
// write the tables that have a target when others do not (a failover must not
// be blocked by one remote TGW whose peering is down). desiredRoutes() is this
// with "any problem is an error".
struct TableProblem {
  model::TableKind tableKind = model::TableKind::kVpc;
  std::string region;
  std::string tableId;
  std::string message;  // names the table and what is missing
};

struct DesiredRoutesReport {
  std::vector<DesiredRoute> routes;    // home tables first
  std::vector<TableProblem> problems;  // tables with no computable target
};

// kInvalidConfig only when the node itself is unknown or the VIP is not a host prefix.
Result<DesiredRoutesReport> desiredRoutesReport(const model::Topology& topology,
                                                const std::string& activeNode,
                                                const model::Prefix& vip);

}  // namespace tgwark::plan
