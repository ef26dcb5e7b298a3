// Credentials of the EC2 instance role, read from the instance metadata
// service (IMDSv2) through ImdsClient: the role name from
// iam/security-credentials/, then that role's credentials document.
#pragma once

#include <memory>

#include "aws/credentials.h"
#include "common/env.h"

namespace tgwark::aws {

class ImdsClient;

// AWS_EC2_METADATA_DISABLED=true makes it return kNotFound without any
// request; no role attached is kNotFound too. Asks the metadata service on
// every call.
class ImdsCredentialsProvider final : public CredentialsProvider {
 public:
  ImdsCredentialsProvider(std::shared_ptr<ImdsClient> imds, EnvLookup env);
  Result<Credentials> getCredentials() override;

 private:
  std::shared_ptr<ImdsClient> imds_;
  EnvLookup env_;
};

}  // namespace tgwark::aws
