// tgwark_bench: the benchmark figures (docs/benchmarks.md) in one run. It embeds tgwark-sim with
// the specified latency model (25 ms for the active node's own region, 80 ms
// for the others) and EC2's default token buckets, then measures the real
// `tgwark` process (what LifeKeeper runs), the engine in-process (topology
// already known, to compare with the round-trip lower bounds) and the
// baselines (a sequential aws-cli script; a "replace every route" strategy),
// and prints one markdown table of medians and ratios. Not a test: these
// machines are noisy, so it reports and never asserts a time.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "engine/aws_factory.h"
#include "engine/discovery.h"
#include "engine/engine.h"
#include "model/config.h"
#include "sim/sim_server.h"

extern char** environ;

namespace tgwark::bench {
namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

constexpr const char* kVip = "192.168.10.10";
constexpr const char* kAccessKey = "AKIDSIMULATOR";
// The emulator's built-in test key (SimOptions default), not a real secret.
constexpr const char* kSecretKey = "simulator-secret-key";
constexpr int kOwnRegionMs = 25;
constexpr int kOtherRegionMs = 80;
// remote_wait_s of the stalled-region restore's config: short, so a run takes
// seconds (the default is 20 s).
constexpr int kRemoteWaitS = 2;

struct Options {
  int reps = 5;
  int scaleReps = 3;
  int awsReps = 1;
  bool firstTime = false;
  bool awscli = true;
  bool replaceAll = true;
  std::string tgwark = std::string(TGWARK_BINARY_DIR) + "/tgwark";
  std::string spawner = std::string(TGWARK_BINARY_DIR) + "/tgwark_bench_spawn";
  std::string aws = "/usr/bin/aws";
  std::string baselineScript = std::string(TGWARK_SOURCE_DIR) + "/bench/baseline_awscli.sh";
  std::string topologies = std::string(TGWARK_SOURCE_DIR) + "/topologies";
  std::string markdown;  // also write the table here
  bool verbose = false;
};

// ---------------------------------------------------------------- processes

struct ProcessResult {
  int exitCode = -1;
  double wallMs = 0;
  double cpuMs = 0;  // user + sys, including reaped descendants (aws-cli under bash)
  long maxRssKb = 0;
  // Wall-clock time of the spawn, to place the emulator's call log (whose
  // times are wall-clock) relative to the process start.
  WallTime started{};
  std::string out;
  std::string err;
};

// posix_spawn rather than fork: the emulator's threads are running in this
// process, and only spawn is safe to call from a multi-threaded parent. With
// `helper` (tgwark_bench_spawn), the program runs under it and the figures
// are the ones it reports for the program itself (bench/spawn_rusage.cc).
ProcessResult runProcess(const std::string& helper, const fs::path& report,
                         const std::vector<std::string>& command,
                         const std::vector<std::string>& env) {
  ProcessResult r;
  std::vector<std::string> argv = command;
  if (!helper.empty()) {
    argv = {helper, report.string()};
    argv.insert(argv.end(), command.begin(), command.end());
    std::error_code ec;
    fs::remove(report, ec);
  }
  int outPipe[2];
  int errPipe[2];
  if (::pipe(outPipe) != 0 || ::pipe(errPipe) != 0) {
    r.err = "pipe failed";
    return r;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2);
  posix_spawn_file_actions_addclose(&actions, outPipe[0]);
  posix_spawn_file_actions_addclose(&actions, errPipe[0]);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  r.started = std::chrono::system_clock::now();
  auto start = SteadyClock::now();
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(outPipe[1]);
  ::close(errPipe[1]);
  if (rc != 0) {
    ::close(outPipe[0]);
    ::close(errPipe[0]);
    r.err = fmt::format("cannot run {}: {}", argv[0], std::strerror(rc));
    return r;
  }
  pollfd fds[2] = {{outPipe[0], POLLIN, 0}, {errPipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  int open = 2;
  char buf[65536];
  while (open > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open;
      }
    }
  }
  int status = 0;
  rusage ru{};
  while (::wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
  }
  r.wallMs = std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
  auto ms = [](const timeval& tv) { return tv.tv_sec * 1000.0 + tv.tv_usec / 1000.0; };
  r.cpuMs = ms(ru.ru_utime) + ms(ru.ru_stime);
  r.maxRssKb = ru.ru_maxrss;
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (!helper.empty()) {
    std::ifstream in(report);
    long long wallNs = 0;
    long long startedNs = 0;
    long long userUs = 0;
    long long sysUs = 0;
    if (in >> r.exitCode >> wallNs >> startedNs >> userUs >> sysUs >> r.maxRssKb) {
      r.wallMs = wallNs / 1e6;
      r.started = WallTime(
          std::chrono::duration_cast<WallTime::duration>(std::chrono::nanoseconds(startedNs)));
      r.cpuMs = (userUs + sysUs) / 1e3;
    } else {
      r.maxRssKb = 0;
      r.err += fmt::format("\n(no report from {}: exit {})", helper, r.exitCode);
      if (r.exitCode == 0) r.exitCode = 126;
    }
  }
  return r;
}

// The kernel's count of connections dropped because a listen queue was full
// (TcpExt ListenOverflows, machine-wide). Each costs the client a 1 s SYN
// retransmit; reported so a reader can tell such an outlier from a slow tgwark.
long listenOverflows() {
  std::ifstream in("/proc/net/netstat");
  std::string header;
  std::string values;
  while (std::getline(in, header) && std::getline(in, values)) {
    if (header.rfind("TcpExt:", 0) != 0) continue;
    std::istringstream names(header);
    std::istringstream numbers(values);
    std::string name;
    std::string number;
    while (names >> name && numbers >> number) {
      if (name == "ListenOverflows") return std::atol(number.c_str());
    }
  }
  return -1;
}

// ---------------------------------------------------------------- statistics

struct Samples {
  std::vector<double> values;
  void add(double v) { values.push_back(v); }
  bool empty() const { return values.empty(); }
  double median() const {
    if (values.empty()) return 0;
    auto v = values;
    std::sort(v.begin(), v.end());
    std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }
  double min() const {
    return values.empty() ? 0 : *std::min_element(values.begin(), values.end());
  }
  double max() const {
    return values.empty() ? 0 : *std::max_element(values.begin(), values.end());
  }
};

std::string msText(const Samples& s) {
  if (s.empty()) return "n/a";
  if (s.values.size() == 1) return fmt::format("{:.0f} ms (1 run)", s.median());
  return fmt::format("{:.0f} ms (median of {}, {:.0f}–{:.0f})", s.median(), s.values.size(),
                     s.min(), s.max());
}

std::string ratioText(double num, double den) {
  if (num <= 0 || den <= 0) return "—";
  return fmt::format("{:.2f}×", num / den);
}

// ---------------------------------------------------------------- emulator

struct CallCount {
  int reads = 0;
  int writes = 0;
  int throttled = 0;  // answered RequestLimitExceeded (counted in reads/writes too)
  std::map<std::string, int> byAction;
  int total() const { return reads + writes; }
};

bool isWrite(const std::string& action) {
  for (const char* prefix : {"Create", "Replace", "Delete", "Modify"}) {
    if (action.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

CallCount countCalls(sim::SimState& state) {
  CallCount c;
  auto j = nlohmann::json::parse(state.countersJson(), nullptr, false);
  if (j.is_discarded() || !j.contains("calls")) return c;
  for (const auto& [region, actions] : j["calls"].items()) {
    if (region == "imds") continue;
    for (const auto& [action, n] : actions.items()) {
      int v = n.get<int>();
      c.byAction[action] += v;
      (isWrite(action) ? c.writes : c.reads) += v;
    }
  }
  if (j.contains("errors")) {
    for (const auto& [region, actions] : j["errors"].items()) {
      for (const auto& [action, codes] : actions.items()) {
        if (codes.contains("RequestLimitExceeded")) {
          c.throttled += codes["RequestLimitExceeded"].get<int>();
        }
      }
    }
  }
  return c;
}

std::string callsText(const CallCount& c) {
  std::string text = fmt::format("{} ({} reads, {} writes)", c.total(), c.reads, c.writes);
  if (c.throttled > 0) text += fmt::format(", {} throttled", c.throttled);
  return text;
}

bool isRouteRead(const std::string& action) {
  return action == "DescribeRouteTables" || action == "SearchTransitGatewayRoutes";
}

double msSince(WallTime start, WallTime t) {
  return std::chrono::duration<double, std::milli>(t - start).count();
}

// What the emulator's call log says about one process run, in ms after its spawn.
struct LogTimes {
  std::optional<double> lastWrite;  // the last write EC2 accepted was answered
  // The home routes were confirmed: the first home-region route read that
  // arrived after the home region's last accepted write was answered, answered.
  std::optional<double> homeRight;
};

LogTimes logTimes(const std::vector<sim::CallRecord>& log, WallTime start,
                  const std::string& homeRegion) {
  LogTimes t;
  std::optional<WallTime> lastHomeWrite;
  for (const auto& c : log) {
    if (!isWrite(c.action) || c.status != 200 || !c.answered) continue;
    const double ms = msSince(start, *c.answered);
    t.lastWrite = std::max(t.lastWrite.value_or(ms), ms);
    if (c.region == homeRegion && (!lastHomeWrite || *c.answered > *lastHomeWrite)) {
      lastHomeWrite = c.answered;
    }
  }
  if (!lastHomeWrite) return t;
  for (const auto& c : log) {
    if (c.region != homeRegion || !isRouteRead(c.action) || c.status != 200 || !c.answered ||
        c.received < *lastHomeWrite) {
      continue;
    }
    const double ms = msSince(start, *c.answered);
    t.homeRight = std::min(t.homeRight.value_or(ms), ms);
  }
  return t;
}

// docs/benchmarks.md's model: fixed per-call latency by region, default token buckets.
void applyModel(sim::SimState& state, const std::string& ownRegion) {
  state.addLatency(sim::LatencyRule{"*", "*", kOtherRegionMs, kOtherRegionMs});
  state.addLatency(sim::LatencyRule{ownRegion, "*", kOwnRegionMs, kOwnRegionMs});
  sim::ThrottleOptions throttle;
  throttle.enabled = true;
  state.setThrottle(throttle);
}

// Back to the topology file's state (node-a active), fresh buckets, no counts.
void resetWorld(sim::SimState& state, const std::string& ownRegion) {
  state.reset();
  applyModel(state, ownRegion);
}

struct World {
  std::string name;
  sim::SimTopology topology;
  std::unique_ptr<sim::SimServer> server;
  fs::path configPath;
  std::string configText;
};

std::string configToml(const World& w, const std::string& url, bool explicitTables,
                       int remoteWaitS = 0) {
  std::string toml = fmt::format("vip = \"{}\"\ncreate_missing = true\n", kVip);
  if (explicitTables) {
    // First-time setup: no VIP route exists yet, so discovery would manage only
    // the nodes' VPCs; the operator lists every table that must get one.
    auto list = [](const std::vector<std::string>& ids) {
      std::string out;
      for (const auto& id : ids) out += fmt::format("{}\"{}\"", out.empty() ? "" : ", ", id);
      return "[" + out + "]";
    };
    std::vector<std::string> vpcTables;
    std::vector<std::string> tgwTables;
    std::vector<std::string> regions;
    for (const auto& [name, region] : w.topology.regions) {
      regions.push_back(name);
      for (const auto& [id, rt] : region.routeTables) vpcTables.push_back(id);
      for (const auto& [id, rt] : region.tgwRouteTables) tgwTables.push_back(id);
    }
    toml += fmt::format("vpc_route_tables = {}\ntgw_route_tables = {}\nregions = {}\n",
                        list(vpcTables), list(tgwTables), list(regions));
  }
  for (const auto& n : w.topology.nodes) {
    toml += fmt::format("\n[[node]]\nname = \"{}\"\nregion = \"{}\"\neni = \"{}\"\n", n.name,
                        n.region, n.eniId);
  }
  toml += fmt::format("\n[aws]\nendpoint_url = \"{}\"\nrestore_timeout_s = 300\n", url);
  if (remoteWaitS > 0) toml += fmt::format("remote_wait_s = {}\n", remoteWaitS);
  return toml;
}

// cpp-httplib (compiled into Debian's library) listens with a backlog of 5:
// when tgwark opens a dozen connections at once, the overflowing SYNs are
// dropped and retried by the kernel after 1 s, which measures the emulator,
// not tgwark (AWS endpoints have no such queue). Linux lets a second listen()
// on the same socket raise the backlog, so find the emulator's listening
// socket among this process's descriptors and do that.
bool widenListenBacklog(int port) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc/self/fd", ec)) {
    int fd = std::atoi(entry.path().filename().c_str());
    int listening = 0;
    socklen_t len = sizeof listening;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) continue;
    sockaddr_storage addr{};
    socklen_t addrLen = sizeof addr;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &addrLen) != 0) continue;
    int boundPort = addr.ss_family == AF_INET
                        ? ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port)
                        : ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
    if (boundPort == port) return ::listen(fd, SOMAXCONN) == 0;
  }
  return false;
}

