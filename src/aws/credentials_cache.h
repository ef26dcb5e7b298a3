// The one credentials cache: a decorator over any CredentialsProvider that
// keeps its last credentials until shortly before they expire, lets only one
// caller fetch at a time, and drops them when AWS rejects them. Providers
// themselves never cache, so invalidate() here reaches the real source.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

#include "aws/credentials.h"
#include "common/clock.h"
#include "common/error.h"

namespace tgwark::aws {

// How long before expiry credentials are refreshed.
inline constexpr std::chrono::seconds kDefaultRefreshAhead{300};

// While fresh credentials are cached they are returned at once. When they
// are within `refreshAhead` of expiry exactly one caller fetches; the others
// keep using the still-unexpired old credentials, or wait for its result when
// there are none. If a refresh fails while the old credentials have not yet
// expired, the old ones are returned (as the AWS SDKs do), so a
// metadata-service hiccup does not fail a failover. Errors are never cached.
class CachedCredentialsProvider final : public CredentialsProvider {
 public:
  CachedCredentialsProvider(std::shared_ptr<CredentialsProvider> inner,
                            std::shared_ptr<Clock> clock,
                            std::chrono::seconds refreshAhead = kDefaultRefreshAhead);
  Result<Credentials> getCredentials() override;
  // Drops the cached credentials and passes the call on to the wrapped
  // provider. A fetch already under way still delivers its (new) result.
  void invalidate() override;
  // Callers blocked waiting for another caller's fetch (lets tests prove single-flight).
  std::size_t waiting() const;

 private:
  Result<Credentials> fetch();
  bool fresh(WallTime now) const;
  bool usable(WallTime now) const;

  std::shared_ptr<CredentialsProvider> inner_;
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

}  // namespace tgwark::aws
