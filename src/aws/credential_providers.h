// Where AWS credentials come from: environment variables, the shared
// config/credentials files (with role_arn + source_profile), the EC2 instance
// role over IMDSv2, and a cached, thread-safe chain over them (modelled on
// aws-c-auth's default chain). STS AssumeRole lives in sts.h, the metadata
// client in imds_client.h.
//
// Everything takes its environment through EnvLookup and its files as paths,
// so tests never depend on the real process environment or home directory.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/credentials.h"
#include "aws/endpoints.h"
#include "aws/http_client.h"
#include "common/clock.h"
#include "common/error.h"

namespace tgwark::aws {

class ImdsClient;

// EnvLookup and processEnvironment() come from aws/endpoints.h.
// Set and non-empty (AWS tools treat an empty variable as unset).
std::optional<std::string> envValue(const EnvLookup& env, std::string_view name);

// ISO 8601 UTC timestamps as AWS returns them: 2015-08-30T12:36:00Z,
// with optional fractional seconds and "Z" or "+00:00".
Result<WallTime> parseIso8601(std::string_view text);
// 2015-08-30T12:36:00Z (whole seconds, UTC).
std::string formatIso8601(WallTime t);

// How long before expiry credentials are refreshed.
inline constexpr std::chrono::seconds kDefaultRefreshAhead{300};

// A single-flight cache for one credentials source. While valid credentials
// are cached they are returned at once; when they are near expiry exactly one
// caller fetches, the others wait for its result (or keep using the still
// unexpired old credentials). If a refresh fails while the old credentials have
// not yet expired, the old ones are returned (as the AWS SDKs do), so a
// metadata-service hiccup does not fail a failover.
class CredentialsCache {
 public:
  using Fetch = std::function<Result<Credentials>()>;
  CredentialsCache(std::shared_ptr<Clock> clock,
                   std::chrono::seconds refreshAhead = kDefaultRefreshAhead);
  Result<Credentials> get(const Fetch& fetch);
  // Drops the cached credentials (e.g. after AWS said ExpiredToken).
  void invalidate();
  // Callers blocked waiting for another caller's refresh (lets tests prove single-flight).
  std::size_t waiting() const;

 private:
  bool fresh(WallTime now) const;
  bool usable(WallTime now) const;

  std::shared_ptr<Clock> clock_;
  std::chrono::seconds refreshAhead_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::size_t waiting_ = 0;
  std::optional<Credentials> cached_;
  WallTime refreshAt_{};
  bool refreshing_ = false;
  std::uint64_t generation_ = 0;  // completed fetches
  std::optional<Error> lastError_;
};

// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN.
// kNotFound when neither key is set; kInvalidConfig when only one is.
class EnvironmentCredentialsProvider final : public CredentialsProvider {
 public:
  explicit EnvironmentCredentialsProvider(EnvLookup env);
  Result<Credentials> getCredentials() override;

 private:
  EnvLookup env_;
};

// One file of the shared config: sections of key = value. Keys are
// lower-cased; line numbers are kept for error messages.
struct IniFile {
  struct Entry {
    std::string value;
    int line = 0;
  };
  struct Section {
    std::map<std::string, Entry, std::less<>> entries;
    int line = 0;
  };
  std::string path;
  // Section names as written between brackets, e.g. "profile ha", "default".
  std::map<std::string, Section, std::less<>> sections;
};
// Parses INI text: '#' / ';' comment lines and inline comments after
// whitespace, indented sub-properties (ignored), "key = value".
Result<IniFile> parseIni(std::string_view text, std::string path);
// Reads and parses a file; a missing file is an empty IniFile (not an error).
Result<IniFile> loadIniFile(const std::string& path);

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

// The shared config and credentials files. A profile with role_arn +
// source_profile assumes the role via STS with the source profile's
// credentials (chains of role profiles are followed). kNotFound when the
// default profile is used implicitly and does not exist; kInvalidConfig when
// an explicitly chosen profile is missing or incomplete (naming file, profile
// and key).
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
  CredentialsCache cache_;
};

// The instance role via IMDSv2. AWS_EC2_METADATA_DISABLED=true makes it
// return kNotFound without any request; no role attached is kNotFound too.
class ImdsCredentialsProvider final : public CredentialsProvider {
 public:
  ImdsCredentialsProvider(std::shared_ptr<ImdsClient> imds, std::shared_ptr<Clock> clock,
                          EnvLookup env);
  Result<Credentials> getCredentials() override;

 private:
  Result<Credentials> fetch();

  std::shared_ptr<ImdsClient> imds_;
  EnvLookup env_;
  CredentialsCache cache_;
};

// Any provider plus a CredentialsCache.
class CachedCredentialsProvider final : public CredentialsProvider {
 public:
  CachedCredentialsProvider(std::shared_ptr<CredentialsProvider> inner,
                            std::shared_ptr<Clock> clock,
                            std::chrono::seconds refreshAhead = kDefaultRefreshAhead);
  Result<Credentials> getCredentials() override;
  void invalidate() { cache_.invalidate(); }
  const CredentialsCache& cache() const { return cache_; }

 private:
  std::shared_ptr<CredentialsProvider> inner_;
  CredentialsCache cache_;
};

// Tries providers in order; kNotFound moves on, any other error stops the
// chain. Remembers the provider that last worked and asks it first next time
// (falling back to the full order if it now has nothing). Not cached by
// itself: wrap it in CachedCredentialsProvider (makeDefaultCredentialsChain does).
class ChainCredentialsProvider final : public CredentialsProvider {
 public:
  struct Link {
    std::string name;  // for error messages: "environment", "profile", "imds"
    std::shared_ptr<CredentialsProvider> provider;
  };
  explicit ChainCredentialsProvider(std::vector<Link> links);
  Result<Credentials> getCredentials() override;

 private:
  std::vector<Link> links_;
  std::mutex mu_;
  std::optional<std::size_t> lastGood_;
};

struct DefaultChainOptions {
  std::string profile;         // tgwark config's [aws] profile; empty = AWS_PROFILE/default
  std::string region;          // for STS calls of role profiles
  std::string stsEndpointUrl;  // explicit STS endpoint, rarely needed
};

// environment -> profile files -> IMDSv2 instance role, cached and refreshed
// 5 minutes before expiry. `imds` may be shared with the CLI's identity lookups.
std::shared_ptr<CredentialsProvider> makeDefaultCredentialsChain(const DefaultChainOptions& options,
                                                                 EnvLookup env,
                                                                 std::shared_ptr<HttpClient> http,
                                                                 std::shared_ptr<ImdsClient> imds,
                                                                 std::shared_ptr<Clock> clock);

}  // namespace tgwark::aws
