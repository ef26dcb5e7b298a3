#include "model/topology_io.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace tgwark::model {

using nlohmann::json;

namespace {

std::string_view kindName(AttachmentKind kind) {
  switch (kind) {
    case AttachmentKind::kVpc: return "vpc";
    case AttachmentKind::kPeering: return "peering";
    case AttachmentKind::kOther: return "other";
  }
  return "other";
}

AttachmentKind kindFrom(const std::string& name) {
  if (name == "vpc") return AttachmentKind::kVpc;
  if (name == "peering") return AttachmentKind::kPeering;
  return AttachmentKind::kOther;
}

Result<Prefix> prefixFrom(const std::string& text) {
  return parsePrefix(text);
}

}  // namespace

std::string topologyToJson(const Topology& t, std::string_view configDigest) {
  json vpcs = json::array();
  for (const auto& [id, v] : t.vpcs) {
    json cidrs = json::array();
    for (const auto& c : v.cidrs) cidrs.push_back(c.toString());
    vpcs.push_back(
        {{"id", id}, {"region", v.region}, {"cidrs", cidrs}, {"tgw", v.transitGatewayId}});
  }
  json tables = json::array();
  for (const auto& [id, r] : t.vpcRouteTables) {
    tables.push_back({{"id", id},
                      {"region", r.region},
                      {"vpc", r.vpcId},
                      {"main", r.main},
                      {"managed", r.managed},
                      {"why", r.why}});
  }
  json enis = json::array();
  for (const auto& [id, e] : t.enis) {
    enis.push_back({{"id", id},
                    {"region", e.region},
                    {"vpc", e.vpcId},
                    {"subnet", e.subnetId},
                    {"instance", e.instanceId},
                    {"source_dest_check", e.sourceDestCheck},
                    {"status", e.status}});
  }
  json tgws = json::array();
  for (const auto& [id, g] : t.tgws) {
    tgws.push_back({{"id", id}, {"region", g.region}, {"owner", g.ownerId}, {"state", g.state}});
  }
  json attachments = json::array();
  for (const auto& a : t.attachments) {
    attachments.push_back({{"id", a.id},
                           {"tgw", a.tgwId},
                           {"region", a.region},
                           {"kind", kindName(a.kind)},
                           {"resource", a.resourceId},
                           {"peer_region", a.peerRegion},
                           {"peer_attachment", a.peerAttachmentId},
                           {"state", a.state},
                           {"associated_table", a.associatedRouteTableId}});
  }
  json tgwTables = json::array();
  for (const auto& [id, r] : t.tgwRouteTables) {
    tgwTables.push_back(
        {{"id", id}, {"tgw", r.tgwId}, {"region", r.region}, {"managed", r.managed}});
  }
  json origins = json::array();
  for (const auto& [id, o] : t.origins) {
    origins.push_back(
        {{"id", id}, {"provenance", provenanceName(o.provenance)}, {"first_seen", o.firstSeen}});
  }
  json nodes = json::array();
  for (const auto& n : t.nodes) {
    nodes.push_back({{"name", n.name},
                     {"region", n.region},
                     {"eni", n.eniId},
                     {"vpc", n.vpcId},
                     {"tgw", n.tgwId},
                     {"vpc_attachment", n.vpcAttachmentId}});
  }
  json doc = {{"format", kTopologyFormatVersion},
              {"config_digest", configDigest},
              {"vpcs", vpcs},
              {"vpc_route_tables", tables},
              {"enis", enis},
              {"tgws", tgws},
              {"attachments", attachments},
              {"tgw_route_tables", tgwTables},
              {"nodes", nodes},
              {"origins", origins}};
  return doc.dump();
}

