#include "app/actions.h"

#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include "engine/engine.h"
#include "plan/takeover.h"

namespace tgwark::app {

namespace {

ActionOutcome outcome(Action action, Verdict verdict, std::string message) {
  return ActionOutcome{action, verdict, std::move(message), std::nullopt};
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
                             actionName(action), takeover.byNode, takeover.evidence));
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
  if (action == Action::kQuickCheck &&
      (transient(error) || error.category == ErrorCategory::kPermission)) {
    return Verdict::kUndeterminable;
  }
  return Verdict::kFailed;
}

ActionOutcome outcomeFromError(Action action, const Error& error, std::string_view what) {
  ActionOutcome out = outcome(action, verdictForError(action, error),
                              fmt::format("{}: {}", what, error.describe()));
  out.error = error;
  return out;
}

ActionOutcome restore(Context& context) {
  constexpr Action kAction = Action::kRestore;
  const auto& config = context.config();
  auto node = context.localNode();
  if (!node) return outcomeFromError(kAction, node.error(), "restore");
  auto deadline = context.deadlineAfterSeconds(config.aws.restoreTimeoutS);
  spdlog::info("restore: making {} active for VIP {} (deadline {} s)", node->name,
               config.vipDestination(), config.aws.restoreTimeoutS);

  auto topology = context.topology(deadline);
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
    return outcome(kAction, Verdict::kFailed, "restore: pre-flight: " + sdc->message);
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
    return outcome(kAction, Verdict::kFailed, "restore failed: home routes not right: " + summary);
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

ActionOutcome quickCheck(Context& context) {
  constexpr Action kAction = Action::kQuickCheck;
  const auto& config = context.config();
  auto node = context.localNode();
  if (!node) return outcomeFromError(kAction, node.error(), "quickCheck");
  auto deadline = context.deadlineAfterSeconds(config.aws.quickcheckTimeoutS);
  auto topology = context.topology(deadline, /*allowCache=*/true);
  if (!topology) {
    return outcomeFromError(kAction, topology.error(), "quickCheck: cannot read the topology now");
  }
  engine::QuickCheckOptions options;
  options.repairRemote = true;
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
  if (report->takeover) return takenOver(kAction, *report->takeover);
  for (const auto& c : report->homeProblems) logChange(true, c);
  for (const auto& c : report->remoteProblems) logChange(false, c);
  if (report->repair) {
    for (const auto& r : report->repair->routes) logRoute(r);
  }
  std::string summary = report->summary + "; " + engine::callsText(context.calls());
  switch (report->health) {
    case engine::Health::kHealthy: return outcome(kAction, Verdict::kOk, "quickCheck " + summary);
    case engine::Health::kUndeterminable:
      return outcome(kAction, Verdict::kUndeterminable, "quickCheck " + summary);
    case engine::Health::kUnhealthy:
      return outcome(kAction, Verdict::kFailed, "quickCheck " + summary);
  }
  return outcome(kAction, Verdict::kFailed, "quickCheck: unexpected state");
}

ActionOutcome recover(Context& context) {
  constexpr Action kAction = Action::kRecover;
  const auto& config = context.config();
  auto node = context.localNode();
  if (!node) return outcomeFromError(kAction, node.error(), "recover");
  auto deadline = context.deadlineAfterSeconds(config.aws.restoreTimeoutS);
  auto topology = context.topology(deadline);
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
  if (!report.homeRight()) return outcome(kAction, Verdict::kFailed, "recover failed: " + summary);
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
