#include "sim/sim_topology.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "common/aws_names.h"
#include "sim/sim_model.h"

namespace tgwark::sim {

using nlohmann::json;

namespace {

// Parse failures carry the key path; thrown only inside this file and turned
// into a Result at parseTopology's edge.
struct TopologyError {
  std::string message;
};

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw TopologyError{fmt::format("{}: {}", path, what)};
}

void checkKeys(const json& object, const std::string& path,
               std::initializer_list<std::string_view> allowed) {
  if (!object.is_object()) fail(path, "expected an object");
  for (const auto& [key, value] : object.items()) {
    if (key.starts_with("_")) continue;  // comments
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      fail(path + "." + key, "unknown key");
    }
  }
}

std::string getString(const json& object, const std::string& path, const char* key, bool required,
                      std::string fallback = {}) {
  const auto it = object.find(key);
  if (it == object.end()) {
    if (required) fail(path + "." + key, "missing required key");
    return fallback;
  }
  if (!it->is_string()) fail(path + "." + key, "expected a string");
  return it->get<std::string>();
}

bool getBool(const json& object, const std::string& path, const char* key, bool fallback) {
  const auto it = object.find(key);
  if (it == object.end()) return fallback;
  if (!it->is_boolean()) fail(path + "." + key, "expected true or false");
  return it->get<bool>();
}

std::vector<std::string> getStrings(const json& object, const std::string& path, const char* key) {
  std::vector<std::string> out;
  const auto it = object.find(key);
  if (it == object.end()) return out;
  if (!it->is_array()) fail(path + "." + key, "expected an array of strings");
  for (std::size_t i = 0; i < it->size(); ++i) {
    if (!(*it)[i].is_string()) fail(fmt::format("{}.{}[{}]", path, key, i), "expected a string");
    out.push_back((*it)[i].get<std::string>());
  }
  return out;
}

const json& getArray(const json& object, const std::string& path, const char* key) {
  static const json kEmpty = json::array();
  const auto it = object.find(key);
  if (it == object.end()) return kEmpty;
  if (!it->is_array()) fail(path + "." + key, "expected an array");
  return *it;
}

Tags getTags(const json& object, const std::string& path) {
  Tags tags;
  const auto it = object.find("tags");
  if (it == object.end()) return tags;
  if (!it->is_object()) fail(path + ".tags", "expected an object of key: value strings");
  for (const auto& [key, value] : it->items()) {
    if (!value.is_string()) fail(path + ".tags." + key, "expected a string");
    tags[key] = value.get<std::string>();
  }
  return tags;
}

// AWS ids: prefix, '-', 8 or 17 lower-case hex digits.
void checkId(const std::string& id, const std::string& prefix, const std::string& path) {
  if (!isValidAwsId(id, prefix)) {
    fail(path, fmt::format("'{}' is not a valid id (expected {}- followed by 8 or 17 hex digits)",
                           id, prefix));
  }
}

std::string getId(const json& object, const std::string& path, const char* key,
                  const std::string& prefix) {
  std::string id = getString(object, path, key, true);
  checkId(id, prefix, path + "." + key);
  return id;
}

std::string getCidr(const json& value, const std::string& path, bool* ipv6 = nullptr) {
  if (!value.is_string()) fail(path, "expected a CIDR string");
  const auto canonical = canonicalCidr(value.get<std::string>(), ipv6);
  if (!canonical)
    fail(path, fmt::format("'{}' is not a valid CIDR block", value.get<std::string>()));
  return *canonical;
}

template <class Map>
void insertUnique(Map& map, const std::string& id, typename Map::mapped_type value,
                  const std::string& path) {
  if (!map.emplace(id, std::move(value)).second) fail(path, fmt::format("duplicate id '{}'", id));
}

