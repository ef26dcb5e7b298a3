// Retries for calls made on behalf of an HA action: transient errors
// (throttling, 5xx, resets, unparseable answers) are retried with full-jitter
// exponential backoff until the call's deadline — the action's own budget —
// rather than for a fixed number of attempts; permission and validation
// errors never are. A client-side retry quota (the SDKs' token bucket) keeps
// a sick region from a retry storm by slowing retries to the backoff cap when
// it runs dry, and an adaptive rate limiter (the SDKs' "adaptive" mode) backs
// the request rate off on throttling and lets it recover. Time and randomness
// come from the injected Clock and Random, so tests are deterministic and
// never sleep.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "aws/endpoints.h"
#include "common/clock.h"
#include "common/error.h"

namespace tgwark::aws {

// Attempts of a call that has no deadline when maxAttempts is not set.
inline constexpr int kAttemptsWithoutDeadline = 3;

struct RetryOptions {
  // Total attempts including the first when set (> 0): the config's
  // max_attempts or AWS_MAX_ATTEMPTS, through engine::effectiveMaxAttempts.
  // 0 (the default): no cap, the call's deadline bounds the retries
  // (kAttemptsWithoutDeadline for a call without one).
  int maxAttempts = 0;
  // Delay before retry n (n = 1, 2, ...) is random(0..1) * min(cap, base *
  // 2^(n-1)) ("full jitter"). The cap is lower than the SDKs' 20 s: an HA
  // action's budget is a few minutes, and a 5 s cap still spreads retries
  // while fitting dozens of them into it.
  Millis baseDelay{1000};
  Millis maxBackoff{5000};
  // Retry quota (SDK defaults).
  int quotaCapacity = 500;
  int retryCost = 5;
  int timeoutRetryCost = 10;
  int noRetryIncrement = 1;
};

// Token bucket shared by all calls of one client (one region). Thread-safe.
class RetryQuota {
 public:
  explicit RetryQuota(int capacity = 500) : capacity_(capacity), available_(capacity) {}
  // Takes `cost` tokens; false (and nothing taken) when not enough are left.
  bool tryAcquire(int cost);
  // Returns tokens after a success, never above capacity.
  void release(int amount);
  int available() const;

 private:
  mutable std::mutex mu_;
  int capacity_;
  int available_;
};

// The AWS SDKs' adaptive client-side rate limiter: free until the first
// throttled answer, then a token bucket whose rate drops by `beta` on every
// throttle and grows back along a CUBIC curve on successes, so a throttled
// account is asked less often instead of being hammered by retries.
// Thread-safe; waits on the injected Clock.
class AdaptiveRateLimiter {
 public:
  struct Options {
    double startRate = 10.0;  // requests/s assumed before the first throttle
    double minRate = 0.5;
    double maxRate = 100.0;
    double beta = 0.7;   // multiplicative decrease on a throttle
    double scale = 0.4;  // CUBIC's C
  };
  AdaptiveRateLimiter() : AdaptiveRateLimiter(Options{}) {}
  explicit AdaptiveRateLimiter(Options options) : options_(options) {}

  // Waits (on `clock`) until one request may be sent.
  void acquire(Clock& clock);
  // The same, but gives up at once, without waiting and without taking the
  // token, when the wait would end after `until`: false then.
  bool acquire(Clock& clock, std::optional<MonoTime> until);
  // Feeds one answer back: throttled or not.
  void onAnswer(bool throttled, const Clock& clock);
  bool enabled() const;
  double rate() const;  // requests/s; meaningful once enabled

 private:
  double seconds(MonoTime t) const;
  void refill(double now);