Result<World> startWorld(const std::string& name, const fs::path& file, const fs::path& workDir,
                         bool explicitTables) {
  World w;
  w.name = name;
  auto topology = sim::loadTopology(file);
  TGWARK_RETURN_IF_ERROR(topology);
  w.topology = *topology;
  sim::SimOptions options;
  // Enough HTTP workers that the emulator never limits concurrency (each one
  // is held for the injected latency); AWS has no such limit.
  options.threads = 128;
  auto server = sim::SimServer::create(*topology, options);
  TGWARK_RETURN_IF_ERROR(server);
  TGWARK_RETURN_IF_ERROR((*server)->start());
  w.server = std::move(*server);
  if (!widenListenBacklog(w.server->port())) {
    std::cerr << "tgwark_bench: could not raise the emulator's listen backlog; expect 1 s "
                 "outliers\n";
  }
  w.configText = configToml(w, w.server->url(), explicitTables);
  w.configPath = workDir / (name + ".toml");
  std::ofstream(w.configPath) << w.configText;
  return w;
}

// ---------------------------------------------------------------- harness

struct Row {
  std::string figure;
  std::string measured;
  std::string bound;
  std::string baseline;
  std::string vsBound;     // measured / lower bound
  std::string vsBaseline;  // baseline / measured
};

