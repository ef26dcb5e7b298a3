#include "model/topology_io.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <utility>
#include <vector>

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

// The document is never held whole as a DOM: as one it costs about ten times
// its text (some 6 MB for a 1,000-table scope, 500 KB of JSON), and that was
// the peak memory of a restore. It is written one array element at a time,
// and read by the SAX handler below.
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

// Reading: a SAX handler fills the topology straight from the parser's
// events. Neither the document nor an element is ever built as a DOM (as
// one, a 1,000-table scope cost some 6 MB of memory and most of a restore's
// parse time), and every string the parser hands over is moved into its field.
enum class FieldType { kString, kBool, kInt, kStringList };
struct FieldSpec {
  std::string_view name;
  FieldType type;
};

constexpr std::size_t kMaxFields = 9;

// One element of a section as it is parsed: its fields by their index in the
// section's FieldSpec list.
struct Element {
  std::array<std::string, kMaxFields> strings;
  std::array<bool, kMaxFields> bools{};
  std::array<std::int64_t, kMaxFields> ints{};
  std::vector<std::string> list;  // the one list field (a VPC's CIDRs)
  unsigned seen = 0;              // bit i: field i was given
};

// Builds the element into `t`; a message when a value is not acceptable.
using ElementBuilder = std::optional<std::string> (*)(Element& e, Topology& t);

template <class Map, class Value>
void putSorted(Map& map, std::string id, Value value) {
  // Written in key order: each insertion lands at the end.
  map.emplace_hint(map.end(), std::move(id), std::move(value));
}

constexpr FieldSpec kVpcFields[] = {{"id", FieldType::kString},
                                    {"region", FieldType::kString},
                                    {"tgw", FieldType::kString},
                                    {"cidrs", FieldType::kStringList}};
std::optional<std::string> buildVpc(Element& e, Topology& t) {
  VpcInfo info;
  info.id = e.strings[0];
  info.region = std::move(e.strings[1]);
  info.transitGatewayId = std::move(e.strings[2]);
  for (const auto& c : e.list) {
    auto p = prefixFrom(c);
    if (!p) return p.error().message;
    info.cidrs.push_back(*p);
  }
  putSorted(t.vpcs, std::move(e.strings[0]), std::move(info));
  return std::nullopt;
}

constexpr FieldSpec kVpcTableFields[] = {
    {"id", FieldType::kString}, {"region", FieldType::kString}, {"vpc", FieldType::kString},
    {"main", FieldType::kBool}, {"managed", FieldType::kBool},  {"why", FieldType::kString}};
std::optional<std::string> buildVpcTable(Element& e, Topology& t) {
  VpcRouteTableInfo info{e.strings[0], std::move(e.strings[1]), std::move(e.strings[2]), e.bools[3],
                         e.bools[4],   std::move(e.strings[5])};
  putSorted(t.vpcRouteTables, std::move(e.strings[0]), std::move(info));
  return std::nullopt;
}

constexpr FieldSpec kEniFields[] = {
    {"id", FieldType::kString},       {"region", FieldType::kString},
    {"vpc", FieldType::kString},      {"subnet", FieldType::kString},
    {"instance", FieldType::kString}, {"source_dest_check", FieldType::kBool},
    {"status", FieldType::kString}};
std::optional<std::string> buildEni(Element& e, Topology& t) {
  EniInfo info{e.strings[0],
               std::move(e.strings[1]),
               std::move(e.strings[2]),
               std::move(e.strings[3]),
               std::move(e.strings[4]),
               e.bools[5],
               std::move(e.strings[6])};
  putSorted(t.enis, std::move(e.strings[0]), std::move(info));
  return std::nullopt;
}

constexpr FieldSpec kTgwFields[] = {{"id", FieldType::kString},
                                    {"region", FieldType::kString},
                                    {"owner", FieldType::kString},
                                    {"state", FieldType::kString}};
