#include "app/actions.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "engine/engine.h"
#include "engine/scope_check.h"
#include "plan/desired.h"
#include "plan/takeover.h"

namespace tgwark::app {

namespace {

ActionOutcome outcome(Action action, Verdict verdict, std::string message,
                      std::string reason = {}) {
  ActionOutcome out;
  out.action = action;
  out.verdict = verdict;
  out.message = std::move(message);
  out.reason = std::move(reason);
  return out;
}

std::string tableText(const plan::DesiredRoute& d) {
  return fmt::format("{} {} in {}", model::tableKindText(d.tableKind), d.tableId, d.region);
}

// The first wrong home route of an apply, as a reason.
std::string homeRouteReason(const engine::ApplyReport& report) {
  for (const auto& r : report.routes) {
    if (!r.change.desired.home() || r.right()) continue;
    std::string why = std::string(engine::routeOutcomeName(r.outcome));
    if (r.error)
      why += " (" + (r.error->awsCode.empty() ? r.error->message : r.error->awsCode) + ")";
    return fmt::format("home route {}: {}", tableText(r.change.desired), why);
  }
  return "home routes not right";
}

std::string homeProblemReason(const plan::RouteChange& c) {
  std::string now = c.currentlyServes.empty() ? "" : ", serves " + c.currentlyServes;
  return fmt::format("home route {}: {}{}", tableText(c.desired), plan::changeKindName(c.kind),
                     now);
}

// How many of `node`'s home routes serve it, from the problems a check found.
HomeRoutes homeRoutesFrom(const model::Config& config, const model::Topology& topology,
                          const std::string& node, const engine::QuickCheckReport& report) {
  auto desired = plan::desiredRoutesReport(topology, node, config.vip);
  if (!desired) return HomeRoutes::kUnknown;
  std::size_t home = 0;
  for (const auto& d : desired->routes) home += d.home() ? 1 : 0;
  std::size_t notHere = 0;
  for (const auto& c : report.homeProblems) {
    // A blackhole route still names this node's target: it is meant for here.
    if (c.kind != plan::ChangeKind::kFixBlackhole) ++notHere;
  }
  if (report.homeProblems.empty() && report.health == engine::Health::kHealthy) {
    return HomeRoutes::kAllHere;
  }
  if (report.health == engine::Health::kUndeterminable) return HomeRoutes::kUnknown;
  if (notHere >= home) return HomeRoutes::kNoneHere;
  return HomeRoutes::kSomeHere;
}

// An API that cannot answer now is not the resource's fault: timeouts,
// throttling, unreachable endpoints.
bool transient(const Error& error) {
  return error.retryable() || error.category == ErrorCategory::kDeadlineExceeded;
}

void logRoute(const engine::RouteResult& r) {
  const auto& c = r.change;
  std::string line =
      fmt::format("{} {} {} {} -> {}: {}{}", c.desired.home() ? "home" : "remote", c.desired.region,
                  model::tableKindText(c.desired.tableKind), c.desired.tableId,
                  model::targetText(c.desired.target), engine::routeOutcomeName(r.outcome),
                  r.error ? " (" + r.error->describe() + ")" : "");
  if (r.right() || r.outcome == engine::RouteOutcome::kSkipped) {
    if (r.outcome == engine::RouteOutcome::kWritten) {
      spdlog::info("{}", line);
    } else {
      spdlog::debug("{}", line);
    }
  } else if (c.desired.home()) {
    spdlog::error("{}", line);
  } else {
    spdlog::warn("{} (left for quickCheck to repair)", line);
  }
}

void logChange(bool home, const plan::RouteChange& c) {
  auto line = fmt::format("{} {} {} {}: {} (wants {})", home ? "home" : "remote", c.desired.region,
                          model::tableKindText(c.desired.tableKind), c.desired.tableId,
                          plan::changeKindName(c.kind), model::targetText(c.desired.target));
  if (home) {
    spdlog::error("{}", line);
  } else {
    spdlog::warn("{}", line);
  }
}

ActionOutcome takenOver(Action action, const plan::Takeover& takeover) {
  return outcome(action, Verdict::kTakenOver,
                 fmt::format("{}: routes were taken over by {} ({}); not reclaiming them",
                             actionName(action), takeover.byNode, takeover.evidence),
                 fmt::format("routes taken over by {}; not reclaiming them", takeover.byNode));
}

// A home route that the read-back found rewritten for another node: a
// concurrent restore there won the race, and this node yields.
std::optional<plan::Takeover> homeTakeover(const engine::ApplyReport& report) {
  for (const auto& r : report.routes) {
    if (r.change.desired.home() && !r.takenOverBy.empty()) {
      return plan::Takeover{r.takenOverBy, r.change.desired.tableId + ": " + r.detail};
    }
  }
  return std::nullopt;
}

}  // namespace

std::string_view actionName(Action action) {
  switch (action) {
    case Action::kRestore: return "restore";
    case Action::kRemove: return "remove";
    case Action::kQuickCheck: return "quickCheck";
    case Action::kRecover: return "recover";
  }
  return "restore";
}

std::string_view homeRoutesName(HomeRoutes home) {
  switch (home) {
    case HomeRoutes::kUnknown: return "unknown";
    case HomeRoutes::kAllHere: return "all here";
    case HomeRoutes::kSomeHere: return "some here";
    case HomeRoutes::kNoneHere: return "none here";
  }
  return "unknown";
}

std::string_view verdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kOk: return "ok";
    case Verdict::kFailed: return "failed";
    case Verdict::kBadConfig: return "bad-config";
    case Verdict::kUndeterminable: return "undeterminable";
    case Verdict::kTakenOver: return "taken-over";
  }
  return "failed";
}

