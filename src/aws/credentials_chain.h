// Trying several credential sources in order, and the default chain built
// from them (environment -> shared profile files -> IMDSv2 instance role,
// modelled on aws-c-auth's default chain) behind the one cache.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/credentials.h"
#include "aws/http_client.h"
#include "common/clock.h"
#include "common/env.h"

namespace tgwark::aws {

class ImdsClient;

// What fixes it, in the order an HA node is usually set up: appended to the
// one-line error so the operator need not look it up.
inline constexpr std::string_view kCredentialsFixes =
    "Fix: attach an IAM instance role to this instance, or set AWS_PROFILE to a profile with "
    "credentials or role_arn (~/.aws/config), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY";

// kNotFound moves on to the next provider, any other error stops the chain.
// Remembers the provider that last worked and asks it first next time
// (falling back to the full order if it now has nothing). Does not cache:
// wrap it in CachedCredentialsProvider (makeDefaultCredentialsChain does).
class ChainCredentialsProvider final : public CredentialsProvider {
 public:
  struct Link {
    std::string name;  // for error messages: "environment", "profile", "imds"
    std::shared_ptr<CredentialsProvider> provider;
  };
  explicit ChainCredentialsProvider(std::vector<Link> links);
  Result<Credentials> getCredentials() override;
  // Passed on to every link: the chain does not know which one a caller's
  // rejected credentials came from.
  void invalidate() override;

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

// environment -> profile files -> IMDSv2 instance role, in a
// CachedCredentialsProvider (refreshed 5 minutes before expiry). `imds` may
// be shared with the CLI's identity lookups; null builds one over `http` at
// AWS_EC2_METADATA_SERVICE_ENDPOINT or the default address.
std::shared_ptr<CredentialsProvider> makeDefaultCredentialsChain(const DefaultChainOptions& options,
                                                                 EnvLookup env,
                                                                 std::shared_ptr<HttpClient> http,
                                                                 std::shared_ptr<ImdsClient> imds,
                                                                 std::shared_ptr<Clock> clock);

}  // namespace tgwark::aws
