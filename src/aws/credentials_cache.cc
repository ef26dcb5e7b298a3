#include "aws/credentials_cache.h"

#include <exception>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace tgwark::aws {

CachedCredentialsProvider::CachedCredentialsProvider(std::shared_ptr<CredentialsProvider> inner,
                                                     std::shared_ptr<Clock> clock,
                                                     std::chrono::seconds refreshAhead)
    : inner_(std::move(inner)), clock_(std::move(clock)), refreshAhead_(refreshAhead) {}

bool CachedCredentialsProvider::usable(WallTime now) const {
  return cached_ && (!cached_->expiration || now < *cached_->expiration);
}

bool CachedCredentialsProvider::fresh(WallTime now) const {
  return cached_ && now < refreshAt_;
}

void CachedCredentialsProvider::invalidate() {
  {
    std::lock_guard lock(mu_);
    cached_.reset();
  }
  // Outside the lock: the wrapped provider may be another cache.
  inner_->invalidate();
}

std::size_t CachedCredentialsProvider::waiting() const {
  std::lock_guard lock(mu_);
  return waiting_;
}

Result<Credentials> CachedCredentialsProvider::fetch() {
  // No exception may leave the aws layer, and a throwing provider must not
  // leave refreshing_ set with waiters blocked forever.
  try {
    return inner_->getCredentials();
  } catch (const std::exception& e) {
    return makeError(ErrorCategory::kInternal,
                     fmt::format("credentials fetch threw: {}", e.what()));
  } catch (...) {
    return makeError(ErrorCategory::kInternal, "credentials fetch threw");
  }
}

Result<Credentials> CachedCredentialsProvider::getCredentials() {
  std::unique_lock lock(mu_);
  const std::uint64_t startGeneration = generation_;
  while (true) {
    const WallTime now = clock_->now();
    if (fresh(now)) return *cached_;
    if (!refreshing_) break;
    // Someone else is fetching: use what is still valid, or wait for them.
    if (usable(now)) return *cached_;
    ++waiting_;
    cv_.wait(lock, [this] { return !refreshing_; });
    --waiting_;
    if (generation_ != startGeneration) {
      if (usable(clock_->now())) return *cached_;
      if (lastError_) return std::unexpected(*lastError_);
    }
  }

  refreshing_ = true;
  lock.unlock();
  Result<Credentials> result = fetch();
  lock.lock();
  refreshing_ = false;
  ++generation_;
  const WallTime now = clock_->now();
  if (result) {
    cached_ = *result;
    lastError_.reset();
    if (!cached_->expiration) {
      refreshAt_ = WallTime::max();
    } else {
      refreshAt_ = *cached_->expiration - refreshAhead_;
      // Credentials that arrive already inside the refresh window would
      // otherwise be fetched again on every call: keep them for half of
      // their remaining life.
      if (refreshAt_ <= now) refreshAt_ = now + (*cached_->expiration - now) / 2;
    }
  } else {
    lastError_ = result.error();
  }
  cv_.notify_all();
  if (!result && usable(now)) {
    spdlog::warn("credentials refresh failed, using the cached ones until they expire: {}",
                 result.error().describe());
    return *cached_;
  }
  return result;
}

}  // namespace tgwark::aws
