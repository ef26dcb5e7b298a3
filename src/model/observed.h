// What AWS currently says about the VIP's routes: for each table in scope, the
// route whose destination is exactly the VIP host prefix (or its absence), and,
// for tracing, the other routes that could match the VIP.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/net.h"

namespace tgwark::model {

enum class TableKind { kVpc, kTgw };

enum class TargetKind {
  kNone,              // blackhole TGW route with no attachment
  kNetworkInterface,  // eni-
  kTransitGateway,    // tgw- (VPC route)
  kTgwAttachment,     // tgw-attach- (TGW route)
  kLocal,             // the VPC's local route
  kOther,             // igw-, nat-, pcx-, ... never written by tgwark
};

struct RouteTargetRef {
  TargetKind kind = TargetKind::kNone;
  std::string id;
  friend bool operator==(const RouteTargetRef&, const RouteTargetRef&) = default;
};

// How every front end names a target and a table kind in logs and reports:
// the id, "local", or "(none)" for a blackhole; "vpc" / "tgw".
std::string targetText(const RouteTargetRef& target);
std::string tableKindText(TableKind kind);

struct ObservedRoute {
  Prefix destination;
  RouteTargetRef target;
  std::string state;        // "active" | "blackhole" | ...
  bool propagated = false;  // TGW: type=propagated
};

struct ObservedTable {
  TableKind kind = TableKind::kVpc;
  std::string id;
  std::string region;
  // Whether this table was read successfully; when false, its VIP route is unknown.
  bool known = false;
  std::string error;  // why it is unknown
  // The route for exactly the VIP prefix, when present.
  std::optional<ObservedRoute> vipRoute;
  // Other routes that contain the VIP (for longest-prefix-match tracing).
  std::vector<ObservedRoute> coveringRoutes;
};

struct ObservedState {
  std::map<std::string, ObservedTable> tables;  // by table id
  const ObservedTable* find(const std::string& tableId) const;
};

}  // namespace tgwark::model