Verdict verdictForError(Action action, const Error& error) {
  if (action == Action::kRemove) return Verdict::kOk;
  if (error.category == ErrorCategory::kInvalidConfig) return Verdict::kBadConfig;
  // quickCheck fails only on evidence: a read that parsed and shows a home
  // route wrong, missing or blackholed (a report, never an error). An error
  // — a timeout, throttling, a denial, an answer that could not be parsed, a
  // rejected request — says nothing about the routes, and failing over would
  // not cure it.
  if (action == Action::kQuickCheck) return Verdict::kUndeterminable;
  return Verdict::kFailed;
}

ActionOutcome outcomeFromError(Action action, const Error& error, std::string_view what) {
  std::string code = error.awsCode.empty() ? "" : " (" + error.awsCode + ")";
  ActionOutcome out =
      outcome(action, verdictForError(action, error), fmt::format("{}: {}", what, error.describe()),
              fmt::format("{}: {}{}", what, error.message, code));
  out.error = error;
  return out;
}

namespace {

// Why a region was left behind, from the error its routes met.
std::string leftBehindReason(const std::optional<Error>& error) {
  if (!error) return "held back";
  if (error->awsCode == "Transport.Timeout") return "stalled";
  switch (error->category) {
    case ErrorCategory::kThrottled: return "throttled";
    case ErrorCategory::kDeadlineExceeded: return "stalled";
    case ErrorCategory::kPermission: return "denied";
    case ErrorCategory::kRetryable: return "down";
    default: return "failed";
  }
}

struct Behind {
  std::string region;
  std::string tableId;
  std::optional<Error> error;
  std::string detail;
};

std::vector<RegionLeftBehind> groupLeftBehind(const std::vector<Behind>& items,
                                              std::string_view notDone) {
  std::map<std::string, std::vector<const Behind*>> byRegion;
  for (const auto& b : items) byRegion[b.region].push_back(&b);
  std::vector<RegionLeftBehind> out;
  for (const auto& [region, list] : byRegion) {
    RegionLeftBehind r;
    r.region = region;
    const Behind* first = list.front();
    for (const auto* b : list) {
      r.tables.push_back(b->tableId);
      if (!first->error && b->error) first = b;
    }
    r.reason = leftBehindReason(first->error);
    r.detail = fmt::format("{} route(s) not {}: {}", list.size(), notDone,
                           first->error ? (first->error->awsCode.empty() ? first->error->message
                                                                         : first->error->awsCode)
                                        : first->detail);
    out.push_back(std::move(r));
  }
  return out;
}

// Remote routes of an apply that are not right, by region.
std::vector<RegionLeftBehind> leftBehind(const engine::ApplyReport& report) {
  std::vector<Behind> items;
  for (const auto& r : report.routes) {
    if (r.change.desired.home() || r.right() || r.outcome == engine::RouteOutcome::kSkipped)
      continue;
    items.push_back({r.change.desired.region, r.change.desired.tableId, r.error, r.detail});
  }
  return groupLeftBehind(items, "written");
}

// Remote tables a check could not read, or whose repair did not succeed.
std::vector<RegionLeftBehind> leftBehind(const model::Topology& topology,
                                         const engine::QuickCheckReport& report) {
  std::vector<Behind> items;
  auto regionOf = [&](const std::string& id) -> std::string {
    if (auto it = topology.vpcRouteTables.find(id); it != topology.vpcRouteTables.end())
      return it->second.region;
    if (auto it = topology.tgwRouteTables.find(id); it != topology.tgwRouteTables.end())
      return it->second.region;
    return {};
  };
  // Called for a healthy check only: every unreadable table is a remote one.
  for (const auto& [id, error] : report.unreadable) {
    const auto region = regionOf(id);
    if (region.empty()) continue;
    items.push_back({region, id, error, {}});
  }
  if (report.repair) {
    for (const auto& r : report.repair->routes) {
      if (r.right()) continue;
      items.push_back({r.change.desired.region, r.change.desired.tableId, r.error, r.detail});
    }
  }
  return groupLeftBehind(items, "checked or repaired");
}

// Regions discovery could not read with no stored scope to stand in: none of
// their tables is in the topology, so no route report names them, yet they
// are left behind all the same (and so is any node there it could not place).
void addUndiscovered(const model::Config& config, const model::Topology& topology,
                     std::vector<RegionLeftBehind>& regions) {
  for (const auto& [region, error] : topology.staleRegionErrors) {
    if (std::any_of(regions.begin(), regions.end(),
                    [&](const RegionLeftBehind& r) { return r.region == region; }))
      continue;
    RegionLeftBehind r;
    r.region = region;
    r.reason = leftBehindReason(error);
    for (const auto* t : topology.managedVpcTables())
      if (t->region == region) r.tables.push_back(t->id);
    for (const auto* t : topology.managedTgwTables())
      if (t->region == region) r.tables.push_back(t->id);
    std::vector<std::string> nodes;
    for (const auto& name : topology.unplacedNodes) {
      const auto* n = config.findNode(name);
      if (n && n->region == region) nodes.push_back(name);
    }
    r.detail = fmt::format(
        "not discovered ({}): its route tables are unknown{}",
        error.awsCode.empty() ? error.message : error.awsCode,
        nodes.empty() ? std::string()
                      : fmt::format("; node {} left out of the scope", fmt::join(nodes, ", ")));
    regions.push_back(std::move(r));
  }
}

// A region whose calls ran out of time after being throttled was throttled
// past its time, not stalled: the final error (the deadline) cannot say so,
// the client's statistics can.
void refineReasons(const Context& context, std::vector<RegionLeftBehind>& regions) {
  const auto stats = context.callStats()->snapshot();
  for (auto& r : regions) {
    if (r.reason != "stalled" && r.reason != "down") continue;
    if (auto it = stats.throttlesByRegion.find(r.region);
        it != stats.throttlesByRegion.end() && it->second > 0) {
      r.reason = "throttled";
    }
  }
}

void logLeftBehind(std::string_view action, const std::vector<RegionLeftBehind>& regions) {
  for (const auto& r : regions) {
    spdlog::warn(
        "{}: region {} left behind ({}): {}{}; quickCheck repairs it when the region answers",
        action, r.region, r.reason, r.detail,
        r.tables.empty() ? std::string() : fmt::format("; tables {}", fmt::join(r.tables, ", ")));
  }
}

// The stored scope, checked against AWS while an action's first pass acts on
// it (engine/scope_check.h): what restore, recover and quickCheck start with
// when this node has a store, so their first calls are the state reads.
//
// With `shareReads`, the check's DescribeRouteTables is the first pass's own
// state read (sharedVpcRead(), to be handed to that read): each region's
// tables are read and parsed once.
class ScopeVerification {
 public:
  ScopeVerification(Context& context, const model::Topology& stored, const std::string& node,
                    const engine::Deadline& deadline, bool shareReads) {
    engine::ScopeCheckOptions options;
    if (const auto* n = context.config().findNode(node)) options.homeRegion = n->region;
    options.remoteDeadline =
        deadline.within(std::chrono::seconds(context.config().aws.remoteWaitS));
    if (shareReads) options.sharedVpcRead = engine::sharedVpcReadFor(context.config(), stored);
    shared_ = options.sharedVpcRead;
    thread_ = std::jthread([&context, &stored, deadline, options, this] {
      report_ = engine::checkScope(context.config(), stored, context.factory(), deadline, options);
      // Unchanged everywhere: the store is confirmed for the next quickChecks.
      if (report_.complete() && !report_.changed()) context.confirmStoredTopology();
    });
  }
  ScopeVerification(const ScopeVerification&) = delete;
  ScopeVerification& operator=(const ScopeVerification&) = delete;
  // A region the first pass did not read after all is read by the check
  // itself, so it is never left waiting.
  ~ScopeVerification() { release(); }

