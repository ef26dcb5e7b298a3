#include "sim/sim_model.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <map>

namespace tgwark::sim {

bool validIpv4(std::string_view address) {
  in_addr out{};
  const std::string text(address);
  return inet_pton(AF_INET, text.c_str(), &out) == 1;
}

std::optional<std::string> canonicalCidr(std::string_view cidr, bool* isIpv6) {
  const auto slash = cidr.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 >= cidr.size())
    return std::nullopt;
  const std::string address(cidr.substr(0, slash));
  const std::string_view lenText = cidr.substr(slash + 1);
  int length = -1;
  const auto [ptr, ec] = std::from_chars(lenText.data(), lenText.data() + lenText.size(), length);
  if (ec != std::errc{} || ptr != lenText.data() + lenText.size()) return std::nullopt;
  std::array<unsigned char, 16> bytes{};
  int family = AF_INET;
  int maxLength = 32;
  if (address.find(':') != std::string::npos) {
    family = AF_INET6;
    maxLength = 128;
  }
  if (inet_pton(family, address.c_str(), bytes.data()) != 1) return std::nullopt;
  if (length < 0 || length > maxLength) return std::nullopt;
  // AWS rejects CIDRs with host bits set rather than silently masking them.
  for (int bit = length; bit < maxLength; ++bit) {
    if (bytes[static_cast<std::size_t>(bit / 8)] & (0x80 >> (bit % 8))) return std::nullopt;
  }
  std::array<char, INET6_ADDRSTRLEN> text{};
  if (inet_ntop(family, bytes.data(), text.data(), text.size()) == nullptr) return std::nullopt;
  if (isIpv6 != nullptr) *isIpv6 = family == AF_INET6;
  return std::string(text.data()) + "/" + std::to_string(length);
}

std::string vpcRouteState(const SimRegion& region, const SimRoute& route) {
  if (!route.networkInterfaceId.empty()) {
    const auto it = region.enis.find(route.networkInterfaceId);
    return it != region.enis.end() && !it->second.instanceId.empty() ? "active" : "blackhole";
  }
  if (!route.transitGatewayId.empty()) {
    const auto it = region.transitGateways.find(route.transitGatewayId);
    return it != region.transitGateways.end() && it->second.state == "available" ? "active"
                                                                                 : "blackhole";
  }
  return "active";
}

std::vector<SimRoute> effectiveVpcRoutes(const SimRegion& region, const SimRouteTable& table) {
  std::vector<SimRoute> routes;
  if (const auto vpc = region.vpcs.find(table.vpcId); vpc != region.vpcs.end()) {
    for (const auto& cidr : vpc->second.cidrs) {
      routes.push_back(SimRoute{cidr, false, "local", "", "", "CreateRouteTable"});
    }
    for (const auto& cidr : vpc->second.ipv6Cidrs) {
      routes.push_back(SimRoute{cidr, true, "local", "", "", "CreateRouteTable"});
    }
  }
  routes.insert(routes.end(), table.routes.begin(), table.routes.end());
  return routes;
}

namespace {

// One side of a peering as seen from its own TGW, or nullopt when that side
// is not in `region`.
std::optional<AttachmentView> peeringSideView(const SimTopology& topology, const SimRegion& region,
                                              const SimPeeringAttachment& peering,
                                              bool requesterSide) {
  const SimPeeringSide& mine = requesterSide ? peering.requester : peering.accepter;
  const SimPeeringSide& other = requesterSide ? peering.accepter : peering.requester;
  if (mine.region != region.name) return std::nullopt;
  AttachmentView view;
  view.id = requesterSide ? peering.id : peering.accepterSideId();
  view.resourceType = "peering";
  view.state = peering.state;
  view.tags = &peering.tags;
  view.transitGatewayId = mine.transitGatewayId;
  view.resourceId = other.transitGatewayId;
  view.resourceOwnerId = other.ownerId.empty() ? topology.accountId : other.ownerId;
  return view;
}

AttachmentView vpcView(const SimTopology& topology, const SimVpcAttachment& attachment) {
  return AttachmentView{attachment.id,    attachment.transitGatewayId, "vpc",
                        attachment.vpcId, topology.accountId,          attachment.state,
                        &attachment.tags};
}

}  // namespace

