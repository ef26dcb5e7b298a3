// tgwark-sim driven over real HTTP with real SigV4 signatures: every action,
// AWS error codes, pagination, filters, DryRun, IAM policies, routing
// semantics, IMDSv2, the control API, fault injection and throttling.
#include <gtest/gtest.h>
#include <httplib.h>
#include "test_paths.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <random>
#include <string>
#include <thread>

#include "aws/sigv4.h"
#include "common/clock.h"
#include "sim/demo_topology.h"
#include "sim/sim_model.h"
#include "sim/sim_server.h"
#include "sim/sim_topology.h"
#include "support/fake_clock.h"

namespace tgwark::sim {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

// ids of ref-3r (topologies/generate.py)
constexpr const char* kVip = "192.168.10.10/32";
constexpr const char* kEastVpc1 = "vpc-00000010000000000";
constexpr const char* kEastRtb1 = "rtb-00000010000000000";
constexpr const char* kEastRtb2 = "rtb-00000020000000000";  // VPC 2, main table
constexpr const char* kEniA = "eni-00000010000000000";
constexpr const char* kEniB = "eni-01000010000000000";
constexpr const char* kEastTgw = "tgw-00000000000000000";
constexpr const char* kEastTgwRtb1 = "tgw-rtb-00000000100000000";
constexpr const char* kEastAtt1 = "tgw-attach-00000010000000000";
constexpr const char* kEastAtt2 = "tgw-attach-00000020000000000";
constexpr const char* kPeerEastWest = "tgw-attach-00fff01ee00000000";
constexpr const char* kWestTgwRtb1 = "tgw-rtb-01000000100000000";

struct Reply {
  int status = 0;
  std::string body;
  pugi::xml_document doc;
  std::string code() const {
    return doc.select_node("/Response/Errors/Error/Code").node().text().as_string();
  }
  pugi::xml_node root() const { return doc.document_element(); }
};

class SimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    startWith(std::string(TGWARK_SOURCE_DIR) + "/topologies/ref-3r.json", SimOptions{});
  }
  void TearDown() override {
    if (server_) server_->stop();
  }

  void startWith(const std::string& file, SimOptions options) {
    if (server_) server_->stop();
    clock_ = std::make_shared<FakeClock>();
    options.clock = clock_;
    auto server = SimServer::create(std::filesystem::path(file), options);
    ASSERT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
    ASSERT_TRUE(server_->start());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  }

  struct Signed {
    httplib::Headers headers;
    std::string body;
  };
  Signed sign(const std::string& region, const std::string& action, Params params,
              const std::string& key = "AKIDSIMULATOR",
              const std::string& secret = "simulator-secret-key", const std::string& token = "") {
    params.insert(params.begin(), {"Version", "2016-11-15"});
    params.insert(params.begin(), {"Action", action});
    Signed out;
    for (const auto& [k, v] : params) {
      if (!out.body.empty()) out.body += '&';
      out.body += aws::sigv4::uriEncode(k) + "=" + aws::sigv4::uriEncode(v);
    }
    aws::HttpRequest request;
    request.method = "POST";
    request.url = server_->url() + "/";
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    request.body = out.body;
    aws::Credentials credentials{key, SecretString(secret), SecretString(token), std::nullopt,
                                 "test"};
    aws::sigv4::SigningParams signing;
    signing.region = region;
    signing.service = signService_;
    signing.time = signAt_ ? *signAt_ : clock_->now();
    EXPECT_TRUE(aws::sigv4::sign(request, credentials, signing));
    for (const auto& [k, v] : request.headers) {
      if (k != "Content-Type" && k != "Host") out.headers.emplace(k, v);
    }
    return out;
  }

  std::unique_ptr<Reply> send(httplib::Client& client, const Signed& request) {
    auto result = client.Post("/", request.headers, request.body,
                              "application/x-www-form-urlencoded; charset=utf-8");
    auto reply = std::make_unique<Reply>();
    if (!result) return reply;
    reply->status = result->status;
    reply->body = result->body;
    reply->doc.load_string(reply->body.c_str());
    return reply;
  }

  std::unique_ptr<Reply> call(const std::string& region, const std::string& action, Params params,
                              const std::string& key = "AKIDSIMULATOR",
                              const std::string& secret = "simulator-secret-key",
                              const std::string& token = "") {
    return send(*client_, sign(region, action, std::move(params), key, secret, token));
  }

  std::string vpcRouteTarget(const std::string& region, const std::string& table,
                             const std::string& dest) {
    auto r = call(region, "DescribeRouteTables", {{"RouteTableId.1", table}});
    for (auto item : r->root().select_nodes("routeTableSet/item/routeSet/item")) {
      auto n = item.node();
      if (std::string(n.child_value("destinationCidrBlock")) == dest) {
        return std::string(n.child_value("networkInterfaceId")) +
               n.child_value("transitGatewayId") + n.child_value("gatewayId") + "|" +
               n.child_value("state");
      }
    }
    return "";
  }

  std::shared_ptr<FakeClock> clock_;
  std::optional<WallTime> signAt_;  // sign with this time instead of the clock's
  std::vector<Signed> signed_;
  std::string signService_ = "ec2";
  std::unique_ptr<SimServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(SimTest, DescribeRouteTablesShapeAndNamespace) {
  auto r = call("us-east-1", "DescribeRouteTables", {{"RouteTableId.1", kEastRtb1}});
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_STREQ(r->root().name(), "DescribeRouteTablesResponse");
  EXPECT_STREQ(r->root().attribute("xmlns").value(), "http://ec2.amazonaws.com/doc/2016-11-15/");
  EXPECT_FALSE(std::string(r->root().child_value("requestId")).empty());
  auto table = r->root().child("routeTableSet").child("item");
  EXPECT_STREQ(table.child_value("routeTableId"), kEastRtb1);
  EXPECT_STREQ(table.child_value("vpcId"), kEastVpc1);
  EXPECT_STREQ(table.child_value("ownerId"), "123456789012");
  EXPECT_STREQ(table.child("associationSet").child("item").child_value("main"), "true");
  auto local = table.child("routeSet").child("item");
  EXPECT_STREQ(local.child_value("gatewayId"), "local");
  EXPECT_STREQ(local.child_value("origin"), "CreateRouteTable");
  EXPECT_EQ(vpcRouteTarget("us-east-1", kEastRtb1, kVip), std::string(kEniA) + "|active");
}

TEST_F(SimTest, RegionComesFromCredentialScope) {
  auto east = call("us-east-1", "DescribeTransitGateways", {});
  auto west = call("us-west-2", "DescribeTransitGateways", {});
  auto other = call("ap-south-1", "DescribeTransitGateways", {});
  EXPECT_STREQ(
      east->root().child("transitGatewaySet").child("item").child_value("transitGatewayId"),
      kEastTgw);
  EXPECT_STREQ(
      west->root().child("transitGatewaySet").child("item").child_value("transitGatewayId"),
      "tgw-01000000000000000");
  EXPECT_EQ(other->status, 200);
  EXPECT_TRUE(other->root().child("transitGatewaySet").first_child().empty());
}

TEST_F(SimTest, PaginationVisitsEveryTableOnce) {
  std::set<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    Params p{{"MaxResults", "5"}};
    if (!token.empty()) p.emplace_back("NextToken", token);
    auto r = call("us-east-1", "DescribeRouteTables", p);
    ASSERT_EQ(r->status, 200) << r->body;
    for (auto item : r->root().select_nodes("routeTableSet/item")) {
      EXPECT_TRUE(seen.insert(item.node().child_value("routeTableId")).second);
    }
    token = r->root().child_value("nextToken");
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(seen.size(), 8u);
  EXPECT_EQ(pages, 2);
  auto bad = call("us-east-1", "DescribeRouteTables", {{"MaxResults", "4"}});
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(bad->code(), "InvalidParameterValue");
  auto badToken = call("us-east-1", "DescribeRouteTables", {{"NextToken", "zz"}});
  EXPECT_EQ(badToken->code(), "InvalidPaginationToken");
}

TEST_F(SimTest, FiltersSelectTables) {
  auto byVip = call("us-east-1", "DescribeRouteTables",
                    {{"Filter.1.Name", "route.destination-cidr-block"},
                     {"Filter.1.Value.1", kVip},
                     {"Filter.2.Name", "vpc-id"},
                     {"Filter.2.Value.1", kEastVpc1}});
  EXPECT_EQ(byVip->root().select_nodes("routeTableSet/item").size(), 2u);
  auto mainOnly = call("us-east-1", "DescribeRouteTables",
                       {{"Filter.1.Name", "association.main"}, {"Filter.1.Value.1", "true"}});
  EXPECT_EQ(mainOnly->root().select_nodes("routeTableSet/item").size(), 4u);
  auto wildcard = call("us-east-1", "DescribeRouteTables",
                       {{"Filter.1.Name", "route-table-id"}, {"Filter.1.Value.1", "rtb-0000001*"}});
  EXPECT_EQ(wildcard->root().select_nodes("routeTableSet/item").size(), 2u);
  auto unknown = call("us-east-1", "DescribeRouteTables",
                      {{"Filter.1.Name", "bogus"}, {"Filter.1.Value.1", "x"}});
  EXPECT_EQ(unknown->code(), "InvalidParameterValue");
  auto enis = call("us-east-1", "DescribeNetworkInterfaces",
                   {{"Filter.1.Name", "network-interface-id"}, {"Filter.1.Value.1", kEniA}});
  auto eni = enis->root().child("networkInterfaceSet").child("item");
  EXPECT_STREQ(eni.child_value("vpcId"), kEastVpc1);
  EXPECT_STREQ(eni.child_value("sourceDestCheck"), "false");
  EXPECT_STREQ(eni.child("attachment").child_value("instanceId"), "i-00000010000000000");
  auto atts = call("us-east-1", "DescribeTransitGatewayAttachments",
                   {{"Filter.1.Name", "resource-type"}, {"Filter.1.Value.1", "peering"}});
  EXPECT_EQ(atts->root().select_nodes("transitGatewayAttachments/item").size(), 2u);
  auto vpcAtt = call("us-east-1", "DescribeTransitGatewayVpcAttachments",
                     {{"Filter.1.Name", "vpc-id"}, {"Filter.1.Value.1", kEastVpc1}});
  EXPECT_STREQ(vpcAtt->root()
                   .child("transitGatewayVpcAttachments")
                   .child("item")
                   .child_value("transitGatewayAttachmentId"),
               kEastAtt1);
  auto vpcs = call("us-east-1", "DescribeVpcs", {{"VpcId.1", kEastVpc1}});
  EXPECT_STREQ(vpcs->root().child("vpcSet").child("item").child_value("cidrBlock"), "10.1.0.0/16");
}

