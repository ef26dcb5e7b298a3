#include "aws/aws_error.h"

#include <gtest/gtest.h>

#include "aws/ec2_api.h"

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
  EXPECT_TRUE(error.awsCode.empty());
  EXPECT_EQ(error.requestId, "hdr-id");
  EXPECT_NE(error.message.find("HTTP 502"), std::string::npos);
  EXPECT_EQ(error.message.find('\n'), std::string::npos);
}

TEST(AwsErrorTest, EmptyBodyAndTruncatedXml) {
  Error empty = parseAwsError(HttpResponse{403, {}, ""});
  EXPECT_EQ(empty.category, ErrorCategory::kPermission);
  EXPECT_NE(empty.message.find("HTTP 403"), std::string::npos);

  Error truncated = parseAwsError(HttpResponse{400, {}, "<Response><Errors><Error><Code>Inv"});
  EXPECT_EQ(truncated.category, ErrorCategory::kInvalid);
  EXPECT_NE(truncated.message.find("HTTP 400"), std::string::npos);

  Error noCode = parseAwsError(HttpResponse{500, {}, "<Response><Errors/></Response>"});
  EXPECT_EQ(noCode.category, ErrorCategory::kRetryable);
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
        CodeCase{"", 404, ErrorCategory::kNotFound}, CodeCase{"", 400, ErrorCategory::kInvalid}));

TEST(AwsErrorTest, ExpiredCredentialsCodes) {
  EXPECT_TRUE(isExpiredCredentialsCode("ExpiredToken"));
  EXPECT_TRUE(isExpiredCredentialsCode("RequestExpired"));
  EXPECT_FALSE(isExpiredCredentialsCode("AuthFailure"));
}

}  // namespace
}  // namespace tgwark::aws
