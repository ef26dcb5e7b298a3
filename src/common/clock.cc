#include "common/clock.h"

#include <mutex>

#include <random>
#include <thread>

namespace tgwark {

void SystemClock::sleepFor(Millis duration) {
  if (duration.count() > 0) std::this_thread::sleep_for(duration);
}

std::shared_ptr<SystemClock> SystemClock::instance() {
  static auto clock = std::make_shared<SystemClock>();
  return clock;
}

struct SystemRandom::Impl {
  std::mutex mu;
  std::mt19937_64 engine{std::random_device{}()};
  std::uniform_real_distribution<double> dist{0.0, 1.0};
};

SystemRandom::SystemRandom() : impl_(std::make_unique<Impl>()) {}
SystemRandom::~SystemRandom() = default;

double SystemRandom::uniform01() {
  std::lock_guard lock(impl_->mu);
  return impl_->dist(impl_->engine);
}

}  // namespace tgwark