TEST_F(SimTest, PeeringVisibleFromBothSides) {
  auto east = call("us-east-1", "DescribeTransitGatewayPeeringAttachments",
                   {{"TransitGatewayAttachmentIds.1", kPeerEastWest}});
  auto west = call("us-west-2", "DescribeTransitGatewayPeeringAttachments",
                   {{"TransitGatewayAttachmentIds.1", kPeerEastWest}});
  for (auto* r : {east.get(), west.get()}) {
    auto item = r->root().child("transitGatewayPeeringAttachments").child("item");
    EXPECT_STREQ(item.child("requesterTgwInfo").child_value("region"), "us-east-1");
    EXPECT_STREQ(item.child("accepterTgwInfo").child_value("region"), "us-west-2");
    EXPECT_STREQ(item.child_value("state"), "available");
  }
  auto eu = call("eu-west-1", "DescribeTransitGatewayPeeringAttachments",
                 {{"TransitGatewayAttachmentIds.1", kPeerEastWest}});
  EXPECT_EQ(eu->code(), "InvalidTransitGatewayAttachmentID.NotFound");
  // From us-west-2 the attachment's transitGatewayId is the local (accepter) TGW.
  auto all = call("us-west-2", "DescribeTransitGatewayAttachments",
                  {{"TransitGatewayAttachmentIds.1", kPeerEastWest}});
  auto item = all->root().child("transitGatewayAttachments").child("item");
  EXPECT_STREQ(item.child_value("transitGatewayId"), "tgw-01000000000000000");
  EXPECT_STREQ(item.child_value("resourceId"), kEastTgw);
}

// topologies/intra-region.json: tgw 1 and tgw 2 peered within us-east-1 (one
// attachment per side), tgw 3 in us-west-2 peered across regions with both.
constexpr const char* kIntraTgw1 = "tgw-00000000000000000";
constexpr const char* kIntraTgw2 = "tgw-00000010000000000";
constexpr const char* kIntraTgw2Rtb = "tgw-rtb-00000010100000000";
constexpr const char* kIntraReq = "tgw-attach-00fff01ee00000000";  // tgw 1's side
constexpr const char* kIntraAcc = "tgw-attach-00fff01ef00000000";  // tgw 2's side
constexpr const char* kCross13 = "tgw-attach-00fff02ee00000000";

TEST_F(SimTest, IntraRegionPeeringHasAnAttachmentPerSide) {
  startWith(std::string(TGWARK_SOURCE_DIR) + "/topologies/intra-region.json", SimOptions{});
  // DescribeTransitGatewayAttachments: each TGW sees its own side only.
  auto sides = [&](const std::string& tgw) {
    auto r = call("us-east-1", "DescribeTransitGatewayAttachments",
                  {{"Filter.1.Name", "transit-gateway-id"},
                   {"Filter.1.Value.1", tgw},
                   {"Filter.2.Name", "resource-type"},
                   {"Filter.2.Value.1", "peering"}});
    std::map<std::string, std::string> out;  // attachment id -> resource (peer TGW)
    for (auto item : r->root().select_nodes("transitGatewayAttachments/item")) {
      auto n = item.node();
      EXPECT_STREQ(n.child_value("transitGatewayId"), tgw.c_str());
      out[n.child_value("transitGatewayAttachmentId")] = n.child_value("resourceId");
    }
    return out;
  };
  EXPECT_EQ(sides(kIntraTgw1), (std::map<std::string, std::string>{
                                   {kIntraReq, kIntraTgw2}, {kCross13, "tgw-01000000000000000"}}));
  const auto tgw2 = sides(kIntraTgw2);
  EXPECT_EQ(tgw2.at(kIntraAcc), kIntraTgw1);
  EXPECT_FALSE(tgw2.contains(kIntraReq));

  // DescribeTransitGatewayPeeringAttachments: one peering under the requester's
  // id with the accepter's own id; either id selects it.
  for (const char* id : {kIntraReq, kIntraAcc}) {
    auto r = call("us-east-1", "DescribeTransitGatewayPeeringAttachments",
                  {{"TransitGatewayAttachmentIds.1", id}});
    auto items = r->root().select_nodes("transitGatewayPeeringAttachments/item");
    ASSERT_EQ(items.size(), 1u) << id << "\n" << r->body;
    auto item = items.first().node();
    EXPECT_STREQ(item.child_value("transitGatewayAttachmentId"), kIntraReq);
    EXPECT_STREQ(item.child_value("accepterTransitGatewayAttachmentId"), kIntraAcc);
    EXPECT_STREQ(item.child("requesterTgwInfo").child_value("transitGatewayId"), kIntraTgw1);
    EXPECT_STREQ(item.child("accepterTgwInfo").child_value("transitGatewayId"), kIntraTgw2);
  }
  auto all = call("us-east-1", "DescribeTransitGatewayPeeringAttachments", {});
  EXPECT_EQ(all->root().select_nodes("transitGatewayPeeringAttachments/item").size(), 3u);
  // Across regions both sides share the id: no accepter id of its own.
  auto cross = call("us-west-2", "DescribeTransitGatewayPeeringAttachments",
                    {{"TransitGatewayAttachmentIds.1", kCross13}});
  auto crossItem = cross->root().child("transitGatewayPeeringAttachments").child("item");
  EXPECT_STREQ(crossItem.child_value("transitGatewayAttachmentId"), kCross13);
  EXPECT_TRUE(crossItem.child("accepterTransitGatewayAttachmentId").empty());

  // A route in tgw 2's table may target tgw 2's side only, as EC2 answers.
  auto replace = [&](const std::string& attachment) {
    return call("us-east-1", "ReplaceTransitGatewayRoute",
                {{"TransitGatewayRouteTableId", kIntraTgw2Rtb},
                 {"DestinationCidrBlock", kVip},
                 {"TransitGatewayAttachmentId", attachment}});
  };
  auto wrong = replace(kIntraReq);
  EXPECT_EQ(wrong->status, 400);
  EXPECT_EQ(wrong->code(), "InvalidTransitGatewayAttachmentID.NotFound");
  auto right = replace(kIntraAcc);
  EXPECT_EQ(right->status, 200) << right->body;
  auto search = call("us-east-1", "SearchTransitGatewayRoutes",
                     {{"TransitGatewayRouteTableId", kIntraTgw2Rtb},
                      {"Filter.1.Name", "route-search.exact-match"},
                      {"Filter.1.Value.1", kVip}});
  auto route = search->root().child("routeSet").child("item");
  EXPECT_STREQ(route.child("transitGatewayAttachments")
                   .child("item")
                   .child_value("transitGatewayAttachmentId"),
               kIntraAcc);
  EXPECT_STREQ(route.child("transitGatewayAttachments").child("item").child_value("resourceId"),
               kIntraTgw1);
  EXPECT_STREQ(route.child_value("state"), "active");
}

TEST(SimTopologyTest, PeeringAttachmentIdsPerSide) {
  auto topo = [](const std::string& peering, const std::string& westTgw = "") {
    return parseTopology(
        R"({"regions":{"us-east-1":{"transit_gateways":[{"id":"tgw-00000000000000001"},)"
        R"({"id":"tgw-00000000000000002"}]})" +
        (westTgw.empty() ? std::string()
                         : R"(,"us-west-2":{"transit_gateways":[{"id":")" + westTgw + R"("}]})") +
        R"(},"peering_attachments":[)" + peering + "]}");
  };
  const std::string sameRegion =
      R"("requester":{"region":"us-east-1","transit_gateway":"tgw-00000000000000001"},)"
      R"("accepter":{"region":"us-east-1","transit_gateway":"tgw-00000000000000002"})";
  auto ok = topo(R"({"id":"tgw-attach-0000000000000000a",)"
                 R"("accepter_attachment_id":"tgw-attach-0000000000000000b",)" +
                 sameRegion + "}");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->peerings.at("tgw-attach-0000000000000000a").accepterSideId(),
            "tgw-attach-0000000000000000b");
  // The accepter's id round-trips through the dump.
  auto again = parseTopology(dumpTopology(*ok, false, true));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->peerings.at("tgw-attach-0000000000000000a").accepterAttachmentId,
            "tgw-attach-0000000000000000b");

  auto missing = topo(R"({"id":"tgw-attach-0000000000000000a",)" + sameRegion + "}");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("accepter_attachment_id"), std::string::npos)
      << missing.error().message;
  auto same = topo(R"({"id":"tgw-attach-0000000000000000a",)"
                   R"("accepter_attachment_id":"tgw-attach-0000000000000000a",)" +
                   sameRegion + "}");
  ASSERT_FALSE(same);
  auto cross =
      topo(R"({"id":"tgw-attach-0000000000000000a",)"
           R"("accepter_attachment_id":"tgw-attach-0000000000000000b",)"
           R"("requester":{"region":"us-east-1","transit_gateway":"tgw-00000000000000001"},)"
           R"("accepter":{"region":"us-west-2","transit_gateway":"tgw-00000000000000003"}})",
           "tgw-00000000000000003");
  ASSERT_FALSE(cross);
  EXPECT_NE(cross.error().message.find("across regions"), std::string::npos)
      << cross.error().message;
}

