#include "common/log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/dist_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <syslog.h>

#include <cstdio>
#include <memory>
#include <mutex>
#include <vector>

#include "common/log_text.h"

namespace tgwark {
namespace {

// A dist_sink rather than a formatter: the syslog sink sends the raw payload
// without any formatter, so sanitizing has to happen before the sinks see it.
class SanitizingSink final : public spdlog::sinks::dist_sink<std::mutex> {
 public:
  using dist_sink::dist_sink;

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::string_view payload(msg.payload.data(), msg.payload.size());
    std::string clean = escapeForLog(payload, kLogMessageMaxBytes);
    spdlog::details::log_msg copy = msg;
    copy.payload = spdlog::string_view_t(clean.data(), clean.size());
    dist_sink::sink_it_(copy);
  }
};

// The context becomes part of the pattern: '%' would be read as a flag.
std::string patternLiteral(std::string_view text) {
  std::string out;
  for (char c : escapeForLog(text)) {
    out += c;
    if (c == '%') out += '%';
  }
  return out;
}

}  // namespace

spdlog::sink_ptr makeSanitizingSink(std::vector<spdlog::sink_ptr> sinks) {
  return std::make_shared<SanitizingSink>(std::move(sinks));
}

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
  sinks.insert(sinks.end(), options.extraSinks.begin(), options.extraSinks.end());
  auto logger = std::make_shared<spdlog::logger>(options.ident, makeSanitizingSink(sinks));
  std::string pattern = "%Y-%m-%dT%H:%M:%S.%e %^%l%$ ";
  if (!options.context.empty()) pattern += patternLiteral(options.context) + " ";
  pattern += "%v";
  logger->set_pattern(pattern);
  logger->set_level(options.level);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace tgwark
