// Discovery: builds the Topology the planner needs by walking AWS from the
// nodes' ENIs outwards (docs/semantics.md, "Which tables are managed"): ENI -> VPC
// -> the VPC's TGW attachments -> each TGW's attachments, route tables and
// peerings -> peered TGWs in other regions (until no new TGW appears) -> the
// VPCs attached to every TGW in scope -> their route tables. Regions are read
// in parallel, a round at a time, with filtered Describe calls only.
//
// Explicit lists in the config (vpc_route_tables / tgw_route_tables) replace
// discovery of tables: when either is present, exactly the listed tables are
// managed; the walk still resolves ENIs, VPCs, attachments, associations and
// peerings, which the route rules need.
//
// Ambiguities are kInvalidConfig errors with a precise message: an ENI that is
// not in its node's region, a node VPC with no TGW, a relevant VPC attached to
// several TGWs in scope without a [[vpc]] override. Then the pre-flight checks
// of engine/preflight.h (a listed table not in scope, nodes whose TGWs are not
// connected by peerings, a VIP inside a VPC CIDR in scope) fail it too, unless
// the caller asks to run them itself.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "engine/context.h"
#include "model/config.h"
#include "model/topology.h"

namespace tgwark::engine {

struct DiscoveryOptions {
  // False: return the topology even when topologyProblems() finds problems,
  // for a caller that reports each of them (`tgwark validate`).
  bool enforcePreflight = true;
  // The scope store's last known scope (nullptr: none). Its managed tables
  // stay managed while they exist (their origins carried on); when complete,
  // it also stands in for a region that cannot be read.
  const model::Topology* stored = nullptr;
  // False: `stored` holds only managed tables (an older store format).
  bool storedComplete = true;
  // The region of the node that acts (restore, recover): the only region
  // discovery cannot do without. Empty: every region holding a node.
  std::string homeRegion;
  // Bounds the calls to every other region (nullopt: the whole deadline), so
  // a stalled remote region costs at most this.
  std::optional<Deadline> remoteDeadline;
  // Bounds each round of calls to every other region, from the round's start
  // (nullopt: no such bound). Unlike remoteDeadline, a region first reached
  // in a later round (a client region found through a peering, after another
  // region stalled) still gets the whole wait.
  std::optional<std::chrono::milliseconds> remoteWait;
};

Result<model::Topology> discover(const model::Config& config, const Ec2Factory& factory,
                                 const Deadline& deadline, const DiscoveryOptions& options = {});

}  // namespace tgwark::engine
