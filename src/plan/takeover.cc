#include "plan/takeover.h"

#include <algorithm>

#include <fmt/format.h>

#include "plan/desired.h"
#include "plan/diff.h"

namespace tgwark::plan {

namespace {

// The home changes of `node`'s plan against the observed state, or nullopt when
// the rules cannot be computed for it.
std::optional<std::vector<RouteChange>> homeChanges(const model::Topology& topology,
                                                    const model::ObservedState& observed,
                                                    const model::Prefix& vip,
                                                    const std::string& node) {
  auto desired = desiredRoutes(topology, node, vip);
  if (!desired) return std::nullopt;
  Plan p = diff(*desired, observed, /*createMissing=*/true, topology, node);
  std::vector<RouteChange> home;
  for (auto& c : p.changes) {
    if (c.desired.home()) home.push_back(std::move(c));
  }
  return home;
}

bool serves(const RouteChange& change, const std::string& node) {
  if (!change.observed || change.observed->state != "active") return false;
  const std::string& list = change.currentlyServes;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t comma = list.find(',', start);
    std::string name =
        list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (name == node) return true;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return false;
}

}  // namespace

std::optional<Takeover> detectTakeover(const model::Topology& topology,
                                       const model::ObservedState& observed,
                                       const model::Prefix& vip, const std::string& self) {
  auto mine = homeChanges(topology, observed, vip, self);
  if (!mine) return std::nullopt;
  for (const auto& other : topology.nodes) {
    if (other.name == self) continue;
    const RouteChange* taken = nullptr;
    for (const auto& c : *mine) {
      if (c.kind != ChangeKind::kNone && serves(c, other.name)) {
        taken = &c;
        break;
      }
    }
    if (taken == nullptr) continue;
    auto theirs = homeChanges(topology, observed, vip, other.name);
    if (!theirs || theirs->empty()) continue;
    bool allRight = std::all_of(theirs->begin(), theirs->end(),
                                [](const RouteChange& c) { return c.kind == ChangeKind::kNone; });
    if (!allRight) continue;
    return Takeover{
        other.name,
        fmt::format("{} now serves {}, and all {} of {}'s home routes point at {}",
                    taken->desired.tableId, other.name, theirs->size(), other.name, other.name)};
  }
  return std::nullopt;
}

}  // namespace tgwark::plan
