#include "engine/state_reader.h"

#include <algorithm>
#include <iterator>
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
  std::vector<std::string> vpcIds;    // instead of tableIds: a batch of VPCs (a shared read)
};

// A region read by VPC for a SharedVpcRead: its batches answer in any order,
// and the last one decides what was not found and publishes the region.
struct ByVpcRegion {
  std::map<std::string, std::string> wanted;  // managed table -> its VPC
  std::size_t pending = 0;                    // batches not answered yet
  std::vector<VpcTableSummary> seen;
  std::optional<Error> error;  // the first batch that failed
  std::set<std::string> failedVpcs;
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
  model::ObservedTable observeVpcTable(const aws::RouteTable& rt, const std::string& region) const;
  void absorbByVpc(const Task& task, Result<std::vector<aws::RouteTable>> tables);
  void finishByVpc(const std::string& region);
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
  std::map<std::string, ByVpcRegion> byVpc_;  // regions read for opts_.sharedVpcRead
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
    setKnown(observeVpcTable(rt, task.region));
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

model::ObservedTable Reader::observeVpcTable(const aws::RouteTable& rt,
                                             const std::string& region) const {
  model::ObservedTable table;
  table.kind = model::TableKind::kVpc;
  table.id = rt.routeTableId;
  table.region = region;
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
  return table;
}

void Reader::absorbByVpc(const Task& task, Result<std::vector<aws::RouteTable>> tables) {
  auto& region = byVpc_.at(task.region);  // built before the tasks ran; never resized
  std::vector<VpcTableSummary> seen;
  std::vector<model::ObservedTable> known;
  if (tables) {
    seen.reserve(tables->size());
    for (const auto& rt : *tables) {
      auto observed = observeVpcTable(rt, task.region);
      seen.push_back(VpcTableSummary{rt.routeTableId, rt.vpcId, observed.vipRoute.has_value()});
      if (region.wanted.contains(rt.routeTableId)) known.push_back(std::move(observed));
    }
  }
  for (auto& table : known) setKnown(std::move(table));
  bool last = false;
  {
    std::lock_guard lock(mu_);
    std::move(seen.begin(), seen.end(), std::back_inserter(region.seen));
    if (!tables) {
      if (!region.error) {
        region.error = tables.error();
        region.error->message =
            fmt::format("DescribeRouteTables in {}: {}", task.region, region.error->message);
      }
      region.failedVpcs.insert(task.vpcIds.begin(), task.vpcIds.end());
    }
    last = --region.pending == 0;
  }
  if (last) finishByVpc(task.region);
}

// Every batch of the region has answered: no other thread touches it now.
void Reader::finishByVpc(const std::string& name) {
  auto& region = byVpc_.at(name);
  std::set<std::string> seenIds;
  for (const auto& t : region.seen) seenIds.insert(t.id);
  for (const auto& [id, vpc] : region.wanted) {
    if (seenIds.contains(id)) continue;
    if (region.error && region.failedVpcs.contains(vpc)) {
      setUnknown(model::TableKind::kVpc, name, id, *region.error);
    } else {
      setUnknown(model::TableKind::kVpc, name, id,
                 Error{ErrorCategory::kNotFound,
                       fmt::format("route table {} not found in {}", id, name),
                       "InvalidRouteTableID.NotFound",
                       {},
                       0});
    }
  }
  if (region.error) {
    opts_.sharedVpcRead->publish(name, std::unexpected(*region.error));
  } else {
    opts_.sharedVpcRead->publish(name, std::move(region.seen));
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
  if (!task.vpcIds.empty()) {
    if (deadlineFor(task.region).expired()) {
      absorbByVpc(task, std::unexpected(deadlineError("reading route tables")));
      return;
    }
    auto api = apiFor(factory_, task.region);
    if (!api) {
      absorbByVpc(task, std::unexpected(api.error()));
      return;
    }
    aws::DescribeOptions opts;
    opts.filters = {aws::Filter{"vpc-id", task.vpcIds}};
    opts.call = deadlineFor(task.region).callOptions();
    absorbByVpc(task, (*api)->describeRouteTables(opts));
    return;
  }
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
      tasks.push_back(Task{ref.region, model::TableKind::kTgw, {ref.id}, {}});
    }
  }
  if (opts_.sharedVpcRead) {
    // A shared region reads its VPCs whole; a managed table whose VPC is not
    // among them (none in a discovered scope) is still read by id.
    for (auto& [region, ids] : vpcByRegion) {
      const auto* vpcs = opts_.sharedVpcRead->vpcs(region);
      if (vpcs == nullptr || vpcs->empty()) continue;
      auto& shared = byVpc_[region];
      for (auto it = ids.begin(); it != ids.end();) {
        auto table = topo_.vpcRouteTables.find(*it);
        if (table != topo_.vpcRouteTables.end() && vpcs->contains(table->second.vpcId)) {
          shared.wanted.emplace(*it, table->second.vpcId);
          it = ids.erase(it);
        } else {
          ++it;
        }
      }
      Task task{region, model::TableKind::kVpc, {}, {}};
      for (const auto& vpc : *vpcs) {
        if (task.vpcIds.size() == kIdBatch) {
          tasks.push_back(std::move(task));
          task = Task{region, model::TableKind::kVpc, {}, {}};
          ++shared.pending;
        }
        task.vpcIds.push_back(vpc);
      }
      tasks.push_back(std::move(task));
      ++shared.pending;
    }
  }
  for (const auto& [region, ids] : vpcByRegion) {
    if (ids.empty()) continue;
    Task task{region, model::TableKind::kVpc, {}, {}};
    for (const auto& id : ids) {
      if (task.tableIds.size() == kIdBatch) {
        tasks.push_back(std::move(task));
        task = Task{region, model::TableKind::kVpc, {}, {}};
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

const std::set<std::string>* SharedVpcRead::vpcs(const std::string& region) const {
  auto it = vpcsByRegion_.find(region);
  return it == vpcsByRegion_.end() ? nullptr : &it->second;
}

void SharedVpcRead::publish(const std::string& region, Tables tables) {
  {
    std::lock_guard lock(mu_);
    published_.try_emplace(region, std::move(tables));
  }
  cv_.notify_all();
}

const SharedVpcRead::Tables* SharedVpcRead::wait(const std::string& region) {
  if (!vpcsByRegion_.contains(region)) return nullptr;
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return closed_ || published_.contains(region); });
  auto it = published_.find(region);
  // Entries are never erased: the pointer stays valid for the object's life.
  return it == published_.end() ? nullptr : &it->second;
}

void SharedVpcRead::close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

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