class Bench {
 public:
  Bench(Options options, fs::path workDir) : o_(std::move(options)), work_(std::move(workDir)) {}

  int run();

 private:
  std::vector<std::string> childEnv(const World& w, const std::string& node) const {
    std::vector<std::string> env = {
        "PATH=/usr/bin:/bin",
        "HOME=" + work_.string(),
        "LANG=C.UTF-8",
        std::string("AWS_ACCESS_KEY_ID=") + kAccessKey,
        std::string("AWS_SECRET_ACCESS_KEY=") + kSecretKey,
        "AWS_CONFIG_FILE=/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
        "AWS_EC2_METADATA_SERVICE_ENDPOINT=" + w.server->metadataEndpoint(node),
        "AWS_EC2_METADATA_DISABLED=true",
        "AWS_PAGER=",
        "AWS_DEFAULT_OUTPUT=json",
        "TGWARK_STATE_DIR=" + (work_ / "state").string(),
        "AWS=" + o_.aws,
    };
    return env;
  }
  std::vector<std::string> tgwarkArgs(const World& w, const std::string& node,
                                      std::vector<std::string> rest) const {
    return tgwarkArgs(w.configPath, node, std::move(rest));
  }
  std::vector<std::string> tgwarkArgs(const fs::path& config, const std::string& node,
                                      std::vector<std::string> rest) const {
    std::vector<std::string> args = {o_.tgwark, "--config", config.string(),
                                     "--node",  node,       "--json"};
    if (o_.verbose) args.push_back("-v");
    args.insert(args.end(), rest.begin(), rest.end());
    return args;
  }
  ProcessResult runProcess(const std::vector<std::string>& argv,
                           const std::vector<std::string>& env) const {
    return bench::runProcess(o_.spawner, work_ / "rusage.txt", argv, env);
  }
  void note(const std::string& line) const {
    std::cerr << line << "\n";
    std::cerr.flush();
  }
  void failRun(const std::string& what, const ProcessResult& r) {
    ++failures_;
    note(fmt::format("  FAILED {} (exit {}):\n{}\n{}", what, r.exitCode, r.out.substr(0, 2000),
                     r.err.substr(0, 2000)));
  }

  // In-process engine over the same HTTP path as the process.
  struct EngineRig {
    model::Config config;
    engine::Ec2Factory factory;
    model::Topology topology;
  };
  Result<EngineRig> engineRig(World& w, const std::string& node);

  // `tgwark restore` as the targets measure it: on a node whose store knows
  // the scope (one `tgwark discover` and one restore with the same config,
  // state and cache directories and node beforehand, not measured), from the
  // topology file's state (node-a active) each time.
  struct StoreRestore {
    Samples wall;
    Samples lastWrite;  // ms after spawn until the last write was accepted
    Samples homeRight;  // ms after spawn until the home routes were read back right
    long peakRssKb = 0;
    CallCount calls;  // of the last run
    std::vector<int> exitCodes;
  };
  StoreRestore restoreWithStore(World& w, const fs::path& config, const std::string& node, int reps,
                                const std::string& label,
                                const std::optional<sim::FaultRule>& fault = std::nullopt);

  void ref3r();
  void refScale();
  void firstTimeSetup();
  std::string writeBaselineList(const plan::Plan& plan);

  Options o_;
  fs::path work_;
  std::vector<Row> rows_;
  std::vector<std::string> notes_;
  int failures_ = 0;
};

