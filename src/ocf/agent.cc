#include "ocf/agent.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "app/identity.h"
#include "common/log.h"
#include "common/log_text.h"
#include "ocf/parameters.h"

extern char** environ;

namespace tgwark::ocf {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

namespace {

std::string env(const EnvLookup& lookup, const char* name, const std::string& fallback = "") {
  auto v = lookup(name);
  return v && !v->empty() ? *v : fallback;
}

std::optional<long long> parseCount(std::string_view text) {
  long long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

fs::path markerPath(const Parameters& p) {
  return fs::path(p.stateDir) / ((p.instance.empty() ? "tgwark" : p.instance) + ".active");
}

bool writeMarker(const fs::path& marker) {
  std::error_code ec;
  fs::create_directories(marker.parent_path(), ec);
  std::ofstream out(marker, std::ios::trunc);
  out << "started\n";
  return static_cast<bool>(out);
}

void removeMarker(const fs::path& marker) {
  std::error_code ec;
  fs::remove(marker, ec);
}

// The executable `name` on PATH (or in the sbin directories Pacemaker's own
// tools live in, which a minimal PATH may lack); empty when absent.
std::string findProgram(const EnvLookup& lookup, const std::string& name) {
  std::string path = env(lookup, "PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin";
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    if (!dir.empty()) {
      auto candidate = fs::path(dir) / name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
    start = end + 1;
  }
  return {};
}

// `crm_node -n`, killed when it does not answer within `timeout`: a hung
// cluster stack must not hang the agent past Pacemaker's own timeout.
std::optional<std::string> runCrmNode(const EnvLookup& lookup, milliseconds timeout) {
  std::string program = findProgram(lookup, "crm_node");
  if (program.empty()) return std::nullopt;
  int fds[2];
  if (::pipe(fds) != 0) return std::nullopt;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  std::string arg0 = "crm_node";
  std::string arg1 = "-n";
  char* argv[] = {arg0.data(), arg1.data(), nullptr};
  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, program.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    return std::nullopt;
  }
  std::string out;
  auto until = std::chrono::steady_clock::now() + timeout;
  bool timedOut = false;
  for (;;) {
    auto left = std::chrono::duration_cast<milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timedOut = true;
      break;
    }
    pollfd pfd{fds[0], POLLIN, 0};
    int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      timedOut = ready == 0;
      break;
    }
    char buf[256];
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  if (timedOut) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timedOut) {
    spdlog::warn("crm_node -n did not answer in {} ms", timeout.count());
    return std::nullopt;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  out = out.substr(0, out.find('\n'));
  while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) out.pop_back();
  if (out.empty()) return std::nullopt;
  return out;
}

int syslogFacility(const std::string& name) {
  static const std::pair<const char*, int> kFacilities[] = {
      {"daemon", LOG_DAEMON}, {"user", LOG_USER},     {"local0", LOG_LOCAL0},
      {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3},
      {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5}, {"local6", LOG_LOCAL6},
      {"local7", LOG_LOCAL7}};
  for (const auto& [n, f] : kFacilities) {
    if (name == n) return f;
  }
  return LOG_DAEMON;
}

// Where OCF agents log: syslog (HA_LOGFACILITY, "none" for no syslog) and
// HA_LOGFILE; debug with HA_debug=1. pacemaker-execd files everything on
// stderr as error output, so stderr gets only warnings and the exit reason.
void configureLogging(const EnvLookup& lookup, const AgentOptions& options,
                      const std::string& action, const std::string& instance) {
  LogOptions log;
  log.level = spdlog::level::info;
  if (options.verbosity <= -1) log.level = spdlog::level::warn;
  if (options.verbosity == 1 || env(lookup, "HA_debug") == "1") log.level = spdlog::level::debug;
  if (options.verbosity >= 2) log.level = spdlog::level::trace;
  log.stderrLevel = spdlog::level::warn;
  std::string facility = env(lookup, "HA_LOGFACILITY", "daemon");
  log.syslog = options.syslog || facility != "none";
  log.syslogFacility = syslogFacility(facility);
  log.file = env(lookup, "HA_LOGFILE");
  log.context = "ocf-" + action + (instance.empty() ? "" : " " + instance);
  initLogging(log);
}

bool isMonitor(const std::string& action) {
  return action == "monitor" || action == "status";
}

}  // namespace