TEST_F(SimTest, VpcRouteLifecycleAndErrors) {
  const Params target{{"RouteTableId", kEastRtb2},
                      {"DestinationCidrBlock", "192.168.99.1/32"},
                      {"TransitGatewayId", kEastTgw}};
  EXPECT_EQ(call("us-east-1", "CreateRoute", target)->status, 200);
  EXPECT_EQ(call("us-east-1", "CreateRoute", target)->code(), "RouteAlreadyExists");
  EXPECT_EQ(vpcRouteTarget("us-east-1", kEastRtb2, "192.168.99.1/32"),
            std::string(kEastTgw) + "|active");
  auto replaceMissing = call("us-east-1", "ReplaceRoute",
                             {{"RouteTableId", kEastRtb2},
                              {"DestinationCidrBlock", "192.168.98.0/24"},
                              {"TransitGatewayId", kEastTgw}});
  EXPECT_EQ(replaceMissing->code(), "InvalidParameterValue");
  EXPECT_NE(replaceMissing->body.find("no route defined"), std::string::npos);
  EXPECT_EQ(call("us-east-1", "DeleteRoute",
                 {{"RouteTableId", kEastRtb2}, {"DestinationCidrBlock", "192.168.99.1/32"}})
                ->status,
            200);
  EXPECT_EQ(call("us-east-1", "DeleteRoute",
                 {{"RouteTableId", kEastRtb2}, {"DestinationCidrBlock", "192.168.99.1/32"}})
                ->code(),
            "InvalidRoute.NotFound");
  EXPECT_EQ(call("us-east-1", "ReplaceRoute",
                 {{"RouteTableId", "rtb-0123456789abcdef0"},
                  {"DestinationCidrBlock", kVip},
                  {"NetworkInterfaceId", kEniA}})
                ->code(),
            "InvalidRouteTableID.NotFound");
  EXPECT_EQ(call("us-east-1", "ReplaceRoute",
                 {{"RouteTableId", "rtb-nope"},
                  {"DestinationCidrBlock", kVip},
                  {"NetworkInterfaceId", kEniA}})
                ->code(),
            "InvalidRouteTableID.Malformed");
  EXPECT_EQ(call("us-east-1", "ReplaceRoute",
                 {{"RouteTableId", kEastRtb1},
                  {"DestinationCidrBlock", kVip},
                  {"NetworkInterfaceId", "eni-0123456789abcdef0"}})
                ->code(),
            "InvalidNetworkInterfaceID.NotFound");
  EXPECT_EQ(call("us-east-1", "ReplaceRoute",
                 {{"RouteTableId", kEastRtb1}, {"NetworkInterfaceId", kEniA}})
                ->code(),
            "MissingParameter");
  EXPECT_EQ(call("us-east-1", "ReplaceRoute",
                 {{"RouteTableId", kEastRtb1},
                  {"DestinationCidrBlock", "10.0.0.1/8"},
                  {"NetworkInterfaceId", kEniA}})
                ->code(),
            "InvalidParameterValue");
}

TEST_F(SimTest, CrossVpcEniRefused) {
  // VPC 2's table cannot route to node-a's ENI in VPC 1.
  auto r = call(
      "us-east-1", "ReplaceRoute",
      {{"RouteTableId", kEastRtb2}, {"DestinationCidrBlock", kVip}, {"NetworkInterfaceId", kEniA}});
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->code(), "InvalidParameterValue");
  EXPECT_NE(r->body.find("belong to different networks"), std::string::npos);
  EXPECT_EQ(vpcRouteTarget("us-east-1", kEastRtb2, kVip), std::string(kEastTgw) + "|active");
}

TEST_F(SimTest, TgwRouteLifecycleAndBlackhole) {
  auto search = [&](const std::string& table, const std::string& dest) {
    auto r = call("us-east-1", "SearchTransitGatewayRoutes",
                  {{"TransitGatewayRouteTableId", table},
                   {"Filter.1.Name", "route-search.exact-match"},
                   {"Filter.1.Value.1", dest}});
    auto item = r->root().child("routeSet").child("item");
    return std::string(item.child("transitGatewayAttachments")
                           .child("item")
                           .child_value("transitGatewayAttachmentId")) +
           "|" + item.child_value("type") + "|" + item.child_value("state");
  };
  EXPECT_EQ(search(kEastTgwRtb1, kVip), std::string(kEastAtt1) + "|static|active");
  auto searchBy = [&](const std::string& filter, const std::string& value) {
    auto r = call("us-east-1", "SearchTransitGatewayRoutes",
                  {{"TransitGatewayRouteTableId", kEastTgwRtb1},
                   {"Filter.1.Name", filter},
                   {"Filter.1.Value.1", value}});
    std::vector<std::string> out;
    for (auto item : r->root().select_nodes("routeSet/item"))
      out.push_back(item.node().child_value("destinationCidrBlock"));
    return out;
  };
  EXPECT_EQ(searchBy("route-search.longest-prefix-match", "10.2.3.4"),
            std::vector<std::string>{"10.2.0.0/16"});
  EXPECT_EQ(searchBy("route-search.longest-prefix-match", "192.168.10.10/32"),
            std::vector<std::string>{kVip});
  EXPECT_EQ(searchBy("route-search.supernet-of-match", "10.3.4.0/24"),
            std::vector<std::string>{"10.3.0.0/16"});
  EXPECT_EQ(searchBy("route-search.subnet-of-match", "10.0.0.0/8").size(), 4u);
  EXPECT_EQ(searchBy("type", "propagated").size(), 4u);
  // Propagated VPC CIDR.
  EXPECT_EQ(search(kEastTgwRtb1, "10.2.0.0/16"), std::string(kEastAtt2) + "|propagated|active");
  auto replaced = call("us-east-1", "ReplaceTransitGatewayRoute",
                       {{"TransitGatewayRouteTableId", kEastTgwRtb1},
                        {"DestinationCidrBlock", kVip},
                        {"TransitGatewayAttachmentId", kPeerEastWest}});
  ASSERT_EQ(replaced->status, 200) << replaced->body;
  EXPECT_STREQ(replaced->root().child("route").child_value("type"), "static");
  EXPECT_EQ(search(kEastTgwRtb1, kVip), std::string(kPeerEastWest) + "|static|active");
  // Static beats propagated for the same prefix.
  EXPECT_EQ(call("us-east-1", "CreateTransitGatewayRoute",
                 {{"TransitGatewayRouteTableId", kEastTgwRtb1},
                  {"DestinationCidrBlock", "10.2.0.0/16"},
                  {"Blackhole", "true"}})
                ->status,
            200);
  EXPECT_EQ(search(kEastTgwRtb1, "10.2.0.0/16"), "|static|blackhole");
  EXPECT_EQ(call("us-east-1", "CreateTransitGatewayRoute",
                 {{"TransitGatewayRouteTableId", kEastTgwRtb1},
                  {"DestinationCidrBlock", "10.2.0.0/16"},
                  {"Blackhole", "true"}})
                ->code(),
            "RouteAlreadyExists");
  EXPECT_EQ(
      call("us-east-1", "DeleteTransitGatewayRoute",
           {{"TransitGatewayRouteTableId", kEastTgwRtb1}, {"DestinationCidrBlock", "10.2.0.0/16"}})
          ->status,
      200);
  EXPECT_EQ(
      call("us-east-1", "DeleteTransitGatewayRoute",
           {{"TransitGatewayRouteTableId", kEastTgwRtb1}, {"DestinationCidrBlock", "10.2.0.0/16"}})
          ->code(),
      "InvalidRoute.NotFound");
  EXPECT_EQ(call("us-east-1", "ReplaceTransitGatewayRoute",
                 {{"TransitGatewayRouteTableId", "tgw-rtb-0123456789abcdef0"},
                  {"DestinationCidrBlock", kVip},
                  {"TransitGatewayAttachmentId", kEastAtt1}})
                ->code(),
            "InvalidRouteTableId.NotFound");
  EXPECT_EQ(call("us-east-1", "ReplaceTransitGatewayRoute",
                 {{"TransitGatewayRouteTableId", kEastTgwRtb1},
                  {"DestinationCidrBlock", kVip},
                  {"TransitGatewayAttachmentId", "tgw-attach-0123456789abcdef0"}})
                ->code(),
            "InvalidTransitGatewayAttachmentID.NotFound");
  // An attachment of another region's TGW is not usable here.
  EXPECT_EQ(call("us-east-1", "ReplaceTransitGatewayRoute",
                 {{"TransitGatewayRouteTableId", kEastTgwRtb1},
                  {"DestinationCidrBlock", kVip},
                  {"TransitGatewayAttachmentId", "tgw-attach-01000010000000000"}})
                ->code(),
            "InvalidTransitGatewayAttachmentID.NotFound");

  // Deleting the peering through drift turns the route into a blackhole.
  httplib::Client control("127.0.0.1", server_->port());
  auto drift = control.Post(
      "/_sim/drift",
      nlohmann::json{{"op", "delete_attachment"}, {"attachment", kPeerEastWest}}.dump(),
      "application/json");
  ASSERT_TRUE(drift);
  EXPECT_EQ(drift->status, 200) << drift->body;
  EXPECT_EQ(search(kEastTgwRtb1, kVip), std::string(kPeerEastWest) + "|static|blackhole");
}

// Topology changes through drift (tests of a stored scope gone stale): a VPC
// re-attached under a new id with its association moved, tables added and
// deleted, a peering added; every op is checked, an unknown id is a 400.
TEST_F(SimTest, TopologyDriftOps) {
  httplib::Client control("127.0.0.1", server_->port());
  auto post = [&](const nlohmann::json& ops) {
    auto r = control.Post("/_sim/drift", ops.dump(), "application/json");
    return r ? r->status : 0;
  };
  const std::string reattached = "tgw-attach-00000010900000000";
  ASSERT_EQ(
      post(nlohmann::json::array(
          {{{"op", "delete_attachment"}, {"attachment", kEastAtt1}},
           {{"op", "add_vpc_attachment"},
            {"region", "us-east-1"},
            {"attachment", reattached},
            {"transit_gateway", kEastTgw},
            {"vpc", kEastVpc1}},
           {{"op", "associate"},
            {"region", "us-east-1"},
            {"route_table", kEastTgwRtb1},
            {"attachment", reattached}},
           {{"op", "add_route_table"},
            {"region", "us-east-1"},
            {"route_table", "rtb-00000010900000000"},
            {"vpc", kEastVpc1}},
           {{"op", "delete_route_table"}, {"region", "us-east-1"}, {"route_table", kEastRtb2}},
           {{"op", "add_peering"},
            {"attachment", "tgw-attach-00fff09ee00000000"},
            {"requester", {{"region", "us-east-1"}, {"transit_gateway", kEastTgw}}},
            {"accepter",
             {{"region", "us-west-2"}, {"transit_gateway", "tgw-01000000000000000"}}}}})),
      200);
  auto atts = call("us-east-1", "DescribeTransitGatewayAttachments",
                   {{"Filter.1.Name", "transit-gateway-attachment-id"},
                    {"Filter.1.Value.1", reattached},
                    {"Filter.1.Value.2", kEastAtt1}});
  ASSERT_EQ(atts->status, 200) << atts->body;
  auto items = atts->root().child("transitGatewayAttachments").children("item");
  ASSERT_EQ(std::distance(items.begin(), items.end()), 1);
  auto item = atts->root().child("transitGatewayAttachments").child("item");
  EXPECT_EQ(std::string(item.child_value("transitGatewayAttachmentId")), reattached);
  EXPECT_EQ(std::string(item.child("association").child_value("transitGatewayRouteTableId")),
            kEastTgwRtb1);
  auto tables = call("us-east-1", "DescribeRouteTables",
                     {{"Filter.1.Name", "vpc-id"}, {"Filter.1.Value.1", kEastVpc1}});
  EXPECT_NE(tables->body.find("rtb-00000010900000000"), std::string::npos);
  EXPECT_EQ(call("us-east-1", "DescribeRouteTables", {{"RouteTableId.1", kEastRtb2}})->code(),
            "InvalidRouteTableID.NotFound");
  auto peers = call("us-west-2", "DescribeTransitGatewayPeeringAttachments",
                    {{"Filter.1.Name", "transit-gateway-attachment-id"},
                     {"Filter.1.Value.1", "tgw-attach-00fff09ee00000000"}});
  EXPECT_NE(peers->body.find("tgw-attach-00fff09ee00000000"), std::string::npos) << peers->body;
  EXPECT_EQ(post({{"op", "add_route_table"},
                  {"region", "us-east-1"},
                  {"route_table", "rtb-00000010800000000"},
                  {"vpc", "vpc-0123456789abcdef0"}}),
            400);
  EXPECT_EQ(post({{"op", "associate"},
                  {"region", "us-east-1"},
                  {"route_table", "tgw-rtb-0123456789abcdef0"},
                  {"attachment", reattached}}),
            400);
}

