#include "model/observed.h"

namespace tgwark::model {

std::string targetText(const RouteTargetRef& target) {
  switch (target.kind) {
    case TargetKind::kNone: return "(none)";
    case TargetKind::kLocal: return "local";
    default: return target.id.empty() ? "(none)" : target.id;
  }
}

std::string tableKindText(TableKind kind) {
  return kind == TableKind::kVpc ? "vpc" : "tgw";
}

const ObservedTable* ObservedState::find(const std::string& tableId) const {
  auto it = tables.find(tableId);
  return it == tables.end() ? nullptr : &it->second;
}

}  // namespace tgwark::model
