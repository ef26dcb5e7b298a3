#include "aws/ec2_client.h"

#include <map>
#include <mutex>

#include <gtest/gtest.h>

#include "aws/credentials_cache.h"
#include "aws/credentials_chain.h"
#include "aws/credentials_sts.h"
#include "aws/iso8601.h"
#include "aws/query_encoding.h"
#include "aws/sigv4.h"
#include "support/fake_clock.h"
#include "support/fake_credentials.h"
#include "support/fake_http_client.h"

namespace tgwark::aws {
namespace {

using namespace std::chrono_literals;
using Params = std::map<std::string, std::string>;
using tgwark::testing::FakeHttpClient;

class StaticCredentials : public CredentialsProvider {
 public:
  Result<Credentials> getCredentials() override {
    std::lock_guard lock(mu_);
    ++calls;
    if (fail) return makeError(ErrorCategory::kNotFound, "no credentials in test");
    Credentials c;
    c.accessKeyId = "AKIDEXAMPLE";
    c.secretAccessKey = SecretString("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    c.source = "test";
    return c;
  }
  std::mutex mu_;
  int calls = 0;
  bool fail = false;
};

class RecordingObserver : public CallObserver {
 public:
  struct Entry {
    std::string region, action, errorCode;
    int attempts;
    bool ok, throttled;
  };
  void onCall(const CallRecord& r) override {
    std::lock_guard lock(mu_);
    entries.push_back({std::string(r.region), std::string(r.action), std::string(r.errorCode),
                       r.attempts, r.ok, r.throttled});
  }
  std::mutex mu_;
  std::vector<Entry> entries;
};

std::string ec2Error(std::string_view code, std::string_view message = "message") {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>" +
         std::string(code) + "</Code><Message>" + std::string(message) +
         "</Message></Error></Errors><RequestID>req-" + std::string(code) +
         "</RequestID></Response>";
}

std::string returnTrue(std::string_view action) {
  return "<" + std::string(action) +
         "Response xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>ok</requestId>"
         "<return>true</return></" +
         std::string(action) + "Response>";
}

Params paramsOf(const HttpRequest& request) {
  Params out;
  for (auto& [k, v] : parseFormBody(request.body)) out[k] = v;
  return out;
}

struct Ec2ClientTest : ::testing::Test {
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  std::shared_ptr<FakeHttpClient> http = std::make_shared<FakeHttpClient>();
  std::shared_ptr<StaticCredentials> credentials = std::make_shared<StaticCredentials>();
  std::shared_ptr<RecordingObserver> observer = std::make_shared<RecordingObserver>();
  std::shared_ptr<RetryQuota> quota = std::make_shared<RetryQuota>(500);

