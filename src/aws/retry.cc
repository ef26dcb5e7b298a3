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

double AdaptiveRateLimiter::seconds(MonoTime t) const {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

void AdaptiveRateLimiter::refill(double now) {
  if (now > lastRefill_) tokens_ = std::min(capacity_, tokens_ + (now - lastRefill_) * fillRate_);
  lastRefill_ = std::max(lastRefill_, now);
}

void AdaptiveRateLimiter::acquire(Clock& clock) {
  (void)acquire(clock, std::nullopt);
}

bool AdaptiveRateLimiter::acquire(Clock& clock, std::optional<MonoTime> until) {
  Millis wait{0};
  {
    std::lock_guard lock(mu_);
    if (!enabled_) return true;
    const auto now = clock.monotonic();
    refill(seconds(now));
    // Taking the token even when it is not there yet queues concurrent
    // callers behind each other instead of letting them all wake at once.
    tokens_ -= 1;
    if (tokens_ < 0)
      wait = Millis{static_cast<Millis::rep>(std::ceil(-tokens_ / fillRate_ * 1000))};
    // A caller whose deadline comes first must not queue (a throttled
    // region would otherwise hold every later call past its deadline).
    if (until && now + wait > *until) {
      tokens_ += 1;
      return false;
    }
  }
  if (wait.count() > 0) clock.sleepFor(wait);
  return true;
}

void AdaptiveRateLimiter::onAnswer(bool throttled, const Clock& clock) {
  std::lock_guard lock(mu_);
  const double now = seconds(clock.monotonic());
  double rate = 0;
  if (throttled) {
    if (!enabled_) lastRefill_ = now;
    const double current = enabled_ ? fillRate_ : options_.startRate;
    lastMaxRate_ = current;
    lastThrottle_ = now;
    rate = current * options_.beta;
    enabled_ = true;
  } else {
    if (!enabled_) return;
    // CUBIC: back to the rate at the last throttle after k seconds, then
    // probing beyond it.
    const double k = std::cbrt(lastMaxRate_ * (1 - options_.beta) / options_.scale);
    rate = options_.scale * std::pow(now - lastThrottle_ - k, 3) + lastMaxRate_;
  }
  refill(now);
  fillRate_ = std::clamp(rate, options_.minRate, options_.maxRate);
  capacity_ = std::max(1.0, fillRate_);
  tokens_ = std::min(tokens_, capacity_);
}

bool AdaptiveRateLimiter::enabled() const {
  std::lock_guard lock(mu_);
  return enabled_;
}

double AdaptiveRateLimiter::rate() const {
  std::lock_guard lock(mu_);
  return fillRate_;
}

RetryPolicy::RetryPolicy(RetryOptions options, std::shared_ptr<Clock> clock,
                         std::shared_ptr<Random> random, std::shared_ptr<RetryQuota> quota)
    : options_(options),
      clock_(std::move(clock)),
      random_(std::move(random)),
      quota_(quota ? std::move(quota) : std::make_shared<RetryQuota>(options.quotaCapacity)) {
  options_.maxAttempts = std::max(0, options_.maxAttempts);
}

Millis RetryPolicy::backoff(int retry) const {
  double exponent = std::min(retry - 1, 30);  // beyond 2^30 the cap applies anyway
  double ceiling = static_cast<double>(options_.baseDelay.count()) * std::pow(2.0, exponent);
  ceiling = std::min(ceiling, static_cast<double>(options_.maxBackoff.count()));
  return Millis{static_cast<Millis::rep>(random_->uniform01() * ceiling)};
}

bool RetryPolicy::isRetryable(const Error& error) {
  return error.retryable();
}

bool RetryPolicy::isTimeout(const Error& error) {
  return error.awsCode == kTransportTimeoutCode || error.awsCode == "RequestTimeout" ||
         error.awsCode == "RequestTimeoutException";
}

RetryPolicy::Loop::Loop(const RetryPolicy& policy, std::optional<MonoTime> deadline,
                        RetryStats& stats, int maxAttempts)
    : policy_(policy), stats_(stats), maxAttempts_(std::max(0, maxAttempts)) {
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
  if (error->httpStatus > 0) lastAnswer_ = *error;
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
  int cap = policy_.options().maxAttempts;
  if (cap == 0 && !context_.deadline) cap = kAttemptsWithoutDeadline;
  if (maxAttempts_ > 0) cap = cap == 0 ? maxAttempts_ : std::min(cap, maxAttempts_);
  if (cap > 0 && used >= cap) return true;
  int cost = isTimeout(*error) ? policy_.options().timeoutRetryCost : policy_.options().retryCost;
  Millis delay = policy_.backoff(++retries_);
  bool paid = quota.tryAcquire(cost);
  if (!paid) {
    // A sick region: keep trying within the budget, but as slowly as the
    // backoff cap allows, so many callers do not turn into a storm.
    delay = Millis{static_cast<Millis::rep>(
        policy_.random_->uniform01() * static_cast<double>(policy_.options().maxBackoff.count()))};
    spdlog::debug("retry quota exhausted; next retry of {} at the backoff cap", error->describe());
  }
  if (context_.deadline && now + delay >= *context_.deadline) {
    if (paid) quota.release(cost);
    spdlog::debug("not retrying: backoff of {} ms would cross the deadline", delay.count());
    return true;
  }
  quotaHeld_ = paid ? cost : 0;
  pendingDelay_ = delay;
  spdlog::debug("attempt {} failed ({}); retrying in {} ms", context_.attempt, error->describe(),
                delay.count());
  return false;
}

Error RetryPolicy::Loop::reported(const Error& error) const {
  const bool cutShort = error.category == ErrorCategory::kDeadlineExceeded ||
                        (isTimeout(error) && error.httpStatus == 0);
  if (!cutShort || !lastAnswer_ || !context_.deadline ||
      policy_.clock().monotonic() < *context_.deadline)
    return error;
  return *lastAnswer_;
}

Error RetryPolicy::Loop::finalError() const {
  if (stopError_) return *stopError_;
  if (stats_.lastError) return *stats_.lastError;
  return Error{ErrorCategory::kInternal, "retry loop ended without an attempt"};
}

}  // namespace tgwark::aws
