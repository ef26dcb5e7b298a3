#include "aws/sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>
#include <string_view>

#include <fmt/format.h>

#include "common/log_text.h"
#include "common/percent_encoding.h"

namespace tgwark::aws::sigv4 {
namespace {

constexpr char kHexLower[] = "0123456789abcdef";

// Headers that proxies and transports add or rewrite, so signing them would
// break the signature in flight (aws-c-auth's s_skipped_headers).
constexpr std::string_view kSkippedHeaders[] = {
    "authorization",
    "x-amzn-trace-id",
    "user-agent",
    "connection",
    "expect",
    "sec-websocket-key",
    "sec-websocket-protocol",
    "sec-websocket-version",
    "upgrade",
    "transfer-encoding",
};

std::string toLower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string hexEncode(const unsigned char* data, std::size_t size) {
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(kHexLower[data[i] >> 4]);
    out.push_back(kHexLower[data[i] & 0xF]);
  }
  return out;
}

// HMAC-SHA256 into a fixed buffer; the caller wipes it when it holds key material.
void hmacSha256(std::string_view key, std::string_view data, unsigned char (&out)[32]) {
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
}

struct UrlParts {
  std::string authority;  // host[:port], empty for an origin-form target ("/path?q")
  std::string scheme;
  std::string path;
  std::string query;
};

// Deliberately lenient: the path may hold raw spaces or UTF-8 (the suite's
// get-space and get-utf8 cases), and servers pass origin-form targets.
UrlParts splitUrl(std::string_view url) {
  UrlParts parts;
  std::string_view rest = url;
  if (auto pos = rest.find("://"); pos != std::string_view::npos && rest.front() != '/') {
    parts.scheme = toLower(rest.substr(0, pos));
    rest.remove_prefix(pos + 3);
    auto end = rest.find_first_of("/?");
    parts.authority = std::string(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  }
  if (auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  auto q = rest.find('?');
  parts.path = std::string(rest.substr(0, q));
  if (q != std::string_view::npos) parts.query = std::string(rest.substr(q + 1));
  if (parts.path.empty()) parts.path = "/";
  return parts;
}

// RFC 3986 dot-segment removal plus collapsing of empty segments, which is
// what AWS means by "normalize": //example// -> /example/, /a/b/../.. -> /.
std::string normalizePath(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    auto segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  std::string out;
  for (auto segment : segments) {
    out.push_back('/');
    out.append(segment);
  }
  if (out.empty() || path.ends_with('/')) out.push_back('/');
  if (out == "//") out = "/";
  return out;
}

std::string canonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  std::size_t start = 0;
  while (start < query.size()) {
    auto end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    auto pair = query.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    // A '%' without two hex digits is kept literally (as aws-c-auth does), so a
    // sloppy client is still signed consistently.
    params.emplace_back(percentEncode(*percentDecode(key)), percentEncode(*percentDecode(value)));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [key, value] : params) {
    if (!out.empty()) out.push_back('&');
    out += key;
    out.push_back('=');
    out += value;
  }
  return out;
}

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

// Trim, and collapse inner whitespace runs (including folded line breaks) to one space.
std::string canonicalHeaderValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool pendingSpace = false;
  for (char c : value) {
    if (isSpace(c)) {
      pendingSpace = !out.empty();
      continue;
    }
    if (pendingSpace) out.push_back(' ');
    pendingSpace = false;
    out.push_back(c);
  }
  return out;
}

// RFC 9110 token characters: what a header name may be made of. Anything else
// cannot be sent as one header (a ',' or '=' would even change how the
// Authorization header's SignedHeaders list reads back).
bool isTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

Result<void> checkHeader(std::string_view name, std::string_view value) {
  if (name.empty()) return makeError(ErrorCategory::kInvalid, "sigv4: empty header name");
  if (!std::all_of(name.begin(), name.end(), isTokenChar)) {
    return makeError(
        ErrorCategory::kInvalid,
        fmt::format("sigv4: header name '{}' is not an HTTP token", escapeForLog(name)));
  }
  // A NUL ends the value on the way out (curl takes C strings) and a CR ends
  // the header line: either way the signed value is not the one sent.
  if (value.find_first_of(std::string_view("\0\r", 2)) != std::string_view::npos) {
    return makeError(
        ErrorCategory::kInvalid,
        fmt::format("sigv4: header '{}' has a NUL or CR in its value", escapeForLog(name)));
  }
  return {};
}

// selected == nullptr: sign every header except the skipped ones (client side).
// Otherwise only the named (lower-case) headers (server side, from SignedHeaders).
Result<CanonicalRequest> buildCanonicalRequest(const HttpRequest& request,
                                               const SigningParams& params,
                                               const std::vector<std::string>* selected,
                                               std::string_view payloadHash) {
  UrlParts url = splitUrl(request.url);
  std::string path = params.normalizePath ? normalizePath(url.path) : url.path;

  std::map<std::string, std::string> headers;
  for (const auto& [rawName, rawValue] : request.headers) {
    std::string name = toLower(rawName);
    if (selected != nullptr) {
      if (std::find(selected->begin(), selected->end(), name) == selected->end()) continue;
    } else {
      if (std::find(std::begin(kSkippedHeaders), std::end(kSkippedHeaders), name) !=
          std::end(kSkippedHeaders)) {
        continue;
      }
      if (params.omitSessionToken && name == "x-amz-security-token") continue;
    }
    TGWARK_RETURN_IF_ERROR(checkHeader(name, rawValue));
    auto [it, inserted] = headers.try_emplace(name, canonicalHeaderValue(rawValue));
    if (!inserted) {
      it->second.push_back(',');
      it->second += canonicalHeaderValue(rawValue);
    }
  }
  if (selected != nullptr) {
    for (const auto& name : *selected) {
      if (!headers.contains(name)) {
        return makeError(ErrorCategory::kPermission,
                         fmt::format("signed header '{}' is not present in the request", name),
                         "SignatureDoesNotMatch", {}, 403);
      }
    }
  }

  CanonicalRequest out;
  out.text.reserve(256 + request.url.size());
  out.text += request.method;
  out.text.push_back('\n');
  out.text += percentEncode(path, /*keepSlash=*/true);
  out.text.push_back('\n');
  out.text += canonicalQuery(url.query);
  out.text.push_back('\n');
  for (const auto& [name, value] : headers) {
    out.text += name;
    out.text.push_back(':');
    out.text += value;
    out.text.push_back('\n');
    if (!out.signedHeaders.empty()) out.signedHeaders.push_back(';');
    out.signedHeaders += name;
  }
  out.text.push_back('\n');
  out.text += out.signedHeaders;
  out.text.push_back('\n');
  out.text += payloadHash;
  return out;
}

std::string payloadHashFor(const HttpRequest& request, const SigningParams& params) {
  return params.payloadHash.empty() ? sha256Hex(request.body) : params.payloadHash;
}

void removeHeader(Headers& headers, std::string_view name) {
  std::erase_if(headers, [&](const auto& h) { return iequals(h.first, name); });
}

std::unexpected<Error> incomplete(std::string message) {
  return makeError(ErrorCategory::kPermission, std::move(message), "IncompleteSignature", {}, 400);
}

std::unexpected<Error> mismatch() {
  return makeError(ErrorCategory::kPermission,
                   "The request signature we calculated does not match the signature you "
                   "provided. Check your AWS Secret Access Key and signing method.",
                   "SignatureDoesNotMatch", {}, 403);
}

// Parses 20150830T123600Z.
std::optional<WallTime> parseAmzDate(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  auto num = [&](std::size_t pos, std::size_t len) -> int {
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(s[i]))) return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  int year = num(0, 4), month = num(4, 2), day = num(6, 2);
  int hour = num(9, 2), minute = num(11, 2), second = num(13, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 ||
      minute < 0 || minute > 59 || second < 0 || second > 60) {
    return std::nullopt;
  }
  using namespace std::chrono;
  year_month_day ymd{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                     std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return std::nullopt;
  return WallTime{sys_days{ymd}.time_since_epoch() + hours{hour} + minutes{minute} +
                  seconds{second}};
}

std::string formatUtc(WallTime t, const char* pattern) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::size_t n = std::strftime(buf, sizeof buf, pattern, &tm);
  return std::string(buf, n);
}

}  // namespace