  std::unique_ptr<Ec2Client> makeClient(std::string region = "us-west-2",
                                        std::string url = "https://ec2.us-west-2.amazonaws.com",
                                        RetryOptions retry = {}) {
    Ec2ClientOptions options;
    options.observer = observer;
    options.retryQuota = quota;
    return std::make_unique<Ec2Client>(region, Endpoint{url, region, "default"}, credentials, http,
                                       clock, std::make_shared<FixedRandom>(0.5), retry, options);
  }
};

TEST_F(Ec2ClientTest, SignedFormPostToTheEndpoint) {
  auto client = makeClient("eu-west-1", "http://127.0.0.1:5000");
  http->enqueue(200, returnTrue("DeleteRoute"));
  ASSERT_TRUE(client->deleteRoute("rtb-1", "10.0.0.1/32"));
  HttpRequest request = http->lastRequest();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "http://127.0.0.1:5000/");
  EXPECT_EQ(findHeader(request.headers, "content-type"),
            "application/x-www-form-urlencoded; charset=utf-8");
  EXPECT_TRUE(request.body.starts_with("Action=DeleteRoute&Version=2016-11-15&"));
  std::string auth(findHeader(request.headers, "Authorization"));
  // Signed for the client's region even though the endpoint is an emulator.
  EXPECT_NE(auth.find("Credential=AKIDEXAMPLE/20150830/eu-west-1/ec2/aws4_request"),
            std::string::npos)
      << auth;
  EXPECT_EQ(auth.find("wJalrXUtnFEMI"), std::string::npos);
  EXPECT_EQ(findHeader(request.headers, "X-Amz-Date"), "20150830T121600Z");
  EXPECT_GT(request.timeout.count(), 0);
}

TEST_F(Ec2ClientTest, DescribeRouteTablesEncodingAndPagination) {
  auto client = makeClient();
  http->enqueue(200,
                "<DescribeRouteTablesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
                "<requestId>p1</requestId><routeTableSet><item><routeTableId>rtb-1</routeTableId>"
                "</item></routeTableSet><nextToken>tok/+=2</nextToken>"
                "</DescribeRouteTablesResponse>");
  http->enqueue(200,
                "<DescribeRouteTablesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
                "<requestId>p2</requestId><routeTableSet><item><routeTableId>rtb-2</routeTableId>"
                "</item></routeTableSet></DescribeRouteTablesResponse>");
  DescribeOptions opts;
  opts.ids = {"rtb-1", "rtb-2"};
  opts.filters = {{"route.destination-cidr-block", {"192.168.100.10/32"}},
                  {"vpc-id", {"vpc-a", "vpc-b"}}};
  opts.maxResults = 5;
  auto tables = client->describeRouteTables(opts);
  ASSERT_TRUE(tables) << tables.error().describe();
  ASSERT_EQ(tables->size(), 2u);
  EXPECT_EQ((*tables)[0].routeTableId, "rtb-1");
  EXPECT_EQ((*tables)[1].routeTableId, "rtb-2");
  auto requests = http->requests();
  ASSERT_EQ(requests.size(), 2u);
  Params first{{"Action", "DescribeRouteTables"},
               {"Version", "2016-11-15"},
               {"RouteTableId.1", "rtb-1"},
               {"RouteTableId.2", "rtb-2"},
               {"Filter.1.Name", "route.destination-cidr-block"},
               {"Filter.1.Value.1", "192.168.100.10/32"},
               {"Filter.2.Name", "vpc-id"},
               {"Filter.2.Value.1", "vpc-a"},
               {"Filter.2.Value.2", "vpc-b"},
               {"MaxResults", "5"}};
  EXPECT_EQ(paramsOf(requests[0]), first);
  Params second = first;
  second["NextToken"] = "tok/+=2";
  EXPECT_EQ(paramsOf(requests[1]), second);
  EXPECT_NE(requests[0].body.find("Filter.1.Value.1=192.168.100.10%2F32"), std::string::npos);
  EXPECT_NE(requests[1].body.find("NextToken=tok%2F%2B%3D2"), std::string::npos);
  ASSERT_EQ(observer->entries.size(), 2u);  // one record per page
}

TEST_F(Ec2ClientTest, RepeatedNextTokenStops) {
  auto client = makeClient();
  http->setHandler([](const HttpRequest&) -> Result<HttpResponse> {
    return HttpResponse{200,
                        {},
                        "<DescribeVpcsResponse><vpcSet/><nextToken>same</nextToken>"
                        "</DescribeVpcsResponse>"};
  });
  auto vpcs = client->describeVpcs({});
  ASSERT_FALSE(vpcs);
  EXPECT_EQ(vpcs.error().category, ErrorCategory::kInvalid);
  EXPECT_EQ(http->requestCount(), 2u);
}

TEST_F(Ec2ClientTest, RouteMutationsEncoding) {
  auto client = makeClient();
  http->enqueue(200, returnTrue("CreateRoute"));
  ASSERT_TRUE(client->createRoute("rtb-1", "192.168.100.10/32",
                                  RouteTarget{.networkInterfaceId = "eni-1"}));
  EXPECT_EQ(paramsOf(http->lastRequest()), (Params{{"Action", "CreateRoute"},
                                                   {"Version", "2016-11-15"},
                                                   {"RouteTableId", "rtb-1"},
                                                   {"DestinationCidrBlock", "192.168.100.10/32"},
                                                   {"NetworkInterfaceId", "eni-1"}}));

  http->enqueue(200, returnTrue("ReplaceRoute"));
  ASSERT_TRUE(
      client->replaceRoute("rtb-1", "192.168.100.10/32", RouteTarget{.transitGatewayId = "tgw-1"}));
  EXPECT_EQ(paramsOf(http->lastRequest()), (Params{{"Action", "ReplaceRoute"},
                                                   {"Version", "2016-11-15"},
                                                   {"RouteTableId", "rtb-1"},
                                                   {"DestinationCidrBlock", "192.168.100.10/32"},
                                                   {"TransitGatewayId", "tgw-1"}}));

  http->enqueue(200, returnTrue("ReplaceRoute"));
  ASSERT_TRUE(
      client->replaceRoute("rtb-1", "fd00::10/128", RouteTarget{.networkInterfaceId = "eni-2"}));
  EXPECT_EQ(paramsOf(http->lastRequest()), (Params{{"Action", "ReplaceRoute"},
                                                   {"Version", "2016-11-15"},
                                                   {"RouteTableId", "rtb-1"},
                                                   {"DestinationIpv6CidrBlock", "fd00::10/128"},
                                                   {"NetworkInterfaceId", "eni-2"}}));

  http->enqueue(200, returnTrue("DeleteRoute"));
  ASSERT_TRUE(client->deleteRoute("rtb-1", "fd00::10/128"));
  EXPECT_EQ(paramsOf(http->lastRequest()), (Params{{"Action", "DeleteRoute"},
                                                   {"Version", "2016-11-15"},
                                                   {"RouteTableId", "rtb-1"},
                                                   {"DestinationIpv6CidrBlock", "fd00::10/128"}}));
}

TEST_F(Ec2ClientTest, RouteTargetMustBeExactlyOne) {
  auto client = makeClient();
  auto none = client->createRoute("rtb-1", "10.0.0.1/32", RouteTarget{});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().category, ErrorCategory::kInvalid);
  auto both = client->replaceRoute("rtb-1", "10.0.0.1/32", RouteTarget{"eni-1", "tgw-1"});
  ASSERT_FALSE(both);
  auto tgwBoth = client->createTransitGatewayRoute("tgw-rtb-1", "10.0.0.1/32", "att", true);
  ASSERT_FALSE(tgwBoth);
  auto tgwNone = client->replaceTransitGatewayRoute("tgw-rtb-1", "10.0.0.1/32", "", false);
  ASSERT_FALSE(tgwNone);
  EXPECT_EQ(http->requestCount(), 0u);
}

TEST_F(Ec2ClientTest, NetworkInterfaceCalls) {
  auto client = makeClient();
  http->enqueue(200,
                "<DescribeNetworkInterfacesResponse><requestId>r</requestId><networkInterfaceSet>"
                "<item><networkInterfaceId>eni-1</networkInterfaceId><vpcId>vpc-1</vpcId>"
                "<sourceDestCheck>true</sourceDestCheck></item></networkInterfaceSet>"
                "</DescribeNetworkInterfacesResponse>");
  DescribeOptions opts;
  opts.ids = {"eni-1"};
  opts.maxResults = 50;  // EC2 refuses it with ids: not sent
  auto enis = client->describeNetworkInterfaces(opts);
  ASSERT_TRUE(enis);
  ASSERT_EQ(enis->size(), 1u);
  EXPECT_EQ((*enis)[0].vpcId, "vpc-1");
  EXPECT_EQ(paramsOf(http->lastRequest()), (Params{{"Action", "DescribeNetworkInterfaces"},
                                                   {"Version", "2016-11-15"},
                                                   {"NetworkInterfaceId.1", "eni-1"}}));

  http->enqueue(200, returnTrue("ModifyNetworkInterfaceAttribute"));
  ASSERT_TRUE(client->modifyNetworkInterfaceSourceDestCheck("eni-1", false));
  EXPECT_EQ(paramsOf(http->lastRequest()), (Params{{"Action", "ModifyNetworkInterfaceAttribute"},
                                                   {"Version", "2016-11-15"},
                                                   {"NetworkInterfaceId", "eni-1"},
                                                   {"SourceDestCheck.Value", "false"}}));
}

TEST_F(Ec2ClientTest, DescribeListNamesMatchBotocore) {
  // Names checked against botocore's serializer for the EC2 2016-11-15 model.
  auto client = makeClient();
  DescribeOptions opts;
  opts.ids = {"x-1"};
  opts.filters = {{"state", {"available"}}};
  auto expect = [&](std::string action, std::string idParam) {
    Params p{{"Action", action},
             {"Version", "2016-11-15"},
             {"Filter.1.Name", "state"},
             {"Filter.1.Value.1", "available"}};
    if (!idParam.empty()) p[idParam] = "x-1";
    EXPECT_EQ(paramsOf(http->lastRequest()), p) << action;
  };
  http->enqueue(200, "<DescribeVpcsResponse><vpcSet/></DescribeVpcsResponse>");
  ASSERT_TRUE(client->describeVpcs(opts));
  expect("DescribeVpcs", "VpcId.1");
  http->enqueue(200,
                "<DescribeTransitGatewaysResponse><transitGatewaySet/>"
                "</DescribeTransitGatewaysResponse>");
  ASSERT_TRUE(client->describeTransitGateways(opts));
  expect("DescribeTransitGateways", "TransitGatewayIds.1");
  http->enqueue(200,
                "<DescribeTransitGatewayAttachmentsResponse><transitGatewayAttachments/>"
                "</DescribeTransitGatewayAttachmentsResponse>");
  ASSERT_TRUE(client->describeTransitGatewayAttachments(opts));
  expect("DescribeTransitGatewayAttachments", "TransitGatewayAttachmentIds.1");
  http->enqueue(200,
                "<DescribeTransitGatewayVpcAttachmentsResponse><transitGatewayVpcAttachments/>"
                "</DescribeTransitGatewayVpcAttachmentsResponse>");
  ASSERT_TRUE(client->describeTransitGatewayVpcAttachments(opts));
  expect("DescribeTransitGatewayVpcAttachments", "TransitGatewayAttachmentIds.1");
  http->enqueue(200,
                "<DescribeTransitGatewayPeeringAttachmentsResponse>"
                "<transitGatewayPeeringAttachments/>"
                "</DescribeTransitGatewayPeeringAttachmentsResponse>");
  ASSERT_TRUE(client->describeTransitGatewayPeeringAttachments(opts));
  expect("DescribeTransitGatewayPeeringAttachments", "TransitGatewayAttachmentIds.1");
  http->enqueue(200,
                "<DescribeTransitGatewayRouteTablesResponse><transitGatewayRouteTables/>"
                "</DescribeTransitGatewayRouteTablesResponse>");
  ASSERT_TRUE(client->describeTransitGatewayRouteTables(opts));
  expect("DescribeTransitGatewayRouteTables", "TransitGatewayRouteTableIds.1");
  http->enqueue(200,
                "<GetTransitGatewayRouteTableAssociationsResponse><associations/>"
                "</GetTransitGatewayRouteTableAssociationsResponse>");
  ASSERT_TRUE(client->getTransitGatewayRouteTableAssociations("tgw-rtb-9", opts));
  // opts.ids is ignored: the table is the argument.
  EXPECT_EQ(paramsOf(http->lastRequest()),
            (Params{{"Action", "GetTransitGatewayRouteTableAssociations"},
                    {"Version", "2016-11-15"},
                    {"TransitGatewayRouteTableId", "tgw-rtb-9"},
                    {"Filter.1.Name", "state"},
                    {"Filter.1.Value.1", "available"}}));
}

TEST_F(Ec2ClientTest, SearchTransitGatewayRoutesFollowsTokens) {
  auto client = makeClient();
  http->enqueue(200,
                "<SearchTransitGatewayRoutesResponse><requestId>a</requestId><routeSet><item>"
                "<destinationCidrBlock>192.168.100.10/32</destinationCidrBlock><type>static</type>"
                "<state>active</state></item></routeSet><nextToken>n1</nextToken>"
                "<additionalRoutesAvailable>true</additionalRoutesAvailable>"
                "</SearchTransitGatewayRoutesResponse>");
  http->enqueue(200,
                "<SearchTransitGatewayRoutesResponse><requestId>b</requestId><routeSet><item>"
                "<destinationCidrBlock>192.168.100.0/24</destinationCidrBlock>"
                "<type>propagated</type><state>active</state></item></routeSet>"
                "<additionalRoutesAvailable>false</additionalRoutesAvailable>"
                "</SearchTransitGatewayRoutesResponse>");
  auto result = client->searchTransitGatewayRoutes(
      "tgw-rtb-1", {{"route-search.exact-match", {"192.168.100.10/32"}}}, 100);
  ASSERT_TRUE(result) << result.error().describe();
  ASSERT_EQ(result->routes.size(), 2u);
  EXPECT_FALSE(result->additionalRoutesAvailable);
  auto requests = http->requests();
  ASSERT_EQ(requests.size(), 2u);
  Params first{
      {"Action", "SearchTransitGatewayRoutes"},    {"Version", "2016-11-15"},
      {"TransitGatewayRouteTableId", "tgw-rtb-1"}, {"Filter.1.Name", "route-search.exact-match"},
      {"Filter.1.Value.1", "192.168.100.10/32"},   {"MaxResults", "100"}};
  EXPECT_EQ(paramsOf(requests[0]), first);
  first["NextToken"] = "n1";
  EXPECT_EQ(paramsOf(requests[1]), first);
}

TEST_F(Ec2ClientTest, TransitGatewayRouteMutations) {
  auto client = makeClient();
  http->enqueue(200,
                "<CreateTransitGatewayRouteResponse><requestId>r</requestId><route>"
                "<destinationCidrBlock>192.168.100.10/32</destinationCidrBlock></route>"
                "</CreateTransitGatewayRouteResponse>");
  ASSERT_TRUE(
      client->createTransitGatewayRoute("tgw-rtb-1", "192.168.100.10/32", "tgw-attach-1", false));
  EXPECT_EQ(paramsOf(http->lastRequest()),
            (Params{{"Action", "CreateTransitGatewayRoute"},
                    {"Version", "2016-11-15"},
                    {"TransitGatewayRouteTableId", "tgw-rtb-1"},
                    {"DestinationCidrBlock", "192.168.100.10/32"},
                    {"TransitGatewayAttachmentId", "tgw-attach-1"}}));

  http->enqueue(200,
                "<ReplaceTransitGatewayRouteResponse><requestId>r</requestId><route/>"
                "</ReplaceTransitGatewayRouteResponse>");
  ASSERT_TRUE(client->replaceTransitGatewayRoute("tgw-rtb-1", "fd00::10/128", "", true));
  EXPECT_EQ(paramsOf(http->lastRequest()), (Params{{"Action", "ReplaceTransitGatewayRoute"},
                                                   {"Version", "2016-11-15"},
                                                   {"TransitGatewayRouteTableId", "tgw-rtb-1"},
                                                   {"DestinationCidrBlock", "fd00::10/128"},
                                                   {"Blackhole", "true"}}));

  http->enqueue(200,
                "<DeleteTransitGatewayRouteResponse><requestId>r</requestId><route/>"
                "</DeleteTransitGatewayRouteResponse>");
  ASSERT_TRUE(client->deleteTransitGatewayRoute("tgw-rtb-1", "192.168.100.10/32"));
  EXPECT_EQ(paramsOf(http->lastRequest()), (Params{{"Action", "DeleteTransitGatewayRoute"},
                                                   {"Version", "2016-11-15"},
                                                   {"TransitGatewayRouteTableId", "tgw-rtb-1"},
                                                   {"DestinationCidrBlock", "192.168.100.10/32"}}));
}

TEST_F(Ec2ClientTest, PermittedDryRunWriteIsAValue) {
  auto client = makeClient();
  http->enqueue(
      412, ec2Error("DryRunOperation", "Request would have succeeded, but DryRun flag is set."));
  CallOptions call;
  call.dryRun = true;
  auto result = client->replaceRoute("rtb-1", "10.0.0.1/32", RouteTarget{"eni-1", ""}, call);
  ASSERT_TRUE(result) << result.error().describe();
  ASSERT_TRUE(result->dryRun);
  EXPECT_TRUE(result->dryRun->permitted);
  EXPECT_EQ(paramsOf(http->lastRequest())["DryRun"], "true");
  EXPECT_EQ(http->requestCount(), 1u);
}

TEST_F(Ec2ClientTest, DeniedDryRunWriteIsAValueCarryingTheDenial) {
  auto client = makeClient();
  http->enqueue(403, ec2Error("UnauthorizedOperation", "You are not authorized"));
  CallOptions call;
  call.dryRun = true;
  auto result =
      client->createTransitGatewayRoute("tgw-rtb-1", "10.0.0.1/32", "tgw-attach-1", false, call);
  ASSERT_TRUE(result) << result.error().describe();
  ASSERT_TRUE(result->dryRun);
  EXPECT_FALSE(result->dryRun->permitted);
  EXPECT_EQ(result->dryRun->denial.awsCode, "UnauthorizedOperation");
  EXPECT_EQ(result->dryRun->denial.category, ErrorCategory::kPermission);
  EXPECT_EQ(http->requestCount(), 1u);
}

TEST_F(Ec2ClientTest, DryRunWriteKeepsOtherErrors) {
  auto client = makeClient();
  http->enqueue(400, ec2Error("InvalidRouteTableID.NotFound", "no such table"));
  CallOptions call;
  call.dryRun = true;
  auto result = client->replaceRoute("rtb-x", "10.0.0.1/32", RouteTarget{"eni-1", ""}, call);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().category, ErrorCategory::kNotFound);
  // Without DryRun a denial stays an error: the write did not happen.
  http->enqueue(403, ec2Error("UnauthorizedOperation", "You are not authorized"));
  auto real = client->replaceRoute("rtb-1", "10.0.0.1/32", RouteTarget{"eni-1", ""});
  ASSERT_FALSE(real);
  EXPECT_EQ(real.error().awsCode, "UnauthorizedOperation");
}