SimRoute parseVpcRoute(const json& j, const std::string& path) {
  checkKeys(j, path,
            {"destination", "network_interface_id", "transit_gateway_id", "gateway_id", "state",
             "origin"});
  SimRoute route;
  const auto dest = j.find("destination");
  if (dest == j.end()) fail(path + ".destination", "missing required key");
  route.destination = getCidr(*dest, path + ".destination", &route.ipv6);
  route.networkInterfaceId = getString(j, path, "network_interface_id", false);
  route.transitGatewayId = getString(j, path, "transit_gateway_id", false);
  route.gatewayId = getString(j, path, "gateway_id", false);
  const int targets = !route.networkInterfaceId.empty() + !route.transitGatewayId.empty() +
                      !route.gatewayId.empty();
  if (targets != 1) {
    fail(path, "exactly one of network_interface_id, transit_gateway_id, gateway_id is required");
  }
  if (!route.networkInterfaceId.empty())
    checkId(route.networkInterfaceId, "eni", path + ".network_interface_id");
  if (!route.transitGatewayId.empty())
    checkId(route.transitGatewayId, "tgw", path + ".transit_gateway_id");
  if (route.gatewayId == "local")
    fail(path + ".gateway_id", "local routes are implied by the VPC's CIDRs");
  return route;
}

