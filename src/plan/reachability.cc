#include "plan/reachability.h"

#include <set>
#include <utility>

#include <fmt/format.h>

namespace tgwark::plan {

using model::AttachmentKind;
using model::ObservedRoute;
using model::ObservedTable;
using model::TableKind;
using model::TargetKind;
using model::Topology;

std::string_view traceOutcomeName(TraceOutcome outcome) {
  switch (outcome) {
    case TraceOutcome::kReached: return "reached";
    case TraceOutcome::kNoRoute: return "no-route";
    case TraceOutcome::kBlackhole: return "blackhole";
    case TraceOutcome::kLoop: return "loop";
    case TraceOutcome::kUnknown: return "unknown";
    case TraceOutcome::kLeftScope: return "left-scope";
  }
  return "unknown";
}

namespace {

std::string describeRoute(const ObservedRoute& route) {
  std::string target =
      route.target.kind == TargetKind::kNone ? std::string("(no target)") : route.target.id;
  std::string out = fmt::format("{} -> {}", route.destination.toString(), target);
  if (route.propagated) out += " (propagated)";
  if (!route.state.empty() && route.state != "active") out += fmt::format(" [{}]", route.state);
  return out;
}

// Longest prefix match among the routes that contain the VIP. On equal
// lengths a static TGW route beats a propagated one (AWS's precedence).
const ObservedRoute* longestMatch(const std::vector<const ObservedRoute*>& routes,
                                  const model::Prefix& vip) {
  const ObservedRoute* best = nullptr;
  for (const auto* route : routes) {
    if (!route->destination.contains(vip)) continue;
    if (!best || route->destination.length > best->destination.length ||
        (route->destination.length == best->destination.length && best->propagated &&
         !route->propagated)) {
      best = route;
    }
  }
  return best;
}

// The route table traffic entering a VPC from a TGW uses. AWS picks the table
// of the subnet holding the attachment's ENI, which the topology does not
// model; the main route table is the usual one, and otherwise the first
// managed table of the VPC (by id) stands in for it.
const model::VpcRouteTableInfo* ingressTable(const Topology& topology, const std::string& vpcId) {
  const model::VpcRouteTableInfo* managed = nullptr;
  for (const auto& [id, table] : topology.vpcRouteTables) {
    if (table.vpcId != vpcId) continue;
    if (table.main) return &table;
    if (table.managed && !managed) managed = &table;
  }
  return managed;
}

class Tracer {
 public:
  Tracer(const Topology& topology, const model::ObservedState& observed, const model::Prefix& vip,
         Trace& trace)
      : topology_(topology), observed_(observed), vip_(vip), trace_(trace) {}

  void run(std::string vpcTableId) {
    TableKind kind = TableKind::kVpc;
    std::string tableId = std::move(vpcTableId);
    while (true) {
      if (!visited_.insert({kind, tableId}).second) {
        finish(
            TraceOutcome::kLoop,
            fmt::format("route table {} is visited twice: the VIP's routes form a loop", tableId));
        return;
      }
      auto next = kind == TableKind::kVpc ? vpcStep(tableId) : tgwStep(tableId);
      if (!next) return;
      kind = next->first;
      tableId = next->second;
    }
  }

 private:
  using Next = std::optional<std::pair<TableKind, std::string>>;

  void finish(TraceOutcome outcome, std::string detail) {
    trace_.outcome = outcome;
    trace_.detail = std::move(detail);
  }

  // Reads a table on the path; nullptr (and the trace finished) when unknown.
  const ObservedTable* read(TableKind kind, const std::string& tableId, const std::string& region) {
    const ObservedTable* table = observed_.find(tableId);
    if (!table || !table->known) {
      trace_.hops.push_back(Hop{kind, region, tableId, ""});
      std::string why = !table ? "was not read (out of scope)"
                               : fmt::format("could not be read: {}", table->error);
      finish(TraceOutcome::kUnknown, fmt::format("route table {} {}", tableId, why));
      return nullptr;
    }
    return table;
  }

