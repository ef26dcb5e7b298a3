// Distances over transit gateway peerings: the one definition of "TGW X can
// reach TGW Y" that discovery (are the nodes' TGWs connected?) and the
// planner (which peering is the next hop?) both use, so a topology discovery
// accepts is one the planner can route.
#pragma once

#include <map>
#include <string>

#include "model/topology.h"

namespace tgwark::plan {

// Hops from every TGW that can reach `toTgw` (toTgw itself at 0). A step
// X -> Y is usable when X's side of a peering attachment toward Y is
// `available`: X is the TGW that would hold the route, so its side is the one
// that must carry traffic. TGWs that cannot reach toTgw are absent.
std::map<std::string, int> peeringDistancesTo(const model::Topology& topology,
                                              const std::string& toTgw);

}  // namespace tgwark::plan
