#include "lifekeeper/app_info.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <string_view>
#include <vector>

#include <spdlog/spdlog.h>

#include "common/log_text.h"

extern char** environ;

namespace tgwark::lifekeeper {
namespace {

constexpr std::size_t kMaxOutput = 64 * 1024;

// ins_list has no use for AWS credentials; a child's environment is one more
// place they could leak from.
bool isSecretVariable(std::string_view entry) {
  for (std::string_view name :
       {"AWS_SECRET_ACCESS_KEY=", "AWS_SESSION_TOKEN=", "AWS_SECURITY_TOKEN="}) {
    if (entry.starts_with(name)) return true;
  }
  return false;
}

struct Child {
  pid_t pid = -1;
  int stdoutFd = -1;
};

// fork+exec rather than posix_spawn: the child must set PR_SET_PDEATHSIG and
// its own process group before exec.
std::optional<Child> spawn(const std::string& program, std::vector<std::string> args) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (char** e = environ; e && *e; ++e) {
    if (!isSecretVariable(*e)) envp.push_back(*e);
  }
  envp.push_back(nullptr);

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return std::nullopt;
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return std::nullopt;
  }
  if (pid == 0) {
    // Only async-signal-safe calls until exec.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::setpgid(0, 0);
    ::dup2(fds[1], STDOUT_FILENO);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    ::execve(program.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  return Child{pid, fds[0]};
}

// Reads the child's output until EOF, the size bound or the deadline; false
// when the deadline passed first.
bool readUntil(int fd, std::string& out, std::chrono::steady_clock::time_point deadline) {
  std::array<char, 4096> buf{};
  while (out.size() < kMaxOutput) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return true;
    out.append(buf.data(), static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

std::optional<std::string> applicationInfo(const std::string& tag, const EnvLookup& env,
                                           std::chrono::milliseconds timeout) {
  std::string root = env("LKROOT").value_or("/opt/LifeKeeper");
  std::string insList = root + "/bin/ins_list";
  if (::access(insList.c_str(), X_OK) != 0) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto child = spawn(insList, {"-t", tag, "-f:"});
  if (!child) return std::nullopt;
  std::string out;
  const bool finished = readUntil(child->stdoutFd, out, deadline);
  ::close(child->stdoutFd);
  int status = 0;
  if (!finished) {
    spdlog::warn("{} -t {} did not answer within {} ms; killed it", escapeForLog(insList),
                 escapeForLog(tag), timeout.count());
    ::kill(-child->pid, SIGKILL);  // the group: a script's own children too
    ::kill(child->pid, SIGKILL);   // in case it had not reached setpgid yet
    ::waitpid(child->pid, &status, 0);
    return std::nullopt;
  }
  // Output ended (EOF or the bound): the process is done or about to be; a
  // child still holding on past the deadline is killed like a silent one.
  while (true) {
    pid_t r = ::waitpid(child->pid, &status, WNOHANG);
    if (r == child->pid) break;
    if (r < 0 && errno != EINTR) return std::nullopt;
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(-child->pid, SIGKILL);
      ::kill(child->pid, SIGKILL);
      ::waitpid(child->pid, &status, 0);
      return std::nullopt;
    }
    pollfd none{-1, 0, 0};
    ::poll(&none, 0, 10);
  }
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
