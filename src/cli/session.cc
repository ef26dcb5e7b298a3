#include "cli/session.h"

#include <spdlog/spdlog.h>

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

}  // namespace

int reportError(const Error& error, const std::string& what) {
  spdlog::error("{}: {}", what, error.describe());
  return error.category == ErrorCategory::kInvalidConfig ? kExitBadConfig : kExitFailed;
}

void startLogging(const GlobalOptions& global, const std::string& action) {
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
