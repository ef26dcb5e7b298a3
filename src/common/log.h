// Process-wide logging setup. Everything logs through spdlog's default logger;
// this module decides where it goes (stderr always, syslog when asked) and in
// what shape (one line per event, suitable for LifeKeeper's log capture).
#pragma once

#include <string>

#include <spdlog/spdlog.h>

namespace tgwark {

struct LogOptions {
  spdlog::level::level_enum level = spdlog::level::info;
  bool syslog = false;
  std::string ident = "tgwark";
  // Prefixed to every line, e.g. "restore tag=vip1" so LifeKeeper's log shows
  // which action and resource wrote it.
  std::string context;
};

void initLogging(const LogOptions& options);

}  // namespace tgwark