// The route table and route drift ops of both kinds (VPC and TGW): what each
// adds or deletes, and the message of each refusal, which names the kind.
// A refused op changes nothing (drift is all or nothing).
TEST_F(SimTest, RouteTableAndRouteDriftOpsOfBothKinds) {
  httplib::Client control("127.0.0.1", server_->port());
  auto post = [&](const nlohmann::json& ops) {
    auto r = control.Post("/_sim/drift", ops.dump(), "application/json");
    if (!r) return std::string("no answer");
    if (r->status == 200) return std::string("ok");
    return nlohmann::json::parse(r->body).value("error", r->body);
  };
  const std::string newTgwTable = "tgw-rtb-00000000900000000";
  const nlohmann::json addTgwTable = {{"op", "add_tgw_route_table"},
                                      {"region", "us-east-1"},
                                      {"route_table", newTgwTable},
                                      {"transit_gateway", kEastTgw}};
  EXPECT_EQ(post(addTgwTable), "ok");
  auto tgwTables = call("us-east-1", "DescribeTransitGatewayRouteTables",
                        {{"TransitGatewayRouteTableIds.1", newTgwTable}});
  ASSERT_EQ(tgwTables->status, 200) << tgwTables->body;
  EXPECT_STREQ(tgwTables->root()
                   .child("transitGatewayRouteTables")
                   .child("item")
                   .child_value("transitGatewayId"),
               kEastTgw);
  EXPECT_EQ(post(addTgwTable), "TGW route table " + newTgwTable + " exists");
  EXPECT_EQ(post({{"op", "add_tgw_route_table"},
                  {"region", "us-east-1"},
                  {"route_table", "tgw-rtb-00000000800000000"},
                  {"transit_gateway", "tgw-0123456789abcdef0"}}),
            "unknown transit gateway tgw-0123456789abcdef0");
  EXPECT_EQ(post({{"op", "add_tgw_route_table"}, {"region", "us-east-1"}, {"route_table", "x"}}),
            "'transit_gateway' (string) is required");
  EXPECT_EQ(post({{"op", "add_route_table"},
                  {"region", "us-east-1"},
                  {"route_table", kEastRtb1},
                  {"vpc", kEastVpc1}}),
            std::string("route table ") + kEastRtb1 + " exists");
  EXPECT_EQ(post({{"op", "add_route_table"}, {"region", "us-east-1"}, {"vpc", kEastVpc1}}),
            "'route_table' (string) is required");
  EXPECT_EQ(post({{"op", "add_route_table"}, {"region", "nowhere-1"}, {"route_table", "x"}}),
            "unknown region nowhere-1");

  // Routes: set, replace, delete; the refusals name the table's kind.
  EXPECT_EQ(post({{"op", "set_tgw_route"},
                  {"region", "us-east-1"},
                  {"route_table", newTgwTable},
                  {"destination", kVip},
                  {"blackhole", true}}),
            "ok");
  EXPECT_EQ(post({{"op", "set_tgw_route"},
                  {"region", "us-east-1"},
                  {"route_table", newTgwTable},
                  {"destination", kVip},
                  {"attachment", kEastAtt1}}),
            "ok");
  auto search = call("us-east-1", "SearchTransitGatewayRoutes",
                     {{"TransitGatewayRouteTableId", newTgwTable},
                      {"Filter.1.Name", "route-search.exact-match"},
                      {"Filter.1.Value.1", kVip}});
  ASSERT_EQ(search->status, 200) << search->body;
  EXPECT_EQ(search->root().select_nodes("routeSet/item").size(), 1u) << search->body;
  EXPECT_NE(search->body.find(kEastAtt1), std::string::npos) << search->body;
  EXPECT_EQ(post({{"op", "set_tgw_route"},
                  {"region", "us-east-1"},
                  {"route_table", newTgwTable},
                  {"destination", kVip}}),
            "exactly one of attachment or blackhole is required");
  EXPECT_EQ(post({{"op", "set_tgw_route"},
                  {"region", "us-east-1"},
                  {"route_table", kEastRtb1},
                  {"destination", kVip},
                  {"blackhole", true}}),
            std::string("unknown TGW route table ") + kEastRtb1);
  EXPECT_EQ(post({{"op", "set_route"},
                  {"region", "us-east-1"},
                  {"route_table", newTgwTable},
                  {"destination", kVip},
                  {"gateway_id", "igw-1"}}),
            "unknown route table " + newTgwTable);
  EXPECT_EQ(post({{"op", "set_route"},
                  {"region", "us-east-1"},
                  {"route_table", kEastRtb1},
                  {"destination", "10.9.0.0/16"}}),
            "exactly one of network_interface_id, transit_gateway_id, gateway_id is required");
  EXPECT_EQ(post({{"op", "set_route"},
                  {"region", "us-east-1"},
                  {"route_table", kEastRtb1},
                  {"destination", "10.9.0.0/33"},
                  {"gateway_id", "igw-1"}}),
            "invalid destination CIDR 10.9.0.0/33");
  EXPECT_EQ(post({{"op", "delete_tgw_route"},
                  {"region", "us-east-1"},
                  {"route_table", newTgwTable},
                  {"destination", kVip}}),
            "ok");
  EXPECT_EQ(post({{"op", "delete_tgw_route"},
                  {"region", "us-east-1"},
                  {"route_table", newTgwTable},
                  {"destination", kVip}}),
            "no static route " + std::string(kVip) + " in " + newTgwTable);
  EXPECT_EQ(post({{"op", "delete_route"},
                  {"region", "us-east-1"},
                  {"route_table", kEastRtb1},
                  {"destination", "10.9.0.0/16"}}),
            std::string("no route 10.9.0.0/16 in ") + kEastRtb1);

  // delete_tgw_route_table takes only TGW tables; delete_route_table either kind.
  EXPECT_EQ(
      post({{"op", "delete_tgw_route_table"}, {"region", "us-east-1"}, {"route_table", kEastRtb1}}),
      std::string("unknown TGW route table ") + kEastRtb1);
  EXPECT_EQ(call("us-east-1", "DescribeRouteTables", {{"RouteTableId.1", kEastRtb1}})->status, 200);
  EXPECT_EQ(post({{"op", "delete_tgw_route_table"},
                  {"region", "us-east-1"},
                  {"route_table", newTgwTable}}),
            "ok");
  EXPECT_EQ(call("us-east-1", "DescribeTransitGatewayRouteTables",
                 {{"TransitGatewayRouteTableIds.1", newTgwTable}})
                ->code(),
            "InvalidRouteTableId.NotFound");
  EXPECT_EQ(
      post({{"op", "delete_route_table"}, {"region", "us-east-1"}, {"route_table", kEastTgwRtb1}}),
      "ok");
  EXPECT_EQ(call("us-east-1", "DescribeTransitGatewayRouteTables",
                 {{"TransitGatewayRouteTableIds.1", kEastTgwRtb1}})
                ->code(),
            "InvalidRouteTableId.NotFound");
  EXPECT_EQ(
      post({{"op", "delete_route_table"}, {"region", "us-east-1"}, {"route_table", kEastTgwRtb1}}),
      std::string("unknown route table ") + kEastTgwRtb1);
}

TEST_F(SimTest, VpcRouteToDeletedEniIsBlackhole) {
  httplib::Client control("127.0.0.1", server_->port());
  auto drift = control.Post(
      "/_sim/drift",
      nlohmann::json{{"op", "delete_eni"}, {"region", "us-east-1"}, {"eni", kEniA}}.dump(),
      "application/json");
  ASSERT_TRUE(drift);
  ASSERT_EQ(drift->status, 200) << drift->body;
  EXPECT_EQ(vpcRouteTarget("us-east-1", kEastRtb1, kVip), std::string(kEniA) + "|blackhole");
}

// Tags on route tables, set by drift, come back in Describe answers and
// drive the tag filters; a route table deleted by drift is gone.
TEST_F(SimTest, RouteTableTagsAndDeletionThroughDrift) {
  httplib::Client control("127.0.0.1", server_->port());
  auto tag = control.Post("/_sim/drift",
                          nlohmann::json::array({{{"op", "set_tags"},
                                                  {"region", "us-east-1"},
                                                  {"route_table", kEastRtb1},
                                                  {"tags", {{"tgwark:vip", "on"}}}},
                                                 {{"op", "set_tags"},
                                                  {"region", "us-east-1"},
                                                  {"route_table", kEastTgwRtb1},
                                                  {"tags", {{"tgwark:vip", "on"}}}}})
                              .dump(),
                          "application/json");
  ASSERT_EQ(tag->status, 200) << tag->body;
  auto byValue = call("us-east-1", "DescribeRouteTables",
                      {{"Filter.1.Name", "tag:tgwark:vip"}, {"Filter.1.Value.1", "on"}});
  ASSERT_EQ(byValue->status, 200) << byValue->body;
  auto rows = byValue->root().select_nodes("routeTableSet/item");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_STREQ(rows.first().node().child_value("routeTableId"), kEastRtb1);
  EXPECT_STREQ(rows.first().node().child("tagSet").child("item").child_value("key"), "tgwark:vip");
  auto byKey = call("us-east-1", "DescribeTransitGatewayRouteTables",
                    {{"Filter.1.Name", "tag-key"}, {"Filter.1.Value.1", "tgwark:vip"}});
  ASSERT_EQ(byKey->root().select_nodes("transitGatewayRouteTables/item").size(), 1u);
  auto otherValue = call("us-east-1", "DescribeRouteTables",
                         {{"Filter.1.Name", "tag:tgwark:vip"}, {"Filter.1.Value.1", "off"}});
  EXPECT_EQ(otherValue->root().select_nodes("routeTableSet/item").size(), 0u);

  auto gone = control.Post(
      "/_sim/drift",
      nlohmann::json{
          {"op", "delete_route_table"}, {"region", "us-east-1"}, {"route_table", kEastRtb1}}
          .dump(),
      "application/json");
  ASSERT_EQ(gone->status, 200) << gone->body;
  EXPECT_EQ(call("us-east-1", "DescribeRouteTables", {{"RouteTableId.1", kEastRtb1}})->code(),
            "InvalidRouteTableID.NotFound");
  auto unknown = control.Post(
      "/_sim/drift",
      nlohmann::json{
          {"op", "delete_route_table"}, {"region", "us-east-1"}, {"route_table", kEastRtb1}}
          .dump(),
      "application/json");
  EXPECT_EQ(unknown->status, 400);
}