  // For the first pass's state read (null when there is nothing to share).
  const std::shared_ptr<engine::SharedVpcRead>& sharedVpcRead() const { return shared_; }

  // Waits for the check; the first pass's state read must be over.
  const engine::ScopeCheckReport& report() {
    release();
    if (thread_.joinable()) thread_.join();
    return report_;
  }

 private:
  void release() {
    if (shared_) shared_->close();
  }

  std::shared_ptr<engine::SharedVpcRead> shared_;
  engine::ScopeCheckReport report_;
  std::jthread thread_;
};

// Whether a check's repair, or a read, met a resource that does not exist.
bool metAMissingResource(const engine::QuickCheckReport& report) {
  for (const auto& [table, error] : report.unreadable) {
    if (error.category == ErrorCategory::kNotFound) return true;
  }
  if (!report.repair) return false;
  return std::any_of(report.repair->routes.begin(), report.repair->routes.end(),
                     [](const engine::RouteResult& r) {
                       return r.error && r.error->category == ErrorCategory::kNotFound;
                     });
}

// The scope an action acts on first: the store's (any age), checked in
// parallel; without one, a discovery as before.
struct FirstScope {
  std::shared_ptr<const model::Topology> topology;  // never null
  bool fromStore = false;
};

Result<FirstScope> firstScope(Context& context, const engine::Deadline& deadline) {
  if (auto stored = context.sharedStoredTopology()) return FirstScope{std::move(stored), true};
  auto discovered = context.topology(deadline);
  if (!discovered) return std::unexpected(discovered.error());
  return FirstScope{std::make_shared<const model::Topology>(std::move(*discovered)), false};
}

// After a first pass on the stored scope: whether to rediscover and make a
// second pass. A change found means yes; a check that could not complete
// means yes only when the first pass did not make the home routes right (a
// region that cannot be checked cannot be discovered either).
bool wantsSecondPass(std::string_view action, const engine::ScopeCheckReport& check,
                     bool firstPassGood) {
  for (const auto& line : check.changes)
    spdlog::info("{}: the stored scope changed: {}", action, line);
  for (const auto& [region, error] : check.unverified)
    spdlog::warn("{}: the stored scope could not be checked in {}: {}", action, region,
                 error.describe());
  if (check.changed()) return true;
  return !check.complete() && !firstPassGood;
}

// A fresh discovery for the second pass; with a stored scope in hand it gets
// remote_wait_s, so a region that cannot be read does not hold up the home
// routes (the first pass's result stands then).
Result<model::Topology> rediscover(Context& context, const engine::Deadline& deadline,
                                   std::string_view action) {
  spdlog::info("{}: rediscovering the scope for a second pass", action);
  auto topology =
      context.topology(deadline.within(std::chrono::seconds(context.config().aws.remoteWaitS)));
  if (!topology) {
    spdlog::warn("{}: discovery could not complete ({}); keeping the first pass", action,
                 topology.error().describe());
  }
  return topology;
}

// After restore's or recover's first pass on the stored scope: true when a
// second pass is to be made, on the fresh discovery now in `scope`.
bool takeSecondPassScope(Context& context, std::string_view action,
                         std::optional<ScopeVerification>& verification, FirstScope& scope,
                         const engine::Deadline& deadline, bool firstPassGood) {
  if (!verification || !wantsSecondPass(action, verification->report(), firstPassGood))
    return false;
  auto fresh = rediscover(context, deadline, action);
  if (!fresh) return false;
  verification.reset();
  scope.topology = std::make_shared<const model::Topology>(std::move(*fresh));
  return true;
}

std::string applySummary(const engine::ApplyReport& report, const Context& context) {
  return fmt::format(
      "{} written, {} unchanged, {} failed, {} unknown, {} missing; {}",
      report.count(engine::RouteOutcome::kWritten), report.count(engine::RouteOutcome::kUnchanged),
      report.count(engine::RouteOutcome::kFailed), report.count(engine::RouteOutcome::kUnknown),
      report.count(engine::RouteOutcome::kMissing), engine::callsText(context.calls()));
}

// The pre-flight source/dest check's verdict: nullopt when restore may write.
std::optional<ActionOutcome> preflightFailure(const Result<engine::SourceDestReport>& sdc) {
  constexpr Action kAction = Action::kRestore;
  if (!sdc) {
    // A check we are not allowed to make, or cannot make now, must not block
    // a failover.
    if (sdc.error().category == ErrorCategory::kPermission) {
      spdlog::warn("restore: pre-flight source/dest check skipped: {}", sdc.error().describe());
    } else if (transient(sdc.error())) {
      spdlog::warn("restore: pre-flight source/dest check not possible now: {}",
                   sdc.error().describe());
    } else {
      return outcomeFromError(kAction, sdc.error(), "restore: pre-flight");
    }
    return std::nullopt;
  }
  if (!sdc->ok()) {
    return outcome(kAction, Verdict::kFailed, "restore: pre-flight: " + sdc->message,
                   "pre-flight: " + sdc->message);
  }
  if (sdc->fixed) spdlog::warn("restore: {}", sdc->message);
  return std::nullopt;
}

}  // namespace

