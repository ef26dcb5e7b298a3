// The STS AssumeRole call: request encoding and signing, endpoint
// resolution, response and error parsing.
#include <map>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "aws/sigv4.h"
#include "aws/sts.h"
#include "support/fake_credentials.h"
#include "support/fake_http_client.h"

namespace tgwark::aws {
namespace {

using tgwark::testing::envOf;
using tgwark::testing::FakeHttpClient;

std::string assumeRoleXml(std::string_view expiration, std::string_view key = "ASIAASSUMED") {
  return fmt::format(R"(<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::111122223333:assumed-role/tgw-routes/tgwark</Arn>
      <AssumedRoleId>AROA:tgwark</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>{}</AccessKeyId>
      <SecretAccessKey>assumed-secret</SecretAccessKey>
      <SessionToken>assumed-token</SessionToken>
      <Expiration>{}</Expiration>
    </Credentials>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleResponse>)",
                     key, expiration);
}

constexpr const char* kRole = "arn:aws:iam::111122223333:role/tgw-routes";

Credentials sourceCredentials() {
  Credentials c;
  c.accessKeyId = "AKIDSOURCE";
  c.secretAccessKey = SecretString("source-secret");
  c.source = "environment";
  return c;
}

TEST(Sts, EndpointResolution) {
  AssumeRoleOptions o;
  o.region = "eu-west-1";
  EXPECT_EQ(resolveStsEndpoint(o, envOf({})), "https://sts.eu-west-1.amazonaws.com/");
  o.region = "cn-north-1";
  EXPECT_EQ(resolveStsEndpoint(o, envOf({})), "https://sts.cn-north-1.amazonaws.com.cn/");
  EXPECT_EQ(resolveStsEndpoint(o, envOf({{"AWS_ENDPOINT_URL", "http://127.0.0.1:9/"}})),
            "http://127.0.0.1:9/");
  EXPECT_EQ(resolveStsEndpoint(o, envOf({{"AWS_ENDPOINT_URL", "http://127.0.0.1:9"},
                                         {"AWS_ENDPOINT_URL_STS", "http://sts.local"}})),
            "http://sts.local/");
  o.endpointUrl = "http://explicit:1";
  EXPECT_EQ(resolveStsEndpoint(o, envOf({})), "http://explicit:1/");
  EXPECT_EQ(resolveStsEndpoint(o, envOf({{"AWS_ENDPOINT_URL_STS", "http://sts.local"}})),
            "http://sts.local/");
}

TEST(Sts, BodyCarriesOptionalParameters) {
  AssumeRoleOptions o;
  o.roleArn = kRole;
  o.roleSessionName = "ha node";
  EXPECT_EQ(assumeRoleBody(o, WallTime{}),
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%"
            "3Arole%2Ftgw-routes&RoleSessionName=ha%20node");
  o.durationSeconds = 3600;
  o.externalId = "ext/1";
  EXPECT_TRUE(assumeRoleBody(o, WallTime{}).ends_with("&DurationSeconds=3600&ExternalId=ext%2F1"));
  o.roleSessionName.clear();
  EXPECT_NE(assumeRoleBody(o, WallTime{std::chrono::seconds{1440938160}})
                .find("RoleSessionName=tgwark-1440938160"),
            std::string::npos);
}

TEST(Sts, AssumeRoleSignsWithSourceAndParsesCredentials) {
  FakeHttpClient http;
  http.enqueue(200, assumeRoleXml("2015-08-30T13:36:00Z"));
  AssumeRoleOptions o;
  o.roleArn = kRole;
  o.region = "us-west-2";
  const WallTime now{std::chrono::seconds{1440938160}};
  auto creds = assumeRole(http, sourceCredentials(), o, envOf({}), now);
  ASSERT_TRUE(creds.has_value()) << creds.error().describe();
  EXPECT_EQ(creds->accessKeyId, "ASIAASSUMED");
  EXPECT_TRUE(creds->secretAccessKey ==
              SecretString("assumed-secret"));                        // no secret in failure output
  EXPECT_TRUE(creds->sessionToken == SecretString("assumed-token"));  // no secret in failure output
  EXPECT_EQ(creds->expiration, now + std::chrono::hours(1));
  EXPECT_EQ(creds->source, std::string("assume-role:") + kRole);

  HttpRequest sent = http.lastRequest();
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.url, "https://sts.us-west-2.amazonaws.com/");
  EXPECT_TRUE(sent.body.starts_with("Action=AssumeRole&Version=2011-06-15&RoleArn="));
  auto auth = sigv4::parseAuthorization(findHeader(sent.headers, "Authorization"));
  ASSERT_TRUE(auth.has_value());
  EXPECT_EQ(auth->accessKeyId, "AKIDSOURCE");
  EXPECT_EQ(auth->service, "sts");
  EXPECT_EQ(auth->region, "us-west-2");
  // The server side accepts it with the source secret: signed, body included.
  EXPECT_TRUE(sigv4::verify(sent, SecretString("source-secret")).has_value());
}

TEST(Sts, ErrorResponseIsCategorized) {
  FakeHttpClient http;
  http.enqueue(403, R"(<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>AccessDenied</Code>
  <Message>User: arn:aws:iam::1:user/x is not authorized to perform: sts:AssumeRole</Message></Error>
  <RequestId>req-123</RequestId></ErrorResponse>)");
  AssumeRoleOptions o;
  o.roleArn = kRole;
  auto creds = assumeRole(http, sourceCredentials(), o, envOf({}), WallTime{});
  ASSERT_FALSE(creds.has_value());
  EXPECT_EQ(creds.error().category, ErrorCategory::kPermission);
  EXPECT_EQ(creds.error().awsCode, "AccessDenied");
  EXPECT_EQ(creds.error().requestId, "req-123");
  EXPECT_EQ(creds.error().httpStatus, 403);
  EXPECT_NE(creds.error().message.find(kRole), std::string::npos);
  EXPECT_EQ(creds.error().describe().find("source-secret"), std::string::npos);

  http.enqueue(400,
               "<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message>"
               "</Error><RequestId>r</RequestId></ErrorResponse>");
  auto throttled = assumeRole(http, sourceCredentials(), o, envOf({}), WallTime{});
  ASSERT_FALSE(throttled.has_value());
  EXPECT_EQ(throttled.error().category, ErrorCategory::kThrottled);
}

TEST(Sts, MalformedResponses) {
  EXPECT_EQ(parseAssumeRoleResponse("not xml <", kRole).error().category, ErrorCategory::kInvalid);
  EXPECT_EQ(parseAssumeRoleResponse("<AssumeRoleResponse/>", kRole).error().category,
            ErrorCategory::kInvalid);
  auto badTime = parseAssumeRoleResponse(assumeRoleXml("tomorrow"), kRole);
  ASSERT_FALSE(badTime.has_value());
  EXPECT_NE(badTime.error().message.find("Expiration"), std::string::npos);
}

TEST(Sts, TransportErrorKeepsCategory) {
  FakeHttpClient http;
  http.enqueueError(Error{ErrorCategory::kRetryable, "connection refused"});
  AssumeRoleOptions o;
  o.roleArn = kRole;
  auto creds = assumeRole(http, sourceCredentials(), o, envOf({}), WallTime{});
  ASSERT_FALSE(creds.has_value());
  EXPECT_EQ(creds.error().category, ErrorCategory::kRetryable);
}

}  // namespace
}  // namespace tgwark::aws
