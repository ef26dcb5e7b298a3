#include "aws/aws_error.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <array>
#include <string>

#include "aws/ec2_api.h"
#include "aws/http_client.h"

namespace tgwark::aws {
namespace {

TEST(AwsErrorTest, ParsesEc2ErrorBody) {
  HttpResponse response{400,
                        {},
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                        "<Response><Errors><Error><Code>InvalidRouteTableID.NotFound</Code>"
                        "<Message>The routeTable ID 'rtb-1234' does not exist</Message></Error>"
                        "</Errors><RequestID>ea966190-f9aa-478e-9ede-example</RequestID>"
                        "</Response>"};
  Error error = parseAwsError(response);
  EXPECT_EQ(error.awsCode, "InvalidRouteTableID.NotFound");
  EXPECT_EQ(error.requestId, "ea966190-f9aa-478e-9ede-example");
  EXPECT_EQ(error.httpStatus, 400);
  EXPECT_EQ(error.category, ErrorCategory::kNotFound);
  EXPECT_NE(error.message.find("does not exist"), std::string::npos);
}

TEST(AwsErrorTest, ParsesStsErrorBody) {
  HttpResponse response{
      403,
      {},
      "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
      "<Error><Type>Sender</Type><Code>AccessDenied</Code>"
      "<Message>User: arn:aws:iam::123456789012:user/x is not authorized to perform: "
      "sts:AssumeRole</Message></Error>"
      "<RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ErrorResponse>"};
  Error error = parseAwsError(response);
  EXPECT_EQ(error.awsCode, "AccessDenied");
  EXPECT_EQ(error.requestId, "c6104cbe-af31-11e0-8154-cbc7ccf896c7");
  EXPECT_EQ(error.category, ErrorCategory::kPermission);
  EXPECT_NE(error.message.find("sts:AssumeRole"), std::string::npos);
}

TEST(AwsErrorTest, ThrottlingBodyIsThrottled) {
  HttpResponse response{503,
                        {},
                        "<Response><Errors><Error><Code>RequestLimitExceeded</Code>"
                        "<Message>Request limit exceeded.</Message></Error></Errors>"
                        "<RequestID>r1</RequestID></Response>"};
  Error error = parseAwsError(response);
  EXPECT_EQ(error.category, ErrorCategory::kThrottled);
  EXPECT_TRUE(error.retryable());
}

TEST(AwsErrorTest, UnparseableBodyNamesStatus) {
  HttpResponse response{502, {{"x-amzn-RequestId", "hdr-id"}}, "<html><body>Bad Gateway\n</body>"};
  Error error = parseAwsError(response);
  EXPECT_EQ(error.category, ErrorCategory::kRetryable);
  EXPECT_EQ(error.awsCode, kUnparseableAnswerCode);
  EXPECT_EQ(error.requestId, "hdr-id");
  EXPECT_NE(error.message.find("HTTP 502"), std::string::npos);
  EXPECT_EQ(error.message.find('\n'), std::string::npos);
}

// A status without an AWS error body is not AWS's verdict on anything: a
// proxy's 404 must not read as "the ENI does not exist", nor a 403 page as a
// denial, nor a redirect as a rejected request. All are transient, and the
// message says so.
TEST(AwsErrorTest, AnswersWithoutAnAwsErrorBodyAreTransient) {
  struct Case {
    int status;
    const char* body;
  };
  for (const Case& c :
       {Case{404, ""}, Case{403, ""}, Case{400, "<Response><Errors><Error><Code>Inv"},
        Case{302, ""}, Case{301, "<html>Moved</html>"}, Case{404, "{\"message\":\"not found\"}"},
        Case{400, "<Response><Errors/></Response>"}}) {
    Error error = parseAwsError(HttpResponse{c.status, {}, c.body});
    EXPECT_EQ(error.category, ErrorCategory::kRetryable) << c.status << " " << c.body;
    EXPECT_EQ(error.awsCode, kUnparseableAnswerCode) << c.status << " " << c.body;
    EXPECT_NE(error.message.find(fmt::format("HTTP {}", c.status)), std::string::npos);
    EXPECT_NE(error.message.find("not an AWS answer"), std::string::npos) << error.message;
  }
  Error tooMany = parseAwsError(HttpResponse{429, {}, ""});
  EXPECT_EQ(tooMany.category, ErrorCategory::kThrottled);
  Error noCode = parseAwsError(HttpResponse{500, {}, "<Response><Errors/></Response>"});
  EXPECT_EQ(noCode.category, ErrorCategory::kRetryable);
}

TEST(AwsErrorTest, ClockSkewCandidates) {
  auto error = [](const char* code, const char* message) {
    return Error{ErrorCategory::kPermission, message, code, "", 400};
  };
  EXPECT_TRUE(isClockSkewCandidate(error("RequestTimeTooSkewed", "too skewed")));
  EXPECT_TRUE(isClockSkewCandidate(
      error("RequestExpired", "Request has expired. Timestamp date is 2026-01-01T00:00:00Z")));
  EXPECT_TRUE(isClockSkewCandidate(error("RequestInTheFuture", "in the future")));
  EXPECT_TRUE(isClockSkewCandidate(
      error("SignatureDoesNotMatch", "Signature expired: 20260101T000000Z is now earlier than")));
  EXPECT_TRUE(isClockSkewCandidate(error("AuthFailure", "Signature not yet current")));
  // The same codes about the key or the signature itself are not about time.
  EXPECT_FALSE(
      isClockSkewCandidate(error("SignatureDoesNotMatch",
                                 "The request signature we calculated does not match the signature "
                                 "you provided. Check your AWS Secret Access Key")));
  EXPECT_FALSE(isClockSkewCandidate(error("AuthFailure",
                                          "AWS was not able to validate the "
                                          "provided access credentials")));
  EXPECT_FALSE(isClockSkewCandidate(error("UnauthorizedOperation", "expired")));
}

TEST(AwsErrorTest, DryRunOperationIsRecognised) {
  Error error = parseAwsError(HttpResponse{
      412,
      {},
      "<Response><Errors><Error><Code>DryRunOperation</Code><Message>Request would have "
      "succeeded, but DryRun flag is set.</Message></Error></Errors><RequestID>d</RequestID>"
      "</Response>"});
  EXPECT_TRUE(isDryRunSuccess(error));
  EXPECT_FALSE(error.retryable());
  Error denied = parseAwsError(HttpResponse{
      403,
      {},
      "<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>no</Message>"
      "</Error></Errors><RequestID>d</RequestID></Response>"});
  EXPECT_FALSE(isDryRunSuccess(denied));
}

struct CodeCase {
  const char* code;
  int status;
  ErrorCategory expected;
};

class CategorizeTest : public ::testing::TestWithParam<CodeCase> {};

TEST_P(CategorizeTest, MapsCode) {
  EXPECT_EQ(categorizeAwsCode(GetParam().code, GetParam().status), GetParam().expected)
      << GetParam().code << " " << GetParam().status;
}

INSTANTIATE_TEST_SUITE_P(
    Codes, CategorizeTest,
    ::testing::Values(
        CodeCase{"RequestLimitExceeded", 503, ErrorCategory::kThrottled},
        CodeCase{"Throttling", 400, ErrorCategory::kThrottled},
        CodeCase{"ThrottlingException", 400, ErrorCategory::kThrottled},
        CodeCase{"RequestThrottled", 400, ErrorCategory::kThrottled},
        CodeCase{"TooManyRequestsException", 400, ErrorCategory::kThrottled},
        CodeCase{"ProvisionedThroughputExceeded", 400, ErrorCategory::kThrottled},
        CodeCase{"SlowDown", 503, ErrorCategory::kThrottled},
        CodeCase{"PriorRequestNotComplete", 400, ErrorCategory::kThrottled},
        CodeCase{"EC2ThrottledException", 400, ErrorCategory::kThrottled},
        CodeCase{"RequestThrottledException", 400, ErrorCategory::kThrottled},
        CodeCase{"BandwidthLimitExceeded", 400, ErrorCategory::kThrottled},
        CodeCase{"InternalError", 500, ErrorCategory::kRetryable},
        CodeCase{"InternalFailure", 500, ErrorCategory::kRetryable},
        CodeCase{"ServiceUnavailable", 503, ErrorCategory::kRetryable},
        CodeCase{"Unavailable", 503, ErrorCategory::kRetryable},
        CodeCase{"RequestTimeout", 400, ErrorCategory::kRetryable},
        CodeCase{"RequestTimeoutException", 400, ErrorCategory::kRetryable},
        CodeCase{"IDPCommunicationError", 400, ErrorCategory::kRetryable},
        CodeCase{"SomethingNew", 503, ErrorCategory::kRetryable},
        CodeCase{"InvalidRouteTableID.NotFound", 400, ErrorCategory::kNotFound},
        CodeCase{"InvalidRoute.NotFound", 400, ErrorCategory::kStale},
        CodeCase{"InvalidTransitGatewayAttachmentID.NotFound", 400, ErrorCategory::kNotFound},
        CodeCase{"InvalidRouteTableId.Malformed", 400, ErrorCategory::kInvalid},
        CodeCase{"UnauthorizedOperation", 403, ErrorCategory::kPermission},
        CodeCase{"AuthFailure", 401, ErrorCategory::kPermission},
        CodeCase{"AccessDenied", 403, ErrorCategory::kPermission},
        CodeCase{"OptInRequired", 401, ErrorCategory::kPermission},
        CodeCase{"SignatureDoesNotMatch", 403, ErrorCategory::kPermission},
        CodeCase{"InvalidClientTokenId", 403, ErrorCategory::kPermission},
        CodeCase{"ExpiredToken", 400, ErrorCategory::kPermission},
        CodeCase{"RequestExpired", 400, ErrorCategory::kPermission},
        CodeCase{"RouteAlreadyExists", 400, ErrorCategory::kStale},
        CodeCase{"IncorrectState", 400, ErrorCategory::kStale},
        CodeCase{"InvalidRouteTableID.Duplicate", 400, ErrorCategory::kConflict},
        CodeCase{"DependencyViolation", 400, ErrorCategory::kConflict},
        CodeCase{"InvalidPermission.Duplicate", 400, ErrorCategory::kConflict},
        CodeCase{"IncorrectInstanceState", 400, ErrorCategory::kConflict},
        CodeCase{"InvalidParameterValue", 400, ErrorCategory::kInvalid},
        CodeCase{"InvalidParameterCombination", 400, ErrorCategory::kInvalid},
        CodeCase{"MissingParameter", 400, ErrorCategory::kInvalid},
        CodeCase{"ValidationError", 400, ErrorCategory::kInvalid},
        CodeCase{"InvalidAction", 400, ErrorCategory::kInvalid},
        CodeCase{"", 429, ErrorCategory::kThrottled}, CodeCase{"", 500, ErrorCategory::kRetryable},
        CodeCase{"", 404, ErrorCategory::kRetryable}, CodeCase{"", 400, ErrorCategory::kRetryable},
        CodeCase{"", 403, ErrorCategory::kRetryable},
        CodeCase{"SomethingNew", 404, ErrorCategory::kNotFound},
        CodeCase{"SomethingNew", 400, ErrorCategory::kInvalid}));

TEST(AwsErrorTest, ExpiredCredentialsCodes) {
  EXPECT_TRUE(isExpiredCredentialsCode("ExpiredToken"));
  EXPECT_TRUE(isExpiredCredentialsCode("RequestExpired"));
  EXPECT_FALSE(isExpiredCredentialsCode("AuthFailure"));
}

// An intermediary's error page that echoes the request it refused.
std::string echoPage(std::string_view headers) {
  return "<html><body><h1>403 Forbidden</h1><pre>POST / HTTP/1.1\r\n" + std::string(headers) +
         "</pre></body></html>";
}

TEST(AwsErrorTest, UnrecognisedBodyExcerptMasksCredentialHeaders) {
  Error error = parseAwsError(HttpResponse{
      403,
      {},
      echoPage("Authorization: AWS4-HMAC-SHA256 Credential=AKIDMARK/20260101/us-east-1/ec2/"
               "aws4_request\r\nX-Amz-Security-Token: TOKENMARK\r\n")});
  EXPECT_EQ(error.message.find("AKIDMARK"), std::string::npos) << error.message;
  EXPECT_EQ(error.message.find("TOKENMARK"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("Authorization: ****"), std::string::npos) << error.message;
}

TEST(AwsErrorTest, HeaderMaskingCoversQueryAndJsonShapesInAnyCase) {
  Error query = parseAwsError(
      HttpResponse{400, {}, "bad request: /?X-Amz-Security-Token=TOKENMARK&Action=x"});
  EXPECT_EQ(query.message.find("TOKENMARK"), std::string::npos) << query.message;
  EXPECT_NE(query.message.find("&Action=x"), std::string::npos) << query.message;
  Error json = parseAwsError(HttpResponse{400, {}, R"({"headers": {"authorization": "SIGMARK"}})"});
  EXPECT_EQ(json.message.find("SIGMARK"), std::string::npos) << json.message;
}

TEST(AwsErrorTest, ProseAboutAuthorizationIsNotMasked) {
  Error error = parseAwsError(HttpResponse{
      403,
      {},
      "<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not "
      "authorized. Encoded authorization failure message: ENCODED</Message></Error>"
      "</Errors></Response>"});
  EXPECT_NE(error.message.find("authorization failure message: ENCODED"), std::string::npos)
      << error.message;
}

TEST(AwsErrorTest, TheCallersSecretsAreMaskedWhereverTheyAppear) {
  const std::array<std::string_view, 2> secrets = {"SECRETMARK/x+y", "TOKENMARK"};
  Error body = parseAwsError(
      HttpResponse{502, {}, "upstream said: SECRETMARK/x+y and SECRETMARK%2Fx%2By and TOKENMARK"},
      secrets);
  EXPECT_EQ(body.message.find("SECRETMARK"), std::string::npos) << body.message;
  EXPECT_EQ(body.message.find("TOKENMARK"), std::string::npos) << body.message;
  Error ec2 =
      parseAwsError(HttpResponse{400,
                                 {},
                                 "<Response><Errors><Error><Code>AuthFailure</Code><Message>token "
                                 "TOKENMARK is bad</Message></Error></Errors></Response>"},
                    secrets);
  EXPECT_EQ(ec2.awsCode, "AuthFailure");
  EXPECT_EQ(ec2.message, "AuthFailure: token **** is bad");
}

TEST(AwsErrorTest, QuotedTextIsEscapedAndBounded) {
  Error error =
      parseAwsError(HttpResponse{500, {}, "line1\n\x1b[2Jline2" + std::string(5000, 'z')});
  EXPECT_EQ(error.message.find('\n'), std::string::npos);
  EXPECT_EQ(error.message.find('\x1b'), std::string::npos);
  EXPECT_NE(error.message.find("line1\\n\\x1b[2Jline2"), std::string::npos) << error.message;
  EXPECT_LT(error.message.size(), 400u);
  Error longMessage = parseAwsError(
      HttpResponse{400,
                   {},
                   "<Response><Errors><Error><Code>InvalidParameterValue</Code><Message>" +
                       std::string(1 << 20, 'm') + "</Message></Error></Errors></Response>"});
  EXPECT_LT(longMessage.message.size(), 2200u);
}

}  // namespace
}  // namespace tgwark::aws
