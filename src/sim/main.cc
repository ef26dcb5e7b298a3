// tgwark-sim: the EC2 + IMDSv2 emulator as a stand-alone program. Prints
// "listening on http://HOST:PORT" first (scripts read the port from it) and
// serves until SIGTERM/SIGINT. --env-file writes a shell file that exports
// its URL and pid, and --background returns once it is listening, so a
// shell session can start it and source the file without reading the port.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "sim/demo_topology.h"
#include "sim/sim_server.h"

namespace {

using tgwark::Result;
using tgwark::sim::FaultRule;
using tgwark::sim::LatencyRule;

Result<std::pair<std::string, int>> parseListen(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return tgwark::makeError(tgwark::ErrorCategory::kInvalidConfig, "--listen expects HOST:PORT");
  }
  try {
    const int port = std::stoi(text.substr(colon + 1));
    if (port < 0 || port > 65535) throw std::out_of_range("port");
    return std::pair{text.substr(0, colon), port};
  } catch (const std::exception&) {
    return tgwark::makeError(tgwark::ErrorCategory::kInvalidConfig,
                             "--listen: bad port in " + text);
  }
}

// REGION:ACTION=MS or REGION:ACTION=MIN-MAX ("*" for any region/action).
Result<LatencyRule> parseLatency(const std::string& text) {
  const auto colon = text.find(':');
  const auto eq = text.find('=');
  if (colon == std::string::npos || eq == std::string::npos || eq < colon) {
    return tgwark::makeError(tgwark::ErrorCategory::kInvalidConfig,
                             "--latency expects REGION:ACTION=MS[-MAX]: " + text);
  }
  LatencyRule rule;
  rule.region = text.substr(0, colon);
  rule.action = text.substr(colon + 1, eq - colon - 1);
  const std::string value = text.substr(eq + 1);
  try {
    const auto dash = value.find('-');
    rule.minMs = std::stoi(value.substr(0, dash));
    rule.maxMs = dash == std::string::npos ? rule.minMs : std::stoi(value.substr(dash + 1));
  } catch (const std::exception&) {
    return tgwark::makeError(tgwark::ErrorCategory::kInvalidConfig,
                             "--latency: bad milliseconds in " + text);
  }
  if (rule.minMs < 0 || rule.maxMs < rule.minMs) {
    return tgwark::makeError(tgwark::ErrorCategory::kInvalidConfig,
                             "--latency: need 0 <= MS <= MAX in " + text);
  }
  return rule;
}

