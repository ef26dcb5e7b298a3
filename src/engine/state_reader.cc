#include "engine/state_reader.h"

#include <algorithm>
#include <mutex>
#include <set>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "engine/parallel.h"

namespace tgwark::engine {
namespace {

constexpr std::size_t kIdBatch = 100;  // EC2's documented maximum for RouteTableId.N is higher;
                                       // 100 keeps each response page-sized.

model::RouteTargetRef vpcTarget(const aws::Route& r) {
  using model::TargetKind;
  // Instance routes carry the instance's ENI too; the ENI is what tgwark writes.
  if (!r.networkInterfaceId.empty()) return {TargetKind::kNetworkInterface, r.networkInterfaceId};
  if (!r.transitGatewayId.empty()) return {TargetKind::kTransitGateway, r.transitGatewayId};
  if (r.gatewayId == "local") return {TargetKind::kLocal, "local"};
  for (const auto* id :
       {&r.gatewayId, &r.instanceId, &r.vpcPeeringConnectionId, &r.natGatewayId, &r.localGatewayId,
        &r.carrierGatewayId, &r.egressOnlyInternetGatewayId, &r.coreNetworkArn}) {
    if (!id->empty()) return {TargetKind::kOther, *id};
  }
  return {TargetKind::kNone, ""};
}

struct Task {
  std::string region;
  model::TableKind kind = model::TableKind::kVpc;
  std::vector<std::string> tableIds;  // VPC: a batch; TGW: one table
};

class Reader {
 public:
  Reader(const model::Topology& topo, const model::Prefix& vip, const Ec2Factory& factory,
         const Deadline& deadline, const ReadOptions& opts)
      : topo_(topo),
        vip_(vip),
        vipText_(vip.toString()),
        factory_(factory),
        deadline_(deadline),
        opts_(opts) {}

  StateRead run();

 private:
  void runTask(const Task& task);
  const Deadline& deadlineFor(const std::string& region) const {
    return opts_.remoteDeadline && region != opts_.homeRegion ? *opts_.remoteDeadline : deadline_;
  }
  void readVpcBatch(aws::Ec2Api& api, const Task& task);
  void readTgwTable(aws::Ec2Api& api, const Task& task);
  void setUnknown(model::TableKind kind, const std::string& region, const std::string& id,
                  const Error& error);
  void setKnown(model::ObservedTable table);