std::optional<AttachmentView> findAttachment(const SimTopology& topology, const SimRegion& region,
                                             std::string_view id) {
  const std::string key(id);
  if (const auto it = region.vpcAttachments.find(key); it != region.vpcAttachments.end()) {
    return vpcView(topology, it->second);
  }
  if (const auto it = topology.peerings.find(key); it != topology.peerings.end()) {
    if (auto view = peeringSideView(topology, region, it->second, true)) return view;
    // Across regions the accepter's side shares the id.
    if (it->second.accepterAttachmentId.empty())
      return peeringSideView(topology, region, it->second, false);
    return std::nullopt;
  }
  for (const auto& [peeringId, peering] : topology.peerings) {
    if (!peering.accepterAttachmentId.empty() && peering.accepterAttachmentId == key)
      return peeringSideView(topology, region, peering, false);
  }
  return std::nullopt;
}

std::vector<AttachmentView> regionAttachments(const SimTopology& topology,
                                              const SimRegion& region) {
  std::vector<AttachmentView> out;
  for (const auto& [id, attachment] : region.vpcAttachments)
    out.push_back(vpcView(topology, attachment));
  for (const auto& [id, peering] : topology.peerings) {
    // Both sides when both TGWs are in this region (each with its own id).
    for (const bool requesterSide : {true, false}) {
      if (auto view = peeringSideView(topology, region, peering, requesterSide))
        out.push_back(std::move(*view));
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

std::string associatedTable(const SimRegion& region, std::string_view attachmentId) {
  for (const auto& [id, table] : region.tgwRouteTables) {
    if (std::find(table.associations.begin(), table.associations.end(), attachmentId) !=
        table.associations.end()) {
      return id;
    }
  }
  return {};
}

std::vector<EffectiveTgwRoute> effectiveTgwRoutes(const SimTopology& topology,
                                                  const SimRegion& region,
                                                  const SimTgwRouteTable& table) {
  std::map<std::string, EffectiveTgwRoute> byDestination;
  for (const auto& attachmentId : table.propagations) {
    const auto it = region.vpcAttachments.find(attachmentId);
    if (it == region.vpcAttachments.end() || it->second.state != "available") continue;
    const auto vpc = region.vpcs.find(it->second.vpcId);
    if (vpc == region.vpcs.end()) continue;
    auto add = [&](const std::string& cidr) {
      byDestination.emplace(cidr, EffectiveTgwRoute{cidr, "propagated", "active", attachmentId});
    };
    for (const auto& cidr : vpc->second.cidrs) add(cidr);
    for (const auto& cidr : vpc->second.ipv6Cidrs) add(cidr);
  }
  for (const auto& route : table.staticRoutes) {
    EffectiveTgwRoute effective{route.destination, "static", "blackhole", route.attachmentId};
    if (!route.blackhole) {
      const auto attachment = findAttachment(topology, region, route.attachmentId);
      if (attachment && attachment->state == "available" &&
          attachment->transitGatewayId == table.transitGatewayId) {
        effective.state = "active";
      }
    } else {
      effective.attachmentId.clear();
    }
    byDestination[route.destination] = std::move(effective);
  }
  std::vector<EffectiveTgwRoute> out;
  out.reserve(byDestination.size());
  for (auto& [destination, route] : byDestination) out.push_back(std::move(route));
  return out;
}

}  // namespace tgwark::sim

namespace tgwark::sim {

namespace {
struct ParsedCidr {
  std::array<unsigned char, 16> bytes{};
  int length = 0;
  bool ipv6 = false;
};
std::optional<ParsedCidr> parseCidr(std::string_view cidr) {
  const auto slash = cidr.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  ParsedCidr out;
  const std::string address(cidr.substr(0, slash));
  out.ipv6 = address.find(':') != std::string::npos;
  if (inet_pton(out.ipv6 ? AF_INET6 : AF_INET, address.c_str(), out.bytes.data()) != 1)
    return std::nullopt;
  const auto lenText = cidr.substr(slash + 1);
  const auto [ptr, ec] =
      std::from_chars(lenText.data(), lenText.data() + lenText.size(), out.length);
  if (ec != std::errc{}) return std::nullopt;
  return out;
}
}  // namespace

bool cidrContains(std::string_view outer, std::string_view inner) {
  const auto a = parseCidr(outer);
  const auto b = parseCidr(inner);
  if (!a || !b || a->ipv6 != b->ipv6 || a->length > b->length) return false;
  for (int bit = 0; bit < a->length; ++bit) {
    const auto index = static_cast<std::size_t>(bit / 8);
    const int mask = 0x80 >> (bit % 8);
    if ((a->bytes[index] & mask) != (b->bytes[index] & mask)) return false;
  }
  return true;
}

}  // namespace tgwark::sim