void parseRegion(SimTopology& topology, SimRegion& region, const json& j, const std::string& path) {
  checkKeys(j, path, {"vpcs", "enis", "transit_gateways", "vpc_attachments"});
  const json& vpcs = getArray(j, path, "vpcs");
  for (std::size_t i = 0; i < vpcs.size(); ++i) {
    const std::string vpath = fmt::format("{}.vpcs[{}]", path, i);
    const json& v = vpcs[i];
    checkKeys(v, vpath, {"id", "cidrs", "ipv6_cidrs", "is_default", "tags", "route_tables"});
    SimVpc vpc;
    vpc.id = getId(v, vpath, "id", "vpc");
    const json& cidrs = getArray(v, vpath, "cidrs");
    if (cidrs.empty()) fail(vpath + ".cidrs", "a VPC needs at least one IPv4 CIDR");
    for (std::size_t c = 0; c < cidrs.size(); ++c) {
      bool ipv6 = false;
      vpc.cidrs.push_back(getCidr(cidrs[c], fmt::format("{}.cidrs[{}]", vpath, c), &ipv6));
      if (ipv6) fail(fmt::format("{}.cidrs[{}]", vpath, c), "IPv6 CIDRs go in ipv6_cidrs");
    }
    const json& cidrs6 = getArray(v, vpath, "ipv6_cidrs");
    for (std::size_t c = 0; c < cidrs6.size(); ++c) {
      bool ipv6 = false;
      vpc.ipv6Cidrs.push_back(
          getCidr(cidrs6[c], fmt::format("{}.ipv6_cidrs[{}]", vpath, c), &ipv6));
      if (!ipv6) fail(fmt::format("{}.ipv6_cidrs[{}]", vpath, c), "expected an IPv6 CIDR");
    }
    vpc.isDefault = getBool(v, vpath, "is_default", false);
    vpc.tags = getTags(v, vpath);
    const json& tables = getArray(v, vpath, "route_tables");
    bool haveMain = false;
    for (std::size_t t = 0; t < tables.size(); ++t) {
      const std::string tpath = fmt::format("{}.route_tables[{}]", vpath, t);
      const json& tj = tables[t];
      checkKeys(tj, tpath, {"id", "main", "subnets", "routes", "tags"});
      SimRouteTable table;
      table.id = getId(tj, tpath, "id", "rtb");
      table.vpcId = vpc.id;
      table.main = getBool(tj, tpath, "main", false);
      if (table.main && haveMain) fail(tpath + ".main", "a VPC has exactly one main route table");
      haveMain = haveMain || table.main;
      table.subnets = getStrings(tj, tpath, "subnets");
      for (std::size_t s = 0; s < table.subnets.size(); ++s) {
        checkId(table.subnets[s], "subnet", fmt::format("{}.subnets[{}]", tpath, s));
      }
      table.tags = getTags(tj, tpath);
      const json& routes = getArray(tj, tpath, "routes");
      std::set<std::string> seen;
      for (std::size_t r = 0; r < routes.size(); ++r) {
        const std::string rpath = fmt::format("{}.routes[{}]", tpath, r);
        SimRoute route = parseVpcRoute(routes[r], rpath);
        if (!seen.insert(route.destination).second)
          fail(rpath, "duplicate destination " + route.destination);
        table.routes.push_back(std::move(route));
      }
      {
        const std::string key = table.id;
        insertUnique(region.routeTables, key, std::move(table), tpath + ".id");
      }
    }
    if (!tables.empty() && !haveMain)
      fail(vpath + ".route_tables", "one route table must have \"main\": true");
    {
      const std::string key = vpc.id;
      insertUnique(region.vpcs, key, std::move(vpc), vpath + ".id");
    }
  }

  const json& enis = getArray(j, path, "enis");
  for (std::size_t i = 0; i < enis.size(); ++i) {
    const std::string epath = fmt::format("{}.enis[{}]", path, i);
    const json& e = enis[i];
    checkKeys(e, epath,
              {"id", "vpc", "subnet", "az", "ip", "mac", "instance", "description",
               "source_dest_check", "tags"});
    SimEni eni;
    eni.id = getId(e, epath, "id", "eni");
    eni.vpcId = getId(e, epath, "vpc", "vpc");
    if (!region.vpcs.contains(eni.vpcId))
      fail(epath + ".vpc", fmt::format("no VPC '{}' in this region", eni.vpcId));
    eni.subnetId = getString(e, epath, "subnet", false);
    if (!eni.subnetId.empty()) checkId(eni.subnetId, "subnet", epath + ".subnet");
    eni.availabilityZone = getString(e, epath, "az", false, region.name + "a");
    eni.privateIp = getString(e, epath, "ip", true);
    if (!validIpv4(eni.privateIp))
      fail(epath + ".ip", fmt::format("'{}' is not an IPv4 address", eni.privateIp));
    eni.mac = getString(e, epath, "mac", true);
    eni.instanceId = getString(e, epath, "instance", false);
    if (!eni.instanceId.empty()) checkId(eni.instanceId, "i", epath + ".instance");
    eni.description = getString(e, epath, "description", false);
    eni.sourceDestCheck = getBool(e, epath, "source_dest_check", true);
    eni.tags = getTags(e, epath);
    {
      const std::string key = eni.id;
      insertUnique(region.enis, key, std::move(eni), epath + ".id");
    }
  }

  const json& attachments = getArray(j, path, "vpc_attachments");
  for (std::size_t i = 0; i < attachments.size(); ++i) {
    const std::string apath = fmt::format("{}.vpc_attachments[{}]", path, i);
    const json& a = attachments[i];
    checkKeys(a, apath, {"id", "transit_gateway", "vpc", "subnets", "state", "tags"});
    SimVpcAttachment attachment;
    attachment.id = getId(a, apath, "id", "tgw-attach");
    attachment.transitGatewayId = getId(a, apath, "transit_gateway", "tgw");
    attachment.vpcId = getId(a, apath, "vpc", "vpc");
    if (!region.vpcs.contains(attachment.vpcId)) {
      fail(apath + ".vpc", fmt::format("no VPC '{}' in this region", attachment.vpcId));
    }
    attachment.subnets = getStrings(a, apath, "subnets");
    attachment.state = getString(a, apath, "state", false, "available");
    attachment.tags = getTags(a, apath);
    if (std::any_of(topology.peerings.begin(), topology.peerings.end(),
                    [&](const auto& p) { return p.second.hasId(attachment.id); }))
      fail(apath + ".id", "duplicate id " + attachment.id);
    {
      const std::string key = attachment.id;
      insertUnique(region.vpcAttachments, key, std::move(attachment), apath + ".id");
    }
  }

  const json& tgws = getArray(j, path, "transit_gateways");
  for (std::size_t i = 0; i < tgws.size(); ++i) {
    const std::string gpath = fmt::format("{}.transit_gateways[{}]", path, i);
    const json& g = tgws[i];
    checkKeys(g, gpath, {"id", "description", "asn", "state", "tags", "route_tables"});
    SimTgw tgw;
    tgw.id = getId(g, gpath, "id", "tgw");
    tgw.description = getString(g, gpath, "description", false);
    if (const auto asn = g.find("asn"); asn != g.end()) {
      if (!asn->is_number_integer()) fail(gpath + ".asn", "expected an integer");
      tgw.amazonSideAsn = asn->get<std::int64_t>();
    }
    tgw.state = getString(g, gpath, "state", false, "available");
    tgw.tags = getTags(g, gpath);
    const json& tables = getArray(g, gpath, "route_tables");
    for (std::size_t t = 0; t < tables.size(); ++t) {
      const std::string tpath = fmt::format("{}.route_tables[{}]", gpath, t);
      const json& tj = tables[t];
      checkKeys(tj, tpath,
                {"id", "default_association", "default_propagation", "associations", "propagations",
                 "routes", "tags", "propagated_routes"});
      SimTgwRouteTable table;
      table.id = getId(tj, tpath, "id", "tgw-rtb");
      table.transitGatewayId = tgw.id;
      table.defaultAssociation = getBool(tj, tpath, "default_association", false);
      table.defaultPropagation = getBool(tj, tpath, "default_propagation", false);
      table.associations = getStrings(tj, tpath, "associations");
      table.propagations = getStrings(tj, tpath, "propagations");
      table.tags = getTags(tj, tpath);
      const json& routes = getArray(tj, tpath, "routes");
      std::set<std::string> seen;
      for (std::size_t r = 0; r < routes.size(); ++r) {
        const std::string rpath = fmt::format("{}.routes[{}]", tpath, r);
        const json& rj = routes[r];
        checkKeys(rj, rpath, {"destination", "attachment", "blackhole", "state", "type"});
        SimTgwRoute route;
        const auto dest = rj.find("destination");
        if (dest == rj.end()) fail(rpath + ".destination", "missing required key");
        route.destination = getCidr(*dest, rpath + ".destination");
        route.blackhole = getBool(rj, rpath, "blackhole", false);
        route.attachmentId = getString(rj, rpath, "attachment", false);
        if (route.blackhole == !route.attachmentId.empty()) {
          fail(rpath, "exactly one of attachment or \"blackhole\": true is required");
        }
        if (!route.attachmentId.empty())
          checkId(route.attachmentId, "tgw-attach", rpath + ".attachment");
        if (!seen.insert(route.destination).second)
          fail(rpath, "duplicate destination " + route.destination);
        table.staticRoutes.push_back(std::move(route));
      }
      {
        const std::string key = table.id;
        insertUnique(region.tgwRouteTables, key, std::move(table), tpath + ".id");
      }
    }
    {
      const std::string key = tgw.id;
      insertUnique(region.transitGateways, key, std::move(tgw), gpath + ".id");
    }
  }
  for (const auto& [id, attachment] : region.vpcAttachments) {
    if (!region.transitGateways.contains(attachment.transitGatewayId)) {
      fail(path + ".vpc_attachments", fmt::format("attachment {} names unknown transit gateway {}",
                                                  id, attachment.transitGatewayId));
    }
  }
}