ActionOutcome restore(Context& context) {
  constexpr Action kAction = Action::kRestore;
  const auto& config = context.config();
  auto node = context.localNode();
  if (!node) return outcomeFromError(kAction, node.error(), "restore");
  auto deadline = context.actionDeadline(config.aws.restoreTimeoutS);
  spdlog::info("restore: making {} active for VIP {} (deadline {} ms)", node->name,
               config.vipDestination(), context.actionTimeout(config.aws.restoreTimeoutS).count());

  auto scope = firstScope(context, deadline);
  if (!scope) return outcomeFromError(kAction, scope.error(), "restore: discovery");
  std::optional<ScopeVerification> verification;
  if (scope->fromStore) verification.emplace(context, *scope->topology, node->name, deadline, true);

  // Pre-flight, in the same round as the state reads: the ENI exists, is in
  // the node's VPC (discovery checked), and forwards traffic for the VIP
  // (source/dest check off). No route is written before it answered.
  std::optional<Result<engine::SourceDestReport>> sdc;
  std::promise<void> sdcDone;
  auto sdcReady = sdcDone.get_future().share();
  std::jthread preflight([&] {
    sdc.emplace(engine::checkSourceDestCheck(config, node->name, context.factory(), deadline));
    sdcDone.set_value();
  });
  std::once_flag judged;
  std::optional<ActionOutcome> preflightFailed;
  auto judgePreflight = [&] {
    sdcReady.wait();
    std::call_once(judged, [&] { preflightFailed = preflightFailure(*sdc); });
    return !preflightFailed.has_value();
  };
  auto gate = [&] { return judgePreflight(); };

  auto options = engine::applyOptionsFrom(config);
  auto firstOptions = options;
  if (verification) firstOptions.sharedVpcRead = verification->sharedVpcRead();
  auto report = engine::applyFor(config, *scope->topology, node->name, context.factory(), deadline,
                                 firstOptions, gate);
  preflight.join();
  if (!judgePreflight()) return *preflightFailed;
  if (takeSecondPassScope(context, "restore", verification, *scope, deadline,
                          report && report->homeRight())) {
    report = engine::applyFor(config, *scope->topology, node->name, context.factory(), deadline,
                              options, gate);
  }
  if (!report) return outcomeFromError(kAction, report.error(), "restore");
  for (const auto& r : report->routes) logRoute(r);
  const std::string summary = applySummary(*report, context);
  if (!report->homeRight()) {
    if (auto takeover = homeTakeover(*report)) return takenOver(kAction, *takeover);
    return outcome(kAction, Verdict::kFailed, "restore failed: home routes not right: " + summary,
                   "restore: " + homeRouteReason(*report));
  }
  auto out = outcome(kAction, Verdict::kOk, "restore done: " + summary);
  out.regionsLeftBehind = leftBehind(*report);
  addUndiscovered(config, *scope->topology, out.regionsLeftBehind);
  if (!report->allRight()) spdlog::warn("restore: remote routes left to repair: {}", summary);
  refineReasons(context, out.regionsLeftBehind);
  logLeftBehind("restore", out.regionsLeftBehind);
  return out;
}

