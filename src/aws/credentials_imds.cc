#include "aws/credentials_imds.h"

#include "common/strings.h"

#include <cctype>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "aws/http_client.h"
#include "aws/imds_client.h"
#include "aws/iso8601.h"

namespace tgwark::aws {

ImdsCredentialsProvider::ImdsCredentialsProvider(std::shared_ptr<ImdsClient> imds, EnvLookup env)
    : imds_(std::move(imds)), env_(std::move(env)) {}

Result<Credentials> ImdsCredentialsProvider::getCredentials() {
  if (imdsDisabled(env_)) {
    return makeError(ErrorCategory::kNotFound,
                     "instance metadata is disabled (AWS_EC2_METADATA_DISABLED=true)");
  }
  auto roles = imds_->get("iam/security-credentials/");
  if (!roles) {
    Error e = roles.error();
    if (e.category == ErrorCategory::kNotFound) {
      e.message = "no instance role: " + e.message;
    } else if (e.awsCode == kTransportConnectCode) {
      // Nothing listens at the metadata address even after the client's
      // retries: this is not an EC2 instance (or its metadata service is
      // off), which is absence, as the SDKs treat it, not a reason to retry
      // until the action's deadline.
      return makeError(ErrorCategory::kNotFound,
                       fmt::format("nothing answers at {} (not an EC2 instance, or its "
                                   "metadata service is turned off)",
                                   imds_->options().endpoint));
    }
    return std::unexpected(std::move(e));
  }
  std::string_view list = *roles;
  std::string role(trim(list.substr(0, list.find('\n'))));
  if (role.empty()) {
    return makeError(ErrorCategory::kNotFound,
                     "no instance role: iam/security-credentials/ is empty");
  }
  auto document = imds_->get("iam/security-credentials/" + role);
  if (!document) return std::unexpected(document.error());

  Credentials c;
  std::string expiration;
  try {
    auto json = nlohmann::json::parse(*document);
    secureWipe(document->data(), document->size());
    std::string code = json.value("Code", std::string("Success"));
    if (code != "Success") {
      return makeError(ErrorCategory::kRetryable,
                       fmt::format("instance role '{}' credentials not available: Code={}", role,
                                   code.substr(0, 64)));
    }
    c.accessKeyId = json.value("AccessKeyId", std::string());
    c.secretAccessKey = SecretString(json.value("SecretAccessKey", std::string()));
    c.sessionToken = SecretString(json.value("Token", std::string()));
    expiration = json.value("Expiration", std::string());
    // The parsed JSON holds the secret too; nlohmann gives no way to wipe it.
  } catch (const nlohmann::json::exception&) {
    // Never quote the body: it is full of secrets.
    return makeError(ErrorCategory::kInvalid,
                     fmt::format("instance role '{}' credentials are not valid JSON", role));
  }
  if (c.accessKeyId.empty() || c.secretAccessKey.empty()) {
    return makeError(ErrorCategory::kInvalid,
                     fmt::format("instance role '{}' credentials lack AccessKeyId or "
                                 "SecretAccessKey",
                                 role));
  }
  if (!expiration.empty()) {
    auto when = parseIso8601(expiration);
    if (!when) {
      return makeError(ErrorCategory::kInvalid,
                       fmt::format("instance role '{}' credentials: bad Expiration: {}", role,
                                   when.error().message));
    }
    c.expiration = *when;
  }
  c.source = "imds";
  return c;
}

}  // namespace tgwark::aws