TEST_F(SimTest, GetTransitGatewayRouteTableAssociations) {
  auto r = call("us-east-1", "GetTransitGatewayRouteTableAssociations",
                {{"TransitGatewayRouteTableId", kEastTgwRtb1},
                 {"Filter.1.Name", "resource-type"},
                 {"Filter.1.Value.1", "vpc"}});
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->root().select_nodes("associations/item").size(), 4u);
  EXPECT_STREQ(r->root().child("associations").child("item").child_value("state"), "associated");
  auto tables = call("us-east-1", "DescribeTransitGatewayRouteTables",
                     {{"Filter.1.Name", "transit-gateway-id"}, {"Filter.1.Value.1", kEastTgw}});
  EXPECT_EQ(tables->root().select_nodes("transitGatewayRouteTables/item").size(), 2u);
}

TEST_F(SimTest, SourceDestCheckModify) {
  EXPECT_EQ(call("us-east-1", "ModifyNetworkInterfaceAttribute",
                 {{"NetworkInterfaceId", kEniA}, {"SourceDestCheck.Value", "true"}})
                ->status,
            200);
  auto r = call("us-east-1", "DescribeNetworkInterfaces", {{"NetworkInterfaceId.1", kEniA}});
  EXPECT_STREQ(r->root().child("networkInterfaceSet").child("item").child_value("sourceDestCheck"),
               "true");
  EXPECT_EQ(
      call("us-east-1", "ModifyNetworkInterfaceAttribute",
           {{"NetworkInterfaceId", "eni-0123456789abcdef0"}, {"SourceDestCheck.Value", "false"}})
          ->code(),
      "InvalidNetworkInterfaceID.NotFound");
}

TEST_F(SimTest, DryRunAndPolicies) {
  const Params replace{{"RouteTableId", kEastRtb1},
                       {"DestinationCidrBlock", kVip},
                       {"NetworkInterfaceId", kEniA},
                       {"DryRun", "true"}};
  auto ok = call("us-east-1", "ReplaceRoute", replace);
  EXPECT_EQ(ok->status, 412);
  EXPECT_EQ(ok->code(), "DryRunOperation");
  auto denied = call("us-east-1", "ReplaceRoute", replace, "AKIDREADONLY", "readonly-secret-key");
  EXPECT_EQ(denied->status, 403);
  EXPECT_EQ(denied->code(), "UnauthorizedOperation");
  EXPECT_EQ(call("us-east-1", "DescribeRouteTables", {{"DryRun", "true"}}, "AKIDREADONLY",
                 "readonly-secret-key")
                ->code(),
            "DryRunOperation");
  // The vendor kit's minimal set has ReplaceRoute but not CreateRoute.
  EXPECT_EQ(call("us-east-1", "ReplaceRoute", replace, "AKIDTGWKIT", "tgwkit-secret-key")->code(),
            "DryRunOperation");
  EXPECT_EQ(call("us-east-1", "CreateRoute", replace, "AKIDTGWKIT", "tgwkit-secret-key")->code(),
            "UnauthorizedOperation");
  // DryRun changes nothing.
  EXPECT_EQ(call("us-east-1", "DeleteRoute",
                 {{"RouteTableId", kEastRtb1}, {"DestinationCidrBlock", kVip}, {"DryRun", "true"}})
                ->code(),
            "DryRunOperation");
  EXPECT_EQ(vpcRouteTarget("us-east-1", kEastRtb1, kVip), std::string(kEniA) + "|active");
}

TEST_F(SimTest, AuthenticationErrors) {
  EXPECT_EQ(call("us-east-1", "DescribeVpcs", {}, "AKIDSIMULATOR", "wrong-secret")->code(),
            "AuthFailure");
  EXPECT_EQ(call("us-east-1", "DescribeVpcs", {}, "AKIDUNKNOWN", "x")->code(), "AuthFailure");
  auto unsignedReply = client_->Post("/", "Action=DescribeVpcs&Version=2016-11-15",
                                     "application/x-www-form-urlencoded");
  ASSERT_TRUE(unsignedReply);
  EXPECT_EQ(unsignedReply->status, 403);
  EXPECT_NE(unsignedReply->body.find("MissingAuthenticationToken"), std::string::npos);
  signService_ = "sts";
  EXPECT_EQ(call("us-east-1", "DescribeVpcs", {})->code(), "SignatureDoesNotMatch");
  signService_ = "ec2";
  auto garbled =
      client_->Post("/", {{"Authorization", "AWS4-HMAC-SHA256 Credential=nonsense"}},
                    "Action=DescribeVpcs&Version=2016-11-15", "application/x-www-form-urlencoded");
  ASSERT_TRUE(garbled);
  EXPECT_EQ(garbled->status, 400);
  EXPECT_NE(garbled->body.find("<Code>IncompleteSignature</Code>"), std::string::npos);
  // A request signed 20 minutes ago is expired.
  auto fresh = call("us-east-1", "DescribeVpcs", {});
  EXPECT_EQ(fresh->status, 200);
  signAt_ = clock_->now() - std::chrono::minutes(20);
  EXPECT_EQ(call("us-east-1", "DescribeVpcs", {})->code(), "RequestExpired");
}

TEST_F(SimTest, BadRequestsGetAwsShapedErrors) {
  EXPECT_EQ(call("us-east-1", "FrobnicateRoutes", {})->code(), "InvalidAction");
  EXPECT_EQ(call("us-east-1", "", {})->code(), "MissingAction");
  EXPECT_EQ(call("us-east-1", "DescribeRouteTables", {{"DryRun", "maybe"}})->code(),
            "InvalidParameterValue");
  auto huge = call("us-east-1", "DescribeRouteTables",
                   {{"Filter.1.Name", "vpc-id"}, {"Filter.1.Value.1", std::string(2 << 20, 'x')}});
  EXPECT_EQ(huge->status, 413);
  EXPECT_EQ(huge->code(), "RequestEntityTooLarge");
}

TEST_F(SimTest, ImdsTokenFlowAndRoleCredentials) {
  httplib::Client imds("127.0.0.1", server_->port());
  EXPECT_EQ(imds.Get("/_node/node-a/latest/meta-data/instance-id")->status, 401);
  auto token = imds.Put("/_node/node-a/latest/api/token",
                        {{"X-aws-ec2-metadata-token-ttl-seconds", "60"}}, "", "text/plain");
  ASSERT_TRUE(token);
  ASSERT_EQ(token->status, 200);
  const httplib::Headers auth{{"X-aws-ec2-metadata-token", token->body}};
  EXPECT_EQ(imds.Get("/_node/node-a/latest/meta-data/instance-id", auth)->body,
            "i-00000010000000000");
  EXPECT_EQ(imds.Get("/_node/node-a/latest/meta-data/placement/region", auth)->body, "us-east-1");
  const std::string mac = imds.Get("/_node/node-a/latest/meta-data/mac", auth)->body;
  EXPECT_EQ(
      imds.Get("/_node/node-a/latest/meta-data/network/interfaces/macs/" + mac + "/interface-id",
               auth)
          ->body,
      kEniA);
  // Plain /latest/ is the first node.
  EXPECT_EQ(imds.Get("/latest/meta-data/instance-id", auth)->body, "i-00000010000000000");
  // A node-a token is not valid for node-b.
  EXPECT_EQ(imds.Get("/_node/node-b/latest/meta-data/instance-id", auth)->status, 401);
  EXPECT_EQ(imds.Put("/_node/node-a/latest/api/token",
                     {{"X-aws-ec2-metadata-token-ttl-seconds", "0"}}, "", "text/plain")
                ->status,
            400);
  EXPECT_EQ(imds.Get("/_node/node-a/latest/meta-data/iam/security-credentials/", auth)->body,
            "tgwark-node");
  auto creds =
      imds.Get("/_node/node-a/latest/meta-data/iam/security-credentials/tgwark-node", auth);
  ASSERT_EQ(creds->status, 200);
  const auto j = nlohmann::json::parse(creds->body);
  EXPECT_EQ(j["Code"], "Success");
  const std::string key = j["AccessKeyId"], secret = j["SecretAccessKey"], session = j["Token"];
  // Those credentials work against the EC2 API, with the session token.
  EXPECT_EQ(call("us-east-1", "DescribeVpcs", {}, key, secret, session)->status, 200);
  EXPECT_EQ(call("us-east-1", "DescribeVpcs", {}, key, secret, "bogus-token")->code(),
            "AuthFailure");
  // Token expiry.
  clock_->advance(std::chrono::seconds(61));
  EXPECT_EQ(imds.Get("/_node/node-a/latest/meta-data/instance-id", auth)->status, 401);
  // Credential expiry (6 h): the old key is refused.
  clock_->advance(std::chrono::hours(7));
  EXPECT_EQ(call("us-east-1", "DescribeVpcs", {}, key, secret, session)->code(), "RequestExpired");
}

