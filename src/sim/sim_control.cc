// The /_sim/ control API of SimState (documented in docs/emulator.md).
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/sim_model.h"
#include "sim/sim_state.h"

namespace tgwark::sim {

using nlohmann::json;

namespace {

struct ControlError {
  std::string message;
};

SimResponse jsonResponse(int status, const json& body) {
  SimResponse response;
  response.status = status;
  response.contentType = "application/json";
  response.body = body.dump(2) + "\n";
  return response;
}

std::string str(const json& j, const char* key, bool required = true) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_string()) {
    if (required) throw ControlError{fmt::format("'{}' (string) is required", key)};
    return {};
  }
  return it->get<std::string>();
}

SimRegion& regionOf(SimTopology& topology, const json& j) {
  const std::string name = str(j, "region");
  const auto it = topology.regions.find(name);
  if (it == topology.regions.end()) throw ControlError{"unknown region " + name};
  return it->second;
}

std::string cidrOf(const json& j, bool* ipv6 = nullptr) {
  const std::string raw = str(j, "destination");
  const auto canonical = canonicalCidr(raw, ipv6);
  if (!canonical) throw ControlError{"invalid destination CIDR " + raw};
  return *canonical;
}

void removeId(std::vector<std::string>& list, const std::string& id) {
  std::erase(list, id);
}

// The two kinds of route table differ, for the drift ops, only in where they
// are kept, what they belong to (a VPC, a transit gateway) and what a route
// of theirs is made of; the ops themselves are the same for both.
struct VpcTables {
  using Table = SimRouteTable;
  static constexpr const char* kNoun = "route table";
  static constexpr const char* kParentKey = "vpc";
  static constexpr const char* kParentNoun = "VPC";
  static constexpr const char* kMissingRoute = "no route";
  static std::map<std::string, Table>& tables(SimRegion& region) { return region.routeTables; }
  static bool hasParent(const SimRegion& region, const std::string& id) {
    return region.vpcs.contains(id);
  }
  static void setParent(Table& table, const std::string& id) { table.vpcId = id; }
  static std::vector<SimRoute>& routes(Table& table) { return table.routes; }
  static SimRoute route(const json& op, const std::string& destination, bool ipv6) {
    SimRoute route;
    route.destination = destination;
    route.ipv6 = ipv6;
    route.networkInterfaceId = str(op, "network_interface_id", false);
    route.transitGatewayId = str(op, "transit_gateway_id", false);
    route.gatewayId = str(op, "gateway_id", false);
    if (route.networkInterfaceId.empty() + route.transitGatewayId.empty() +
            route.gatewayId.empty() !=
        2) {
      throw ControlError{
          "exactly one of network_interface_id, transit_gateway_id, gateway_id is required"};
    }
    return route;
  }
};

struct TgwTables {
  using Table = SimTgwRouteTable;
  static constexpr const char* kNoun = "TGW route table";
  static constexpr const char* kParentKey = "transit_gateway";
  static constexpr const char* kParentNoun = "transit gateway";
  static constexpr const char* kMissingRoute = "no static route";
  static std::map<std::string, Table>& tables(SimRegion& region) { return region.tgwRouteTables; }
  static bool hasParent(const SimRegion& region, const std::string& id) {
    return region.transitGateways.contains(id);
  }
  static void setParent(Table& table, const std::string& id) { table.transitGatewayId = id; }
  static std::vector<SimTgwRoute>& routes(Table& table) { return table.staticRoutes; }
  static SimTgwRoute route(const json& op, const std::string& destination, bool /*ipv6*/) {
    SimTgwRoute route{destination, str(op, "attachment", false), op.value("blackhole", false)};
    if (route.blackhole == !route.attachmentId.empty())
      throw ControlError{"exactly one of attachment or blackhole is required"};
    return route;
  }
};

template <class Kind>
typename Kind::Table& tableOf(SimRegion& region, const std::string& id) {
  auto& tables = Kind::tables(region);
  const auto it = tables.find(id);
  if (it == tables.end()) throw ControlError{fmt::format("unknown {} {}", Kind::kNoun, id)};
  return it->second;
}