TEST_F(Ec2ClientTest, RealWriteAckHasNoDryRunVerdict) {
  auto client = makeClient();
  http->enqueue(200,
                "<ReplaceRouteResponse><requestId>r</requestId><return>true</return>"
                "</ReplaceRouteResponse>");
  CallOptions call;
  call.dryRun = true;  // an endpoint that ignores DryRun writes for real
  auto result = client->replaceRoute("rtb-1", "10.0.0.1/32", RouteTarget{"eni-1", ""}, call);
  ASSERT_TRUE(result) << result.error().describe();
  EXPECT_FALSE(result->dryRun);
}

TEST_F(Ec2ClientTest, DryRunReadAnswersPermittedWithNothingAndDeniedWithTheError) {
  auto client = makeClient();
  http->enqueue(
      412, ec2Error("DryRunOperation", "Request would have succeeded, but DryRun flag is set."));
  DescribeOptions opts;
  opts.call.dryRun = true;
  auto permitted = client->describeRouteTables(opts);
  ASSERT_TRUE(permitted) << permitted.error().describe();
  EXPECT_TRUE(permitted->empty());
  EXPECT_EQ(paramsOf(http->lastRequest())["DryRun"], "true");

  http->enqueue(403, ec2Error("UnauthorizedOperation", "You are not authorized"));
  auto denied = client->describeRouteTables(opts);
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().category, ErrorCategory::kPermission);
  EXPECT_EQ(paramsOf(http->lastRequest())["DryRun"], "true");

  http->enqueue(
      412, ec2Error("DryRunOperation", "Request would have succeeded, but DryRun flag is set."));
  auto search = client->searchTransitGatewayRoutes("tgw-rtb-1", {}, 5, opts.call);
  ASSERT_TRUE(search) << search.error().describe();
  EXPECT_TRUE(search->routes.empty());
}

