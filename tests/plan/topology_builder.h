// Test helpers for building model::Topology and model::ObservedState by hand,
// shared by the planner's tests and the engine's. Ids are free-form here (the
// topology never validates them), so tests use readable ones: "tgw-east",
// "rtb-a1", "tgw-attach-a".
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "model/net.h"
#include "model/observed.h"
#include "model/topology.h"
#include "plan/desired.h"

namespace tgwark::test {

inline model::Prefix prefix(std::string_view text) {
  auto p = model::parsePrefix(text, /*allowHostBits=*/true);
  if (!p) throw std::invalid_argument(p.error().message);
  return *p;
}

class TopologyBuilder {
 public:
  TopologyBuilder& tgw(const std::string& id, const std::string& region) {
    topology_.tgws[id] = model::TgwInfo{id, region, "111122223333", "available"};
    return *this;
  }

  TopologyBuilder& tgwTable(const std::string& id, const std::string& tgwId, bool managed = true) {
    topology_.tgwRouteTables[id] = model::TgwRouteTableInfo{id, tgwId, regionOfTgw(tgwId), managed};
    return *this;
  }

  // A VPC with one or more CIDRs ("10.1.0.0/16" or "10.1.0.0/16,2001:db8:1::/56").
  TopologyBuilder& vpc(const std::string& id, const std::string& region, std::string_view cidrs) {
    model::VpcInfo info;
    info.id = id;
    info.region = region;
    while (!cidrs.empty()) {
      auto comma = cidrs.find(',');
      info.cidrs.push_back(prefix(cidrs.substr(0, comma)));
      cidrs = comma == std::string_view::npos ? std::string_view() : cidrs.substr(comma + 1);
    }
    topology_.vpcs[id] = std::move(info);
    return *this;
  }

  TopologyBuilder& vpcTable(const std::string& id, const std::string& vpcId, bool managed = true,
                            bool main = false) {
    topology_.vpcRouteTables[id] =
        model::VpcRouteTableInfo{id, regionOfVpc(vpcId), vpcId, main, managed, ""};
    return *this;
  }

  // Attaches a VPC to a TGW; the first TGW a VPC is attached to becomes the
  // one it sends the VIP to (override with vpcUses()).
  TopologyBuilder& attachVpc(const std::string& attachmentId, const std::string& vpcId,
                             const std::string& tgwId, const std::string& associatedTable,
                             const std::string& state = "available") {
    model::AttachmentInfo a;
    a.id = attachmentId;
    a.tgwId = tgwId;
    a.region = regionOfTgw(tgwId);
    a.kind = model::AttachmentKind::kVpc;
    a.resourceId = vpcId;
    a.state = state;
    a.associatedRouteTableId = associatedTable;
    topology_.attachments.push_back(a);
    auto& vpc = topology_.vpcs.at(vpcId);
    if (vpc.transitGatewayId.empty()) vpc.transitGatewayId = tgwId;
    return *this;
  }

  TopologyBuilder& vpcUses(const std::string& vpcId, const std::string& tgwId) {
    topology_.vpcs.at(vpcId).transitGatewayId = tgwId;
    return *this;
  }

  // A peering between two TGWs, recorded once per side (same id: cross-region).
  TopologyBuilder& peer(const std::string& attachmentId, const std::string& tgwA,
                        const std::string& tgwB, const std::string& associatedTableA,
                        const std::string& associatedTableB,
                        const std::string& state = "available") {
    return peerSides(attachmentId, attachmentId, tgwA, tgwB, associatedTableA, associatedTableB,
                     state);
  }

  // A peering whose sides have their own attachment ids (intra-region): idA is
  // tgwA's side, idB tgwB's.
  TopologyBuilder& peerSides(const std::string& idA, const std::string& idB,
                             const std::string& tgwA, const std::string& tgwB,
                             const std::string& associatedTableA,
                             const std::string& associatedTableB,
                             const std::string& state = "available") {
    for (int side = 0; side < 2; ++side) {
      model::AttachmentInfo a;
      a.id = side == 0 ? idA : idB;
      a.peerAttachmentId = side == 0 ? idB : idA;
      a.tgwId = side == 0 ? tgwA : tgwB;
      a.region = regionOfTgw(a.tgwId);
      a.kind = model::AttachmentKind::kPeering;
      a.resourceId = side == 0 ? tgwB : tgwA;
      a.peerRegion = regionOfTgw(a.resourceId);
      a.state = state;
      a.associatedRouteTableId = side == 0 ? associatedTableA : associatedTableB;
      topology_.attachments.push_back(a);
    }
    return *this;
  }

  // A cluster node on `eniId` in `vpcId`; its TGW and attachment are resolved by build().
  TopologyBuilder& node(const std::string& name, const std::string& eniId,
                        const std::string& vpcId) {
    topology_.nodes.push_back(model::NodeInfo{name, regionOfVpc(vpcId), eniId, vpcId, "", ""});
    topology_.enis[eniId] = model::EniInfo{
        eniId, regionOfVpc(vpcId), vpcId, "subnet-" + vpcId, "i-" + name, false, "in-use"};
    return *this;
  }

