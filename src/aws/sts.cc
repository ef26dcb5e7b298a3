#include "aws/sts.h"

#include <array>

#include <pugixml.hpp>

#include <fmt/format.h>

#include "aws/aws_error.h"
#include "aws/iso8601.h"
#include "aws/sigv4.h"

namespace tgwark::aws {
namespace {

std::string childText(const pugi::xml_node& node, const char* name) {
  return node.child(name).text().as_string();
}

}  // namespace

std::string resolveStsEndpoint(const AssumeRoleOptions& options, const EnvLookup& env) {
  // Same precedence as the EC2 endpoint (resolveEc2Endpoint): the environment, then
  // tgwark's own setting, then the regional default.
  std::string url;
  if (auto v = envValue(env, "AWS_ENDPOINT_URL_STS")) {
    url = *v;
  } else if (auto w = envValue(env, "AWS_ENDPOINT_URL")) {
    url = *w;
  } else {
    url = options.endpointUrl;
  }
  if (url.empty()) {
    const bool china = options.region.starts_with("cn-");
    url = fmt::format("https://sts.{}.amazonaws.com{}", options.region, china ? ".cn" : "");
  }
  while (url.ends_with('/')) url.pop_back();
  return url + "/";
}

std::string assumeRoleBody(const AssumeRoleOptions& options, WallTime now) {
  std::string sessionName = options.roleSessionName;
  if (sessionName.empty()) {
    sessionName = fmt::format(
        "tgwark-{}",
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
  }
  std::string body =
      "Action=AssumeRole&Version=2011-06-15&RoleArn=" + sigv4::uriEncode(options.roleArn) +
      "&RoleSessionName=" + sigv4::uriEncode(sessionName);
  if (options.durationSeconds) body += fmt::format("&DurationSeconds={}", *options.durationSeconds);
  if (options.externalId) body += "&ExternalId=" + sigv4::uriEncode(*options.externalId);
  return body;
}

Result<Credentials> parseAssumeRoleResponse(std::string_view body, std::string_view roleArn) {
  pugi::xml_document doc;
  auto parsed = doc.load_buffer(body.data(), body.size());
  if (!parsed) {
    return makeError(ErrorCategory::kInvalid,
                     fmt::format("STS AssumeRole: response is not XML ({})", parsed.description()));
  }
  pugi::xml_node root = doc.child("AssumeRoleResponse");
  pugi::xml_node creds = root.child("AssumeRoleResult").child("Credentials");
  std::string requestId = childText(root.child("ResponseMetadata"), "RequestId");
  if (!creds) {
    return makeError(ErrorCategory::kInvalid,
                     "STS AssumeRole: response has no AssumeRoleResult/Credentials", {}, requestId);
  }
  Credentials out;
  out.accessKeyId = childText(creds, "AccessKeyId");
  out.secretAccessKey = SecretString(childText(creds, "SecretAccessKey"));
  out.sessionToken = SecretString(childText(creds, "SessionToken"));
  if (out.accessKeyId.empty() || out.secretAccessKey.empty() || out.sessionToken.empty()) {
    return makeError(ErrorCategory::kInvalid,
                     "STS AssumeRole: response lacks AccessKeyId, SecretAccessKey or SessionToken",
                     {}, requestId);
  }
  auto expiration = parseIso8601(childText(creds, "Expiration"));
  if (!expiration) {
    return makeError(ErrorCategory::kInvalid,
                     "STS AssumeRole: bad Expiration: " + expiration.error().message, {},
                     requestId);
  }
  out.expiration = *expiration;
  out.source = fmt::format("assume-role:{}", roleArn);
  return out;
}

Result<Credentials> assumeRole(HttpClient& http, const Credentials& source,
                               const AssumeRoleOptions& options, const EnvLookup& env,
                               WallTime now) {
  if (options.roleArn.empty()) {
    return makeError(ErrorCategory::kInvalidConfig, "STS AssumeRole: no role ARN given");
  }
  HttpRequest request;
  request.method = "POST";
  request.url = resolveStsEndpoint(options, env);
  request.timeout = options.timeout;
  request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
  request.body = assumeRoleBody(options, now);

  sigv4::SigningParams params;
  params.region = options.region;
  params.service = "sts";
  params.time = now;
  if (auto signedOk = sigv4::sign(request, source, params); !signedOk) {
    return std::unexpected(signedOk.error());
  }
  auto response = http.send(request);
  if (!response) {
    Error e = response.error();
    e.message = fmt::format("STS AssumeRole {} at {}: {}", options.roleArn, request.url, e.message);
    return std::unexpected(std::move(e));
  }
  if (response->status < 200 || response->status >= 300) {
    const std::array<std::string_view, 3> secrets = {
        source.accessKeyId, source.secretAccessKey.reveal(), source.sessionToken.reveal()};
    Error e = parseAwsError(*response, secrets);
    e.message = fmt::format("STS AssumeRole {}: {}", options.roleArn, e.message);
    return std::unexpected(std::move(e));
  }
  auto creds = parseAssumeRoleResponse(response->body, options.roleArn);
  if (!creds) {
    Error e = creds.error();
    e.httpStatus = response->status;
    return std::unexpected(std::move(e));
  }
  return creds;
}

}  // namespace tgwark::aws