std::string sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  return hexEncode(digest, len);
}

std::string amzDate(WallTime t) {
  return formatUtc(t, "%Y%m%dT%H%M%SZ");
}
std::string scopeDate(WallTime t) {
  return formatUtc(t, "%Y%m%d");
}

std::string credentialScope(WallTime t, std::string_view region, std::string_view service) {
  return fmt::format("{}/{}/{}/aws4_request", scopeDate(t), region, service);
}

Result<CanonicalRequest> canonicalRequest(const HttpRequest& request, const SigningParams& params) {
  return buildCanonicalRequest(request, params, nullptr, payloadHashFor(request, params));
}

std::string stringToSign(std::string_view canonicalRequestText, WallTime t, std::string_view region,
                         std::string_view service) {
  return fmt::format("{}\n{}\n{}\n{}", kAlgorithm, amzDate(t), credentialScope(t, region, service),
                     sha256Hex(canonicalRequestText));
}

SecretString signingKey(const SecretString& secretAccessKey, std::string_view date,
                        std::string_view region, std::string_view service) {
  // Every intermediate key is as sensitive as the secret itself: wipe them all.
  std::string kSecret = "AWS4";
  kSecret += secretAccessKey.reveal();
  unsigned char kDate[32], kRegion[32], kService[32], kSigning[32];
  auto view = [](const unsigned char(&k)[32]) {
    return std::string_view(reinterpret_cast<const char*>(k), sizeof k);
  };
  hmacSha256(kSecret, date, kDate);
  hmacSha256(view(kDate), region, kRegion);
  hmacSha256(view(kRegion), service, kService);
  hmacSha256(view(kService), "aws4_request", kSigning);
  SecretString result{std::string(view(kSigning))};
  secureWipe(kSecret.data(), kSecret.size());
  secureWipe(kDate, sizeof kDate);
  secureWipe(kRegion, sizeof kRegion);
  secureWipe(kService, sizeof kService);
  secureWipe(kSigning, sizeof kSigning);
  return result;
}

