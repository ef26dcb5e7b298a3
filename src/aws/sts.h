// The STS AssumeRole call: temporary credentials for a role, signed with
// source credentials. Used by the per-region role provider
// (credentials_sts.h) and by profiles with role_arn.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "aws/credentials.h"
#include "aws/http_client.h"
#include "common/clock.h"
#include "common/env.h"
#include "common/error.h"

namespace tgwark::aws {

struct AssumeRoleOptions {
  std::string roleArn;
  std::string roleSessionName;  // empty: "tgwark-<unix seconds>"
  std::optional<std::string> externalId;
  std::optional<int> durationSeconds;
  std::string region = "us-east-1";  // signing region and regional endpoint
  // Endpoint precedence: AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, this field,
  // then https://sts.REGION.amazonaws.com (.com.cn for cn-*).
  std::string endpointUrl;
  std::chrono::milliseconds timeout{10000};
};

std::string resolveStsEndpoint(const AssumeRoleOptions& options, const EnvLookup& env);

// The form body of the AssumeRole call (exposed for tests and the emulator).
std::string assumeRoleBody(const AssumeRoleOptions& options, WallTime now);

// One AssumeRole call: builds, signs, sends, parses. AWS errors come back
// categorized (AccessDenied -> kPermission, Throttling -> kThrottled, ...).
Result<Credentials> assumeRole(HttpClient& http, const Credentials& source,
                               const AssumeRoleOptions& options, const EnvLookup& env,
                               WallTime now);

// Parses an AssumeRoleResponse body into credentials (source "assume-role:ARN").
Result<Credentials> parseAssumeRoleResponse(std::string_view body, std::string_view roleArn);

}  // namespace tgwark::aws
