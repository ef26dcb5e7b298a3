#include "aws/credentials_sts.h"

#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "aws/aws_error.h"

namespace tgwark::aws {

StsAssumeRoleProvider::StsAssumeRoleProvider(AssumeRoleOptions options,
                                             std::shared_ptr<CredentialsProvider> source,
                                             std::shared_ptr<HttpClient> http,
                                             std::shared_ptr<Clock> clock, EnvLookup env)
    : options_(std::move(options)),
      source_(std::move(source)),
      http_(std::move(http)),
      clock_(std::move(clock)),
      env_(std::move(env)) {}

Result<Credentials> StsAssumeRoleProvider::assumeOnce() {
  auto sourceCreds = source_->getCredentials();
  if (!sourceCreds) {
    Error e = sourceCreds.error();
    // A missing source is a configuration problem for this role, not "no credentials here".
    if (e.category == ErrorCategory::kNotFound) e.category = ErrorCategory::kInvalidConfig;
    e.message = fmt::format("source credentials for role {}: {}", options_.roleArn, e.message);
    return std::unexpected(std::move(e));
  }
  auto creds = assumeRole(*http_, *sourceCreds, options_, env_, clock_->now());
  if (creds) {
    spdlog::debug("assumed role {} in {} (source {})", options_.roleArn, options_.region,
                  sourceCreds->source);
  }
  return creds;
}

Result<Credentials> StsAssumeRoleProvider::getCredentials() {
  auto creds = assumeOnce();
  if (!creds && isExpiredCredentialsCode(creds.error().awsCode)) {
    // The source's cached credentials were revoked or expired early; the
    // caller's own retry would only get the same stale source back.
    spdlog::debug("STS rejected the source credentials of role {} ({}); fetching them again",
                  options_.roleArn, creds.error().awsCode);
    source_->invalidate();
    creds = assumeOnce();
  }
  return creds;
}

}  // namespace tgwark::aws
