#include "lifekeeper/actions.h"

#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include "cli/render.h"
#include "engine/engine.h"
#include "plan/takeover.h"

namespace tgwark::lifekeeper {

namespace {

ActionOutcome fail(ActionStatus status, std::string message) {
  return ActionOutcome{status, std::move(message)};
}

ActionOutcome fromError(const Error& error, const std::string& what) {
  ActionStatus status = error.category == ErrorCategory::kInvalidConfig ? ActionStatus::kBadConfig
                                                                        : ActionStatus::kFailed;
  return fail(status, fmt::format("{}: {}", what, error.describe()));
}

// An API that cannot answer now is not the resource's fault (SEMANTICS.md):
// timeouts, throttling, unreachable endpoints.
bool transient(const Error& error) {
  return error.retryable() || error.category == ErrorCategory::kDeadlineExceeded;
}

void logRoute(const engine::RouteResult& r) {
  const auto& c = r.change;
  std::string line = fmt::format(
      "{} {} {} {} -> {}: {}{}", c.desired.home() ? "home" : "remote", c.desired.region,
      cli::tableKindText(c.desired.tableKind), c.desired.tableId, cli::targetText(c.desired.target),
      engine::routeOutcomeName(r.outcome), r.error ? " (" + r.error->describe() + ")" : "");
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

}  // namespace

ActionOutcome restore(cli::Session& session) {
  const auto& config = session.config();
  auto node = session.localNode();
  if (!node) return fromError(node.error(), "restore");
  auto deadline = session.deadlineAfterSeconds(config.aws.restoreTimeoutS);
  spdlog::info("restore: making {} active for VIP {} (deadline {} s)", node->name,
               config.vipDestination(), config.aws.restoreTimeoutS);

  auto topology = session.topology(deadline);
  if (!topology) return fromError(topology.error(), "restore: discovery");

  // Pre-flight: the ENI exists, is in the node's VPC (discovery checked), and
  // forwards traffic for the VIP (source/dest check off).
  auto sdc = engine::checkSourceDestCheck(config, node->name, session.factory(), deadline);
  if (!sdc) {
    if (sdc.error().category == ErrorCategory::kPermission) {
      spdlog::warn("restore: pre-flight source/dest check skipped: {}", sdc.error().describe());
    } else if (transient(sdc.error())) {
      spdlog::warn("restore: pre-flight source/dest check not possible now: {}",
                   sdc.error().describe());
    } else {
      return fromError(sdc.error(), "restore: pre-flight");
    }
  } else if (!sdc->ok()) {
    return fail(ActionStatus::kFailed, "restore: pre-flight: " + sdc->message);
  } else if (sdc->fixed) {
    spdlog::warn("restore: {}", sdc->message);
  }

  auto options = engine::applyOptionsFrom(config);
  auto report =
      engine::applyFor(config, *topology, node->name, session.factory(), deadline, options);
  if (!report) return fromError(report.error(), "restore");
  for (const auto& r : report->routes) logRoute(r);
  std::string summary = fmt::format(
      "{} written, {} unchanged, {} failed, {} unknown, {} missing; {}",
      report->count(engine::RouteOutcome::kWritten),
      report->count(engine::RouteOutcome::kUnchanged), report->count(engine::RouteOutcome::kFailed),
      report->count(engine::RouteOutcome::kUnknown), report->count(engine::RouteOutcome::kMissing),
      cli::callsText(session.calls()));
  if (!report->homeRight()) {
    return fail(ActionStatus::kFailed, "restore failed: home routes not right: " + summary);
  }
  if (!report->allRight()) {
    spdlog::warn("restore: remote routes left to repair: {}", summary);
  }
  return ActionOutcome{ActionStatus::kOk, "restore done: " + summary};
}

ActionOutcome remove(cli::Session& session) {
  (void)session;
  return ActionOutcome{ActionStatus::kOk,
                       "remove: no AWS change (the next restore rewrites every route)"};
}

ActionOutcome quickCheck(cli::Session& session) {
  const auto& config = session.config();
  auto node = session.localNode();
  if (!node) {
    if (transient(node.error())) {
      return fail(ActionStatus::kUndeterminable, "quickCheck: " + node.error().describe());
    }
    return fromError(node.error(), "quickCheck");
  }
  auto deadline = session.deadlineAfterSeconds(config.aws.quickcheckTimeoutS);
  auto topology = session.topology(deadline, /*allowCache=*/true);
  if (!topology) {
    if (transient(topology.error()) || topology.error().category == ErrorCategory::kPermission) {
      return fail(ActionStatus::kUndeterminable,
                  "quickCheck: cannot read the topology now: " + topology.error().describe());
    }
    return fromError(topology.error(), "quickCheck: discovery");
  }
  engine::QuickCheckOptions options;
  options.repairRemote = true;
  options.apply = engine::applyOptionsFrom(config);
  auto report =
      engine::quickCheck(config, *topology, node->name, session.factory(), deadline, options);
  if (report && report->health == engine::Health::kUnhealthy && session.topologyFromCache()) {
    // The cached scope may be stale (a table replaced, an attachment gone):
    // judge the resource only on a fresh discovery.
    spdlog::info("quickCheck: unhealthy on the cached topology; rediscovering to confirm");
    session.invalidateTopology();
    topology = session.topology(deadline);
    if (!topology) {
      if (transient(topology.error())) {
        return fail(ActionStatus::kUndeterminable,
                    "quickCheck: cannot rediscover now: " + topology.error().describe());
      }
      return fromError(topology.error(), "quickCheck: discovery");
    }
    report =
        engine::quickCheck(config, *topology, node->name, session.factory(), deadline, options);
  }
  if (!report) {
    if (transient(report.error())) {
      return fail(ActionStatus::kUndeterminable, "quickCheck: " + report.error().describe());
    }
    return fromError(report.error(), "quickCheck");
  }
  if (report->takeover) {
    return fail(ActionStatus::kTakenOver,
                fmt::format("quickCheck: routes were taken over by {} ({}); not reclaiming them",
                            report->takeover->byNode, report->takeover->evidence));
  }
  for (const auto& c : report->homeProblems) {
    spdlog::error("home {} {} {}: {} (wants {})", c.desired.region,
                  cli::tableKindText(c.desired.tableKind), c.desired.tableId,
                  plan::changeKindName(c.kind), cli::targetText(c.desired.target));
  }
  for (const auto& c : report->remoteProblems) {
    spdlog::warn("remote {} {} {}: {} (wants {})", c.desired.region,
                 cli::tableKindText(c.desired.tableKind), c.desired.tableId,
                 plan::changeKindName(c.kind), cli::targetText(c.desired.target));
  }
  if (report->repair) {
    for (const auto& r : report->repair->routes) logRoute(r);
  }
  std::string summary = report->summary + "; " + cli::callsText(session.calls());
  switch (report->health) {
    case engine::Health::kHealthy: return ActionOutcome{ActionStatus::kOk, "quickCheck " + summary};
    case engine::Health::kUndeterminable:
      return fail(ActionStatus::kUndeterminable, "quickCheck " + summary);
    case engine::Health::kUnhealthy: return fail(ActionStatus::kFailed, "quickCheck " + summary);
  }
  return fail(ActionStatus::kFailed, "quickCheck: unexpected state");
}

ActionOutcome recover(cli::Session& session) {
  const auto& config = session.config();
  auto node = session.localNode();
  if (!node) return fromError(node.error(), "recover");
  auto deadline = session.deadlineAfterSeconds(config.aws.restoreTimeoutS);
  auto topology = session.topology(deadline);
  if (!topology) return fromError(topology.error(), "recover: discovery");
  auto planned = engine::planFor(config, *topology, node->name, session.factory(), deadline);
  if (!planned) return fromError(planned.error(), "recover");
  if (auto takeover =
          plan::detectTakeover(*topology, planned->read.state, config.vip, node->name)) {
    return fail(ActionStatus::kTakenOver,
                fmt::format("recover: routes were taken over by {} ({}); not reclaiming them",
                            takeover->byNode, takeover->evidence));
  }
  auto options = engine::applyOptionsFrom(config);
  auto report = engine::applyPlan(planned->plan, config.vip, session.factory(), deadline, options);
  for (const auto& r : report.routes) logRoute(r);
  std::string summary = fmt::format(
      "{} written, {} failed, {} unknown; {}", report.count(engine::RouteOutcome::kWritten),
      report.count(engine::RouteOutcome::kFailed), report.count(engine::RouteOutcome::kUnknown),
      cli::callsText(session.calls()));
  if (!report.homeRight()) return fail(ActionStatus::kFailed, "recover failed: " + summary);
  return ActionOutcome{ActionStatus::kOk, "recover done: " + summary};
}

int lifekeeperExitCode(const std::string& action, const ActionOutcome& outcome) {
  switch (outcome.status) {
    case ActionStatus::kOk: return 0;
    case ActionStatus::kUndeterminable: return action == "quickCheck" ? 0 : 1;
    case ActionStatus::kBadConfig: return action == "remove" ? 0 : 2;
    case ActionStatus::kFailed:
    case ActionStatus::kTakenOver: return action == "remove" ? 0 : 1;
  }
  return 1;
}

}  // namespace tgwark::lifekeeper
