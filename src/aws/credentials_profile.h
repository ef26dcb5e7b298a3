// Credentials from the AWS shared config and credentials files: static keys
// of a profile, or a role_arn + source_profile profile whose role is assumed
// via STS with the source profile's credentials (chains of role profiles are
// followed). Files are passed as paths and the environment as an EnvLookup,
// so tests never touch the real home directory.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "aws/credentials.h"
#include "aws/http_client.h"
#include "aws/ini.h"
#include "common/clock.h"
#include "common/env.h"

namespace tgwark::aws {

struct SharedFilePaths {
  std::string configFile;       // AWS_CONFIG_FILE or ~/.aws/config
  std::string credentialsFile;  // AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials
};
SharedFilePaths resolveSharedFilePaths(const EnvLookup& env);

struct ProfileOptions {
  // From tgwark's config ([aws] profile); wins over AWS_PROFILE.
  std::string profile;
  SharedFilePaths files;
  // Region for STS when the profile names none; empty: AWS_REGION, AWS_DEFAULT_REGION,
  // then us-east-1.
  std::string region;
  // STS endpoint when neither AWS_ENDPOINT_URL_STS nor AWS_ENDPOINT_URL is set;
  // empty: the regional one.
  std::string stsEndpointUrl;
};

// kNotFound when the default profile is used implicitly and does not exist;
// kInvalidConfig when an explicitly chosen profile is missing or incomplete
// (naming file, profile and key). Reads the files (and calls STS for role
// profiles) on every call.
class ProfileCredentialsProvider final : public CredentialsProvider {
 public:
  ProfileCredentialsProvider(ProfileOptions options, EnvLookup env,
                             std::shared_ptr<HttpClient> http, std::shared_ptr<Clock> clock);
  Result<Credentials> getCredentials() override;
  // The profile in use (explicit option, AWS_PROFILE, AWS_DEFAULT_PROFILE or "default").
  const std::string& profileName() const { return profile_; }

 private:
  Result<Credentials> resolve(const IniFile& config, const IniFile& credentials,
                              const std::string& profile, std::vector<std::string>& visited);

  ProfileOptions options_;
  EnvLookup env_;
  std::shared_ptr<HttpClient> http_;
  std::shared_ptr<Clock> clock_;
  std::string profile_;
  bool explicitProfile_ = false;
};

}  // namespace tgwark::aws
