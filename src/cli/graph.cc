#include "cli/graph.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/metrics.h"
#include "cli/render.h"
#include "cli/session.h"
#include "common/atomic_file.h"
#include "plan/desired.h"

extern char** environ;

namespace tgwark::cli {

std::string_view edgeStateName(EdgeState state) {
  switch (state) {
    case EdgeState::kServes: return "serves";
    case EdgeState::kWrong: return "wrong";
    case EdgeState::kBlackhole: return "blackhole";
    case EdgeState::kMissing: return "missing";
    case EdgeState::kUnknown: return "unknown";
  }
  return "unknown";
}

std::string graphActiveNode(const engine::StatusReport& status, const std::string& requested) {
  // The same reference node as `status` judges routes against.
  return requested.empty() ? majorityNode(status) : requested;
}

namespace {

// A DOT double-quoted string.
std::string q(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string nodeId(const std::string& name) {
  return "node:" + name;
}

struct EdgeStyle {
  const char* color;
  const char* style;
};

EdgeStyle styleOf(EdgeState s) {
  switch (s) {
    case EdgeState::kServes: return {"darkgreen", "bold"};
    case EdgeState::kWrong: return {"red", "bold"};
    case EdgeState::kBlackhole: return {"black", "dashed"};
    case EdgeState::kMissing: return {"grey55", "dotted"};
    case EdgeState::kUnknown: return {"grey55", "dashed"};
  }
  return {"grey55", "dashed"};
}

// The graph node a route target leads to: the node owning an ENI, a TGW, or
// for a TGW attachment the VPC or peer TGW behind it.
std::string targetNode(const model::Topology& t, const std::string& tableTgw,
                       const model::RouteTargetRef& target) {
  switch (target.kind) {
    case model::TargetKind::kNetworkInterface: {
      if (const auto* n = t.findNodeByEni(target.id)) return nodeId(n->name);
      return target.id;
    }
    case model::TargetKind::kTgwAttachment: {
      if (const auto* a = t.findAttachment(tableTgw, target.id)) {
        if (a->kind == model::AttachmentKind::kVpc || a->kind == model::AttachmentKind::kPeering) {
          return a->resourceId;
        }
      }
      return target.id;
    }
    default: return target.id.empty() ? std::string("blackhole") : target.id;
  }
}

}  // namespace

std::vector<RouteEdge> routeEdges(const model::Topology& t, const model::Prefix& vip,
                                  const engine::StatusReport& status,
                                  const std::string& activeNode) {
  std::map<std::string, plan::DesiredRoute> desired;
  if (!activeNode.empty()) {
    if (auto d = plan::desiredRoutesReport(t, activeNode, vip)) {
      for (auto& r : d->routes) desired.emplace(r.tableId, r);
    }
  }
  std::vector<RouteEdge> edges;
  for (const auto& r : status.routes) {
    std::string tableTgw;
    if (auto it = t.tgwRouteTables.find(r.tableId); it != t.tgwRouteTables.end()) {
      tableTgw = it->second.tgwId;
    }
    auto want = desired.find(r.tableId);
    RouteEdge e;
    e.tableId = r.tableId;
    if (!r.known) {
      e.state = EdgeState::kUnknown;
      if (want != desired.end()) e.target = want->second.target;
    } else if (!r.route) {
      e.state = EdgeState::kMissing;
      if (want != desired.end()) e.target = want->second.target;
    } else {
      e.target = r.route->target;
      if (r.route->state == "blackhole") {
        e.state = EdgeState::kBlackhole;
      } else if (want != desired.end() && want->second.target == r.route->target) {
        e.state = EdgeState::kServes;
      } else {
        e.state = EdgeState::kWrong;
      }
    }
    e.to = targetNode(t, tableTgw, e.target);
    if (e.target.id.empty() && e.state != EdgeState::kBlackhole) e.to = "unknown target";
    edges.push_back(std::move(e));
  }
  return edges;
}

std::string graphDot(const model::Topology& t, const model::Prefix& vip,
                     const engine::StatusReport& status, const std::string& activeNode) {
  std::string out;
  out += "digraph tgwark {\n";
  out += fmt::format(
      "  graph [rankdir=LR, compound=true, fontname=\"Helvetica\", fontsize=12, labelloc=t, "
      "label={}];\n",
      q(fmt::format("tgwark: VIP {}{}", vip.toString(),
                    activeNode.empty() ? std::string(" (no active node)") : " → " + activeNode)));
  out +=
      "  node [shape=box, style=\"rounded,filled\", fillcolor=white, fontname=\"Helvetica\", "
      "fontsize=10];\n";
  out += "  edge [fontname=\"Helvetica\", fontsize=9];\n";

  std::set<std::string> regions;
  for (const auto& [id, v] : t.vpcs) regions.insert(v.region);
  for (const auto& [id, g] : t.tgws) regions.insert(g.region);
  std::set<std::string> placeholders;  // targets outside the topology

  for (const auto& region : regions) {
    out += fmt::format("  subgraph {} {{\n    label={}; style=rounded; color=grey40;\n",
                       q("cluster_region_" + region), q(region));
    for (const auto& [id, v] : t.vpcs) {
      if (v.region != region) continue;
      std::string cidrs;
      for (const auto& c : v.cidrs) cidrs += (cidrs.empty() ? "" : ", ") + c.toString();
      out += fmt::format(
          "    subgraph {} {{\n      label=\"\"; style=\"rounded,dashed\"; "
          "color=grey60;\n",
          q("cluster_" + id));
      out += fmt::format("      {} [label={}, shape=folder, fillcolor=lightyellow];\n", q(id),
                         q(fmt::format("{}\n{}", id, cidrs)));
      for (const auto& [rid, rt] : t.vpcRouteTables) {
        if (rt.vpcId != id) continue;
        out += fmt::format("      {} [label={}{}];\n", q(rid),
                           q(fmt::format("{}{}", rid, rt.main ? "\n(main)" : "")),
                           rt.managed ? ", penwidth=2" : ", color=grey60, fontcolor=grey40");
      }
      for (const auto& n : t.nodes) {
        if (n.vpcId != id) continue;
        bool active = n.name == activeNode;
        out +=
            fmt::format("      {} [label={}, shape=component, fillcolor={}];\n", q(nodeId(n.name)),
                        q(fmt::format("{}\n{}", n.name, n.eniId)), active ? "palegreen" : "white");
      }
      out += "    }\n";
    }
    for (const auto& [id, g] : t.tgws) {
      if (g.region != region) continue;
      out += fmt::format(
          "    subgraph {} {{\n      label=\"\"; style=\"rounded,dashed\"; "
          "color=steelblue;\n",
          q("cluster_" + id));
      out +=
          fmt::format("      {} [label={}, shape=hexagon, fillcolor=lightblue];\n", q(id), q(id));
      for (const auto& [rid, rt] : t.tgwRouteTables) {
        if (rt.tgwId != id) continue;
        out += fmt::format("      {} [label={}{}];\n", q(rid), q(rid),
                           rt.managed ? ", penwidth=2" : ", color=grey60, fontcolor=grey40");
      }
      out += "    }\n";
    }
    out += "  }\n";
  }

  // Attachments: which VPC each TGW reaches, and the peerings between TGWs.
  std::set<std::string> peerings;
  for (const auto& a : t.attachments) {
    if (a.kind == model::AttachmentKind::kVpc && t.vpcs.contains(a.resourceId)) {
      out += fmt::format("  {} -> {} [dir=none, color=grey70, label={}, fontcolor=grey50];\n",
                         q(a.resourceId), q(a.tgwId), q(a.id));
    } else if (a.kind == model::AttachmentKind::kPeering &&
               peerings.insert(a.peeringKey()).second && t.tgws.contains(a.resourceId)) {
      out += fmt::format(
          "  {} -> {} [dir=both, arrowhead=none, arrowtail=none, color=steelblue, penwidth=2, "
          "label={}{}];\n",
          q(a.tgwId), q(a.resourceId), q(fmt::format("peering {}", a.peeringLabel())),
          a.state == "available" ? "" : ", style=dashed");
    }
  }

  // Managed routes.
  for (const auto& e : routeEdges(t, vip, status, activeNode)) {
    if (!t.vpcs.contains(e.to) && !t.tgws.contains(e.to) && !e.to.starts_with("node:")) {
      placeholders.insert(e.to);
    }
    auto style = styleOf(e.state);
    out += fmt::format(
        "  {} -> {} [id={}, color={}, fontcolor={}, style={}, label={}];\n", q(e.tableId), q(e.to),
        q("route-" + e.tableId), style.color, style.color, style.style,
        q(fmt::format("{}\n{}", e.target.id.empty() ? std::string("(none)") : e.target.id,
                      edgeStateName(e.state))));
  }
  for (const auto& p : placeholders) {
    out += fmt::format("  {} [shape=plaintext, fillcolor=none, fontcolor=grey40];\n", q(p));
  }
  out += "}\n";
  return out;
}

nlohmann::json graphJson(const model::Topology& t, const model::Prefix& vip,
                         const engine::StatusReport& status, const std::string& activeNode) {
  using nlohmann::json;
  json nodes = json::array();
  std::set<std::string> known;
  for (const auto& [id, v] : t.vpcs) {
    json cidrs = json::array();
    for (const auto& c : v.cidrs) cidrs.push_back(c.toString());
    nodes.push_back({{"id", id}, {"kind", "vpc"}, {"region", v.region}, {"cidrs", cidrs}});
    known.insert(id);
  }
  for (const auto& [id, g] : t.tgws) {
    nodes.push_back({{"id", id}, {"kind", "tgw"}, {"region", g.region}});
    known.insert(id);
  }
  for (const auto& n : t.nodes) {
    nodes.push_back({{"id", nodeId(n.name)},
                     {"kind", "node"},
                     {"name", n.name},
                     {"region", n.region},
                     {"eni", n.eniId},
                     {"vpc", n.vpcId},
                     {"active", n.name == activeNode}});
    known.insert(nodeId(n.name));
  }
  json tables = json::array();
  for (const auto& [id, rt] : t.vpcRouteTables) {
    tables.push_back({{"id", id},
                      {"table_kind", "vpc"},
                      {"region", rt.region},
                      {"owner", rt.vpcId},
                      {"main", rt.main},
                      {"managed", rt.managed}});
  }
  for (const auto& [id, rt] : t.tgwRouteTables) {
    tables.push_back({{"id", id},
                      {"table_kind", "tgw"},
                      {"region", rt.region},
                      {"owner", rt.tgwId},
                      {"main", false},
                      {"managed", rt.managed}});
  }
  json edges = json::array();
  std::set<std::string> peerings;
  for (const auto& a : t.attachments) {
    if (a.kind == model::AttachmentKind::kVpc && t.vpcs.contains(a.resourceId)) {
      edges.push_back({{"kind", "vpc-attachment"},
                       {"from", a.resourceId},
                       {"to", a.tgwId},
                       {"id", a.id},
                       {"state", a.state}});
    } else if (a.kind == model::AttachmentKind::kPeering &&
               peerings.insert(a.peeringKey()).second && t.tgws.contains(a.resourceId)) {
      json edge = {{"kind", "peering"},
                   {"from", a.tgwId},
                   {"to", a.resourceId},
                   {"id", a.id},
                   {"state", a.state}};
      // Within one region each side has its own attachment id.
      if (!a.peerAttachmentId.empty() && a.peerAttachmentId != a.id) {
        edge["peer_id"] = a.peerAttachmentId;
      }
      edges.push_back(std::move(edge));
    }
  }
  for (const auto& e : routeEdges(t, vip, status, activeNode)) {
    if (!known.contains(e.to)) {
      // A target outside the topology: a vertex of its own, as in the DOT.
      nodes.push_back({{"id", e.to}, {"kind", "external"}});
      known.insert(e.to);
    }
    edges.push_back({{"kind", "route"},
                     {"from", e.tableId},
                     {"to", e.to},
                     {"id", "route-" + e.tableId},
                     {"target", e.target.id},
                     {"state", std::string(edgeStateName(e.state))}});
  }
  return json{{"vip", vip.toString()},
              {"active_node", activeNode},
              {"nodes", nodes},
              {"tables", tables},
              {"edges", edges}};
}

Result<std::string> renderSvg(const std::string& dot, const std::string& program) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path dir = fs::temp_directory_path(ec);
  if (ec) dir = "/tmp";
  std::string tmpl = (dir / "tgwark-graph-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return makeError(ErrorCategory::kInternal,
                     fmt::format("cannot create a temporary directory: {}", std::strerror(errno)));
  }
  fs::path work(tmpl);
  struct Cleanup {
    fs::path p;
    ~Cleanup() {
      std::error_code e;
      fs::remove_all(p, e);
    }
  } cleanup{work};
  const std::string in = (work / "graph.dot").string();
  const std::string outPath = (work / "graph.svg").string();
  const std::string errPath = (work / "stderr").string();
  {
    std::ofstream f(in);
    f << dot;
    if (!f.flush()) {
      return makeError(ErrorCategory::kInternal, "cannot write " + in);
    }
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, errPath.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::string a0 = program, a1 = "-Tsvg", a2 = "-o", a3 = outPath, a4 = in;
  char* argv[] = {a0.data(), a1.data(), a2.data(), a3.data(), a4.data(), nullptr};
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, program.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    if (rc == ENOENT) {
      return makeError(ErrorCategory::kNotFound,
                       fmt::format("'{}' not found on PATH: install graphviz (apt-get install "
                                   "graphviz / dnf install graphviz) or use --format dot",
                                   program));
    }
    return makeError(ErrorCategory::kInternal,
                     fmt::format("cannot run {}: {}", program, std::strerror(rc)));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return makeError(ErrorCategory::kInternal,
                       fmt::format("waiting for {}: {}", program, std::strerror(errno)));
    }
  }
  auto slurp = [](const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
  };
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string err = slurp(errPath);
    while (!err.empty() && (err.back() == '\n' || err.back() == '\r')) err.pop_back();
    return makeError(ErrorCategory::kInternal,
                     fmt::format("{} -Tsvg failed ({}): {}", program,
                                 WIFEXITED(status) ? fmt::format("exit {}", WEXITSTATUS(status))
                                                   : std::string("killed"),
                                 err));
  }
  return slurp(outPath);
}