TEST_F(Ec2ClientTest, ErrorsCarryCodeAndRequestIdAndAreNotRetried) {
  auto client = makeClient();
  http->enqueue(400, ec2Error("InvalidRouteTableID.NotFound",
                              "The routeTable ID 'rtb-x' does "
                              "not exist"));
  auto result = client->deleteRoute("rtb-x", "10.0.0.1/32");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().category, ErrorCategory::kNotFound);
  EXPECT_EQ(result.error().awsCode, "InvalidRouteTableID.NotFound");
  EXPECT_EQ(result.error().requestId, "req-InvalidRouteTableID.NotFound");
  EXPECT_EQ(result.error().httpStatus, 400);
  EXPECT_EQ(http->requestCount(), 1u);
  EXPECT_EQ(clock->totalSlept(), 0ms);
  ASSERT_EQ(observer->entries.size(), 1u);
  EXPECT_EQ(observer->entries[0].errorCode, "InvalidRouteTableID.NotFound");
  EXPECT_FALSE(observer->entries[0].ok);
}

// A proxy in front of EC2 that refuses the request and echoes its headers.
TEST_F(Ec2ClientTest, AnEchoedRequestIsMaskedWithTheCredentialsItWasSignedWith) {
  auto provider = std::make_shared<tgwark::testing::ScriptedCredentialsProvider>();
  provider->next = [] {
    Credentials c = tgwark::testing::credentialsNamed("AKIDMARKER");
    c.secretAccessKey = SecretString("SECRETMARKER/abc+def");
    c.sessionToken = SecretString("TOKENMARKER/xyz=");
    return Result<Credentials>(std::move(c));
  };
  Ec2Client client("us-west-2", Endpoint{"https://ec2.us-west-2.amazonaws.com", "us-west-2", ""},
                   provider, http, clock, std::make_shared<FixedRandom>(0.5));
  http->setHandler([](const HttpRequest& request) -> Result<HttpResponse> {
    // Values without their header names, so only the credentials can be
    // what masks them; the secret key, never sent, is echoed as a
    // misbehaving proxy might.
    std::string page = "<html><pre>";
    for (auto& header : request.headers) page += header.second + "\n";
    page += "debug: SECRETMARKER/abc+def</pre></html>";
    return HttpResponse{403, {}, page};
  });
  auto result = client.deleteRoute("rtb-1", "10.0.0.1/32");
  ASSERT_FALSE(result);
  const std::string& message = result.error().message;
  EXPECT_EQ(message.find("MARKER"), std::string::npos) << message;
  EXPECT_NE(message.find("****"), std::string::npos) << message;
}

