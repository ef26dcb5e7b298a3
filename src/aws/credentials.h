// AWS credentials and the provider interface. Implementations (environment,
// shared files, IMDSv2 instance role, STS AssumeRole, the cached chain) live in
// credential_providers.h.
#pragma once

#include <optional>
#include <string>

#include "common/clock.h"
#include "common/error.h"
#include "common/secret.h"

namespace tgwark::aws {

struct Credentials {
  std::string accessKeyId;
  SecretString secretAccessKey;
  SecretString sessionToken;  // empty for long-term keys
  std::optional<WallTime> expiration;
  std::string source;  // which provider produced them, e.g. "environment", "imds", "profile:ha"
};

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // Returns current credentials, refreshing when they are absent or near
  // expiry. Thread-safe. kNotFound means "this provider has nothing" (the
  // chain moves on); any other error is reported as is.
  virtual Result<Credentials> getCredentials() = 0;
};

}  // namespace tgwark::aws
