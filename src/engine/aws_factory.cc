#include "engine/aws_factory.h"

#include <charconv>
#include <map>
#include <mutex>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "aws/credentials_cache.h"
#include "aws/credentials_chain.h"
#include "aws/credentials_sts.h"
#include "aws/curl_http_client.h"
#include "aws/ec2_client.h"
#include "aws/imds_client.h"

namespace tgwark::engine {
namespace {

constexpr int kMaxAttemptsLimit = 20;

class AwsClients {
 public:
  AwsClients(const model::Config& config, aws::EnvLookup env, AwsFactoryOptions options,
             int maxAttempts)
      : env_(std::move(env)), options_(std::move(options)), maxAttempts_(maxAttempts) {
    endpoints_.useFips = config.aws.useFips;
    endpoints_.configEndpointUrl = config.aws.endpointUrl;
    endpoints_.env = env_;
    for (const auto& [region, o] : config.aws.regions) {
      if (!o.endpointUrl.empty()) endpoints_.regionEndpointUrls[region] = o.endpointUrl;
      if (!o.roleArn.empty()) roles_[region] = o.roleArn;
    }
    defaultRole_ = config.aws.roleArn;
    defaultRegion_ = config.nodes.empty() ? std::string() : config.nodes.front().region;
    profile_ = config.aws.profile;
  }

  Result<void> init() {
    if (!options_.clock) options_.clock = SystemClock::instance();
    if (!options_.random) options_.random = std::make_shared<SystemRandom>();
    if (!options_.http) {
      options_.http = std::make_shared<aws::CurlHttpClient>(aws::curlOptionsFromEnvironment(env_));
    }
    if (!options_.credentials) {
      if (!options_.imds) {
        aws::ImdsOptions imdsOptions;
        imdsOptions.endpoint = aws::resolveImdsEndpoint(env_);
        options_.imds =
            std::make_shared<aws::ImdsClient>(options_.http, options_.clock, imdsOptions);
      }
      aws::DefaultChainOptions chain;
      chain.profile = profile_;
      chain.region = defaultRegion_;
      options_.credentials = aws::makeDefaultCredentialsChain(chain, env_, options_.http,
                                                              options_.imds, options_.clock);
    }
    return {};
  }

  Result<aws::Endpoint> endpoint(const std::string& region) const {
    return aws::resolveEc2Endpoint(region, endpoints_);
  }

  Result<std::shared_ptr<aws::Ec2Api>> get(const std::string& region) {
    std::lock_guard lock(mu_);
    if (auto it = clients_.find(region); it != clients_.end()) return it->second;
    auto ep = endpoint(region);
    if (!ep) {
      spdlog::error("no EC2 endpoint for region {}: {}", region, ep.error().describe());
      return std::unexpected(
          withContext(std::move(ep).error(), "no EC2 endpoint for region " + region));
    }
    std::shared_ptr<aws::CredentialsProvider> credentials = options_.credentials;
    auto role = roles_.find(region);
    const std::string& roleArn = role != roles_.end() ? role->second : defaultRole_;
    if (!roleArn.empty()) {
      aws::AssumeRoleOptions assume;
      assume.roleArn = roleArn;
      assume.region = region;
      // StsAssumeRoleProvider calls STS every time: each region's role
      // credentials are cached (and invalidated) on their own.
      credentials = std::make_shared<aws::CachedCredentialsProvider>(
          std::make_shared<aws::StsAssumeRoleProvider>(assume, options_.credentials, options_.http,
                                                       options_.clock, env_),
          options_.clock);
    }
    aws::RetryOptions retry;
    retry.maxAttempts = maxAttempts_;
    aws::Ec2ClientOptions clientOptions;
    clientOptions.observer = options_.observer;
    spdlog::debug("EC2 {}: {} ({}){}", region, ep->url, ep->source,
                  roleArn.empty() ? "" : " with assumed role");
    auto client =
        std::make_shared<aws::Ec2Client>(region, *ep, std::move(credentials), options_.http,
                                         options_.clock, options_.random, retry, clientOptions);
    clients_[region] = client;
    return client;
  }

 private:
  aws::EnvLookup env_;
  AwsFactoryOptions options_;
  int maxAttempts_;
  aws::EndpointOptions endpoints_;
  std::map<std::string, std::string> roles_;
  std::string defaultRole_;  // aws.role_arn
  std::string defaultRegion_;
  std::string profile_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<aws::Ec2Api>> clients_;
};

}  // namespace

Result<int> effectiveMaxAttempts(const model::Config& config, const aws::EnvLookup& env) {
  auto text = env ? aws::envValue(env, "AWS_MAX_ATTEMPTS") : std::nullopt;
  if (!text) return config.aws.maxAttempts;
  int value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc{} || end != text->data() + text->size() || value < 1 ||
      value > kMaxAttemptsLimit) {
    return makeError(ErrorCategory::kInvalidConfig,
                     fmt::format("AWS_MAX_ATTEMPTS='{}': expected a whole number from 1 to {}",
                                 *text, kMaxAttemptsLimit));
  }
  return value;
}

Result<Ec2Factory> makeAwsEc2Factory(const model::Config& config, aws::EnvLookup env,
                                     AwsFactoryOptions options) {
  if (!env) env = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
  TGWARK_ASSIGN_OR_RETURN(const int attempts, effectiveMaxAttempts(config, env));
  auto clients = std::make_shared<AwsClients>(config, env, std::move(options), attempts);
  // Configuration mistakes surface now, before any AWS call.
  for (const auto& region : config.allRegions()) {
    TGWARK_RETURN_IF_ERROR(clients->endpoint(region));
  }
  for (const auto& [region, o] : config.aws.regions) {
    TGWARK_RETURN_IF_ERROR(clients->endpoint(region));
  }
  TGWARK_RETURN_IF_ERROR(clients->init());
  return Ec2Factory([clients](const std::string& region) { return clients->get(region); });
}

}  // namespace tgwark::engine
