#include "aws/imds_client.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace tgwark::aws {
namespace {

// Renew the token this long before the service would expire it, so a token
// never dies between our check and the service's.
constexpr std::chrono::seconds kTokenRenewAhead{60};
// The metadata service is local: a failover should not wait long on it.
constexpr std::chrono::milliseconds kMaxBackoff{1000};

bool transientStatus(int status) {
  return status >= 500 || status == 429;
}

Error imdsHttpError(std::string_view what, int status) {
  ErrorCategory category = ErrorCategory::kInvalid;
  if (status == 404)
    category = ErrorCategory::kNotFound;
  else if (status == 401 || status == 403)
    category = ErrorCategory::kPermission;
  else if (status == 429)
    category = ErrorCategory::kThrottled;
  else if (status >= 500)
    category = ErrorCategory::kRetryable;
  return Error{
      category, fmt::format("instance metadata {}: HTTP {}", what, status), {}, {}, status};
}

}  // namespace

std::string resolveImdsEndpoint(const EnvLookup& env) {
  if (env) {
    if (auto v = envValue(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT")) return *v;
  }
  return std::string(kDefaultImdsEndpoint);
}

bool imdsDisabled(const EnvLookup& env) {
  if (!env) return false;
  auto v = envValue(env, "AWS_EC2_METADATA_DISABLED");
  if (!v) return false;
  std::string lower = *v;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower == "true";
}

ImdsClient::ImdsClient(std::shared_ptr<HttpClient> http, std::shared_ptr<Clock> clock,
                       ImdsOptions options)
    : http_(std::move(http)),
      clock_(std::move(clock)),
      options_(std::move(options)),
      random_(options_.random ? options_.random : std::make_shared<SystemRandom>()) {
  while (options_.endpoint.ends_with('/')) options_.endpoint.pop_back();
}

std::chrono::milliseconds ImdsClient::backoff(int retry) const {
  double ceiling = static_cast<double>(options_.backoffBase.count());
  for (int i = 1; i < retry && ceiling < static_cast<double>(kMaxBackoff.count()); ++i) {
    ceiling *= 2;
  }
  ceiling = std::min(ceiling, static_cast<double>(kMaxBackoff.count()));
  return std::chrono::milliseconds(static_cast<long long>(random_->uniform01() * ceiling));
}

Result<HttpResponse> ImdsClient::send(const HttpRequest& request) {
  const int attempts = std::max(1, options_.maxAttempts);
  for (int attempt = 1;; ++attempt) {
    auto response = http_->send(request);
    const bool transient =
        response ? transientStatus(response->status) : response.error().retryable();
    if (!transient || attempt >= attempts) return response;
    auto delay = backoff(attempt);
    spdlog::debug("instance metadata {} {} attempt {} failed ({}); retrying in {} ms",
                  request.method, request.url, attempt,
                  response ? fmt::format("HTTP {}", response->status) : response.error().describe(),
                  delay.count());
    clock_->sleepFor(delay);
  }
}

std::string ImdsClient::url(std::string_view absolutePath) const {
  return options_.endpoint + std::string(absolutePath);
}

Result<std::string> ImdsClient::token(bool forceRefresh) {
  std::lock_guard lock(mu_);
  if (!forceRefresh && !token_.empty() && clock_->monotonic() < tokenExpiry_) {
    return std::string(token_.reveal());
  }
  HttpRequest request;
  request.method = "PUT";
  request.url = url("/latest/api/token");
  request.timeout = options_.timeout;
  request.headers.emplace_back("X-aws-ec2-metadata-token-ttl-seconds",
                               std::to_string(options_.tokenTtl.count()));
  const MonoTime requestedAt = clock_->monotonic();
  auto response = send(request);
  if (!response) {
    Error e = response.error();
    e.message = fmt::format("instance metadata token at {}: {}", request.url, e.message);
    return std::unexpected(std::move(e));
  }
  if (response->status != 200) return std::unexpected(imdsHttpError("token", response->status));
  if (response->body.empty()) {
    return makeError(ErrorCategory::kInvalid, "instance metadata token: empty response");
  }
  token_ = SecretString(std::move(response->body));
  auto lifetime = options_.tokenTtl > kTokenRenewAhead * 2 ? options_.tokenTtl - kTokenRenewAhead
                                                           : options_.tokenTtl / 2;
  tokenExpiry_ = requestedAt + lifetime;
  return std::string(token_.reveal());
}

Result<std::string> ImdsClient::get(std::string_view path) {
  std::string absolute =
      path.starts_with('/') ? std::string(path) : "/latest/meta-data/" + std::string(path);
  for (int attempt = 0; attempt < 2; ++attempt) {
    TGWARK_ASSIGN_OR_RETURN(auto tok, token(/*forceRefresh=*/attempt > 0));
    HttpRequest request;
    request.method = "GET";
    request.url = url(absolute);
    request.timeout = options_.timeout;
    request.headers.emplace_back("X-aws-ec2-metadata-token", std::move(tok));
    auto response = send(request);
    // The request carried the token: wipe our copy of it.
    secureWipe(request.headers.back().second.data(), request.headers.back().second.size());
    if (!response) {
      Error e = response.error();
      e.message = fmt::format("instance metadata {}: {}", absolute, e.message);
      return std::unexpected(std::move(e));
    }
    // 401: the token expired or was revoked; get a new one and try once more.
    if (response->status == 401 && attempt == 0) continue;
    if (response->status != 200) return std::unexpected(imdsHttpError(absolute, response->status));
    return std::move(response->body);
  }
  return std::unexpected(imdsHttpError(absolute, 401));
}

Result<std::string> ImdsClient::interfaceId(std::string_view macAddress) {
  return get(fmt::format("network/interfaces/macs/{}/interface-id", macAddress));
}

}  // namespace tgwark::aws
