// The bodies of the tgwark commands. Each opens a Session (the app core's
// context: config, logging, clients), calls the app core or the engine,
// renders the report, and returns the exit code.
#include "cli/commands.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/actions.h"
#include "cli/metrics.h"
#include "cli/progress.h"
#include "cli/render.h"
#include "cli/session.h"
#include "cli/table.h"
#include "common/log_text.h"
#include "engine/engine.h"
#include "lifekeeper/exit_codes.h"
#include "ocf/agent.h"

namespace tgwark::cli {

namespace {

// The LifeKeeper actions: open the context, run the action, and turn its
// verdict into LifeKeeper's exit code. A config that cannot be loaded is an
// outcome like any other (remove still succeeds: lifekeeper::exitCode).
int runLifekeeperAction(const GlobalOptions& g, app::Action action) {
  const std::string name(app::actionName(action));
  MetricsScope metrics(g, name);
  auto session = openSession(g, name);
  app::ActionOutcome outcome;
  if (session) {
    metrics.attach(**session);
    outcome = app::runAction(action, **session);
  } else {
    outcome = app::outcomeFromError(action, session.error(), name);
  }
  int rc = lifekeeper::exitCode(action, outcome.verdict);
  switch (outcome.verdict) {
    case app::Verdict::kOk:
      if (outcome.error) {
        spdlog::warn("{}; nothing to do", outcome.message);
      } else {
        spdlog::info("{}", outcome.message);
      }
      break;
    case app::Verdict::kUndeterminable:
      spdlog::warn("{} (not a failure: checked again next interval)", outcome.message);
      break;
    default: spdlog::error("{}", outcome.message); break;
  }
  if (g.json) {
    nlohmann::json j = {{"action", name}, {"ok", rc == 0}, {"message", outcome.message}};
    if (session) j["calls"] = callsJson((*session)->calls());
    if (outcome.error) j["error"] = errorDocument(*outcome.error)["error"];
    if (action != app::Action::kRemove) {
      auto behind = nlohmann::json::array();
      for (const auto& r : outcome.regionsLeftBehind) {
        behind.push_back({{"region", r.region},
                          {"reason", r.reason},
                          {"tables", r.tables},
                          {"detail", r.detail}});
      }
      j["regions_left_behind"] = std::move(behind);
    }
    printJsonDocument(j, rc);
  }
  if (action != app::Action::kRemove) {
    metrics.setRegionsLeftBehind(static_cast<int>(outcome.regionsLeftBehind.size()));
  }
  return metrics.exit(rc);
}

// What every reporting command starts with: a session, a checked --active
// node, the action's deadline, and the discovered topology.
struct Prepared {
  std::unique_ptr<Session> session;
  engine::Deadline deadline;
  model::Topology topology;
};

enum class Budget { kRestore, kQuickCheck };

// On failure the error is logged and the exit code returned.
std::expected<Prepared, int> prepare(const GlobalOptions& g, const std::string& action,
                                     MetricsScope& metrics, const std::string& active,
                                     Budget budget) {
  auto session = openSession(g, action);
  if (!session) return std::unexpected(reportError(session.error(), action));
  auto& s = **session;
  metrics.attach(s);
  if (!active.empty() && s.config().findNode(active) == nullptr) {
    return std::unexpected(
        reportError(Error{ErrorCategory::kInvalidConfig,
                          fmt::format("--active {}: no such node in {} (nodes: {})", active,
                                      s.config().sourceName, s.config().nodeNames())},
                    action));
  }
  auto deadline =
      s.deadlineAfterSeconds(budget == Budget::kRestore ? s.config().aws.restoreTimeoutS
                                                        : s.config().aws.quickcheckTimeoutS);
  Progress progress([&s] { return s.calls().total(); });
  progress.phase(fmt::format("{}: discovering the topology in {} region(s)", action,
                             s.config().allRegions().size()));
  auto topology = s.topology(deadline);
  progress.done();
  if (!topology) return std::unexpected(reportError(topology.error(), action + ": discovery"));
  return Prepared{std::move(*session), deadline, std::move(*topology)};
}

}  // namespace

int cmdRestore(const GlobalOptions& g) {
  return runLifekeeperAction(g, app::Action::kRestore);
}
// remove changes nothing in AWS and must succeed whatever state the node is
// in, so it reads nothing that could fail or block: no config (a FIFO, a dead
// NFS mount), no ins_list, no credentials.
int cmdRemove(const GlobalOptions& g) {
  const std::string name(app::actionName(app::Action::kRemove));
  MetricsScope metrics(g, name);
  startLogging(g, name);
  if (!g.config.empty()) spdlog::info("remove: --config {} not read", escapeForLog(g.config));
  const app::ActionOutcome outcome = app::remove();
  const int rc = lifekeeper::exitCode(app::Action::kRemove, outcome.verdict);
  spdlog::info("{}", outcome.message);
  if (g.json) {
    printJsonDocument(
        nlohmann::json{{"action", name}, {"ok", rc == 0}, {"message", outcome.message}}, rc);
  }
  return metrics.exit(rc);
}
int cmdQuickCheck(const GlobalOptions& g) {
  return runLifekeeperAction(g, app::Action::kQuickCheck);
}
int cmdRecover(const GlobalOptions& g) {
  return runLifekeeperAction(g, app::Action::kRecover);
}

int cmdApply(const GlobalOptions& g, const ActiveOptions& o) {
  MetricsScope metrics(g, "apply");
  auto prepared = prepare(g, "apply", metrics, o.active, Budget::kRestore);
  if (!prepared) return metrics.exit(prepared.error());
  auto& s = *prepared->session;
  const auto& deadline = prepared->deadline;
  const auto* topology = &prepared->topology;
  auto options = engine::applyOptionsFrom(s.config());
  options.dryRun = o.dryRun;
  Progress progress([&s] { return s.calls().total(); });
  progress.phase(
      fmt::format("apply {}: reading, writing and confirming {} route table(s)", o.active,
                  topology->managedVpcTables().size() + topology->managedTgwTables().size()));
  auto report = engine::applyFor(s.config(), *topology, o.active, s.factory(), deadline, options);
  progress.done();
  if (!report) return metrics.exit(reportError(report.error(), "apply"));
  metrics.setRoutes(routeCounts(*report));
  const int rc = o.dryRun || report->allRight() ? kExitOk : kExitFailed;
  if (g.json) {
    printJsonDocument(applyJson(*report), rc);
  } else {
    std::cout << applyText(*report, stdoutWantsColour());
  }
  return metrics.exit(rc);
}

int cmdPlan(const GlobalOptions& g, const ActiveOptions& o) {
  MetricsScope metrics(g, "plan");
  auto prepared = prepare(g, "plan", metrics, o.active, Budget::kRestore);
  if (!prepared) return metrics.exit(prepared.error());
  auto& s = *prepared->session;
  const auto& deadline = prepared->deadline;
  const auto* topology = &prepared->topology;
  auto planned = engine::planFor(s.config(), *topology, o.active, s.factory(), deadline);
  if (!planned) return metrics.exit(reportError(planned.error(), "plan"));
  metrics.setRoutes(routeCounts(planned->plan));
  if (g.json) {
    auto j = planJson(planned->plan);
    j["calls"] = callsJson(s.calls());
    printJsonDocument(j, kExitOk);
  } else {
    std::cout << planText(planned->plan, stdoutWantsColour());
  }
  return metrics.exit(kExitOk);
}

int cmdStatus(const GlobalOptions& g) {
  MetricsScope metrics(g, "status");
  auto prepared = prepare(g, "status", metrics, "", Budget::kQuickCheck);
  if (!prepared) return metrics.exit(prepared.error());
  auto& s = *prepared->session;
  const auto& deadline = prepared->deadline;
  const auto* topology = &prepared->topology;
  auto report = engine::status(s.config(), *topology, s.factory(), deadline);
  if (!report) return metrics.exit(reportError(report.error(), "status"));
  metrics.setRoutes(routeCounts(*report));
  const int rc = report->consistent() ? kExitOk : kExitFailed;
  if (g.json) {
    printJsonDocument(statusJson(*report, topology->staleRegions), rc);
  } else {
    std::cout << statusText(*report, stdoutWantsColour(), topology->staleRegions);
  }
  return metrics.exit(rc);
}

int cmdVerify(const GlobalOptions& g, const ActiveOptions& o) {
  MetricsScope metrics(g, "verify");
  auto prepared = prepare(g, "verify", metrics, o.active, Budget::kQuickCheck);
  if (!prepared) return metrics.exit(prepared.error());
  auto& s = *prepared->session;
  const auto& deadline = prepared->deadline;
  const auto* topology = &prepared->topology;
  std::optional<std::string> active;
  if (!o.active.empty()) active = o.active;
  auto report = engine::verify(s.config(), *topology, s.factory(), deadline, active);
  if (!report) return metrics.exit(reportError(report.error(), "verify"));
  const int rc = report->ok ? kExitOk : kExitFailed;
  if (g.json) {
    printJsonDocument(verifyJson(*report), rc);
  } else {
    std::cout << verifyText(*report, stdoutWantsColour());
  }
  return metrics.exit(rc);
}

int cmdDiscover(const GlobalOptions& g) {
  MetricsScope metrics(g, "discover");
  auto prepared = prepare(g, "discover", metrics, "", Budget::kRestore);
  if (!prepared) return metrics.exit(prepared.error());
  auto& s = *prepared->session;
  const auto* topology = &prepared->topology;
  if (g.json) {
    auto j = topologyJson(*topology);
    j["ok"] = true;
    j["calls"] = callsJson(s.calls());
    printJsonDocument(j, kExitOk);
  } else {
    std::cout << topologyToml(*topology);
  }
  return metrics.exit(kExitOk);
}

int cmdOcf(const GlobalOptions& g, const std::string& action) {
  MetricsScope metrics(g, "ocf " + action);
  ocf::AgentOptions options;
  options.config = g.config;
  options.node = g.node;
  options.verbosity = g.verbosity;
  options.syslog = g.syslog;
  return metrics.exit(ocf::runAction(action, options));
}

}  // namespace tgwark::cli
