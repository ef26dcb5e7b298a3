#include "model/topology.h"

namespace tgwark::model {

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
