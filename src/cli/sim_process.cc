#include "cli/sim_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

namespace tgwark::cli {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kListening = "listening on ";

bool executable(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec) && ::access(path.c_str(), X_OK) == 0;
}

// Reaps `pid`, waiting at most `limit`; true when it exited.
bool reap(pid_t pid, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (true) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno != EINTR)) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    ::usleep(10'000);
  }
}

}  // namespace

Result<std::string> findSimBinary(const std::string& selfPath, const EnvLookup& env) {
  std::string tried;
  if (!selfPath.empty()) {
    fs::path beside = fs::path(selfPath).parent_path() / "tgwark-sim";
    if (executable(beside)) return beside.string();
    tried = beside.string();
  }
  std::string path = env("PATH").value_or("");
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t colon = path.find(':', start);
    if (colon == std::string::npos) colon = path.size();
    std::string dir = path.substr(start, colon - start);
    if (!dir.empty() && executable(fs::path(dir) / "tgwark-sim")) {
      return (fs::path(dir) / "tgwark-sim").string();
    }
    start = colon + 1;
  }
  return makeError(ErrorCategory::kNotFound,
                   fmt::format("tgwark-sim (the emulator) was found neither at {} nor on PATH; "
                               "install the tgwark-sim package or build it beside tgwark",
                               tried.empty() ? "the tgwark binary's directory" : tried));
}

Result<std::unique_ptr<SimProcess>> SimProcess::start(const std::string& binary,
                                                      const std::vector<std::string>& args,
                                                      std::chrono::milliseconds startTimeout) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return makeError(ErrorCategory::kInternal, fmt::format("pipe: {}", std::strerror(errno)));
  }
  std::vector<std::string> argvStrings = {binary};
  argvStrings.insert(argvStrings.end(), args.begin(), args.end());
  argvStrings.push_back("--listen");
  argvStrings.push_back("127.0.0.1:0");
  std::vector<char*> argv;
  for (auto& a : argvStrings) argv.push_back(a.data());
  argv.push_back(nullptr);

  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return makeError(ErrorCategory::kInternal, fmt::format("fork: {}", std::strerror(errno)));
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec. Dies with its parent,
    // whatever kills the parent.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(fds[1], STDOUT_FILENO);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  std::unique_ptr<SimProcess> process(new SimProcess(pid, fds[0]));

  // The first line is "listening on URL".
  std::string line;
  const auto end = std::chrono::steady_clock::now() + startTimeout;
  while (line.find('\n') == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return makeError(
          ErrorCategory::kDeadlineExceeded,
          fmt::format("{} did not report its address within {} ms", binary, startTimeout.count()));
    }
    pollfd p{process->stdoutFd_, POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    char buf[256];
    ssize_t n = ::read(process->stdoutFd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return makeError(ErrorCategory::kInternal,
                       fmt::format("{} exited before it was listening", binary));
    }
    line.append(buf, static_cast<std::size_t>(n));
    if (line.size() > 4096) break;
  }
  line = line.substr(0, line.find('\n'));
  if (!line.starts_with(kListening)) {
    return makeError(ErrorCategory::kInternal,
                     fmt::format("{} printed an unexpected first line", binary));
  }
  process->url_ = line.substr(kListening.size());
  return process;
}

void SimProcess::stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    if (!reap(pid_, std::chrono::seconds(2))) {
      ::kill(pid_, SIGKILL);
      reap(pid_, std::chrono::seconds(2));
    }
    pid_ = -1;
  }
  if (stdoutFd_ >= 0) {
    ::close(stdoutFd_);
    stdoutFd_ = -1;
  }
}

SimProcess::~SimProcess() {
  stop();
}

}  // namespace tgwark::cli