  Next vpcStep(const std::string& tableId) {
    auto info = topology_.vpcRouteTables.find(tableId);
    const ObservedTable* observedTable = observed_.find(tableId);
    std::string region = info != topology_.vpcRouteTables.end() ? info->second.region
                         : observedTable                        ? observedTable->region
                                                                : std::string();
    const ObservedTable* table = read(TableKind::kVpc, tableId, region);
    if (!table) return std::nullopt;
    std::string vpcId = info != topology_.vpcRouteTables.end() ? info->second.vpcId : std::string();

    std::vector<const ObservedRoute*> candidates;
    if (table->vipRoute) candidates.push_back(&*table->vipRoute);
    for (const auto& route : table->coveringRoutes) candidates.push_back(&route);
    // The local route may be absent from what was read (a reader that only
    // asked for the VIP's route); the VPC's CIDRs stand for it.
    std::vector<ObservedRoute> localRoutes;
    if (auto vpc = topology_.vpcs.find(vpcId); vpc != topology_.vpcs.end()) {
      for (const auto& cidr : vpc->second.cidrs) {
        localRoutes.push_back(ObservedRoute{cidr, {TargetKind::kLocal, "local"}, "active", false});
      }
    }
    for (const auto& route : localRoutes) candidates.push_back(&route);

    const ObservedRoute* route = longestMatch(candidates, vip_);
    trace_.hops.push_back(
        Hop{TableKind::kVpc, region, tableId, route ? describeRoute(*route) : ""});
    if (!route) {
      finish(TraceOutcome::kNoRoute, fmt::format("route table {} ({}) has no route for {}", tableId,
                                                 vpcId, vip_.toString()));
      return std::nullopt;
    }
    if (route->state == "blackhole") {
      finish(TraceOutcome::kBlackhole,
             fmt::format("route table {}: the route {} is a blackhole (its target is gone or down)",
                         tableId, describeRoute(*route)));
      return std::nullopt;
    }
    switch (route->target.kind) {
      case TargetKind::kLocal:
        finish(TraceOutcome::kLeftScope,
               fmt::format("misconfiguration: the VIP {} lies inside {}'s CIDR {}, so route table "
                           "{} delivers it locally; the VIP must be outside every VPC CIDR",
                           vip_.addressString(), vpcId, route->destination.toString(), tableId));
        return std::nullopt;
      case TargetKind::kNetworkInterface: {
        const auto* node = topology_.findNodeByEni(route->target.id);
        if (!node) {
          finish(
              TraceOutcome::kLeftScope,
              fmt::format("route table {} sends the VIP to {}, which is not a cluster node's ENI",
                          tableId, route->target.id));
          return std::nullopt;
        }
        auto eni = topology_.enis.find(route->target.id);
        const std::string& eniVpc = eni != topology_.enis.end() && !eni->second.vpcId.empty()
                                        ? eni->second.vpcId
                                        : node->vpcId;
        if (!vpcId.empty() && eniVpc != vpcId) {
          finish(TraceOutcome::kNoRoute,
                 fmt::format("route table {} ({}) sends the VIP to {} of node {}, which is in {}",
                             tableId, vpcId, route->target.id, node->name, eniVpc));
          return std::nullopt;
        }
        trace_.reachedNode = node->name;
        trace_.reachedEni = route->target.id;
        finish(TraceOutcome::kReached, "");
        return std::nullopt;
      }
      case TargetKind::kTransitGateway: {
        const std::string& tgw = route->target.id;
        const auto* attachment = topology_.vpcAttachment(tgw, vpcId);
        if (!attachment) {
          finish(TraceOutcome::kNoRoute,
                 fmt::format("route table {} sends the VIP to {}, but {} has no available "
                             "attachment to it",
                             tableId, tgw, vpcId.empty() ? std::string("its VPC") : vpcId));
          return std::nullopt;
        }
        if (attachment->associatedRouteTableId.empty()) {
          finish(TraceOutcome::kNoRoute,
                 fmt::format("attachment {} of {} to {} is associated with no TGW route table",
                             attachment->id, vpcId, tgw));
          return std::nullopt;
        }
        return std::make_pair(TableKind::kTgw, attachment->associatedRouteTableId);
      }
      case TargetKind::kNone:
      case TargetKind::kTgwAttachment:
      case TargetKind::kOther: break;
    }
    finish(TraceOutcome::kLeftScope,
           fmt::format("route table {} sends the VIP to {}, outside the modelled network", tableId,
                       route->target.id));
    return std::nullopt;
  }