Result<Bench::EngineRig> Bench::engineRig(World& w, const std::string& node) {
  auto config = model::parseConfig(w.configText, w.configPath.string());
  TGWARK_RETURN_IF_ERROR(config);
  std::map<std::string, std::string> envMap;
  for (const auto& kv : childEnv(w, node)) {
    auto eq = kv.find('=');
    envMap[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  aws::EnvLookup env = [envMap](std::string_view name) -> std::optional<std::string> {
    auto it = envMap.find(std::string(name));
    if (it == envMap.end()) return std::nullopt;
    return it->second;
  };
  auto factory = engine::makeAwsEc2Factory(*config, env);
  TGWARK_RETURN_IF_ERROR(factory);
  auto deadline = engine::Deadline::after(SystemClock::instance(), Millis(300000));
  auto topology = engine::discover(*config, *factory, deadline);
  TGWARK_RETURN_IF_ERROR(topology);
  return EngineRig{std::move(*config), std::move(*factory), std::move(*topology)};
}

Bench::StoreRestore Bench::restoreWithStore(World& w, const fs::path& config,
                                            const std::string& node, int reps,
                                            const std::string& label,
                                            const std::optional<sim::FaultRule>& fault) {
  StoreRestore out;
  auto& state = w.server->state();
  const auto home = [&] {
    for (const auto& n : w.topology.nodes)
      if (n.name == node) return n.region;
    return std::string();
  }();
  const auto env = childEnv(w, node);
  // Both ways a node's store gets the scope: `discover`, then one restore
  // (with no fault), whichever of them the store is written by.
  for (const char* command : {"discover", "restore"}) {
    resetWorld(state, home);
    auto warm = runProcess(tgwarkArgs(config, node, {command}), env);
    if (warm.exitCode != 0) {
      failRun(fmt::format("{}: tgwark {} (warming the store)", label, command), warm);
      return out;
    }
  }
  for (int i = 0; i < reps; ++i) {
    resetWorld(state, home);
    if (fault) state.addFault(*fault);
    auto r = runProcess(tgwarkArgs(config, node, {"restore"}), env);
    out.exitCodes.push_back(r.exitCode);
    const auto log = state.callLog();
    if (fault) {
      // Stalled calls still hold emulator workers: let them finish (the stall
      // is bounded) so the next run starts from an idle emulator.
      const auto until = SteadyClock::now() + Millis(fault->stallMs + 2000);
      while (SteadyClock::now() < until) {
        const auto now = state.callLog();
        if (std::all_of(now.begin(), now.end(), [](const auto& c) { return c.answered; })) break;
        ::usleep(50000);
      }
    }
    if (r.exitCode != 0 && !fault) {
      failRun("tgwark restore (" + label + ")", r);
      continue;
    }
    const auto times = logTimes(log, r.started, home);
    out.wall.add(r.wallMs);
    if (times.lastWrite) out.lastWrite.add(*times.lastWrite);
    if (times.homeRight) out.homeRight.add(*times.homeRight);
    out.peakRssKb = std::max(out.peakRssKb, r.maxRssKb);
    out.calls = countCalls(state);
    note(
        fmt::format("  {} run {}: exit {}, {:.0f} ms, last write accepted {}, home right {}, {}, "
                    "{:.1f} MiB",
                    label, i + 1, r.exitCode, r.wallMs,
                    times.lastWrite ? fmt::format("{:.0f} ms", *times.lastWrite) : "n/a",
                    times.homeRight ? fmt::format("{:.0f} ms", *times.homeRight) : "n/a",
                    callsText(out.calls), r.maxRssKb / 1024.0));
    if (o_.verbose) note(r.err);
  }
  return out;
}

std::string Bench::writeBaselineList(const plan::Plan& plan) {
  // One line per managed table: what the peers' scripts are configured with.
  fs::path path = work_ / "baseline-tables.txt";
  std::ofstream out(path);
  for (const auto& c : plan.changes) {
    const auto& d = c.desired;
    std::string kind;
    switch (d.target.kind) {
      case model::TargetKind::kNetworkInterface: kind = "network-interface-id"; break;
      case model::TargetKind::kTransitGateway: kind = "transit-gateway-id"; break;
      case model::TargetKind::kTgwAttachment: kind = "transit-gateway-attachment-id"; break;
      default: continue;
    }
    out << (d.tableKind == model::TableKind::kVpc ? "vpc" : "tgw") << " " << d.region << " "
        << d.tableId << " " << kind << " " << d.target.id << "\n";
  }
  return path.string();
}

void Bench::ref3r() {
  note("ref-3r: starting the emulator");
  auto world = startWorld("ref-3r", fs::path(o_.topologies) / "ref-3r.json", work_, false);
  if (!world) {
    ++failures_;
    note("ref-3r: " + world.error().describe());
    return;
  }
  auto& w = *world;
  const std::string active = "node-b";
  const std::string own = w.topology.nodes.at(1).region;
  auto& state = w.server->state();
  const auto env = childEnv(w, active);

  // Restore as LifeKeeper runs it: a fresh process that discovers, reads, writes, reads back.
  Samples restoreWall;
  CallCount restoreCalls;
  nlohmann::json lastApply;
  for (int i = 0; i < o_.reps; ++i) {
    resetWorld(state, own);
    auto r = runProcess(tgwarkArgs(w, active, {"apply", "--active", active}), env);
    if (r.exitCode != 0) {
      failRun("tgwark apply (ref-3r)", r);
      continue;
    }
    restoreWall.add(r.wallMs);
    restoreCalls = countCalls(state);
    lastApply = nlohmann::json::parse(r.out, nullptr, false);
    note(fmt::format("  apply process (discovery) run {}: {:.0f} ms, {}", i + 1, r.wallMs,
                     callsText(restoreCalls)));
  }

  // `tgwark restore` with the scope in the store: the figure the targets are set on.
  auto stored = restoreWithStore(w, w.configPath, active, o_.reps, "restore, scope stored");

  // The same with one remote region (no node in it) stalled for longer than
  // remote_wait_s, with a config that sets a short remote_wait_s.
  const std::string stalledRegion = "eu-west-1";
  const fs::path stallConfig = work_ / "ref-3r-remote-wait.toml";
  std::ofstream(stallConfig) << configToml(w, w.server->url(), false, kRemoteWaitS);
  sim::FaultRule stall;
  stall.region = stalledRegion;
  stall.action = "*";
  stall.kind = "stall";
  stall.probability = 1.0;
  stall.stallMs = (kRemoteWaitS + 3) * 1000;
  auto stalled = restoreWithStore(w, stallConfig, active, o_.reps,
                                  fmt::format("restore, {} stalled", stalledRegion), stall);

  // The same restore in-process with the topology known: what the lower bound models.
  Samples engineWall;
  CallCount engineCalls;
  std::string phases;
  std::optional<plan::Plan> planB;
  resetWorld(state, own);
  auto rig = engineRig(w, active);
  if (!rig) {
    ++failures_;
    note("ref-3r engine: " + rig.error().describe());
  } else {
    for (int i = 0; i < o_.reps; ++i) {
      resetWorld(state, own);
      auto deadline = engine::Deadline::after(SystemClock::instance(), Millis(300000));
      if (!planB) {
        auto planned = engine::planFor(rig->config, rig->topology, active, rig->factory, deadline);
        if (planned) planB = planned->plan;
        resetWorld(state, own);
      }
      auto start = SteadyClock::now();
      auto report = engine::applyFor(rig->config, rig->topology, active, rig->factory, deadline,
                                     engine::applyOptionsFrom(rig->config));
      double ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
      if (!report || !report->allRight()) {
        ++failures_;
        note("  engine apply (ref-3r) not all right");
        continue;
      }
      engineWall.add(ms);
      engineCalls = countCalls(state);
      phases = fmt::format("read {} ms, write {} ms, verify {} ms", report->elapsed.read.count(),
                           report->elapsed.write.count(), report->elapsed.verify.count());
    }
  }

  // quickCheck on the active node after the failover; the first run discovers
  // and fills the topology cache, the measured ones are the steady state.
  Samples qcWall;
  Samples qcCpu;
  CallCount qcCalls;
  double qcColdMs = 0;
  CallCount qcColdCalls;
  for (int i = 0; i <= o_.reps; ++i) {
    // reset() restores node-a's routes: fail over to node-b again (not
    // measured), then refill the buckets.
    resetWorld(state, own);
    auto a = runProcess(tgwarkArgs(w, active, {"apply", "--active", active}), env);
    if (a.exitCode != 0) failRun("tgwark apply before quickCheck", a);
    applyModel(state, own);
    // apply filled the scope store; the first quickCheck runs without it.
    if (i == 0) {
      std::error_code ec;
      for (const auto& entry : fs::directory_iterator(work_ / "state", ec)) {
        if (entry.path().filename().string().starts_with("scope-")) fs::remove(entry.path(), ec);
      }
    }
    auto before = countCalls(state);
    auto r = runProcess(tgwarkArgs(w, active, {"quickCheck"}), env);
    auto after = countCalls(state);
    CallCount c{after.reads - before.reads,
                after.writes - before.writes,
                after.throttled - before.throttled,
                {}};
    if (o_.verbose) note(fmt::format("  quickCheck run {}: {:.0f} ms\n{}", i, r.wallMs, r.err));
    if (r.exitCode != 0) {
      failRun("tgwark quickCheck (ref-3r)", r);
      continue;
    }
    if (i == 0) {
      qcColdMs = r.wallMs;
      qcColdCalls = c;
      continue;
    }
    qcWall.add(r.wallMs);
    qcCpu.add(r.cpuMs);
    qcCalls = c;
  }

  // CPU floor and process start: starting the process at all.
  Samples startCpu;
  Samples startWall;
  for (int i = 0; i < o_.reps; ++i) {
    auto r = runProcess({o_.tgwark, "--version"}, env);
    if (r.exitCode != 0) continue;
    startCpu.add(r.cpuMs);
    startWall.add(r.wallMs);
  }

  // Baseline: the peers' sequential aws-cli script against the same emulator.
  Samples awsRestoreWall;
  Samples awsCheckWall;
  Samples awsCheckCpu;
  CallCount awsRestoreCalls;
  CallCount awsCheckCalls;
  if (o_.awscli && planB && fs::exists(o_.aws)) {
    std::string list = writeBaselineList(*planB);
    for (int i = 0; i < o_.awsReps; ++i) {
      resetWorld(state, own);
      auto r = runProcess({"/bin/bash", o_.baselineScript, "restore", w.server->url(),
                           std::string(kVip) + "/32", list},
                          env);
      if (r.exitCode != 0) {
        failRun("aws-cli baseline restore", r);
        continue;
      }
      awsRestoreWall.add(r.wallMs);
      awsRestoreCalls = countCalls(state);
      note(fmt::format("  aws-cli restore: {:.0f} ms, {}", r.wallMs, callsText(awsRestoreCalls)));
      applyModel(state, own);
      auto before = countCalls(state);
      auto c = runProcess({"/bin/bash", o_.baselineScript, "check", w.server->url(),
                           std::string(kVip) + "/32", list},
                          env);
      auto after = countCalls(state);
      if (c.exitCode != 0) {
        failRun("aws-cli baseline check", c);
        continue;
      }
      awsCheckWall.add(c.wallMs);
      awsCheckCpu.add(c.cpuMs);
      awsCheckCalls = CallCount{after.reads - before.reads,
                                after.writes - before.writes,
                                after.throttled - before.throttled,
                                {}};
      note(fmt::format("  aws-cli check: {:.0f} ms", c.wallMs));
    }
  } else if (o_.awscli) {
    notes_.push_back("aws-cli baseline skipped (no aws CLI at " + o_.aws + " or no plan)");
  }

  // Lower bounds from the latency model: the slowest region answers in 80 ms.
  const double rt = kOtherRegionMs;
  const int regions = static_cast<int>(w.topology.regions.size());
  int tgwTables = 0;
  for (const auto& [name, region] : w.topology.regions) {
    tgwTables += static_cast<int>(region.tgwRouteTables.size());
  }
  const int boundReads = regions + tgwTables;
  const int boundWrites = planB ? static_cast<int>(planB->writeCount()) : 10;

  // Read, write, read back: 3 round trips; the last write is accepted after 2.
  const double wallBound = 3 * rt;
  const double writeBound = 2 * rt;
  const double homeRt = kOwnRegionMs;
  rows_.push_back({"restore wall time, ref-3r, a→b (`tgwark restore` process, scope stored)",
                   msText(stored.wall), fmt::format("{:.0f} ms (3 round trips)", wallBound),
                   msText(awsRestoreWall), ratioText(stored.wall.median(), wallBound),
                   ratioText(awsRestoreWall.median(), stored.wall.median())});
  rows_.push_back(
      {"restore, ref-3r, a→b: last write accepted (`tgwark restore` process, scope stored; from "
       "spawn)",
       msText(stored.lastWrite), fmt::format("{:.0f} ms (2 round trips)", writeBound), "—",
       ratioText(stored.lastWrite.median(), writeBound), "—"});
  rows_.push_back({"restore wall time, ref-3r, a→b (`tgwark apply` process, with discovery)",
                   msText(restoreWall), fmt::format("{:.0f} ms (3 round trips)", wallBound),
                   msText(awsRestoreWall), ratioText(restoreWall.median(), wallBound),
                   ratioText(awsRestoreWall.median(), restoreWall.median())});
  rows_.push_back({"restore wall time, ref-3r, a→b (engine, topology known)",
                   msText(engineWall) + (phases.empty() ? "" : "; " + phases),
                   fmt::format("{:.0f} ms (3 round trips)", wallBound), msText(awsRestoreWall),
                   ratioText(engineWall.median(), wallBound),
                   ratioText(awsRestoreWall.median(), engineWall.median())});
  {
    const double homeBound = 3 * homeRt + startWall.median();
    std::map<int, int> codes;
    for (int c : stalled.exitCodes) ++codes[c];
    std::string exits;
    for (const auto& [code, n] : codes) {
      exits += fmt::format("{}exit {} ×{}", exits.empty() ? "" : ", ", code, n);
    }
    rows_.push_back(
        {fmt::format("restore, ref-3r, a→b, {} stalled: home routes right (`tgwark restore`, "
                     "scope stored; from spawn)",
                     stalledRegion),
         msText(stalled.homeRight),
         fmt::format("{:.0f} ms (3 home round trips {:.0f} ms + process start {:.0f} ms)",
                     homeBound, 3 * homeRt, startWall.median()),
         "—", ratioText(stalled.homeRight.median(), homeBound), "—"});
    rows_.push_back({fmt::format("restore, ref-3r, a→b, {} stalled: process exit", stalledRegion),
                     fmt::format("{}; {}", msText(stalled.wall), exits.empty() ? "n/a" : exits),
                     fmt::format("remote_wait_s = {} s", kRemoteWaitS), "—",
                     ratioText(stalled.wall.median(), kRemoteWaitS * 1000.0), "—"});
  }
  rows_.push_back({"quickCheck wall time, ref-3r (process, topology cached)", msText(qcWall),
                   fmt::format("{:.0f} ms", rt), msText(awsCheckWall),
                   ratioText(qcWall.median(), rt),
                   ratioText(awsCheckWall.median(), qcWall.median())});
  rows_.push_back({"quickCheck wall time, ref-3r (first run: discovery, cache cold)",
                   fmt::format("{:.0f} ms (1 run), {}", qcColdMs, callsText(qcColdCalls)),
                   fmt::format("{:.0f} ms", rt), "—", ratioText(qcColdMs, rt), "—"});
  rows_.push_back({"quickCheck CPU (user+sys), ref-3r", msText(qcCpu),
                   fmt::format("{} (process start)", msText(startCpu)), msText(awsCheckCpu),
                   ratioText(qcCpu.median(), startCpu.median()),
                   ratioText(awsCheckCpu.median(), qcCpu.median())});
  auto awsCount = [](const Samples& s, const CallCount& c) {
    return s.empty() ? std::string("n/a") : callsText(c);
  };
  rows_.push_back(
      {"API calls per restore, ref-3r (engine: read, write, read back)", callsText(engineCalls),
       fmt::format("{} ({} reads, {} writes)", boundReads + boundWrites, boundReads, boundWrites),
       awsCount(awsRestoreWall, awsRestoreCalls),
       ratioText(engineCalls.total(), boundReads + boundWrites),
       ratioText(awsRestoreCalls.total(), engineCalls.total())});
  rows_.push_back(
      {"API calls per restore, ref-3r (`tgwark restore` process, scope stored)",
       callsText(stored.calls),
       fmt::format("{} ({} reads, {} writes)", boundReads + boundWrites, boundReads, boundWrites),
       awsCount(awsRestoreWall, awsRestoreCalls),
       ratioText(stored.calls.total(), boundReads + boundWrites),
       ratioText(awsRestoreCalls.total(), stored.calls.total())});
  rows_.push_back({"API calls per restore, ref-3r (`tgwark apply` process, with discovery)",
                   callsText(restoreCalls), "—", awsCount(awsRestoreWall, awsRestoreCalls), "—",
                   ratioText(awsRestoreCalls.total(), restoreCalls.total())});
  rows_.push_back({"API calls per quickCheck, ref-3r (topology cached)", callsText(qcCalls),
                   fmt::format("{} ({} reads, 0 writes)", boundReads, boundReads),
                   awsCount(awsCheckWall, awsCheckCalls), ratioText(qcCalls.total(), boundReads),
                   ratioText(awsCheckCalls.total(), qcCalls.total())});
  if (!lastApply.is_discarded() && lastApply.contains("elapsed_ms")) {
    notes_.push_back("ref-3r `tgwark apply --json` phases of the last run: " +
                     lastApply["elapsed_ms"].dump());
  }
  w.server->stop();
}

void Bench::refScale() {
  note("ref-scale: starting the emulator");
  auto world = startWorld("ref-scale", fs::path(o_.topologies) / "ref-scale.json", work_, false);
  if (!world) {
    ++failures_;
    note("ref-scale: " + world.error().describe());
    return;
  }
  auto& w = *world;
  const std::string active = "node-b";
  const std::string own = w.topology.nodes.at(1).region;
  auto& state = w.server->state();
  const auto env = childEnv(w, active);

  Samples wall;
  long peakRssKb = 0;
  CallCount calls;
  for (int i = 0; i < o_.scaleReps; ++i) {
    resetWorld(state, own);
    auto r = runProcess(tgwarkArgs(w, active, {"apply", "--active", active}), env);
    if (r.exitCode != 0) {
      failRun("tgwark apply (ref-scale)", r);
      continue;
    }
    wall.add(r.wallMs);
    peakRssKb = std::max(peakRssKb, r.maxRssKb);
    calls = countCalls(state);
    note(fmt::format("  ref-scale apply process (discovery) run {}: {:.0f} ms, {}, {} MiB", i + 1,
                     r.wallMs, callsText(calls), r.maxRssKb / 1024));
  }

  auto stored =
      restoreWithStore(w, w.configPath, active, o_.scaleReps, "ref-scale restore, scope stored");

  // Engine in-process vs the "replace every route" strategy, both from the
  // same state with full token buckets and the topology already known.
  Samples engineWall;
  CallCount engineCalls;
  Samples replaceWall;
  CallCount replaceCalls;
  std::size_t planned = 0;
  std::size_t replaceWrites = 0;
  resetWorld(state, own);
  auto rig = engineRig(w, active);
  if (!rig) {
    ++failures_;
    note("ref-scale engine: " + rig.error().describe());
  } else {
    for (int i = 0; i < o_.scaleReps; ++i) {
      resetWorld(state, own);
      auto deadline = engine::Deadline::after(SystemClock::instance(), Millis(300000));
      auto start = SteadyClock::now();
      auto report = engine::applyFor(rig->config, rig->topology, active, rig->factory, deadline,
                                     engine::applyOptionsFrom(rig->config));
      double ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
      if (!report || !report->allRight()) {
        ++failures_;
        note("  engine apply (ref-scale) not all right");
        continue;
      }
      engineWall.add(ms);
      engineCalls = countCalls(state);
      planned = static_cast<std::size_t>(report->count(engine::RouteOutcome::kWritten));
    }
    if (o_.replaceAll) {
      note("  ref-scale: replace-every-route baseline (token-bucket bound, ~30 s)");
      resetWorld(state, own);
      auto deadline = engine::Deadline::after(SystemClock::instance(), Millis(300000));
      auto start = SteadyClock::now();
      auto p = engine::planFor(rig->config, rig->topology, active, rig->factory, deadline);
      if (p) {
        plan::Plan all = p->plan;
        for (auto& c : all.changes) {
          if (c.kind == plan::ChangeKind::kNone) c.kind = plan::ChangeKind::kReplace;
        }
        replaceWrites = all.writeCount();
        auto report = engine::applyPlan(all, rig->config.vip, rig->factory, deadline,
                                        engine::applyOptionsFrom(rig->config));
        double ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
        if (report.allRight()) {
          replaceWall.add(ms);
          replaceCalls = countCalls(state);
        } else {
          ++failures_;
          note("  replace-all baseline not all right");
        }
      } else {
        ++failures_;
        note("  replace-all plan: " + p.error().describe());
      }
    }
  }

  // Reads: 200 tables per region at 100 per page = 2 pages, then one write.
  const double rt = kOtherRegionMs;
  const double bound = 3 * rt;
  rows_.push_back({"restore wall time, ref-scale, a→b (`tgwark restore` process, scope stored)",
                   msText(stored.wall), fmt::format("{:.0f} ms (3 round trips)", bound),
                   msText(replaceWall), ratioText(stored.wall.median(), bound),
                   ratioText(replaceWall.median(), stored.wall.median())});
  rows_.push_back({"restore wall time, ref-scale, a→b (`tgwark apply` process, with discovery)",
                   msText(wall), fmt::format("{:.0f} ms (3 round trips)", bound),
                   msText(replaceWall), ratioText(wall.median(), bound),
                   ratioText(replaceWall.median(), wall.median())});
  rows_.push_back({"restore wall time, ref-scale, a→b (engine, topology known)",
                   fmt::format("{}; {} routes written, {}", msText(engineWall), planned,
                               callsText(engineCalls)),
                   fmt::format("{:.0f} ms (3 round trips)", bound),
                   replaceWall.empty()
                       ? std::string("n/a")
                       : fmt::format("{}; {} routes written, {}", msText(replaceWall),
                                     replaceWrites, callsText(replaceCalls)),
                   ratioText(engineWall.median(), bound),
                   ratioText(replaceWall.median(), engineWall.median())});
  auto mib = [](long kb) { return kb > 0 ? fmt::format("{:.1f} MiB", kb / 1024.0) : "n/a"; };
  rows_.push_back(
      {"peak RSS, ref-scale restore (`tgwark restore` process, scope stored, "
       "ru_maxrss, highest of the runs)",
       mib(stored.peakRssKb), "—", "—", "—", "—"});
  rows_.push_back(
      {"peak RSS, ref-scale restore (`tgwark apply` process, with discovery, "
       "ru_maxrss, highest of the runs)",
       mib(peakRssKb), "—", "—", "—", "—"});
  rows_.push_back({"API calls per restore, ref-scale (`tgwark restore` process, scope stored)",
                   callsText(stored.calls), "—", "—", "—", "—"});
  rows_.push_back({"API calls per restore, ref-scale (`tgwark apply` process, with discovery)",
                   callsText(calls), "—", "—", "—", "—"});
  w.server->stop();
}

void Bench::firstTimeSetup() {
  note("ref-scale-fresh: first-time setup (token-bucket bound, ~30 s)");
  auto world =
      startWorld("ref-scale-fresh", fs::path(o_.topologies) / "ref-scale-fresh.json", work_, true);
  if (!world) {
    ++failures_;
    note("ref-scale-fresh: " + world.error().describe());
    return;
  }
  auto& w = *world;
  const std::string active = "node-a";
  const std::string own = w.topology.nodes.at(0).region;
  auto& state = w.server->state();
  resetWorld(state, own);
  auto r = runProcess(tgwarkArgs(w, active, {"apply", "--active", active}), childEnv(w, active));
  auto calls = countCalls(state);
  Samples wall;
  if (r.exitCode != 0) {
    failRun("tgwark apply (ref-scale-fresh)", r);
  } else {
    wall.add(r.wallMs);
  }
  // Per region: (creates - burst) / refill, regions in parallel.
  int maxCreates = 0;
  for (const auto& [name, region] : w.topology.regions) {
    maxCreates = std::max(
        maxCreates, static_cast<int>(region.routeTables.size() + region.tgwRouteTables.size()));
  }
  double bound = std::max(0, maxCreates - 50) / 5.0 * 1000.0;
  rows_.push_back(
      {"first-time setup, ref-scale-fresh (`tgwark apply` process)",
       fmt::format("{}; {}", msText(wall), callsText(calls)),
       fmt::format("{:.1f} s (({} creates − 50 burst) / 5 per s)", bound / 1000, maxCreates), "—",
       ratioText(wall.median(), bound), "—"});
  w.server->stop();
}

int Bench::run() {
  if (!fs::exists(o_.tgwark)) {
    std::cerr << "tgwark_bench: no tgwark binary at " << o_.tgwark << " (--tgwark PATH)\n";
    return 2;
  }
  if (!o_.spawner.empty() && !fs::exists(o_.spawner)) {
    std::cerr << "tgwark_bench: no tgwark_bench_spawn at " << o_.spawner << " (--spawner PATH)\n";
    return 2;
  }
  const long overflowsBefore = listenOverflows();
  ref3r();
  refScale();
  if (o_.firstTime) {
    firstTimeSetup();
  } else {
    notes_.push_back("first-time setup not run (pass --first-time; scripts/bench does)");
  }

  if (long overflows = listenOverflows() - overflowsBefore; overflowsBefore >= 0 && overflows > 0) {
    notes_.push_back(fmt::format(
        "{} connection(s) overflowed a listen queue during the run (kernel TcpExt "
        "ListenOverflows, machine-wide, other processes included); each costs the client a 1 s "
        "SYN retransmit, so a ~1 s outlier in a min–max range is that, not tgwark.",
        overflows));
  }
  std::string table =
      "| figure | measured | lower bound | baseline | measured / bound | baseline / measured |\n"
      "|---|---|---|---|---|---|\n";
  for (const auto& r : rows_) {
    table += fmt::format("| {} | {} | {} | {} | {} | {} |\n", r.figure, r.measured, r.bound,
                         r.baseline, r.vsBound, r.vsBaseline);
  }
  std::string text = table;
  text += fmt::format(
      "\nLatency model: {} ms per call in the active node's region, {} ms in the others; EC2 "
      "default token buckets (mutating 50 burst / 5 per s, reads 100 / 20 per s) per region.\n",
      kOwnRegionMs, kOtherRegionMs);
  for (const auto& n : notes_) text += "- " + n + "\n";
  if (failures_ > 0)
    text += fmt::format("\n**{} measurement(s) failed; see stderr.**\n", failures_);
  std::cout << text;
  if (!o_.markdown.empty()) std::ofstream(o_.markdown) << text;
  return failures_ > 0 ? 1 : 0;
}

}  // namespace
}  // namespace tgwark::bench