ActionOutcome remove() {
  return outcome(Action::kRemove, Verdict::kOk,
                 "remove: no AWS change (the next restore rewrites every route)");
}

ActionOutcome remove(Context& context) {
  (void)context;
  return remove();
}

ActionOutcome quickCheck(Context& context, const CheckOptions& checkOptions) {
  constexpr Action kAction = Action::kQuickCheck;
  const auto& config = context.config();
  auto node = context.localNode();
  if (!node) return outcomeFromError(kAction, node.error(), "quickCheck");
  auto deadline = context.actionDeadline(config.aws.quickcheckTimeoutS);
  auto scope = firstScope(context, deadline);
  if (!scope) {
    return outcomeFromError(kAction, scope.error(), "quickCheck: cannot read the topology now");
  }
  // quickCheck runs every two minutes: the stored scope is checked only
  // when it was last confirmed more than kTopologyCacheTtl ago, so in steady
  // state a check costs exactly its reads. A verdict of failure is still
  // never given on an unconfirmed scope (see below).
  // A fresh store keeps its reads by table id: a read by VPC (what a check
  // shares) would also return every unmanaged table of those VPCs.
  std::optional<ScopeVerification> verification;
  if (scope->fromStore && !context.storedTopologyFresh())
    verification.emplace(context, *scope->topology, node->name, deadline, true);
  engine::QuickCheckOptions options;
  options.repairRemote = checkOptions.repairRemote;
  options.apply = engine::applyOptionsFrom(config);
  auto firstOptions = options;
  if (verification) firstOptions.apply.sharedVpcRead = verification->sharedVpcRead();
  auto report = engine::quickCheck(config, *scope->topology, node->name, context.factory(),
                                   deadline, firstOptions);
  // A fresh store that was not checked is checked now when the first pass
  // found the home routes wrong (the verdict must not rest on an unchecked
  // scope), or when a repair met a missing target or table (evidence that
  // it is stale after all: a peering replaced, a table deleted).
  if (scope->fromStore && !verification && report &&
      (report->health == engine::Health::kUnhealthy || metAMissingResource(*report))) {
    spdlog::info("quickCheck: checking the stored scope before judging");
    verification.emplace(context, *scope->topology, node->name, deadline, false);
  }
  if (scope->fromStore) {
    const bool good = report && report->health != engine::Health::kUnhealthy;
    // Unhealthy on the stored scope is judged again on a fresh discovery
    // whatever the check says: a stale scope must never cause a failover.
    const bool again =
        (verification && wantsSecondPass("quickCheck", verification->report(), good)) || !good;
    if (again) {
      if (!good)
        spdlog::info("quickCheck: unhealthy on the stored scope; rediscovering to confirm");
      auto fresh = rediscover(context, deadline, "quickCheck");
      if (fresh) {
        verification.reset();
        scope->topology = std::make_shared<const model::Topology>(std::move(*fresh));
        report = engine::quickCheck(config, *scope->topology, node->name, context.factory(),
                                    deadline, options);
      } else if (!good) {
        // Another region cannot be read for discovery. The home routes'
        // targets depend only on the home region: when its part of the
        // stored scope was checked and found unchanged, the verdict stands;
        // otherwise it cannot be told now.
        if (!verification) {  // the first pass was an error, not a verdict
          return outcomeFromError(kAction, fresh.error(), "quickCheck: cannot rediscover now");
        }
        const auto& check = verification->report();
        const auto* n = config.findNode(node->name);
        const std::string home = n ? n->region : std::string();
        const bool homeChanged =
            std::any_of(check.changes.begin(), check.changes.end(),
                        [&](const std::string& line) { return line.starts_with(home + ":"); });
        if (home.empty() || check.unverified.contains(home) || homeChanged) {
          return outcomeFromError(kAction, fresh.error(), "quickCheck: cannot rediscover now");
        }
        spdlog::warn("quickCheck: judging on the stored scope, checked unchanged in {}", home);
      }
    }
  }
  if (!report) return outcomeFromError(kAction, report.error(), "quickCheck");
  const auto& topology = *scope->topology;
  const HomeRoutes home = homeRoutesFrom(config, topology, node->name, *report);
  if (report->takeover) {
    auto out = takenOver(kAction, *report->takeover);
    out.home = home;
    return out;
  }
  for (const auto& c : report->homeProblems) logChange(true, c);
  for (const auto& c : report->remoteProblems) logChange(false, c);
  if (report->repair) {
    for (const auto& r : report->repair->routes) logRoute(r);
  }
  std::string summary = report->summary + "; " + engine::callsText(context.calls());
  ActionOutcome out = outcome(kAction, Verdict::kFailed, "quickCheck: unexpected state");
  switch (report->health) {
    case engine::Health::kHealthy:
      out = outcome(kAction, Verdict::kOk, "quickCheck " + summary);
      break;
    case engine::Health::kUndeterminable: {
      std::string why = "home route tables unreadable";
      if (!report->unreadable.empty()) {
        const auto& [table, error] = *report->unreadable.begin();
        why = fmt::format("table {} unreadable: {}", table,
                          error.awsCode.empty() ? error.message : error.awsCode);
      }
      out =
          outcome(kAction, Verdict::kUndeterminable, "quickCheck " + summary, "quickCheck: " + why);
      break;
    }
    case engine::Health::kUnhealthy:
      out = outcome(kAction, Verdict::kFailed, "quickCheck " + summary,
                    report->homeProblems.empty()
                        ? "quickCheck: home routes not right"
                        : "quickCheck: " + homeProblemReason(report->homeProblems.front()));
      break;
  }
  out.home = home;
  if (report->health == engine::Health::kHealthy) {
    out.regionsLeftBehind = leftBehind(topology, *report);
    addUndiscovered(config, topology, out.regionsLeftBehind);
    refineReasons(context, out.regionsLeftBehind);
    logLeftBehind("quickCheck", out.regionsLeftBehind);
  }
  return out;
}

