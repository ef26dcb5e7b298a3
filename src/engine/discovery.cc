#include "engine/discovery.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <ranges>
#include <set>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "engine/parallel.h"
#include "engine/preflight.h"
#include "engine/tgw_attachments.h"

namespace tgwark::engine {
namespace {

// EC2 accepts up to 200 values per filter; 100 keeps requests small and
// matches the RouteTableId batch size used by the state reader.
constexpr std::size_t kBatch = 100;
constexpr int kMaxPeeringRounds = 32;

using StrSet = std::set<std::string>;

std::unexpected<Error> invalid(std::string message, std::string awsCode = {}) {
  return makeError(ErrorCategory::kInvalidConfig, std::move(message), std::move(awsCode));
}

// The vendor TGW kit's permission set lacks DescribeNetworkInterfaces,
// DescribeVpcs and DescribeTransitGatewayAttachments; tgwark must still work
// with exactly that set (docs/semantics.md), so those reads are enrichments with a
// fallback, never requirements.
bool denied(const Error& error) {
  return error.category == ErrorCategory::kPermission &&
         (error.awsCode == "UnauthorizedOperation" || error.awsCode == "AccessDenied" ||
          error.awsCode == "AccessDeniedException");
}

// EC2's own word that an id does not exist: a NotFound with an error code
// from a parsed EC2 error body. Only that (or an answer that parsed and lacks
// the id) may become a configuration error; an answer tgwark could not read
// is no evidence and stays the API error it is.
bool answeredNotFound(const Error& error) {
  return error.category == ErrorCategory::kNotFound && !error.awsCode.empty();
}

void warnOnce(std::once_flag& flag, const std::string& message) {
  std::call_once(flag, [&] { spdlog::warn("discovery: {}", message); });
}

// The side of peering `p` that belongs to `tgw`: true for the requester.
bool isRequesterSide(const aws::TransitGatewayPeeringAttachment& p, const std::string& tgw) {
  return p.requesterTgwInfo.transitGatewayId == tgw;
}

std::vector<std::vector<std::string>> batches(const StrSet& ids) {
  std::vector<std::vector<std::string>> out;
  for (const auto& id : ids) {
    if (out.empty() || out.back().size() == kBatch) out.emplace_back();
    out.back().push_back(id);
  }
  return out;
}

// Runs a filtered Describe once per batch of filter values and concatenates.
template <class T, class Call>
Result<std::vector<T>> describeBatched(const StrSet& values, const std::string& filterName,
                                       std::vector<aws::Filter> extra, const Deadline& deadline,
                                       Call call) {
  std::vector<T> all;
  for (auto& batch : batches(values)) {
    aws::DescribeOptions opts;
    opts.filters = extra;
    opts.filters.push_back(aws::Filter{filterName, std::move(batch)});
    opts.call = deadline.callOptions();
    auto page = call(opts);
    TGWARK_RETURN_IF_ERROR(page);
    all.insert(all.end(), std::make_move_iterator(page->begin()),
               std::make_move_iterator(page->end()));
  }
  return all;
}

// Runs fn(region) for every region in parallel.
template <class T, class Fn>
std::vector<Result<T>> inParallel(const std::vector<std::string>& regions, Fn fn) {
  std::vector<std::optional<Result<T>>> results(regions.size());
  parallelFor(regions.size(), regions.size(),
              [&](std::size_t i) { results[i].emplace(fn(regions[i])); });
  std::vector<Result<T>> out;
  out.reserve(regions.size());
  for (auto& r : results) out.push_back(std::move(*r));
  return out;
}

bool hasTag(const std::vector<aws::Tag>& tags, const model::Config& config) {
  if (config.scopeTagKey.empty()) return false;
  return std::any_of(tags.begin(), tags.end(), [&](const aws::Tag& t) {
    return t.key == config.scopeTagKey &&
           (!config.scopeTagValue || t.value == *config.scopeTagValue);
  });
}

struct SeedRead {
  std::vector<aws::NetworkInterface> enis;
  std::vector<aws::RouteTable> listedVpcTables;
  std::vector<aws::TransitGatewayRouteTable> listedTgwTables;
};

struct TgwRead {
  std::vector<aws::TransitGatewayAttachment> attachments;
  std::map<std::string, aws::TransitGatewayPeeringAttachment> peerings;  // by attachment id
};

struct ScopeRead {
  std::vector<aws::TransitGatewayRouteTable> tgwTables;
  std::vector<aws::Vpc> vpcs;
  std::vector<aws::RouteTable> vpcTables;
};

class Discoverer {
 public:
  Discoverer(const model::Config& config, const Ec2Factory& factory, const Deadline& deadline,
             const DiscoveryOptions& options)
      : config_(config), factory_(factory), deadline_(deadline), options_(options) {}

  Result<model::Topology> run();

