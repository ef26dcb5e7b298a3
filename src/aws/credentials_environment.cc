#include "aws/credentials_environment.h"

#include <utility>

#include <fmt/format.h>

namespace tgwark::aws {

EnvironmentCredentialsProvider::EnvironmentCredentialsProvider(EnvLookup env)
    : env_(std::move(env)) {}

Result<Credentials> EnvironmentCredentialsProvider::getCredentials() {
  auto id = envValue(env_, "AWS_ACCESS_KEY_ID");
  auto secret = envValue(env_, "AWS_SECRET_ACCESS_KEY");
  if (!id && !secret) {
    return makeError(ErrorCategory::kNotFound,
                     "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set");
  }
  if (!id || !secret) {
    return makeError(
        ErrorCategory::kInvalidConfig,
        fmt::format("{} is set but {} is not", id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                    id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID"));
  }
  Credentials c;
  c.accessKeyId = std::move(*id);
  c.secretAccessKey = SecretString(std::move(*secret));
  if (auto token = envValue(env_, "AWS_SESSION_TOKEN")) {
    c.sessionToken = SecretString(std::move(*token));
  }
  c.source = "environment";
  return c;
}

}  // namespace tgwark::aws
