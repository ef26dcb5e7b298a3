#include "cli/validate.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <iostream>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "app/iam_policy.h"
#include "aws/credential_providers.h"
#include "aws/curl_http_client.h"
#include "aws/imds_client.h"
#include "cli/commands.h"
#include "cli/metrics.h"
#include "cli/render.h"
#include "cli/table.h"
#include "engine/discovery.h"
#include "engine/engine.h"
#include "engine/preflight.h"
#include "plan/desired.h"

namespace tgwark::cli {

std::string_view checkStatusName(CheckStatus status) {
  switch (status) {
    case CheckStatus::kOk: return "OK";
    case CheckStatus::kWarn: return "WARN";
    case CheckStatus::kFail: return "FAIL";
  }
  return "FAIL";
}

int ValidateReport::count(CheckStatus status) const {
  return static_cast<int>(std::count_if(checks.begin(), checks.end(),
                                        [status](const auto& c) { return c.status == status; }));
}

const CheckResult* ValidateReport::find(const std::string& check) const {
  for (const auto& c : checks) {
    if (c.check == check) return &c;
  }
  return nullptr;
}

std::string policyStatement(const std::vector<std::string>& actions) {
  nlohmann::ordered_json statement;
  statement["Effect"] = "Allow";
  if (actions.size() == 1) {
    statement["Action"] = actions.front();
  } else {
    statement["Action"] = actions;
  }
  statement["Resource"] = "*";
  return statement.dump();
}

namespace {

using aws::CallOptions;
using aws::DescribeOptions;

class Checks {
 public:
  explicit Checks(ValidateReport& report) : report_(report) {}
  void ok(std::string check, std::string detail) {
    report_.checks.push_back({std::move(check), CheckStatus::kOk, std::move(detail), {}});
  }
  void warn(std::string check, std::string detail, std::string hint) {
    report_.checks.push_back(
        {std::move(check), CheckStatus::kWarn, std::move(detail), std::move(hint)});
  }
  void fail(std::string check, std::string detail, std::string hint) {
    report_.checks.push_back(
        {std::move(check), CheckStatus::kFail, std::move(detail), std::move(hint)});
  }