// set_route / set_tgw_route (adds or replaces the route to `destination`),
// delete_route / delete_tgw_route.
template <class Kind>
void setOrDeleteRoute(SimTopology& topology, const json& op, bool remove) {
  SimRegion& region = regionOf(topology, op);
  const std::string tableId = str(op, "route_table");
  auto& routes = Kind::routes(tableOf<Kind>(region, tableId));
  bool ipv6 = false;
  const std::string destination = cidrOf(op, &ipv6);
  const auto it = std::find_if(routes.begin(), routes.end(),
                               [&](const auto& r) { return r.destination == destination; });
  if (remove) {
    if (it == routes.end())
      throw ControlError{fmt::format("{} {} in {}", Kind::kMissingRoute, destination, tableId)};
    routes.erase(it);
    return;
  }
  auto route = Kind::route(op, destination, ipv6);
  if (it == routes.end()) {
    routes.push_back(std::move(route));
  } else {
    *it = std::move(route);
  }
}

// add_route_table / add_tgw_route_table: an empty table of an existing VPC or TGW.
template <class Kind>
void addTable(SimTopology& topology, const json& op) {
  SimRegion& region = regionOf(topology, op);
  const std::string id = str(op, "route_table");
  const std::string parent = str(op, Kind::kParentKey);
  if (!Kind::hasParent(region, parent))
    throw ControlError{fmt::format("unknown {} {}", Kind::kParentNoun, parent)};
  auto& tables = Kind::tables(region);
  if (tables.contains(id)) throw ControlError{fmt::format("{} {} exists", Kind::kNoun, id)};
  typename Kind::Table table;
  table.id = id;
  Kind::setParent(table, parent);
  tables[id] = std::move(table);
}

// A route table deleted outside tgwark (infrastructure code): delete_route_table
// takes a table of either kind, delete_tgw_route_table a TGW one only.
template <class... Kinds>
void deleteTable(SimTopology& topology, const json& op, std::string_view noun) {
  SimRegion& region = regionOf(topology, op);
  const std::string id = str(op, "route_table");
  if (!((Kinds::tables(region).erase(id) > 0) || ...))
    throw ControlError{fmt::format("unknown {} {}", noun, id)};
}

