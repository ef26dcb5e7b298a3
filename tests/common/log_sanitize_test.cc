// Every log line, whatever its arguments hold, reaches the destinations escaped
// and bounded: the sanitizing sink in front of stderr, syslog and the file.
#include "common/log.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <algorithm>
#include <memory>
#include <sstream>
#include <string>

#include "common/log_text.h"

namespace tgwark {
namespace {

class SanitizingLogTest : public ::testing::Test {
 protected:
  void init(std::string context = {}) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    LogOptions options;
    options.context = std::move(context);
    options.extraSinks.push_back(sink);
    initLogging(options);
  }
  // The default logger must not outlive out_, which its sink writes to.
  void TearDown() override {
    spdlog::set_default_logger(std::make_shared<spdlog::logger>(
        "log_test", std::make_shared<spdlog::sinks::stderr_sink_mt>()));
  }
  // Only what the extra sink saw (stderr gets its own copy).
  std::string lines() { return out_.str(); }
  std::ostringstream out_;
};

TEST_F(SanitizingLogTest, EveryMessageIsOneLineWhateverItsArgumentsHold) {
  init();
  spdlog::info("called with -t {}", "vip1\n2026-01-01T00:00:00.000 error forged");
  const std::string text = lines();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
  EXPECT_NE(text.find("vip1\\n2026-01-01T00:00:00.000 error forged"), std::string::npos) << text;
}

TEST_F(SanitizingLogTest, EscapeSequencesDoNotReachTheOutput) {
  init();
  spdlog::warn("vip {}", "\x1b]0;pwned\x07");
  EXPECT_EQ(lines().find('\x1b'), std::string::npos);
  EXPECT_NE(lines().find("\\x1b]0;pwned\\x07"), std::string::npos);
}

TEST_F(SanitizingLogTest, AHugeMessageIsBounded) {
  init();
  spdlog::info("vip {}", std::string(1 << 20, '1'));
  EXPECT_LT(lines().size(), kLogMessageMaxBytes + 200);
  EXPECT_NE(lines().find("...(1048580 bytes)"), std::string::npos);
}

TEST_F(SanitizingLogTest, TheContextIsEscapedAndNotReadAsAPattern) {
  init("restore tag=a%v\nb");
  spdlog::info("hello");
  const std::string text = lines();
  EXPECT_NE(text.find("restore tag=a%v\\nb hello"), std::string::npos) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
}

}  // namespace
}  // namespace tgwark
