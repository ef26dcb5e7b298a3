#include "cli/session.h"

#include <spdlog/spdlog.h>

#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/render.h"

#include "common/log.h"
#include "common/log_text.h"
#include "lifekeeper/app_info.h"

namespace tgwark::cli {

namespace {

// Tags and ids are short names; anything longer is noise on every line.
constexpr std::size_t kContextValueMax = 64;

spdlog::level::level_enum levelFor(int verbosity) {
  if (verbosity <= -1) return spdlog::level::warn;
  if (verbosity == 1) return spdlog::level::debug;
  if (verbosity >= 2) return spdlog::level::trace;
  return spdlog::level::info;
}

// One process runs one command and prints at most one JSON document; these
// are process-wide so the error paths deep in a command need no extra
// parameter to honour --json.
struct JsonState {
  bool on = false;
  std::string command;
  bool printed = false;
};
JsonState& jsonState() {
  static JsonState state;
  return state;
}

}  // namespace

void jsonOutput(bool on, const std::string& command) {
  jsonState().on = on;
  jsonState().command = command;
}

void printJsonDocument(nlohmann::json document, int exitCode) {
  auto& state = jsonState();
  if (state.printed) return;
  state.printed = true;
  std::cout << stampDocument(std::move(document), state.command, exitCode).dump(2) << "\n";
  std::cout.flush();
}

void printJsonError(const Error& error, int exitCode, std::string_view category) {
  if (!jsonState().on) return;
  printJsonDocument(errorDocument(error, category), exitCode);
}

int reportError(const Error& error, const std::string& what) {
  spdlog::error("{}: {}", what, error.describe());
  int rc = error.category == ErrorCategory::kInvalidConfig ? kExitBadConfig : kExitFailed;
  printJsonError(error, rc);
  return rc;
}

void startLogging(const GlobalOptions& global, const std::string& action) {
  jsonOutput(global.json, action);
  LogOptions log;
  log.level = levelFor(global.verbosity);
  log.syslog = global.syslog;
  // The sink escapes the context too; bounding each value here keeps a huge
  // -t from crowding out the message on every line.
  log.context = action;
  if (!global.tag.empty()) log.context += " tag=" + escapeForLog(global.tag, kContextValueMax);
  if (!global.id.empty()) log.context += " id=" + escapeForLog(global.id, kContextValueMax);
  initLogging(log);
  if (!global.tag.empty() || !global.id.empty()) {
    spdlog::info("called with -t {} -i {}", global.tag.empty() ? "-" : escapeForLog(global.tag),
                 global.id.empty() ? "-" : escapeForLog(global.id));
  }
}

Result<std::unique_ptr<Session>> openSession(const GlobalOptions& global,
                                             const std::string& action) {
  startLogging(global, action);
  app::LoadOptions load;
  load.configFlag = global.config;
  load.tag = global.tag;
  load.nodeFlag = global.node;
  load.env = processEnvironment();
  load.byResource = [env = load.env](const std::string& tag) {
    return lifekeeper::configFromApplicationInfo(tag, env);
  };
  return app::loadContext(std::move(load));
}

}  // namespace tgwark::cli
