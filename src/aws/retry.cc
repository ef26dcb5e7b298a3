#include "aws/retry.h"

#include <algorithm>
#include <cmath>

#include <spdlog/spdlog.h>

#include "aws/aws_error.h"
#include "aws/http_client.h"

namespace tgwark::aws {

bool RetryQuota::tryAcquire(int cost) {
  std::lock_guard lock(mu_);
  if (available_ < cost) return false;
  available_ -= cost;
  return true;
}

void RetryQuota::release(int amount) {
  std::lock_guard lock(mu_);
  available_ = std::min(capacity_, available_ + amount);
}

int RetryQuota::available() const {
  std::lock_guard lock(mu_);
  return available_;
}

RetryPolicy::RetryPolicy(RetryOptions options, std::shared_ptr<Clock> clock,
                         std::shared_ptr<Random> random, std::shared_ptr<RetryQuota> quota)
    : options_(options),
      clock_(std::move(clock)),
      random_(std::move(random)),
      quota_(quota ? std::move(quota) : std::make_shared<RetryQuota>(options.quotaCapacity)) {
  options_.maxAttempts = std::max(1, options_.maxAttempts);
}

Millis RetryPolicy::backoff(int retry) const {
  double exponent = std::min(retry - 1, 30);  // beyond 2^30 the cap applies anyway
  double ceiling = static_cast<double>(options_.baseDelay.count()) * std::pow(2.0, exponent);
  double delay = random_->uniform01() * ceiling;
  return std::min(Millis{static_cast<Millis::rep>(delay)}, options_.maxBackoff);
}

bool RetryPolicy::isRetryable(const Error& error) {
  return error.retryable();
}

bool RetryPolicy::isTimeout(const Error& error) {
  return error.awsCode == kTransportTimeoutCode || error.awsCode == "RequestTimeout" ||
         error.awsCode == "RequestTimeoutException";
}

RetryPolicy::Loop::Loop(const RetryPolicy& policy, std::optional<MonoTime> deadline,
                        RetryStats& stats)
    : policy_(policy), stats_(stats) {
  context_.attempt = 0;
  context_.deadline = deadline;
}

bool RetryPolicy::Loop::next() {
  if (context_.attempt == 0) {
    if (context_.deadline && policy_.clock().monotonic() >= *context_.deadline) {
      stopError_ = Error{ErrorCategory::kDeadlineExceeded,
                         "deadline passed before the first attempt could be made"};
      return false;
    }
  } else if (pendingDelay_.count() > 0) {
    policy_.clock().sleepFor(pendingDelay_);
    pendingDelay_ = Millis{0};
  }
  ++context_.attempt;
  return true;
}

bool RetryPolicy::Loop::finish(const Error* error) {
  stats_.attempts = context_.attempt;
  context_.credentialsExpired = false;
  RetryQuota& quota = policy_.quota();
  if (error == nullptr) {
    // A success pays back what its retry took, or tops the bucket up a little.
    quota.release(quotaHeld_ > 0 ? quotaHeld_ : policy_.options().noRetryIncrement);
    return true;
  }
  stats_.lastError = *error;
  if (error->category == ErrorCategory::kThrottled) stats_.throttled = true;
  MonoTime now = policy_.clock().monotonic();
  bool pastDeadline = context_.deadline && now >= *context_.deadline;

  if (isExpiredCredentialsCode(error->awsCode) && !expiredRetryUsed_) {
    // The provider refreshes credentials that are near expiry; asking again
    // once covers a token that expired between fetch and use.
    expiredRetryUsed_ = true;
    if (pastDeadline) return true;
    context_.credentialsExpired = true;
    spdlog::debug("retrying once with refreshed credentials after {}", error->awsCode);
    return false;
  }
  if (!isRetryable(*error)) return true;
  int used = context_.attempt - (expiredRetryUsed_ ? 1 : 0);
  if (used >= policy_.options().maxAttempts) return true;
  int cost = isTimeout(*error) ? policy_.options().timeoutRetryCost : policy_.options().retryCost;
  if (!quota.tryAcquire(cost)) {
    spdlog::debug("retry quota exhausted; not retrying {}", error->describe());
    return true;
  }
  Millis delay = policy_.backoff(++retries_);
  if (context_.deadline && now + delay >= *context_.deadline) {
    quota.release(cost);
    spdlog::debug("not retrying: backoff of {} ms would cross the deadline", delay.count());
    return true;
  }
  quotaHeld_ = cost;
  pendingDelay_ = delay;
  spdlog::debug("attempt {} failed ({}); retrying in {} ms", context_.attempt, error->describe(),
                delay.count());
  return false;
}

Error RetryPolicy::Loop::finalError() const {
  if (stopError_) return *stopError_;
  if (stats_.lastError) return *stats_.lastError;
  return Error{ErrorCategory::kInternal, "retry loop ended without an attempt"};
}

}  // namespace tgwark::aws
