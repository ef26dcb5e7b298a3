#include "ocf/agent.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "app/context.h"
#include "common/env.h"
#include "common/log.h"

namespace tgwark::ocf {

namespace fs = std::filesystem;

namespace {

// Pacemaker shows this line in `crm_mon` as the failure reason.
void exitReason(const std::string& text) {
  std::fprintf(stderr, "ocf-exit-reason:%s\n", text.c_str());
}

std::string env(const EnvLookup& lookup, const char* name, const std::string& fallback = "") {
  auto v = lookup(name);
  return v && !v->empty() ? *v : fallback;
}

fs::path markerPath(const EnvLookup& lookup) {
  std::string dir = env(lookup, "OCF_RESKEY_state_dir", "/run/tgwark");
  std::string instance = env(lookup, "OCF_RESOURCE_INSTANCE", "tgwark");
  return fs::path(dir) / (instance + ".active");
}

bool writeMarker(const fs::path& marker) {
  std::error_code ec;
  fs::create_directories(marker.parent_path(), ec);
  std::ofstream out(marker, std::ios::trunc);
  out << "started\n";
  return static_cast<bool>(out);
}

spdlog::level::level_enum levelFor(int verbosity) {
  if (verbosity <= -1) return spdlog::level::warn;
  if (verbosity == 1) return spdlog::level::debug;
  if (verbosity >= 2) return spdlog::level::trace;
  return spdlog::level::info;
}

int finish(const app::ActionOutcome& outcome) {
  if (outcome.verdict == app::Verdict::kUndeterminable) {
    spdlog::warn("{}", outcome.message);
  } else {
    spdlog::info("{}", outcome.message);
  }
  int rc = exitCode(outcome.action, outcome.verdict);
  if (rc != kSuccess) exitReason(outcome.message);
  return rc;
}

}  // namespace

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

int runAction(const std::string& action, const AgentOptions& options) {
  if (action == "meta-data") {
    std::cout << metadataXml();
    return kSuccess;
  }
  if (action == "methods") {
    std::cout << "start\nstop\nmonitor\nvalidate-all\nmeta-data\nmethods\n";
    return kSuccess;
  }
  if (action != "start" && action != "stop" && action != "monitor" && action != "status" &&
      action != "validate-all") {
    exitReason("unsupported action " + action);
    return kErrUnimplemented;
  }

  EnvLookup lookup = processEnvironment();
  app::LoadOptions load;
  load.configFlag = options.config.empty() ? env(lookup, "OCF_RESKEY_config") : options.config;
  load.nodeFlag = options.node.empty() ? env(lookup, "OCF_RESKEY_node") : options.node;
  load.env = lookup;
  // OCF has no record of the config besides its parameters: no byResource lookup.
  std::string instance = env(lookup, "OCF_RESOURCE_INSTANCE");
  fs::path marker = markerPath(lookup);

  if (action == "stop") {
    // stop must succeed without AWS: a failed stop gets the node fenced.
    std::error_code ec;
    fs::remove(marker, ec);
    std::fprintf(stderr, "tgwark ocf stop %s: no AWS change\n", instance.c_str());
    return kSuccess;
  }

  // A probe (OCF_RESKEY_CRM_meta_interval=0) and a regular monitor are the same
  // question here: not started on this node -> 7, without touching AWS.
  if ((action == "monitor" || action == "status") && !fs::exists(marker)) return kNotRunning;

  LogOptions log;
  log.level = levelFor(options.verbosity);
  log.syslog = options.syslog;
  log.context = "ocf-" + action + (instance.empty() ? "" : " " + instance);
  initLogging(log);

  auto context = app::loadContext(std::move(load));
  if (!context) {
    exitReason(context.error().message);
    return context.error().category == ErrorCategory::kInvalidConfig ? kErrConfigured : kErrGeneric;
  }

  if (action == "validate-all") {
    auto node = (*context)->localNode();
    if (!node) {
      exitReason(node.error().message);
      return kErrConfigured;
    }
    return kSuccess;
  }

  if (action == "start") {
    int rc = finish(app::restore(**context));
    if (rc == kSuccess && !writeMarker(marker)) {
      exitReason("cannot write state marker " + marker.string());
      return kErrPerm;
    }
    return rc;
  }

  // monitor (marker present: we are supposed to be active here)
  return finish(app::quickCheck(**context));
}

}  // namespace tgwark::ocf