namespace {

// One recover pass over a scope: the state read, the split-brain guard, the writes.
struct RecoverPass {
  std::optional<ActionOutcome> early;  // an error or a takeover
  std::optional<engine::ApplyReport> report;
  bool good() const { return report && report->homeRight(); }
};

RecoverPass recoverPass(Context& context, const model::Topology& topology, const std::string& node,
                        const engine::Deadline& deadline,
                        std::shared_ptr<engine::SharedVpcRead> sharedVpcRead = nullptr) {
  constexpr Action kAction = Action::kRecover;
  const auto& config = context.config();
  RecoverPass out;
  auto planned = engine::planFor(config, topology, node, context.factory(), deadline,
                                 std::move(sharedVpcRead));
  if (!planned) {
    out.early = outcomeFromError(kAction, planned.error(), "recover");
    return out;
  }
  if (auto takeover = plan::detectTakeover(topology, planned->read.state, config.vip, node)) {
    out.early = takenOver(kAction, *takeover);
    return out;
  }
  auto options = engine::applyOptionsFrom(config);
  options.scope = &topology;
  auto toApply = planned->plan;
  auto heldBack = engine::holdBackRemoteWrites(toApply);
  // recover reads every region before it writes (a takeover must stop it),
  // but writes each on its own: another region that stalls mid-write is
  // given up after remote_wait_s without an answer.
  const auto* n = topology.findNode(node);
  out.report = engine::applyPlanPerRegion(toApply, config.vip, context.factory(), deadline, options,
                                          n ? n->region : std::string());
  for (auto& r : heldBack) out.report->routes.push_back(std::move(r));
  for (auto& r : out.report->routes) {
    if (r.change.kind != plan::ChangeKind::kUnknown || r.error) continue;
    if (auto it = planned->read.errors.find(r.change.desired.tableId);
        it != planned->read.errors.end()) {
      r.error = it->second;
    }
  }
  return out;
}

}  // namespace

