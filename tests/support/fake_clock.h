// Test doubles for the Clock and Random seams: a clock whose time lines move
// only when told to (or when code "sleeps" on it), and a random source that
// always answers the same value, so backoff, expiry and pacing are exact.
#pragma once

#include <memory>
#include <mutex>

#include "common/clock.h"

namespace tgwark {

// Both time lines start at fixed points and move only by advance() or
// sleepFor(). Thread-safe so concurrent engine code can share it.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(WallTime start = WallTime{std::chrono::seconds{
                         1440936960}})  // 2015-08-30T12:16:00Z
      : wall_(start) {}
  WallTime now() const override {
    std::lock_guard lock(mu_);
    return wall_;
  }
  MonoTime monotonic() const override {
    std::lock_guard lock(mu_);
    return mono_;
  }
  void sleepFor(Millis duration) override { advance(duration); }
  void advance(Millis duration) {
    std::lock_guard lock(mu_);
    wall_ += duration;
    mono_ += duration;
    slept_ += duration;
  }
  void setWall(WallTime t) {
    std::lock_guard lock(mu_);
    wall_ = t;
  }
  Millis totalSlept() const {
    std::lock_guard lock(mu_);
    return slept_;
  }

 private:
  mutable std::mutex mu_;
  WallTime wall_;
  MonoTime mono_{};
  Millis slept_{0};
};

// Always returns the same value (0.5 by default): makes jittered backoff exact.
class FixedRandom final : public Random {
 public:
  explicit FixedRandom(double value = 0.5) : value_(value) {}
  double uniform01() override { return value_; }

 private:
  double value_;
};

}  // namespace tgwark
