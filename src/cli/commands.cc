// The bodies of the tgwark commands. Each opens a Session (config, logging,
// clients), calls the engine, renders the report, and returns the exit code.
#include "cli/commands.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/metrics.h"
#include "cli/render.h"
#include "cli/session.h"
#include "cli/table.h"
#include "engine/engine.h"
#include "lifekeeper/actions.h"
#include "lifekeeper/install.h"
#include "ocf/agent.h"

namespace tgwark::cli {

namespace {

void printJson(const nlohmann::json& j) {
  std::cout << j.dump(2) << "\n";
}

int runLifekeeperAction(const GlobalOptions& g, const std::string& action,
                        lifekeeper::ActionOutcome (*fn)(Session&)) {
  MetricsScope metrics(g, action);
  auto session = Session::open(g, action);
  if (!session) {
    if (action == "remove") {
      // remove never fails (SEMANTICS.md); it has nothing to do in AWS anyway.
      spdlog::warn("remove: {}; nothing to do", session.error().describe());
      return metrics.exit(kExitOk);
    }
    return reportError(session.error(), action);
  }
  metrics.attach(**session);
  auto outcome = fn(**session);
  int rc = lifekeeper::lifekeeperExitCode(action, outcome);
  switch (outcome.status) {
    case lifekeeper::ActionStatus::kOk: spdlog::info("{}", outcome.message); break;
    case lifekeeper::ActionStatus::kUndeterminable:
      spdlog::warn("{} (not a failure: checked again next interval)", outcome.message);
      break;
    default: spdlog::error("{}", outcome.message); break;
  }
  if (g.json) {
    printJson({{"action", action},
               {"exit_code", rc},
               {"message", outcome.message},
               {"calls", callsJson((*session)->calls())}});
  }
  return metrics.exit(rc);
}

std::string selfPath() {
  char buf[PATH_MAX] = {};
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string("/usr/bin/tgwark");
}

}  // namespace

int cmdRestore(const GlobalOptions& g) {
  return runLifekeeperAction(g, "restore", &lifekeeper::restore);
}
int cmdRemove(const GlobalOptions& g) {
  return runLifekeeperAction(g, "remove", &lifekeeper::remove);
}
int cmdQuickCheck(const GlobalOptions& g) {
  return runLifekeeperAction(g, "quickCheck", &lifekeeper::quickCheck);
}
int cmdRecover(const GlobalOptions& g) {
  return runLifekeeperAction(g, "recover", &lifekeeper::recover);
}

int cmdApply(const GlobalOptions& g, const ActiveOptions& o) {
  MetricsScope metrics(g, "apply");
  auto session = Session::open(g, "apply");
  if (!session) return reportError(session.error(), "apply");
  auto& s = **session;
  metrics.attach(s);
  if (s.config().findNode(o.active) == nullptr) {
    return reportError(
        Error{ErrorCategory::kInvalidConfig,
              fmt::format("--active {}: no such node in {}", o.active, s.config().sourceName)},
        "apply");
  }
  auto deadline = s.deadlineAfterSeconds(s.config().aws.restoreTimeoutS);
  auto topology = s.topology(deadline);
  if (!topology) return reportError(topology.error(), "apply: discovery");
  auto options = engine::applyOptionsFrom(s.config());
  options.dryRun = o.dryRun;
  auto report = engine::applyFor(s.config(), *topology, o.active, s.factory(), deadline, options);
  if (!report) return reportError(report.error(), "apply");
  metrics.setRoutes(routeCounts(*report));
  if (g.json) {
    printJson(applyJson(*report));
  } else {
    std::cout << applyText(*report, stdoutWantsColour());
  }
  if (o.dryRun) return metrics.exit(kExitOk);
  return metrics.exit(report->allRight() ? kExitOk : kExitFailed);
}

int cmdPlan(const GlobalOptions& g, const ActiveOptions& o) {
  MetricsScope metrics(g, "plan");
  auto session = Session::open(g, "plan");
  if (!session) return reportError(session.error(), "plan");
  auto& s = **session;
  metrics.attach(s);
  if (s.config().findNode(o.active) == nullptr) {
    return reportError(
        Error{ErrorCategory::kInvalidConfig,
              fmt::format("--active {}: no such node in {}", o.active, s.config().sourceName)},
        "plan");
  }
  auto deadline = s.deadlineAfterSeconds(s.config().aws.restoreTimeoutS);
  auto topology = s.topology(deadline);
  if (!topology) return reportError(topology.error(), "plan: discovery");
  auto planned = engine::planFor(s.config(), *topology, o.active, s.factory(), deadline);
  if (!planned) return reportError(planned.error(), "plan");
  metrics.setRoutes(routeCounts(planned->plan));
  if (g.json) {
    auto j = planJson(planned->plan);
    j["calls"] = callsJson(s.calls());
    printJson(j);
  } else {
    std::cout << planText(planned->plan, stdoutWantsColour());
  }
  return metrics.exit(kExitOk);
}

int cmdStatus(const GlobalOptions& g) {
  MetricsScope metrics(g, "status");
  auto session = Session::open(g, "status");
  if (!session) return reportError(session.error(), "status");
  auto& s = **session;
  metrics.attach(s);
  auto deadline = s.deadlineAfterSeconds(s.config().aws.quickcheckTimeoutS);
  auto topology = s.topology(deadline);
  if (!topology) return reportError(topology.error(), "status: discovery");
  auto report = engine::status(s.config(), *topology, s.factory(), deadline);
  if (!report) return reportError(report.error(), "status");
  metrics.setRoutes(routeCounts(*report));
  if (g.json) {
    printJson(statusJson(*report));
  } else {
    std::cout << statusText(*report, stdoutWantsColour());
  }
  return metrics.exit(report->consistent() ? kExitOk : kExitFailed);
}

int cmdVerify(const GlobalOptions& g, const ActiveOptions& o) {
  MetricsScope metrics(g, "verify");
  auto session = Session::open(g, "verify");
  if (!session) return reportError(session.error(), "verify");
  auto& s = **session;
  metrics.attach(s);
  if (!o.active.empty() && s.config().findNode(o.active) == nullptr) {
    return reportError(
        Error{ErrorCategory::kInvalidConfig,
              fmt::format("--active {}: no such node in {}", o.active, s.config().sourceName)},
        "verify");
  }
  auto deadline = s.deadlineAfterSeconds(s.config().aws.quickcheckTimeoutS);
  auto topology = s.topology(deadline);
  if (!topology) return reportError(topology.error(), "verify: discovery");
  std::optional<std::string> active;
  if (!o.active.empty()) active = o.active;
  auto report = engine::verify(s.config(), *topology, s.factory(), deadline, active);
  if (!report) return reportError(report.error(), "verify");
  if (g.json) {
    printJson(verifyJson(*report));
  } else {
    std::cout << verifyText(*report, stdoutWantsColour());
  }
  return metrics.exit(report->ok ? kExitOk : kExitFailed);
}

int cmdDiscover(const GlobalOptions& g) {
  MetricsScope metrics(g, "discover");
  auto session = Session::open(g, "discover");
  if (!session) return reportError(session.error(), "discover");
  auto& s = **session;
  metrics.attach(s);
  auto deadline = s.deadlineAfterSeconds(s.config().aws.restoreTimeoutS);
  auto topology = s.topology(deadline);
  if (!topology) return reportError(topology.error(), "discover");
  if (g.json) {
    auto j = topologyJson(*topology);
    j["calls"] = callsJson(s.calls());
    printJson(j);
  } else {
    std::cout << topologyToml(*topology);
  }
  return metrics.exit(kExitOk);
}

int cmdOcf(const GlobalOptions& g, const std::string& action) {
  MetricsScope metrics(g, "ocf " + action);
  return metrics.exit(ocf::runAction(action, g));
}

int cmdLifekeeperInstall(const GlobalOptions& g, const LifekeeperInstallOptions& o) {
  lifekeeper::InstallOptions options;
  options.tag = o.tag;
  options.directory = o.directory;
  options.ipResourceTag = o.ipResource;
  options.tgwarkPath = selfPath();
  if (!g.config.empty()) {
    // Validate the config now, so a typo is found at install time, not at failover.
    auto config = model::loadConfigFile(g.config);
    if (!config) return reportError(config.error(), "lifekeeper install");
    char buf[PATH_MAX] = {};
    options.configPath = ::realpath(g.config.c_str(), buf) != nullptr ? buf : g.config;
    options.createMissing = config->createMissing;
    options.fixSourceDestCheck = config->fixSourceDestCheck;
  }
  auto result = lifekeeper::installScripts(options);
  if (!result) return reportError(result.error(), "lifekeeper install");
  std::cout << lifekeeper::setupInstructions(options, *result);
  return kExitOk;
}

}  // namespace tgwark::cli
