#include "plan/diff.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "plan/internal.h"

namespace tgwark::plan {

using model::ObservedTable;

std::string_view changeKindName(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::kNone: return "none";
    case ChangeKind::kReplace: return "replace";
    case ChangeKind::kFixBlackhole: return "fix-blackhole";
    case ChangeKind::kCreate: return "create";
    case ChangeKind::kMissing: return "missing";
    case ChangeKind::kUnknown: return "unknown";
  }
  return "unknown";
}

std::size_t Plan::writeCount() const {
  return static_cast<std::size_t>(std::count_if(
      changes.begin(), changes.end(), [](const RouteChange& c) { return c.needsWrite(); }));
}

bool Plan::homeRight() const {
  return std::all_of(changes.begin(), changes.end(), [](const RouteChange& c) {
    return !c.desired.home() || c.kind == ChangeKind::kNone;
  });
}

bool Plan::allRight() const {
  return std::all_of(changes.begin(), changes.end(),
                     [](const RouteChange& c) { return c.kind == ChangeKind::kNone; });
}

std::vector<std::string> servedNodes(const model::Topology& topology, const model::Prefix& vip,
                                     const ObservedTable& table) {
  std::vector<std::string> out;
  if (!table.known || !table.vipRoute || !(table.vipRoute->destination == vip)) return out;
  for (const auto& node : topology.nodes) {
    auto choice = detail::targetFor(topology, node, table.kind, table.id);
    if (choice && choice->target == table.vipRoute->target) out.push_back(node.name);
  }
  return out;
}

std::string servedNode(const model::Topology& topology, const model::Prefix& vip,
                       const ObservedTable& table) {
  // A client VPC's route to its TGW is right for every node behind that TGW:
  // all of them are named, so a caller can tell "serves node-a" from "serves
  // node-a and node-b".
  return fmt::format("{}", fmt::join(servedNodes(topology, vip, table), ","));
}

Plan diff(const std::vector<DesiredRoute>& desired, const model::ObservedState& observed,
          bool createMissing, const model::Topology& topology, std::string activeNode) {
  Plan plan;
  plan.activeNode = std::move(activeNode);
  const model::Prefix* vip = desired.empty() ? nullptr : &desired.front().destination;
  for (const auto& want : desired) {
    RouteChange change;
    change.desired = want;
    // The invariant's guard: a route whose destination is not the one VIP host
    // prefix must never be written. A desired list that breaks it is a bug
    // upstream; it is reported as unknown, which writes nothing.
    bool destinationOk = want.destination.isHost() && want.destination == *vip;
    const ObservedTable* table = observed.find(want.tableId);
    if (!destinationOk || !table || !table->known) {
      change.kind = ChangeKind::kUnknown;
      plan.changes.push_back(std::move(change));
      continue;
    }
    if (table->vipRoute && !(table->vipRoute->destination == want.destination)) {
      // The reader handed over a route for another destination as the VIP's.
      change.kind = ChangeKind::kUnknown;
      plan.changes.push_back(std::move(change));
      continue;
    }
    change.observed = table->vipRoute;
    if (!table->vipRoute) {
      change.kind = createMissing ? ChangeKind::kCreate : ChangeKind::kMissing;
    } else {
      const auto& route = *table->vipRoute;
      change.currentlyServes = servedNode(topology, want.destination, *table);
      bool sameTarget = route.target == want.target;
      if (route.propagated && (!sameTarget || route.state == "blackhole")) {
        // A propagated route cannot be replaced; a static route for the same
        // prefix takes precedence over it, so the fix is to create one.
        change.kind = createMissing ? ChangeKind::kCreate : ChangeKind::kMissing;
      } else if (!sameTarget) {
        change.kind = ChangeKind::kReplace;
      } else if (route.state == "blackhole") {
        change.kind = ChangeKind::kFixBlackhole;
      } else {
        change.kind = ChangeKind::kNone;
      }
    }
    plan.changes.push_back(std::move(change));
  }
  return plan;
}

}  // namespace tgwark::plan
