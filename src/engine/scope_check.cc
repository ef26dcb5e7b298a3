#include "engine/scope_check.h"

#include <algorithm>
#include <mutex>
#include <set>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "engine/parallel.h"
#include "engine/tgw_attachments.h"

namespace tgwark::engine {
namespace {

using StrSet = std::set<std::string>;

constexpr std::size_t kBatch = 100;  // filter values per call, as discovery uses

// Only attachments that carry traffic decide the route rules.
bool usable(const std::string& state) {
  return state == "available" || state == "modifying";
}

// What the route rules depend on, per attachment side: kind, the VPC of a VPC
// attachment, whether it carries traffic, and (when known) its association.
struct AttachmentKey {
  std::string tgwId;
  std::string id;
  friend auto operator<=>(const AttachmentKey&, const AttachmentKey&) = default;
};
struct AttachmentFacts {
  std::string kind;  // "vpc" | "peering"
  std::string vpcId;
  bool usable = false;
  std::string association;
};

std::string describeFacts(const AttachmentFacts& f) {
  return fmt::format("{}{}{}{}", f.kind, f.vpcId.empty() ? "" : " of " + f.vpcId,
                     f.usable ? "" : ", not available",
                     f.association.empty() ? "" : ", associated with " + f.association);
}

template <class T, class Call>
Result<std::vector<T>> describeBatched(const StrSet& values, const std::string& filterName,
                                       const Deadline& deadline, Call call) {
  std::vector<T> all;
  std::vector<std::string> batch;
  auto flush = [&]() -> Result<void> {
    if (batch.empty()) return {};
    aws::DescribeOptions opts;
    opts.filters.push_back(aws::Filter{filterName, std::move(batch)});
    batch.clear();
    opts.call = deadline.callOptions();
    auto page = call(opts);
    TGWARK_RETURN_IF_ERROR(page);
    all.insert(all.end(), std::make_move_iterator(page->begin()),
               std::make_move_iterator(page->end()));
    return {};
  };
  for (const auto& v : values) {
    batch.push_back(v);
    if (batch.size() == kBatch) TGWARK_RETURN_IF_ERROR(flush());
  }
  TGWARK_RETURN_IF_ERROR(flush());
  return all;
}

class Checker {
 public:
  Checker(const model::Config& config, const model::Topology& stored, const Ec2Factory& factory,
          const Deadline& deadline, const ScopeCheckOptions& options)
      : config_(config),
        stored_(stored),
        factory_(factory),
        deadline_(deadline),
        options_(options) {}

  ScopeCheckReport run();

 private:
  enum class Job { kAttachments, kTgwTables, kVpcTables };
  const Deadline& deadlineFor(const std::string& region) const {
    return options_.remoteDeadline && region != options_.homeRegion ? *options_.remoteDeadline
                                                                    : deadline_;
  }
  bool explicitMode() const {
    return !config_.vpcRouteTables.empty() || !config_.tgwRouteTables.empty();
  }
  void runJob(const std::string& region, Job job);
  void checkAttachments(aws::Ec2Api& api, const std::string& region, const StrSet& tgws);
  Result<std::vector<aws::TransitGatewayAttachment>> attachmentsFallback(aws::Ec2Api& api,
                                                                         const std::string& region,
                                                                         const StrSet& tgws);
  void checkTgwTables(aws::Ec2Api& api, const std::string& region, const StrSet& tgws);
  void checkVpcTables(aws::Ec2Api& api, const std::string& region, const StrSet& vpcs);
  SharedVpcRead::Tables readVpcTables(aws::Ec2Api& api, const std::string& region,
                                      const StrSet& vpcs);
  void change(std::string line) {
    std::lock_guard lock(mu_);
    out_.changes.push_back(std::move(line));
  }
  void unverified(const std::string& region, Error error) {
    std::lock_guard lock(mu_);
    out_.unverified.try_emplace(region, std::move(error));
  }

