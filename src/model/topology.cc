#include "model/topology.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>

namespace tgwark::model {

std::string_view provenanceName(Provenance provenance) {
  switch (provenance) {
    case Provenance::kListed: return "listed";
    case Provenance::kTagged: return "tagged";
    case Provenance::kVipRoute: return "vip-route";
    case Provenance::kNodeVpc: return "node-vpc";
    case Provenance::kTgwInScope: return "tgw-in-scope";
    case Provenance::kCarried: return "carried-over";
  }
  return "carried-over";
}

std::optional<Provenance> provenanceFrom(std::string_view name) {
  for (auto p : {Provenance::kListed, Provenance::kTagged, Provenance::kVipRoute,
                 Provenance::kNodeVpc, Provenance::kTgwInScope, Provenance::kCarried}) {
    if (provenanceName(p) == name) return p;
  }
  return std::nullopt;
}

std::string firstSeenText(std::int64_t unixSeconds) {
  if (unixSeconds <= 0) return "unknown";
  auto t = std::chrono::sys_seconds(std::chrono::seconds(unixSeconds));
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", t);
}

const NodeInfo* Topology::findNode(std::string_view name) const {
  for (const auto& node : nodes) {
    if (node.name == name) return &node;
  }
  return nullptr;
}

const NodeInfo* Topology::findNodeByEni(std::string_view eniId) const {
  for (const auto& node : nodes) {
    if (node.eniId == eniId) return &node;
  }
  return nullptr;
}

const AttachmentInfo* Topology::findAttachment(std::string_view tgwId,
                                               std::string_view attachmentId) const {
  for (const auto& attachment : attachments) {
    if (attachment.tgwId == tgwId && attachment.id == attachmentId) return &attachment;
  }
  return nullptr;
}

const AttachmentInfo* Topology::vpcAttachment(std::string_view tgwId,
                                              std::string_view vpcId) const {
  // A VPC can keep a deleted or deleting attachment next to its live one;
  // only the available one carries traffic.
  for (const auto& attachment : attachments) {
    if (attachment.kind == AttachmentKind::kVpc && attachment.tgwId == tgwId &&
        attachment.resourceId == vpcId && attachment.state == "available") {
      return &attachment;
    }
  }
  return nullptr;
}

const AttachmentInfo* Topology::peerSide(const AttachmentInfo& peering) const {
  if (peering.kind != AttachmentKind::kPeering) return nullptr;
  // An entry written before per-side ids were recorded has none: both sides
  // then share the id, as across regions.
  const std::string& farId =
      peering.peerAttachmentId.empty() ? peering.id : peering.peerAttachmentId;
  const AttachmentInfo* far = findAttachment(peering.resourceId, farId);
  return far != nullptr && far->kind == AttachmentKind::kPeering ? far : nullptr;
}

std::vector<const AttachmentInfo*> Topology::peerings(std::string_view tgwId) const {
  std::vector<const AttachmentInfo*> out;
  for (const auto& attachment : attachments) {
    if (attachment.kind == AttachmentKind::kPeering && attachment.tgwId == tgwId) {
      out.push_back(&attachment);
    }
  }
  return out;
}

std::vector<const VpcRouteTableInfo*> Topology::managedVpcTables() const {
  std::vector<const VpcRouteTableInfo*> out;
  for (const auto& [id, table] : vpcRouteTables) {
    if (table.managed) out.push_back(&table);
  }
  return out;
}

std::vector<const TgwRouteTableInfo*> Topology::managedTgwTables() const {
  std::vector<const TgwRouteTableInfo*> out;
  for (const auto& [id, table] : tgwRouteTables) {
    if (table.managed) out.push_back(&table);
  }
  return out;
}

}  // namespace tgwark::model
