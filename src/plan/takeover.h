// The split-brain guard. Two nodes that both believe they are active must not
// fight over the routes forever. The rule (docs/design.md, "Split brain"):
//
//   Node S yields to node X when (1) at least one of S's home routes (its VPC's
//   tables, its TGW's tables) currently serves X, and (2) every one of X's own
//   home routes is right for X (present, active, pointing at X).
//
// (2) only holds after X ran restore: before a failover, X's VPC tables point
// at a TGW (X is a client) and X's TGW tables point elsewhere, so ordinary
// drift of S's home routes — even drift that happens to look like X's target
// — is repaired, while a real takeover by a later restore on X is respected.
// Because restore writes home tables first, (2) becomes true early in X's
// restore, and S stops reclaiming even when it looks mid-way.
#pragma once

#include <optional>
#include <string>

#include "model/observed.h"
#include "model/topology.h"

namespace tgwark::plan {

struct Takeover {
  std::string byNode;
  std::string evidence;  // e.g. "rtb-0a.. now serves node-b; node-b's 3 home routes are right"
};

// nullopt when `self` should keep (or reclaim) its routes.
std::optional<Takeover> detectTakeover(const model::Topology& topology,
                                       const model::ObservedState& observed,
                                       const model::Prefix& vip, const std::string& self);

}  // namespace tgwark::plan
