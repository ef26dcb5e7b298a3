#include "app/actions.h"

#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include "engine/engine.h"
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

// The scope restore and recover act on. Discovery is per region (a remote
// region that cannot be read within remote_wait_s is taken from the stored
// scope); when it cannot complete at all and this node has a stored scope,
// act on that: the reads that follow judge every table afresh, and a region
// that cannot be read leaves only its own tables unknown.
Result<model::Topology> scopeForChange(Context& context, const engine::Deadline& deadline,
                                       std::string_view action) {
  auto topology = context.topology(deadline);
  if (topology || topology.error().category == ErrorCategory::kInvalidConfig) return topology;
  if (auto stored = context.storedTopology()) {
    spdlog::warn("{}: discovery could not complete ({}); acting on the stored scope", action,
                 topology.error().describe());
    return std::move(*stored);
  }
  return topology;
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

  auto topology = scopeForChange(context, deadline, "restore");
  if (!topology) return outcomeFromError(kAction, topology.error(), "restore: discovery");

  // Pre-flight: the ENI exists, is in the node's VPC (discovery checked), and
  // forwards traffic for the VIP (source/dest check off). A check we are not
  // allowed to make, or cannot make now, must not block a failover.
  auto sdc = engine::checkSourceDestCheck(config, node->name, context.factory(), deadline);
  if (!sdc) {
    if (sdc.error().category == ErrorCategory::kPermission) {
      spdlog::warn("restore: pre-flight source/dest check skipped: {}", sdc.error().describe());
    } else if (transient(sdc.error())) {
      spdlog::warn("restore: pre-flight source/dest check not possible now: {}",
                   sdc.error().describe());
    } else {
      return outcomeFromError(kAction, sdc.error(), "restore: pre-flight");
    }
  } else if (!sdc->ok()) {
    return outcome(kAction, Verdict::kFailed, "restore: pre-flight: " + sdc->message,
                   "pre-flight: " + sdc->message);
  } else if (sdc->fixed) {
    spdlog::warn("restore: {}", sdc->message);
  }

  auto options = engine::applyOptionsFrom(config);
  auto report =
      engine::applyFor(config, *topology, node->name, context.factory(), deadline, options);
  if (!report) return outcomeFromError(kAction, report.error(), "restore");
  for (const auto& r : report->routes) logRoute(r);
  std::string summary = fmt::format(
      "{} written, {} unchanged, {} failed, {} unknown, {} missing; {}",
      report->count(engine::RouteOutcome::kWritten),
      report->count(engine::RouteOutcome::kUnchanged), report->count(engine::RouteOutcome::kFailed),
      report->count(engine::RouteOutcome::kUnknown), report->count(engine::RouteOutcome::kMissing),
      engine::callsText(context.calls()));
  if (!report->homeRight()) {
    return outcome(kAction, Verdict::kFailed, "restore failed: home routes not right: " + summary,
                   "restore: " + homeRouteReason(*report));
  }
  if (!report->allRight()) {
    spdlog::warn("restore: remote routes left to repair: {}", summary);
  }
  return outcome(kAction, Verdict::kOk, "restore done: " + summary);
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
  auto topology = context.topology(deadline, /*allowCache=*/true);
  if (!topology) {
    return outcomeFromError(kAction, topology.error(), "quickCheck: cannot read the topology now");
  }
  engine::QuickCheckOptions options;
  options.repairRemote = checkOptions.repairRemote;
  options.apply = engine::applyOptionsFrom(config);
  auto report =
      engine::quickCheck(config, *topology, node->name, context.factory(), deadline, options);
  if (report && report->health == engine::Health::kUnhealthy && context.topologyFromCache()) {
    // The stored scope may be stale (a table replaced, an attachment gone):
    // judge the resource only on a fresh discovery.
    spdlog::info("quickCheck: unhealthy on the cached topology; rediscovering to confirm");
    context.invalidateTopology();
    topology = context.topology(deadline);
    if (!topology) {
      return outcomeFromError(kAction, topology.error(), "quickCheck: cannot rediscover now");
    }
    report =
        engine::quickCheck(config, *topology, node->name, context.factory(), deadline, options);
  }
  if (!report) return outcomeFromError(kAction, report.error(), "quickCheck");
  const HomeRoutes home = homeRoutesFrom(config, *topology, node->name, *report);
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
  return out;
}

ActionOutcome recover(Context& context) {
  constexpr Action kAction = Action::kRecover;
  const auto& config = context.config();
  auto node = context.localNode();
  if (!node) return outcomeFromError(kAction, node.error(), "recover");
  auto deadline = context.actionDeadline(config.aws.restoreTimeoutS);
  auto topology = scopeForChange(context, deadline, "recover");
  if (!topology) return outcomeFromError(kAction, topology.error(), "recover: discovery");
  auto planned = engine::planFor(config, *topology, node->name, context.factory(), deadline);
  if (!planned) return outcomeFromError(kAction, planned.error(), "recover");
  if (auto takeover =
          plan::detectTakeover(*topology, planned->read.state, config.vip, node->name)) {
    return takenOver(kAction, *takeover);
  }
  auto options = engine::applyOptionsFrom(config);
  auto report = engine::applyPlan(planned->plan, config.vip, context.factory(), deadline, options);
  for (const auto& r : report.routes) logRoute(r);
  std::string summary = fmt::format(
      "{} written, {} failed, {} unknown; {}", report.count(engine::RouteOutcome::kWritten),
      report.count(engine::RouteOutcome::kFailed), report.count(engine::RouteOutcome::kUnknown),
      engine::callsText(context.calls()));
  if (!report.homeRight()) {
    return outcome(kAction, Verdict::kFailed, "recover failed: " + summary,
                   "recover: " + homeRouteReason(report));
  }
  return outcome(kAction, Verdict::kOk, "recover done: " + summary);
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