std::string exitReasonText(std::string_view text) {
  std::string line;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view candidate = text.substr(start, end - start);
    if (candidate.find_first_not_of(" \t\r") != std::string_view::npos) {
      line = std::string(candidate);
      break;
    }
    start = end + 1;
  }
  std::string collapsed;
  for (char c : line) {
    bool space = std::isspace(static_cast<unsigned char>(c)) != 0;
    if (space && (collapsed.empty() || collapsed.back() == ' ')) continue;
    collapsed.push_back(space ? ' ' : c);
  }
  while (!collapsed.empty() && collapsed.back() == ' ') collapsed.pop_back();
  // The reason may quote untrusted text (a config value, an AWS message):
  // Pacemaker shows it in crm_mon and logs it, so no control characters or
  // invalid UTF-8 get through.
  std::string out = escapeForLog(collapsed, kLogMessageMaxBytes);
  if (out.size() <= kExitReasonMax) return out;
  std::size_t cut = kExitReasonMax - 3;
  // Never split a UTF-8 sequence (back up over continuation bytes) or an
  // escape ("\x1b", "\u2028": back up to its backslash).
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
  for (std::size_t back = 1; back <= 5 && back <= cut; ++back) {
    if (out[cut - back] == '\\') {
      cut -= back;
      break;
    }
  }
  return out.substr(0, cut) + "...";
}

std::string exitReasonFor(const app::ActionOutcome& outcome) {
  return exitReasonText(outcome.reason.empty() ? outcome.message : outcome.reason);
}

int exitCode(app::Action action, app::Verdict verdict) {
  (void)action;
  switch (verdict) {
    case app::Verdict::kOk:
    case app::Verdict::kUndeterminable: return kSuccess;
    case app::Verdict::kBadConfig: return kErrConfigured;
    case app::Verdict::kFailed:
    case app::Verdict::kTakenOver: return kErrGeneric;
  }
  return kErrGeneric;
}

int monitorExit(MonitorKind kind, const app::ActionOutcome& outcome, bool markerPresent) {
  using app::HomeRoutes;
  using app::Verdict;
  // Another node restored later: the resource is not running here. See
  // docs/pacemaker.md for why 7 and not 1.
  if (outcome.verdict == Verdict::kTakenOver) return kNotRunning;
  if (outcome.verdict == Verdict::kBadConfig) return kErrConfigured;
  if (kind == MonitorKind::kRecurring) return exitCode(outcome.action, outcome.verdict);
  switch (outcome.verdict) {
    case Verdict::kOk: return kSuccess;
    case Verdict::kFailed:
      if (outcome.home == HomeRoutes::kNoneHere) return kNotRunning;
      if (outcome.home == HomeRoutes::kSomeHere || outcome.home == HomeRoutes::kAllHere) {
        return kErrGeneric;
      }
      // No evidence from the routes: what this node last knew.
      return markerPresent ? kErrGeneric : kNotRunning;
    case Verdict::kUndeterminable: return markerPresent ? kSuccess : kNotRunning;
    default: return kErrGeneric;
  }
}

Result<std::optional<milliseconds>> budgetFromMetaTimeout(std::string_view value) {
  if (value.empty()) return std::optional<milliseconds>{};
  auto ms = parseCount(value);
  if (!ms || *ms == 0) {
    return makeError(
        ErrorCategory::kInvalid,
        fmt::format("CRM_meta_timeout={}: not a positive number of milliseconds", value));
  }
  milliseconds timeout(*ms);
  // Leave time to start the process, log and answer: a tenth, 1 s to 10 s.
  milliseconds margin = std::clamp(timeout / 10, milliseconds(1000), milliseconds(10000));
  if (margin >= timeout) margin = timeout / 2;
  return std::optional<milliseconds>(timeout - margin);
}

