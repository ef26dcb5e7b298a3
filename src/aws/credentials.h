// AWS credentials and the provider interface. Providers only fetch (one file
// each: credentials_environment.h, credentials_profile.h, credentials_imds.h,
// credentials_sts.h, composed by credentials_chain.h); caching is done once,
// by the decorator in credentials_cache.h.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/error.h"
#include "common/secret.h"

namespace tgwark::aws {

// Error::awsCode when no source in the chain has credentials (botocore calls
// the same situation NoCredentialsError); never an AWS answer.
inline constexpr std::string_view kNoCredentialsCode = "NoCredentials";

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
  // Returns credentials. Thread-safe. kNotFound means "this provider has
  // nothing" (a chain moves on); any other error is reported as is.
  // Fetching providers go to their source on every call; wrap them in
  // CachedCredentialsProvider.
  virtual Result<Credentials> getCredentials() = 0;
  // AWS rejected the credentials last handed out (ExpiredToken and the
  // like): the next getCredentials() must not return a cached copy. A no-op
  // for providers that keep nothing; caches drop their copy, and decorators
  // and chains pass it on to what they wrap.
  virtual void invalidate() {}
};

}  // namespace tgwark::aws
