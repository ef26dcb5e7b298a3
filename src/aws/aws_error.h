// Turning AWS error responses into tgwark::Error: parses the EC2 Query error
// body and the STS/IAM one, and maps AWS error codes to the ErrorCategory that
// tells callers whether to retry, give up, re-plan or report a conflict.
#pragma once

#include <span>
#include <string_view>

#include "aws/http_client.h"
#include "common/error.h"

namespace tgwark::aws {

// Category of an AWS error code (HTTP status used for codes not known here).
// Without a code the answer did not come from AWS's error machinery (a proxy,
// a load balancer, a truncated body): 429 is throttling, anything else is
// kRetryable — a 404 or 403 without an AWS error body is not evidence that
// something does not exist or is denied.
//  - throttling codes                          -> kThrottled
//  - InternalError, ServiceUnavailable, any unknown 5xx, ... -> kRetryable
//  - *.NotFound                                -> kNotFound
//  - *.Malformed, InvalidParameter*, ...       -> kInvalid
//  - UnauthorizedOperation, AuthFailure, ...   -> kPermission. ExpiredToken and
//    RequestExpired are kPermission too; the retry layer retries them once
//    after asking the credentials provider again (see isExpiredCredentialsCode).
//  - RouteAlreadyExists, InvalidRoute.NotFound, IncorrectState -> kStale: the
//    state changed underneath; re-read and re-plan (a create/replace race)
//  - DependencyViolation, *.Duplicate, ... -> kConflict
//  - DryRunOperation -> kInvalid (never retried); Ec2Client turns it into a
//    "permitted" DryRunVerdict (ec2_api.h).
ErrorCategory categorizeAwsCode(std::string_view code, int httpStatus);

// Codes meaning "the credentials used have expired": worth one retry with
// freshly fetched credentials.
bool isExpiredCredentialsCode(std::string_view code);

// Whether an error answer says the request's signing time is too far from
// the server's (RequestTimeTooSkewed, RequestExpired, RequestInTheFuture, or
// a signature/auth failure whose message talks about time or expiry): the
// codes the AWS SDKs treat as clock-skew candidates. The caller confirms
// with the server's Date header before correcting anything.
bool isClockSkewCandidate(const Error& error);

// Parses an error response (any non-2xx). Handles
//   <Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>  (EC2)
//   <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>  (STS, IAM)
// and falls back to a message naming the HTTP status when the body is empty or
// not one of these (a proxy's HTML page, a truncated body, a redirect): such
// an answer gets awsCode kUnparseableAnswerCode and is kRetryable (kThrottled
// for 429). Never throws. Text quoted from the body (an EC2 Message, an
// excerpt of an unrecognised body) is bounded and escaped, with the values of
// credential headers (Authorization, X-Amz-Security-Token) masked, since an
// intermediary's error page may echo the request's headers, and every
// occurrence of `secrets` (pass the credentials the request was signed with)
// masked too.
Error parseAwsError(const HttpResponse& response, std::span<const std::string_view> secrets = {});

}  // namespace tgwark::aws
