// EC2 instance metadata over IMDSv2: a session token from PUT /latest/api/token,
// then GETs carrying it. Used for the instance-role credentials and by the CLI
// to learn which node it runs on (instance id, region, ENI). Requests have short
// timeouts so that a host that is not on EC2 fails fast.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "aws/http_client.h"
#include "common/clock.h"
#include "common/env.h"
#include "common/error.h"
#include "common/secret.h"

namespace tgwark::aws {

inline constexpr std::string_view kDefaultImdsEndpoint = "http://169.254.169.254";

struct ImdsOptions {
  // Base URL, possibly with a path prefix (the emulator's per-node metadata:
  // http://127.0.0.1:1234/_node/node-a). No trailing slash needed.
  std::string endpoint = std::string(kDefaultImdsEndpoint);
  // Per attempt; the HttpClient's connect timeout should be as short.
  std::chrono::milliseconds timeout{1000};
  std::chrono::seconds tokenTtl{21600};
  // Attempts per request (token or GET) when it fails transiently: a
  // transport error (connection refused, timeout), 5xx or 429. As the AWS
  // SDKs do for IMDS: 3 attempts of at most 1 s each.
  int maxAttempts = 3;
  // Delay before retry n (n = 1, 2, ...): random(0..1) * backoffBase * 2^(n-1),
  // capped at 1 s.
  std::chrono::milliseconds backoffBase{100};
  // Jitter for the backoff (shared by concurrent calls, so thread-safe);
  // null: SystemRandom.
  std::shared_ptr<Random> random;
};

// AWS_EC2_METADATA_SERVICE_ENDPOINT, else the default address.
std::string resolveImdsEndpoint(const EnvLookup& env);
// AWS_EC2_METADATA_DISABLED=true (case-insensitive).
bool imdsDisabled(const EnvLookup& env);

// Thread-safe. The token is cached and renewed a minute before its TTL runs
// out, and once more if the service answers 401 (token expired or revoked).
// Transient failures are retried with a short backoff slept on the injected
// Clock.
class ImdsClient {
 public:
  ImdsClient(std::shared_ptr<HttpClient> http, std::shared_ptr<Clock> clock,
             ImdsOptions options = {});

  // `path` is relative to /latest/meta-data/ ("instance-id"), or absolute
  // from the endpoint root when it starts with '/' ("/latest/dynamic/...").
  // 404 is kNotFound; transport failures and 5xx are kRetryable (after the
  // retries), 429 kThrottled.
  Result<std::string> get(std::string_view path);

  Result<std::string> instanceId() { return get("instance-id"); }
  Result<std::string> region() { return get("placement/region"); }
  Result<std::string> mac() { return get("mac"); }
  Result<std::string> interfaceId(std::string_view mac);

  const ImdsOptions& options() const { return options_; }

 private:
  Result<std::string> token(bool forceRefresh);
  // One request with retries of transient failures.
  Result<HttpResponse> send(const HttpRequest& request);
  std::chrono::milliseconds backoff(int retry) const;
  std::string url(std::string_view absolutePath) const;

  std::shared_ptr<HttpClient> http_;
  std::shared_ptr<Clock> clock_;
  ImdsOptions options_;
  std::shared_ptr<Random> random_;
  std::mutex mu_;
  SecretString token_;
  MonoTime tokenExpiry_{};
};

}  // namespace tgwark::aws