 private:
  // Runs fn(region) for every region not already given up on, in parallel.
  // A region that fails is given up on when discovery can do without it (not
  // needed, and the error is not the configuration's): its part of the
  // topology is then the stored scope's (overlayStale). Otherwise the first
  // error, in region order so messages are deterministic, fails discovery.
  template <class T, class Fn>
  Result<std::map<std::string, T>> perRegion(const std::vector<std::string>& regions, Fn fn) {
    // Each round's remote wait starts with the round: a region first met
    // late in the walk (a client region behind a peering) still gets it.
    if (options_.remoteWait) roundRemote_ = deadline_.within(*options_.remoteWait);
    std::vector<std::string> live;
    for (const auto& r : regions)
      if (!failed_.contains(r)) live.push_back(r);
    auto results = inParallel<T>(live, fn);
    std::map<std::string, T> out;
    for (std::size_t i = 0; i < live.size(); ++i) {
      if (!results[i]) {
        const Error& error = results[i].error();
        if (needed(live[i]) || error.category == ErrorCategory::kInvalidConfig) {
          return std::unexpected(error);
        }
        spdlog::warn("discovery: region {} cannot be read ({}): {}", live[i], error.describe(),
                     canFallBack() ? "using its last known state from the scope store"
                                   : "its tables are left out (no stored scope to stand in)");
        failed_.emplace(live[i], error);
        continue;
      }
      out.emplace(live[i], std::move(*results[i]));
    }
    return out;
  }
  // A region discovery cannot do without: the acting node's only, when told
  // which node acts (another node's region that cannot be read contributes
  // the store's last known state, or nothing: that node is then left
  // unplaced, and the acting node's routes need nothing of it); every region
  // holding a node otherwise. Such a region gets the whole deadline: giving
  // up on it early would fail the action, not speed it up.
  bool needed(const std::string& region) const {
    if (!options_.homeRegion.empty()) return region == options_.homeRegion;
    return std::any_of(config_.nodes.begin(), config_.nodes.end(),
                       [&](const model::NodeConfig& n) { return n.region == region; });
  }
  bool canFallBack() const { return options_.stored && options_.storedComplete; }
  // Leaves a node out of the topology, out loud: its region cannot be read
  // and nothing stored places it. The acting node's routes do not depend on
  // it (its VPC, its TGW and their tables are all in that region).
  void unplace(const std::string& node, const std::string& region, const std::string& why) {
    spdlog::warn(
        "discovery: node '{}' is left out: its region {} cannot be read and {}; the other "
        "nodes' routes do not need it, and its region's tables are left for quickCheck to put "
        "right when it answers",
        node, region, why);
    topo_.unplacedNodes.push_back(node);
  }
  // The calls to a region that is not needed end at the remote deadline and
  // at this round's remote wait, whichever comes first.
  Deadline deadlineFor(const std::string& region) const {
    if (needed(region)) return deadline_;
    Deadline out = options_.remoteDeadline ? *options_.remoteDeadline : deadline_;
    if (roundRemote_ && roundRemote_->at && (!out.at || *roundRemote_->at < *out.at))
      out = *roundRemote_;
    return out;
  }
  bool storedManaged(const std::string& id) const {
    return options_.stored && options_.stored->origins.contains(id);
  }
  Result<void> checkDeadline(std::string_view phase) const {
    if (deadline_.expired())
      return std::unexpected(deadlineError("discovery: " + std::string(phase)));
    return {};
  }
  // Each kind of table is listed or discovered on its own: listing only VPC
  // tables still discovers the TGW tables in scope, and the reverse.
  bool vpcListed() const { return config_.vpcRouteTablesListed || !config_.vpcRouteTables.empty(); }
  bool tgwListed() const { return config_.tgwRouteTablesListed || !config_.tgwRouteTables.empty(); }
  // Every node's ENI is in one VPC, and no TGW table is listed.
  bool singleVpcWithoutTgwTables() const {
    if (!config_.tgwRouteTables.empty()) return false;
    StrSet vpcs;
    for (const auto& node : topo_.nodes) vpcs.insert(node.vpcId);
    return vpcs.size() == 1;
  }
  Result<SeedRead> readSeeds(const std::string& region);
  Result<std::vector<aws::NetworkInterface>> readEnis(
      aws::Ec2Api& api, const std::vector<const model::NodeConfig*>& nodes);
  Result<TgwRead> readTgws(const std::string& region, const StrSet& tgws);
  Result<ScopeRead> readScope(const std::string& region);
  Result<void> walkTgws();
  Result<void> assemble();
  Result<void> resolveVpcTgws();
  void managedSet();
  Result<void> overlayStale();
  Result<void> checkPreflight() const;

  const model::Config& config_;
  const Ec2Factory& factory_;
  const Deadline& deadline_;
  const DiscoveryOptions options_;
  model::Topology topo_;

  // Raw reads, merged across rounds.
  std::map<std::string, aws::TransitGatewayRouteTable> tgwTables_;  // in scope, by id
  std::map<std::string, std::string> tgwTableRegion_;
  std::map<std::string, aws::RouteTable> vpcTables_;
  std::map<std::string, std::string> vpcTableRegion_;
  std::map<std::string, std::string> tgwRegion_;  // TGW in scope -> region
  std::map<std::string, std::vector<aws::TransitGatewayAttachment>> tgwAttachments_;  // by TGW
  std::map<std::string, aws::TransitGatewayPeeringAttachment> peerings_;
  std::map<std::string, std::string> vpcRegion_;  // VPC in scope -> region
  StrSet listedVpcTables_;
  StrSet listedTgwTables_;
  std::once_flag eniWarning_, vpcWarning_, attachmentWarning_, singleVpcWarning_, tgwTableWarning_;
  std::mutex mu_;
  std::map<std::string, Error> failed_;  // regions given up on -> why
  std::optional<Deadline> roundRemote_;  // set before each round's parallel calls, then read-only
  bool vpcsDenied_ = false;              // set under mu_ inside parallelFor, read after it joins