int cmdGraph(const GlobalOptions& g, const GraphOptions& o) {
  MetricsScope metrics(g, "graph");
  auto session = openSession(g, "graph");
  if (g.json && o.format == "svg") {
    // JSON is its own format; which of the two was meant cannot be guessed.
    const Error usage{
        ErrorCategory::kInvalidConfig,
        "--json and --format svg exclude each other: --json prints the graph as JSON"};
    printJsonError(usage, kExitBadConfig, "usage");
    return metrics.exit(reportError(usage, "graph"));
  }
  if (!session) return metrics.exit(reportError(session.error(), "graph"));
  auto& s = **session;
  metrics.attach(s);
  if (!o.active.empty() && s.config().findNode(o.active) == nullptr) {
    return metrics.exit(
        reportError(Error{ErrorCategory::kInvalidConfig,
                          fmt::format("--active {}: no such node in {} (nodes: {})", o.active,
                                      s.config().sourceName, s.config().nodeNames())},
                    "graph"));
  }
  auto deadline = s.deadlineAfterSeconds(s.config().aws.quickcheckTimeoutS);
  auto topology = s.topology(deadline);
  if (!topology) return metrics.exit(reportError(topology.error(), "graph: discovery"));
  auto status = engine::status(s.config(), *topology, s.factory(), deadline);
  if (!status) return metrics.exit(reportError(status.error(), "graph: status"));
  metrics.setRoutes(routeCounts(*status));
  const std::string active = graphActiveNode(*status, o.active);
  if (g.json) {
    auto j = graphJson(*topology, s.config().vip, *status, active);
    j["ok"] = true;
    j["calls"] = callsJson(s.calls());
    if (o.output.empty() || o.output == "-") {
      printJsonDocument(j, kExitOk);
    } else if (auto written =
                   writeFileAtomically(o.output, stampDocument(j, "graph", kExitOk).dump(2) + "\n");
               !written) {
      return metrics.exit(reportError(written.error(), "graph"));
    }
    return metrics.exit(kExitOk);
  }
  std::string text = graphDot(*topology, s.config().vip, *status, active);
  if (o.format == "svg") {
    auto svg = renderSvg(text);
    if (!svg) return metrics.exit(reportError(svg.error(), "graph"));
    text = std::move(*svg);
  }
  if (o.output.empty() || o.output == "-") {
    std::cout << text;
  } else if (auto written = writeFileAtomically(o.output, text); !written) {
    return metrics.exit(reportError(written.error(), "graph"));
  }
  return metrics.exit(kExitOk);
}

}  // namespace tgwark::cli
