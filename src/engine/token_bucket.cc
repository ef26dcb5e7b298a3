#include "engine/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace tgwark::engine {

TokenBucket::TokenBucket(BucketSettings settings, Clock& clock)
    : settings_(settings), clock_(clock), tokens_(settings.capacity), last_(clock.monotonic()) {
  if (settings_.capacity < 1) settings_.capacity = 1;
  tokens_ = settings_.capacity;
}

void TokenBucket::refillLocked(MonoTime now) {
  if (now <= last_) return;
  double seconds = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(settings_.capacity, tokens_ + seconds * settings_.refillPerSecond);
  last_ = now;
}

bool TokenBucket::acquire(std::optional<MonoTime> deadline) {
  // The lock is held while sleeping on purpose: it makes waiters queue, so
  // token grants follow arrival order (home tables are dispatched first).
  std::lock_guard lock(mu_);
  refillLocked(clock_.monotonic());
  if (tokens_ < 1.0) {
    if (settings_.refillPerSecond <= 0) return false;
    double missing = 1.0 - tokens_;
    auto wait =
        Millis{static_cast<long long>(std::ceil(missing / settings_.refillPerSecond * 1000.0))};
    if (deadline && clock_.monotonic() + wait > *deadline) return false;
    clock_.sleepFor(wait);
    waited_ += wait;
    refillLocked(clock_.monotonic());
    // Rounding of the wait to whole milliseconds can leave us a hair short.
    tokens_ = std::max(tokens_, 1.0);
  }
  tokens_ -= 1.0;
  return true;
}

Millis TokenBucket::waited() const {
  std::lock_guard lock(mu_);
  return waited_;
}

double TokenBucket::tokens() const {
  std::lock_guard lock(mu_);
  return tokens_;
}

}  // namespace tgwark::engine