Result<Parameters> readParameters(const EnvLookup& lookup) {
  Parameters p;
  p.config = env(lookup, "OCF_RESKEY_config");
  p.node = env(lookup, "OCF_RESKEY_node");
  p.onNode = env(lookup, "OCF_RESKEY_CRM_meta_on_node");
  p.stateDir = env(lookup, "OCF_RESKEY_state_dir", "/run/tgwark");
  p.instance = env(lookup, "OCF_RESOURCE_INSTANCE");
  if (!p.config.empty() && p.config.front() != '/') {
    return makeError(ErrorCategory::kInvalid, "config=" + p.config + ": must be an absolute path");
  }
  if (p.stateDir.front() != '/') {
    return makeError(ErrorCategory::kInvalid,
                     "state_dir=" + p.stateDir + ": must be an absolute path");
  }
  if (p.node.find_first_of(" \t\n/") != std::string::npos) {
    return makeError(ErrorCategory::kInvalid, "node=" + p.node + ": not a node name");
  }
  // Pacemaker passes the interval in milliseconds; 0 is a probe. Pacemaker
  // 2.1 omits it for a probe (it sets it only for a recurring monitor), so
  // an action Pacemaker runs (it always passes crm_feature_set) without an
  // interval is a probe too. Unset outside Pacemaker (a manual run,
  // ocf-tester) is an ordinary monitor.
  if (auto featureSet = lookup("OCF_RESKEY_crm_feature_set"); featureSet && !featureSet->empty()) {
    p.monitorKind = MonitorKind::kProbe;
  }
  if (auto interval = lookup("OCF_RESKEY_CRM_meta_interval"); interval && !interval->empty()) {
    auto ms = parseCount(*interval);
    if (!ms) {
      return makeError(ErrorCategory::kInvalid,
                       "CRM_meta_interval=" + *interval + ": not a number of milliseconds");
    }
    p.monitorKind = *ms == 0 ? MonitorKind::kProbe : MonitorKind::kRecurring;
  }
  auto budget = budgetFromMetaTimeout(env(lookup, "OCF_RESKEY_CRM_meta_timeout"));
  if (!budget) return std::unexpected(budget.error());
  p.budget = *budget;
  return p;
}