TEST_F(SimTest, RoleCredentialsExpireAfterNCallsAndImdsRotates) {
  httplib::Client imds("127.0.0.1", server_->port());
  auto token = imds.Put("/_node/node-a/latest/api/token",
                        {{"X-aws-ec2-metadata-token-ttl-seconds", "600"}}, "", "text/plain");
  ASSERT_TRUE(token);
  const httplib::Headers auth{{"X-aws-ec2-metadata-token", token->body}};
  const auto fetch = [&] {
    auto r = imds.Get("/_node/node-a/latest/meta-data/iam/security-credentials/tgwark-node", auth);
    EXPECT_EQ(r->status, 200);
    return nlohmann::json::parse(r->body);
  };
  const auto first = fetch();
  const std::string key = first["AccessKeyId"], secret = first["SecretAccessKey"],
                    session = first["Token"];
  httplib::Client control("127.0.0.1", server_->port());
  EXPECT_EQ(control
                .Post("/_sim/credentials", R"({"node":"node-a","expire_after_calls":2})",
                      "application/json")
                ->status,
            200);
  EXPECT_EQ(control.Post("/_sim/credentials", R"({"node":"node-a"})", "application/json")->status,
            400);
  // Two more calls work, the third is refused as AWS refuses expired keys.
  EXPECT_EQ(call("us-east-1", "DescribeVpcs", {}, key, secret, session)->status, 200);
  EXPECT_EQ(call("us-east-1", "DescribeVpcs", {}, key, secret, session)->status, 200);
  EXPECT_EQ(call("us-east-1", "DescribeVpcs", {}, key, secret, session)->code(), "RequestExpired");
  EXPECT_EQ(call("us-east-1", "DescribeVpcs", {}, key, secret, session)->code(), "RequestExpired");
  // IMDS hands out new credentials at once, and they work.
  const auto second = fetch();
  EXPECT_NE(second["AccessKeyId"], first["AccessKeyId"]);
  EXPECT_EQ(call("us-east-1", "DescribeVpcs", {}, second["AccessKeyId"], second["SecretAccessKey"],
                 second["Token"])
                ->status,
            200);
  // Long-term keys are not affected.
  EXPECT_EQ(call("us-east-1", "DescribeVpcs", {})->status, 200);
}

TEST_F(SimTest, StsAssumeRoleHandsOutExpiringCredentials) {
  signService_ = "sts";
  auto unknown =
      call("us-east-1", "AssumeRole",
           {{"RoleArn", "arn:aws:iam::123456789012:role/nope"}, {"RoleSessionName", "t"}});
  EXPECT_EQ(unknown->status, 403);
  auto r =
      call("us-east-1", "AssumeRole",
           {{"RoleArn", "arn:aws:iam::123456789012:role/tgwark-node"}, {"RoleSessionName", "t"}});
  signService_ = "ec2";
  ASSERT_EQ(r->status, 200) << r->body;
  const auto creds = r->doc.select_node("/AssumeRoleResponse/AssumeRoleResult/Credentials").node();
  const std::string key = creds.child_value("AccessKeyId"),
                    secret = creds.child_value("SecretAccessKey"),
                    token = creds.child_value("SessionToken");
  ASSERT_FALSE(key.empty());
  EXPECT_FALSE(std::string(creds.child_value("Expiration")).empty());
  EXPECT_EQ(call("us-east-1", "DescribeVpcs", {}, key, secret, token)->status, 200);
  httplib::Client control("127.0.0.1", server_->port());
  EXPECT_EQ(control
                .Post("/_sim/credentials", R"({"role":"tgwark-node","expire_after_calls":0})",
                      "application/json")
                ->status,
            200);
  EXPECT_EQ(call("us-east-1", "DescribeVpcs", {}, key, secret, token)->code(), "RequestExpired");
}

TEST_F(SimTest, ScriptedFaultFailsTheNthCall) {
  server_->state().addFault(
      FaultRule{"us-west-2", "ReplaceTransitGatewayRoute", "InternalError", 0, 2, 1});
  const Params p{{"TransitGatewayRouteTableId", kWestTgwRtb1},
                 {"DestinationCidrBlock", kVip},
                 {"TransitGatewayAttachmentId", "tgw-attach-01000010000000000"}};
  EXPECT_EQ(call("us-west-2", "ReplaceTransitGatewayRoute", p)->status, 200);
  auto second = call("us-west-2", "ReplaceTransitGatewayRoute", p);
  EXPECT_EQ(second->status, 500);
  EXPECT_EQ(second->code(), "InternalError");
  EXPECT_EQ(call("us-west-2", "ReplaceTransitGatewayRoute", p)->status, 200);
  // Other regions were never affected.
  EXPECT_EQ(server_->state().errorCount("InternalError"), 1u);
  EXPECT_EQ(server_->state().callCount("us-west-2", "ReplaceTransitGatewayRoute"), 3u);
}

TEST_F(SimTest, ConnectionResetFault) {
  server_->state().addFault(FaultRule{"*", "DescribeVpcs", "reset", 0, 1, 1});
  auto r = call("us-east-1", "DescribeVpcs", {});
  EXPECT_EQ(r->status, 0);  // no complete HTTP response
  EXPECT_EQ(call("us-east-1", "DescribeVpcs", {})->status, 200);
}

TEST_F(SimTest, ResetAfterFaultCarriesOutTheCallAndLosesTheAnswer) {
  server_->state().addFault(FaultRule{"*", "ReplaceTransitGatewayRoute", "reset_after", 0, 1, 1});
  const Params p{{"TransitGatewayRouteTableId", kWestTgwRtb1},
                 {"DestinationCidrBlock", kVip},
                 {"Blackhole", "true"}};
  EXPECT_EQ(call("us-west-2", "ReplaceTransitGatewayRoute", p)->status, 0);
  // The route was replaced all the same.
  auto r = call("us-west-2", "SearchTransitGatewayRoutes",
                {{"TransitGatewayRouteTableId", kWestTgwRtb1},
                 {"Filter.1.Name", "route-search.exact-match"},
                 {"Filter.1.Value.1", kVip}});
  ASSERT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("blackhole"), std::string::npos) << r->body;
  EXPECT_EQ(server_->state().errorCount("(reset_after)"), 1u);
}

// One raw HTTP/1.1 exchange, for requests httplib's client would not send
// (it always adds Content-Length). The receive timeout only keeps a broken
// server from hanging the suite.
std::string rawExchange(int port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return {};
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string reply;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size())) {
    char buf[4096];
    ssize_t n = 0;
    while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) reply.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return reply;
}