  model::Topology build() const {
    model::Topology out = topology_;
    for (auto& n : out.nodes) {
      n.tgwId = out.vpcs.at(n.vpcId).transitGatewayId;
      if (const auto* a = out.vpcAttachment(n.tgwId, n.vpcId)) n.vpcAttachmentId = a->id;
    }
    return out;
  }

 private:
  std::string regionOfTgw(const std::string& tgwId) const {
    auto it = topology_.tgws.find(tgwId);
    return it == topology_.tgws.end() ? std::string() : it->second.region;
  }
  std::string regionOfVpc(const std::string& vpcId) const {
    auto it = topology_.vpcs.find(vpcId);
    return it == topology_.vpcs.end() ? std::string() : it->second.region;
  }

  model::Topology topology_;
};

inline model::ObservedRoute route(std::string_view destination, model::TargetKind kind,
                                  std::string targetId, std::string state = "active",
                                  bool propagated = false) {
  return model::ObservedRoute{
      prefix(destination), {kind, std::move(targetId)}, std::move(state), propagated};
}

// Every managed table of the topology, read successfully, without a VIP route.
inline model::ObservedState emptyObserved(const model::Topology& topology) {
  model::ObservedState state;
  for (const auto* t : topology.managedVpcTables()) {
    state.tables[t->id] =
        model::ObservedTable{model::TableKind::kVpc, t->id, t->region, true, "", {}, {}};
  }
  for (const auto* t : topology.managedTgwTables()) {
    state.tables[t->id] =
        model::ObservedTable{model::TableKind::kTgw, t->id, t->region, true, "", {}, {}};
  }
  return state;
}

// The observed state once `desired` is in place (every route active).
inline model::ObservedState observedFrom(const model::Topology& topology,
                                         const std::vector<plan::DesiredRoute>& desired) {
  model::ObservedState state = emptyObserved(topology);
  for (const auto& d : desired) {
    auto& table = state.tables[d.tableId];
    table.kind = d.tableKind;
    table.id = d.tableId;
    table.region = d.region;
    table.known = true;
    table.vipRoute = model::ObservedRoute{d.destination, d.target, "active", false};
  }
  return state;
}

// docs/benchmarks.md's ref-3r: us-east-1 / us-west-2 / eu-west-1, one TGW each
// (tgw-east, tgw-west, tgw-eu), full-mesh peering (peer-ew, peer-eeu, peer-weu),
// two TGW tables per TGW (tgw-rtb-<tgw>-1 holds every association, -2 none),
// four VPCs per region (vpc-<r>1..4, 10.<n>.0.0/16) with two route tables
// each (rtb-<r><v>a main, rtb-<r><v>b), all managed. node-a: vpc-e1 (eni-a),
// node-b: vpc-w1 (eni-b). 24 VPC tables + 6 TGW tables = 30 routes.
inline model::Topology ref3r() {
  TopologyBuilder b;
  struct Region {
    std::string name, tag, tgw;
  };
  const std::vector<Region> regions = {
      {"us-east-1", "e", "tgw-east"}, {"us-west-2", "w", "tgw-west"}, {"eu-west-1", "u", "tgw-eu"}};
  int octet = 1;
  for (const auto& r : regions) {
    b.tgw(r.tgw, r.name);
    b.tgwTable("tgw-rtb-" + r.tgw.substr(4) + "-1", r.tgw);
    b.tgwTable("tgw-rtb-" + r.tgw.substr(4) + "-2", r.tgw);
    for (int v = 1; v <= 4; ++v) {
      std::string vpc = "vpc-" + r.tag + std::to_string(v);
      b.vpc(vpc, r.name, "10." + std::to_string(octet++) + ".0.0/16");
      b.vpcTable("rtb-" + r.tag + std::to_string(v) + "a", vpc, true, true);
      b.vpcTable("rtb-" + r.tag + std::to_string(v) + "b", vpc, true, false);
      b.attachVpc("tgw-attach-" + vpc.substr(4), vpc, r.tgw, "tgw-rtb-" + r.tgw.substr(4) + "-1");
    }
  }
  b.peer("tgw-attach-peer-ew", "tgw-east", "tgw-west", "tgw-rtb-east-1", "tgw-rtb-west-1");
  b.peer("tgw-attach-peer-eu", "tgw-east", "tgw-eu", "tgw-rtb-east-1", "tgw-rtb-eu-1");
  b.peer("tgw-attach-peer-wu", "tgw-west", "tgw-eu", "tgw-rtb-west-1", "tgw-rtb-eu-1");
  b.node("node-a", "eni-a", "vpc-e1").node("node-b", "eni-b", "vpc-w1");
  return b.build();
}

}  // namespace tgwark::test