TEST_F(Ec2ClientTest, ThrottleThenSuccessIsRetriedWithBackoff) {
  auto client = makeClient();
  http->enqueue(503, ec2Error("RequestLimitExceeded", "Request limit exceeded."));
  http->enqueueError(
      Error{ErrorCategory::kRetryable, "connection reset", std::string(kTransportErrorCode)});
  http->enqueue(200, returnTrue("ReplaceRoute"));
  ASSERT_TRUE(client->replaceRoute("rtb-1", "10.0.0.1/32", RouteTarget{"eni-1", ""}));
  EXPECT_EQ(http->requestCount(), 3u);
  EXPECT_EQ(clock->totalSlept(), 1500ms);
  ASSERT_EQ(observer->entries.size(), 1u);
  EXPECT_EQ(observer->entries[0].region, "us-west-2");
  EXPECT_EQ(observer->entries[0].action, "ReplaceRoute");
  EXPECT_EQ(observer->entries[0].attempts, 3);
  EXPECT_TRUE(observer->entries[0].throttled);
  EXPECT_TRUE(observer->entries[0].ok);
  // Each attempt is signed afresh (new date header when time moved).
  auto requests = http->requests();
  EXPECT_NE(findHeader(requests[0].headers, "X-Amz-Date"),
            findHeader(requests[2].headers, "X-Amz-Date"));
}

TEST_F(Ec2ClientTest, DeadlineBoundsRetriesAndAttemptTimeout) {
  auto client = makeClient();
  http->setHandler([](const HttpRequest&) -> Result<HttpResponse> {
    return HttpResponse{503, {}, ec2Error("RequestLimitExceeded")};
  });
  CallOptions call;
  call.deadline = clock->monotonic() + 300ms;
  auto result = client->replaceRoute("rtb-1", "10.0.0.1/32", RouteTarget{"eni-1", ""}, call);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().category, ErrorCategory::kThrottled);
  EXPECT_EQ(http->requestCount(), 1u);  // the 500 ms backoff would cross the deadline
  EXPECT_EQ(http->lastRequest().timeout, 300ms);

  call.deadline = clock->monotonic() - 1ms;
  auto late = client->replaceRoute("rtb-1", "10.0.0.1/32", RouteTarget{"eni-1", ""}, call);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().category, ErrorCategory::kDeadlineExceeded);
  EXPECT_EQ(http->requestCount(), 1u);
}