  const model::Topology& topo_;
  const model::Prefix& vip_;
  const std::string vipText_;
  const Ec2Factory& factory_;
  const Deadline& deadline_;
  const ReadOptions& opts_;
  std::mutex mu_;
  StateRead out_;
};

void Reader::setUnknown(model::TableKind kind, const std::string& region, const std::string& id,
                        const Error& error) {
  model::ObservedTable table;
  table.kind = kind;
  table.id = id;
  table.region = region;
  table.known = false;
  table.error = error.describe();
  std::lock_guard lock(mu_);
  out_.errors[id] = error;
  out_.state.tables[id] = std::move(table);
}

void Reader::setKnown(model::ObservedTable table) {
  std::lock_guard lock(mu_);
  out_.state.tables[table.id] = std::move(table);
}

void Reader::readVpcBatch(aws::Ec2Api& api, const Task& task) {
  aws::DescribeOptions opts;
  opts.ids = task.tableIds;
  opts.call = deadlineFor(task.region).callOptions();
  auto tables = api.describeRouteTables(opts);
  if (!tables && tables.error().category == ErrorCategory::kNotFound) {
    // One missing table fails the whole RouteTableId call; the filter form
    // returns the ones that exist so only the missing one is unknown.
    opts.ids.clear();
    opts.filters = {aws::Filter{"route-table-id", task.tableIds}};
    tables = api.describeRouteTables(opts);
  }
  if (!tables) {
    auto error = tables.error();
    error.message = fmt::format("DescribeRouteTables in {}: {}", task.region, error.message);
    for (const auto& id : task.tableIds) setUnknown(model::TableKind::kVpc, task.region, id, error);
    return;
  }
  std::set<std::string> seen;
  for (const auto& rt : *tables) {
    if (std::find(task.tableIds.begin(), task.tableIds.end(), rt.routeTableId) ==
        task.tableIds.end()) {
      continue;
    }
    seen.insert(rt.routeTableId);
    model::ObservedTable table;
    table.kind = model::TableKind::kVpc;
    table.id = rt.routeTableId;
    table.region = task.region;
    table.known = true;
    for (const auto& route : rt.routes) {
      auto observed = toObservedRoute(route);
      if (!observed || observed->destination.ipv6 != vip_.ipv6) continue;
      if (observed->destination == vip_) {
        table.vipRoute = std::move(*observed);
      } else if (opts_.mode == ReadMode::kTrace && observed->destination.contains(vip_)) {
        table.coveringRoutes.push_back(std::move(*observed));
      }
    }
    setKnown(std::move(table));
  }
  for (const auto& id : task.tableIds) {
    if (!seen.contains(id)) {
      setUnknown(model::TableKind::kVpc, task.region, id,
                 Error{ErrorCategory::kNotFound,
                       fmt::format("route table {} not found in {}", id, task.region),
                       "InvalidRouteTableID.NotFound",
                       {},
                       0});
    }
  }
}

void Reader::readTgwTable(aws::Ec2Api& api, const Task& task) {
  const auto& id = task.tableIds.front();
  auto search = [&](const char* filter) {
    return api.searchTransitGatewayRoutes(id, {aws::Filter{filter, {vipText_}}}, std::nullopt,
                                          deadlineFor(task.region).callOptions());
  };
  auto exact = search("route-search.exact-match");
  if (!exact) {
    auto error = exact.error();
    error.message =
        fmt::format("SearchTransitGatewayRoutes {} in {}: {}", id, task.region, error.message);
    setUnknown(model::TableKind::kTgw, task.region, id, error);
    return;
  }
  model::ObservedTable table;
  table.kind = model::TableKind::kTgw;
  table.id = id;
  table.region = task.region;
  table.known = true;
  // A static route beats a propagated one for the same prefix, so when both
  // are listed the static one is what the TGW uses.
  for (const auto& route : exact->routes) {
    auto observed = toObservedRoute(route);
    if (!observed || !(observed->destination == vip_) || route.state == "deleted") continue;
    if (!table.vipRoute || (table.vipRoute->propagated && !observed->propagated)) {
      table.vipRoute = std::move(*observed);
    }
  }
  if (opts_.mode == ReadMode::kTrace && !table.vipRoute) {
    auto lpm = search("route-search.longest-prefix-match");
    if (!lpm) {
      auto error = lpm.error();
      error.message = fmt::format("SearchTransitGatewayRoutes (longest-prefix-match) {} in {}: {}",
                                  id, task.region, error.message);
      setUnknown(model::TableKind::kTgw, task.region, id, error);
      return;
    }
    for (const auto& route : lpm->routes) {
      auto observed = toObservedRoute(route);
      if (observed && observed->destination.ipv6 == vip_.ipv6 &&
          observed->destination.contains(vip_) && route.state != "deleted") {
        table.coveringRoutes.push_back(std::move(*observed));
      }
    }
  }
  setKnown(std::move(table));
}

void Reader::runTask(const Task& task) {
  if (deadlineFor(task.region).expired()) {
    auto error = deadlineError("reading route tables");
    for (const auto& id : task.tableIds) setUnknown(task.kind, task.region, id, error);
    return;
  }
  auto api = apiFor(factory_, task.region);
  if (!api) {
    for (const auto& id : task.tableIds) setUnknown(task.kind, task.region, id, api.error());
    return;
  }
  if (task.kind == model::TableKind::kVpc) {
    readVpcBatch(**api, task);
  } else {
    readTgwTable(**api, task);
  }
}

StateRead Reader::run() {
  std::vector<TableRef> refs = opts_.tables;
  if (refs.empty()) {
    for (const auto& [id, table] : topo_.vpcRouteTables)
      if (table.managed) refs.push_back(TableRef{model::TableKind::kVpc, table.region, id});
    for (const auto& [id, table] : topo_.tgwRouteTables)
      if (table.managed) refs.push_back(TableRef{model::TableKind::kTgw, table.region, id});
  }
  std::map<std::string, std::set<std::string>> vpcByRegion;  // sorted, de-duplicated
  std::set<std::string> tgwSeen;
  std::vector<Task> tasks;
  std::set<std::string> regions;
  for (const auto& ref : refs) {
    regions.insert(ref.region);
    if (ref.kind == model::TableKind::kVpc) {
      vpcByRegion[ref.region].insert(ref.id);
    } else if (tgwSeen.insert(ref.id).second) {
      tasks.push_back(Task{ref.region, model::TableKind::kTgw, {ref.id}});
    }
  }
  for (const auto& [region, ids] : vpcByRegion) {
    Task task{region, model::TableKind::kVpc, {}};
    for (const auto& id : ids) {
      if (task.tableIds.size() == kIdBatch) {
        tasks.push_back(std::move(task));
        task = Task{region, model::TableKind::kVpc, {}};
      }
      task.tableIds.push_back(id);
    }
    tasks.push_back(std::move(task));
  }
  const std::size_t workers = std::max<std::size_t>(1, regions.size()) *
                              static_cast<std::size_t>(std::max(1, opts_.concurrency));
  parallelFor(tasks.size(), workers, [&](std::size_t i) { runTask(tasks[i]); });
  return std::move(out_);
}

}  // namespace

std::optional<model::ObservedRoute> toObservedRoute(const aws::Route& route) {
  const auto& dest = route.destinationCidrBlock.empty() ? route.destinationIpv6CidrBlock
                                                        : route.destinationCidrBlock;
  if (dest.empty()) return std::nullopt;
  auto prefix = model::parsePrefix(dest, true);
  if (!prefix) return std::nullopt;
  model::ObservedRoute out;
  out.destination = *prefix;
  out.target = vpcTarget(route);
  out.state = route.state.empty() ? "active" : route.state;
  return out;
}

std::optional<model::ObservedRoute> toObservedRoute(const aws::TransitGatewayRoute& route) {
  if (route.destinationCidrBlock.empty()) return std::nullopt;
  auto prefix = model::parsePrefix(route.destinationCidrBlock, true);
  if (!prefix) return std::nullopt;
  model::ObservedRoute out;
  out.destination = *prefix;
  out.state = route.state;
  out.propagated = route.type == "propagated";
  if (!route.transitGatewayAttachments.empty()) {
    out.target = {model::TargetKind::kTgwAttachment,
                  route.transitGatewayAttachments.front().transitGatewayAttachmentId};
  }
  return out;
}

StateRead readStateDetailed(const model::Topology& topology, const model::Prefix& vip,
                            const Ec2Factory& factory, const Deadline& deadline,
                            const ReadOptions& opts) {
  return Reader(topology, vip, factory, deadline, opts).run();
}

Result<model::ObservedState> readState(const model::Topology& topology, const model::Prefix& vip,
                                       const Ec2Factory& factory, const Deadline& deadline,
                                       ReadMode mode) {
  ReadOptions opts;
  opts.mode = mode;
  return readStateDetailed(topology, vip, factory, deadline, opts).state;
}

}  // namespace tgwark::engine
