// Client-side pacing of mutating EC2 calls. EC2 throttles per account, region
// and API with token buckets (mutating: 50 burst, 5/s refill); a failover
// that writes hundreds of routes must queue itself instead of running into
// RequestLimitExceeded and the SDK's exponential backoff.
#pragma once

#include <mutex>
#include <optional>

#include "common/clock.h"

namespace tgwark::engine {

// Defaults sit a little under EC2's mutating-action bucket (50 burst, 5/s):
// requests leave in order but arrive with jitter, and the account's bucket
// is shared with every other client, so pacing exactly at the limit still
// trips RequestLimitExceeded now and then.
struct BucketSettings {
  double capacity = 40;
  double refillPerSecond = 4.5;
};

class TokenBucket {
 public:
  // Starts full.
  TokenBucket(BucketSettings settings, Clock& clock);

  // Takes one token, sleeping on the clock until one is available. Returns
  // false without sleeping when the token would only come after `deadline`.
  // Waiters are served one at a time, so the order in which callers arrive is
  // the order in which they get tokens.
  bool acquire(std::optional<MonoTime> deadline = std::nullopt);

  // Total time callers spent waiting for tokens.
  Millis waited() const;
  double tokens() const;

 private:
  void refillLocked(MonoTime now);

  BucketSettings settings_;
  Clock& clock_;
  mutable std::mutex mu_;
  double tokens_;
  MonoTime last_;
  Millis waited_{0};
};

}  // namespace tgwark::engine