ActionOutcome recover(Context& context) {
  constexpr Action kAction = Action::kRecover;
  const auto& config = context.config();
  auto node = context.localNode();
  if (!node) return outcomeFromError(kAction, node.error(), "recover");
  auto deadline = context.actionDeadline(config.aws.restoreTimeoutS);
  auto scope = firstScope(context, deadline);
  if (!scope) return outcomeFromError(kAction, scope.error(), "recover: discovery");
  std::optional<ScopeVerification> verification;
  if (scope->fromStore) verification.emplace(context, *scope->topology, node->name, deadline, true);
  auto pass = recoverPass(context, *scope->topology, node->name, deadline,
                          verification ? verification->sharedVpcRead() : nullptr);
  if (takeSecondPassScope(context, "recover", verification, *scope, deadline, pass.good()))
    pass = recoverPass(context, *scope->topology, node->name, deadline);
  if (pass.early) return *pass.early;
  const auto& report = *pass.report;
  for (const auto& r : report.routes) logRoute(r);
  std::string summary = fmt::format(
      "{} written, {} failed, {} unknown; {}", report.count(engine::RouteOutcome::kWritten),
      report.count(engine::RouteOutcome::kFailed), report.count(engine::RouteOutcome::kUnknown),
      engine::callsText(context.calls()));
  if (!report.homeRight()) {
    if (auto takeover = homeTakeover(report)) return takenOver(kAction, *takeover);
    return outcome(kAction, Verdict::kFailed, "recover failed: " + summary,
                   "recover: " + homeRouteReason(report));
  }
  auto out = outcome(kAction, Verdict::kOk, "recover done: " + summary);
  out.regionsLeftBehind = leftBehind(report);
  addUndiscovered(config, *scope->topology, out.regionsLeftBehind);
  refineReasons(context, out.regionsLeftBehind);
  logLeftBehind("recover", out.regionsLeftBehind);
  return out;
}

ActionOutcome runAction(Action action, Context& context) {
  switch (action) {
    case Action::kRestore: return restore(context);
    case Action::kRemove: return remove(context);
    case Action::kQuickCheck: return quickCheck(context);
    case Action::kRecover: return recover(context);
  }
  return remove(context);
}

}  // namespace tgwark::app
