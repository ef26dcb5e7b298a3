// Observed vs desired, route by route: what apply would do and why. The diff
// is also the invariant's guard: every change it emits has the VIP host prefix
// as destination, which apply asserts again before writing.
#pragma once

#include <string>
#include <vector>

#include "model/observed.h"
#include "plan/desired.h"

namespace tgwark::plan {

enum class ChangeKind {
  kNone,          // already right and not blackhole
  kReplace,       // present with another target
  kFixBlackhole,  // present with the right target id but state blackhole (replace re-points it)
  kCreate,        // absent and creation allowed
  kMissing,       // absent and create_missing = false: reported, not written
  kUnknown,       // the table could not be read
};

std::string_view changeKindName(ChangeKind kind);

struct RouteChange {
  DesiredRoute desired;
  std::optional<model::ObservedRoute> observed;  // the current VIP route, if any
  ChangeKind kind = ChangeKind::kNone;
  // Which node the current route serves, when it can be told ("node-a"), else empty.
  std::string currentlyServes;

  bool needsWrite() const {
    return kind == ChangeKind::kReplace || kind == ChangeKind::kFixBlackhole ||
           kind == ChangeKind::kCreate;
  }
};

struct Plan {
  std::string activeNode;
  std::vector<RouteChange> changes;  // one per managed table, home tables first

  std::size_t writeCount() const;
  // True when every home route is kNone.
  bool homeRight() const;
  bool allRight() const;
};

Plan diff(const std::vector<DesiredRoute>& desired, const model::ObservedState& observed,
          bool createMissing, const model::Topology& topology, std::string activeNode);

// Which node a route currently serves: for each node, compute the desired
// target of this table and compare. Empty when none matches.
// When several nodes match (a client VPC's route to a TGW that is right for
// every node behind it), their names joined by ",": "node-a,node-b".
std::string servedNode(const model::Topology& topology, const model::Prefix& vip,
                       const model::ObservedTable& table);
// Extension: the same, as a list (empty when none matches).
std::vector<std::string> servedNodes(const model::Topology& topology, const model::Prefix& vip,
                                     const model::ObservedTable& table);

}  // namespace tgwark::plan