  Next tgwStep(const std::string& tableId) {
    auto info = topology_.tgwRouteTables.find(tableId);
    const ObservedTable* observedTable = observed_.find(tableId);
    std::string region = info != topology_.tgwRouteTables.end() ? info->second.region
                         : observedTable                        ? observedTable->region
                                                                : std::string();
    if (info == topology_.tgwRouteTables.end()) {
      trace_.hops.push_back(Hop{TableKind::kTgw, region, tableId, ""});
      finish(TraceOutcome::kUnknown,
             fmt::format("transit gateway route table {} is not in the topology", tableId));
      return std::nullopt;
    }
    const std::string& tgw = info->second.tgwId;
    const ObservedTable* table = read(TableKind::kTgw, tableId, region);
    if (!table) return std::nullopt;

    std::vector<const ObservedRoute*> candidates;
    if (table->vipRoute) candidates.push_back(&*table->vipRoute);
    for (const auto& route : table->coveringRoutes) candidates.push_back(&route);
    const ObservedRoute* route = longestMatch(candidates, vip_);
    trace_.hops.push_back(
        Hop{TableKind::kTgw, region, tableId, route ? describeRoute(*route) : ""});
    if (!route) {
      finish(TraceOutcome::kNoRoute, fmt::format("transit gateway route table {} ({}) has no route "
                                                 "for {}",
                                                 tableId, tgw, vip_.toString()));
      return std::nullopt;
    }
    if (route->state == "blackhole" || route->target.kind == TargetKind::kNone) {
      finish(TraceOutcome::kBlackhole,
             fmt::format("transit gateway route table {} ({}): the route {} is a blackhole",
                         tableId, tgw, describeRoute(*route)));
      return std::nullopt;
    }
    if (route->target.kind != TargetKind::kTgwAttachment) {
      finish(TraceOutcome::kLeftScope,
             fmt::format("transit gateway route table {} sends the VIP to {}, outside the modelled "
                         "network",
                         tableId, route->target.id));
      return std::nullopt;
    }
    const auto* attachment = topology_.findAttachment(tgw, route->target.id);
    if (!attachment) {
      finish(TraceOutcome::kUnknown,
             fmt::format("transit gateway route table {} sends the VIP to attachment {}, which is "
                         "not an attachment of {} in the topology",
                         tableId, route->target.id, tgw));
      return std::nullopt;
    }
    if (attachment->state != "available") {
      finish(TraceOutcome::kBlackhole, fmt::format("attachment {} of {} is {}, not available",
                                                   attachment->id, tgw, attachment->state));
      return std::nullopt;
    }
    if (attachment->kind == AttachmentKind::kVpc) {
      const auto* next = ingressTable(topology_, attachment->resourceId);
      if (!next) {
        finish(TraceOutcome::kUnknown,
               fmt::format("the VIP enters {} through {}, but no route table of that VPC is in "
                           "scope",
                           attachment->resourceId, attachment->id));
        return std::nullopt;
      }
      return std::make_pair(TableKind::kVpc, next->id);
    }
    if (attachment->kind == AttachmentKind::kPeering) {
      const std::string& peerTgw = attachment->resourceId;
      // Within one region the far side has its own attachment id.
      const auto* peerSide = topology_.peerSide(*attachment);
      if (!peerSide) {
        finish(TraceOutcome::kUnknown,
               fmt::format("peering attachment {} leads to {}, which is not in the topology",
                           attachment->id, peerTgw));
        return std::nullopt;
      }
      if (peerSide->associatedRouteTableId.empty()) {
        finish(TraceOutcome::kNoRoute,
               fmt::format("peering attachment {} is associated with no route table on {}",
                           attachment->id, peerTgw));
        return std::nullopt;
      }
      return std::make_pair(TableKind::kTgw, peerSide->associatedRouteTableId);
    }
    finish(TraceOutcome::kLeftScope,
           fmt::format("transit gateway route table {} sends the VIP to attachment {} (not a VPC "
                       "or peering attachment)",
                       tableId, attachment->id));
    return std::nullopt;
  }

  const Topology& topology_;
  const model::ObservedState& observed_;
  const model::Prefix& vip_;
  Trace& trace_;
  std::set<std::pair<TableKind, std::string>> visited_;
};

}  // namespace

Trace traceFrom(const Topology& topology, const model::ObservedState& observed,
                const model::Prefix& vip, const std::string& vpcRouteTableId) {
  Trace trace;
  trace.sourceTableId = vpcRouteTableId;
  if (auto info = topology.vpcRouteTables.find(vpcRouteTableId);
      info != topology.vpcRouteTables.end()) {
    trace.sourceVpcId = info->second.vpcId;
    trace.region = info->second.region;
  } else if (const auto* table = observed.find(vpcRouteTableId)) {
    trace.region = table->region;
  }
  Tracer(topology, observed, vip, trace).run(vpcRouteTableId);
  return trace;
}

std::vector<Trace> traceAll(const Topology& topology, const model::ObservedState& observed,
                            const model::Prefix& vip) {
  std::vector<Trace> out;
  for (const auto* table : topology.managedVpcTables()) {
    out.push_back(traceFrom(topology, observed, vip, table->id));
  }
  return out;
}

}  // namespace tgwark::plan