void applyDrift(SimTopology& topology, const json& op) {
  const std::string kind = str(op, "op");
  if (kind == "set_route" || kind == "delete_route")
    return setOrDeleteRoute<VpcTables>(topology, op, kind == "delete_route");
  if (kind == "set_tgw_route" || kind == "delete_tgw_route")
    return setOrDeleteRoute<TgwTables>(topology, op, kind == "delete_tgw_route");
  if (kind == "add_route_table") return addTable<VpcTables>(topology, op);
  if (kind == "add_tgw_route_table") return addTable<TgwTables>(topology, op);
  if (kind == "delete_route_table")
    return deleteTable<VpcTables, TgwTables>(topology, op, VpcTables::kNoun);
  if (kind == "delete_tgw_route_table")
    return deleteTable<TgwTables>(topology, op, TgwTables::kNoun);
  if (kind == "delete_attachment" || kind == "set_attachment_state") {
    const std::string id = str(op, "attachment");
    const std::string state = kind == "set_attachment_state" ? str(op, "state") : "";
    bool found = false;
    for (auto& [name, region] : topology.regions) {
      if (const auto it = region.vpcAttachments.find(id); it != region.vpcAttachments.end()) {
        found = true;
        if (kind == "set_attachment_state") {
          it->second.state = state;
        } else {
          region.vpcAttachments.erase(it);
        }
      }
    }
    // Either side's id names the peering (intra-region sides have their own).
    std::vector<std::string> sideIds{id};
    for (auto it = topology.peerings.begin(); it != topology.peerings.end(); ++it) {
      if (!it->second.hasId(id)) continue;
      found = true;
      if (kind == "set_attachment_state") {
        it->second.state = state;
      } else {
        sideIds = {it->second.id, it->second.accepterSideId()};
        topology.peerings.erase(it);
      }
      break;
    }
    if (!found) throw ControlError{"unknown attachment " + id};
    if (kind == "delete_attachment") {
      // Deleting an attachment removes its associations and propagations; static
      // routes pointing at it stay and show as blackhole.
      for (auto& [name, region] : topology.regions) {
        for (auto& [tid, table] : region.tgwRouteTables) {
          for (const auto& side : sideIds) {
            removeId(table.associations, side);
            removeId(table.propagations, side);
          }
        }
      }
    }
    return;
  }
  if (kind == "delete_eni" || kind == "detach_eni" || kind == "set_source_dest_check") {
    SimRegion& region = regionOf(topology, op);
    const std::string id = str(op, "eni");
    const auto it = region.enis.find(id);
    if (it == region.enis.end()) throw ControlError{"unknown ENI " + id};
    if (kind == "delete_eni") {
      region.enis.erase(it);
    } else if (kind == "detach_eni") {
      it->second.instanceId.clear();
    } else {
      const auto value = op.find("value");
      if (value == op.end() || !value->is_boolean())
        throw ControlError{"'value' (boolean) is required"};
      it->second.sourceDestCheck = value->get<bool>();
    }
    return;
  }
  if (kind == "add_vpc_attachment") {
    SimRegion& region = regionOf(topology, op);
    SimVpcAttachment att;
    att.id = str(op, "attachment");
    att.transitGatewayId = str(op, "transit_gateway");
    att.vpcId = str(op, "vpc");
    if (!region.transitGateways.contains(att.transitGatewayId))
      throw ControlError{"unknown transit gateway " + att.transitGatewayId};
    if (!region.vpcs.contains(att.vpcId)) throw ControlError{"unknown VPC " + att.vpcId};
    if (region.vpcAttachments.contains(att.id))
      throw ControlError{"attachment " + att.id + " exists"};
    region.vpcAttachments[att.id] = att;
    return;
  }
  if (kind == "add_peering") {
    SimPeeringAttachment p;
    p.id = str(op, "attachment");
    p.accepterAttachmentId = str(op, "accepter_attachment", false);
    for (auto [key, side] :
         {std::pair{"requester", &p.requester}, std::pair{"accepter", &p.accepter}}) {
      if (!op.contains(key) || !op[key].is_object())
        throw ControlError{
            fmt::format("'{}' (object with region, transit_gateway) is required", key)};
      (void)regionOf(topology, op[key]);
      side->region = str(op[key], "region");
      side->transitGatewayId = str(op[key], "transit_gateway");
      side->ownerId = topology.accountId;
    }
    if (topology.peerings.contains(p.id)) throw ControlError{"attachment " + p.id + " exists"};
    topology.peerings[p.id] = std::move(p);
    return;
  }
  if (kind == "associate") {
    // Moves the attachment's association (on the table's TGW) to route_table.
    SimRegion& region = regionOf(topology, op);
    const std::string tableId = str(op, "route_table");
    const std::string att = str(op, "attachment");
    SimTgwRouteTable& table = tableOf<TgwTables>(region, tableId);
    for (auto& [tid, t] : region.tgwRouteTables) {
      if (t.transitGatewayId == table.transitGatewayId) removeId(t.associations, att);
    }
    table.associations.push_back(att);
    return;
  }
  if (kind == "delete_transit_gateway") {
    SimRegion& region = regionOf(topology, op);
    const std::string id = str(op, "transit_gateway");
    if (region.transitGateways.erase(id) == 0) throw ControlError{"unknown transit gateway " + id};
    return;
  }
  if (kind == "set_tags") {
    // Replaces the tags of a VPC or TGW route table: {"tags": {"key": "value", ...}}.
    SimRegion& region = regionOf(topology, op);
    const std::string id = str(op, "route_table");
    const auto tags = op.find("tags");
    if (tags == op.end() || !tags->is_object()) throw ControlError{"'tags' (object) is required"};
    Tags parsed;
    for (const auto& [k, v] : tags->items()) {
      if (!v.is_string()) throw ControlError{"tag values must be strings"};
      parsed[k] = v.get<std::string>();
    }
    if (auto t = region.routeTables.find(id); t != region.routeTables.end()) {
      t->second.tags = std::move(parsed);
    } else if (auto g = region.tgwRouteTables.find(id); g != region.tgwRouteTables.end()) {
      g->second.tags = std::move(parsed);
    } else {
      throw ControlError{"unknown route table " + id};
    }
    return;
  }
  throw ControlError{"unknown drift op '" + kind + "'"};
}

