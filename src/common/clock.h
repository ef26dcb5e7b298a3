// Time and randomness behind interfaces, so signing, credential expiry, retry
// backoff and pacing are deterministic in tests: a fake clock advances only when
// told to (or when code "sleeps" on it), and a fake random source is scripted.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>

namespace tgwark {

using WallTime = std::chrono::system_clock::time_point;
using MonoTime = std::chrono::steady_clock::time_point;
using Millis = std::chrono::milliseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time: SigV4 dates, credential expirations.
  virtual WallTime now() const = 0;
  // Monotonic time: deadlines, backoff, token buckets.
  virtual MonoTime monotonic() const = 0;
  // Blocks (or, in a fake, advances time) for the given duration.
  virtual void sleepFor(Millis duration) = 0;
};

class SystemClock final : public Clock {
 public:
  WallTime now() const override { return std::chrono::system_clock::now(); }
  MonoTime monotonic() const override { return std::chrono::steady_clock::now(); }
  void sleepFor(Millis duration) override;
  static std::shared_ptr<SystemClock> instance();
};

// Test clock: both time lines start at fixed points and move only by advance()
// or sleepFor(). Thread-safe so concurrent engine code can share it.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(WallTime start = WallTime{std::chrono::seconds{
                         1440936960}})  // 2015-08-30T12:16:00Z
      : wall_(start) {}
  WallTime now() const override;
  MonoTime monotonic() const override;
  void sleepFor(Millis duration) override { advance(duration); }
  void advance(Millis duration);
  void setWall(WallTime t);
  Millis totalSlept() const;

 private:
  mutable std::mutex mu_;
  WallTime wall_;
  MonoTime mono_{};
  Millis slept_{0};
};

class Random {
 public:
  virtual ~Random() = default;
  // Uniform in [0, 1).
  virtual double uniform01() = 0;
};

class SystemRandom final : public Random {
 public:
  SystemRandom();
  ~SystemRandom() override;
  double uniform01() override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Always returns the same value (0.5 by default): makes jittered backoff exact in tests.
class FixedRandom final : public Random {
 public:
  explicit FixedRandom(double value = 0.5) : value_(value) {}
  double uniform01() override { return value_; }

 private:
  double value_;
};

}  // namespace tgwark
