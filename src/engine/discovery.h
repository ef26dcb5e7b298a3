// Discovery: builds the Topology the planner needs by walking AWS from the
// nodes' ENIs outwards (SEMANTICS.md, "Which tables are managed"): ENI -> VPC
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
// several TGWs in scope without a [[vpc]] override, nodes whose TGWs are not
// connected by peerings, a listed table found in no region, a VIP inside a
// VPC CIDR in scope.
#pragma once

#include "engine/context.h"
#include "model/config.h"
#include "model/topology.h"

namespace tgwark::engine {

Result<model::Topology> discover(const model::Config& config, const Ec2Factory& factory,
                                 const Deadline& deadline);

}  // namespace tgwark::engine