LatencyRule parseLatency(const json& j) {
  LatencyRule rule;
  rule.region = j.value("region", std::string("*"));
  rule.action = j.value("action", std::string("*"));
  if (j.contains("ms")) {
    rule.minMs = rule.maxMs = j.at("ms").get<int>();
  } else if (j.contains("min_ms") && j.contains("max_ms")) {
    rule.minMs = j.at("min_ms").get<int>();
    rule.maxMs = j.at("max_ms").get<int>();
  } else {
    throw ControlError{"'ms' or 'min_ms' and 'max_ms' are required"};
  }
  if (rule.minMs < 0 || rule.maxMs < rule.minMs)
    throw ControlError{"latency must satisfy 0 <= min_ms <= max_ms"};
  return rule;
}

FaultRule parseFault(const json& j) {
  FaultRule rule;
  rule.region = j.value("region", std::string("*"));
  rule.action = j.value("action", std::string("*"));
  rule.kind = j.value("kind", std::string("InternalError"));
  rule.probability = j.value("probability", 0.0);
  rule.nth = j.value("nth", 0);
  rule.count = j.value("count", 1);
  rule.stallMs = j.value("stall_ms", 30000);
  if (rule.nth <= 0 && (rule.probability <= 0 || rule.probability > 1)) {
    throw ControlError{"a fault needs 'nth' >= 1 or 0 < 'probability' <= 1"};
  }
  if (rule.kind.empty()) throw ControlError{"'kind' must not be empty"};
  return rule;
}

// The rules of a POST to /_sim/faults or /_sim/latency, and whether one of
// its ops ({"clear": true}) asked for the existing rules to go first.
template <class Rule>
std::pair<std::vector<Rule>, bool> parseRules(const json& ops, Rule (*parse)(const json&)) {
  std::vector<Rule> rules;
  bool clear = false;
  for (const auto& op : ops) {
    if (op.value("clear", false)) {
      clear = true;
    } else {
      rules.push_back(parse(op));
    }
  }
  return {std::move(rules), clear};
}

}  // namespace

std::string SimState::dumpState() const {
  std::lock_guard lock(mu_);
  return dumpTopology(topology_, true, false);
}

std::string SimState::dumpStateForFile() const {
  std::lock_guard lock(mu_);
  return dumpTopology(topology_, false, true);
}

std::string SimState::countersJson() const {
  std::lock_guard lock(mu_);
  json calls = json::object();
  for (const auto& [key, count] : calls_) calls[key.first][key.second] = count;
  json errors = json::object();
  for (const auto& [key, byCode] : errors_) {
    for (const auto& [code, count] : byCode) errors[key.first][key.second][code] = count;
  }
  json faults = json::array();
  for (const auto& f : faults_) {
    faults.push_back({{"region", f.region},
                      {"action", f.action},
                      {"kind", f.kind},
                      {"seen", f.seen},
                      {"fired", f.fired}});
  }
  return json{{"calls", calls}, {"errors", errors}, {"faults", faults}}.dump(2) + "\n";
}

std::string SimState::callLogJson(std::uint64_t afterSeq) const {
  const auto micros = [](WallTime t) {
    return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  };
  json calls = json::array();
  for (const auto& c : callLog()) {
    if (c.seq <= afterSeq) continue;
    calls.push_back({{"seq", c.seq},
                     {"region", c.region},
                     {"action", c.action},
                     {"status", c.status},
                     {"code", c.code},
                     {"received_us", micros(c.received)},
                     {"answered_us", c.answered ? json(micros(*c.answered)) : json(nullptr)}});
  }
  return json{{"calls", calls}, {"dropped", callLogDropped()}}.dump() + "\n";
}