 private:
  ValidateReport& report_;
};

std::shared_ptr<aws::CredentialsProvider> defaultCredentials(const Session& s) {
  const auto& env = s.env();
  auto clock = s.clock();
  auto http = std::make_shared<aws::CurlHttpClient>(aws::curlOptionsFromEnvironment(env));
  aws::ImdsOptions imdsOptions;
  imdsOptions.endpoint = aws::resolveImdsEndpoint(env);
  auto imds = std::make_shared<aws::ImdsClient>(http, clock, imdsOptions);
  aws::DefaultChainOptions chain;
  chain.profile = s.config().aws.profile;
  chain.region = s.config().nodes.empty() ? std::string() : s.config().nodes.front().region;
  return aws::makeDefaultCredentialsChain(chain, env, http, imds, clock);
}

bool isUnauthorized(const Error& e) {
  return e.category == ErrorCategory::kPermission &&
         (e.awsCode == "UnauthorizedOperation" || e.awsCode == "AccessDenied" ||
          e.awsCode == "AccessDeniedException");
}

// The request reached EC2 and EC2 accepted who we are (whatever it thought of
// the permission): the endpoint and the credentials work.
bool reachedEc2(const Error& e) {
  return aws::isDryRunSuccess(e) || isUnauthorized(e);
}

// Real resource ids to aim the DryRun probes at, per region.
struct ProbeTargets {
  std::string vpcTable;
  aws::RouteTarget vpcTarget;
  std::string tgwTable;
  std::string attachment;
  std::string eni;
  bool placeholder = false;  // some id above is made up (no topology)
};

constexpr const char* kPlaceholderRtb = "rtb-00000000000000000";
constexpr const char* kPlaceholderTgwRtb = "tgw-rtb-00000000000000000";
constexpr const char* kPlaceholderAttach = "tgw-attach-00000000000000000";
constexpr const char* kPlaceholderTgw = "tgw-00000000000000000";
constexpr const char* kPlaceholderEni = "eni-00000000000000000";

ProbeTargets probeTargetsFor(const std::string& region, const model::Config& config,
                             const model::Topology* topology) {
  ProbeTargets t;
  for (const auto& n : config.nodes) {
    if (n.region == region) {
      t.eni = n.eni;
      break;
    }
  }
  if (topology != nullptr && !config.nodes.empty()) {
    auto desired = plan::desiredRoutesReport(*topology, config.nodes.front().name, config.vip);
    if (desired) {
      for (const auto& r : desired->routes) {
        if (r.region != region) continue;
        if (r.tableKind == model::TableKind::kVpc && t.vpcTable.empty()) {
          t.vpcTable = r.tableId;
          if (r.target.kind == model::TargetKind::kNetworkInterface) {
            t.vpcTarget.networkInterfaceId = r.target.id;
          } else {
            t.vpcTarget.transitGatewayId = r.target.id;
          }
        }
        if (r.tableKind == model::TableKind::kTgw && t.tgwTable.empty() &&
            r.target.kind == model::TargetKind::kTgwAttachment) {
          t.tgwTable = r.tableId;
          t.attachment = r.target.id;
        }
      }
    }
  }
  if (t.vpcTable.empty()) {
    t.vpcTable = config.vpcRouteTables.empty() ? kPlaceholderRtb : config.vpcRouteTables.front();
    t.placeholder = t.placeholder || config.vpcRouteTables.empty();
  }
  if (t.vpcTarget.networkInterfaceId.empty() && t.vpcTarget.transitGatewayId.empty()) {
    if (!t.eni.empty()) {
      t.vpcTarget.networkInterfaceId = t.eni;
    } else {
      t.vpcTarget.transitGatewayId = kPlaceholderTgw;
      t.placeholder = true;
    }
  }
  if (t.tgwTable.empty()) {
    t.tgwTable = config.tgwRouteTables.empty() ? kPlaceholderTgwRtb : config.tgwRouteTables.front();
    t.placeholder = t.placeholder || config.tgwRouteTables.empty();
  }
  if (t.attachment.empty()) {
    t.attachment = kPlaceholderAttach;
    t.placeholder = true;
  }
  if (t.eni.empty()) {
    t.eni = config.nodes.empty() ? kPlaceholderEni : config.nodes.front().eni;
  }
  return t;
}

// EC2's verdict on a DryRun probe, or the error that kept it from giving one.
using ProbeOutcome = Result<aws::DryRunVerdict>;
using Probe = std::function<ProbeOutcome(aws::Ec2Api&, const ProbeTargets&, const CallOptions&)>;

// A read answers a permitted DryRun with an empty result and a denied one
// with the denial.
template <class T>
ProbeOutcome outcomeOf(const Result<T>& r) {
  if (r) return aws::DryRunVerdict{true, {}};
  if (isUnauthorized(r.error())) return aws::DryRunVerdict{false, r.error()};
  return std::unexpected(r.error());
}

// A write answers with the verdict itself.
ProbeOutcome outcomeOf(const Result<aws::WriteAck>& r) {
  if (!r) return std::unexpected(r.error());
  if (!r->dryRun) return makeError(ErrorCategory::kInternal, "succeeded", "NoDryRun");
  return *r->dryRun;
}

std::map<std::string, Probe> probes(const std::string& vip) {
  std::map<std::string, Probe> p;
  auto describe = [](const CallOptions& call) {
    DescribeOptions o;
    o.call = call;
    o.maxResults = 5;
    return o;
  };
  p["ec2:DescribeRouteTables"] = [=](aws::Ec2Api& api, const ProbeTargets& t,
                                     const CallOptions& c) {
    (void)t;
    return outcomeOf(api.describeRouteTables(describe(c)));
  };
  p["ec2:ReplaceRoute"] = [=](aws::Ec2Api& api, const ProbeTargets& t, const CallOptions& c) {
    return outcomeOf(api.replaceRoute(t.vpcTable, vip, t.vpcTarget, c));
  };
  p["ec2:CreateRoute"] = [=](aws::Ec2Api& api, const ProbeTargets& t, const CallOptions& c) {
    return outcomeOf(api.createRoute(t.vpcTable, vip, t.vpcTarget, c));
  };
  p["ec2:DescribeTransitGateways"] = [=](aws::Ec2Api& api, const ProbeTargets&,
                                         const CallOptions& c) {
    return outcomeOf(api.describeTransitGateways(describe(c)));
  };
  p["ec2:DescribeTransitGatewayVpcAttachments"] = [=](aws::Ec2Api& api, const ProbeTargets&,
                                                      const CallOptions& c) {
    return outcomeOf(api.describeTransitGatewayVpcAttachments(describe(c)));
  };
  p["ec2:DescribeTransitGatewayPeeringAttachments"] = [=](aws::Ec2Api& api, const ProbeTargets&,
                                                          const CallOptions& c) {
    return outcomeOf(api.describeTransitGatewayPeeringAttachments(describe(c)));
  };
  p["ec2:DescribeTransitGatewayRouteTables"] = [=](aws::Ec2Api& api, const ProbeTargets&,
                                                   const CallOptions& c) {
    return outcomeOf(api.describeTransitGatewayRouteTables(describe(c)));
  };
  p["ec2:DescribeTransitGatewayAttachments"] = [=](aws::Ec2Api& api, const ProbeTargets&,
                                                   const CallOptions& c) {
    return outcomeOf(api.describeTransitGatewayAttachments(describe(c)));
  };
  p["ec2:SearchTransitGatewayRoutes"] = [=](aws::Ec2Api& api, const ProbeTargets& t,
                                            const CallOptions& c) {
    return outcomeOf(api.searchTransitGatewayRoutes(
        t.tgwTable, {aws::Filter{"route-search.exact-match", {vip}}}, 5, c));
  };
  p["ec2:GetTransitGatewayRouteTableAssociations"] = [=](aws::Ec2Api& api, const ProbeTargets& t,
                                                         const CallOptions& c) {
    return outcomeOf(api.getTransitGatewayRouteTableAssociations(t.tgwTable, describe(c)));
  };
  p["ec2:ReplaceTransitGatewayRoute"] = [=](aws::Ec2Api& api, const ProbeTargets& t,
                                            const CallOptions& c) {
    return outcomeOf(api.replaceTransitGatewayRoute(t.tgwTable, vip, t.attachment, false, c));
  };
  p["ec2:CreateTransitGatewayRoute"] = [=](aws::Ec2Api& api, const ProbeTargets& t,
                                           const CallOptions& c) {
    return outcomeOf(api.createTransitGatewayRoute(t.tgwTable, vip, t.attachment, false, c));
  };
  p["ec2:DescribeNetworkInterfaces"] = [=](aws::Ec2Api& api, const ProbeTargets& t,
                                           const CallOptions& c) {
    auto o = describe(c);
    o.maxResults.reset();  // EC2 rejects MaxResults together with ids
    o.ids = {t.eni};
    return outcomeOf(api.describeNetworkInterfaces(o));
  };
  p["ec2:DescribeVpcs"] = [=](aws::Ec2Api& api, const ProbeTargets&, const CallOptions& c) {
    return outcomeOf(api.describeVpcs(describe(c)));
  };
  p["ec2:ModifyNetworkInterfaceAttribute"] = [=](aws::Ec2Api& api, const ProbeTargets& t,
                                                 const CallOptions& c) {
    return outcomeOf(api.modifyNetworkInterfaceSourceDestCheck(t.eni, false, c));
  };
  return p;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

void checkCredentials(Session& s, const ValidateOptions& options, Checks& checks) {
  auto provider = options.credentials ? options.credentials : defaultCredentials(s);
  auto creds = provider->getCredentials();
  if (!creds) {
    checks.fail("credentials", creds.error().describe(),
                "set AWS_PROFILE or [aws] profile, export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
                "or attach an instance role (IMDSv2 reachable)");
    return;
  }
  std::string detail = fmt::format("from {}", creds->source.empty() ? "?" : creds->source);
  for (const auto& [region, o] : s.config().aws.regions) {
    if (!o.roleArn.empty()) detail += fmt::format("; {} assumes {}", region, o.roleArn);
  }
  checks.ok("credentials", detail);
}

// An endpoint probe asks whether the region answers now, so it gives its
// verdict in seconds: a few attempts within a short budget, not the action's
// deadline of retries (a region answering 503 would hold validate for
// restore_timeout_s, only to report the same answer then).
constexpr int kEndpointProbeAttempts = 3;
constexpr std::chrono::seconds kEndpointProbeBudget{20};

void checkEndpoints(Session& s, const engine::Deadline& deadline, Checks& checks,
                    std::set<std::string>& reachable) {
  const engine::Deadline probeDeadline = deadline.within(kEndpointProbeBudget);
  for (const auto& region : s.config().allRegions()) {
    const std::string name = "endpoint " + region;
    auto api = s.factory()(region);
    if (!api) {
      checks.fail(name, "no EC2 client for this region (see the log)",
                  "check [aws] endpoint_url / [aws.regions] and AWS_ENDPOINT_URL*");
      continue;
    }
    DescribeOptions o;
    o.maxResults = 5;
    o.call = probeDeadline.callOptions(true);
    o.call.maxAttempts = kEndpointProbeAttempts;
    auto r = (*api)->describeTransitGateways(o);
    if (r || reachedEc2(r.error())) {
      reachable.insert(region);
      checks.ok(name, "EC2 answered a signed DryRun DescribeTransitGateways");
      continue;
    }
    const Error& e = r.error();
    if (e.category == ErrorCategory::kPermission) {
      checks.fail(name, "EC2 rejected the credentials: " + e.describe(),
                  "the access key is unknown, expired or for another partition; check the clock "
                  "(SigV4) and the credentials source");
    } else if (e.httpStatus == 0) {
      checks.fail(name, "unreachable: " + e.describe(),
                  "check endpoint_url, proxy variables (HTTPS_PROXY/NO_PROXY), DNS, the EC2 VPC "
                  "endpoint and security groups (outbound 443)");
    } else if (e.category == ErrorCategory::kRetryable || e.category == ErrorCategory::kThrottled ||
               e.category == ErrorCategory::kDeadlineExceeded) {
      checks.fail(name, "unhealthy: EC2's last answer to the probe: " + e.describe(),
                  "EC2 in this region is failing or throttling: check the AWS Health Dashboard "
                  "and run validate again later");
    } else {
      checks.fail(name, e.describe(), "see the AWS error code");
    }
  }
}

// The config's regions that did not answer the endpoint probe, in config order.
std::vector<std::string> unansweredRegions(const model::Config& config,
                                           const std::set<std::string>& reachable) {
  std::vector<std::string> out;
  for (const auto& region : config.allRegions()) {
    if (!reachable.contains(region)) out.push_back(region);
  }
  return out;
}

void checkNodes(Session& s, const engine::Deadline& deadline, const model::Topology* topology,
                const std::set<std::string>& reachable, Checks& checks) {
  // A copy with fixing turned off: validate changes nothing.
  model::Config readOnly = s.config();
  readOnly.fixSourceDestCheck = false;
  for (const auto& n : s.config().nodes) {
    const std::string eniCheck = fmt::format("node {} ENI", n.name);
    // Its reads would retry until the deadline, to learn what the endpoint
    // line already says.
    if (!reachable.contains(n.region)) {
      checks.warn(eniCheck, fmt::format("not checked: {} did not answer", n.region),
                  "fix the endpoint lines first");
      continue;
    }
    auto r = engine::checkSourceDestCheck(readOnly, n.name, s.factory(), deadline);
    if (!r) {
      const Error& e = r.error();
      if (e.category == ErrorCategory::kNotFound) {
        checks.fail(eniCheck, fmt::format("{} not found in {}: {}", n.eni, n.region, e.message),
                    "fix node.eni / node.region in the config (the ENI must be in the node's "
                    "region)");
      } else {
        checks.fail(eniCheck, fmt::format("{} could not be read: {}", n.eni, e.describe()),
                    isUnauthorized(e) ? "grant ec2:DescribeNetworkInterfaces (see the iam lines)"
                                      : "see the error");
      }
      continue;
    }
    std::string where = fmt::format("{} in {}", n.eni, n.region);
    if (topology != nullptr) {
      if (auto it = topology->enis.find(n.eni); it != topology->enis.end()) {
        where += ", " + it->second.vpcId;
      }
    }
    checks.ok(eniCheck, where);
    const std::string sdc = fmt::format("node {} source/dest check", n.name);
    if (!r->enabledBefore) {
      checks.ok(sdc, "off (the ENI may carry the VIP)");
    } else if (s.config().fixSourceDestCheck) {
      checks.warn(sdc, "on; restore will turn it off (fix_source_dest_check = true)",
                  fmt::format("or now: aws ec2 modify-network-interface-attribute --region {} "
                              "--network-interface-id {} --no-source-dest-check",
                              n.region, n.eni));
    } else {
      checks.fail(sdc, "on: the instance drops packets for the VIP",
                  fmt::format("aws ec2 modify-network-interface-attribute --region {} "
                              "--network-interface-id {} --no-source-dest-check (or set "
                              "fix_source_dest_check = true)",
                              n.region, n.eni));
    }
  }
}

void checkTransitGateways(const model::Topology& t, Checks& checks) {
  auto unpeered = engine::peeringPathProblems(t);
  for (const auto& p : unpeered) checks.fail(p.check, p.message, p.hint);
  if (unpeered.empty()) {
    checks.ok("peering paths",
              fmt::format("the transit gateways of all {} nodes reach each other over available "
                          "peerings",
                          t.nodes.size()));
  }

  std::set<std::string> seen;
  int good = 0;
  for (const auto& a : t.attachments) {
    if (a.kind == model::AttachmentKind::kOther) continue;
    if (!seen.insert(a.id + "/" + a.tgwId).second) continue;
    if (a.state == "available") {
      ++good;
      continue;
    }
    const bool peering = a.kind == model::AttachmentKind::kPeering;
    checks.fail(fmt::format("attachment {}", a.id),
                fmt::format("{} {} on {} is {}", peering ? "peering" : "VPC attachment of",
                            peering ? a.peerRegion : a.resourceId, a.tgwId, a.state),
                peering && a.state == "pendingAcceptance"
                    ? "accept the peering in the accepter region"
                    : "wait until it is available, or fix the attachment");
  }
  if (seen.size() == static_cast<std::size_t>(good)) {
    checks.ok("attachments", fmt::format("{} VPC and peering attachments available", good));
  }

  // Traffic entering a TGW from a VPC follows the table associated with that
  // VPC's attachment; if that table is not managed, the VIP route there is
  // nobody's job.
  std::set<std::string> relevantVpcs;
  for (const auto* rt : t.managedVpcTables()) relevantVpcs.insert(rt->vpcId);
  for (const auto& n : t.nodes) relevantVpcs.insert(n.vpcId);
  int associated = 0;
  bool badAssociation = false;
  for (const auto& a : t.attachments) {
    if (a.kind != model::AttachmentKind::kVpc || !relevantVpcs.contains(a.resourceId)) continue;
    auto vpc = t.vpcs.find(a.resourceId);
    if (vpc != t.vpcs.end() && !vpc->second.transitGatewayId.empty() &&
        vpc->second.transitGatewayId != a.tgwId) {
      continue;  // the VPC sends the VIP to another TGW
    }
    const std::string name = "association " + a.id;
    if (a.associatedRouteTableId.empty() || !t.tgwRouteTables.contains(a.associatedRouteTableId) ||
        !t.tgwRouteTables.at(a.associatedRouteTableId).managed) {
      badAssociation = true;
    }
    if (a.associatedRouteTableId.empty()) {
      checks.fail(
          name,
          fmt::format("{} on {} is associated with no TGW route table", a.resourceId, a.tgwId),
          fmt::format("aws ec2 associate-transit-gateway-route-table "
                      "--transit-gateway-attachment-id {} --transit-gateway-route-table-id "
                      "<a table of {}>",
                      a.id, a.tgwId));
      continue;
    }
    auto rt = t.tgwRouteTables.find(a.associatedRouteTableId);
    if (rt == t.tgwRouteTables.end() || !rt->second.managed) {
      checks.fail(name,
                  fmt::format("{} on {} is associated with {}, which is not managed", a.resourceId,
                              a.tgwId, a.associatedRouteTableId),
                  fmt::format("add {} to tgw_route_tables, or associate the attachment with a "
                              "managed table",
                              a.associatedRouteTableId));
      continue;
    }
    ++associated;
  }
  if (!badAssociation) {
    checks.ok("associations",
              fmt::format("{} VPC attachments in scope associated with managed TGW route tables",
                          associated));
  }
}

void checkTopology(const model::Config& config, const model::Topology& t, Checks& checks) {
  // The pre-flight rules are discovery's (engine/preflight.h); validate asked
  // discovery not to stop at them, so every problem gets its own line.
  std::map<std::string, engine::PreflightProblem> missingTables;
  for (auto& p : engine::listedTableProblems(config, t)) missingTables.emplace(p.check, p);
  auto layout = engine::vpcLayoutProblems(t);
  for (const auto& p : layout) {
    missingTables.emplace(p.check, p);
    if (p.check == "vpc layout") checks.fail(p.check, p.message, p.hint);
  }
  const bool singleVpc = engine::singleVpcWithoutTgw(t);
  if (singleVpc) {
    const auto& vpc = t.nodes.front();
    checks.ok("vpc layout",
              fmt::format("single VPC: all {} nodes in {} ({}), no transit gateway; {} of its "
                          "route tables managed",
                          t.nodes.size(), vpc.vpcId, vpc.region, t.managedVpcTables().size()));
  } else if (layout.empty()) {
    std::set<std::string> vpcs;
    for (const auto& n : t.nodes) vpcs.insert(n.vpcId);
    checks.ok("vpc layout", fmt::format("every node's VPC is attached to a transit gateway ({})",
                                        fmt::join(vpcs, ", ")));
  }
  for (const auto& id : config.vpcRouteTables) {
    if (auto p = missingTables.find("table " + id); p != missingTables.end()) {
      checks.fail(p->second.check, p->second.message, p->second.hint);
    } else {
      const auto& table = t.vpcRouteTables.at(id);
      checks.ok("table " + id, fmt::format("{} {}", table.region, table.vpcId));
    }
  }
  for (const auto& id : config.tgwRouteTables) {
    if (auto p = missingTables.find("table " + id); p != missingTables.end()) {
      checks.fail(p->second.check, p->second.message, p->second.hint);
    } else {
      const auto& table = t.tgwRouteTables.at(id);
      checks.ok("table " + id, fmt::format("{} {}", table.region, table.tgwId));
    }
  }

  if (auto vip = engine::vipPlacementProblem(config, t)) {
    checks.fail(vip->check, vip->message, vip->hint);
  } else {
    checks.ok("vip placement", fmt::format("{} is outside all {} VPC CIDRs in scope",
                                           config.vipText, t.vpcs.size()));
  }

  // The single-VPC layout has no transit gateway: no peerings, attachments
  // or associations to check, and every table is a home table. Nor, when a
  // node's VPC has none, can those checks say anything good.
  const bool everyNodeHasTgw =
      std::all_of(t.nodes.begin(), t.nodes.end(), [](const auto& n) { return !n.tgwId.empty(); });
  if (everyNodeHasTgw) checkTransitGateways(t, checks);

  // A layout the rules cannot serve is named above; the paths would only
  // restate it table by table.
  if (!layout.empty()) return;
  for (const auto& n : config.nodes) {
    const std::string name = "paths to " + n.name;
    auto desired = plan::desiredRoutesReport(t, n.name, config.vip);
    if (!desired) {
      checks.fail(name, desired.error().message, "see discovery");
      continue;
    }
    if (desired->problems.empty()) {
      checks.ok(name, fmt::format("all {} managed tables have a path to {}", desired->routes.size(),
                                  n.name));
      continue;
    }
    std::vector<std::string> problems;
    for (const auto& p : desired->problems) problems.push_back(p.message);
    checks.fail(name, joined(problems),
                "peer the TGWs (available peering) or attach the VPC to a TGW in scope");
  }
}

void checkIam(Session& s, const engine::Deadline& deadline, const model::Topology* topology,
              const std::set<std::string>& reachable, Checks& checks,
              std::vector<std::string>& missing) {
  // Denials are exactly what the probes look for; the client's warning per
  // denied call would only repeat the FAIL lines (-v still shows them).
  struct QuietWarnings {
    spdlog::level::level_enum saved = spdlog::get_level();
    QuietWarnings() {
      if (saved == spdlog::level::info || saved == spdlog::level::warn) {
        spdlog::set_level(spdlog::level::err);
      }
    }
    ~QuietWarnings() { spdlog::set_level(saved); }
  } quiet;
  app::PolicyOptions policy;
  policy.createMissing = s.config().createMissing;
  policy.fixSourceDestCheck = s.config().fixSourceDestCheck;
  policy.includeDiscovery = true;
  policy.transitGateways = topology == nullptr || !engine::singleVpcWithoutTgw(*topology);
  const auto table = probes(s.config().vipDestination());
  std::map<std::string, ProbeTargets> targets;
  for (const auto& region : reachable) {
    targets[region] = probeTargetsFor(region, s.config(), topology);
  }
  for (const auto& action : app::requiredActions(policy)) {
    const std::string name = "iam " + action;
    auto probe = table.find(action);
    if (probe == table.end()) {
      checks.warn(name, "no DryRun probe for this action", "check the policy by hand");
      continue;
    }
    if (reachable.empty()) {
      checks.warn(name, "not probed: no region reachable", "fix the endpoint lines first");
      continue;
    }
    std::vector<std::string> allowed;
    std::vector<std::string> denied;
    std::vector<std::string> unproven;
    for (const auto& region : reachable) {
      auto api = s.factory()(region);
      if (!api) continue;
      auto verdict = probe->second(**api, targets[region], deadline.callOptions(true));
      if (verdict && verdict->permitted) {
        allowed.push_back(region);
      } else if (verdict) {
        denied.push_back(region);
      } else {
        unproven.push_back(fmt::format("{}: {}", region, verdict.error().describe()));
      }
    }
    if (!denied.empty()) {
      missing.push_back(action);
      checks.fail(name, "denied (DryRun: UnauthorizedOperation) in " + joined(denied),
                  "add to the policy: " + policyStatement({action}));
    } else if (!unproven.empty()) {
      checks.warn(name, "not proven: " + joined(unproven), "check the policy grants " + action);
    } else {
      checks.ok(name, "allowed (DryRun) in " + joined(allowed));
    }
  }
}

}  // namespace

ValidateReport runValidate(Session& s, const engine::Deadline& deadline,
                           const ValidateOptions& options) {
  ValidateReport report;
  Checks checks(report);
  const auto& config = s.config();
  checks.ok("config", fmt::format("{} (found by {}): VIP {}, {} nodes, {} regions",
                                  s.configSource().path, s.configSource().how, config.vipText,
                                  config.nodes.size(), config.allRegions().size()));
  checkCredentials(s, options, checks);
  std::set<std::string> reachable;
  checkEndpoints(s, deadline, checks, reachable);

  std::optional<model::Topology> topology;
  // Discovery starts from the nodes' ENIs: without a node's region it cannot
  // complete, and would retry that region until the deadline to find out.
  std::vector<std::string> nodeRegionsDown;
  for (const auto& region : unansweredRegions(config, reachable)) {
    if (std::any_of(config.nodes.begin(), config.nodes.end(),
                    [&](const model::NodeConfig& n) { return n.region == region; })) {
      nodeRegionsDown.push_back(region);
    }
  }
  if (!reachable.empty() && !nodeRegionsDown.empty()) {
    checks.warn("discovery",
                fmt::format("not run: {} did not answer, and discovery starts at the nodes",
                            joined(nodeRegionsDown)),
                "fix the endpoint lines first");
  } else if (!reachable.empty()) {
    // The managed set is durable: count what the other commands manage. Any
    // other region that does not answer is given up on, as the actions do.
    auto stored = s.storedTopology();
    auto t = engine::discover(config, s.factory(), deadline,
                              {.enforcePreflight = false,
                               .stored = stored ? &*stored : nullptr,
                               .remoteWait = std::chrono::seconds(config.aws.remoteWaitS)});
    if (t) {
      topology = std::move(*t);
      checks.ok("discovery",
                fmt::format("{} VPC route tables and {} TGW route tables managed, {} TGWs",
                            topology->managedVpcTables().size(),
                            topology->managedTgwTables().size(), topology->tgws.size()));
      // Discovery gives up on a region other than the nodes' that it cannot
      // read; validate says so rather than pass over it.
      for (const auto& [region, why] : topology->staleRegions) {
        checks.fail(fmt::format("discovery {}", region),
                    fmt::format("cannot be read ({}); its part of the scope is {}", why,
                                stored ? "its last known state" : "missing"),
                    "make the region readable (endpoint, credentials, ec2:Describe* permissions)");
      }
    } else {
      checks.fail("discovery", t.error().describe(),
                  t.error().category == ErrorCategory::kPermission
                      ? "grant the discovery permissions (see the iam lines)"
                      : "fix what the message names; `tgwark discover -v` shows the walk");
    }
  }
  const model::Topology* topo = topology ? &*topology : nullptr;
  if (!reachable.empty()) checkNodes(s, deadline, topo, reachable, checks);
  if (topo != nullptr) checkTopology(config, *topo, checks);
  checkIam(s, deadline, topo, reachable, checks, report.missingActions);
  std::sort(report.missingActions.begin(), report.missingActions.end());
  report.calls = s.calls();
  return report;
}

namespace {
Tone toneOf(CheckStatus status) {
  switch (status) {
    case CheckStatus::kOk: return Tone::kGood;
    case CheckStatus::kWarn: return Tone::kWarn;
    case CheckStatus::kFail: return Tone::kBad;
  }
  return Tone::kBad;
}
}  // namespace

// validate changes nothing: its mutating calls are all DryRun permission
// probes, so they are counted as probes, not writes.
std::string probeCallsText(const engine::ApiCallCounts& calls) {
  std::string parts;
  for (const auto& [action, n] : calls.byAction) {
    parts += fmt::format("{}{} {}", parts.empty() ? "" : ", ", n, action);
  }
  return fmt::format("{} API calls ({} reads, {} DryRun probes){}{}", calls.total(), calls.reads,
                     calls.writes, parts.empty() ? "" : ": ", parts);
}

std::string validateText(const ValidateReport& report, bool colour) {
  std::string out;
  if (colour) {
    Table t({"STATUS", "CHECK", "DETAIL", "FIX"});
    for (const auto& c : report.checks) {
      t.addRow({Cell(std::string(checkStatusName(c.status)), toneOf(c.status)), c.check, c.detail,
                c.hint});
    }
    out = t.render(colour);
  } else {
    // Piped: one self-contained line per check, easy to grep.
    for (const auto& c : report.checks) {
      out += fmt::format("{:<4}  {}: {}{}\n", checkStatusName(c.status), c.check, c.detail,
                         c.hint.empty() ? "" : " (fix: " + c.hint + ")");
    }
  }
  if (!report.missingActions.empty()) {
    out += "\nAdd this statement to the policy of the credentials above:\n";
    nlohmann::ordered_json statement =
        nlohmann::ordered_json::parse(policyStatement(report.missingActions));
    statement["Action"] = report.missingActions;
    out += statement.dump(2) + "\n";
  }
  out += fmt::format("{} OK, {} WARN, {} FAIL; {}\n", report.count(CheckStatus::kOk),
                     report.count(CheckStatus::kWarn), report.count(CheckStatus::kFail),
                     probeCallsText(report.calls));
  return out;
}

namespace {
// `writes` stays as documented (DryRun calls included); `probes` says what they are.
nlohmann::json probeCallsJson(const engine::ApiCallCounts& calls) {
  auto j = callsJson(calls);
  j["probes"] = calls.writes;
  return j;
}
}  // namespace

nlohmann::json validateJson(const ValidateReport& report) {
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& c : report.checks) {
    checks.push_back(nlohmann::json{{"check", c.check},
                                    {"status", std::string(checkStatusName(c.status))},
                                    {"detail", c.detail},
                                    {"hint", c.hint}});
  }
  nlohmann::json statement = nullptr;
  if (!report.missingActions.empty()) {
    statement =
        nlohmann::json{{"Effect", "Allow"}, {"Action", report.missingActions}, {"Resource", "*"}};
  }
  return nlohmann::json{{"ok", report.exitCode() == kExitOk},
                        {"exit_code", report.exitCode()},
                        {"counts",
                         {{"ok", report.count(CheckStatus::kOk)},
                          {"warn", report.count(CheckStatus::kWarn)},
                          {"fail", report.count(CheckStatus::kFail)}}},
                        {"checks", checks},
                        {"missing_actions", report.missingActions},
                        {"policy_statement", statement},
                        {"calls", probeCallsJson(report.calls)}};
}

int cmdValidate(const GlobalOptions& g) {
  MetricsScope metrics(g, "validate");
  auto session = openSession(g, "validate");
  if (!session) {
    const Error& e = session.error();
    if (g.json) {
      ValidateReport failed;
      failed.checks.push_back({"config", CheckStatus::kFail, e.describe(),
                               "fix the configuration (see docs/configuration.md)"});
      auto j = validateJson(failed);
      j["error"] = errorDocument(e)["error"];
      printJsonDocument(j,
                        e.category == ErrorCategory::kInvalidConfig ? kExitBadConfig : kExitFailed);
    }
    return metrics.exit(reportError(e, "validate"));
  }
  auto& s = **session;
  metrics.attach(s);
  auto report = runValidate(s, s.deadlineAfterSeconds(s.config().aws.restoreTimeoutS));
  if (g.json) {
    printJsonDocument(validateJson(report), report.exitCode());
  } else {
    std::cout << validateText(report, stdoutWantsColour());
  }
  return metrics.exit(report.exitCode());
}

}  // namespace tgwark::cli
