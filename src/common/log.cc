#include "common/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <syslog.h>

#include <memory>
#include <vector>

namespace tgwark {

void initLogging(const LogOptions& options) {
  std::vector<spdlog::sink_ptr> sinks;
  sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
  if (options.syslog) {
    sinks.push_back(
        std::make_shared<spdlog::sinks::syslog_sink_mt>(options.ident, LOG_PID, LOG_DAEMON, false));
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
