// Time and randomness behind interfaces, so signing, credential expiry, retry
// backoff and pacing are deterministic in tests (the fakes live in
// tests/support/fake_clock.h).
#pragma once

#include <chrono>
#include <memory>

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

}  // namespace tgwark
