#include "aws/aws_error.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include <fmt/format.h>
#include <pugixml.hpp>

namespace tgwark::aws {
namespace {

constexpr std::array<std::string_view, 11> kThrottlingCodes = {
    "RequestLimitExceeded",
    "Throttling",
    "ThrottlingException",
    "RequestThrottled",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
    "RequestThrottledException",
    "BandwidthLimitExceeded",
};

constexpr std::array<std::string_view, 8> kTransientCodes = {
    "InternalError",  "InternalFailure",         "ServiceUnavailable",    "Unavailable",
    "RequestTimeout", "RequestTimeoutException", "IDPCommunicationError", "InsufficientCapacity",
};

constexpr std::array<std::string_view, 13> kPermissionCodes = {
    "UnauthorizedOperation",
    "AuthFailure",
    "AccessDenied",
    "AccessDeniedException",
    "OptInRequired",
    "SignatureDoesNotMatch",
    "InvalidClientTokenId",
    "ExpiredToken",
    "RequestExpired",
    "IncompleteSignature",
    "MissingAuthenticationToken",
    "UnrecognizedClientException",
    "Blocked",
};

constexpr std::array<std::string_view, 5> kConflictCodes = {
    "DependencyViolation", "IncorrectInstanceState", "ResourceAlreadyAssociated",
    "InvalidState",        "ConcurrentModification",
};

// The state moved between the caller's read and its write: repeating the
// request cannot help, re-reading and re-planning can.
constexpr std::array<std::string_view, 3> kStaleCodes = {
    "RouteAlreadyExists",
    "InvalidRoute.NotFound",
    "IncorrectState",
};

constexpr std::array<std::string_view, 8> kInvalidCodes = {
    "MissingParameter", "ValidationError", "InvalidAction",        "MalformedQueryString",
    "UnknownParameter", "InvalidInput",    "UnsupportedOperation", "MissingAction",
};

bool contains(auto const& list, std::string_view code) {
  return std::find(list.begin(), list.end(), code) != list.end();
}

// A route itself (not its table) that appeared or vanished, under whatever
// name EC2 gives the code.
bool isStaleRouteCode(std::string_view code) {
  if (contains(kStaleCodes, code)) return true;
  const bool route = code.find("Route") != std::string_view::npos &&
                     code.find("RouteTable") == std::string_view::npos;
  return route && (code.ends_with("AlreadyExists") || code.ends_with(".NotFound"));
}

// Makes a body snippet safe and short enough for one log line.
std::string snippet(std::string_view body) {
  constexpr std::size_t kMax = 120;
  std::string out;
  for (char c : body.substr(0, kMax)) {
    out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
  }
  if (body.size() > kMax) out += "...";
  return out;
}

std::string childText(const pugi::xml_node& node, const char* name) {
  return node.child(name).text().as_string();
}

}  // namespace

bool isExpiredCredentialsCode(std::string_view code) {
  return code == "ExpiredToken" || code == "RequestExpired" || code == "ExpiredTokenException";
}

bool isClockSkewCandidate(const Error& error) {
  const std::string_view code = error.awsCode;
  if (code == "RequestTimeTooSkewed" || code == "RequestExpired" || code == "RequestInTheFuture") {
    return true;
  }
  if (code != "SignatureDoesNotMatch" && code != "InvalidSignatureException" &&
      code != "AuthFailure") {
    return false;
  }
  std::string lower = error.message;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (std::string_view word : {"expired", "time", "skew", "not yet current"}) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return false;
}

ErrorCategory categorizeAwsCode(std::string_view code, int httpStatus) {
  if (!code.empty()) {
    // DryRunOperation means "would have succeeded"; never retried.
    if (code == "DryRunOperation") return ErrorCategory::kInvalid;
    if (contains(kThrottlingCodes, code) || code == "ProvisionedThroughputExceeded") {
      return ErrorCategory::kThrottled;
    }
    if (contains(kTransientCodes, code)) return ErrorCategory::kRetryable;
    if (contains(kPermissionCodes, code) || code == "ExpiredTokenException") {
      return ErrorCategory::kPermission;
    }
    if (isStaleRouteCode(code)) return ErrorCategory::kStale;
    if (contains(kConflictCodes, code) || code.ends_with(".Duplicate") ||
        code.ends_with("AlreadyExists")) {
      return ErrorCategory::kConflict;
    }
    // A malformed id is the caller's mistake, not an absence.
    if (code.ends_with(".Malformed")) return ErrorCategory::kInvalid;
    if (code.ends_with(".NotFound") || code == "NoSuchEntity") return ErrorCategory::kNotFound;
    if (contains(kInvalidCodes, code) || code.starts_with("InvalidParameter")) {
      return ErrorCategory::kInvalid;
    }
  }
  if (httpStatus >= 500) return ErrorCategory::kRetryable;
  // No code: not an AWS error answer, so the status alone is no evidence.
  if (code.empty()) {
    return httpStatus == 429 ? ErrorCategory::kThrottled : ErrorCategory::kRetryable;
  }
  switch (httpStatus) {
    case 429: return ErrorCategory::kThrottled;
    case 408: return ErrorCategory::kRetryable;
    case 401:
    case 403: return ErrorCategory::kPermission;
    case 404: return ErrorCategory::kNotFound;
    case 409: return ErrorCategory::kConflict;
    default: break;
  }
  // Any other 4xx (or a code we do not know, like a new Invalid* code): the
  // request was rejected; retrying it unchanged cannot help.
  return ErrorCategory::kInvalid;
}

Error parseAwsError(const HttpResponse& response) {
  Error error;
  error.httpStatus = response.status;
  std::string headerRequestId{findHeader(response.headers, "x-amzn-RequestId")};
  if (headerRequestId.empty()) headerRequestId = findHeader(response.headers, "x-amz-request-id");

  pugi::xml_document doc;
  pugi::xml_parse_result parsed = doc.load_buffer(response.body.data(), response.body.size());
  pugi::xml_node errorNode;
  std::string requestId;
  if (parsed) {
    pugi::xml_node root = doc.document_element();
    std::string_view rootName = root.name();
    if (rootName == "Response") {
      errorNode = root.child("Errors").child("Error");
      requestId = childText(root, "RequestID");
      if (requestId.empty()) requestId = childText(root, "RequestId");
    } else if (rootName == "ErrorResponse") {
      errorNode = root.child("Error");
      requestId = childText(root, "RequestId");
      if (requestId.empty()) requestId = childText(root, "RequestID");
    } else if (rootName == "Error") {  // S3-style bare error
      errorNode = root;
      requestId = childText(root, "RequestId");
    }
  }
  error.requestId = requestId.empty() ? headerRequestId : requestId;

  std::string code = errorNode ? childText(errorNode, "Code") : std::string{};
  if (errorNode && !code.empty()) {
    error.awsCode = code;
    std::string message = childText(errorNode, "Message");
    error.message = message.empty() ? fmt::format("{} (HTTP {})", code, response.status)
                                    : fmt::format("{}: {}", code, message);
  } else {
    error.awsCode = kUnparseableAnswerCode;
    error.message = response.body.empty()
                        ? fmt::format("HTTP {} with an empty body (not an AWS answer; transient)",
                                      response.status)
                        : fmt::format(
                              "HTTP {} with an unrecognised error body (not an AWS answer; "
                              "transient): {}",
                              response.status, snippet(response.body));
  }
  error.category = categorizeAwsCode(error.awsCode == kUnparseableAnswerCode ? "" : error.awsCode,
                                     response.status);
  return error;
}

}  // namespace tgwark::aws