std::optional<std::string> buildTgw(Element& e, Topology& t) {
  TgwInfo info{e.strings[0], std::move(e.strings[1]), std::move(e.strings[2]),
               std::move(e.strings[3])};
  putSorted(t.tgws, std::move(e.strings[0]), std::move(info));
  return std::nullopt;
}

constexpr FieldSpec kAttachmentFields[] = {{"id", FieldType::kString},
                                           {"tgw", FieldType::kString},
                                           {"region", FieldType::kString},
                                           {"kind", FieldType::kString},
                                           {"resource", FieldType::kString},
                                           {"peer_region", FieldType::kString},
                                           {"peer_attachment", FieldType::kString},
                                           {"state", FieldType::kString},
                                           {"associated_table", FieldType::kString}};
std::optional<std::string> buildAttachment(Element& e, Topology& t) {
  AttachmentInfo info;
  info.id = std::move(e.strings[0]);
  info.tgwId = std::move(e.strings[1]);
  info.region = std::move(e.strings[2]);
  info.kind = kindFrom(e.strings[3]);
  info.resourceId = std::move(e.strings[4]);
  info.peerRegion = std::move(e.strings[5]);
  info.peerAttachmentId = std::move(e.strings[6]);
  info.state = std::move(e.strings[7]);
  info.associatedRouteTableId = std::move(e.strings[8]);
  t.attachments.push_back(std::move(info));
  return std::nullopt;
}

constexpr FieldSpec kTgwTableFields[] = {{"id", FieldType::kString},
                                         {"tgw", FieldType::kString},
                                         {"region", FieldType::kString},
                                         {"managed", FieldType::kBool}};
std::optional<std::string> buildTgwTable(Element& e, Topology& t) {
  TgwRouteTableInfo info{e.strings[0], std::move(e.strings[1]), std::move(e.strings[2]),
                         e.bools[3]};
  putSorted(t.tgwRouteTables, std::move(e.strings[0]), std::move(info));
  return std::nullopt;
}

constexpr FieldSpec kNodeFields[] = {
    {"name", FieldType::kString}, {"region", FieldType::kString},
    {"eni", FieldType::kString},  {"vpc", FieldType::kString},
    {"tgw", FieldType::kString},  {"vpc_attachment", FieldType::kString}};
std::optional<std::string> buildNode(Element& e, Topology& t) {
  t.nodes.push_back(NodeInfo{std::move(e.strings[0]), std::move(e.strings[1]),
                             std::move(e.strings[2]), std::move(e.strings[3]),
                             std::move(e.strings[4]), std::move(e.strings[5])});
  return std::nullopt;
}

constexpr FieldSpec kOriginFields[] = {{"id", FieldType::kString},
                                       {"provenance", FieldType::kString},
                                       {"first_seen", FieldType::kInt}};
std::optional<std::string> buildOrigin(Element& e, Topology& t) {
  auto provenance = provenanceFrom(e.strings[1]);
  if (!provenance) return "bad provenance";
  putSorted(t.origins, std::move(e.strings[0]), TableOrigin{*provenance, e.ints[2]});
  return std::nullopt;
}

struct SectionSpec {
  std::string_view name;
  std::span<const FieldSpec> fields;
  ElementBuilder build;
};

// Every section is required, in any order.
constexpr SectionSpec kSections[] = {
    {"vpcs", kVpcFields, buildVpc},
    {"vpc_route_tables", kVpcTableFields, buildVpcTable},
    {"enis", kEniFields, buildEni},
    {"tgws", kTgwFields, buildTgw},
    {"attachments", kAttachmentFields, buildAttachment},
    {"tgw_route_tables", kTgwTableFields, buildTgwTable},
    {"nodes", kNodeFields, buildNode},
    {"origins", kOriginFields, buildOrigin},
};
constexpr std::size_t kSectionCount = std::size(kSections);

