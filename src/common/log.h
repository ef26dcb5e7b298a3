// Process-wide logging setup. Everything logs through spdlog's default logger;
// this module decides where it goes (stderr, syslog when asked, a log file when
// asked) and in what shape (one line per event, suitable for LifeKeeper's log
// capture). A front end whose stderr means "error output" (Pacemaker's) raises
// the stderr level so routine lines go only to syslog and the file.
#pragma once

#include <string>

#include <spdlog/spdlog.h>

namespace tgwark {

struct LogOptions {
  spdlog::level::level_enum level = spdlog::level::info;
  bool syslog = false;
  int syslogFacility = -1;  // a LOG_* facility; -1: LOG_DAEMON
  std::string ident = "tgwark";
  // Lines below this level are not written to stderr (they still reach syslog
  // and the file).
  spdlog::level::level_enum stderrLevel = spdlog::level::trace;
  // Also append every line to this file when set (created when missing).
  std::string file;
  // Prefixed to every line, e.g. "restore tag=vip1" so LifeKeeper's log shows
  // which action and resource wrote it.
  std::string context;
};

void initLogging(const LogOptions& options);

}  // namespace tgwark
