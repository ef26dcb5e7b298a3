// `tgwark demo` runs the emulator as a child process: found beside the binary
// or on PATH, its address read from its first line, stopped on every path.
#include "cli/sim_process.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <signal.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

#include "test_paths.h"

namespace tgwark::cli {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

EnvLookup pathIs(std::string path) {
  return [path](std::string_view name) -> std::optional<std::string> {
    if (name == "PATH") return path;
    return std::nullopt;
  };
}

fs::path scratch(const std::string& name) {
  fs::path dir =
      fs::temp_directory_path() / ("tgwark-simproc-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void writeExecutable(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
  fs::permissions(path, fs::perms::owner_all);
}

TEST(FindSimBinaryTest, BesideTheBinaryFirstThenPath) {
  auto beside = scratch("beside");
  auto onPath = scratch("path");
  writeExecutable(onPath / "tgwark-sim", "#!/bin/sh\n");
  EXPECT_EQ(findSimBinary((beside / "tgwark").string(), pathIs("/nonexistent:" + onPath.string())),
            (onPath / "tgwark-sim").string());
  writeExecutable(beside / "tgwark-sim", "#!/bin/sh\n");
  EXPECT_EQ(findSimBinary((beside / "tgwark").string(), pathIs(onPath.string())),
            (beside / "tgwark-sim").string());
  fs::remove_all(beside);
  fs::remove_all(onPath);
}

TEST(FindSimBinaryTest, ClearErrorWhenNowhere) {
  auto empty = scratch("empty");
  auto found = findSimBinary((empty / "tgwark").string(), pathIs(empty.string()));
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().category, ErrorCategory::kNotFound);
  EXPECT_THAT(found.error().message, HasSubstr("tgwark-sim"));
  EXPECT_THAT(found.error().message, HasSubstr("PATH"));
  fs::remove_all(empty);
}

TEST(SimProcessTest, StartsTheRealEmulatorAndStopsIt) {
  auto process = SimProcess::start(std::string(TGWARK_BINARY_DIR) + "/tgwark-sim", {});
  ASSERT_TRUE(process) << process.error().describe();
  EXPECT_THAT((*process)->url(), StartsWith("http://127.0.0.1:"));
  const pid_t pid = (*process)->pid();
  ASSERT_GT(pid, 0);
  EXPECT_EQ(::kill(pid, 0), 0) << "running";
  (*process)->stop();
  // Reaped: the pid no longer names our child.
  EXPECT_EQ(::kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST(SimProcessTest, AChildThatExitsEarlyIsAnError) {
  auto dir = scratch("early");
  writeExecutable(dir / "fake-sim", "#!/bin/sh\necho 'oops' >&2\nexit 3\n");
  auto process = SimProcess::start((dir / "fake-sim").string(), {});
  ASSERT_FALSE(process);
  EXPECT_THAT(process.error().message, HasSubstr("exited before it was listening"));
  fs::remove_all(dir);
}

TEST(SimProcessTest, AnUnexpectedFirstLineIsAnError) {
  auto dir = scratch("line");
  writeExecutable(dir / "fake-sim", "#!/bin/sh\necho 'hello'\nexec sleep 60\n");
  auto process = SimProcess::start((dir / "fake-sim").string(), {});
  ASSERT_FALSE(process);
  EXPECT_THAT(process.error().message, HasSubstr("unexpected first line"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tgwark::cli
