#include "cli/render.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "cli/table.h"
#include "common/log_text.h"

namespace tgwark::cli {

using nlohmann::json;

namespace {

std::string observedText(const std::optional<model::ObservedRoute>& route) {
  if (!route) return "(absent)";
  std::string text = targetText(route->target);
  if (route->state != "active") text += " [" + route->state + "]";
  return text;
}

json routeJson(const std::optional<model::ObservedRoute>& route) {
  if (!route) return nullptr;
  return json{{"destination", route->destination.toString()},
              {"target", route->target.id},
              {"state", route->state},
              {"propagated", route->propagated}};
}

Tone changeTone(plan::ChangeKind kind) {
  switch (kind) {
    case plan::ChangeKind::kNone: return Tone::kGood;
    case plan::ChangeKind::kMissing:
    case plan::ChangeKind::kUnknown: return Tone::kBad;
    default: return Tone::kWarn;
  }
}

// The diff names the nodes a route serves joined by ","; documents list them.
json servesList(const std::string& joined) {
  json out = json::array();
  std::size_t start = 0;
  while (start < joined.size()) {
    auto comma = joined.find(',', start);
    if (comma == std::string::npos) comma = joined.size();
    if (comma > start) out.push_back(joined.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

json changeJson(const plan::RouteChange& c) {
  return json{{"table_kind", tableKindText(c.desired.tableKind)},
              {"region", c.desired.region},
              {"table", c.desired.tableId},
              {"role", std::string(plan::roleName(c.desired.role))},
              {"home", c.desired.home()},
              {"destination", c.desired.destination.toString()},
              {"desired_target", c.desired.target.id},
              {"current", routeJson(c.observed)},
              {"currently_serves", servesList(c.currentlyServes)},
              {"change", std::string(plan::changeKindName(c.kind))}};
}

Tone outcomeTone(engine::RouteOutcome o) {
  switch (o) {
    case engine::RouteOutcome::kUnchanged:
    case engine::RouteOutcome::kWritten: return Tone::kGood;
    case engine::RouteOutcome::kSkipped: return Tone::kWarn;
    default: return Tone::kBad;
  }
}

std::string ms(Millis m) {
  return fmt::format("{} ms", m.count());
}

}  // namespace

std::string planText(const plan::Plan& plan, bool colour) {
  Table t({"REGION", "KIND", "TABLE", "ROLE", "CURRENT", "DESIRED", "CHANGE"});
  for (const auto& c : plan.changes) {
    t.addRow({c.desired.region, tableKindText(c.desired.tableKind), c.desired.tableId,
              std::string(plan::roleName(c.desired.role)) + (c.desired.home() ? " (home)" : ""),
              observedText(c.observed), targetText(c.desired.target),
              Cell(std::string(plan::changeKindName(c.kind)), changeTone(c.kind))});
  }
  return t.render(colour) + fmt::format("{} of {} routes would be written for {}\n",
                                        plan.writeCount(), plan.changes.size(), plan.activeNode);
}

json planJson(const plan::Plan& plan) {
  json changes = json::array();
  for (const auto& c : plan.changes) changes.push_back(changeJson(c));
  return json{{"active_node", plan.activeNode},
              {"writes", plan.writeCount()},
              {"home_right", plan.homeRight()},
              {"ok", plan.allRight()},
              {"all_right", plan.allRight()},  // the name before `ok`; kept
              {"routes", changes}};
}

json callsJson(const engine::ApiCallCounts& calls) {
  return json{{"total", calls.total()},
              {"reads", calls.reads},
              {"writes", calls.writes},
              {"by_action", calls.byAction}};
}

namespace {
struct WouldWrite {
  int creates = 0;
  int replaces = 0;  // fix-blackhole included: it is a ReplaceRoute
};
// A dry run's skipped routes, by the write apply would make.
WouldWrite wouldWrite(const engine::ApplyReport& report) {
  WouldWrite w;
  for (const auto& r : report.routes) {
    if (r.outcome != engine::RouteOutcome::kSkipped) continue;
    if (r.change.kind == plan::ChangeKind::kCreate) {
      ++w.creates;
    } else if (r.change.needsWrite()) {
      ++w.replaces;
    }
  }
  return w;
}
}  // namespace

std::string applyText(const engine::ApplyReport& report, bool colour) {
  Table t({"REGION", "KIND", "TABLE", "ROLE", "WAS", "NOW", "OUTCOME", "DETAIL"});
  for (const auto& r : report.routes) {
    const auto& c = r.change;
    t.addRow({c.desired.region, tableKindText(c.desired.tableKind), c.desired.tableId,
              std::string(plan::roleName(c.desired.role)) + (c.desired.home() ? " (home)" : ""),
              observedText(c.observed), targetText(c.desired.target),
              Cell(std::string(engine::routeOutcomeName(r.outcome)), outcomeTone(r.outcome)),
              r.error ? r.error->describe() : r.detail});
  }
  std::string out = t.render(colour);
  if (report.dryRun) {
    const auto w = wouldWrite(report);
    out += fmt::format(
        "dry run for {}: would write {} ({} replace, {} create), {} unchanged, {} failed, {} "
        "unknown, {} missing; {}\n",
        report.activeNode, w.creates + w.replaces, w.replaces, w.creates,
        report.count(engine::RouteOutcome::kUnchanged), report.count(engine::RouteOutcome::kFailed),
        report.count(engine::RouteOutcome::kUnknown), report.count(engine::RouteOutcome::kMissing),
        callsText(report.calls));
  } else {
    out += fmt::format("{}: {} written, {} unchanged, {} failed, {} unknown, {} missing; {}\n",
                       report.activeNode, report.count(engine::RouteOutcome::kWritten),
                       report.count(engine::RouteOutcome::kUnchanged),
                       report.count(engine::RouteOutcome::kFailed),
                       report.count(engine::RouteOutcome::kUnknown),
                       report.count(engine::RouteOutcome::kMissing), callsText(report.calls));
  }
  out += fmt::format("time: read {}, write {} (paced {}), verify {}\n", ms(report.elapsed.read),
                     ms(report.elapsed.write), ms(report.elapsed.paced), ms(report.elapsed.verify));
  return out;
}

json applyJson(const engine::ApplyReport& report) {
  json routes = json::array();
  for (const auto& r : report.routes) {
    json j = changeJson(r.change);
    j["outcome"] = std::string(engine::routeOutcomeName(r.outcome));
    j["action"] = r.action;
    j["detail"] = r.detail;
    if (r.error) {
      j["error"] = json{{"category", std::string(categoryName(r.error->category))},
                        {"code", r.error->awsCode},
                        {"message", r.error->message},
                        {"request_id", r.error->requestId}};
    }
    routes.push_back(std::move(j));
  }
  const auto w = wouldWrite(report);
  return json{{"active_node", report.activeNode},
              {"dry_run", report.dryRun},
              {"home_right", report.homeRight()},
              {"ok", report.allRight()},
              {"all_right", report.allRight()},  // the name before `ok`; kept
              {"counts",
               {{"would_write", w.creates + w.replaces},
                {"would_create", w.creates},
                {"would_replace", w.replaces},
                {"written", report.count(engine::RouteOutcome::kWritten)},
                {"unchanged", report.count(engine::RouteOutcome::kUnchanged)},
                {"failed", report.count(engine::RouteOutcome::kFailed)},
                {"unknown", report.count(engine::RouteOutcome::kUnknown)},
                {"missing", report.count(engine::RouteOutcome::kMissing)},
                {"skipped", report.count(engine::RouteOutcome::kSkipped)}}},
              {"calls", callsJson(report.calls)},
              {"elapsed_ms",
               {{"read", report.elapsed.read.count()},
                {"write", report.elapsed.write.count()},
                {"paced", report.elapsed.paced.count()},
                {"verify", report.elapsed.verify.count()}}},
              {"routes", routes}};
}

namespace {
std::string joinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ',';
    out += n;
  }
  return out;
}
}  // namespace

std::string majorityNode(const engine::StatusReport& report) {
  if (!report.servedNode.empty()) return report.servedNode;
  std::map<std::string, int> votes;
  for (const auto& r : report.routes) {
    if (r.known && r.route && r.route->state == "active") {
      for (const auto& n : r.serves) ++votes[n];
    }
  }
  if (votes.empty()) return {};
  // Ties go to the first name: deterministic.
  return std::max_element(votes.begin(), votes.end(),
                          [](const auto& a, const auto& b) { return a.second < b.second; })
      ->first;
}

std::string routeProblem(const engine::RouteStatus& r, const std::string& reference) {
  if (!r.known) return "unknown";
  if (!r.route) return "missing";
  if (r.route->state == "blackhole") return "blackhole";
  if (r.route->state != "active" || reference.empty() ||
      std::find(r.serves.begin(), r.serves.end(), reference) == r.serves.end()) {
    return "wrong-target";
  }
  return "";
}

std::string statusFixCommand(const engine::StatusReport& report) {
  if (report.consistent()) return "";
  const std::string reference = majorityNode(report);
  bool unknownOnly = true;
  for (const auto& r : report.routes) {
    const auto problem = routeProblem(r, reference);
    if (!problem.empty() && problem != "unknown") unknownOnly = false;
  }
  // Unreadable tables are fixed by access, not by writing routes.
  if (unknownOnly) return "tgwark validate";
  if (reference.empty()) return "tgwark apply --active NODE";
  return fmt::format("tgwark apply --active {}", reference);
}

namespace {
json staleJson(const std::map<std::string, std::string>& staleRegions) {
  json stale = json::object();
  for (const auto& [region, why] : staleRegions) stale[region] = why;
  return stale;
}

// Said under the table whatever the verdict: a region that could not be read
// is why some tables are unknown, or absent (no stored scope to stand in).
std::string staleRegionsText(const std::map<std::string, std::string>& staleRegions) {
  std::string out;
  for (const auto& [region, why] : staleRegions) {
    out += fmt::format(
        "region {} could not be read (its tables are its last known scope, or missing): {}\n",
        region, escapeForLog(why));
  }
  return out;
}
}  // namespace

std::string statusText(const engine::StatusReport& report, bool colour,
                       const std::map<std::string, std::string>& staleRegions) {
  const std::string reference = majorityNode(report);
  Table t({"REGION", "KIND", "TABLE", "TARGET", "STATE", "SERVES", "PROBLEM"});
  std::vector<std::string> odd;
  for (const auto& r : report.routes) {
    std::string state = !r.known ? "unknown" : (r.route ? r.route->state : "missing");
    const std::string problem = routeProblem(r, reference);
    Tone tone = problem.empty() ? Tone::kGood : Tone::kBad;
    t.addRow({r.region, tableKindText(r.kind), r.tableId, r.known ? observedText(r.route) : r.error,
              Cell(state, tone), r.serves.empty() ? "-" : joinNames(r.serves),
              problem.empty() ? Cell("-") : Cell(problem, Tone::kBad)});
    if (problem == "unknown") {
      odd.push_back(fmt::format("  {} {} {} ({}): could not be read: {}", "unknown", r.tableId,
                                r.region, tableKindText(r.kind), r.error));
    } else if (problem == "missing") {
      odd.push_back(fmt::format("  {} {} {} ({}): no route for the VIP", "missing", r.tableId,
                                r.region, tableKindText(r.kind)));
    } else if (!problem.empty()) {
      odd.push_back(
          fmt::format("  {} {} {} ({}): points to {}{}{}", problem, r.tableId, r.region,
                      tableKindText(r.kind), observedText(r.route),
                      r.serves.empty() ? std::string(", which serves no node")
                                       : fmt::format(", which serves {}", joinNames(r.serves)),
                      reference.empty() ? std::string() : fmt::format(", not {}", reference)));
    }
  }
  std::string out = t.render(colour) + staleRegionsText(staleRegions);
  if (report.consistent()) {
    out += fmt::format("every route serves {}\n", report.servedNode);
    return out;
  }
  out += reference.empty() ? std::string("routes do not all serve one node:\n")
                           : fmt::format("routes do not all serve one node ({} of {} serve {}):\n",
                                         std::count_if(report.routes.begin(), report.routes.end(),
                                                       [&reference](const auto& r) {
                                                         return routeProblem(r, reference).empty();
                                                       }),
                                         report.routes.size(), reference);
  for (const auto& line : odd) out += line + "\n";
  const std::string fix = statusFixCommand(report);
  if (fix == "tgwark validate") {
    out +=
        "fix: make the tables readable (run `tgwark validate` for the cause), then run "
        "`tgwark status` again\n";
  } else {
    out += fmt::format(
        "fix: `{}` (or `tgwark restore` on the node that should be active) points every route "
        "at one node\n",
        fix);
  }
  return out;
}

json statusJson(const engine::StatusReport& report,
                const std::map<std::string, std::string>& staleRegions) {
  const std::string reference = majorityNode(report);
  json routes = json::array();
  for (const auto& r : report.routes) {
    routes.push_back(json{{"table_kind", tableKindText(r.kind)},
                          {"region", r.region},
                          {"table", r.tableId},
                          {"known", r.known},
                          {"error", r.error},
                          {"route", routeJson(r.route)},
                          {"serves", r.serves},
                          {"problem", routeProblem(r, reference)}});
  }
  return json{{"active_node", report.servedNode},
              {"served_node", report.servedNode},  // the name before `active_node`; kept
              {"majority_node", reference},
              {"ok", report.consistent()},
              {"consistent", report.consistent()},  // the name before `ok`; kept
              {"fix_command", statusFixCommand(report)},
              {"calls", callsJson(report.calls)},
              {"routes", routes},
              {"stale_regions", staleJson(staleRegions)}};
}

std::string verifyText(const engine::VerifyReport& report, bool colour) {
  Table t({"REGION", "FROM TABLE", "OUTCOME", "REACHES", "PATH"});
  for (const auto& tr : report.traces) {
    std::string path;
    for (const auto& h : tr.hops) path += (path.empty() ? "" : " → ") + h.tableId;
    if (!tr.reachedEni.empty()) path += " → " + tr.reachedEni;
    bool good = tr.outcome == plan::TraceOutcome::kReached && tr.reachedNode == report.expectedNode;
    t.addRow(
        {tr.region, tr.sourceTableId,
         Cell(std::string(plan::traceOutcomeName(tr.outcome)), good ? Tone::kGood : Tone::kBad),
         tr.reachedNode.empty() ? "-" : tr.reachedNode,
         tr.detail.empty() ? path : path + " (" + tr.detail + ")"});
  }
  std::string out = t.render(colour);
  out += report.ok ? fmt::format("every VPC in scope reaches {}\n", report.expectedNode)
                   : fmt::format("not every VPC reaches {}\n", report.expectedNode.empty()
                                                                   ? std::string("one node")
                                                                   : report.expectedNode);
  return out;
}

json verifyJson(const engine::VerifyReport& report) {
  json traces = json::array();
  for (const auto& tr : report.traces) {
    json hops = json::array();
    for (const auto& h : tr.hops) {
      hops.push_back(json{{"table_kind", tableKindText(h.tableKind)},
                          {"region", h.region},
                          {"table", h.tableId},
                          {"matched", h.matched}});
    }
    traces.push_back(json{{"source_vpc", tr.sourceVpcId},
                          {"source_table", tr.sourceTableId},
                          {"region", tr.region},
                          {"outcome", std::string(plan::traceOutcomeName(tr.outcome))},
                          {"reached_node", tr.reachedNode},
                          {"reached_eni", tr.reachedEni},
                          {"detail", tr.detail},
                          {"hops", hops}});
  }
  return json{{"active_node", report.expectedNode},
              {"expected_node", report.expectedNode},  // the name before `active_node`; kept
              {"ok", report.ok},
              {"calls", callsJson(report.calls)},
              {"traces", traces}};
}

std::string topologyToml(const model::Topology& topology) {
  std::string out = "# Scope discovered by `tgwark discover`. Paste into the config to pin it.\n";
  // Where each managed table came from and since when (the durable scope).
  auto origin = [&](const std::string& id) -> std::string {
    auto it = topology.origins.find(id);
    if (it == topology.origins.end()) return "";
    return fmt::format(" [{}, first seen {}]", model::provenanceName(it->second.provenance),
                       model::firstSeenText(it->second.firstSeen));
  };
  out += "vpc_route_tables = [\n";
  for (const auto* t : topology.managedVpcTables()) {
    out += fmt::format("  \"{}\",  # {} {}{}{}\n", t->id, t->region, t->vpcId,
                       t->why.empty() ? "" : " — " + t->why, origin(t->id));
  }
  out += "]\ntgw_route_tables = [\n";
  for (const auto* t : topology.managedTgwTables()) {
    out += fmt::format("  \"{}\",  # {} {}{}\n", t->id, t->region, t->tgwId, origin(t->id));
  }
  out += "]\n";
  // Tables outside the nodes' regions are only found when their region is listed.
  std::set<std::string> nodeRegions, extraRegions;
  for (const auto& n : topology.nodes) nodeRegions.insert(n.region);
  for (const auto* t : topology.managedVpcTables()) {
    if (!nodeRegions.contains(t->region)) extraRegions.insert(t->region);
  }
  for (const auto* t : topology.managedTgwTables()) {
    if (!nodeRegions.contains(t->region)) extraRegions.insert(t->region);
  }
  if (!extraRegions.empty()) {
    out += "regions = [";
    bool first = true;
    for (const auto& r : extraRegions) {
      out += fmt::format("{}\"{}\"", first ? "" : ", ", r);
      first = false;
    }
    out += "]\n";
  }
  std::vector<std::string> notManaged;
  for (const auto& [id, t] : topology.vpcRouteTables) {
    if (!t.managed) {
      notManaged.push_back(
          fmt::format("#   {} {} {}{}", id, t.region, t.vpcId, t.why.empty() ? "" : " — " + t.why));
    }
  }
  if (!notManaged.empty()) {
    out +=
        "# Route tables seen but not managed (no VIP route; list them, or tag them with "
        "scope_tag, to manage them):\n";
    for (const auto& line : notManaged) out += line + "\n";
  }
  if (!topology.staleRegions.empty()) {
    out += "# Regions that could not be read (their part is the last known scope):\n";
    for (const auto& [region, why] : topology.staleRegions) {
      out += fmt::format("#   {}: {}\n", region, escapeForLog(why));
    }
  }
  out += "\n# Nodes as resolved:\n";
  for (const auto& n : topology.nodes) {
    out += fmt::format("#   {}: {} {} {} {}\n", n.name, n.region, n.eniId, n.vpcId,
                       n.tgwId.empty() ? std::string("(no transit gateway: single VPC)")
                                       : fmt::format("via {} ({})", n.tgwId, n.vpcAttachmentId));
  }
  for (const auto& name : topology.unplacedNodes) {
    out += fmt::format(
        "#   {}: left out (its region could not be read, and no stored scope "
        "places it)\n",
        name);
  }
  return out;
}

json topologyJson(const model::Topology& topology) {
  // Managed tables say where they came from; null for the others.
  auto withOrigin = [&](json row, const std::string& id) {
    auto it = topology.origins.find(id);
    if (it == topology.origins.end() || !row["managed"].get<bool>()) {
      row["provenance"] = nullptr;
      row["first_seen"] = nullptr;
    } else {
      row["provenance"] = std::string(model::provenanceName(it->second.provenance));
      row["first_seen"] = it->second.firstSeen > 0
                              ? json(model::firstSeenText(it->second.firstSeen))
                              : json(nullptr);
    }
    return row;
  };
  json vpcTables = json::array();
  for (const auto& [id, t] : topology.vpcRouteTables) {
    vpcTables.push_back(withOrigin(json{{"id", id},
                                        {"region", t.region},
                                        {"vpc", t.vpcId},
                                        {"main", t.main},
                                        {"managed", t.managed},
                                        {"why", t.why}},
                                   id));
  }
  json tgwTables = json::array();
  for (const auto& [id, t] : topology.tgwRouteTables) {
    tgwTables.push_back(withOrigin(
        json{{"id", id}, {"region", t.region}, {"tgw", t.tgwId}, {"managed", t.managed}}, id));
  }
  const json stale = staleJson(topology.staleRegions);
  json nodes = json::array();
  for (const auto& n : topology.nodes) {
    nodes.push_back(json{{"name", n.name},
                         {"region", n.region},
                         {"eni", n.eniId},
                         {"vpc", n.vpcId},
                         {"tgw", n.tgwId},
                         {"vpc_attachment", n.vpcAttachmentId}});
  }
  return json{{"vpc_route_tables", vpcTables},
              {"tgw_route_tables", tgwTables},
              {"nodes", nodes},
              {"stale_regions", stale}};
}

json stampDocument(json document, std::string_view command, int exitCode) {
  document["schema_version"] = kJsonSchemaVersion;
  document["command"] = std::string(command);
  document["exit_code"] = exitCode;
  return document;
}

json errorDocument(const Error& error, std::string_view category) {
  return json{{"ok", false},
              {"error",
               {{"category", category.empty() ? std::string(categoryName(error.category))
                                              : std::string(category)},
                // Untrusted text (a config line, an API answer): bounded and
                // escaped as in the logs.
                {"message", escapeForLog(error.message)},
                {"code", escapeForLog(error.awsCode)},
                {"request_id", escapeForLog(error.requestId)}}}};
}

}  // namespace tgwark::cli