std::string signature(const SecretString& signingKeyValue, std::string_view stringToSignText) {
  unsigned char mac[32];
  hmacSha256(signingKeyValue.reveal(), stringToSignText, mac);
  return hexEncode(mac, sizeof mac);
}

std::string authorizationHeader(std::string_view accessKeyId, std::string_view scope,
                                std::string_view signedHeaders, std::string_view signatureHex) {
  return fmt::format("{} Credential={}/{}, SignedHeaders={}, Signature={}", kAlgorithm, accessKeyId,
                     scope, signedHeaders, signatureHex);
}

Result<void> sign(HttpRequest& request, const Credentials& credentials,
                  const SigningParams& params) {
  if (credentials.accessKeyId.empty() || credentials.secretAccessKey.empty()) {
    return makeError(ErrorCategory::kInvalidConfig,
                     "sigv4: credentials have no access key id or secret access key");
  }
  if (params.region.empty() || params.service.empty()) {
    return makeError(ErrorCategory::kInternal, "sigv4: signing region and service are required");
  }
  // Re-signing (a retry) must not carry the previous attempt's values.
  for (auto name :
       {"Authorization", "X-Amz-Date", "X-Amz-Security-Token", "x-amz-content-sha256"}) {
    removeHeader(request.headers, name);
  }
  if (findHeader(request.headers, "host").empty()) {
    UrlParts url = splitUrl(request.url);
    std::string host = url.authority;
    if (auto at = host.rfind('@'); at != std::string::npos) host.erase(0, at + 1);
    if ((url.scheme == "https" && host.ends_with(":443")) ||
        (url.scheme == "http" && host.ends_with(":80"))) {
      host.erase(host.rfind(':'));
    }
    if (host.empty()) return makeError(ErrorCategory::kInternal, "sigv4: request URL has no host");
    request.headers.emplace_back("Host", std::move(host));
  }
  if (!credentials.sessionToken.empty()) {
    request.headers.emplace_back("X-Amz-Security-Token",
                                 std::string(credentials.sessionToken.reveal()));
  }
  request.headers.emplace_back("X-Amz-Date", amzDate(params.time));
  std::string payloadHash = payloadHashFor(request, params);
  if (params.addContentSha256Header)
    request.headers.emplace_back("x-amz-content-sha256", payloadHash);

  TGWARK_ASSIGN_OR_RETURN(const auto canonical,
                          buildCanonicalRequest(request, params, nullptr, payloadHash));
  std::string toSign = stringToSign(canonical.text, params.time, params.region, params.service);
  SecretString key = signingKey(credentials.secretAccessKey, scopeDate(params.time), params.region,
                                params.service);
  request.headers.emplace_back(
      "Authorization",
      authorizationHeader(credentials.accessKeyId,
                          credentialScope(params.time, params.region, params.service),
                          canonical.signedHeaders, signature(key, toSign)));
  return {};
}

