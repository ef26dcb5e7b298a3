// AWS Signature Version 4, as separately testable steps (modelled on
// aws-c-auth): canonical request -> string to sign -> signing key ->
// signature -> Authorization header. sign() composes them for a request.
// verify() is the server side, used by tgwark-sim to check clients.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "aws/credentials.h"
#include "aws/http_client.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/percent_encoding.h"
#include "common/secret.h"

namespace tgwark::aws::sigv4 {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kEmptyPayloadSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct SigningParams {
  std::string region;
  std::string service;  // "ec2", "sts"
  WallTime time;
  // Remove "." / ".." / "//" from the path before encoding (false for S3-like services).
  bool normalizePath = true;
  // Add X-Amz-Security-Token to the request but leave it out of the signature.
  bool omitSessionToken = false;
  // Add and sign x-amz-content-sha256 (the suite's sign_body=true cases).
  bool addContentSha256Header = false;
  // Payload hash to use; when empty, sha256(body) is computed.
  std::string payloadHash;
};

struct CanonicalRequest {
  std::string text;           // the whole canonical request
  std::string signedHeaders;  // "host;x-amz-date"
};

// Lower-case hex of SHA-256.
std::string sha256Hex(std::string_view data);
// SigV4's UriEncode(): common/percent_encoding under the name the SigV4
// documentation uses. encodeSlash=false keeps '/' (for paths).
inline std::string uriEncode(std::string_view input, bool encodeSlash = true) {
  return percentEncode(input, /*keepSlash=*/!encodeSlash);
}
// 20150830T123600Z and 20150830
std::string amzDate(WallTime t);
std::string scopeDate(WallTime t);
std::string credentialScope(WallTime t, std::string_view region, std::string_view service);

// The request must already carry every header that will be signed (host,
// x-amz-date, x-amz-security-token unless omitted, ...).
Result<CanonicalRequest> canonicalRequest(const HttpRequest& request, const SigningParams& params);
std::string stringToSign(std::string_view canonicalRequestText, WallTime t, std::string_view region,
                         std::string_view service);
// HMAC chain kSecret -> kDate -> kRegion -> kService -> kSigning. The result is
// key material and is wiped when it goes out of scope.
SecretString signingKey(const SecretString& secretAccessKey, std::string_view date,
                        std::string_view region, std::string_view service);
std::string signature(const SecretString& signingKey, std::string_view stringToSign);
std::string authorizationHeader(std::string_view accessKeyId, std::string_view scope,
                                std::string_view signedHeaders, std::string_view signature);

// Adds Host (if absent), X-Amz-Date, X-Amz-Security-Token (when the
// credentials have one), optionally x-amz-content-sha256, and Authorization.
Result<void> sign(HttpRequest& request, const Credentials& credentials,
                  const SigningParams& params);

// Server side: the parsed Authorization header.
struct ParsedAuthorization {
  std::string accessKeyId;
  std::string date;  // scope date, e.g. 20150830
  std::string region;
  std::string service;
  std::vector<std::string> signedHeaders;
  std::string signature;
};
Result<ParsedAuthorization> parseAuthorization(std::string_view header);

// Recomputes the signature of a received request (headers as received, path
// and query from the URL) with the given secret and compares it in constant
// time. The URL may be absolute or origin-form ("/path?query"); path and query
// must be exactly as received on the wire (not percent-decoded), and the body
// is hashed as received. Only the headers named in SignedHeaders are used; the
// path is normalized (non-S3 rules). No clock-skew check: callers do that. kPermission with code
// "SignatureDoesNotMatch" on mismatch, "IncompleteSignature" when the header is malformed.
Result<void> verify(const HttpRequest& request, const SecretString& secretAccessKey);

}  // namespace tgwark::aws::sigv4
