// tgwark-sim: the EC2 + IMDSv2 emulator as a stand-alone program. Prints
// "listening on http://HOST:PORT" first (scripts read the port from it) and
// serves until SIGTERM/SIGINT.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
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
  std::printf("listening on %s\n", (*server)->url().c_str());
  std::fflush(stdout);

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
