#include "lifekeeper/app_info.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

namespace tgwark::lifekeeper {
namespace {

namespace fs = std::filesystem;

EnvLookup envOf(std::map<std::string, std::string> vars) {
  return [vars](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// A fake $LKROOT whose bin/ins_list prints one resource line for `tag`.
fs::path fakeLkroot(const std::string& tag, const std::string& info) {
  fs::path root = fs::temp_directory_path() / ("tgwark-lk-" + std::to_string(::getpid()));
  fs::create_directories(root / "bin");
  std::ofstream script(root / "bin/ins_list");
  script << "#!/bin/sh\n[ \"$2\" = \"" << tag << "\" ] || exit 1\n"
         << "echo 'appsuite:gen:app:" << tag << ":id:" << info << ":more'\n";
  script.close();
  fs::permissions(root / "bin/ins_list", fs::perms::owner_all);
  return root;
}

TEST(ApplicationInfoTest, NoInsListMeansNoApplicationInfo) {
  EXPECT_FALSE(applicationInfo("vip1", envOf({{"LKROOT", "/nonexistent"}})));
}

TEST(ApplicationInfoTest, ReadsFieldSixOfTheResourceLine) {
  auto root = fakeLkroot("vip1", "/etc/tgwark/vip1.toml");
  auto env = envOf({{"LKROOT", root.string()}});
  EXPECT_EQ(applicationInfo("vip1", env), "/etc/tgwark/vip1.toml");
  EXPECT_FALSE(applicationInfo("other", env));  // ins_list exits 1
  auto source = configFromApplicationInfo("vip1", env);
  ASSERT_TRUE(source);
  EXPECT_EQ(source->path, "/etc/tgwark/vip1.toml");
  EXPECT_THAT(source->how, ::testing::HasSubstr("LifeKeeper Application Info of vip1"));
  fs::remove_all(root);
}

// A fake $LKROOT whose bin/ins_list runs `body` (a shell script).
fs::path lkrootRunning(const std::string& name, const std::string& body) {
  fs::path root =
      fs::temp_directory_path() / ("tgwark-lk-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "bin");
  std::ofstream script(root / "bin/ins_list");
  script << "#!/bin/sh\n" << body;
  script.close();
  fs::permissions(root / "bin/ins_list", fs::perms::owner_all);
  return root;
}

bool processExists(pid_t pid) {
  return ::kill(pid, 0) == 0 || errno != ESRCH;
}

// A hung ins_list costs the timeout, not the action's whole budget, and is
// killed and reaped rather than left behind.
TEST(ApplicationInfoTest, AHungInsListIsKilledAtTheTimeout) {
  auto root = lkrootRunning("hang", "echo $$ > \"$(dirname \"$0\")/pid\"\nexec sleep 600\n");
  auto env = envOf({{"LKROOT", root.string()}});
  EXPECT_FALSE(applicationInfo("vip1", env, std::chrono::milliseconds(2000)));
  pid_t pid = 0;
  std::ifstream(root / "bin/pid") >> pid;
  ASSERT_GT(pid, 0);
  EXPECT_FALSE(processExists(pid)) << "ins_list " << pid << " is still there";
  fs::remove_all(root);
}

// A script whose own child keeps the output open: the whole group goes.
TEST(ApplicationInfoTest, AnInsListThatLeavesAChildBehindIsStillBounded) {
  auto root = lkrootRunning("child", "sleep 600 &\necho 'a:b:c:d:e:/etc/x.toml:f'\n");
  auto env = envOf({{"LKROOT", root.string()}});
  // The script exits at once but `sleep` holds stdout: no EOF before the timeout.
  EXPECT_FALSE(applicationInfo("vip1", env, std::chrono::milliseconds(300)));
  fs::remove_all(root);
}

TEST(ApplicationInfoTest, InsListDoesNotSeeTheAwsSecrets) {
  auto root = lkrootRunning(
      "env", "echo \"a:b:c:d:e:${AWS_SECRET_ACCESS_KEY:-no-secret}${AWS_SESSION_TOKEN:-}:f\"\n");
  ::setenv("AWS_SECRET_ACCESS_KEY", "SECRETMARKER", 1);
  ::setenv("AWS_SESSION_TOKEN", "TOKENMARKER", 1);
  auto info = applicationInfo("vip1", envOf({{"LKROOT", root.string()}}));
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  ::unsetenv("AWS_SESSION_TOKEN");
  EXPECT_EQ(info, "no-secret");
  fs::remove_all(root);
}

// tgwark killed mid-lookup (LifeKeeper's own timeout): ins_list goes with it.
TEST(ApplicationInfoTest, InsListDiesWithTheProcessThatStartedIt) {
  auto root = lkrootRunning("orphan", "echo $$ > \"$(dirname \"$0\")/pidfifo\"\nexec sleep 600\n");
  const fs::path fifo = root / "bin/pidfifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const pid_t starter = ::fork();
  ASSERT_GE(starter, 0);
  if (starter == 0) {
    static_cast<void>(
        applicationInfo("vip1", envOf({{"LKROOT", root.string()}}), std::chrono::minutes(10)));
    ::_exit(0);
  }
  pid_t insList = 0;
  std::ifstream(fifo) >> insList;  // blocks until ins_list has started
  ASSERT_GT(insList, 0);
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, insList, 0));
  ASSERT_GE(pidfd, 0) << std::strerror(errno);
  ::kill(starter, SIGKILL);
  ::waitpid(starter, nullptr, 0);
  // Readable once ins_list has exited; the bound only keeps a broken build
  // from hanging the suite.
  pollfd p{pidfd, POLLIN, 0};
  const int ready = ::poll(&p, 1, 30'000);
  ::close(pidfd);
  EXPECT_EQ(ready, 1) << "ins_list " << insList << " outlived the process that started it";
  if (ready != 1) ::kill(insList, SIGKILL);
  fs::remove_all(root);
}

}  // namespace
}  // namespace tgwark::lifekeeper