// REGION:ACTION:KIND:nth=N[:count=C] or REGION:ACTION:KIND:p=P[:stall_ms=MS]
Result<FaultRule> parseFault(const std::string& text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const auto colon = text.find(':', start);
    parts.push_back(text.substr(start, colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  auto bad = [&] {
    return tgwark::makeError(
        tgwark::ErrorCategory::kInvalidConfig,
        "--fault expects REGION:ACTION:KIND:nth=N[:count=C] or REGION:ACTION:KIND:p=P: " + text);
  };
  if (parts.size() < 4) return bad();
  FaultRule rule;
  rule.region = parts[0];
  rule.action = parts[1];
  rule.kind = parts[2];
  try {
    for (std::size_t i = 3; i < parts.size(); ++i) {
      const auto eq = parts[i].find('=');
      if (eq == std::string::npos) return bad();
      const std::string key = parts[i].substr(0, eq);
      const std::string value = parts[i].substr(eq + 1);
      if (key == "nth") {
        rule.nth = std::stoi(value);
      } else if (key == "count") {
        rule.count = std::stoi(value);
      } else if (key == "p") {
        rule.probability = std::stod(value);
      } else if (key == "stall_ms") {
        rule.stallMs = std::stoi(value);
      } else {
        return bad();
      }
    }
  } catch (const std::exception&) {
    return bad();
  }
  if (rule.nth <= 0 && (rule.probability <= 0 || rule.probability > 1)) return bad();
  return rule;
}

// `export` lines for a POSIX shell; the URL is ours, never user text.
std::string envFileText(const std::string& url, pid_t pid) {
  return fmt::format(
      "# tgwark-sim (pid {pid}) at {url}: source this file (. FILE), stop it with\n"
      "# kill $TGWARK_SIM_PID.\n"
      "export SIM={url}\n"
      "export TGWARK_SIM_PID={pid}\n"
      "# The emulator's static test key (it signs nothing real) and no real IMDS.\n"
      "export AWS_ACCESS_KEY_ID=AKIDSIMULATOR AWS_SECRET_ACCESS_KEY=simulator-secret-key\n"
      "export AWS_EC2_METADATA_DISABLED=true\n",
      fmt::arg("url", url), fmt::arg("pid", pid));
}

// Written whole under a temporary name, then renamed: a reader never sees half.
bool writeEnvFile(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    if (!out.flush()) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

// --background: the parent waits for the child's "listening on" line on a
// pipe, prints it and exits 0 (1 if the child failed before listening); the
// child carries on in a session of its own. Returns the pipe's write end in
// the child.
int detach() {
  int fds[2];
  if (::pipe(fds) != 0) {
    fmt::print(stderr, "tgwark-sim: pipe: {}\n", std::strerror(errno));
    std::exit(1);
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    fmt::print(stderr, "tgwark-sim: fork: {}\n", std::strerror(errno));
    std::exit(1);
  }
  if (pid == 0) {
    ::close(fds[0]);
    ::setsid();
    return fds[1];
  }
  ::close(fds[1]);
  std::string line;
  char buf[256];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    line.append(buf, static_cast<std::size_t>(n));
  }
  std::fputs(line.c_str(), stdout);
  std::exit(line.starts_with("listening on ") ? 0 : 1);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tgwark-sim: EC2 Query API + IMDSv2 emulator for tgwark (see docs/emulator.md)"};
  std::string listen = "127.0.0.1:0";
  std::string topologyFile;
  std::string stateFile;
  bool acceptAny = false;
  bool throttle = false;
  bool verbose = false;
  std::uint64_t seed = 1;
  std::vector<std::string> latencies;
  std::vector<std::string> faults;
  std::string envFile;
  bool background = false;
  app.add_option("--listen", listen, "HOST:PORT to listen on (port 0 picks a free one)");
  app.add_option("--topology", topologyFile,
                 "topology file (JSON), or a built-in one: demo (the default), single-vpc");
  app.add_option("--state", stateFile,
                 "load the state from FILE if it exists, save it there on exit");
  app.add_flag("--accept-any-signature", acceptAny, "do not verify SigV4 signatures");
  app.add_option("--latency", latencies,
                 "REGION:ACTION=MS or REGION:ACTION=MIN-MAX (\"*\" matches any)");
  app.add_flag("--throttle", throttle,
               "enable EC2 token-bucket throttling (mutating 50/5 per s, others 100/20 per s)");
  app.add_option("--fault", faults,
                 "REGION:ACTION:KIND:nth=N[:count=C] or REGION:ACTION:KIND:p=P[:stall_ms=MS]");
  app.add_option("--seed", seed, "seed for injected latency ranges and probabilistic faults");
  app.add_flag("-v,--verbose", verbose, "log every request");
  app.add_option("--env-file", envFile,
                 "once listening, write a shell file exporting SIM (its URL), TGWARK_SIM_PID and "
                 "the emulator's test credentials");
  app.add_flag("--background", background,
               "return once listening (the emulator keeps running; stop it with kill)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help exits 0; any bad command line exits 2, like tgwark itself.
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  spdlog::set_level(verbose ? spdlog::level::debug : spdlog::level::warn);

  tgwark::sim::SimOptions options;
  auto hostPort = parseListen(listen);
  if (!hostPort) {
    fmt::print(stderr, "tgwark-sim: {}\n", hostPort.error().message);
    return 2;
  }
  options.host = hostPort->first;
  options.port = hostPort->second;
  options.verifySignatures = !acceptAny;
  options.throttling.enabled = throttle;
  options.seed = seed;
  for (const auto& text : latencies) {
    auto rule = parseLatency(text);
    if (!rule) {
      fmt::print(stderr, "tgwark-sim: {}\n", rule.error().message);
      return 2;
    }
    options.latency.push_back(*rule);
  }
  for (const auto& text : faults) {
    auto rule = parseFault(text);
    if (!rule) {
      fmt::print(stderr, "tgwark-sim: {}\n", rule.error().message);
      return 2;
    }
    options.faults.push_back(*rule);
  }

  Result<tgwark::sim::SimTopology> topology;
  if (!stateFile.empty() && std::filesystem::exists(stateFile)) {
    topology = tgwark::sim::loadTopology(stateFile);
  } else if (auto builtin = tgwark::sim::builtinTopologyJson(topologyFile);
             builtin && !std::filesystem::exists(topologyFile)) {
    topology = tgwark::sim::parseTopology(*builtin);
  } else if (!topologyFile.empty()) {
    topology = tgwark::sim::loadTopology(topologyFile);
  } else {
    topology = tgwark::sim::parseTopology(tgwark::sim::demoTopologyJson());
  }
  if (!topology) {
    fmt::print(stderr, "tgwark-sim: {}\n", topology.error().message);
    return 2;
  }

  // Before any thread exists: fork() keeps only the calling thread.
  const int readyFd = background ? detach() : -1;

  // Signals are taken synchronously by sigwait below; block them before any
  // server thread exists so every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto server = tgwark::sim::SimServer::create(std::move(*topology), options);
  if (!server) {
    fmt::print(stderr, "tgwark-sim: {}\n", server.error().message);
    return 2;
  }
  if (auto started = (*server)->start(); !started) {
    fmt::print(stderr, "tgwark-sim: {}\n", started.error().message);
    return 1;
  }
  if (!envFile.empty() && !writeEnvFile(envFile, envFileText((*server)->url(), ::getpid()))) {
    fmt::print(stderr, "tgwark-sim: cannot write {}\n", envFile);
    (*server)->stop();
    return 1;
  }
  const std::string listening = fmt::format("listening on {}\n", (*server)->url());
  if (readyFd >= 0) {
    // The parent prints it and returns; nobody reads this process's output.
    (void)!::write(readyFd, listening.data(), listening.size());
    ::close(readyFd);
    const int devnull = ::open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      ::dup2(devnull, STDIN_FILENO);
      ::dup2(devnull, STDOUT_FILENO);
      // Like a daemon: holding the caller's stderr open would keep a
      // `$(tgwark-sim --background)` or a pipe waiting for as long as it runs.
      ::dup2(devnull, STDERR_FILENO);
      ::close(devnull);
    }
  } else {
    std::fputs(listening.c_str(), stdout);
    std::fflush(stdout);
  }

  int received = 0;
  sigwait(&signals, &received);
  (*server)->stop();
  if (!stateFile.empty()) {
    std::ofstream out(stateFile, std::ios::trunc);
    out << (*server)->state().dumpStateForFile();
    if (!out) {
      fmt::print(stderr, "tgwark-sim: cannot write state file {}\n", stateFile);
      return 1;
    }
  }
  return 0;
}
