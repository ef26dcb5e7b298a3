#include "common/log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <syslog.h>

#include <cstdio>
#include <memory>
#include <vector>

namespace tgwark {

void initLogging(const LogOptions& options) {
  std::vector<spdlog::sink_ptr> sinks;
  auto stderrSink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  stderrSink->set_level(options.stderrLevel);
  sinks.push_back(std::move(stderrSink));
  if (options.syslog) {
    int facility = options.syslogFacility >= 0 ? options.syslogFacility : LOG_DAEMON;
    sinks.push_back(
        std::make_shared<spdlog::sinks::syslog_sink_mt>(options.ident, LOG_PID, facility, false));
  }
  if (!options.file.empty()) {
    try {
      sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(options.file));
    } catch (const spdlog::spdlog_ex& e) {
      // A log file we cannot open must not fail the action: say so on stderr.
      std::fprintf(stderr, "tgwark: cannot open log file %s: %s\n", options.file.c_str(), e.what());
    }
  }
  auto logger = std::make_shared<spdlog::logger>(options.ident, sinks.begin(), sinks.end());
  std::string pattern = "%Y-%m-%dT%H:%M:%S.%e %^%l%$ ";
  if (!options.context.empty()) pattern += options.context + " ";
  pattern += "%v";
  logger->set_pattern(pattern);
  logger->set_level(options.level);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace tgwark