  Options options_;
  mutable std::mutex mu_;
  bool enabled_ = false;
  double fillRate_ = 0;
  double capacity_ = 1;
  double tokens_ = 0;
  double lastRefill_ = 0;
  double lastMaxRate_ = 0;
  double lastThrottle_ = 0;
};

struct AttemptContext {
  int attempt = 1;  // 1-based
  // Absolute deadline of the whole call; the attempt should bound its own
  // timeout by it.
  std::optional<MonoTime> deadline;
  // Set on the extra attempt made after an expired-credentials error.
  bool credentialsExpired = false;
};

struct RetryStats {
  int attempts = 0;
  bool throttled = false;  // at least one attempt was throttled
  std::optional<Error> lastError;
};

// One attempt: the HTTP exchange, returning the parsed error for non-2xx.
template <class T>
using AttemptFn = std::function<Result<T>(const AttemptContext&)>;

class RetryPolicy {
 public:
  RetryPolicy(RetryOptions options, std::shared_ptr<Clock> clock, std::shared_ptr<Random> random,
              std::shared_ptr<RetryQuota> quota = nullptr);

  const RetryOptions& options() const { return options_; }
  Clock& clock() const { return *clock_; }
  RetryQuota& quota() const { return *quota_; }

  // Backoff before retry number `retry` (1 = first retry).
  Millis backoff(int retry) const;
  // Whether an error is worth another attempt by category (quota and
  // attempts aside): throttling, 5xx, transport failures. Never permission,
  // validation, not-found or conflict errors.
  static bool isRetryable(const Error& error);
  // Transport timeouts cost more quota than other failures.
  static bool isTimeout(const Error& error);

  // Runs `attempt` until it succeeds, fails with a non-retryable error, runs
  // out of attempts (when capped, see RetryOptions::maxAttempts), or the next
  // backoff would cross the deadline (then the last error is returned — the
  // last answer when the final attempt only timed out at the deadline;
  // kDeadlineExceeded when the deadline had passed before any attempt). An
  // empty retry quota does not end the call: it stretches every further
  // backoff to the full cap. An expired-credentials error (ExpiredToken,
  // RequestExpired) gets exactly one immediate extra attempt, flagged in the
  // context so the caller fetches credentials again. `maxAttempts` (> 0)
  // caps this call's attempts below the policy's own cap.
  template <class T>
  Result<T> run(std::optional<MonoTime> deadline, const AttemptFn<T>& attempt,
                RetryStats* stats = nullptr, int maxAttempts = 0) const {
    RetryStats local;
    RetryStats& s = stats ? *stats : local;
    Result<T> result = std::unexpected(Error{});
    Loop loop(*this, deadline, s, maxAttempts);
    while (loop.next()) {
      result = attempt(loop.context());
      if (loop.finish(result.has_value() ? nullptr : &result.error())) {
        if (!result) return std::unexpected(loop.reported(result.error()));
        return result;
      }
    }
    return std::unexpected(loop.reported(loop.finalError()));
  }

 private:
  // The non-template part of run(): decides whether and when to try again.
  class Loop {
   public:
    Loop(const RetryPolicy& policy, std::optional<MonoTime> deadline, RetryStats& stats,
         int maxAttempts);
    // Sleeps the backoff if needed; false when no further attempt may be made.
    bool next();
    const AttemptContext& context() const { return context_; }
    // Records an attempt's outcome (error == nullptr for success); true when
    // that outcome is final and should be returned as is.
    bool finish(const Error* error);
    Error finalError() const;
    // What the call reports for its final error: when the last attempt was
    // only cut short by the deadline (a timeout with no answer), the last
    // answer the service gave (its code and request id) says more.
    Error reported(const Error& error) const;

   private:
    const RetryPolicy& policy_;
    RetryStats& stats_;
    AttemptContext context_;
    int retries_ = 0;
    int maxAttempts_ = 0;  // the call's own cap; 0: none
    int quotaHeld_ = 0;
    bool expiredRetryUsed_ = false;
    Millis pendingDelay_{0};
    std::optional<Error> stopError_;
    std::optional<Error> lastAnswer_;  // the last error that came with an HTTP answer
  };

  RetryOptions options_;
  std::shared_ptr<Clock> clock_;
  std::shared_ptr<Random> random_;
  std::shared_ptr<RetryQuota> quota_;
};

}  // namespace tgwark::aws