Result<ParsedAuthorization> parseAuthorization(std::string_view header) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
    while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
    return s;
  };
  header = trim(header);
  if (header.empty()) return incomplete("Authorization header is empty");
  if (!header.starts_with(kAlgorithm) || header.size() <= kAlgorithm.size() ||
      !isSpace(header[kAlgorithm.size()])) {
    return incomplete(fmt::format("Authorization header must start with '{} '", kAlgorithm));
  }
  header.remove_prefix(kAlgorithm.size());

  std::optional<std::string_view> credential, signedHeaders, sig;
  std::size_t start = 0;
  while (start <= header.size()) {
    auto end = header.find(',', start);
    if (end == std::string_view::npos) end = header.size();
    auto part = trim(header.substr(start, end - start));
    start = end + 1;
    if (part.empty()) continue;
    auto eq = part.find('=');
    if (eq == std::string_view::npos) {
      return incomplete(
          fmt::format("Authorization component '{}' is not key=value", part.substr(0, 32)));
    }
    auto key = part.substr(0, eq);
    auto value = part.substr(eq + 1);
    if (key == "Credential")
      credential = value;
    else if (key == "SignedHeaders")
      signedHeaders = value;
    else if (key == "Signature")
      sig = value;
    else
      return incomplete(fmt::format("unknown Authorization component '{}'", key.substr(0, 32)));
  }
  if (!credential) return incomplete("Authorization header requires a 'Credential' parameter");
  if (!signedHeaders)
    return incomplete("Authorization header requires a 'SignedHeaders' parameter");
  if (!sig) return incomplete("Authorization header requires a 'Signature' parameter");

  ParsedAuthorization out;
  std::vector<std::string_view> scope;
  for (std::size_t pos = 0;;) {
    auto slash = credential->find('/', pos);
    scope.push_back(credential->substr(pos, slash - pos));
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  if (scope.size() != 5 || scope[4] != "aws4_request" ||
      std::any_of(scope.begin(), scope.end(), [](auto s) { return s.empty(); })) {
    return incomplete("Credential must have the form ACCESS_KEY/DATE/REGION/SERVICE/aws4_request");
  }
  if (scope[1].size() != 8 || !std::all_of(scope[1].begin(), scope[1].end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
      })) {
    return incomplete("Credential scope date must be YYYYMMDD");
  }
  out.accessKeyId = scope[0];
  out.date = scope[1];
  out.region = scope[2];
  out.service = scope[3];
  for (std::size_t pos = 0;;) {
    auto semi = signedHeaders->find(';', pos);
    auto name = signedHeaders->substr(pos, semi - pos);
    if (name.empty()) return incomplete("SignedHeaders contains an empty header name");
    out.signedHeaders.push_back(toLower(name));
    if (semi == std::string_view::npos) break;
    pos = semi + 1;
  }
  if (sig->size() != 64 || !std::all_of(sig->begin(), sig->end(), [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c)) != 0;
      })) {
    return incomplete("Signature must be 64 hexadecimal characters");
  }
  out.signature = toLower(*sig);
  return out;
}

Result<void> verify(const HttpRequest& request, const SecretString& secretAccessKey) {
  auto auth = findHeader(request.headers, "authorization");
  if (auth.empty()) {
    return makeError(ErrorCategory::kPermission, "Request is missing Authentication Token",
                     "MissingAuthenticationToken", {}, 403);
  }
  TGWARK_ASSIGN_OR_RETURN(const auto parsed, parseAuthorization(auth));
  if (std::find(parsed.signedHeaders.begin(), parsed.signedHeaders.end(), "host") ==
      parsed.signedHeaders.end()) {
    return incomplete("'Host' must be a 'SignedHeader' in the AWS Authorization");
  }
  auto dateHeader = findHeader(request.headers, "x-amz-date");
  if (dateHeader.empty()) {
    return incomplete("Authorization header requires existence of the 'X-Amz-Date' header");
  }
  auto when = parseAmzDate(dateHeader);
  if (!when) return incomplete("X-Amz-Date must have the form YYYYMMDDTHHMMSSZ");
  if (scopeDate(*when) != parsed.date) {
    return makeError(ErrorCategory::kPermission,
                     fmt::format("Date in Credential scope does not match YYYYMMDD from "
                                 "ISO-8601 version of date from HTTP: '{}' != '{}'",
                                 parsed.date, scopeDate(*when)),
                     "SignatureDoesNotMatch", {}, 403);
  }

  SigningParams params;
  params.region = parsed.region;
  params.service = parsed.service;
  params.time = *when;
  TGWARK_ASSIGN_OR_RETURN(
      const auto canonical,
      buildCanonicalRequest(request, params, &parsed.signedHeaders, sha256Hex(request.body)));
  std::string toSign = stringToSign(canonical.text, *when, parsed.region, parsed.service);
  SecretString key = signingKey(secretAccessKey, parsed.date, parsed.region, parsed.service);
  std::string expected = signature(key, toSign);
  if (expected.size() != parsed.signature.size() ||
      CRYPTO_memcmp(expected.data(), parsed.signature.data(), expected.size()) != 0) {
    return mismatch();
  }
  return {};
}

}  // namespace tgwark::aws::sigv4