int runAction(const std::string& action, const AgentOptions& options, AgentWorld world) {
  if (!world.env) world.env = processEnvironment();
  if (!world.loadContext) world.loadContext = app::loadContext;
  if (!world.clusterNodeName) {
    world.clusterNodeName = [lookup = world.env] { return runCrmNode(lookup, milliseconds(5000)); };
  }
  if (!world.exitReason) {
    world.exitReason = [](const std::string& text) {
      // Pacemaker shows this line in `crm_mon` as the failure reason.
      std::fprintf(stderr, "ocf-exit-reason:%s\n", exitReasonText(text).c_str());
    };
  }
  const EnvLookup& lookup = world.env;
  auto reason = [&](const std::string& text) { world.exitReason(exitReasonText(text)); };

  if (action == "meta-data") {
    std::cout << metadataXml();
    return kSuccess;
  }
  if (action == "methods") {
    std::cout << "start\nstop\nmonitor\nreload-agent\nvalidate-all\nmeta-data\nmethods\n";
    return kSuccess;
  }
  if (action != "start" && action != "stop" && !isMonitor(action) && action != "validate-all" &&
      action != "reload-agent") {
    reason("unsupported action " + action);
    return kErrUnimplemented;
  }
  std::string instance = env(lookup, "OCF_RESOURCE_INSTANCE");
  if (world.configureLogging) configureLogging(lookup, options, action, instance);

  auto params = readParameters(lookup);
  if (action == "stop") {
    // stop must succeed without AWS: a failed stop gets the node fenced. Even
    // malformed parameters do not fail it.
    Parameters where;
    where.stateDir = env(lookup, "OCF_RESKEY_state_dir", "/run/tgwark");
    where.instance = instance;
    if (where.stateDir.front() == '/') removeMarker(markerPath(where));
    spdlog::info("stop: no AWS change (the next start rewrites every route)");
    return kSuccess;
  }
  if (!params) {
    reason(params.error().message);
    return kErrArgs;
  }
  auto configParams = readConfigParameters(lookup);
  if (!configParams) {
    reason(configParams.error().message);
    return kErrArgs;
  }
  if (!options.config.empty()) params->config = options.config;
  if (!options.node.empty()) params->node = options.node;
  const fs::path marker = markerPath(*params);
  const bool markerPresent = fs::exists(marker);
  const bool probe = isMonitor(action) && params->monitorKind == MonitorKind::kProbe;

  // A recurring monitor runs only where Pacemaker started the resource; with
  // no marker it was stopped here (stop changes nothing in AWS, so only the
  // marker can say so).
  if (isMonitor(action) && !probe && !markerPresent) return kNotRunning;

  app::LoadOptions load;
  load.settings = std::move(configParams->settings);
  load.settingsSource = "resource parameters";
  // The parameters are the whole configuration when they describe the
  // cluster and no file is named; else they go over the file's values.
  load.noFile = params->config.empty() && configParams->definesConfig;
  if (load.noFile) {
    // Wrong on every node: the same parameters reach them all.
    const char* missing = !configParams->hasVip     ? "vip (or ip)"
                          : !configParams->hasNodes ? "nodes"
                                                    : nullptr;
    if (missing) {
      reason(fmt::format("parameter {} is required (no config file is set)", missing));
      return kErrConfigured;
    }
  } else {
    // Node-local: a config file missing or unreadable here fails this node only.
    app::ConfigSource source = app::resolveConfigPath(params->config, "", lookup, {});
    if (::access(source.path.c_str(), R_OK) != 0) {
      reason(fmt::format("config {} not readable on this node: {}", source.path,
                         std::strerror(errno)));
      return kErrInstalled;
    }
    load.configFlag = source.path;
  }
  load.nodeFlag = params->node;
  load.nodeLookup.flagName = "node parameter";
  load.nodeLookup.hint = "set the resource's node parameter";
  load.nodeLookup.clusterNodeName = params->onNode;
  if (params->node.empty() && params->onNode.empty()) {
    load.nodeLookup.clusterNodeName = world.clusterNodeName().value_or("");
  }
  load.actionTimeout = params->budget;
  load.env = lookup;
  auto context = world.loadContext(std::move(load));
  if (!context) {
    reason(context.error().message);
    return context.error().category == ErrorCategory::kInvalidConfig ? kErrConfigured : kErrGeneric;
  }

  // Which node this is depends on this node's config file, metadata and
  // name: a failure is this node's alone.
  auto node = (*context)->localNode();
  if (!node && node.error().category == ErrorCategory::kInvalidConfig) {
    reason(node.error().message);
    return kErrInstalled;
  }

  if (action == "validate-all" || action == "reload-agent") {
    if (!node) {
      reason(node.error().message);
      return kErrGeneric;
    }
    if (action == "reload-agent") {
      // Every action reads the parameters afresh: once they are checked, the
      // next monitor already runs with them (and the topology store is keyed
      // by them). Nothing in AWS changes.
      spdlog::info("reload-agent: parameters checked; the next monitor applies them");
    }
    return kSuccess;
  }

  if (action == "start") {
    auto outcome = app::restore(**context);
    spdlog::info("{}", outcome.message);
    int rc = exitCode(outcome.action, outcome.verdict);
    if (rc != kSuccess) {
      reason(exitReasonFor(outcome));
      return rc;
    }
    if (!writeMarker(marker)) {
      reason("cannot write state marker " + marker.string());
      return kErrPerm;
    }
    return kSuccess;
  }

  // monitor: a probe only reads; a recurring monitor repairs remote drift.
  app::CheckOptions check;
  check.repairRemote = !probe && configParams->repairRemote;
  auto outcome = app::quickCheck(**context, check);
  int rc =
      monitorExit(probe ? MonitorKind::kProbe : MonitorKind::kRecurring, outcome, markerPresent);
  // A probe finding the resource elsewhere is the normal answer of every
  // passive node, not a warning for pacemaker-execd's error output; a probe
  // that could not read the routes is.
  if (rc == kSuccess || (probe && rc == kNotRunning && outcome.home != app::HomeRoutes::kUnknown)) {
    spdlog::info("{}", outcome.message);
  } else {
    spdlog::warn("{}", outcome.message);
  }
  if (rc == kSuccess && probe && !markerPresent) {
    // The routes serve this node: Pacemaker now counts the resource as
    // running here, so the recurring monitor and stop must find the marker.
    spdlog::info("probe: the routes serve this node; adopting the resource");
    writeMarker(marker);
  }
  if (rc == kNotRunning && markerPresent) removeMarker(marker);
  if (rc != kSuccess && !(probe && rc == kNotRunning)) reason(exitReasonFor(outcome));
  return rc;
}

}  // namespace tgwark::ocf