  // VPC attachments by `filterName` (vpc-id or transit-gateway-id) in the
  // shape of DescribeTransitGatewayAttachments, without associations: the
  // fallback when that call is not permitted.
  Result<std::vector<aws::TransitGatewayAttachment>> vpcAttachmentsFallback(
      aws::Ec2Api& api, const StrSet& values, const std::string& filterName);
};

Result<std::vector<aws::TransitGatewayAttachment>> Discoverer::vpcAttachmentsFallback(
    aws::Ec2Api& api, const StrSet& values, const std::string& filterName) {
  warnOnce(attachmentWarning_,
           "ec2:DescribeTransitGatewayAttachments is not permitted: using the VPC and peering "
           "attachment calls instead (TGW route table associations are unknown, so `verify` "
           "cannot follow paths through TGW tables)");
  auto vpcAtts = describeBatched<aws::TransitGatewayVpcAttachment>(
      values, filterName, {}, deadlineFor(api.region()),
      [&](const aws::DescribeOptions& o) { return api.describeTransitGatewayVpcAttachments(o); });
  TGWARK_RETURN_IF_ERROR(vpcAtts, "DescribeTransitGatewayVpcAttachments in " + api.region());
  std::vector<aws::TransitGatewayAttachment> out;
  for (const auto& v : *vpcAtts) out.push_back(fromVpcAttachment(v));
  return out;
}

Result<std::vector<aws::NetworkInterface>> Discoverer::readEnis(
    aws::Ec2Api& api, const std::vector<const model::NodeConfig*>& nodes) {
  auto describe = [&](std::vector<std::string> ids) {
    aws::DescribeOptions opts;
    opts.ids = std::move(ids);
    opts.call = deadlineFor(api.region()).callOptions();
    return api.describeNetworkInterfaces(opts);
  };
  auto notHere = [&](const model::NodeConfig& node, const Error& error) {
    return invalid(fmt::format("node '{}': ENI {} not found in region {} ({}); is the node's "
                               "region right?",
                               node.name, node.eni, api.region(),
                               error.awsCode.empty() ? error.message : error.awsCode),
                   error.awsCode);
  };
  std::vector<std::string> ids;
  for (const auto* node : nodes) ids.push_back(node->eni);
  auto all = describe(ids);
  if (all) {
    for (const auto* node : nodes) {
      bool found = std::any_of(all->begin(), all->end(), [&](const aws::NetworkInterface& eni) {
        return eni.networkInterfaceId == node->eni;
      });
      if (!found) return notHere(*node, Error{ErrorCategory::kNotFound, "not returned", {}, {}, 0});
      for (const auto& eni : *all) {
        if (eni.networkInterfaceId == node->eni && !node->vpc.empty() && eni.vpcId != node->vpc) {
          return invalid(fmt::format("node '{}': vpc = \"{}\", but ENI {} is in {}", node->name,
                                     node->vpc, node->eni, eni.vpcId));
        }
      }
    }
    return all;
  }
  if (denied(all.error())) {
    // Without DescribeNetworkInterfaces, the node's VPC comes from the config.
    std::vector<aws::NetworkInterface> fromConfig;
    for (const auto* node : nodes) {
      if (node->vpc.empty()) {
        return std::unexpected(Error{
            ErrorCategory::kPermission,
            fmt::format("node '{}': ec2:DescribeNetworkInterfaces is not permitted, so the VPC of "
                        "ENI {} is unknown: grant it, or set vpc = \"vpc-...\" in this [[node]] "
                        "({})",
                        node->name, node->eni, all.error().message),
            all.error().awsCode, all.error().requestId, all.error().httpStatus});
      }
      aws::NetworkInterface eni;
      eni.networkInterfaceId = node->eni;
      eni.vpcId = node->vpc;
      eni.sourceDestCheck = false;  // unknown here; restore's pre-flight reports it unchecked
      eni.status = "unverified";
      fromConfig.push_back(std::move(eni));
    }
    warnOnce(eniWarning_,
             "ec2:DescribeNetworkInterfaces is not permitted: using each [[node]]'s vpc");
    return fromConfig;
  }
  if (!answeredNotFound(all.error())) {
    return std::unexpected(
        withContext(all.error(), "DescribeNetworkInterfaces in " + api.region()));
  }
  // EC2 fails the whole call when one id is unknown: ask one by one to name it.
  for (const auto* node : nodes) {
    auto one = describe({node->eni});
    if (!one) {
      if (answeredNotFound(one.error())) return notHere(*node, one.error());
      return std::unexpected(
          withContext(one.error(), "DescribeNetworkInterfaces in " + api.region()));
    }
  }
  return std::unexpected(withContext(all.error(), "DescribeNetworkInterfaces in " + api.region()));
}

Result<SeedRead> Discoverer::readSeeds(const std::string& region) {
  auto api = apiFor(factory_, region);
  TGWARK_RETURN_IF_ERROR(api);
  SeedRead out;
  std::vector<const model::NodeConfig*> nodes;
  for (const auto& node : config_.nodes)
    if (node.region == region) nodes.push_back(&node);
  if (!nodes.empty()) {
    auto enis = readEnis(**api, nodes);
    TGWARK_RETURN_IF_ERROR(enis);
    out.enis = std::move(*enis);
  }
  // Listed tables are looked up with id filters, which (unlike RouteTableId)
  // do not fail when a table lives in another region.
  if (!listedVpcTables_.empty()) {
    auto tables = describeBatched<aws::RouteTable>(
        listedVpcTables_, "route-table-id", {}, deadlineFor(region),
        [&](const aws::DescribeOptions& o) { return (*api)->describeRouteTables(o); });
    TGWARK_RETURN_IF_ERROR(tables, "DescribeRouteTables in " + region);
    out.listedVpcTables = std::move(*tables);
  }
  if (!listedTgwTables_.empty()) {
    auto tables = describeBatched<aws::TransitGatewayRouteTable>(
        listedTgwTables_, "transit-gateway-route-table-id", {}, deadlineFor(region),
        [&](const aws::DescribeOptions& o) {
          return (*api)->describeTransitGatewayRouteTables(o);
        });
    TGWARK_RETURN_IF_ERROR(tables, "DescribeTransitGatewayRouteTables in " + region);
    out.listedTgwTables = std::move(*tables);
  }
  return out;
}

Result<TgwRead> Discoverer::readTgws(const std::string& region, const StrSet& tgws) {
  auto api = apiFor(factory_, region);
  TGWARK_RETURN_IF_ERROR(api);
  TgwRead out;
  // DescribeTransitGatewayAttachments carries each attachment's association,
  // which saves one GetTransitGatewayRouteTableAssociations per TGW table.
  // The peerings (for the far side's region) are asked for by TGW at the same
  // time rather than after, by attachment id: one round trip per walk round.
  Result<std::vector<aws::TransitGatewayAttachment>> atts;
  Result<std::vector<aws::TransitGatewayPeeringAttachment>> peers;
  parallelFor(2, 2, [&](std::size_t job) {
    if (job == 0) {
      atts = describeBatched<aws::TransitGatewayAttachment>(
          tgws, "transit-gateway-id", {}, deadlineFor(region), [&](const aws::DescribeOptions& o) {
            return (*api)->describeTransitGatewayAttachments(o);
          });
    } else {
      peers = describeBatched<aws::TransitGatewayPeeringAttachment>(
          tgws, "transit-gateway-id", {}, deadlineFor(region), [&](const aws::DescribeOptions& o) {
            return (*api)->describeTransitGatewayPeeringAttachments(o);
          });
    }
  });
  TGWARK_RETURN_IF_ERROR(peers, "DescribeTransitGatewayPeeringAttachments in " + region);
  if (!atts && denied(atts.error())) {
    atts = vpcAttachmentsFallback(**api, tgws, "transit-gateway-id");
    if (atts) addPeeringSides(*peers, tgws, *atts);
  }
  TGWARK_RETURN_IF_ERROR(atts, "DescribeTransitGatewayAttachments in " + region);
  StrSet peeringIds;
  for (auto& att : *atts) {
    if (goneState(att.state)) continue;
    if (isPeeringType(att.resourceType)) peeringIds.insert(att.transitGatewayAttachmentId);
    out.attachments.push_back(std::move(att));
  }
  // An endpoint that ignores the filter returns more: keep only ours.
  // Indexed by each side's id: within one region the accepter's side has its own.
  for (auto& p : *peers) {
    const std::string accepterId = accepterSideId(p);
    if (peeringIds.contains(accepterId)) out.peerings.emplace(accepterId, p);
    if (peeringIds.contains(p.transitGatewayAttachmentId)) {
      out.peerings.emplace(p.transitGatewayAttachmentId, std::move(p));
    }
  }
  return out;
}

Result<ScopeRead> Discoverer::readScope(const std::string& region) {
  auto api = apiFor(factory_, region);
  TGWARK_RETURN_IF_ERROR(api);
  ScopeRead out;
  StrSet tgws, vpcs;
  for (const auto& [tgw, r] : tgwRegion_)
    if (r == region) tgws.insert(tgw);
  for (const auto& [vpc, r] : vpcRegion_)
    if (r == region) vpcs.insert(vpc);
  // The three reads are independent: one round trip instead of three.
  std::optional<Error> errors[3];
  parallelFor(3, 3, [&](std::size_t job) {
    // A listed kind is read whole only when tags can add to it.
    const bool tagScope = !config_.scopeTagKey.empty();
    if (job == 0 && (!tgwListed() || tagScope) && !tgws.empty()) {
      auto tables = describeBatched<aws::TransitGatewayRouteTable>(
          tgws, "transit-gateway-id", {}, deadlineFor(region), [&](const aws::DescribeOptions& o) {
            return (*api)->describeTransitGatewayRouteTables(o);
          });
      if (tables) {
        out.tgwTables = std::move(*tables);
      } else if (denied(tables.error()) && vpcListed() && !tgwListed()) {
        // The stock agent's permission set, with its VPC tables listed.
        warnOnce(tgwTableWarning_,
                 "ec2:DescribeTransitGatewayRouteTables is not permitted: no transit gateway "
                 "route table is managed (grant it, or list them in tgw_route_tables)");
      } else {
        errors[0] = withContext(tables.error(), "DescribeTransitGatewayRouteTables in " + region);
      }
    } else if (job == 1 && !vpcs.empty()) {
      auto described = describeBatched<aws::Vpc>(
          vpcs, "vpc-id", {}, deadlineFor(region),
          [&](const aws::DescribeOptions& o) { return (*api)->describeVpcs(o); });
      if (described) {
        out.vpcs = std::move(*described);
      } else if (denied(described.error())) {
        warnOnce(vpcWarning_,
                 "ec2:DescribeVpcs is not permitted: VPC CIDRs are taken from the route tables' "
                 "local routes");
        std::lock_guard lock(mu_);
        vpcsDenied_ = true;
      } else {
        errors[1] = withContext(described.error(), "DescribeVpcs in " + region);
      }
    } else if (job == 2 && !vpcs.empty() && (!vpcListed() || tagScope)) {
      auto tables = describeBatched<aws::RouteTable>(
          vpcs, "vpc-id", {}, deadlineFor(region),
          [&](const aws::DescribeOptions& o) { return (*api)->describeRouteTables(o); });
      if (tables) {
        out.vpcTables = std::move(*tables);
      } else {
        errors[2] = withContext(tables.error(), "DescribeRouteTables in " + region);
      }
    }
  });
  for (auto& error : errors)
    if (error) return std::unexpected(std::move(*error));
  return out;
}

Result<void> Discoverer::walkTgws() {
  // Seeds: the TGWs the nodes' VPCs (and the listed VPC tables' VPCs) are
  // attached to, and the TGWs of listed TGW tables.
  std::map<std::string, StrSet> seedVpcs;  // region -> VPCs
  for (const auto& [id, eni] : topo_.enis) seedVpcs[eni.region].insert(eni.vpcId);
  for (const auto& [id, table] : vpcTables_) seedVpcs[vpcTableRegion_[id]].insert(table.vpcId);
  std::vector<std::string> regions;
  for (const auto& [region, vpcs] : seedVpcs) regions.push_back(region);
  auto seeds = perRegion<std::vector<aws::TransitGatewayAttachment>>(
      regions,
      [&](const std::string& region) -> Result<std::vector<aws::TransitGatewayAttachment>> {
        auto api = apiFor(factory_, region);
        TGWARK_RETURN_IF_ERROR(api);
        auto atts = describeBatched<aws::TransitGatewayAttachment>(
            seedVpcs[region], "resource-id", {aws::Filter{"resource-type", {"vpc"}}},
            deadlineFor(region), [&](const aws::DescribeOptions& o) {
              return (*api)->describeTransitGatewayAttachments(o);
            });
        if (!atts && denied(atts.error())) {
          auto fallback = vpcAttachmentsFallback(**api, seedVpcs[region], "vpc-id");
          // A single-VPC cluster needs no transit gateway permission at all
          // (the stock agent's policy has none): whatever the VPC is attached
          // to, rule 1 for its own tables is the same.
          if (!fallback && denied(fallback.error()) && singleVpcWithoutTgwTables()) {
            warnOnce(singleVpcWarning_,
                     "transit gateway attachments cannot be read (not permitted): every node "
                     "is in one VPC, so only that VPC's route tables are managed");
            return std::vector<aws::TransitGatewayAttachment>{};
          }
          return fallback;
        }
        TGWARK_RETURN_IF_ERROR(atts, "DescribeTransitGatewayAttachments in " + region);
        return std::move(*atts);
      });
  TGWARK_RETURN_IF_ERROR(seeds);

  std::map<std::string, StrSet> pending;  // region -> TGWs not read yet
  auto addTgw = [&](const std::string& tgw, const std::string& region) {
    if (tgw.empty() || tgwRegion_.contains(tgw)) return;
    tgwRegion_[tgw] = region;
    pending[region].insert(tgw);
  };
  for (const auto& [region, atts] : *seeds)
    for (const auto& att : atts)
      if (!goneState(att.state)) addTgw(att.transitGatewayId, region);
  // A region given up on: the TGWs its VPCs were attached to, as last known.
  if (canFallBack()) {
    for (const auto& att : options_.stored->attachments) {
      if (failed_.contains(att.region) && att.kind == model::AttachmentKind::kVpc &&
          seedVpcs[att.region].contains(att.resourceId) && !goneState(att.state)) {
        addTgw(att.tgwId, att.region);
      }
    }
  }
  for (const auto& [id, table] : tgwTables_) addTgw(table.transitGatewayId, tgwTableRegion_[id]);

  for (int round = 0; !pending.empty(); ++round) {
    if (round == kMaxPeeringRounds) {
      return makeError(ErrorCategory::kInternal, "discovery: peering walk did not converge");
    }
    if (auto ok = checkDeadline("reading transit gateway attachments"); !ok) return ok;
    auto current = std::move(pending);
    pending.clear();
    std::vector<std::string> roundRegions;
    for (const auto& [region, tgws] : current) roundRegions.push_back(region);
    auto reads = perRegion<TgwRead>(
        roundRegions, [&](const std::string& region) { return readTgws(region, current[region]); });
    TGWARK_RETURN_IF_ERROR(reads);
    // The walk crosses a region given up on through its last known peerings.
    if (canFallBack()) {
      for (const auto& att : options_.stored->attachments) {
        if (failed_.contains(att.region) && current[att.region].contains(att.tgwId) &&
            att.kind == model::AttachmentKind::kPeering && !goneState(att.state)) {
          addTgw(att.resourceId, att.peerRegion.empty() ? att.region : att.peerRegion);
        }
      }
    }
    for (auto& [region, read] : *reads) {
      for (auto& [id, peering] : read.peerings) peerings_.emplace(id, peering);
      for (auto& att : read.attachments) {
        if (isPeeringType(att.resourceType)) {
          auto it = peerings_.find(att.transitGatewayAttachmentId);
          if (it != peerings_.end() && !goneState(it->second.state)) {
            const auto& p = it->second;
            const bool requester = isRequesterSide(p, att.transitGatewayId);
            const auto& peer = requester ? p.accepterTgwInfo : p.requesterTgwInfo;
            addTgw(peer.transitGatewayId, peer.region.empty() ? region : peer.region);
          }
        }
        tgwAttachments_[att.transitGatewayId].push_back(std::move(att));
      }
    }
  }
  return {};
}

Result<void> Discoverer::resolveVpcTgws() {
  // Which in-scope TGWs each VPC is attached to (by available-ish VPC attachments).
  // A pending or rolling-back attachment carries no traffic yet, so it neither
  // makes a VPC ambiguous nor gives it a TGW.
  std::map<std::string, StrSet> attachedTo;
  for (const auto& att : topo_.attachments) {
    if (att.kind == model::AttachmentKind::kVpc &&
        (att.state == "available" || att.state == "modifying")) {
      attachedTo[att.resourceId].insert(att.tgwId);
    }
  }

  StrSet relevant;  // VPCs whose TGW the rules need
  for (const auto& [id, eni] : topo_.enis) relevant.insert(eni.vpcId);
  for (const auto& [id, table] : topo_.vpcRouteTables)
    if (table.managed) relevant.insert(table.vpcId);

  std::map<std::string, std::string> overrides;
  for (const auto& o : config_.vpcs) {
    overrides[o.id] = o.transitGateway;
    if (!topo_.vpcs.contains(o.id)) {
      spdlog::warn(
          "[[vpc]] id = \"{}\": this VPC is not in scope (not attached to any transit "
          "gateway in scope); the override is ignored",
          o.id);
    }
  }

  for (auto& [id, vpc] : topo_.vpcs) {
    const auto& tgws = attachedTo[id];
    if (auto o = overrides.find(id); o != overrides.end()) {
      if (!tgws.contains(o->second)) {
        return invalid(fmt::format(
            "[[vpc]] id = \"{}\": transit_gateway {} is not attached to this VPC in scope "
            "(attached: {})",
            id, o->second,
            tgws.empty() ? std::string("none") : fmt::format("{}", fmt::join(tgws, ", "))));
      }
      vpc.transitGatewayId = o->second;
    } else if (tgws.size() == 1) {
      vpc.transitGatewayId = *tgws.begin();
    } else if (tgws.size() > 1 && relevant.contains(id)) {
      return invalid(fmt::format(
          "{} ({}) is attached to several transit gateways in scope ({}): add a [[vpc]] section "
          "with id = \"{}\" and transit_gateway = the one that should carry the VIP",
          id, vpc.region, fmt::join(tgws, ", "), id));
    }
  }
  for (auto& node : topo_.nodes) {
    // A node whose VPC has no transit gateway is fine when every node shares
    // that VPC (rule 1 only); preflight.h's vpcLayoutProblems says when not.
    const auto& vpc = topo_.vpcs.at(node.vpcId);
    node.tgwId = vpc.transitGatewayId;
    if (node.tgwId.empty()) continue;
    for (const auto& att : topo_.attachments) {
      if (att.kind == model::AttachmentKind::kVpc && att.tgwId == node.tgwId &&
          att.resourceId == node.vpcId && attachedTo[node.vpcId].contains(att.tgwId)) {
        node.vpcAttachmentId = att.id;
        break;
      }
    }
  }
  return {};
}

Result<void> Discoverer::checkPreflight() const {
  auto problems = topologyProblems(config_, topo_);
  if (!failed_.empty() && !canFallBack()) {
    // A listed table not found may live in a region that cannot be read: it
    // is left out for now, as that region's other tables are, rather than
    // failing the action for every other region.
    const auto listed = listedTableProblems(config_, topo_);
    std::erase_if(problems, [&](const PreflightProblem& p) {
      if (std::none_of(listed.begin(), listed.end(), [&](const PreflightProblem& l) {
            return l.check == p.check && l.message == p.message;
          }))
        return false;
      spdlog::warn("discovery: {} is left out for now: {} (a region cannot be read: {})", p.check,
                   p.message, fmt::join(std::views::keys(failed_), ", "));
      return true;
    });
  }
  if (problems.empty()) return {};
  if (!failed_.empty() && !canFallBack()) {
    // A region that could not be read, with nothing to stand in for it, is
    // no evidence of a configuration problem (a listed table there reads as
    // "not found"): report the outage, not a bad configuration.
    const auto& [region, error] = *failed_.begin();
    return std::unexpected(withContext(
        error, fmt::format("discovery: the scope cannot be checked while region {} cannot be "
                           "read ({})",
                           region, problems.front().describe())));
  }
  if (problems.size() == 1) return invalid(problems.front().describe());
  return invalid(fmt::format("{} (and {} more problem{}: `tgwark validate` lists them)",
                             problems.front().describe(), problems.size() - 1,
                             problems.size() == 2 ? "" : "s"));
}

Result<void> Discoverer::assemble() {
  // Attachments, one entry per side.
  for (const auto& [tgw, atts] : tgwAttachments_) {
    for (const auto& att : atts) {
      model::AttachmentInfo info;
      info.id = att.transitGatewayAttachmentId;
      info.tgwId = tgw;
      info.region = tgwRegion_[tgw];
      info.state = att.state;
      if (att.association &&
          (att.association->state == "associated" || att.association->state == "associating")) {
        info.associatedRouteTableId = att.association->transitGatewayRouteTableId;
      }
      if (att.resourceType == "vpc") {
        info.kind = model::AttachmentKind::kVpc;
        info.resourceId = att.resourceId;
        if (!vpcRegion_.contains(att.resourceId)) vpcRegion_[att.resourceId] = info.region;
      } else if (isPeeringType(att.resourceType)) {
        info.kind = model::AttachmentKind::kPeering;
        info.resourceId = att.resourceId;
        if (auto p = peerings_.find(info.id); p != peerings_.end()) {
          const bool requester = isRequesterSide(p->second, tgw);
          const auto& peer = requester ? p->second.accepterTgwInfo : p->second.requesterTgwInfo;
          info.resourceId = peer.transitGatewayId;
          info.peerRegion = peer.region;
          info.peerAttachmentId =
              requester ? accepterSideId(p->second) : p->second.transitGatewayAttachmentId;
          // The peering's own state is authoritative for both sides.
          if (!p->second.state.empty()) info.state = p->second.state;
        }
      } else {
        info.kind = model::AttachmentKind::kOther;
        info.resourceId = att.resourceId;
      }
      if (!topo_.tgws.contains(tgw)) {
        topo_.tgws[tgw] = model::TgwInfo{tgw, info.region, att.transitGatewayOwnerId, ""};
      }
      topo_.attachments.push_back(std::move(info));
    }
  }
  for (const auto& [tgw, region] : tgwRegion_) {
    if (!topo_.tgws.contains(tgw)) topo_.tgws[tgw] = model::TgwInfo{tgw, region, "", ""};
  }

  // Everything else in scope, one round over all regions.
  for (const auto& [id, eni] : topo_.enis) vpcRegion_.try_emplace(eni.vpcId, eni.region);
  for (const auto& [id, table] : vpcTables_)
    vpcRegion_.try_emplace(table.vpcId, vpcTableRegion_[id]);
  StrSet regionSet;
  for (const auto& [vpc, region] : vpcRegion_) regionSet.insert(region);
  for (const auto& [tgw, region] : tgwRegion_) regionSet.insert(region);
  if (auto ok = checkDeadline("reading route tables and VPCs"); !ok) return ok;
  auto scope = perRegion<ScopeRead>(std::vector<std::string>(regionSet.begin(), regionSet.end()),
                                    [&](const std::string& region) { return readScope(region); });
  TGWARK_RETURN_IF_ERROR(scope);

  for (auto& [region, read] : *scope) {
    for (auto& table : read.tgwTables) {
      if (goneState(table.state)) continue;
      tgwTableRegion_[table.transitGatewayRouteTableId] = region;
      tgwTables_.emplace(table.transitGatewayRouteTableId, std::move(table));
    }
    for (const auto& vpc : read.vpcs) {
      model::VpcInfo info{vpc.vpcId, region, {}, ""};
      std::vector<std::string> blocks = vpc.cidrBlocks;
      if (!vpc.cidrBlock.empty()) blocks.push_back(vpc.cidrBlock);
      blocks.insert(blocks.end(), vpc.ipv6CidrBlocks.begin(), vpc.ipv6CidrBlocks.end());
      for (const auto& block : blocks) {
        auto prefix = model::parsePrefix(block, true);
        if (prefix &&
            std::find(info.cidrs.begin(), info.cidrs.end(), *prefix) == info.cidrs.end()) {
          info.cidrs.push_back(*prefix);
        }
      }
      topo_.vpcs[vpc.vpcId] = std::move(info);
    }
    for (auto& table : read.vpcTables) {
      vpcTableRegion_[table.routeTableId] = region;
      vpcTables_.emplace(table.routeTableId, std::move(table));
    }
  }
  for (const auto& [vpc, region] : vpcRegion_) {
    if (!topo_.vpcs.contains(vpc)) topo_.vpcs[vpc] = model::VpcInfo{vpc, region, {}, ""};
  }
  if (vpcsDenied_) {
    // Every VPC route table holds a `local` route per VPC CIDR.
    for (const auto& [id, table] : vpcTables_) {
      auto vpc = topo_.vpcs.find(table.vpcId);
      if (vpc == topo_.vpcs.end()) continue;
      for (const auto& route : table.routes) {
        if (route.gatewayId != "local") continue;
        const auto& dest = route.destinationCidrBlock.empty() ? route.destinationIpv6CidrBlock
                                                              : route.destinationCidrBlock;
        auto prefix = model::parsePrefix(dest, true);
        auto& cidrs = vpc->second.cidrs;
        if (prefix && std::find(cidrs.begin(), cidrs.end(), *prefix) == cidrs.end()) {
          cidrs.push_back(*prefix);
        }
      }
    }
  }

  managedSet();
  return overlayStale();
}

void Discoverer::managedSet() {
  StrSet nodeVpcs;
  std::map<std::string, std::string> nodeOfVpc;
  for (const auto& node : topo_.nodes) {
    nodeVpcs.insert(node.vpcId);
    nodeOfVpc.try_emplace(node.vpcId, node.name);
  }
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(deadline_.clock->now().time_since_epoch())
          .count();
  const std::string tagText =
      config_.scopeTagKey + (config_.scopeTagValue ? "=" + *config_.scopeTagValue : "");
  // A table managed before keeps its first-seen time and, when nothing
  // fresher says why, its reason: the managed set is durable.
  auto manage = [&](const std::string& id, model::Provenance provenance) {
    model::TableOrigin origin{provenance, now};
    if (options_.stored) {
      if (auto it = options_.stored->origins.find(id); it != options_.stored->origins.end()) {
        origin.firstSeen = it->second.firstSeen;
      }
    }
    topo_.origins[id] = origin;
  };
  auto kept = [&](const std::string& id, std::string& why) {
    const auto& origin = options_.stored->origins.at(id);
    topo_.origins[id] = origin;
    const auto since = model::firstSeenText(origin.firstSeen);
    switch (origin.provenance) {
      case model::Provenance::kVipRoute:
        why = fmt::format("held the VIP route (first seen {}); the route is missing", since);
        break;
      case model::Provenance::kTagged:
        why = fmt::format("was tagged {} (first seen {}); kept in scope", tagText, since);
        break;
      default:
        why = fmt::format("managed since {} ({}); kept in scope", since,
                          model::provenanceName(origin.provenance));
        break;
    }
  };
  for (const auto& [id, table] : vpcTables_) {
    model::VpcRouteTableInfo info;
    info.id = id;
    info.region = vpcTableRegion_[id];
    info.vpcId = table.vpcId;
    info.main = std::any_of(table.associations.begin(), table.associations.end(),
                            [](const aws::RouteTableAssociation& a) { return a.main; });
    const bool holdsVip =
        std::any_of(table.routes.begin(), table.routes.end(), [&](const aws::Route& r) {
          const auto& dest =
              r.destinationCidrBlock.empty() ? r.destinationIpv6CidrBlock : r.destinationCidrBlock;
          auto prefix = model::parsePrefix(dest, true);
          return prefix && *prefix == config_.vip;
        });
    info.managed = true;
    if (listedVpcTables_.contains(id)) {
      info.why = "listed in vpc_route_tables";
      manage(id, model::Provenance::kListed);
    } else if (!vpcListed() && nodeVpcs.contains(table.vpcId)) {
      info.why = "route table of node '" + nodeOfVpc[table.vpcId] + "' VPC";
      manage(id, model::Provenance::kNodeVpc);
    } else if (hasTag(table.tags, config_)) {
      info.why = "tagged " + tagText;
      manage(id, model::Provenance::kTagged);
    } else if (!vpcListed() && holdsVip) {
      info.why = "already holds a route for the VIP";
      manage(id, model::Provenance::kVipRoute);
    } else if (storedManaged(id)) {
      kept(id, info.why);
    } else {
      info.managed = false;
      info.why = vpcListed() ? "not listed" : "no route for the VIP";
    }
    topo_.vpcRouteTables[id] = std::move(info);
  }
  for (const auto& [id, table] : tgwTables_) {
    if (!tgwRegion_.contains(table.transitGatewayId)) continue;
    model::TgwRouteTableInfo info{id, table.transitGatewayId, tgwTableRegion_[id], true};
    if (listedTgwTables_.contains(id)) {
      manage(id, model::Provenance::kListed);
    } else if (!tgwListed()) {
      manage(id, model::Provenance::kTgwInScope);
    } else if (hasTag(table.tags, config_)) {
      manage(id, model::Provenance::kTagged);
    } else if (storedManaged(id)) {
      std::string unused;
      kept(id, unused);
    } else {
      info.managed = false;
    }
    topo_.tgwRouteTables[id] = std::move(info);
  }
  // A stored managed table that discovery no longer finds leaves the scope,
  // out loud. (A region given up on keeps its tables: overlayStale.)
  if (!options_.stored) return;
  for (const auto& [id, origin] : options_.stored->origins) {
    if (topo_.origins.contains(id)) continue;
    if (auto t = options_.stored->vpcRouteTables.find(id);
        t != options_.stored->vpcRouteTables.end()) {
      if (failed_.contains(t->second.region)) continue;
      if (topo_.vpcRouteTables.contains(id)) {
        spdlog::info(
            "discovery: route table {} ({}) leaves the scope: the configuration "
            "excludes it now",
            id, t->second.region);
      } else if (topo_.vpcs.contains(t->second.vpcId) || t->second.vpcId.empty()) {
        spdlog::info("discovery: route table {} ({}, {}) no longer exists: it leaves the scope", id,
                     t->second.region, t->second.vpcId);
      } else {
        spdlog::info(
            "discovery: route table {} ({}) leaves the scope: its VPC {} is no longer "
            "attached to a transit gateway in scope",
            id, t->second.region, t->second.vpcId);
      }
    } else if (auto g = options_.stored->tgwRouteTables.find(id);
               g != options_.stored->tgwRouteTables.end()) {
      if (failed_.contains(g->second.region)) continue;
      if (topo_.tgwRouteTables.contains(id)) {
        spdlog::info(
            "discovery: TGW route table {} ({}) leaves the scope: the configuration "
            "excludes it now",
            id, g->second.region);
      } else if (topo_.tgws.contains(g->second.tgwId) || g->second.tgwId.empty()) {
        spdlog::info("discovery: TGW route table {} ({}, {}) no longer exists: it leaves the scope",
                     id, g->second.region, g->second.tgwId);
      } else {
        spdlog::info(
            "discovery: TGW route table {} ({}) leaves the scope: its transit gateway "
            "{} is no longer in scope",
            id, g->second.region, g->second.tgwId);
      }
    }
  }
}

Result<void> Discoverer::overlayStale() {
  for (const auto& [region, error] : failed_) {
    topo_.staleRegions[region] = error.describe();
    topo_.staleRegionErrors.insert_or_assign(region, error);
    auto erase = [&](auto& map) {
      std::erase_if(map, [&](const auto& kv) { return kv.second.region == region; });
    };
    for (const auto& [id, t] : topo_.vpcRouteTables)
      if (t.region == region) topo_.origins.erase(id);
    for (const auto& [id, t] : topo_.tgwRouteTables)
      if (t.region == region) topo_.origins.erase(id);
    erase(topo_.vpcs);
    erase(topo_.vpcRouteTables);
    erase(topo_.tgws);
    erase(topo_.tgwRouteTables);
    std::erase_if(topo_.attachments,
                  [&](const model::AttachmentInfo& a) { return a.region == region; });
    if (!canFallBack()) continue;
    const auto& stored = *options_.stored;
    auto copy = [&](const auto& from, auto& to) {
      for (const auto& [id, v] : from)
        if (v.region == region) to[id] = v;
    };
    copy(stored.vpcs, topo_.vpcs);
    copy(stored.vpcRouteTables, topo_.vpcRouteTables);
    copy(stored.tgws, topo_.tgws);
    copy(stored.tgwRouteTables, topo_.tgwRouteTables);
    copy(stored.enis, topo_.enis);
    for (const auto& a : stored.attachments)
      if (a.region == region) topo_.attachments.push_back(a);
    for (const auto& [id, origin] : stored.origins) {
      if ((stored.vpcRouteTables.contains(id) && stored.vpcRouteTables.at(id).region == region) ||
          (stored.tgwRouteTables.contains(id) && stored.tgwRouteTables.at(id).region == region)) {
        topo_.origins[id] = origin;
      }
    }
  }
  // Every node's VPC must be known, fresh or stored. A node in a region given
  // up on whose VPC the store does not know (a store edited or cut short) is
  // left unplaced, as one the store knows nothing of.
  std::erase_if(topo_.nodes, [&](const model::NodeInfo& node) {
    if (topo_.vpcs.contains(node.vpcId)) return false;
    if (!failed_.contains(node.region)) {
      topo_.vpcs[node.vpcId] = model::VpcInfo{node.vpcId, node.region, {}, ""};
      return false;
    }
    unplace(
        node.name, node.region,
        fmt::format("no stored scope knows its VPC {} or that VPC's transit gateway", node.vpcId));
    return true;
  });
  return {};
}

Result<model::Topology> Discoverer::run() {
  for (const auto& id : config_.vpcRouteTables) listedVpcTables_.insert(id);
  for (const auto& id : config_.tgwRouteTables) listedTgwTables_.insert(id);
  const auto regions = config_.allRegions();
  TGWARK_RETURN_IF_ERROR(checkDeadline("reading ENIs"));

  auto seeds = perRegion<SeedRead>(regions, [&](const std::string& r) { return readSeeds(r); });
  TGWARK_RETURN_IF_ERROR(seeds);
  for (auto& [region, read] : *seeds) {
    for (const auto& eni : read.enis) {
      topo_.enis[eni.networkInterfaceId] = model::EniInfo{
          eni.networkInterfaceId, region,    eni.vpcId, eni.subnetId, eni.attachmentInstanceId,
          eni.sourceDestCheck,    eni.status};
    }
    for (auto& table : read.listedVpcTables) {
      vpcTableRegion_[table.routeTableId] = region;
      vpcTables_.emplace(table.routeTableId, std::move(table));
    }
    for (auto& table : read.listedTgwTables) {
      tgwTableRegion_[table.transitGatewayRouteTableId] = region;
      tgwTables_.emplace(table.transitGatewayRouteTableId, std::move(table));
    }
  }
  for (const auto& [region, error] : failed_) {
    if (!canFallBack()) continue;
    for (const auto& [id, eni] : options_.stored->enis)
      if (eni.region == region) topo_.enis.try_emplace(id, eni);
  }
  for (const auto& node : config_.nodes) {
    auto eni = topo_.enis.find(node.eni);
    if (eni == topo_.enis.end()) {
      if (!failed_.contains(node.region)) {
        return makeError(
            ErrorCategory::kInternal,
            fmt::format("discovery: ENI {} of node '{}' was not read", node.eni, node.name));
      }
      // Only a region that is not needed is given up on: this is not the
      // acting node.
      unplace(node.name, node.region, "no stored scope knows its ENI " + node.eni);
      continue;
    }
    topo_.nodes.push_back(
        model::NodeInfo{node.name, node.region, node.eni, eni->second.vpcId, "", ""});
  }

  TGWARK_RETURN_IF_ERROR(walkTgws());
  TGWARK_RETURN_IF_ERROR(assemble());
  TGWARK_RETURN_IF_ERROR(resolveVpcTgws());
  if (options_.enforcePreflight) TGWARK_RETURN_IF_ERROR(checkPreflight());
  spdlog::debug("discovery: {} VPCs, {} VPC route tables, {} TGWs, {} TGW route tables",
                topo_.vpcs.size(), topo_.vpcRouteTables.size(), topo_.tgws.size(),
                topo_.tgwRouteTables.size());
  return std::move(topo_);
}

}  // namespace

Result<model::Topology> discover(const model::Config& config, const Ec2Factory& factory,
                                 const Deadline& deadline, const DiscoveryOptions& options) {
  return Discoverer(config, factory, deadline, options).run();
}

}  // namespace tgwark::engine
