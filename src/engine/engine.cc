#include "engine/engine.h"

#include <algorithm>
#include <future>
#include <mutex>
#include <set>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "engine/parallel.h"
#include "plan/desired.h"

namespace tgwark::engine {
namespace {

Millis since(const Clock& clock, MonoTime start) {
  return std::chrono::duration_cast<Millis>(clock.monotonic() - start);
}

std::vector<std::string> splitNodes(const std::string& joined) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < joined.size()) {
    auto comma = joined.find(',', start);
    if (comma == std::string::npos) comma = joined.size();
    if (comma > start) out.push_back(joined.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

// The one node that every table's (active) VIP route serves, or empty.
std::string commonServedNode(const model::Config& config, const model::Topology& topology,
                             const model::ObservedState& observed) {
  std::vector<std::string> candidates;
  for (const auto& node : config.nodes) candidates.push_back(node.name);
  bool any = false;
  for (const auto& [id, table] : observed.tables) {
    if (!table.known || !table.vipRoute || table.vipRoute->state != "active") return {};
    auto serves = splitNodes(plan::servedNode(topology, config.vip, table));
    std::erase_if(candidates, [&](const std::string& n) {
      return std::find(serves.begin(), serves.end(), n) == serves.end();
    });
    any = true;
  }
  return any && !candidates.empty() ? candidates.front() : std::string();
}

// One report from each region's, in `tableOrder` (plan order, home tables
// first), as callers expect; each phase's time is the slowest region's.
ApplyReport joinRegionReports(std::vector<ApplyReport>& parts,
                              const std::vector<std::string>& tableOrder) {
  std::map<std::string, std::size_t> order;
  for (std::size_t i = 0; i < tableOrder.size(); ++i) order.emplace(tableOrder[i], i);
  ApplyReport out;
  for (auto& part : parts) {
    for (auto& route : part.routes) out.routes.push_back(std::move(route));
    out.elapsed.read = std::max(out.elapsed.read, part.elapsed.read);
    out.elapsed.write = std::max(out.elapsed.write, part.elapsed.write);
    out.elapsed.verify = std::max(out.elapsed.verify, part.elapsed.verify);
    out.elapsed.paced += part.elapsed.paced;
  }
  std::stable_sort(out.routes.begin(), out.routes.end(),
                   [&](const RouteResult& a, const RouteResult& b) {
                     return order[a.change.desired.tableId] < order[b.change.desired.tableId];
                   });
  return out;
}

}  // namespace

ApplyOptions applyOptionsFrom(const model::Config& config) {
  ApplyOptions o;
  o.createMissing = config.createMissing;
  o.concurrency = std::max(1, config.aws.applyConcurrency);
  o.remoteWait = std::chrono::seconds(config.aws.remoteWaitS);
  return o;
}

Result<PlanResult> planFor(const model::Config& config, const model::Topology& topology,
                           const std::string& activeNode, const Ec2Factory& factory,
                           const Deadline& deadline, std::shared_ptr<SharedVpcRead> sharedVpcRead) {
  if (!topology.findNode(activeNode)) {
    return makeError(ErrorCategory::kInvalidConfig,
                     fmt::format("unknown node '{}' (not a [[node]] of {}; nodes: {})", activeNode,
                                 config.sourceName, config.nodeNames()));
  }
  // Desired state first: a planner error must not cost any AWS call.
  TGWARK_ASSIGN_OR_RETURN(const auto desired,
                          plan::desiredRoutes(topology, activeNode, config.vip));
  PlanResult out;
  auto counter = std::make_shared<ApiCallCounter>();
  const auto start = deadline.clock->monotonic();
  ReadOptions ro;
  ro.concurrency = std::max(1, config.aws.applyConcurrency);
  // The active node's region gets the whole deadline; every other region
  // only remote_wait_s, so one that is down or stalled cannot hold up the
  // home routes (its tables stay unknown, for quickCheck to repair later).
  ro.homeRegion = topology.findNode(activeNode)->region;
  ro.remoteDeadline = deadline.within(std::chrono::seconds(config.aws.remoteWaitS));
  ro.sharedVpcRead = std::move(sharedVpcRead);
  out.read =
      readStateDetailed(topology, config.vip, countingFactory(factory, counter), deadline, ro);
  out.readTime = since(*deadline.clock, start);
  out.plan = plan::diff(desired, out.read.state, config.createMissing, topology, activeNode);
  out.calls = counter->snapshot();
  return out;
}

ApplyReport applyPlanPerRegion(const plan::Plan& plan, const model::Prefix& vip,
                               const Ec2Factory& factory, const Deadline& deadline,
                               const ApplyOptions& options, const std::string& homeRegion) {
  if (!options.remoteWait) return applyPlan(plan, vip, factory, deadline, options);
  std::map<std::string, plan::Plan> byRegion;
  for (const auto& change : plan.changes) {
    auto& part = byRegion[change.desired.region];
    part.activeNode = plan.activeNode;
    part.changes.push_back(change);
  }
  std::vector<std::pair<std::string, const plan::Plan*>> parts;
  for (const auto& [region, part] : byRegion) parts.emplace_back(region, &part);
  std::vector<ApplyReport> reports(parts.size());
  parallelFor(parts.size(), parts.size(), [&](std::size_t i) {
    const auto& [region, part] = parts[i];
    const auto regionDeadline =
        region == homeRegion ? deadline : deadline.quietAfter(*options.remoteWait);
    reports[i] =
        applyPlan(*part, vip, watchedFactory(factory, regionDeadline), regionDeadline, options);
  });
  std::vector<std::string> order;
  for (const auto& change : plan.changes) order.push_back(change.desired.tableId);
  auto out = joinRegionReports(reports, order);
  out.activeNode = plan.activeNode;
  out.dryRun = options.dryRun;
  if (options.counter) out.calls = options.counter->snapshot();
  return out;
}

std::vector<RouteResult> holdBackRemoteWrites(plan::Plan& plan) {
  std::vector<RouteResult> held;
  const bool homeUnknown =
      std::any_of(plan.changes.begin(), plan.changes.end(), [](const plan::RouteChange& c) {
        return c.desired.home() && c.kind == plan::ChangeKind::kUnknown;
      });
  if (!homeUnknown) return held;
  std::erase_if(plan.changes, [&](const plan::RouteChange& c) {
    if (c.desired.home() || !c.needsWrite()) return false;
    RouteResult r;
    r.change = c;
    r.outcome = RouteOutcome::kUnknown;
    r.detail = "not written: this node's home routes could not be read";
    held.push_back(std::move(r));
    return true;
  });
  return held;
}

Result<ApplyReport> applyFor(const model::Config& config, const model::Topology& topology,
                             const std::string& activeNode, const Ec2Factory& factory,
                             const Deadline& deadline, ApplyOptions options,
                             const WriteGate& writeGate) {
  const auto* node = topology.findNode(activeNode);
  if (!node) {
    return makeError(ErrorCategory::kInvalidConfig,
                     fmt::format("unknown node '{}' (not a [[node]] of {}; nodes: {})", activeNode,
                                 config.sourceName, config.nodeNames()));
  }
  // Desired state first: a planner error must not cost any AWS call.
  TGWARK_ASSIGN_OR_RETURN(const auto desired,
                          plan::desiredRoutes(topology, activeNode, config.vip));
  if (!options.counter) options.counter = std::make_shared<ApiCallCounter>();
  const auto counted = countingFactory(factory, options.counter);
  const auto& clock = *deadline.clock;
  const std::string homeRegion = node->region;

  // A table's desired target depends only on the topology, so every region is
  // its own pipeline (read, plan, write, read back) and the home region's
  // writes start as soon as its own read is in, not after the slowest
  // region's. The active node's region gets the whole deadline; every other
  // region is given up after remoteWait without an answer (without the
  // option: its reads get remote_wait_s, its writes the whole deadline), so
  // one that is down or stalled cannot hold up the home routes (its tables
  // stay unknown, for quickCheck).
  std::vector<std::string> regions;
  std::map<std::string, std::vector<plan::DesiredRoute>> byRegion;
  for (const auto& d : desired) {
    if (!byRegion.contains(d.region)) regions.push_back(d.region);
    byRegion[d.region].push_back(d);
  }
  std::stable_sort(regions.begin(), regions.end(), [&](const auto& a, const auto& b) {
    return a == homeRegion && b != homeRegion;
  });

  // Other regions are pointed at this node only when its own routes can be
  // read: with its home region down or unreadable the node cannot serve, and
  // turning the rest of the network towards it would cut clients off the
  // node that may still serve them. Remote pipelines wait for the home read
  // (never for the home writes) before they write.
  std::promise<bool> homeReadable;
  auto homeKnown = homeReadable.get_future().share();
  if (!byRegion.contains(homeRegion)) homeReadable.set_value(false);
  std::once_flag gateOnce;
  bool gateOpen = true;
  auto gate = [&] {
    std::call_once(gateOnce, [&] { gateOpen = !writeGate || writeGate(); });
    return gateOpen;
  };

  struct RegionRun {
    ApplyReport report;
    StateRead read;
    Millis readTime{0};
  };
  std::vector<RegionRun> runs(regions.size());
  ReadOptions base;
  base.concurrency = std::max(1, config.aws.applyConcurrency);
  base.homeRegion = homeRegion;
  base.remoteDeadline = deadline.within(std::chrono::seconds(config.aws.remoteWaitS));
  base.sharedVpcRead = std::move(options.sharedVpcRead);
  const auto start = clock.monotonic();
  if (!options.scope) options.scope = &topology;
  parallelFor(regions.size(), regions.size(), [&](std::size_t i) {
    const auto& region = regions[i];
    const bool isHome = region == homeRegion;
    auto& run = runs[i];
    ReadOptions ro = base;
    for (const auto& d : byRegion[region]) ro.tables.push_back({d.tableKind, d.region, d.tableId});
    // With remoteWait, a region other than the home one is given up once it
    // has not answered for that long (its reads, writes and read-back alike):
    // one that stalls mid-write cannot hold the action to its deadline, while
    // one that is slow but answering (heavily throttled) keeps it.
    Deadline regionDeadline = deadline;
    if (!isHome && options.remoteWait) {
      regionDeadline = deadline.quietAfter(*options.remoteWait);
      ro.remoteDeadline = regionDeadline;
    }
    run.read = readStateDetailed(topology, config.vip, watchedFactory(counted, regionDeadline),
                                 regionDeadline, ro);
    run.readTime = since(clock, start);
    auto planned =
        plan::diff(byRegion[region], run.read.state, config.createMissing, topology, activeNode);
    bool homeOk = true;
    if (isHome) {
      homeOk = std::none_of(planned.changes.begin(), planned.changes.end(),
                            [](const plan::RouteChange& c) {
                              return c.desired.home() && c.kind == plan::ChangeKind::kUnknown;
                            });
      homeReadable.set_value(homeOk);
    } else {
      homeOk = homeKnown.get();
      // Waiting for the home read is not this region's silence.
      if (regionDeadline.quiet) regionDeadline.quiet->answered();
    }
    std::vector<std::pair<plan::RouteChange, std::string>> heldBack;
    const bool anyWrite = std::any_of(planned.changes.begin(), planned.changes.end(),
                                      [](const plan::RouteChange& c) { return c.needsWrite(); });
    const bool gateShut = anyWrite && !options.dryRun && !gate();
    std::erase_if(planned.changes, [&](const plan::RouteChange& c) {
      if (!c.needsWrite()) return false;
      if (gateShut) {
        heldBack.emplace_back(c, "not written: the pre-flight check failed");
        return true;
      }
      if (homeOk || c.desired.home()) return false;
      heldBack.emplace_back(c, "not written: this node's home routes could not be read");
      return true;
    });
    run.report = applyPlan(planned, config.vip, watchedFactory(factory, regionDeadline),
                           regionDeadline, options);
    for (auto& [change, why] : heldBack) {
      RouteResult held;
      held.change = std::move(change);
      held.outcome = RouteOutcome::kUnknown;
      held.detail = std::move(why);
      run.report.routes.push_back(std::move(held));
    }
    for (auto& r : run.report.routes) {
      if (r.change.kind != plan::ChangeKind::kUnknown || r.error) continue;
      if (auto it = run.read.errors.find(r.change.desired.tableId); it != run.read.errors.end()) {
        r.error = it->second;
        r.detail = "the table could not be read: " + it->second.describe();
      }
    }
  });

  std::vector<std::string> order;
  for (const auto& d : desired) order.push_back(d.tableId);
  std::vector<ApplyReport> reports;
  for (auto& run : runs) {
    run.report.elapsed.read = run.readTime;
    reports.push_back(std::move(run.report));
  }
  auto report = joinRegionReports(reports, order);
  report.activeNode = activeNode;
  report.dryRun = options.dryRun;
  report.calls = options.counter->snapshot();
  spdlog::info("apply {}: {} written, {} unchanged, {} failed, {} unknown, {} missing; {} calls",
               activeNode, report.count(RouteOutcome::kWritten),
               report.count(RouteOutcome::kUnchanged), report.count(RouteOutcome::kFailed),
               report.count(RouteOutcome::kUnknown), report.count(RouteOutcome::kMissing),
               report.calls.total());
  return report;
}

Result<StatusReport> status(const model::Config& config, const model::Topology& topology,
                            const Ec2Factory& factory, const Deadline& deadline) {
  auto counter = std::make_shared<ApiCallCounter>();
  ReadOptions ro;
  ro.concurrency = std::max(1, config.aws.applyConcurrency);
  auto read =
      readStateDetailed(topology, config.vip, countingFactory(factory, counter), deadline, ro);
  StatusReport out;
  auto add = [&](model::TableKind kind, const std::string& region, const std::string& id) {
    RouteStatus s;
    s.kind = kind;
    s.region = region;
    s.tableId = id;
    if (const auto* t = read.state.find(id)) {
      s.known = t->known;
      s.error = t->error;
      s.route = t->vipRoute;
      if (t->known) s.serves = splitNodes(plan::servedNode(topology, config.vip, *t));
    }
    out.routes.push_back(std::move(s));
  };
  for (const auto& [id, t] : topology.vpcRouteTables)
    if (t.managed) add(model::TableKind::kVpc, t.region, id);
  for (const auto& [id, t] : topology.tgwRouteTables)
    if (t.managed) add(model::TableKind::kTgw, t.region, id);
  std::stable_sort(
      out.routes.begin(), out.routes.end(), [](const RouteStatus& a, const RouteStatus& b) {
        return std::tie(a.kind, a.region, a.tableId) < std::tie(b.kind, b.region, b.tableId);
      });
  out.servedNode = commonServedNode(config, topology, read.state);
  out.calls = counter->snapshot();
  return out;
}

Result<VerifyReport> verify(const model::Config& config, const model::Topology& topology,
                            const Ec2Factory& factory, const Deadline& deadline,
                            std::optional<std::string> activeNode) {
  if (activeNode && !topology.findNode(*activeNode)) {
    return makeError(ErrorCategory::kInvalidConfig,
                     fmt::format("unknown node '{}' (nodes: {})", *activeNode, config.nodeNames()));
  }
  auto counter = std::make_shared<ApiCallCounter>();
  ReadOptions ro;
  ro.mode = ReadMode::kTrace;
  ro.concurrency = std::max(1, config.aws.applyConcurrency);
  auto read =
      readStateDetailed(topology, config.vip, countingFactory(factory, counter), deadline, ro);
  VerifyReport out;
  out.traces = plan::traceAll(topology, read.state, config.vip);
  if (activeNode) {
    out.expectedNode = *activeNode;
  } else {
    // The node the routes serve; failing that, the node most traces reach.
    out.expectedNode = commonServedNode(config, topology, read.state);
    if (out.expectedNode.empty()) {
      std::map<std::string, int> votes;
      for (const auto& t : out.traces)
        if (t.outcome == plan::TraceOutcome::kReached) ++votes[t.reachedNode];
      int best = 0;
      for (const auto& [node, n] : votes)
        if (n > best) best = n, out.expectedNode = node;
    }
  }
  out.ok = !out.traces.empty() && !out.expectedNode.empty() &&
           std::all_of(out.traces.begin(), out.traces.end(), [&](const plan::Trace& t) {
             return t.outcome == plan::TraceOutcome::kReached && t.reachedNode == out.expectedNode;
           });
  out.calls = counter->snapshot();
  return out;
}

std::string_view healthName(Health health) {
  switch (health) {
    case Health::kHealthy: return "healthy";
    case Health::kUnhealthy: return "unhealthy";
    case Health::kUndeterminable: return "undeterminable";
  }
  return "undeterminable";
}

Result<QuickCheckReport> quickCheck(const model::Config& config, const model::Topology& topology,
                                    const std::string& activeNode, const Ec2Factory& factory,
                                    const Deadline& deadline, const QuickCheckOptions& options) {
  auto counter = options.apply.counter ? options.apply.counter : std::make_shared<ApiCallCounter>();
  TGWARK_ASSIGN_OR_RETURN(const auto planned,
                          planFor(config, topology, activeNode, countingFactory(factory, counter),
                                  deadline, options.apply.sharedVpcRead));
  QuickCheckReport out;
  out.unreadable = planned.read.errors;
  bool homeUnknown = false;
  bool homeGone = false;
  plan::Plan remoteFix;
  remoteFix.activeNode = activeNode;
  for (const auto& change : planned.plan.changes) {
    const bool home = change.desired.home();
    if (change.kind == plan::ChangeKind::kNone) continue;
    if (change.kind == plan::ChangeKind::kUnknown) {
      if (!home) continue;
      homeUnknown = true;
      auto it = out.unreadable.find(change.desired.tableId);
      // Only a table that no longer exists is a verdict on the routes; any
      // other read failure (timeouts, throttling, permissions) says nothing
      // about them, and failing over would not fix it.
      if (it != out.unreadable.end() && it->second.category == ErrorCategory::kNotFound) {
        homeGone = true;
        out.homeProblems.push_back(change);
      }
      continue;
    }
    (home ? out.homeProblems : out.remoteProblems).push_back(change);
    if (!home && change.needsWrite()) remoteFix.changes.push_back(change);
  }
  if (!out.homeProblems.empty() || homeGone) {
    out.health = Health::kUnhealthy;
  } else if (homeUnknown) {
    out.health = Health::kUndeterminable;
  } else {
    out.health = Health::kHealthy;
  }
  if (out.health == Health::kUnhealthy) {
    out.takeover = plan::detectTakeover(topology, planned.read.state, config.vip, activeNode);
  }
  // Remote routes are repaired only by a node that knows it serves the VIP:
  // with a home route wrong or unreadable, "repairing" would point other
  // regions at a node that may not be the active one.
  if (options.repairRemote && out.health == Health::kHealthy && !remoteFix.changes.empty()) {
    auto applyOpts = options.apply;
    applyOpts.counter = counter;
    // Each region on its own: one whose writes stall is given up after
    // remote_wait_s without an answer and cannot hold the check.
    out.repair = applyPlanPerRegion(remoteFix, config.vip, factory, deadline, applyOpts,
                                    topology.findNode(activeNode)->region);
  }
  out.calls = counter->snapshot();
  out.summary = fmt::format("{}: {} home problem(s), {} remote problem(s), {} unreadable table(s)",
                            healthName(out.health), out.homeProblems.size(),
                            out.remoteProblems.size(), out.unreadable.size());
  if (out.repair) {
    out.summary += fmt::format("; repaired {} of {} remote route(s)",
                               out.repair->count(RouteOutcome::kWritten), remoteFix.changes.size());
  }
  for (const auto& [id, error] : out.unreadable) {
    spdlog::warn("quickCheck: table {} unreadable: {}", id, error.describe());
  }
  return out;
}

Result<SourceDestReport> checkSourceDestCheck(const model::Config& config, const std::string& node,
                                              const Ec2Factory& factory, const Deadline& deadline) {
  const auto* n = config.findNode(node);
  if (!n) {
    return makeError(ErrorCategory::kInvalidConfig,
                     fmt::format("unknown node '{}' (nodes: {})", node, config.nodeNames()));
  }
  TGWARK_ASSIGN_OR_RETURN(const auto api, apiFor(factory, n->region));
  aws::DescribeOptions opts;
  opts.ids = {n->eni};
  opts.call = deadline.callOptions();
  TGWARK_ASSIGN_OR_RETURN(const auto enis, api->describeNetworkInterfaces(opts),
                          fmt::format("node '{}': reading ENI {} in {}", node, n->eni, n->region));
  auto it = std::find_if(enis.begin(), enis.end(), [&](const aws::NetworkInterface& eni) {
    return eni.networkInterfaceId == n->eni;
  });
  if (it == enis.end()) {
    return makeError(ErrorCategory::kNotFound,
                     fmt::format("node '{}': ENI {} not found in {}", node, n->eni, n->region),
                     "InvalidNetworkInterfaceID.NotFound");
  }
  SourceDestReport out;
  out.node = node;
  out.eniId = n->eni;
  out.region = n->region;
  out.enabledBefore = it->sourceDestCheck;
  if (!out.enabledBefore) {
    out.message = fmt::format("{}: source/dest check is disabled", n->eni);
    return out;
  }
  if (!config.fixSourceDestCheck) {
    out.message = fmt::format(
        "{}: source/dest check is enabled; the VIP's forwarded traffic will be dropped (disable "
        "it, or set fix_source_dest_check = true)",
        n->eni);
    return out;
  }
  auto fixed = api->modifyNetworkInterfaceSourceDestCheck(n->eni, false, deadline.callOptions());
  if (fixed) {
    out.fixed = true;
    out.message = fmt::format("{}: source/dest check was enabled; disabled it", n->eni);
  } else {
    out.fixError = fixed.error();
    out.message = fmt::format("{}: source/dest check is enabled and disabling it failed: {}",
                              n->eni, fixed.error().describe());
  }
  return out;
}

}  // namespace tgwark::engine