void parseAllowed(const json& j, const std::string& path, std::vector<std::string>& out) {
  out = getStrings(j, path, "allowed_actions");
}

SimTopology parse(const json& root) {
  SimTopology topology;
  checkKeys(root, "topology",
            {"account_id", "regions", "peering_attachments", "nodes", "credentials", "roles"});
  topology.accountId = getString(root, "topology", "account_id", false, topology.accountId);
  if (topology.accountId.size() != 12 ||
      !std::all_of(topology.accountId.begin(), topology.accountId.end(),
                   [](char c) { return c >= '0' && c <= '9'; })) {
    fail("account_id", "expected 12 digits");
  }

  const json& peerings = getArray(root, "topology", "peering_attachments");
  std::vector<std::pair<std::string, SimPeeringAttachment>> pending;
  for (std::size_t i = 0; i < peerings.size(); ++i) {
    const std::string ppath = fmt::format("peering_attachments[{}]", i);
    const json& p = peerings[i];
    checkKeys(p, ppath, {"id", "accepter_attachment_id", "requester", "accepter", "state", "tags"});
    SimPeeringAttachment peering;
    peering.id = getId(p, ppath, "id", "tgw-attach");
    if (p.contains("accepter_attachment_id"))
      peering.accepterAttachmentId = getId(p, ppath, "accepter_attachment_id", "tgw-attach");
    auto side = [&](const char* key, SimPeeringSide& out) {
      const std::string spath = ppath + "." + key;
      const auto it = p.find(key);
      if (it == p.end()) fail(spath, "missing required key");
      checkKeys(*it, spath, {"region", "transit_gateway", "owner"});
      out.region = getString(*it, spath, "region", true);
      out.transitGatewayId = getId(*it, spath, "transit_gateway", "tgw");
      out.ownerId = getString(*it, spath, "owner", false);
    };
    side("requester", peering.requester);
    side("accepter", peering.accepter);
    peering.state = getString(p, ppath, "state", false, "available");
    peering.tags = getTags(p, ppath);
    // EC2 gives each side of an intra-region peering its own attachment and
    // both sides of a cross-region one the same id.
    if (peering.requester.transitGatewayId == peering.accepter.transitGatewayId)
      fail(ppath, "a transit gateway cannot peer with itself");
    if (peering.requester.region == peering.accepter.region) {
      if (peering.accepterAttachmentId.empty())
        fail(ppath + ".accepter_attachment_id",
             "required when both sides are in one region (each side has its own attachment)");
      if (peering.accepterAttachmentId == peering.id)
        fail(ppath + ".accepter_attachment_id", "must differ from id");
    } else if (!peering.accepterAttachmentId.empty()) {
      fail(ppath + ".accepter_attachment_id",
           "only for a peering within one region (across regions both sides share id)");
    }
    for (const auto& [otherId, other] : topology.peerings) {
      if (other.hasId(peering.id) ||
          (!peering.accepterAttachmentId.empty() && other.hasId(peering.accepterAttachmentId)))
        fail(ppath, "duplicate attachment id");
    }
    {
      const std::string key = peering.id;
      insertUnique(topology.peerings, key, peering, ppath + ".id");
    }
  }

  const auto regions = root.find("regions");
  if (regions == root.end() || !regions->is_object() || regions->empty()) {
    fail("regions", "expected an object with at least one region");
  }
  for (const auto& [name, value] : regions->items()) {
    SimRegion region;
    region.name = name;
    parseRegion(topology, region, value, "regions." + name);
    topology.regions.emplace(name, std::move(region));
  }

  for (const auto& [id, peering] : topology.peerings) {
    for (const auto* side : {&peering.requester, &peering.accepter}) {
      const auto region = topology.regions.find(side->region);
      if (region == topology.regions.end()) {
        fail("peering_attachments." + id, fmt::format("unknown region '{}'", side->region));
      }
      if (!region->second.transitGateways.contains(side->transitGatewayId)) {
        fail("peering_attachments." + id,
             fmt::format("no transit gateway {} in {}", side->transitGatewayId, side->region));
      }
    }
  }
  // Associations and propagations must name attachments of the table's own TGW.
  for (const auto& [name, region] : topology.regions) {
    for (const auto& [id, table] : region.tgwRouteTables) {
      for (const auto* list : {&table.associations, &table.propagations}) {
        for (const auto& attachmentId : *list) {
          const auto view = findAttachment(topology, region, attachmentId);
          if (!view || view->transitGatewayId != table.transitGatewayId) {
            fail(fmt::format("regions.{}.{}", name, id),
                 fmt::format("attachment {} is not an attachment of {}", attachmentId,
                             table.transitGatewayId));
          }
        }
      }
      for (const auto& attachmentId : table.associations) {
        const auto owner = associatedTable(region, attachmentId);
        if (owner != id) {
          fail(fmt::format("regions.{}.{}", name, id),
               fmt::format("attachment {} is already associated with {}", attachmentId, owner));
        }
      }
    }
  }

  const json& roles = getArray(root, "topology", "roles");
  for (std::size_t i = 0; i < roles.size(); ++i) {
    const std::string rpath = fmt::format("roles[{}]", i);
    checkKeys(roles[i], rpath, {"name", "allowed_actions"});
    SimRole role;
    role.name = getString(roles[i], rpath, "name", true);
    parseAllowed(roles[i], rpath, role.allowedActions);
    {
      const std::string key = role.name;
      insertUnique(topology.roles, key, role, rpath + ".name");
    }
  }

  const json& credentials = getArray(root, "topology", "credentials");
  for (std::size_t i = 0; i < credentials.size(); ++i) {
    const std::string cpath = fmt::format("credentials[{}]", i);
    checkKeys(credentials[i], cpath, {"access_key_id", "secret_access_key", "allowed_actions"});
    SimCredential credential;
    credential.accessKeyId = getString(credentials[i], cpath, "access_key_id", true);
    credential.secretAccessKey =
        SecretString(getString(credentials[i], cpath, "secret_access_key", true));
    parseAllowed(credentials[i], cpath, credential.allowedActions);
    {
      const std::string key = credential.accessKeyId;
      insertUnique(topology.credentials, key, credential, cpath + ".access_key_id");
    }
  }

  const json& nodes = getArray(root, "topology", "nodes");
  std::set<std::string> names;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const std::string npath = fmt::format("nodes[{}]", i);
    const json& n = nodes[i];
    checkKeys(n, npath, {"name", "instance_id", "region", "az", "eni", "role"});
    SimNode node;
    node.name = getString(n, npath, "name", true);
    if (!names.insert(node.name).second) fail(npath + ".name", "duplicate node name " + node.name);
    node.instanceId = getId(n, npath, "instance_id", "i");
    node.region = getString(n, npath, "region", true);
    const auto region = topology.regions.find(node.region);
    if (region == topology.regions.end()) fail(npath + ".region", "unknown region " + node.region);
    node.eniId = getId(n, npath, "eni", "eni");
    const auto eni = region->second.enis.find(node.eniId);
    if (eni == region->second.enis.end())
      fail(npath + ".eni", fmt::format("no ENI {} in {}", node.eniId, node.region));
    node.availabilityZone = getString(n, npath, "az", false, eni->second.availabilityZone);
    node.role = getString(n, npath, "role", false);
    if (!node.role.empty() && !topology.roles.contains(node.role)) {
      fail(npath + ".role", fmt::format("unknown role '{}' (declare it under roles)", node.role));
    }
    topology.nodes.push_back(std::move(node));
  }
  return topology;
}

