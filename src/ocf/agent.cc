#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "aws/endpoints.h"
#include "cli/commands.h"
#include "cli/session.h"
#include "lifekeeper/actions.h"
#include "ocf/agent.h"

namespace tgwark::ocf {

namespace fs = std::filesystem;

namespace {

// Pacemaker shows this line in `crm_mon` as the failure reason.
void exitReason(const std::string& text) {
  std::fprintf(stderr, "ocf-exit-reason:%s\n", text.c_str());
}

std::string env(const aws::EnvLookup& lookup, const char* name, const std::string& fallback = "") {
  auto v = lookup(name);
  return v && !v->empty() ? *v : fallback;
}

fs::path markerPath(const aws::EnvLookup& lookup) {
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

int fromOutcome(const lifekeeper::ActionOutcome& outcome) {
  switch (outcome.status) {
    case lifekeeper::ActionStatus::kOk:
    case lifekeeper::ActionStatus::kUndeterminable: return kSuccess;
    case lifekeeper::ActionStatus::kBadConfig: exitReason(outcome.message); return kErrConfigured;
    case lifekeeper::ActionStatus::kFailed:
    case lifekeeper::ActionStatus::kTakenOver: exitReason(outcome.message); return kErrGeneric;
  }
  return kErrGeneric;
}

}  // namespace

int runAction(const std::string& action, const cli::GlobalOptions& commandLine) {
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

  aws::EnvLookup lookup = aws::processEnvironment();
  cli::GlobalOptions global = commandLine;
  if (global.config.empty()) global.config = env(lookup, "OCF_RESKEY_config");
  if (global.node.empty()) global.node = env(lookup, "OCF_RESKEY_node");
  if (global.tag.empty()) global.tag = env(lookup, "OCF_RESOURCE_INSTANCE");
  // OCF has no LifeKeeper Application Info: never look it up.
  std::string tag = global.tag;
  global.tag.clear();
  fs::path marker = markerPath(lookup);

  if (action == "stop") {
    // stop must succeed without AWS: a failed stop gets the node fenced.
    std::error_code ec;
    fs::remove(marker, ec);
    std::fprintf(stderr, "tgwark ocf stop %s: no AWS change\n", tag.c_str());
    return kSuccess;
  }

  // A probe (OCF_RESKEY_CRM_meta_interval=0) and a regular monitor are the same
  // question here: not started on this node -> 7, without touching AWS.
  if ((action == "monitor" || action == "status") && !fs::exists(marker)) {
    // Not started here: a probe (or a monitor after stop) must answer 7.
    return kNotRunning;
  }

  auto session = cli::Session::open(global, "ocf-" + action + (tag.empty() ? "" : " " + tag));
  if (!session) {
    exitReason(session.error().message);
    return session.error().category == ErrorCategory::kInvalidConfig ? kErrConfigured : kErrGeneric;
  }

  if (action == "validate-all") {
    auto node = (*session)->localNode();
    if (!node) {
      exitReason(node.error().message);
      return kErrConfigured;
    }
    return kSuccess;
  }

  if (action == "start") {
    auto outcome = lifekeeper::restore(**session);
    spdlog::info("{}", outcome.message);
    int rc = fromOutcome(outcome);
    if (rc == kSuccess && !writeMarker(marker)) {
      exitReason("cannot write state marker " + marker.string());
      return kErrPerm;
    }
    return rc;
  }

  // monitor (marker present: we are supposed to be active here)
  auto outcome = lifekeeper::quickCheck(**session);
  if (outcome.status == lifekeeper::ActionStatus::kUndeterminable) {
    spdlog::warn("{}", outcome.message);
  } else {
    spdlog::info("{}", outcome.message);
  }
  return fromOutcome(outcome);
}

}  // namespace tgwark::ocf
