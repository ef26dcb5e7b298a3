// Process-wide logging setup. Everything logs through spdlog's default logger;
// this module decides where it goes (stderr, syslog when asked, a log file when
// asked) and in what shape (one line per event, suitable for LifeKeeper's log
// capture). A front end whose stderr means "error output" (Pacemaker's) raises
// the stderr level so routine lines go only to syslog and the file.
// Every message passes a sanitizing sink first: control characters are escaped
// and the length bounded (common/log_text.h), so text from the command line, a
// file or an AWS answer can never forge or flood a line, whichever call site
// logged it, in any destination.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <spdlog/sinks/sink.h>
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
  // which action and resource wrote it. Escaped and bounded like a message.
  std::string context;
  // More destinations behind the same sanitizing sink (tests capture output).
  std::vector<spdlog::sink_ptr> extraSinks;
};

void initLogging(const LogOptions& options);

// A sink that escapes and bounds every message, then hands it to `sinks`.
spdlog::sink_ptr makeSanitizingSink(std::vector<spdlog::sink_ptr> sinks);

}  // namespace tgwark
