// Where log lines go: a front end whose stderr means "error output"
// (Pacemaker's) keeps routine lines off stderr and in its log file, while
// the defaults (the command line, LifeKeeper) still write everything there.
#include "common/log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace tgwark {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(LogTest, DefaultsWriteEverythingToStderr) {
  ::testing::internal::CaptureStderr();
  initLogging(LogOptions{});
  spdlog::info("routine line");
  spdlog::default_logger()->flush();
  EXPECT_THAT(::testing::internal::GetCapturedStderr(), HasSubstr("routine line"));
}

TEST(LogTest, StderrLevelKeepsRoutineLinesInTheFileOnly) {
  std::string dir = (std::filesystem::temp_directory_path() / "tgwark-log-XXXXXX").string();
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  auto file = std::filesystem::path(dir) / "ha.log";
  LogOptions options;
  options.stderrLevel = spdlog::level::warn;
  options.file = file.string();
  options.context = "ocf-monitor vip";
  ::testing::internal::CaptureStderr();
  initLogging(options);
  spdlog::info("routine line");
  spdlog::warn("real warning");
  spdlog::default_logger()->flush();
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(err, Not(HasSubstr("routine line")));
  EXPECT_THAT(err, HasSubstr("real warning"));
  std::string log = readFile(file);
  EXPECT_THAT(log, HasSubstr("ocf-monitor vip routine line"));
  EXPECT_THAT(log, HasSubstr("real warning"));
  initLogging(LogOptions{});  // release the file before removing it
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tgwark