  const model::Config& config_;
  const model::Topology& stored_;
  const Ec2Factory& factory_;
  const Deadline& deadline_;
  const ScopeCheckOptions& options_;
  std::map<std::string, StrSet> tgwsByRegion_;
  std::map<std::string, StrSet> vpcsByRegion_;
  std::mutex mu_;
  ScopeCheckReport out_;
};

Result<std::vector<aws::TransitGatewayAttachment>> Checker::attachmentsFallback(
    aws::Ec2Api& api, const std::string& region, const StrSet& tgws) {
  Result<std::vector<aws::TransitGatewayVpcAttachment>> vpcs;
  Result<std::vector<aws::TransitGatewayPeeringAttachment>> peers;
  parallelFor(2, 2, [&](std::size_t job) {
    if (job == 0) {
      vpcs = describeBatched<aws::TransitGatewayVpcAttachment>(
          tgws, "transit-gateway-id", deadlineFor(region), [&](const aws::DescribeOptions& o) {
            return api.describeTransitGatewayVpcAttachments(o);
          });
    } else {
      peers = describeBatched<aws::TransitGatewayPeeringAttachment>(
          tgws, "transit-gateway-id", deadlineFor(region), [&](const aws::DescribeOptions& o) {
            return api.describeTransitGatewayPeeringAttachments(o);
          });
    }
  });
  TGWARK_RETURN_IF_ERROR(vpcs, "DescribeTransitGatewayVpcAttachments in " + region);
  TGWARK_RETURN_IF_ERROR(peers, "DescribeTransitGatewayPeeringAttachments in " + region);
  std::vector<aws::TransitGatewayAttachment> out;
  for (const auto& v : *vpcs) out.push_back(fromVpcAttachment(v));
  addPeeringSides(*peers, tgws, out);
  return out;
}

void Checker::checkAttachments(aws::Ec2Api& api, const std::string& region, const StrSet& tgws) {
  auto atts = describeBatched<aws::TransitGatewayAttachment>(
      tgws, "transit-gateway-id", deadlineFor(region),
      [&](const aws::DescribeOptions& o) { return api.describeTransitGatewayAttachments(o); });
  bool associationsKnown = true;
  if (!atts && atts.error().category == ErrorCategory::kPermission) {
    associationsKnown = false;
    // The narrow IAM policy discovery also copes with: the VPC and peering
    // attachment calls carry the same ids and states, without associations.
    atts = attachmentsFallback(api, region, tgws);
  }
  if (!atts) {
    unverified(region, withContext(atts.error(), "DescribeTransitGatewayAttachments in " + region));
    return;
  }
  // Discovery without DescribeTransitGatewayAttachments (a narrow IAM policy)
  // knows no associations: then they are not compared.
  bool storedAssociations = false;
  std::map<AttachmentKey, AttachmentFacts> want;
  for (const auto& a : stored_.attachments) {
    if (!tgws.contains(a.tgwId) || a.kind == model::AttachmentKind::kOther) continue;
    AttachmentFacts f;
    f.kind = a.kind == model::AttachmentKind::kVpc ? "vpc" : "peering";
    if (a.kind == model::AttachmentKind::kVpc) f.vpcId = a.resourceId;
    f.usable = usable(a.state);
    f.association = a.associatedRouteTableId;
    storedAssociations = storedAssociations || !f.association.empty();
    want[AttachmentKey{a.tgwId, a.id}] = std::move(f);
  }
  std::map<AttachmentKey, AttachmentFacts> have;
  for (const auto& a : *atts) {
    // An endpoint that ignores the filter returns more: keep only ours.
    if (!tgws.contains(a.transitGatewayId) || goneState(a.state)) continue;
    const bool peering = isPeeringType(a.resourceType);
    if (!peering && a.resourceType != "vpc") continue;
    AttachmentFacts f;
    f.kind = peering ? "peering" : "vpc";
    if (!peering) f.vpcId = a.resourceId;
    f.usable = usable(a.state);
    if (a.association &&
        (a.association->state == "associated" || a.association->state == "associating")) {
      f.association = a.association->transitGatewayRouteTableId;
    }
    have[AttachmentKey{a.transitGatewayId, a.transitGatewayAttachmentId}] = std::move(f);
  }
  for (auto& [key, facts] : have) {
    auto it = want.find(key);
    if (it == want.end()) {
      change(fmt::format("{}: attachment {} of {} is new ({})", region, key.id, key.tgwId,
                         describeFacts(facts)));
      continue;
    }
    if (!storedAssociations || !associationsKnown) facts.association = it->second.association;
    if (facts.kind != it->second.kind || facts.vpcId != it->second.vpcId ||
        facts.usable != it->second.usable || facts.association != it->second.association) {
      change(fmt::format("{}: attachment {} of {} changed ({} -> {})", region, key.id, key.tgwId,
                         describeFacts(it->second), describeFacts(facts)));
    }
  }
  for (const auto& [key, facts] : want) {
    if (!have.contains(key)) {
      change(fmt::format("{}: attachment {} of {} is gone", region, key.id, key.tgwId));
    }
  }
}

void Checker::checkTgwTables(aws::Ec2Api& api, const std::string& region, const StrSet& tgws) {
  auto tables = describeBatched<aws::TransitGatewayRouteTable>(
      tgws, "transit-gateway-id", deadlineFor(region),
      [&](const aws::DescribeOptions& o) { return api.describeTransitGatewayRouteTables(o); });
  if (!tables) {
    unverified(region,
               withContext(tables.error(), "DescribeTransitGatewayRouteTables in " + region));
    return;
  }
  StrSet have;
  for (const auto& t : *tables) {
    if (tgws.contains(t.transitGatewayId) && !goneState(t.state))
      have.insert(t.transitGatewayRouteTableId);
  }
  StrSet want;
  for (const auto& [id, t] : stored_.tgwRouteTables)
    if (tgws.contains(t.tgwId)) want.insert(id);
  for (const auto& id : have)
    if (!want.contains(id)) change(fmt::format("{}: TGW route table {} is new", region, id));
  for (const auto& id : want)
    if (!have.contains(id)) change(fmt::format("{}: TGW route table {} is gone", region, id));
}

void Checker::checkVpcTables(aws::Ec2Api& api, const std::string& region, const StrSet& vpcs) {
  const SharedVpcRead::Tables* tables = nullptr;
  if (options_.sharedVpcRead) tables = options_.sharedVpcRead->wait(region);
  SharedVpcRead::Tables own;
  if (tables == nullptr) {
    own = readVpcTables(api, region, vpcs);
    tables = &own;
  }
  if (!*tables) {
    unverified(region, withContext(tables->error(), "DescribeRouteTables in " + region));
    return;
  }
  std::map<std::string, const VpcTableSummary*> have;
  for (const auto& t : **tables)
    if (vpcs.contains(t.vpcId)) have[t.id] = &t;
  StrSet want;
  for (const auto& [id, t] : stored_.vpcRouteTables)
    if (vpcs.contains(t.vpcId)) want.insert(id);
  for (const auto& [id, table] : have) {
    auto stored = stored_.vpcRouteTables.find(id);
    if (stored == stored_.vpcRouteTables.end()) {
      change(fmt::format("{}: route table {} of {} is new", region, id, table->vpcId));
      continue;
    }
    if (stored->second.vpcId != table->vpcId) {
      change(fmt::format("{}: route table {} moved to {}", region, id, table->vpcId));
      continue;
    }
    // A table outside the managed set that now holds the VIP route joins it
    // on discovery; one that lost the route stays managed (the state read
    // reports it missing), so only the first is a change.
    if (!stored->second.managed && table->holdsVip)
      change(fmt::format("{}: route table {} now holds the VIP route", region, id));
  }
  for (const auto& id : want)
    if (!have.contains(id)) change(fmt::format("{}: route table {} is gone", region, id));
}

SharedVpcRead::Tables Checker::readVpcTables(aws::Ec2Api& api, const std::string& region,
                                             const StrSet& vpcs) {
  auto tables = describeBatched<aws::RouteTable>(
      vpcs, "vpc-id", deadlineFor(region),
      [&](const aws::DescribeOptions& o) { return api.describeRouteTables(o); });
  TGWARK_RETURN_IF_ERROR(tables);
  std::vector<VpcTableSummary> out;
  out.reserve(tables->size());
  for (const auto& t : *tables) {
    const bool holdsVip = std::any_of(t.routes.begin(), t.routes.end(), [&](const aws::Route& r) {
      auto observed = toObservedRoute(r);
      return observed && observed->destination == config_.vip;
    });
    out.push_back(VpcTableSummary{t.routeTableId, t.vpcId, holdsVip});
  }
  return out;
}

void Checker::runJob(const std::string& region, Job job) {
  const auto& tgws = tgwsByRegion_[region];
  const auto& vpcs = vpcsByRegion_[region];
  if (job == Job::kAttachments && tgws.empty()) return;
  if (job == Job::kTgwTables && (tgws.empty() || explicitMode())) return;
  if (job == Job::kVpcTables && (vpcs.empty() || explicitMode())) return;
  if (deadlineFor(region).expired()) {
    unverified(region, deadlineError("checking the stored scope in " + region));
    return;
  }
  auto api = apiFor(factory_, region);
  if (!api) {
    unverified(region, api.error());
    return;
  }
  switch (job) {
    case Job::kAttachments: checkAttachments(**api, region, tgws); break;
    case Job::kTgwTables: checkTgwTables(**api, region, tgws); break;
    case Job::kVpcTables: checkVpcTables(**api, region, vpcs); break;
  }
}

ScopeCheckReport Checker::run() {
  StrSet regions;
  for (const auto& [id, tgw] : stored_.tgws) {
    tgwsByRegion_[tgw.region].insert(id);
    regions.insert(tgw.region);
  }
  for (const auto& [id, vpc] : stored_.vpcs) {
    vpcsByRegion_[vpc.region].insert(id);
    regions.insert(vpc.region);
  }
  std::vector<std::pair<std::string, Job>> jobs;
  for (const auto& region : regions) {
    for (auto job : {Job::kAttachments, Job::kTgwTables, Job::kVpcTables})
      jobs.emplace_back(region, job);
  }
  parallelFor(jobs.size(), jobs.size(),
              [&](std::size_t i) { runJob(jobs[i].first, jobs[i].second); });
  out_.regionsChecked = static_cast<int>(regions.size());
  std::sort(out_.changes.begin(), out_.changes.end());
  return std::move(out_);
}

}  // namespace

std::shared_ptr<SharedVpcRead> sharedVpcReadFor(const model::Config& config,
                                                const model::Topology& stored) {
  if (!config.vpcRouteTables.empty() || !config.tgwRouteTables.empty()) return nullptr;
  StrSet regions;
  for (const auto& [id, t] : stored.vpcRouteTables)
    if (t.managed) regions.insert(t.region);
  std::map<std::string, StrSet> vpcsByRegion;
  for (const auto& [id, vpc] : stored.vpcs)
    if (regions.contains(vpc.region)) vpcsByRegion[vpc.region].insert(id);
  if (vpcsByRegion.empty()) return nullptr;
  return std::make_shared<SharedVpcRead>(std::move(vpcsByRegion));
}

ScopeCheckReport checkScope(const model::Config& config, const model::Topology& stored,
                            const Ec2Factory& factory, const Deadline& deadline,
                            const ScopeCheckOptions& options) {
  return Checker(config, stored, factory, deadline, options).run();
}

}  // namespace tgwark::engine