TEST_F(Ec2ClientTest, QuotaExhaustionSlowsRetryingButDoesNotStopIt) {
  quota = std::make_shared<RetryQuota>(5);
  auto client = makeClient();
  http->enqueue(500, ec2Error("InternalError"));
  http->enqueue(500, ec2Error("InternalError"));
  http->enqueue(500, ec2Error("InternalError"));
  http->enqueue(200, returnTrue("DeleteRoute"));
  CallOptions call;
  call.deadline = clock->monotonic() + std::chrono::seconds{60};
  ASSERT_TRUE(client->deleteRoute("rtb-1", "10.0.0.1/32", call));
  EXPECT_EQ(http->requestCount(), 4u);
  // 0.5 s paid from the quota; the next two at half the 5 s cap.
  EXPECT_EQ(clock->totalSlept(), 500ms + 2500ms + 2500ms);
}

// The failover case: a burst of throttling longer than any fixed attempt
// count, within restore's 300 s budget.
TEST_F(Ec2ClientTest, FiftyThrottledAnswersThenSuccessWithinTheDeadline) {
  auto client = makeClient();
  int calls = 0;
  http->setHandler([&](const HttpRequest&) -> Result<HttpResponse> {
    if (++calls <= 50) return HttpResponse{503, {}, ec2Error("RequestLimitExceeded")};
    return HttpResponse{200, {}, returnTrue("ReplaceRoute")};
  });
  CallOptions call;
  call.deadline = clock->monotonic() + std::chrono::seconds{300};
  auto result = client->replaceRoute("rtb-1", "10.0.0.1/32", RouteTarget{"eni-1", ""}, call);
  ASSERT_TRUE(result) << result.error().describe();
  EXPECT_EQ(calls, 51);
  EXPECT_LT(clock->monotonic(), *call.deadline);
  ASSERT_EQ(observer->entries.size(), 1u);
  EXPECT_EQ(observer->entries[0].attempts, 51);
  EXPECT_TRUE(observer->entries[0].throttled);
}

TEST_F(Ec2ClientTest, EndlessThrottlingEndsAtTheDeadline) {
  auto client = makeClient();
  http->setHandler([](const HttpRequest&) -> Result<HttpResponse> {
    return HttpResponse{503, {}, ec2Error("RequestLimitExceeded")};
  });
  CallOptions call;
  call.deadline = clock->monotonic() + std::chrono::seconds{100};
  auto result = client->describeVpcs(DescribeOptions{{}, {}, std::nullopt, call});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().category, ErrorCategory::kThrottled);
  EXPECT_LE(clock->monotonic(), *call.deadline);
  EXPECT_GT(http->requestCount(), 20u);
}

TEST_F(Ec2ClientTest, PermissionErrorIsOneAttempt) {
  auto client = makeClient();
  http->setHandler([](const HttpRequest&) -> Result<HttpResponse> {
    return HttpResponse{403, {}, ec2Error("UnauthorizedOperation", "not authorized")};
  });
  CallOptions call;
  call.deadline = clock->monotonic() + std::chrono::seconds{300};
  auto result = client->replaceRoute("rtb-1", "10.0.0.1/32", RouteTarget{"eni-1", ""}, call);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().category, ErrorCategory::kPermission);
  EXPECT_EQ(http->requestCount(), 1u);
  EXPECT_EQ(clock->totalSlept(), 0ms);
}

// Answers tgwark cannot read are retried like a 5xx and end, when they
// persist, as a transient error that names itself.
TEST_F(Ec2ClientTest, UnparseableAnswersAreRetriedAsTransient) {
  auto client = makeClient();
  const std::string good =
      "<DescribeRouteTablesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
      "<requestId>r</requestId><routeTableSet><item><routeTableId>rtb-1</routeTableId>"
      "</item></routeTableSet></DescribeRouteTablesResponse>";
  http->enqueue(200, "<html><body>Proxy login</body></html>");
  http->enqueue(200, "<DescribeRouteTablesResponse><routeTableSet><item>");
  http->enqueue(200, "");
  http->enqueue(200, "{\"routeTables\": []}");
  http->enqueue(404, "");
  http->enqueue(200, good);
  CallOptions call;
  call.deadline = clock->monotonic() + std::chrono::seconds{100};
  auto tables = client->describeRouteTables(DescribeOptions{{"rtb-1"}, {}, std::nullopt, call});
  ASSERT_TRUE(tables) << tables.error().describe();
  ASSERT_EQ(tables->size(), 1u);
  EXPECT_EQ(http->requestCount(), 6u);

  http->setHandler([](const HttpRequest&) -> Result<HttpResponse> {
    return HttpResponse{200, {}, "<html>maintenance</html>"};
  });
  auto failed = client->describeRouteTables(DescribeOptions{{"rtb-1"}, {}, std::nullopt, call});
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().category, ErrorCategory::kRetryable);
  EXPECT_EQ(failed.error().awsCode, kUnparseableAnswerCode);
}

TEST_F(Ec2ClientTest, MutationWithAGarbageAnswerIsRetried) {
  auto client = makeClient();
  http->enqueue(200, "<html>gateway</html>");
  http->enqueue(200, returnTrue("ReplaceRoute"));
  CallOptions call;
  call.deadline = clock->monotonic() + std::chrono::seconds{300};
  ASSERT_TRUE(client->replaceRoute("rtb-1", "10.0.0.1/32", RouteTarget{"eni-1", ""}, call));
  EXPECT_EQ(http->requestCount(), 2u);
}

