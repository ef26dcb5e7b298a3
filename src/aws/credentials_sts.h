// Credentials of an IAM role obtained with STS AssumeRole, signed with the
// credentials of a source provider. tgwark's config can name a role per
// region, so the engine builds one of these per (role, region) and wraps it
// in CachedCredentialsProvider.
#pragma once

#include <memory>

#include "aws/credentials.h"
#include "aws/http_client.h"
#include "aws/sts.h"
#include "common/clock.h"
#include "common/env.h"

namespace tgwark::aws {

// Calls AssumeRole on every getCredentials(). When STS rejects the source
// credentials as expired, the source is invalidated and asked once more.
// invalidate() is not passed to the source: rejected role credentials say
// nothing about the source's.
class StsAssumeRoleProvider final : public CredentialsProvider {
 public:
  StsAssumeRoleProvider(AssumeRoleOptions options, std::shared_ptr<CredentialsProvider> source,
                        std::shared_ptr<HttpClient> http, std::shared_ptr<Clock> clock,
                        EnvLookup env);
  Result<Credentials> getCredentials() override;

 private:
  Result<Credentials> assumeOnce();

  AssumeRoleOptions options_;
  std::shared_ptr<CredentialsProvider> source_;
  std::shared_ptr<HttpClient> http_;
  std::shared_ptr<Clock> clock_;
  EnvLookup env_;
};

}  // namespace tgwark::aws