// Depths (containers open): 1 the document, 2 a section, 3 an element,
// 4 a list value. What the handler does not know (other top-level keys, other
// fields) is skipped whole, as the DOM reader ignored it.
class StoreReader final : public json::json_sax_t {
 public:
  Topology topology;
  std::optional<std::int64_t> format;
  std::optional<std::string> digest;
  std::optional<std::string> elementError;  // the first, kept for after the format check
  std::optional<std::string> syntaxError;
  std::array<bool, kSectionCount> sectionSeen{};
  std::array<bool, kSectionCount> sectionBad{};  // not an array of objects
  bool topIsObject = true;

  bool null() override { return scalar(Scalar::kOther); }
  bool boolean(bool value) override {
    bool_ = value;
    return scalar(Scalar::kBool);
  }
  bool number_integer(number_integer_t value) override {
    int_ = value;
    return scalar(Scalar::kInt);
  }
  bool number_unsigned(number_unsigned_t value) override {
    if (value > static_cast<number_unsigned_t>(std::numeric_limits<std::int64_t>::max()))
      return scalar(Scalar::kOther);
    int_ = static_cast<std::int64_t>(value);
    return scalar(Scalar::kInt);
  }
  bool number_float(number_float_t, const string_t&) override { return scalar(Scalar::kOther); }
  bool string(string_t& value) override {
    string_ = &value;
    return scalar(Scalar::kString);
  }
  bool binary(binary_t&) override { return scalar(Scalar::kOther); }