TEST_F(Ec2ClientTest, ThrottlingSlowsLaterRequestsAndRecovers) {
  auto limiter = std::make_shared<AdaptiveRateLimiter>();
  Ec2ClientOptions options;
  options.rateLimiter = limiter;
  Ec2Client client("us-west-2", Endpoint{"https://ec2.us-west-2.amazonaws.com", "us-west-2", ""},
                   credentials, http, clock, std::make_shared<FixedRandom>(0.0), {}, options);
  http->enqueue(503, ec2Error("RequestLimitExceeded"));
  http->enqueue(503, ec2Error("RequestLimitExceeded"));
  http->enqueue(200, returnTrue("DeleteRoute"));
  ASSERT_TRUE(client.deleteRoute("rtb-1", "10.0.0.1/32"));
  ASSERT_TRUE(limiter->enabled());
  // With zero backoff jitter only the limiter made the client wait.
  EXPECT_GT(clock->totalSlept(), 0ms);
  const double throttledRate = limiter->rate();
  EXPECT_LT(throttledRate, 10.0);
  clock->advance(std::chrono::seconds{10});
  http->enqueue(200, returnTrue("DeleteRoute"));
  ASSERT_TRUE(client.deleteRoute("rtb-1", "10.0.0.1/32"));
  EXPECT_GT(limiter->rate(), throttledRate);
}

TEST_F(Ec2ClientTest, ExpiredTokenAsksForCredentialsAgain) {
  auto client = makeClient();
  http->enqueue(400, ec2Error("RequestExpired", "Request has expired."));
  http->enqueue(200, returnTrue("DeleteRoute"));
  ASSERT_TRUE(client->deleteRoute("rtb-1", "10.0.0.1/32"));
  EXPECT_EQ(http->requestCount(), 2u);
  EXPECT_EQ(credentials->calls, 2);
}

// The access key id an EC2 request was signed with.
std::string signedWith(const HttpRequest& request) {
  auto auth = sigv4::parseAuthorization(findHeader(request.headers, "Authorization"));
  return auth ? auth->accessKeyId : "(unsigned)";
}

std::string expiredToken() {
  return ec2Error("ExpiredToken", "The security token included in the request is expired");
}

TEST_F(Ec2ClientTest, ExpiredTokenInvalidatesAnyProviderThroughTheInterface) {
  auto provider = std::make_shared<tgwark::testing::ScriptedCredentialsProvider>();
  provider->next = [] { return Result<Credentials>(tgwark::testing::credentialsNamed("AKID")); };
  Ec2Client client("us-west-2", Endpoint{"https://ec2.us-west-2.amazonaws.com", "us-west-2", ""},
                   provider, http, clock, std::make_shared<FixedRandom>(0.5));
  http->enqueue(200, returnTrue("DeleteRoute"));
  ASSERT_TRUE(client.deleteRoute("rtb-1", "10.0.0.1/32"));
  EXPECT_EQ(provider->invalidations.load(), 0);
  http->enqueue(400, expiredToken());
  http->enqueue(200, returnTrue("DeleteRoute"));
  ASSERT_TRUE(client.deleteRoute("rtb-1", "10.0.0.1/32"));
  EXPECT_EQ(provider->invalidations.load(), 1);
  EXPECT_EQ(provider->calls.load(), 3);
}

// The production default chain over a fake metadata service: after
// ExpiredToken the retry is signed with credentials fetched anew from IMDS,
// not with the cached ones AWS just rejected.
TEST_F(Ec2ClientTest, ExpiredTokenRefetchesInstanceRoleCredentials) {
  auto imdsHttp = std::make_shared<FakeHttpClient>();
  tgwark::testing::FakeImds imds;
  imds.setRole("node-role", "ASIAFIRST", formatIso8601(clock->now() + std::chrono::hours(6)));
  imdsHttp->setHandler(imds.handler());
  auto chain = makeDefaultCredentialsChain(
      {}, tgwark::testing::envOf({{"HOME", "/nonexistent-home"}}), imdsHttp, nullptr, clock);
  Ec2Client client("us-west-2", Endpoint{"https://ec2.us-west-2.amazonaws.com", "us-west-2", ""},
                   chain, http, clock, std::make_shared<FixedRandom>(0.5));

  http->enqueue(200, returnTrue("DeleteRoute"));
  ASSERT_TRUE(client.deleteRoute("rtb-1", "10.0.0.1/32"));
  EXPECT_EQ(signedWith(http->lastRequest()), "ASIAFIRST");

  // The instance role's session was revoked and IMDS now serves new keys,
  // while the cached ones still look fresh for hours.
  imds.setRole("node-role", "ASIASECOND", formatIso8601(clock->now() + std::chrono::hours(6)));
  http->enqueue(400, expiredToken());
  http->enqueue(200, returnTrue("DeleteRoute"));
  ASSERT_TRUE(client.deleteRoute("rtb-1", "10.0.0.1/32"));
  auto requests = http->requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(signedWith(requests[1]), "ASIAFIRST");
  EXPECT_EQ(signedWith(requests[2]), "ASIASECOND");
}

// A region's role credentials behind their own cache: after ExpiredToken
// STS is asked again.
TEST_F(Ec2ClientTest, ExpiredTokenAssumesTheRoleAgain) {
  auto stsHttp = std::make_shared<FakeHttpClient>();
  const std::string expiry = formatIso8601(clock->now() + std::chrono::hours(1));
  stsHttp->enqueue(200, tgwark::testing::assumeRoleResponse("ASIAROLE1", expiry));
  stsHttp->enqueue(200, tgwark::testing::assumeRoleResponse("ASIAROLE2", expiry));
  AssumeRoleOptions assume;
  assume.roleArn = "arn:aws:iam::111122223333:role/tgw-routes";
  assume.region = "us-west-2";
  auto role = std::make_shared<CachedCredentialsProvider>(
      std::make_shared<StsAssumeRoleProvider>(assume, credentials, stsHttp, clock,
                                              tgwark::testing::envOf({})),
      clock);
  Ec2Client client("us-west-2", Endpoint{"https://ec2.us-west-2.amazonaws.com", "us-west-2", ""},
                   role, http, clock, std::make_shared<FixedRandom>(0.5));

  http->enqueue(200, returnTrue("DeleteRoute"));
  ASSERT_TRUE(client.deleteRoute("rtb-1", "10.0.0.1/32"));
  http->enqueue(200, returnTrue("DeleteRoute"));
  ASSERT_TRUE(client.deleteRoute("rtb-1", "10.0.0.1/32"));
  EXPECT_EQ(stsHttp->requestCount(), 1u);  // cached between calls

  http->enqueue(400, expiredToken());
  http->enqueue(200, returnTrue("DeleteRoute"));
  ASSERT_TRUE(client.deleteRoute("rtb-1", "10.0.0.1/32"));
  EXPECT_EQ(stsHttp->requestCount(), 2u);
  auto requests = http->requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(signedWith(requests[2]), "ASIAROLE1");
  EXPECT_EQ(signedWith(requests[3]), "ASIAROLE2");
}

