// Credentials from the process environment: AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, read through an EnvLookup so
// tests never depend on the real environment.
#pragma once

#include "aws/credentials.h"
#include "common/env.h"

namespace tgwark::aws {

// kNotFound when neither key is set; kInvalidConfig when only one is.
// Reads the environment on every call.
class EnvironmentCredentialsProvider final : public CredentialsProvider {
 public:
  explicit EnvironmentCredentialsProvider(EnvLookup env);
  Result<Credentials> getCredentials() override;

 private:
  EnvLookup env_;
};

}  // namespace tgwark::aws
