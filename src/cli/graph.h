// `tgwark graph`: the topology in scope and the VIP's routes as Graphviz DOT
// (regions as clusters; VPCs with their CIDRs, route tables and nodes; TGWs
// with their route tables; peerings), each managed route an edge from its
// table to its target, coloured by whether it serves the active node. The
// DOT is built by a pure function so it can be tested without AWS or
// graphviz; SVG goes through Debian's `dot`.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/error.h"
#include "engine/engine.h"
#include "model/net.h"
#include "model/topology.h"

namespace tgwark::cli {

// How a managed route is drawn.
enum class EdgeState {
  kServes,     // present, active, pointing where the active node needs it (green)
  kWrong,      // present but pointing elsewhere (red)
  kBlackhole,  // state blackhole (black, dashed)
  kMissing,    // absent: drawn to where it should point (grey, dotted)
  kUnknown,    // the table could not be read (grey, dashed)
};
std::string_view edgeStateName(EdgeState state);

// The node to colour against: `requested` when set, else the node the routes
// serve (status), else the node most routes serve; empty when none.
std::string graphActiveNode(const engine::StatusReport& status, const std::string& requested);

// A managed route as an edge: from its table to the vertex its target leads
// to (a node "node:NAME", a TGW, a VPC, or the target id outside the topology).
struct RouteEdge {
  std::string tableId;
  std::string to;
  model::RouteTargetRef target;  // for a missing or unknown route: where it should point
  EdgeState state = EdgeState::kUnknown;
};
std::vector<RouteEdge> routeEdges(const model::Topology& topology, const model::Prefix& vip,
                                  const engine::StatusReport& status,
                                  const std::string& activeNode);

// `graph --json`: the same graph as vertices (`nodes`), route tables and
// edges (attachments, peerings, managed routes); docs/json.md.
nlohmann::json graphJson(const model::Topology& topology, const model::Prefix& vip,
                         const engine::StatusReport& status, const std::string& activeNode);

// The whole graph. `status` gives the observed VIP route of every managed
// table; `activeNode` may be empty (then no route counts as serving).
std::string graphDot(const model::Topology& topology, const model::Prefix& vip,
                     const engine::StatusReport& status, const std::string& activeNode);

// Renders DOT to SVG with `dot -Tsvg` (found on PATH, spawned without a
// shell). kNotFound with an install hint when graphviz is missing.
Result<std::string> renderSvg(const std::string& dot, const std::string& program = "dot");

}  // namespace tgwark::cli
