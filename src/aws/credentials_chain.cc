#include "aws/credentials_chain.h"

#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "aws/credentials_cache.h"
#include "aws/credentials_environment.h"
#include "aws/credentials_imds.h"
#include "aws/credentials_profile.h"
#include "aws/imds_client.h"

namespace tgwark::aws {

ChainCredentialsProvider::ChainCredentialsProvider(std::vector<Link> links)
    : links_(std::move(links)) {}

void ChainCredentialsProvider::invalidate() {
  for (const auto& link : links_) link.provider->invalidate();
}

Result<Credentials> ChainCredentialsProvider::getCredentials() {
  std::optional<std::size_t> remembered;
  {
    std::lock_guard lock(mu_);
    remembered = lastGood_;
  }
  std::vector<std::string> skipped;
  auto fail = [&](std::size_t i, Error e) {
    std::string context;
    for (const auto& s : skipped) context += s + "; ";
    e.message = fmt::format("credentials: {}{}: {}", context, links_[i].name, e.message);
    return std::unexpected(std::move(e));
  };
  if (remembered) {
    auto r = links_[*remembered].provider->getCredentials();
    if (r) return r;
    if (r.error().category != ErrorCategory::kNotFound) return fail(*remembered, r.error());
  }
  for (std::size_t i = 0; i < links_.size(); ++i) {
    if (remembered && *remembered == i) {
      skipped.push_back(links_[i].name + ": nothing found");
      continue;
    }
    auto r = links_[i].provider->getCredentials();
    if (r) {
      std::lock_guard lock(mu_);
      if (lastGood_ != i) spdlog::debug("using AWS credentials from {}", r->source);
      lastGood_ = i;
      return r;
    }
    if (r.error().category != ErrorCategory::kNotFound) return fail(i, r.error());
    skipped.push_back(links_[i].name + ": " + r.error().message);
  }
  std::string all;
  for (const auto& s : skipped) all += (all.empty() ? "" : "; ") + s;
  return makeError(ErrorCategory::kNotFound,
                   fmt::format("no AWS credentials found (tried {}). {}", all, kCredentialsFixes),
                   std::string(kNoCredentialsCode));
}

std::shared_ptr<CredentialsProvider> makeDefaultCredentialsChain(const DefaultChainOptions& options,
                                                                 EnvLookup env,
                                                                 std::shared_ptr<HttpClient> http,
                                                                 std::shared_ptr<ImdsClient> imds,
                                                                 std::shared_ptr<Clock> clock) {
  if (!imds) {
    ImdsOptions imdsOptions;
    imdsOptions.endpoint = resolveImdsEndpoint(env);
    imds = std::make_shared<ImdsClient>(http, clock, imdsOptions);
  }
  ProfileOptions profileOptions;
  profileOptions.profile = options.profile;
  profileOptions.region = options.region;
  profileOptions.stsEndpointUrl = options.stsEndpointUrl;
  std::vector<ChainCredentialsProvider::Link> links;
  links.push_back({"environment", std::make_shared<EnvironmentCredentialsProvider>(env)});
  links.push_back(
      {"profile", std::make_shared<ProfileCredentialsProvider>(profileOptions, env, http, clock)});
  links.push_back({"imds", std::make_shared<ImdsCredentialsProvider>(imds, env)});
  auto chain = std::make_shared<ChainCredentialsProvider>(std::move(links));
  return std::make_shared<CachedCredentialsProvider>(std::move(chain), std::move(clock));
}

}  // namespace tgwark::aws