SimResponse SimState::handleControl(const SimRequest& request, std::string_view subpath) {
  try {
    if (request.method == "GET") {
      if (subpath == "state") {
        SimResponse response;
        response.contentType = "application/json";
        response.body = dumpState();
        return response;
      }
      if (subpath == "counters") {
        SimResponse response;
        response.contentType = "application/json";
        response.body = countersJson();
        return response;
      }
      if (subpath == "calls") {
        std::uint64_t after = 0;
        if (request.query.starts_with("after=")) {
          const std::string_view digits = std::string_view(request.query).substr(6);
          const auto [end, ec] =
              std::from_chars(digits.data(), digits.data() + digits.size(), after);
          if (ec != std::errc() || end != digits.data() + digits.size()) {
            throw ControlError{"'after' must be a call number (GET /_sim/calls?after=SEQ)"};
          }
        } else if (!request.query.empty()) {
          throw ControlError{"the only parameter is 'after' (GET /_sim/calls?after=SEQ)"};
        }
        SimResponse response;
        response.contentType = "application/json";
        response.body = callLogJson(after);
        return response;
      }
      return jsonResponse(404,
                          {{"error", fmt::format("no control endpoint GET /_sim/{}", subpath)}});
    }
    if (request.method != "POST") return jsonResponse(405, {{"error", "use GET or POST"}});
    if (subpath == "reset") {
      reset();
      return jsonResponse(200, {{"ok", true}});
    }
    const json body = request.body.empty() ? json::object() : json::parse(request.body);
    const json ops = body.is_array() ? body : json::array({body});
    if (subpath == "drift") {
      std::lock_guard lock(mu_);
      // All or nothing: apply to a copy, commit when every op succeeded.
      SimTopology copy = topology_;
      for (const auto& op : ops) applyDrift(copy, op);
      topology_ = std::move(copy);
      return jsonResponse(200, {{"ok", true}, {"applied", ops.size()}});
    }
    if (subpath == "faults") {
      const auto [rules, clear] = parseRules(ops, parseFault);
      if (clear) clearFaults();
      for (const auto& rule : rules) addFault(rule);
      return jsonResponse(200, {{"ok", true}, {"added", rules.size()}});
    }
    if (subpath == "latency") {
      const auto [rules, clear] = parseRules(ops, parseLatency);
      if (clear) {
        std::lock_guard lock(mu_);
        latency_.clear();
      }
      for (const auto& rule : rules) addLatency(rule);
      return jsonResponse(200, {{"ok", true}, {"added", rules.size()}});
    }
    if (subpath == "clock") {
      if (!body.contains("offset_s") || !body["offset_s"].is_number_integer()) {
        throw ControlError{
            "'offset_s' (whole seconds EC2's clock is ahead of this host's) is "
            "required"};
      }
      setClockOffset(std::chrono::seconds{body["offset_s"].get<long long>()});
      return jsonResponse(200, {{"ok", true}});
    }
    if (subpath == "credentials") {
      const bool byNode = body.contains("node") && body["node"].is_string();
      const bool byRole = body.contains("role") && body["role"].is_string();
      if (byNode == byRole || !body.contains("expire_after_calls") ||
          !body["expire_after_calls"].is_number_unsigned()) {
        throw ControlError{
            "'node' (a node name) or 'role' (a role name), and 'expire_after_calls' (calls >= "
            "0) are required"};
      }
      expireRoleCredentialsAfter(
          byNode ? body["node"].get<std::string>() : "role/" + body["role"].get<std::string>(),
          body["expire_after_calls"].get<std::uint64_t>());
      return jsonResponse(200, {{"ok", true}});
    }
    if (subpath == "throttle") {
      ThrottleOptions options;
      {
        std::lock_guard lock(mu_);
        options = options_.throttling;
      }
      options.enabled = body.value("enabled", true);
      options.mutatingBurst = body.value("mutating_burst", options.mutatingBurst);
      options.mutatingRefillPerSecond =
          body.value("mutating_refill_per_second", options.mutatingRefillPerSecond);
      options.readBurst = body.value("read_burst", options.readBurst);
      options.readRefillPerSecond =
          body.value("read_refill_per_second", options.readRefillPerSecond);
      if (options.mutatingBurst < 1 || options.readBurst < 1 ||
          options.mutatingRefillPerSecond < 0 || options.readRefillPerSecond < 0) {
        throw ControlError{"bursts must be >= 1 and refill rates >= 0"};
      }
      setThrottle(options);
      return jsonResponse(200, {{"ok", true}});
    }
    return jsonResponse(404,
                        {{"error", fmt::format("no control endpoint POST /_sim/{}", subpath)}});
  } catch (const ControlError& e) {
    return jsonResponse(400, {{"error", e.message}});
  } catch (const json::exception& e) {
    return jsonResponse(400, {{"error", fmt::format("bad JSON: {}", e.what())}});
  }
}

}  // namespace tgwark::sim