json tagsJson(const Tags& tags) {
  json out = json::object();
  for (const auto& [k, v] : tags) out[k] = v;
  return out;
}

}  // namespace

Result<SimTopology> parseTopology(std::string_view text) {
  try {
    const json root = json::parse(text);
    return parse(root);
  } catch (const TopologyError& e) {
    return makeError(ErrorCategory::kInvalidConfig, "topology: " + e.message);
  } catch (const json::exception& e) {
    return makeError(ErrorCategory::kInvalidConfig,
                     fmt::format("topology: not valid JSON: {}", e.what()));
  } catch (const std::exception& e) {
    return makeError(ErrorCategory::kInvalidConfig, fmt::format("topology: {}", e.what()));
  }
}

Result<SimTopology> loadTopology(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return makeError(ErrorCategory::kInvalidConfig,
                     fmt::format("cannot read topology file {}", path.string()));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  auto topology = parseTopology(buffer.str());
  if (!topology) topology.error().message = path.string() + ": " + topology.error().message;
  return topology;
}

std::string dumpTopology(const SimTopology& topology, bool withDerived, bool includeSecrets) {
  json root;
  root["account_id"] = topology.accountId;
  json regions = json::object();
  for (const auto& [name, region] : topology.regions) {
    json r;
    json vpcs = json::array();
    for (const auto& [id, vpc] : region.vpcs) {
      json v{{"id", id}, {"cidrs", vpc.cidrs}};
      if (!vpc.ipv6Cidrs.empty()) v["ipv6_cidrs"] = vpc.ipv6Cidrs;
      if (vpc.isDefault) v["is_default"] = true;
      if (!vpc.tags.empty()) v["tags"] = tagsJson(vpc.tags);
      json tables = json::array();
      for (const auto& [tid, table] : region.routeTables) {
        if (table.vpcId != id) continue;
        json t{{"id", tid}, {"main", table.main}};
        if (!table.subnets.empty()) t["subnets"] = table.subnets;
        json routes = json::array();
        for (const auto& route : table.routes) {
          json rj{{"destination", route.destination}};
          if (!route.networkInterfaceId.empty())
            rj["network_interface_id"] = route.networkInterfaceId;
          if (!route.transitGatewayId.empty()) rj["transit_gateway_id"] = route.transitGatewayId;
          if (!route.gatewayId.empty()) rj["gateway_id"] = route.gatewayId;
          if (withDerived) rj["state"] = vpcRouteState(region, route);
          routes.push_back(std::move(rj));
        }
        t["routes"] = std::move(routes);
        if (!table.tags.empty()) t["tags"] = tagsJson(table.tags);
        tables.push_back(std::move(t));
      }
      v["route_tables"] = std::move(tables);
      vpcs.push_back(std::move(v));
    }
    r["vpcs"] = std::move(vpcs);
    json enis = json::array();
    for (const auto& [id, eni] : region.enis) {
      json e{{"id", id},
             {"vpc", eni.vpcId},
             {"az", eni.availabilityZone},
             {"ip", eni.privateIp},
             {"mac", eni.mac},
             {"source_dest_check", eni.sourceDestCheck}};
      if (!eni.subnetId.empty()) e["subnet"] = eni.subnetId;
      if (!eni.instanceId.empty()) e["instance"] = eni.instanceId;
      if (!eni.description.empty()) e["description"] = eni.description;
      if (!eni.tags.empty()) e["tags"] = tagsJson(eni.tags);
      enis.push_back(std::move(e));
    }
    r["enis"] = std::move(enis);
    json tgws = json::array();
    for (const auto& [id, tgw] : region.transitGateways) {
      json g{{"id", id}, {"asn", tgw.amazonSideAsn}, {"state", tgw.state}};
      if (!tgw.description.empty()) g["description"] = tgw.description;
      if (!tgw.tags.empty()) g["tags"] = tagsJson(tgw.tags);
      json tables = json::array();
      for (const auto& [tid, table] : region.tgwRouteTables) {
        if (table.transitGatewayId != id) continue;
        json t{{"id", tid},
               {"default_association", table.defaultAssociation},
               {"default_propagation", table.defaultPropagation},
               {"associations", table.associations},
               {"propagations", table.propagations}};
        json routes = json::array();
        for (const auto& route : table.staticRoutes) {
          json rj{{"destination", route.destination}};
          if (route.blackhole) {
            rj["blackhole"] = true;
          } else {
            rj["attachment"] = route.attachmentId;
          }
          routes.push_back(std::move(rj));
        }
        if (withDerived) {
          // Effective routes (state of static ones, and the propagated ones).
          json propagated = json::array();
          for (const auto& effective : effectiveTgwRoutes(topology, region, table)) {
            if (effective.type == "propagated") {
              propagated.push_back(
                  {{"destination", effective.destination}, {"attachment", effective.attachmentId}});
            } else {
              for (auto& rj : routes) {
                if (rj["destination"] == effective.destination) rj["state"] = effective.state;
              }
            }
          }
          t["propagated_routes"] = std::move(propagated);
        }
        t["routes"] = std::move(routes);
        if (!table.tags.empty()) t["tags"] = tagsJson(table.tags);
        tables.push_back(std::move(t));
      }
      g["route_tables"] = std::move(tables);
      tgws.push_back(std::move(g));
    }
    r["transit_gateways"] = std::move(tgws);
    json attachments = json::array();
    for (const auto& [id, a] : region.vpcAttachments) {
      json aj{{"id", id},
              {"transit_gateway", a.transitGatewayId},
              {"vpc", a.vpcId},
              {"state", a.state}};
      if (!a.subnets.empty()) aj["subnets"] = a.subnets;
      if (!a.tags.empty()) aj["tags"] = tagsJson(a.tags);
      attachments.push_back(std::move(aj));
    }
    r["vpc_attachments"] = std::move(attachments);
    regions[name] = std::move(r);
  }
  root["regions"] = std::move(regions);
  json peerings = json::array();
  for (const auto& [id, p] : topology.peerings) {
    auto side = [](const SimPeeringSide& s) {
      json j{{"region", s.region}, {"transit_gateway", s.transitGatewayId}};
      if (!s.ownerId.empty()) j["owner"] = s.ownerId;
      return j;
    };
    json pj{{"id", id},
            {"requester", side(p.requester)},
            {"accepter", side(p.accepter)},
            {"state", p.state}};
    if (!p.accepterAttachmentId.empty()) pj["accepter_attachment_id"] = p.accepterAttachmentId;
    if (!p.tags.empty()) pj["tags"] = tagsJson(p.tags);
    peerings.push_back(std::move(pj));
  }
  root["peering_attachments"] = std::move(peerings);
  json nodes = json::array();
  for (const auto& n : topology.nodes) {
    json nj{{"name", n.name},
            {"instance_id", n.instanceId},
            {"region", n.region},
            {"az", n.availabilityZone},
            {"eni", n.eniId}};
    if (!n.role.empty()) nj["role"] = n.role;
    nodes.push_back(std::move(nj));
  }
  root["nodes"] = std::move(nodes);
  json roles = json::array();
  for (const auto& [name, role] : topology.roles)
    roles.push_back({{"name", name}, {"allowed_actions", role.allowedActions}});
  root["roles"] = std::move(roles);
  json credentials = json::array();
  for (const auto& [id, c] : topology.credentials) {
    json cj{{"access_key_id", id}, {"allowed_actions", c.allowedActions}};
    cj["secret_access_key"] = includeSecrets ? std::string(c.secretAccessKey.reveal())
                                             : std::string(SecretString::kRedacted);
    credentials.push_back(std::move(cj));
  }
  root["credentials"] = std::move(credentials);
  return root.dump(2) + "\n";
}

bool actionAllowed(const std::vector<std::string>& allowed, std::string_view action) {
  if (allowed.empty()) return true;
  for (std::string_view entry : allowed) {
    if (entry.starts_with("ec2:")) entry.remove_prefix(4);
    if (entry == "*" || entry == action) return true;
    if (entry.ends_with('*') && action.starts_with(entry.substr(0, entry.size() - 1))) return true;
  }
  return false;
}

}  // namespace tgwark::sim