// `curl -X PUT .../latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 60'`
// sends no Content-Length; IMDS hands out a token all the same.
TEST_F(SimTest, BodylessPutIsAccepted) {
  const std::string reply =
      rawExchange(server_->port(),
                  "PUT /_node/node-a/latest/api/token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  "X-aws-ec2-metadata-token-ttl-seconds: 60\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(reply.starts_with("HTTP/1.1 200")) << reply;
  EXPECT_NE(reply.find("AQAEA"), std::string::npos) << reply;
}

// A bodyless POST reaches the EC2 front door: refused for its missing
// signature, as AWS would, not for its missing body.
TEST_F(SimTest, BodylessPostIsAnsweredLikeAws) {
  const std::string reply = rawExchange(
      server_->port(), "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(reply.starts_with("HTTP/1.1 403")) << reply;
  EXPECT_NE(reply.find("MissingAuthenticationToken"), std::string::npos) << reply;
}

std::string imdsToken(httplib::Client& imds, const std::string& node) {
  auto token = imds.Put("/_node/" + node + "/latest/api/token",
                        {{"X-aws-ec2-metadata-token-ttl-seconds", "60"}}, "", "text/plain");
  return token && token->status == 200 ? token->body : std::string{};
}

TEST_F(SimTest, FaultRulesMatchImdsByTheNodesRegionAndImds) {
  httplib::Client imds("127.0.0.1", server_->port());
  server_->state().addFault(FaultRule{"us-east-1", "IMDS", "Unavailable", 0, 1, 1});
  auto faulted = imds.Put("/_node/node-a/latest/api/token",
                          {{"X-aws-ec2-metadata-token-ttl-seconds", "60"}}, "", "text/plain");
  ASSERT_TRUE(faulted);
  EXPECT_EQ(faulted->status, 503);
  EXPECT_EQ(faulted->body, "Unavailable\n");
  EXPECT_FALSE(imdsToken(imds, "node-a").empty());  // count = 1: the next one passes
  // A rule for another region leaves node-a (us-east-1) alone.
  server_->state().addFault(FaultRule{"us-west-2", "IMDS", "InternalError", 0, 1, 1});
  EXPECT_FALSE(imdsToken(imds, "node-a").empty());
  EXPECT_TRUE(imdsToken(imds, "node-b").empty());
  EXPECT_EQ(server_->state().errorCount("Unavailable"), 1u);
  // "*" is every EC2 action, not instance metadata.
  server_->state().addFault(FaultRule{"*", "*", "InternalError", 1.0, 0, 1});
  EXPECT_FALSE(imdsToken(imds, "node-a").empty());
}

TEST_F(SimTest, FaultRulesMatchImdsByPath) {
  httplib::Client imds("127.0.0.1", server_->port());
  server_->state().addFault(FaultRule{"*", "meta-data/instance-id", "InternalError", 0, 1, 1});
  const std::string token = imdsToken(imds, "node-a");  // another path: not affected
  ASSERT_FALSE(token.empty());
  const httplib::Headers auth{{"X-aws-ec2-metadata-token", token}};
  EXPECT_EQ(imds.Get("/latest/meta-data/instance-id", auth)->status, 500);
  EXPECT_EQ(imds.Get("/latest/meta-data/instance-id", auth)->status, 200);
}

TEST_F(SimTest, LatencyRulesApplyToImds) {
  httplib::Client imds("127.0.0.1", server_->port());
  server_->state().addLatency(LatencyRule{"us-east-1", "IMDS", 40, 40});
  server_->state().addLatency(LatencyRule{"*", "*", 7, 7});  // EC2 only
  const auto slept0 = clock_->totalSlept();
  ASSERT_FALSE(imdsToken(imds, "node-a").empty());
  EXPECT_EQ((clock_->totalSlept() - slept0).count(), 40);
  call("us-east-1", "DescribeVpcs", {});  // EC2 is not "IMDS"
  EXPECT_EQ((clock_->totalSlept() - slept0).count(), 47);
  ASSERT_FALSE(imdsToken(imds, "node-b").empty());  // us-west-2
  EXPECT_EQ((clock_->totalSlept() - slept0).count(), 47);
}

// The page of a proxy that refuses a request and quotes it back: what tgwark
// must never repeat in its logs.
TEST_F(SimTest, EchoHeadersFaultQuotesTheRequestsCredentials) {
  server_->state().addFault(FaultRule{"*", "DescribeVpcs", "echo-headers", 0, 1, 1});
  const Signed request = sign("us-east-1", "DescribeVpcs", {});
  auto reply = send(*client_, request);
  EXPECT_EQ(reply->status, 403);
  EXPECT_NE(reply->body.find("<h1>403 Forbidden</h1>"), std::string::npos) << reply->body;
  for (const auto& [name, value] : request.headers) {
    EXPECT_NE(reply->body.find(name + ": " + value), std::string::npos) << name;
  }
  EXPECT_NE(reply->body.find("Credential=AKIDSIMULATOR/"), std::string::npos) << reply->body;
  EXPECT_EQ(call("us-east-1", "DescribeVpcs", {})->status, 200);
}

TEST_F(SimTest, ThrottlingTokenBucket) {
  ThrottleOptions throttle;
  throttle.enabled = true;
  throttle.mutatingBurst = 3;
  throttle.mutatingRefillPerSecond = 1;
  server_->state().setThrottle(throttle);
  const Params p{
      {"RouteTableId", kEastRtb1}, {"DestinationCidrBlock", kVip}, {"NetworkInterfaceId", kEniA}};
  for (int i = 0; i < 3; ++i) EXPECT_EQ(call("us-east-1", "ReplaceRoute", p)->status, 200);
  auto throttled = call("us-east-1", "ReplaceRoute", p);
  EXPECT_EQ(throttled->status, 503);
  EXPECT_EQ(throttled->code(), "RequestLimitExceeded");
  // Reads have their own bucket; other regions theirs.
  EXPECT_EQ(call("us-east-1", "DescribeRouteTables", {})->status, 200);
  EXPECT_EQ(call("us-west-2", "ReplaceRoute",
                 {{"RouteTableId", "rtb-01000010000000000"},
                  {"DestinationCidrBlock", kVip},
                  {"TransitGatewayId", "tgw-01000000000000000"}})
                ->status,
            200);
  clock_->advance(std::chrono::seconds(1));
  EXPECT_EQ(call("us-east-1", "ReplaceRoute", p)->status, 200);
  EXPECT_EQ(call("us-east-1", "ReplaceRoute", p)->status, 503);
}

TEST_F(SimTest, LatencyIsInjectedOnTheInjectedClock) {
  server_->state().addLatency(LatencyRule{"us-west-2", "*", 80, 80});
  server_->state().addLatency(LatencyRule{"*", "*", 25, 25});
  const auto slept0 = clock_->totalSlept();
  call("us-east-1", "DescribeVpcs", {});
  EXPECT_EQ((clock_->totalSlept() - slept0).count(), 25);
  call("us-west-2", "DescribeVpcs", {});
  EXPECT_EQ((clock_->totalSlept() - slept0).count(), 105);
}

TEST_F(SimTest, ControlApiStateCountersReset) {
  httplib::Client control("127.0.0.1", server_->port());
  const std::string before = control.Get("/_sim/state")->body;
  EXPECT_EQ(before, control.Get("/_sim/state")->body);  // stable
  EXPECT_EQ(before.find("simulator-secret-key"), std::string::npos);
  EXPECT_EQ(before.find("readonly-secret-key"), std::string::npos);
  auto drift = control.Post("/_sim/drift",
                            nlohmann::json{{"op", "set_route"},
                                           {"region", "us-east-1"},
                                           {"route_table", kEastRtb1},
                                           {"destination", kVip},
                                           {"transit_gateway_id", kEastTgw}}
                                .dump(),
                            "application/json");
  ASSERT_EQ(drift->status, 200) << drift->body;
  EXPECT_EQ(vpcRouteTarget("us-east-1", kEastRtb1, kVip), std::string(kEastTgw) + "|active");
  EXPECT_NE(before, control.Get("/_sim/state")->body);
  auto counters = nlohmann::json::parse(control.Get("/_sim/counters")->body);
  EXPECT_EQ(counters["calls"]["us-east-1"]["DescribeRouteTables"], 1);
  auto bad =
      control.Post("/_sim/drift", R"({"op":"set_route","region":"us-east-1"})", "application/json");
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(bad->body.find("route_table"), std::string::npos);
  auto fault =
      control.Post("/_sim/faults",
                   R"({"region":"us-east-1","action":"DescribeVpcs","kind":"Unavailable","nth":1})",
                   "application/json");
  EXPECT_EQ(fault->status, 200);
  EXPECT_EQ(call("us-east-1", "DescribeVpcs", {})->code(), "Unavailable");
  EXPECT_EQ(control.Post("/_sim/reset", "", "application/json")->status, 200);
  EXPECT_EQ(before, control.Get("/_sim/state")->body);
  EXPECT_EQ(nlohmann::json::parse(control.Get("/_sim/counters")->body)["calls"].size(), 0u);
}

TEST_F(SimTest, CallLogRecordsWhenEachCallWasReceivedAndAnswered) {
  server_->state().addLatency(LatencyRule{"us-west-2", "*", 80, 80});
  server_->state().addLatency(LatencyRule{"*", "*", 25, 25});
  httplib::Client control("127.0.0.1", server_->port());
  const auto micros = [](WallTime t) {
    return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  };
  const auto t0 = micros(clock_->now());
  EXPECT_EQ(call("us-east-1", "ReplaceRoute",
                 {{"RouteTableId", kEastRtb1},
                  {"DestinationCidrBlock", kVip},
                  {"NetworkInterfaceId", kEniA}})
                ->status,
            200);
  EXPECT_EQ(call("us-west-2", "ReplaceRoute",
                 {{"RouteTableId", "rtb-0123456789abcdef0"},
                  {"DestinationCidrBlock", kVip},
                  {"NetworkInterfaceId", kEniA}})
                ->code(),
            "InvalidRouteTableID.NotFound");
  auto log = nlohmann::json::parse(control.Get("/_sim/calls")->body);
  ASSERT_EQ(log["calls"].size(), 2u) << log.dump();
  EXPECT_EQ(log["dropped"], 0);
  const auto& first = log["calls"][0];
  const auto& second = log["calls"][1];
  EXPECT_EQ(first["region"], "us-east-1");
  EXPECT_EQ(first["action"], "ReplaceRoute");
  EXPECT_EQ(first["status"], 200);
  EXPECT_EQ(first["code"], "");
  // Received when it arrived, answered after the injected latency.
  EXPECT_EQ(first["received_us"].get<long long>(), t0);
  EXPECT_EQ(first["answered_us"].get<long long>(), t0 + 25000);
  EXPECT_EQ(second["region"], "us-west-2");
  EXPECT_EQ(second["status"], 400);
  EXPECT_EQ(second["code"], "InvalidRouteTableID.NotFound");
  EXPECT_EQ(second["received_us"].get<long long>(), t0 + 25000);
  EXPECT_EQ(second["answered_us"].get<long long>(), t0 + 105000);
  EXPECT_GT(second["seq"].get<std::uint64_t>(), first["seq"].get<std::uint64_t>());

  // Only the calls after a given one; a malformed query is refused.
  auto later = nlohmann::json::parse(
      control.Get("/_sim/calls?after=" + std::to_string(first["seq"].get<std::uint64_t>()))->body);
  ASSERT_EQ(later["calls"].size(), 1u);
  EXPECT_EQ(later["calls"][0]["seq"], second["seq"]);
  EXPECT_EQ(control.Get("/_sim/calls?after=x")->status, 400);
  EXPECT_EQ(control.Get("/_sim/calls?since=1")->status, 400);

  // Control calls and IMDS are not EC2 calls; reset empties the log but never reuses a number.
  EXPECT_EQ(control.Post("/_sim/reset", "", "application/json")->status, 200);
  EXPECT_EQ(nlohmann::json::parse(control.Get("/_sim/calls")->body)["calls"].size(), 0u);
  call("us-east-1", "DescribeVpcs", {});
  auto after = nlohmann::json::parse(control.Get("/_sim/calls")->body);
  ASSERT_EQ(after["calls"].size(), 1u);
  EXPECT_GT(after["calls"][0]["seq"].get<std::uint64_t>(), second["seq"].get<std::uint64_t>());
}

TEST_F(SimTest, ProbabilisticFaultsAreSeeded) {
  auto run = [&] {
    SimOptions options;
    options.seed = 42;
    options.faults.push_back(FaultRule{"*", "DescribeVpcs", "Unavailable", 0.5, 0, 1});
    startWith(std::string(TGWARK_SOURCE_DIR) + "/topologies/demo.json", options);
    std::string pattern;
    for (int i = 0; i < 20; ++i)
      pattern += call("us-east-1", "DescribeVpcs", {})->status == 200 ? '.' : 'X';
    return pattern;
  };
  const std::string first = run();
  EXPECT_EQ(first, run());
  EXPECT_NE(first.find('X'), std::string::npos);
  EXPECT_NE(first.find('.'), std::string::npos);
}

TEST(SimTopologyTest, ErrorsNameTheKey) {
  auto bad = parseTopology(
      R"({"regions":{"us-east-1":{"vpcs":[{"id":"vpc-12345678","cidrs":["10.0.0.0/33"]}]}}})");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("regions.us-east-1.vpcs[0].cidrs[0]"), std::string::npos)
      << bad.error().message;
  auto unknown = parseTopology(R"({"regions":{"us-east-1":{"vpcz":[]}}})");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("regions.us-east-1.vpcz"), std::string::npos);
  auto badId = parseTopology(
      R"({"regions":{"us-east-1":{"vpcs":[{"id":"vpc-xyz","cidrs":["10.0.0.0/16"]}]}}})");
  ASSERT_FALSE(badId);
  EXPECT_NE(badId.error().message.find("vpcs[0].id"), std::string::npos);
  EXPECT_FALSE(parseTopology("{not json"));
}

TEST(SimTopologyTest, ShippedTopologiesLoadAndRoundTrip) {
  for (const char* name : {"demo.json", "ref-3r.json", "ref-scale.json", "ref-scale-fresh.json",
                           "intra-region.json"}) {
    auto topology = loadTopology(std::string(TGWARK_SOURCE_DIR) + "/topologies/" + name);
    ASSERT_TRUE(topology) << topology.error().message;
    const std::string dumped = dumpTopology(*topology, false, true);
    auto again = parseTopology(dumped);
    ASSERT_TRUE(again) << name << ": " << again.error().message;
    EXPECT_EQ(dumped, dumpTopology(*again, false, true));
  }
  auto ref3r = loadTopology(std::string(TGWARK_SOURCE_DIR) + "/topologies/ref-3r.json");
  std::size_t vpcTables = 0, tgwTables = 0, vipRoutes = 0;
  for (const auto& [name, region] : ref3r->regions) {
    vpcTables += region.routeTables.size();
    tgwTables += region.tgwRouteTables.size();
    for (const auto& [id, t] : region.routeTables) {
      for (const auto& r : t.routes) vipRoutes += r.destination == kVip;
    }
    for (const auto& [id, t] : region.tgwRouteTables) {
      for (const auto& r : t.staticRoutes) vipRoutes += r.destination == kVip;
    }
  }
  EXPECT_EQ(vpcTables, 24u);
  EXPECT_EQ(tgwTables, 6u);
  EXPECT_EQ(vipRoutes, 30u);
  EXPECT_EQ(ref3r->peerings.size(), 3u);
}