  bool start_object(std::size_t) override { return open(false); }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(true); }
  bool end_array() override { return close(); }

  bool key(string_t& name) override {
    if (skipDepth_ != 0) return true;
    if (depth_ == 1) {
      topKey_ = TopKey::kOther;
      section_ = nullptr;
      if (name == "format") {
        topKey_ = TopKey::kFormat;
      } else if (name == "config_digest") {
        topKey_ = TopKey::kDigest;
      } else {
        for (std::size_t i = 0; i < kSectionCount; ++i) {
          if (name == kSections[i].name) {
            topKey_ = TopKey::kSection;
            sectionIndex_ = i;
            section_ = &kSections[i];
          }
        }
      }
    } else if (depth_ == 3 && section_ != nullptr) {
      field_ = -1;
      for (std::size_t i = 0; i < section_->fields.size(); ++i) {
        if (name == section_->fields[i].name) field_ = static_cast<int>(i);
      }
    }
    return true;
  }

  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& e) override {
    syntaxError = fmt::format("{} (byte {})", e.what(), position);
    return false;
  }

 private:
  enum class TopKey { kOther, kFormat, kDigest, kSection };
  enum class Scalar { kString, kBool, kInt, kOther };

  void fail(std::string message) {
    if (!elementError) elementError = std::move(message);
  }

  bool open(bool array) {
    ++depth_;
    if (skipDepth_ != 0) return true;
    if (depth_ == 1) {
      if (array) topIsObject = false;
      return true;
    }
    if (depth_ == 2) {
      if (topKey_ == TopKey::kSection) {
        sectionSeen[sectionIndex_] = true;
        if (!array) sectionBad[sectionIndex_] = true;
      }
      if (topKey_ != TopKey::kSection || !array) skipDepth_ = depth_;
      return true;
    }
    if (depth_ == 3) {
      if (array) {
        sectionBad[sectionIndex_] = true;
        skipDepth_ = depth_;
        return true;
      }
      element_.seen = 0;
      element_.list.clear();
      field_ = -1;
      return true;
    }
    // depth 4: a list value, or something to skip.
    if (array && fieldType() == FieldType::kStringList) {
      element_.seen |= 1u << field_;
      return true;
    }
    if (field_ >= 0) fail(fmt::format("'{}': wrong type", section_->fields[field_].name));
    skipDepth_ = depth_;
    return true;
  }

  bool close() {
    const bool skipped = skipDepth_ != 0;
    if (skipDepth_ == depth_) skipDepth_ = 0;
    if (!skipped && depth_ == 3 && section_ != nullptr) finishElement();
    --depth_;
    return true;
  }

  std::optional<FieldType> fieldType() const {
    if (section_ == nullptr || field_ < 0) return std::nullopt;
    return section_->fields[field_].type;
  }

  bool scalar(Scalar kind) {
    if (skipDepth_ != 0) return true;
    if (depth_ == 0) {
      topIsObject = false;
    } else if (depth_ == 1) {
      if (topKey_ == TopKey::kFormat) {
        format = kind == Scalar::kInt ? std::optional(int_) : std::optional<std::int64_t>(0);
      } else if (topKey_ == TopKey::kDigest) {
        digest = kind == Scalar::kString ? std::move(*string_) : std::string();
      } else if (topKey_ == TopKey::kSection) {
        sectionSeen[sectionIndex_] = true;
        sectionBad[sectionIndex_] = true;
      }
    } else if (depth_ == 2) {
      sectionBad[sectionIndex_] = true;
    } else if (depth_ == 3) {
      const auto type = fieldType();
      if (!type) return true;
      const bool ok = (*type == FieldType::kString && kind == Scalar::kString) ||
                      (*type == FieldType::kBool && kind == Scalar::kBool) ||
                      (*type == FieldType::kInt && kind == Scalar::kInt);
      if (!ok) {
        fail(fmt::format("'{}': wrong type", section_->fields[field_].name));
        return true;
      }
      element_.seen |= 1u << field_;
      switch (kind) {
        case Scalar::kString: element_.strings[field_] = std::move(*string_); break;
        case Scalar::kBool: element_.bools[field_] = bool_; break;
        case Scalar::kInt: element_.ints[field_] = int_; break;
        case Scalar::kOther: break;
      }
    } else if (depth_ == 4) {
      if (kind != Scalar::kString) {
        fail(fmt::format("'{}': wrong type", section_->fields[field_].name));
        return true;
      }
      element_.list.push_back(std::move(*string_));
    }
    return true;
  }

  void finishElement() {
    if (elementError) return;
    for (std::size_t i = 0; i < section_->fields.size(); ++i) {
      if ((element_.seen & (1u << i)) == 0) {
        fail(fmt::format("'{}' element without '{}'", section_->name, section_->fields[i].name));
        return;
      }
    }
    if (auto error = section_->build(element_, topology)) fail(std::move(*error));
  }

  int depth_ = 0;
  int skipDepth_ = 0;  // the depth of the container being skipped; 0: none
  TopKey topKey_ = TopKey::kOther;
  std::size_t sectionIndex_ = 0;
  const SectionSpec* section_ = nullptr;
  int field_ = -1;
  Element element_;
  std::int64_t int_ = 0;
  bool bool_ = false;
  string_t* string_ = nullptr;
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
  StoreReader reader;
  bool parsed = false;
  try {
    parsed = json::sax_parse(text, &reader);
  } catch (const std::exception& e) {
    return makeError(ErrorCategory::kInvalid, fmt::format("topology cache: {}", e.what()));
  }
  if (!parsed || reader.syntaxError) {
    return makeError(ErrorCategory::kInvalid,
                     fmt::format("topology cache: {}", reader.syntaxError.value_or("not JSON")));
  }
  if (!reader.topIsObject)
    return makeError(ErrorCategory::kInvalid, "topology cache: not an object");
  // The format and the digest decide first: a cache of another format may
  // well have elements this version cannot read.
  if (reader.format.value_or(0) != kTopologyFormatVersion) {
    return makeError(ErrorCategory::kInvalid, "topology cache: other format version");
  }
  if (reader.digest.value_or(std::string()) != configDigest) {
    return makeError(ErrorCategory::kInvalid, "topology cache: written for another config");
  }
  if (reader.elementError) {
    return makeError(ErrorCategory::kInvalid,
                     fmt::format("topology cache: {}", *reader.elementError));
  }
  for (std::size_t i = 0; i < kSectionCount; ++i) {
    if (!reader.sectionSeen[i] || reader.sectionBad[i]) {
      return makeError(ErrorCategory::kInvalid,
                       fmt::format("topology cache: '{}' missing or malformed", kSections[i].name));
    }
  }
  return std::move(reader.topology);
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
