#include "lifekeeper/app_info.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>

extern char** environ;

namespace tgwark::lifekeeper {

std::optional<std::string> applicationInfo(const std::string& tag, const EnvLookup& env) {
  std::string root = env("LKROOT").value_or("/opt/LifeKeeper");
  std::string insList = root + "/bin/ins_list";
  if (::access(insList.c_str(), X_OK) != 0) return std::nullopt;
  int pipeFds[2];
  if (::pipe(pipeFds) != 0) return std::nullopt;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipeFds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipeFds[0]);
  std::string tagArg = tag;
  std::array<char*, 6> argv = {insList.data(), const_cast<char*>("-t"),
                               tagArg.data(),  const_cast<char*>("-f:"),
                               nullptr,        nullptr};
  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, insList.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipeFds[1]);
  if (rc != 0) {
    ::close(pipeFds[0]);
    return std::nullopt;
  }
  std::string out;
  std::array<char, 4096> buf{};
  ssize_t n = 0;
  while ((n = ::read(pipeFds[0], buf.data(), buf.size())) > 0) out.append(buf.data(), n);
  ::close(pipeFds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  // First line, field 6 of ':'-separated values.
  std::string line = out.substr(0, out.find('\n'));
  std::size_t start = 0;
  for (int field = 1; field < 6; ++field) {
    start = line.find(':', start);
    if (start == std::string::npos) return std::nullopt;
    ++start;
  }
  std::string value = line.substr(start, line.find(':', start) - start);
  if (value.empty()) return std::nullopt;
  return value;
}

std::optional<app::ConfigSource> configFromApplicationInfo(const std::string& tag,
                                                           const EnvLookup& env) {
  auto info = applicationInfo(tag, env);
  if (!info) return std::nullopt;
  return app::ConfigSource{*info, "LifeKeeper Application Info of " + tag};
}

}  // namespace tgwark::lifekeeper
