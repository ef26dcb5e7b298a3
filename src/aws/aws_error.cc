#include "aws/aws_error.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <pugixml.hpp>

#include "common/log_text.h"
#include "common/percent_encoding.h"
#include "common/secret.h"

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

// AWS messages can be long (an encoded authorization failure) and are worth
// keeping whole; anything longer is not an AWS message.
constexpr std::size_t kMaxMessageBytes = 2048;

// Names of request headers that carry credentials. An intermediary's error
// page may echo the request's headers back; their values must not be quoted.
constexpr std::array<std::string_view, 2> kCredentialHeaders = {"authorization",
                                                                "x-amz-security-token"};

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::size_t findNoCase(std::string_view text, std::string_view needle, std::size_t from) {
  for (std::size_t i = from; i + needle.size() <= text.size(); ++i) {
    bool match = true;
    for (std::size_t k = 0; k < needle.size() && match; ++k)
      match = lower(text[i + k]) == needle[k];
    if (match) return i;
  }
  return std::string_view::npos;
}

// Masks the value after each credential header name, in whatever shape the
// echo takes ("Name: value" lines, "name=value&..." query strings, quoted
// JSON): a name followed by ':' or '=' (quotes and blanks around them
// allowed), up to the end of the line, a quote, a tag or the next query
// parameter. Prose such as "authorization failure message" is left alone.
std::string redactCredentialHeaders(std::string_view text) {
  constexpr std::string_view kQuotesAndBlanks = " \t\"'";
  std::string out(text);
  for (std::string_view name : kCredentialHeaders) {
    for (std::size_t at = findNoCase(out, name, 0); at != std::string::npos;
         at = findNoCase(out, name, at + 1)) {
      std::size_t begin = out.find_first_not_of(kQuotesAndBlanks, at + name.size());
      if (begin == std::string::npos || (out[begin] != ':' && out[begin] != '=')) continue;
      begin = out.find_first_not_of(kQuotesAndBlanks, begin + 1);
      if (begin == std::string::npos) continue;
      std::size_t end = out.find_first_of("\r\n\"'<&", begin);
      if (end == std::string::npos) end = out.size();
      if (end > begin) out.replace(begin, end - begin, SecretString::kRedacted);
    }
  }
  return out;
}

// Text taken from a response, made safe to log and return: credential headers
// and the caller's secrets (raw and percent-encoded) masked, then escaped and
// bounded.
std::string sanitize(std::string_view text, std::span<const std::string_view> secrets,
                     std::size_t maxBytes) {
  std::vector<std::string> encoded;
  for (std::string_view secret : secrets) encoded.push_back(percentEncode(secret));
  std::vector<std::string_view> all(secrets.begin(), secrets.end());
  all.insert(all.end(), encoded.begin(), encoded.end());
  return escapeForLog(redactCredentialHeaders(redactSecrets(text, all)), maxBytes);
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

Error parseAwsError(const HttpResponse& response, std::span<const std::string_view> secrets) {
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
    std::string message = sanitize(childText(errorNode, "Message"), secrets, kMaxMessageBytes);
    error.message = message.empty() ? fmt::format("{} (HTTP {})", code, response.status)
                                    : fmt::format("{}: {}", code, message);
  } else {
    error.awsCode = kUnparseableAnswerCode;
    error.message =
        response.body.empty()
            ? fmt::format("HTTP {} with an empty body (not an AWS answer; transient)",
                          response.status)
            : fmt::format(
                  "HTTP {} with an unrecognised error body (not an AWS answer; "
                  "transient): {}",
                  response.status, sanitize(response.body, secrets, kLogExcerptMaxBytes));
  }
  error.category = categorizeAwsCode(error.awsCode == kUnparseableAnswerCode ? "" : error.awsCode,
                                     response.status);
  return error;
}

}  // namespace tgwark::aws
