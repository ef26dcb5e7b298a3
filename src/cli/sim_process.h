// tgwark-sim as a child process, for `tgwark demo`: the product binary links
// no HTTP server, so the demo starts the emulator program (found beside the
// tgwark binary, else on PATH) on a free loopback port, reads the URL it
// prints, and stops it on every exit path — the destructor, and the kernel
// (PR_SET_PDEATHSIG) when tgwark itself dies.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/env.h"
#include "common/error.h"

namespace tgwark::cli {

// The tgwark-sim binary: `selfPath`'s directory, else each $PATH entry.
// kNotFound with a message saying where it looked.
Result<std::string> findSimBinary(const std::string& selfPath, const EnvLookup& env);

class SimProcess {
 public:
  // Starts `binary args... --listen 127.0.0.1:0` and waits (up to
  // `startTimeout`) for its "listening on URL" line.
  static Result<std::unique_ptr<SimProcess>> start(
      const std::string& binary, const std::vector<std::string>& args,
      std::chrono::milliseconds startTimeout = std::chrono::seconds(10));
  ~SimProcess();
  SimProcess(const SimProcess&) = delete;
  SimProcess& operator=(const SimProcess&) = delete;

  const std::string& url() const { return url_; }
  pid_t pid() const { return pid_; }
  // SIGTERM, then SIGKILL if it has not exited within two seconds. Idempotent.
  void stop();

 private:
  SimProcess(pid_t pid, int stdoutFd) : pid_(pid), stdoutFd_(stdoutFd) {}
  pid_t pid_ = -1;
  int stdoutFd_ = -1;
  std::string url_;
};

}  // namespace tgwark::cli