TEST(SimModelTest, Cidrs) {
  EXPECT_EQ(canonicalCidr("2001:DB8::/32"), "2001:db8::/32");
  EXPECT_FALSE(canonicalCidr("10.0.0.1/8"));
  EXPECT_FALSE(canonicalCidr("10.0.0.0"));
  EXPECT_TRUE(cidrContains("10.0.0.0/8", "10.1.2.3/32"));
  EXPECT_FALSE(cidrContains("10.0.0.0/16", "10.1.0.0/16"));
}

// A few thousand seeded random or malformed requests: each gets an HTTP
// answer (AWS-shaped XML for the EC2 path) and the server stays up.
TEST_F(SimTest, FuzzSurvives) {
  SimOptions options;
  options.verifySignatures = false;
  startWith(std::string(TGWARK_SOURCE_DIR) + "/topologies/demo.json", options);
  std::mt19937 rng(1234);
  const std::vector<std::string> actions = {"DescribeRouteTables",
                                            "CreateRoute",
                                            "ReplaceRoute",
                                            "DeleteRoute",
                                            "SearchTransitGatewayRoutes",
                                            "ReplaceTransitGatewayRoute",
                                            "Bogus",
                                            ""};
  const std::vector<std::string> keys = {"RouteTableId",
                                         "DestinationCidrBlock",
                                         "NetworkInterfaceId",
                                         "Filter.1.Name",
                                         "Filter.1.Value.1",
                                         "MaxResults",
                                         "NextToken",
                                         "DryRun",
                                         "TransitGatewayRouteTableId",
                                         "TransitGatewayAttachmentId",
                                         "Blackhole",
                                         "%zz",
                                         "=",
                                         "Filter.7.Value.3"};
  const std::string alphabet = "abcdef0123456789-/.%&=+*:rtbeni ";
  auto randomString = [&](int max) {
    std::string s;
    const int n = static_cast<int>(rng() % static_cast<unsigned>(max));
    for (int i = 0; i < n; ++i) s += alphabet[rng() % alphabet.size()];
    return s;
  };
  for (int i = 0; i < 2000; ++i) {
    std::string body = "Version=2016-11-15&Action=" + actions[rng() % actions.size()];
    const int params = static_cast<int>(rng() % 6);
    for (int k = 0; k < params; ++k)
      body += "&" + keys[rng() % keys.size()] + "=" + randomString(20);
    if (rng() % 10 == 0) body = randomString(200);
    httplib::Headers headers;
    if (rng() % 2 == 0) {
      headers.emplace(
          "Authorization",
          "AWS4-HMAC-SHA256 Credential=AKIDSIMULATOR/20150830/us-east-1/ec2/aws4_request, "
          "SignedHeaders=host;x-amz-date, Signature=" +
              std::string(64, 'a'));
    } else if (rng() % 3 == 0) {
      headers.emplace("Authorization", randomString(60));
    }
    auto r = client_->Post("/", headers, body, "application/x-www-form-urlencoded");
    ASSERT_TRUE(r) << "request " << i << " got no response: " << body;
    ASSERT_TRUE(r->status == 200 || (r->status >= 400 && r->status < 600)) << r->status;
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_string(r->body.c_str())) << body << "\n" << r->body;
    if (r->status != 200) {
      EXPECT_FALSE(doc.select_node("/Response/Errors/Error/Code").node().empty()) << r->body;
    }
  }
  EXPECT_EQ(call("us-east-1", "DescribeVpcs", {})->status, 200);
}

}  // namespace
}  // namespace tgwark::sim

namespace tgwark::sim {
namespace {

TEST_F(SimTest, ConcurrentRegionsKeepConsistentCounts) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  const std::vector<std::string> regions = {"us-east-1", "us-west-2", "eu-west-1"};
  // Signed up front: signing uses the fixture, the threads only send.
  for (int t = 0; t < 6; ++t)
    signed_.push_back(
        sign(regions[static_cast<std::size_t>(t) % regions.size()], "DescribeRouteTables", {}));
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      httplib::Client own("127.0.0.1", server_->port());  // one connection per thread
      for (int i = 0; i < 20; ++i) {
        if (send(own, signed_[static_cast<std::size_t>(t)])->status == 200) ++ok;
      }
    });
  }
  // Drift concurrently with the reads.
  httplib::Client control("127.0.0.1", server_->port());
  for (int i = 0; i < 20; ++i) {
    auto r = control.Post("/_sim/drift",
                          nlohmann::json{{"op", "set_source_dest_check"},
                                         {"region", "us-east-1"},
                                         {"eni", kEniA},
                                         {"value", i % 2 == 0}}
                              .dump(),
                          "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 120);
  EXPECT_EQ(server_->state().callCount("*", "DescribeRouteTables"), 120u);
  EXPECT_EQ(server_->state().callCount("eu-west-1", "*"), 40u);
}

TEST_F(SimTest, StalledResponseIsReleasedByStop) {
  // Stalls far longer than the test waits: only stop() can end it in time.
  constexpr auto kStall = std::chrono::seconds(30);
  server_->state().addFault(FaultRule{"*", "DescribeVpcs", "stall", 0, 1, 1,
                                      static_cast<int>(kStall / std::chrono::milliseconds(1))});
  const Signed request = sign("us-east-1", "DescribeVpcs", {});
  std::promise<void> finished;
  auto done = finished.get_future();
  std::thread caller([&] {
    httplib::Client own("127.0.0.1", server_->port());
    own.set_read_timeout(std::chrono::seconds(600));
    // The answer (or a closed connection) arrives only once stop() releases the stall.
    (void)send(own, request);
    finished.set_value();
  });
  // Wait until the stalled call has been counted, i.e. it is being held.
  while (server_->state().callCount("*", "DescribeVpcs") == 0) std::this_thread::yield();
  EXPECT_EQ(done.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout)
      << "the call was answered before stop(): it was never stalled";
  // stop() itself may wait for the handler; what matters is that the stall
  // ends with it, long before kStall.
  const auto stopping = std::chrono::steady_clock::now();
  server_->stop();
  const bool released = done.wait_for(kStall / 3) == std::future_status::ready;
  const auto took = std::chrono::steady_clock::now() - stopping;
  caller.join();  // after at most kStall, released or not
  EXPECT_TRUE(released) << "stop() did not release the stalled response";
  EXPECT_LT(took, kStall / 3) << "the stalled response outlived stop()";
}

}  // namespace
}  // namespace tgwark::sim

namespace tgwark::sim {
namespace {

// The signature-verifying path with garbage: malformed or well-formed-but-wrong
// Authorization headers, odd X-Amz-Date values, random bodies.
TEST_F(SimTest, FuzzWithSignatureVerification) {
  std::mt19937 rng(99);
  const std::vector<std::string> authorizations = {
      "",
      "AWS4-HMAC-SHA256",
      "AWS4-HMAC-SHA256 Credential=AKIDSIMULATOR/20150830/us-east-1/ec2/aws4_request, "
      "SignedHeaders=host;x-amz-date, "
      "Signature=" +
          std::string(64, '0'),
      "AWS4-HMAC-SHA256 Credential=AKIDSIMULATOR/2015/us-east-1/ec2/aws4_request, SignedHeaders=, "
      "Signature=zz",
      "AWS4-HMAC-SHA256 Credential=/////, SignedHeaders=;;, Signature=" + std::string(64, 'f'),
      "AWS4-HMAC-SHA256 Credential=AKIDSIMULATOR/20150830/us-east-1/ec2/aws4_request, "
      "SignedHeaders=content-type;host;"
      "x-amz-date;x-nothere, Signature=" +
          std::string(64, 'a'),
      "Basic dXNlcjpwYXNz",
  };
  const std::vector<std::string> dates = {"20150830T121600Z", "garbage", "", "99999999T999999Z",
                                          "20150830T121600"};
  for (int i = 0; i < 500; ++i) {
    httplib::Headers headers;
    const auto& auth = authorizations[rng() % authorizations.size()];
    if (!auth.empty()) headers.emplace("Authorization", auth);
    const auto& date = dates[rng() % dates.size()];
    if (!date.empty()) headers.emplace("X-Amz-Date", date);
    std::string body = "Action=DescribeRouteTables&Version=2016-11-15";
    if (rng() % 3 == 0) body += "&RouteTableId.1=" + std::to_string(rng());
    auto r = client_->Post("/", headers, body, "application/x-www-form-urlencoded");
    ASSERT_TRUE(r) << i;
    EXPECT_GE(r->status, 400) << r->body;  // nothing here carries a valid signature
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_string(r->body.c_str())) << r->body;
    EXPECT_FALSE(doc.select_node("/Response/Errors/Error/Code").node().empty()) << r->body;
  }
  EXPECT_EQ(call("us-east-1", "DescribeVpcs", {})->status, 200);
}

}  // namespace
}  // namespace tgwark::sim

namespace tgwark::sim {
namespace {

// `tgwark demo --topology single-vpc` and `tgwark-sim --topology single-vpc`
// use the compiled-in copy of topologies/single-vpc.json: one VPC, two nodes
// in it, no transit gateway.
TEST(BuiltinTopologies, SingleVpcIsCompiledInAndHasNoTransitGateway) {
  ASSERT_TRUE(builtinTopologyJson("demo").has_value());
  EXPECT_EQ(*builtinTopologyJson("demo"), demoTopologyJson());
  EXPECT_FALSE(builtinTopologyJson("single_vpc").has_value());
  EXPECT_FALSE(builtinTopologyJson("").has_value());
  auto json = builtinTopologyJson("single-vpc");
  ASSERT_TRUE(json.has_value());
  auto topology = parseTopology(*json);
  ASSERT_TRUE(topology) << topology.error().message;
  ASSERT_EQ(topology->nodes.size(), 2u);
  const auto& region = topology->regions.at("us-east-1");
  EXPECT_TRUE(region.transitGateways.empty());
  EXPECT_TRUE(region.vpcAttachments.empty());
  EXPECT_TRUE(topology->peerings.empty());
  for (const auto& node : topology->nodes) {
    EXPECT_EQ(region.enis.at(node.eniId).vpcId, "vpc-00000010000000000") << node.name;
  }
}

}  // namespace
}  // namespace tgwark::sim