Result<Topology> topologyFromJson(std::string_view text, std::string_view configDigest) {
  try {
    json doc = json::parse(text);
    if (doc.value("format", 0) != kTopologyFormatVersion) {
      return makeError(ErrorCategory::kInvalid, "topology cache: other format version");
    }
    if (doc.value("config_digest", std::string()) != configDigest) {
      return makeError(ErrorCategory::kInvalid, "topology cache: written for another config");
    }
    Topology t;
    for (const auto& v : doc.at("vpcs")) {
      VpcInfo info;
      info.id = v.at("id").get<std::string>();
      info.region = v.at("region").get<std::string>();
      info.transitGatewayId = v.at("tgw").get<std::string>();
      for (const auto& c : v.at("cidrs")) {
        TGWARK_ASSIGN_OR_RETURN(auto p, prefixFrom(c.get<std::string>()));
        info.cidrs.push_back(p);
      }
      t.vpcs[info.id] = std::move(info);
    }
    for (const auto& r : doc.at("vpc_route_tables")) {
      VpcRouteTableInfo info{r.at("id").get<std::string>(),  r.at("region").get<std::string>(),
                             r.at("vpc").get<std::string>(), r.at("main").get<bool>(),
                             r.at("managed").get<bool>(),    r.at("why").get<std::string>()};
      t.vpcRouteTables[info.id] = std::move(info);
    }
    for (const auto& e : doc.at("enis")) {
      EniInfo info{e.at("id").get<std::string>(),       e.at("region").get<std::string>(),
                   e.at("vpc").get<std::string>(),      e.at("subnet").get<std::string>(),
                   e.at("instance").get<std::string>(), e.at("source_dest_check").get<bool>(),
                   e.at("status").get<std::string>()};
      t.enis[info.id] = std::move(info);
    }
    for (const auto& g : doc.at("tgws")) {
      TgwInfo info{g.at("id").get<std::string>(), g.at("region").get<std::string>(),
                   g.at("owner").get<std::string>(), g.at("state").get<std::string>()};
      t.tgws[info.id] = std::move(info);
    }
    for (const auto& a : doc.at("attachments")) {
      AttachmentInfo info;
      info.id = a.at("id").get<std::string>();
      info.tgwId = a.at("tgw").get<std::string>();
      info.region = a.at("region").get<std::string>();
      info.kind = kindFrom(a.at("kind").get<std::string>());
      info.resourceId = a.at("resource").get<std::string>();
      info.peerRegion = a.at("peer_region").get<std::string>();
      info.peerAttachmentId = a.at("peer_attachment").get<std::string>();
      info.state = a.at("state").get<std::string>();
      info.associatedRouteTableId = a.at("associated_table").get<std::string>();
      t.attachments.push_back(std::move(info));
    }
    for (const auto& r : doc.at("tgw_route_tables")) {
      TgwRouteTableInfo info{r.at("id").get<std::string>(), r.at("tgw").get<std::string>(),
                             r.at("region").get<std::string>(), r.at("managed").get<bool>()};
      t.tgwRouteTables[info.id] = std::move(info);
    }
    for (const auto& n : doc.at("nodes")) {
      t.nodes.push_back(NodeInfo{n.at("name").get<std::string>(), n.at("region").get<std::string>(),
                                 n.at("eni").get<std::string>(), n.at("vpc").get<std::string>(),
                                 n.at("tgw").get<std::string>(),
                                 n.at("vpc_attachment").get<std::string>()});
    }
    for (const auto& o : doc.at("origins")) {
      auto provenance = provenanceFrom(o.at("provenance").get<std::string>());
      if (!provenance) return makeError(ErrorCategory::kInvalid, "topology cache: bad provenance");
      t.origins[o.at("id").get<std::string>()] =
          TableOrigin{*provenance, o.at("first_seen").get<std::int64_t>()};
    }
    return t;
  } catch (const std::exception& e) {
    return makeError(ErrorCategory::kInvalid, fmt::format("topology cache: {}", e.what()));
  }
}

int topologyFormatOf(std::string_view text) {
  try {
    json doc = json::parse(text);
    if (!doc.is_object()) return 0;
    auto it = doc.find("format");
    if (it == doc.end() || !it->is_number_integer()) return 0;
    return it->get<int>();
  } catch (const std::exception&) {
    return 0;
  }
}

Result<Topology> managedTablesFromJson(std::string_view text, std::string_view configDigest) {
  try {
    json doc = json::parse(text);
    if (doc.value("config_digest", std::string()) != configDigest) {
      return makeError(ErrorCategory::kInvalid, "topology cache: written for another config");
    }
    Topology t;
    for (const auto& r : doc.at("vpc_route_tables")) {
      if (!r.value("managed", false)) continue;
      VpcRouteTableInfo info;
      info.id = r.at("id").get<std::string>();
      info.region = r.value("region", std::string());
      info.vpcId = r.value("vpc", std::string());
      info.main = r.value("main", false);
      info.managed = true;
      t.origins[info.id] = TableOrigin{};
      t.vpcRouteTables[info.id] = std::move(info);
    }
    for (const auto& r : doc.at("tgw_route_tables")) {
      if (!r.value("managed", false)) continue;
      TgwRouteTableInfo info;
      info.id = r.at("id").get<std::string>();
      info.tgwId = r.value("tgw", std::string());
      info.region = r.value("region", std::string());
      info.managed = true;
      t.origins[info.id] = TableOrigin{};
      t.tgwRouteTables[info.id] = std::move(info);
    }
    return t;
  } catch (const std::exception& e) {
    return makeError(ErrorCategory::kInvalid, fmt::format("topology cache: {}", e.what()));
  }
}

}  // namespace tgwark::model
