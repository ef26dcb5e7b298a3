// `tgwark demo`: the whole product on the emulator, end to end. It starts
// tgwark-sim as a child process on a free loopback port, then runs the real engine
// against it over real HTTP with real SigV4 signatures and real IMDSv2
// instance-role credentials: show the VIP's routes as they are, make node-a
// active, show reachability, fail over to node-b, show what changed and the
// new reachability, show that a second apply writes nothing, and shut the
// emulator down. Each step says what it is doing before it does it: a write
// is read back until EC2 reports it active, which takes a few seconds.
#include <spdlog/spdlog.h>

#include <unistd.h>
#include <climits>
#include <iostream>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "aws/curl_http_client.h"
#include "cli/commands.h"
#include "cli/render.h"
#include "cli/session.h"
#include "cli/sim_process.h"
#include "cli/table.h"
#include "common/log.h"
#include "engine/engine.h"

namespace tgwark::cli {

namespace {

constexpr const char* kDemoVip = "192.168.10.10";

struct DemoPrinter {
  bool json = false;
  bool colour = false;
  void heading(const std::string& text) const {
    if (json) return;
    std::cout << "\n" << paint(text, Tone::kGood, colour) << "\n";
  }
  void line(const std::string& text) const {
    if (!json) std::cout << text << "\n";
  }
  void raw(const std::string& text) const {
    if (!json) std::cout << text;
  }
  // What is about to happen, shown before it starts (flushed: the next call
  // may take seconds).
  void progress(const std::string& text) const {
    if (json) return;
    std::cout << paint("... " + text, Tone::kDim, colour) << std::endl;
  }
};

struct DemoNode {
  std::string name;
  std::string region;
  std::string eni;
  std::string instanceId;
};

// The emulator's nodes, from its control API (GET /_sim/state).
Result<std::vector<DemoNode>> emulatorNodes(const std::string& url) {
  aws::CurlHttpClient http{aws::CurlHttpClientOptions{}};
  aws::HttpRequest request;
  request.url = url + "/_sim/state";
  auto response = http.send(request);
  if (!response) return std::unexpected(response.error());
  if (response->status != 200) {
    return makeError(ErrorCategory::kInternal,
                     fmt::format("emulator state: HTTP {}", response->status));
  }
  auto state = nlohmann::json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (!state.is_object() || !state.contains("nodes") || !state["nodes"].is_array()) {
    return makeError(ErrorCategory::kInternal, "emulator state: no nodes");
  }
  std::vector<DemoNode> nodes;
  for (const auto& n : state["nodes"]) {
    nodes.push_back(DemoNode{n.value("name", ""), n.value("region", ""), n.value("eni", ""),
                             n.value("instance_id", "")});
  }
  return nodes;
}

std::string selfPath() {
  char buf[PATH_MAX] = {};
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

std::string demoConfigToml(const std::vector<DemoNode>& nodes, const std::string& url) {
  std::string toml = fmt::format("vip = \"{}\"\ncreate_missing = true\n", kDemoVip);
  for (const auto& n : nodes) {
    toml += fmt::format("\n[[node]]\nname = \"{}\"\nregion = \"{}\"\neni = \"{}\"\n", n.name,
                        n.region, n.eni);
    if (!n.instanceId.empty()) toml += fmt::format("instance_id = \"{}\"\n", n.instanceId);
  }
  toml += fmt::format(
      "\n[aws]\nendpoint_url = \"{}\"\nrestore_timeout_s = 60\n"
      "quickcheck_timeout_s = 30\n",
      url);
  return toml;
}

std::string topologyText(const model::Topology& t) {
  std::string out;
  std::map<std::string, std::vector<std::string>> byRegion;
  for (const auto& [id, tgw] : t.tgws) {
    byRegion[tgw.region].push_back(fmt::format("transit gateway {}", id));
  }
  for (const auto& [id, vpc] : t.vpcs) {
    std::string cidrs;
    for (const auto& c : vpc.cidrs) {
      if (!cidrs.empty()) cidrs += ',';
      cidrs += c.toString();
    }
    std::string node;
    for (const auto& n : t.nodes) {
      if (n.vpcId == id) node += fmt::format(" [{} on {}]", n.name, n.eniId);
    }
    int tables = 0;
    for (const auto& [tid, rt] : t.vpcRouteTables) tables += rt.vpcId == id ? 1 : 0;
    byRegion[vpc.region].push_back(fmt::format("vpc {} {} ({} route table{}){}", id, cidrs, tables,
                                               tables == 1 ? "" : "s", node));
  }
  for (const auto& [region, lines] : byRegion) {
    out += "  " + region + "\n";
    for (const auto& l : lines) out += "    " + l + "\n";
  }
  std::set<std::string> seen;
  for (const auto& a : t.attachments) {
    if (a.kind != model::AttachmentKind::kPeering || !seen.insert(a.peeringKey()).second) continue;
    out += fmt::format("  peering {}: {} ({}) <-> {} ({})\n", a.peeringLabel(), a.tgwId, a.region,
                       a.resourceId, a.peerRegion);
  }
  out += fmt::format("  managed: {} VPC route tables, {} TGW route tables\n",
                     t.managedVpcTables().size(), t.managedTgwTables().size());
  return out;
}

}  // namespace

int cmdDemo(const GlobalOptions& g, const DemoOptions& o) {
  LogOptions log;
  log.level = g.verbosity > 0 ? spdlog::level::debug : spdlog::level::warn;
  log.context = "demo";
  initLogging(log);
  jsonOutput(g.json, "demo");
  DemoPrinter out{g.json, stdoutWantsColour()};

  auto binary = findSimBinary(selfPath(), processEnvironment());
  if (!binary) return reportError(binary.error(), "demo");
  std::vector<std::string> simArgs;
  if (!o.topology.empty()) simArgs = {"--topology", o.topology};
  auto server = SimProcess::start(*binary, simArgs);
  if (!server) return reportError(server.error(), "demo: emulator");
  const std::string url = (*server)->url();
  auto nodes = emulatorNodes(url);
  if (!nodes) return reportError(nodes.error(), "demo: emulator");
  if (nodes->size() < 2) {
    return reportError(
        Error{ErrorCategory::kInvalidConfig, "demo: the topology needs at least two nodes"},
        "demo");
  }
  const std::string first = (*nodes)[0].name;
  const std::string second = (*nodes)[1].name;
  out.line(fmt::format("tgwark demo: EC2 + instance-metadata emulator (tgwark-sim, pid {}) at {}",
                       (*server)->pid(), url));
  out.line("Every call below is a real SigV4-signed HTTP request, with credentials from the");
  out.line(
      fmt::format("emulated instance role of {} (IMDSv2), through the same engine as "
                  "`tgwark apply`.",
                  first));

  auto config = model::parseConfig(demoConfigToml(*nodes, url), "demo.toml");
  if (!config) return reportError(config.error(), "demo: config");

  // Only the emulator, never the user's shell: no real credentials can leak
  // into the demo and nothing in ~/.aws changes what it does.
  std::map<std::string, std::string> envMap = {
      {"AWS_EC2_METADATA_SERVICE_ENDPOINT", url + "/_node/" + first},
      {"AWS_CONFIG_FILE", "/dev/null"},
      {"AWS_SHARED_CREDENTIALS_FILE", "/dev/null"},
  };
  EnvLookup env = [envMap](std::string_view name) -> std::optional<std::string> {
    auto it = envMap.find(std::string(name));
    if (it == envMap.end()) return std::nullopt;
    return it->second;
  };
  app::ContextOptions contextOptions;
  contextOptions.config = *config;
  contextOptions.configSource = app::ConfigSource{"demo.toml", "built in"};
  contextOptions.env = env;
  contextOptions.nodeFlag = first;
  auto session = app::Context::create(std::move(contextOptions));
  if (!session) return reportError(session.error(), "demo");
  auto& s = **session;
  auto deadline = s.deadlineAfterSeconds(120);

  nlohmann::json report;
  report["emulator"] = url;
  report["vip"] = config->vipDestination();

  auto topo = s.topology(deadline);
  if (!topo) return reportError(topo.error(), "demo: discovery");
  out.heading(fmt::format("Topology (discovered: {})", callsText(s.calls())));
  out.raw(topologyText(*topo));
  report["topology"] = topologyJson(*topo);
  report["discovery_calls"] = callsJson(s.calls());

  // Where the VIP's routes point before tgwark changes anything.
  out.heading("Before any failover: the VIP's routes as they are");
  out.progress("reading every managed route table");
  auto before = engine::status(s.config(), *topo, s.factory(), deadline);
  if (!before) return reportError(before.error(), "demo: status");
  out.raw(statusText(*before, out.colour));
  report["before"] = statusJson(*before);
  if (before->servedNode == first) {
    out.line(fmt::format(
        "Every route already serves {}: step 1 checks that and writes nothing; step 2 is the "
        "failover.",
        first));
  } else {
    out.line(
        fmt::format("Step 1 points every route at {}; step 2 fails over to {}.", first, second));
  }

  nlohmann::json steps = nlohmann::json::array();
  auto step = [&](const std::string& title, const std::string& node) -> bool {
    out.heading(title);
    out.progress(fmt::format(
        "pointing every VIP route at {}: reading the routes, writing those that differ, "
        "reading them back",
        node));
    auto options = engine::applyOptionsFrom(s.config());
    auto applied = engine::applyFor(s.config(), *topo, node, s.factory(), deadline, options);
    if (!applied) {
      reportError(applied.error(), "demo: apply");
      return false;
    }
    out.raw(applyText(*applied, out.colour));
    out.progress(fmt::format("verifying: tracing the VIP from every VPC route table to {}", node));
    auto verified = engine::verify(s.config(), *topo, s.factory(), deadline, node);
    if (!verified) {
      reportError(verified.error(), "demo: verify");
      return false;
    }
    out.line("\nReachability of the VIP from every VPC route table in scope:");
    out.raw(verifyText(*verified, out.colour));
    steps.push_back({{"title", title},
                     {"active_node", node},
                     {"apply", applyJson(*applied)},
                     {"verify", verifyJson(*verified)}});
    return applied->allRight() && verified->ok;
  };

  bool ok = step(fmt::format("Step 1: {} becomes active", first), first);
  ok = step(fmt::format("Step 2: fail over to {}", second), second) && ok;
  ok = step(fmt::format("Step 3: apply {} again: nothing to write", second), second) && ok;
  report["steps"] = steps;
  report["ok"] = ok;

  if (o.keep) {
    out.line(
        fmt::format("\nThe emulator keeps running at {} with the state above (Ctrl-C to stop).\n"
                    "In another shell, point tgwark at it (docs/walkthrough.md, section 2):\n"
                    "  export SIM={}",
                    url, url));
    if (g.json) printJsonDocument(report, ok ? kExitOk : kExitFailed);
    std::cout.flush();
    ::pause();
  }
  out.progress("stopping the emulator");
  // Close tgwark's keep-alive connections first: the emulator waits for open
  // ones to go idle (seconds) before it exits.
  session->reset();
  (*server)->stop();
  out.line(ok ? "\nDemo complete: every VPC followed the failover; the emulator is stopped."
              : "\nDemo finished with problems (see above); the emulator is stopped.");
  if (g.json) printJsonDocument(report, ok ? kExitOk : kExitFailed);
  return ok ? kExitOk : kExitFailed;
}

}  // namespace tgwark::cli
