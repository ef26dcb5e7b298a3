// Shared by the planner's translation units, not part of its interface: the
// one place where the four route rules of docs/semantics.md are written down.
#pragma once

#include <string>

#include "common/error.h"
#include "model/observed.h"
#include "model/topology.h"
#include "plan/desired.h"

namespace tgwark::plan::detail {

struct TargetChoice {
  model::RouteTargetRef target;
  RouteRole role = RouteRole::kClientVpc;
};

// The target `tableId` must have for the VIP when `node` is active.
// kInvalidConfig naming the table and what is missing when there is none.
Result<TargetChoice> targetFor(const model::Topology& topology, const model::NodeInfo& node,
                               model::TableKind kind, const std::string& tableId);

}  // namespace tgwark::plan::detail
