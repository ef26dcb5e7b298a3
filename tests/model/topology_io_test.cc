#include "model/topology_io.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../plan/topology_builder.h"

namespace tgwark::model {
namespace {

using ::testing::HasSubstr;

TEST(TopologyIoTest, RoundTripKeepsEverything) {
  Topology t = test::ref3r();
  t.vpcRouteTables.begin()->second.why = "node VPC";
  std::string json = topologyToJson(t, "digest-1");
  auto back = topologyFromJson(json, "digest-1");
  ASSERT_TRUE(back) << back.error().describe();
  EXPECT_EQ(topologyToJson(*back, "digest-1"), json);
  EXPECT_EQ(back->vpcRouteTables.size(), 24u);
  EXPECT_EQ(back->managedTgwTables().size(), 6u);
  EXPECT_EQ(back->peerings("tgw-east").size(), 2u);
  ASSERT_NE(back->findNode("node-b"), nullptr);
  EXPECT_EQ(back->findNode("node-b")->vpcAttachmentId, t.findNode("node-b")->vpcAttachmentId);
  EXPECT_EQ(back->vpcs.at("vpc-e1").cidrs, t.vpcs.at("vpc-e1").cidrs);
}

TEST(TopologyIoTest, IntraRegionPeeringKeepsEachSidesId) {
  model::Topology t =
      test::TopologyBuilder()
          .tgw("tgw-1", "us-east-1")
          .tgw("tgw-2", "us-east-1")
          .tgwTable("tgw-rtb-1", "tgw-1")
          .tgwTable("tgw-rtb-2", "tgw-2")
          .peerSides("tgw-attach-p1", "tgw-attach-p2", "tgw-1", "tgw-2", "tgw-rtb-1", "tgw-rtb-2")
          .build();
  auto back = topologyFromJson(topologyToJson(t, "d"), "d");
  ASSERT_TRUE(back) << back.error().describe();
  const auto* side1 = back->findAttachment("tgw-1", "tgw-attach-p1");
  ASSERT_NE(side1, nullptr);
  EXPECT_EQ(side1->peerAttachmentId, "tgw-attach-p2");
  ASSERT_NE(back->peerSide(*side1), nullptr);
  EXPECT_EQ(back->peerSide(*side1)->tgwId, "tgw-2");
}

// A cache from before per-side peering ids is not trusted: it is rediscovered.
TEST(TopologyIoTest, CacheOfTheFirstFormatIsRejected) {
  auto back = topologyFromJson(
      R"({"format":1,"config_digest":"d","vpcs":[],"vpc_route_tables":[],"enis":[],"tgws":[],)"
      R"("attachments":[],"tgw_route_tables":[],"nodes":[]})",
      "d");
  ASSERT_FALSE(back);
  EXPECT_THAT(back.error().message, HasSubstr("format version"));
}

// The single-VPC layout: nodes without a transit gateway, no TGW at all. The
// cached scope quickCheck runs on must keep it that way.
TEST(TopologyIoTest, SingleVpcWithoutTransitGatewayRoundTrips) {
  test::TopologyBuilder b;
  b.vpc("vpc-a", "us-east-1", "10.1.0.0/16");
  b.vpcTable("rtb-a1", "vpc-a", true, true).vpcTable("rtb-a2", "vpc-a");
  b.node("node-a", "eni-a", "vpc-a").node("node-b", "eni-b", "vpc-a");
  const Topology t = b.build();
  std::string json = topologyToJson(t, "d");
  auto back = topologyFromJson(json, "d");
  ASSERT_TRUE(back) << back.error().describe();
  EXPECT_EQ(topologyToJson(*back, "d"), json);
  EXPECT_TRUE(back->tgws.empty());
  EXPECT_TRUE(back->attachments.empty());
  EXPECT_EQ(back->managedVpcTables().size(), 2u);
  ASSERT_EQ(back->nodes.size(), 2u);
  for (const auto& n : back->nodes) {
    EXPECT_EQ(n.vpcId, "vpc-a");
    EXPECT_EQ(n.tgwId, "");
    EXPECT_EQ(n.vpcAttachmentId, "");
  }
  EXPECT_EQ(back->findNode("node-b")->eniId, "eni-b");
}

TEST(TopologyIoTest, CacheForAnotherConfigIsRejected) {
  std::string json = topologyToJson(test::ref3r(), "digest-1");
  auto back = topologyFromJson(json, "digest-2");
  ASSERT_FALSE(back);
  EXPECT_EQ(back.error().category, ErrorCategory::kInvalid);
  EXPECT_THAT(back.error().message, HasSubstr("another config"));
}

TEST(TopologyIoTest, MalformedOrTruncatedCacheIsAnErrorNotACrash) {
  std::string json = topologyToJson(test::ref3r(), "d");
  for (std::size_t cut : {std::size_t{0}, std::size_t{1}, json.size() / 2, json.size() - 1}) {
    auto back = topologyFromJson(json.substr(0, cut), "d");
    EXPECT_FALSE(back) << "cut at " << cut;
  }
  EXPECT_FALSE(topologyFromJson(R"({"format":2,"config_digest":"d","vpcs":[{"id":1}]})", "d"));
  EXPECT_FALSE(topologyFromJson(R"({"format":99,"config_digest":"d"})", "d"));
}

// Caches are read one element at a time, in whatever order the sections come:
// a cache written with its keys sorted (as this format's first writer did) reads back the same.
TEST(TopologyIoTest, SectionsAreReadInAnyOrder) {
  const Topology t = test::ref3r();
  const std::string json = topologyToJson(t, "d");
  const std::string sorted = nlohmann::json::parse(json).dump();
  ASSERT_NE(sorted, json);
  auto back = topologyFromJson(sorted, "d");
  ASSERT_TRUE(back) << back.error().describe();
  EXPECT_EQ(topologyToJson(*back, "d"), json);
}

TEST(TopologyIoTest, EverySectionIsRequiredAndHoldsObjects) {
  const std::string json = topologyToJson(test::ref3r(), "d");
  for (const char* section :
       {"vpcs", "vpc_route_tables", "enis", "tgws", "attachments", "tgw_route_tables", "nodes"}) {
    auto doc = nlohmann::json::parse(json);
    doc.erase(section);
    auto missing = topologyFromJson(doc.dump(), "d");
    ASSERT_FALSE(missing) << section;
    EXPECT_THAT(missing.error().message, HasSubstr(section));
    doc[section] = nlohmann::json::array({1});
    EXPECT_FALSE(topologyFromJson(doc.dump(), "d")) << section;
  }
}

// Every field of an element is required and typed; fields and top-level keys
// this version does not know are skipped, whatever they hold.
TEST(TopologyIoTest, ElementsAreCheckedFieldByFieldUnknownKeysAreSkipped) {
  const std::string json = topologyToJson(test::ref3r(), "d");
  auto withFirst = [&](const char* section, auto edit) {
    auto doc = nlohmann::json::parse(json);
    edit(doc[section][0]);
    return topologyFromJson(doc.dump(), "d");
  };
  auto missing = withFirst("vpc_route_tables", [](auto& e) { e.erase("vpc"); });
  ASSERT_FALSE(missing);
  EXPECT_THAT(missing.error().message, HasSubstr("'vpc'"));
  EXPECT_FALSE(withFirst("vpc_route_tables", [](auto& e) { e["managed"] = "yes"; }));
  EXPECT_FALSE(withFirst("vpcs", [](auto& e) { e["cidrs"] = "10.0.0.0/16"; }));
  EXPECT_FALSE(withFirst("vpcs", [](auto& e) { e["cidrs"] = {1}; }));
  EXPECT_FALSE(withFirst("vpcs", [](auto& e) { e["cidrs"] = {"not a prefix"}; }));
  EXPECT_FALSE(withFirst("origins", [](auto& e) { e["first_seen"] = "today"; }));
  EXPECT_FALSE(withFirst("attachments", [](auto& e) { e["id"] = {{"nested", true}}; }));

  auto doc = nlohmann::json::parse(json);
  doc["vpcs"][0]["later"] = {{"a", {1, 2, {{"b", nullptr}}}}};
  doc["nodes"][0]["note"] = 1.5;
  doc["future_section"] = {{{"id", "x"}}};
  doc["comment"] = "kept by a newer writer";
  auto back = topologyFromJson(doc.dump(), "d");
  ASSERT_TRUE(back) << back.error().describe();
  EXPECT_EQ(topologyToJson(*back, "d"), json);
}

// The format decides before any element is judged, even when it comes last.
TEST(TopologyIoTest, FormatIsCheckedBeforeElements) {
  auto back = topologyFromJson(
      R"({"attachments":[{"id":"tgw-attach-1"}],"config_digest":"d","enis":[],"format":1,)"
      R"("nodes":[],"tgw_route_tables":[],"tgws":[],"vpc_route_tables":[],"vpcs":[]})",
      "d");
  ASSERT_FALSE(back);
  EXPECT_THAT(back.error().message, HasSubstr("format version"));
}

TEST(TopologyIoTest, OriginsRoundTrip) {
  auto t = test::ref3r();
  t.origins["rtb-x"] = TableOrigin{Provenance::kTagged, 1'700'000'000};
  t.origins["tgw-rtb-y"] = TableOrigin{Provenance::kTgwInScope, 0};
  auto back = topologyFromJson(topologyToJson(t, "d"), "d");
  ASSERT_TRUE(back) << back.error().describe();
  ASSERT_EQ(back->origins.size(), 2u);
  EXPECT_EQ(back->origins.at("rtb-x").provenance, Provenance::kTagged);
  EXPECT_EQ(back->origins.at("rtb-x").firstSeen, 1'700'000'000);
  EXPECT_EQ(back->origins.at("tgw-rtb-y").provenance, Provenance::kTgwInScope);
  EXPECT_EQ(topologyFormatOf(topologyToJson(t, "d")), kTopologyFormatVersion);
}

TEST(TopologyIoTest, ProvenanceNamesRoundTrip) {
  for (auto p : {Provenance::kListed, Provenance::kTagged, Provenance::kVipRoute,
                 Provenance::kNodeVpc, Provenance::kTgwInScope, Provenance::kCarried}) {
    EXPECT_EQ(provenanceFrom(provenanceName(p)), p);
  }
  EXPECT_FALSE(provenanceFrom("bogus"));
  EXPECT_EQ(firstSeenText(0), "unknown");
  EXPECT_EQ(firstSeenText(1'700'000'000), "2023-11-14T22:13:20Z");
}

// What an older format carries over: its managed tables, nothing else.
TEST(TopologyIoTest, AnOlderFormatYieldsItsManagedTables) {
  auto managed = managedTablesFromJson(
      R"({"format":2,"config_digest":"d","vpc_route_tables":[)"
      R"({"id":"rtb-1","region":"us-east-1","vpc":"vpc-1","main":false,"managed":true,"why":""},)"
      R"({"id":"rtb-2","region":"us-east-1","vpc":"vpc-1","main":false,"managed":false,"why":""}],)"
      R"("tgw_route_tables":[{"id":"tgw-rtb-1","tgw":"tgw-1","region":"us-east-1","managed":true}]})",
      "d");
  ASSERT_TRUE(managed) << managed.error().describe();
  EXPECT_TRUE(managed->vpcRouteTables.contains("rtb-1"));
  EXPECT_FALSE(managed->vpcRouteTables.contains("rtb-2"));
  EXPECT_TRUE(managed->tgwRouteTables.contains("tgw-rtb-1"));
  EXPECT_EQ(managed->origins.at("rtb-1").provenance, Provenance::kCarried);
  EXPECT_EQ(managed->vpcRouteTables.at("rtb-1").vpcId, "vpc-1");
  EXPECT_FALSE(managedTablesFromJson(R"({"format":2,"config_digest":"other",)"
                                     R"("vpc_route_tables":[],"tgw_route_tables":[]})",
                                     "d"));
  EXPECT_FALSE(managedTablesFromJson("{\"format\":2", "d"));
  EXPECT_EQ(topologyFormatOf("{\"format\":2"), 0);
  EXPECT_EQ(topologyFormatOf("[2]"), 0);
}

}  // namespace
}  // namespace tgwark::model
