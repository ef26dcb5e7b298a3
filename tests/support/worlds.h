// Fake AWS worlds shared by the engine tests, in the state "node-a active":
//
// two regions (us-east-1: node-a's VPC A with two tables, a client VPC C with
// one table holding the VIP route and one without; us-west-2: node-b's VPC B),
// one TGW per region with one route table, joined by one peering.
// threeRegions() adds eu-west-1 (TGW D, client VPC D) peered only with
// us-west-2, so us-east-1 -> eu-west-1 is two hops and eu-west-1 is found only
// through the peering (it is not in the config).
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "engine/discovery.h"
#include "model/config.h"
#include "support/fake_clock.h"
#include "support/fake_ec2.h"

namespace tgwark::testing {

inline constexpr const char* kVip = "192.168.10.10/32";

// IDs (hex, as AWS ids are).
inline constexpr const char* kEniA = "eni-a0000001";
inline constexpr const char* kEniB = "eni-b0000001";
inline constexpr const char* kVpcA = "vpc-a0000001";
inline constexpr const char* kVpcB = "vpc-b0000001";
inline constexpr const char* kVpcC = "vpc-c0000001";
inline constexpr const char* kVpcD = "vpc-d0000001";
inline constexpr const char* kRtbA1 = "rtb-a0000001";
inline constexpr const char* kRtbA2 = "rtb-a0000002";
inline constexpr const char* kRtbB1 = "rtb-b0000001";
inline constexpr const char* kRtbC1 = "rtb-c0000001";
inline constexpr const char* kRtbC2 = "rtb-c0000002";
inline constexpr const char* kRtbD1 = "rtb-d0000001";
inline constexpr const char* kTgwE = "tgw-e0000001";  // us-east-1
inline constexpr const char* kTgwB = "tgw-b0000001";  // us-west-2
inline constexpr const char* kTgwD = "tgw-d0000001";  // eu-west-1
inline constexpr const char* kTgwRtbE = "tgw-rtb-e0000001";
inline constexpr const char* kTgwRtbB = "tgw-rtb-b0000001";
inline constexpr const char* kTgwRtbD = "tgw-rtb-d0000001";
inline constexpr const char* kAttA = "tgw-attach-a0000001";
inline constexpr const char* kAttB = "tgw-attach-b0000001";
inline constexpr const char* kAttC = "tgw-attach-c0000001";
inline constexpr const char* kAttD = "tgw-attach-d0000001";
inline constexpr const char* kPeerEB = "tgw-attach-f0000001";
inline constexpr const char* kPeerBD = "tgw-attach-f0000002";

inline std::shared_ptr<FakeCloud> twoRegions() {
  auto c = std::make_shared<FakeCloud>();
  c->addVpc("us-east-1", kVpcA, "10.1.0.0/16");
  c->addVpc("us-east-1", kVpcC, "10.3.0.0/16");
  c->addVpc("us-west-2", kVpcB, "10.2.0.0/16");
  c->addRouteTable("us-east-1", kRtbA1, kVpcA, true);
  c->addRouteTable("us-east-1", kRtbA2, kVpcA);
  c->addRouteTable("us-east-1", kRtbC1, kVpcC, true);
  c->addRouteTable("us-east-1", kRtbC2, kVpcC);
  c->addRouteTable("us-west-2", kRtbB1, kVpcB, true);
  c->addEni("us-east-1", kEniA, kVpcA);
  c->addEni("us-west-2", kEniB, kVpcB);
  c->addTgw("us-east-1", kTgwE);
  c->addTgw("us-west-2", kTgwB);
  c->addTgwRouteTable(kTgwRtbE, kTgwE);
  c->addTgwRouteTable(kTgwRtbB, kTgwB);
  c->addVpcAttachment(kAttA, kTgwE, kVpcA);
  c->addVpcAttachment(kAttC, kTgwE, kVpcC);
  c->addVpcAttachment(kAttB, kTgwB, kVpcB);
  c->addPeering(kPeerEB, kTgwE, kTgwB);
  for (auto att : {kAttA, kAttC, kPeerEB}) c->associate(att, kTgwRtbE);
  for (auto att : {kAttB, kPeerEB}) c->associate(att, kTgwRtbB);
  // VPC routes toward the other side and the VIP routes, node-a active.
  c->addRoute(kRtbA1, "10.0.0.0/8", kTgwE);
  c->addRoute(kRtbA1, kVip, kEniA);
  c->addRoute(kRtbA2, kVip, kEniA);
  c->addRoute(kRtbC1, "10.0.0.0/8", kTgwE);
  c->addRoute(kRtbC1, kVip, kTgwE);
  c->addRoute(kRtbB1, "10.0.0.0/8", kTgwB);
  c->addRoute(kRtbB1, kVip, kTgwB);
  c->addTgwRoute(kTgwRtbE, "10.1.0.0/16", kAttA, "active", "propagated");
  c->addTgwRoute(kTgwRtbE, "10.2.0.0/16", kPeerEB);
  c->addTgwRoute(kTgwRtbE, kVip, kAttA);
  c->addTgwRoute(kTgwRtbB, "10.2.0.0/16", kAttB, "active", "propagated");
  c->addTgwRoute(kTgwRtbB, "10.1.0.0/16", kPeerEB);
  c->addTgwRoute(kTgwRtbB, kVip, kPeerEB);
  return c;
}

inline std::shared_ptr<FakeCloud> threeRegions() {
  auto c = twoRegions();
  c->addVpc("eu-west-1", kVpcD, "10.4.0.0/16");
  c->addRouteTable("eu-west-1", kRtbD1, kVpcD, true);
  c->addTgw("eu-west-1", kTgwD);
  c->addTgwRouteTable(kTgwRtbD, kTgwD);
  c->addVpcAttachment(kAttD, kTgwD, kVpcD);
  c->addPeering(kPeerBD, kTgwB, kTgwD);
  for (auto att : {kAttD, kPeerBD}) c->associate(att, kTgwRtbD);
  c->associate(kPeerBD, kTgwRtbB);
  c->addRoute(kRtbD1, kVip, kTgwD);
  c->addTgwRoute(kTgwRtbD, kVip, kPeerBD);
  return c;
}

// One region with three TGWs peered within it (us-east-1), node-a active:
// node-a's VPC A and client VPC C on TGW E; node-b's VPC B (also us-east-1)
// on TGW F; client VPC D on TGW G. E requested the peering with F, G the one
// with E, so each peering has one attachment id per side (EC2's
// AccepterTransitGatewayAttachmentId), and G is reached from E only through
// E's accepter side. Each TGW's routes target its own side's id.
inline constexpr const char* kTgwF = "tgw-f0000001";
inline constexpr const char* kTgwG = "tgw-c0000001";
inline constexpr const char* kTgwRtbF = "tgw-rtb-f0000001";
inline constexpr const char* kTgwRtbG = "tgw-rtb-c0000001";
inline constexpr const char* kPeerEF_E = "tgw-attach-e00000f1";  // requester side, on E
inline constexpr const char* kPeerEF_F = "tgw-attach-f00000e1";  // accepter side, on F
inline constexpr const char* kPeerGE_G = "tgw-attach-c00000e1";  // requester side, on G
inline constexpr const char* kPeerGE_E = "tgw-attach-e00000c1";  // accepter side, on E
inline std::shared_ptr<FakeCloud> sameRegion() {
  auto c = std::make_shared<FakeCloud>();
  const std::string r = "us-east-1";
  c->addVpc(r, kVpcA, "10.1.0.0/16");
  c->addVpc(r, kVpcB, "10.2.0.0/16");
  c->addVpc(r, kVpcC, "10.3.0.0/16");
  c->addVpc(r, kVpcD, "10.4.0.0/16");
  c->addRouteTable(r, kRtbA1, kVpcA, true);
  c->addRouteTable(r, kRtbB1, kVpcB, true);
  c->addRouteTable(r, kRtbC1, kVpcC, true);
  c->addRouteTable(r, kRtbD1, kVpcD, true);
  c->addEni(r, kEniA, kVpcA);
  c->addEni(r, kEniB, kVpcB);
  for (const auto& [tgw, table] :
       {std::pair{kTgwE, kTgwRtbE}, std::pair{kTgwF, kTgwRtbF}, std::pair{kTgwG, kTgwRtbG}}) {
    c->addTgw(r, tgw);
    c->addTgwRouteTable(table, tgw);
  }
  c->addVpcAttachment(kAttA, kTgwE, kVpcA);
  c->addVpcAttachment(kAttC, kTgwE, kVpcC);
  c->addVpcAttachment(kAttB, kTgwF, kVpcB);
  c->addVpcAttachment(kAttD, kTgwG, kVpcD);
  c->addPeering(kPeerEF_E, kTgwE, kTgwF, "available", kPeerEF_F);
  c->addPeering(kPeerGE_G, kTgwG, kTgwE, "available", kPeerGE_E);
  for (auto att : {kAttA, kAttC, kPeerEF_E, kPeerGE_E}) c->associate(att, kTgwRtbE);
  for (auto att : {kAttB, kPeerEF_F}) c->associate(att, kTgwRtbF);
  for (auto att : {kAttD, kPeerGE_G}) c->associate(att, kTgwRtbG);
  c->addRoute(kRtbA1, kVip, kEniA);
  c->addRoute(kRtbB1, kVip, kTgwF);
  c->addRoute(kRtbC1, kVip, kTgwE);
  c->addRoute(kRtbD1, kVip, kTgwG);
  c->addTgwRoute(kTgwRtbE, kVip, kAttA);
  c->addTgwRoute(kTgwRtbF, kVip, kPeerEF_F);
  c->addTgwRoute(kTgwRtbG, kVip, kPeerGE_G);
  return c;
}

// The single-VPC layout (no transit gateway), as the stock aws-vpc-move-ip
// agent serves it: both nodes in vpc-a (us-east-1), three route tables there,
// the VIP on node-a in two of them (rtb-a3 has none yet). rtb-a2 also holds a
// route that is not the VIP's, on node-b's ENI, which must never change.
// vpc-c, in the same region but with no node, holds a look-alike VIP route on
// another ENI: out of scope, never read or written.
inline constexpr const char* kRtbA3 = "rtb-a0000003";
inline constexpr const char* kEniX = "eni-c0000009";
inline constexpr const char* kOtherRoute = "172.16.0.0/24";
inline std::shared_ptr<FakeCloud> singleVpc() {
  auto c = std::make_shared<FakeCloud>();
  c->addVpc("us-east-1", kVpcA, "10.1.0.0/16");
  c->addVpc("us-east-1", kVpcC, "10.3.0.0/16");
  c->addRouteTable("us-east-1", kRtbA1, kVpcA, true);
  c->addRouteTable("us-east-1", kRtbA2, kVpcA);
  c->addRouteTable("us-east-1", kRtbA3, kVpcA);
  c->addRouteTable("us-east-1", kRtbC1, kVpcC, true);
  c->addEni("us-east-1", kEniA, kVpcA);
  c->addEni("us-east-1", kEniB, kVpcA);
  c->addEni("us-east-1", kEniX, kVpcC);
  c->addRoute(kRtbA1, kVip, kEniA);
  c->addRoute(kRtbA2, kVip, kEniA);
  c->addRoute(kRtbA2, kOtherRoute, kEniB);
  c->addRoute(kRtbC1, kVip, kEniX);
  return c;
}

// Both nodes in us-east-1 (singleVpc()).
inline std::string singleVpcConfigText(const std::string& extra = {}) {
  return std::string("vip = \"192.168.10.10\"\n") + extra +
         "\n[[node]]\nname = \"node-a\"\nregion = \"us-east-1\"\neni = \"eni-a0000001\"\n"
         "\n[[node]]\nname = \"node-b\"\nregion = \"us-east-1\"\neni = \"eni-b0000001\"\n";
}

inline std::string baseConfigText(const std::string& extra = {},
                                  const std::string& nodeBRegion = "us-west-2") {
  return std::string("vip = \"192.168.10.10\"\n") + extra +
         "\n[[node]]\nname = \"node-a\"\nregion = \"us-east-1\"\neni = \"eni-a0000001\"\n"
         "\n[[node]]\nname = \"node-b\"\nregion = \"" +
         nodeBRegion + "\"\neni = \"eni-b0000001\"\n";
}

inline model::Config parseOrDie(const std::string& text) {
  auto config = model::parseConfig(text, "test.toml");
  if (!config) ADD_FAILURE() << config.error().describe();
  return config ? *config : model::Config{};
}

// Discovers the world; the call log is cleared so tests count only their own calls.
inline model::Topology discoverOrDie(const std::shared_ptr<FakeCloud>& cloud,
                                     const model::Config& config,
                                     const std::shared_ptr<FakeClock>& clock) {
  auto topo = engine::discover(config, cloud->factory(), engine::Deadline::none(clock));
  if (!topo) ADD_FAILURE() << topo.error().describe();
  cloud->resetCalls();
  return topo ? *topo : model::Topology{};
}

}  // namespace tgwark::testing