TEST_F(Ec2ClientTest, MissingCredentialsIsAPermissionErrorWithoutARequest) {
  credentials->fail = true;
  auto client = makeClient();
  auto result = client->describeVpcs({});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().category, ErrorCategory::kPermission);
  EXPECT_EQ(http->requestCount(), 0u);
}

TEST_F(Ec2ClientTest, MalformedSuccessBodyIsTransient) {
  auto client = makeClient();
  http->enqueue(200, "<DescribeRouteTablesResponse><routeTableSet><item>");
  auto result = client->describeRouteTables({});
  ASSERT_FALSE(result);  // no deadline: the standard three attempts, the fake's queue ran dry
  http->setHandler([](const HttpRequest&) -> Result<HttpResponse> {
    return HttpResponse{200, {}, ""};
  });
  auto empty = client->deleteRoute("rtb-1", "10.0.0.1/32");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().category, ErrorCategory::kRetryable);
  EXPECT_EQ(empty.error().awsCode, kUnparseableAnswerCode);
}

// A node clock 20 minutes slow: EC2 answers RequestExpired with its own time
// in the Date header; the client signs with that time from then on, retries
// and succeeds, and later calls need no correction.
TEST_F(Ec2ClientTest, ClockSkewIsCorrectedFromTheServerDate) {
  auto client = makeClient();
  const WallTime serverNow = clock->now() + std::chrono::minutes{20};
  std::vector<std::string> signedDates;
  http->setHandler([&](const HttpRequest& request) -> Result<HttpResponse> {
    std::string amzDate(findHeader(request.headers, "X-Amz-Date"));
    signedDates.push_back(amzDate);
    // The signing time as an ISO 8601 time: 20150830T123600Z.
    std::string iso = amzDate.substr(0, 4) + "-" + amzDate.substr(4, 2) + "-" +
                      amzDate.substr(6, 2) + "T" + amzDate.substr(9, 2) + ":" +
                      amzDate.substr(11, 2) + ":" + amzDate.substr(13, 2) + "Z";
    auto signedAt = parseIso8601(iso);
    const Headers date = {{"Date", formatHttpDate(serverNow)}};
    if (!signedAt || std::chrono::abs(*signedAt - serverNow) > std::chrono::minutes{15}) {
      return HttpResponse{
          400, date, ec2Error("RequestExpired", "Request has expired. Timestamp date is " + iso)};
    }
    return HttpResponse{200, date, returnTrue("DeleteRoute")};
  });
  CallOptions call;
  call.deadline = clock->monotonic() + std::chrono::seconds{100};
  auto result = client->deleteRoute("rtb-1", "10.0.0.1/32", call);
  ASSERT_TRUE(result) << result.error().describe();
  ASSERT_EQ(signedDates.size(), 2u);
  EXPECT_EQ(client->clockSkew(), std::chrono::minutes{20});
  ASSERT_TRUE(client->deleteRoute("rtb-1", "10.0.0.1/32", call));
  EXPECT_EQ(signedDates.size(), 3u);  // no further rejection
}

// A signature error that is not about time is not "corrected" and not
// retried, even when the server's clock differs.
TEST_F(Ec2ClientTest, SignatureErrorWithoutTimeTextIsNotASkew) {
  auto client = makeClient();
  const Headers date = {{"Date", formatHttpDate(clock->now() + std::chrono::minutes{30})}};
  http->setHandler([&](const HttpRequest&) -> Result<HttpResponse> {
    return HttpResponse{403, date,
                        ec2Error("SignatureDoesNotMatch",
                                 "The request signature we calculated does not match the "
                                 "signature you provided.")};
  });
  CallOptions call;
  call.deadline = clock->monotonic() + std::chrono::seconds{100};
  auto result = client->deleteRoute("rtb-1", "10.0.0.1/32", call);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().category, ErrorCategory::kPermission);
  EXPECT_EQ(http->requestCount(), 1u);
  EXPECT_EQ(client->clockSkew(), 0ms);
}

TEST(QueryEncodingTest, EncodesLikeSigV4AndRoundTrips) {
  QueryParams params("DescribeVpcs", "2016-11-15");
  params.addFilters({{"tag:Name", {"a b", "c&d"}}}).addList("VpcId", {"vpc-1"});
  EXPECT_EQ(params.encode(),
            "Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=tag%3AName&"
            "Filter.1.Value.1=a%20b&Filter.1.Value.2=c%26d&VpcId.1=vpc-1");
  EXPECT_EQ(parseFormBody("a=b+c%2Bd&e"),
            (std::vector<std::pair<std::string, std::string>>{{"a", "b c+d"}, {"e", ""}}));
  auto parsed = parseFormBody(params.encode());
  ASSERT_EQ(parsed.size(), params.params().size());
  EXPECT_EQ(parsed, params.params());
}

}  // namespace
}  // namespace tgwark::aws
