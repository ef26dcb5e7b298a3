#include "model/topology_io.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <utility>

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

namespace {

// The document is written and read one array element at a time, never whole:
// as a DOM it costs about ten times its text (some 6 MB for a 1,000-table
// scope, 500 KB of JSON), and that was the peak memory of a restore.
class JsonWriter {
 public:
  JsonWriter() { out_ = "{"; }
  void field(std::string_view key, const json& value) {
    separate();
    out_ += fmt::format("\"{}\":", key);
    out_ += value.dump();
  }
  void beginArray(std::string_view key) {
    separate();
    out_ += fmt::format("\"{}\":[", key);
    firstElement_ = true;
  }
  void element(const json& value) {
    if (!firstElement_) out_ += ',';
    firstElement_ = false;
    out_ += value.dump();
  }
  void endArray() { out_ += ']'; }
  std::string finish() {
    out_ += '}';
    return std::move(out_);
  }

 private:
  void separate() {
    if (out_.size() > 1) out_ += ',';
  }
  std::string out_;
  bool firstElement_ = true;
};

using ElementReader = void (*)(const json& element, Topology& t);

void readVpc(const json& v, Topology& t) {
  VpcInfo info;
  info.id = v.at("id").get<std::string>();
  info.region = v.at("region").get<std::string>();
  info.transitGatewayId = v.at("tgw").get<std::string>();
  for (const auto& c : v.at("cidrs")) {
    auto p = prefixFrom(c.get<std::string>());
    if (!p) throw std::runtime_error(p.error().message);
    info.cidrs.push_back(*p);
  }
  t.vpcs[info.id] = std::move(info);
}

void readVpcTable(const json& r, Topology& t) {
  VpcRouteTableInfo info{r.at("id").get<std::string>(),  r.at("region").get<std::string>(),
                         r.at("vpc").get<std::string>(), r.at("main").get<bool>(),
                         r.at("managed").get<bool>(),    r.at("why").get<std::string>()};
  t.vpcRouteTables[info.id] = std::move(info);
}

void readEni(const json& e, Topology& t) {
  EniInfo info{e.at("id").get<std::string>(),       e.at("region").get<std::string>(),
               e.at("vpc").get<std::string>(),      e.at("subnet").get<std::string>(),
               e.at("instance").get<std::string>(), e.at("source_dest_check").get<bool>(),
               e.at("status").get<std::string>()};
  t.enis[info.id] = std::move(info);
}

void readTgw(const json& g, Topology& t) {
  TgwInfo info{g.at("id").get<std::string>(), g.at("region").get<std::string>(),
               g.at("owner").get<std::string>(), g.at("state").get<std::string>()};
  t.tgws[info.id] = std::move(info);
}

void readAttachment(const json& a, Topology& t) {
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

void readTgwTable(const json& r, Topology& t) {
  TgwRouteTableInfo info{r.at("id").get<std::string>(), r.at("tgw").get<std::string>(),
                         r.at("region").get<std::string>(), r.at("managed").get<bool>()};
  t.tgwRouteTables[info.id] = std::move(info);
}

void readNode(const json& n, Topology& t) {
  t.nodes.push_back(NodeInfo{n.at("name").get<std::string>(), n.at("region").get<std::string>(),
                             n.at("eni").get<std::string>(), n.at("vpc").get<std::string>(),
                             n.at("tgw").get<std::string>(),
                             n.at("vpc_attachment").get<std::string>()});
}

void readOrigin(const json& o, Topology& t) {
  auto provenance = provenanceFrom(o.at("provenance").get<std::string>());
  if (!provenance) throw std::runtime_error("bad provenance");
  t.origins[o.at("id").get<std::string>()] =
      TableOrigin{*provenance, o.at("first_seen").get<std::int64_t>()};
}

// Every section is required, in any order.
constexpr std::pair<std::string_view, ElementReader> kSections[] = {
    {"vpcs", readVpc},
    {"vpc_route_tables", readVpcTable},
    {"enis", readEni},
    {"tgws", readTgw},
    {"attachments", readAttachment},
    {"tgw_route_tables", readTgwTable},
    {"nodes", readNode},
    {"origins", readOrigin},
};

}  // namespace

std::string topologyToJson(const Topology& t, std::string_view configDigest) {
  JsonWriter out;
  out.field("format", kTopologyFormatVersion);
  out.field("config_digest", configDigest);
  out.beginArray("vpcs");
  for (const auto& [id, v] : t.vpcs) {
    json cidrs = json::array();
    for (const auto& c : v.cidrs) cidrs.push_back(c.toString());
    out.element({{"id", id}, {"region", v.region}, {"cidrs", cidrs}, {"tgw", v.transitGatewayId}});
  }
  out.endArray();
  out.beginArray("vpc_route_tables");
  for (const auto& [id, r] : t.vpcRouteTables) {
    out.element({{"id", id},
                 {"region", r.region},
                 {"vpc", r.vpcId},
                 {"main", r.main},
                 {"managed", r.managed},
                 {"why", r.why}});
  }
  out.endArray();
  out.beginArray("enis");
  for (const auto& [id, e] : t.enis) {
    out.element({{"id", id},
                 {"region", e.region},
                 {"vpc", e.vpcId},
                 {"subnet", e.subnetId},
                 {"instance", e.instanceId},
                 {"source_dest_check", e.sourceDestCheck},
                 {"status", e.status}});
  }
  out.endArray();
  out.beginArray("tgws");
  for (const auto& [id, g] : t.tgws) {
    out.element({{"id", id}, {"region", g.region}, {"owner", g.ownerId}, {"state", g.state}});
  }
  out.endArray();
  out.beginArray("attachments");
  for (const auto& a : t.attachments) {
    out.element({{"id", a.id},
                 {"tgw", a.tgwId},
                 {"region", a.region},
                 {"kind", kindName(a.kind)},
                 {"resource", a.resourceId},
                 {"peer_region", a.peerRegion},
                 {"peer_attachment", a.peerAttachmentId},
                 {"state", a.state},
                 {"associated_table", a.associatedRouteTableId}});
  }
  out.endArray();
  out.beginArray("tgw_route_tables");
  for (const auto& [id, r] : t.tgwRouteTables) {
    out.element({{"id", id}, {"tgw", r.tgwId}, {"region", r.region}, {"managed", r.managed}});
  }
  out.endArray();
  out.beginArray("nodes");
  for (const auto& n : t.nodes) {
    out.element({{"name", n.name},
                 {"region", n.region},
                 {"eni", n.eniId},
                 {"vpc", n.vpcId},
                 {"tgw", n.tgwId},
                 {"vpc_attachment", n.vpcAttachmentId}});
  }
  out.endArray();
  out.beginArray("origins");
  for (const auto& [id, o] : t.origins) {
    out.element(
        {{"id", id}, {"provenance", provenanceName(o.provenance)}, {"first_seen", o.firstSeen}});
  }
  out.endArray();
  return out.finish();
}

Result<Topology> topologyFromJson(std::string_view text, std::string_view configDigest) {
  Topology t;
  ElementReader reader = nullptr;  // of the top-level key being parsed
  std::optional<std::string> elementError;
  // Each element of a section becomes part of `t` as soon as it is parsed and
  // is then dropped from the document. Its errors are kept for after the
  // format and digest checks, which decide first: a cache of another format
  // may well have elements this version cannot read.
  const json::parser_callback_t callback = [&](int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::key && depth == 1) {
      reader = nullptr;
      for (const auto& [name, read] : kSections) {
        if (parsed.get_ref<const std::string&>() == name) reader = read;
      }
    } else if (event == json::parse_event_t::object_end && depth == 2 && reader != nullptr) {
      if (!elementError) {
        try {
          reader(parsed, t);
        } catch (const std::exception& e) {
          elementError = e.what();
        }
      }
      return false;
    }
    return true;
  };
  try {
    json doc = json::parse(text, callback);
    if (!doc.is_object())
      return makeError(ErrorCategory::kInvalid, "topology cache: not an object");
    if (doc.value("format", 0) != kTopologyFormatVersion) {
      return makeError(ErrorCategory::kInvalid, "topology cache: other format version");
    }
    if (doc.value("config_digest", std::string()) != configDigest) {
      return makeError(ErrorCategory::kInvalid, "topology cache: written for another config");
    }
    if (elementError) {
      return makeError(ErrorCategory::kInvalid, fmt::format("topology cache: {}", *elementError));
    }
    for (const auto& [name, read] : kSections) {
      const auto section = doc.find(name);
      // Read elements were dropped: whatever is left was not an object.
      if (section == doc.end() || !section->is_array() || !section->empty()) {
        return makeError(ErrorCategory::kInvalid,
                         fmt::format("topology cache: '{}' missing or malformed", name));
      }
    }
    return t;
  } catch (const std::exception& e) {
    return makeError(ErrorCategory::kInvalid, fmt::format("topology cache: {}", e.what()));
  }
}

int topologyFormatOf(std::string_view text) {
  try {
    // Only the top-level "format" is kept: the rest is parsed and dropped,
    // never built (a 1,000-table scope as a DOM costs tens of MB).
    json doc = json::parse(text, [](int depth, json::parse_event_t event, json& parsed) {
      if (depth == 1 && event == json::parse_event_t::key) return parsed == "format";
      return true;
    });
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