int main(int argc, char** argv) {
  tgwark::bench::Options o;
  CLI::App app{"tgwark_bench: benchmark figures (docs/benchmarks.md) on the embedded emulator"};
  app.add_option("--reps", o.reps, "repetitions of each ref-3r measurement (median reported)");
  app.add_option("--scale-reps", o.scaleReps, "repetitions of the ref-scale restore");
  app.add_option("--aws-reps", o.awsReps, "repetitions of the aws-cli baseline (slow)");
  app.add_flag("--first-time", o.firstTime, "also run first-time setup on ref-scale-fresh (~30 s)");
  app.add_flag("!--no-awscli", o.awscli, "skip the aws-cli baseline");
  app.add_flag("!--no-replace-all", o.replaceAll, "skip the replace-every-route baseline (~30 s)");
  app.add_option("--tgwark", o.tgwark, "the tgwark binary to measure");
  app.add_option("--spawner", o.spawner,
                 "tgwark_bench_spawn, which runs each measured process and reports its rusage "
                 "(empty: spawn directly; peak RSS then includes this process's at spawn)");
  app.add_option("--aws", o.aws, "the aws CLI for the baseline");
  app.add_option("--baseline-script", o.baselineScript, "bench/baseline_awscli.sh");
  app.add_option("--topologies", o.topologies, "directory with ref-3r.json etc.");
  app.add_flag("-v,--verbose", o.verbose, "run tgwark with -v and show its log of quickCheck");
  app.add_option("--markdown", o.markdown, "also write the result table to this file");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  // The in-process engine's info lines would interleave with the progress notes.
  spdlog::set_level(spdlog::level::warn);
  o.reps = std::max(1, o.reps);
  o.scaleReps = std::max(1, o.scaleReps);
  o.awsReps = std::max(1, o.awsReps);
  char tmpl[] = "/tmp/tgwark-bench-XXXXXX";
  const char* dir = ::mkdtemp(tmpl);
  if (dir == nullptr) {
    std::cerr << "tgwark_bench: cannot create a work directory\n";
    return 2;
  }
  std::filesystem::path work(dir);
  int rc = tgwark::bench::Bench(o, work).run();
  std::error_code ec;
  std::filesystem::remove_all(work, ec);
  return rc;
}
