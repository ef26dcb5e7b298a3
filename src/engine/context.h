// What every engine operation needs besides the config and topology: a way to
// get the EC2 API of a region (real client or test fake), the time line it
// runs on, and the deadline of the whole action. Kept free of heavy includes
// so the CLI and tests can use it cheaply.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "aws/ec2_api.h"
#include "common/clock.h"
#include "common/error.h"

namespace tgwark::engine {

// One Ec2Api per region, or the reason there is none (kInvalidConfig for a
// region or endpoint that cannot be resolved, ...), which callers report
// per route with its category intact.
using Ec2Factory = std::function<Result<std::shared_ptr<aws::Ec2Api>>(const std::string& region)>;

// The absolute end of an action (restore 300 s, quickCheck 100 s, ...), on
// the injected clock so tests move time explicitly.
struct Deadline {
  std::shared_ptr<Clock> clock;
  std::optional<MonoTime> at;  // nullopt: unbounded

  static Deadline none(std::shared_ptr<Clock> c) { return Deadline{std::move(c), std::nullopt}; }
  static Deadline after(std::shared_ptr<Clock> c, Millis budget) {
    auto at = c->monotonic() + budget;
    return Deadline{std::move(c), at};
  }
  bool expired() const { return at && clock->monotonic() >= *at; }
  // Time left, clamped at zero; nullopt when unbounded.
  std::optional<Millis> remaining() const {
    if (!at) return std::nullopt;
    auto left = std::chrono::duration_cast<Millis>(*at - clock->monotonic());
    return left.count() > 0 ? left : Millis{0};
  }
  // True when `wait` from now would pass the deadline.
  bool wouldPass(Millis wait) const { return at && clock->monotonic() + wait > *at; }
  // `budget` from now, but never later than this deadline.
  Deadline within(Millis budget) const {
    auto end = clock->monotonic() + budget;
    return Deadline{clock, at && *at < end ? *at : end};
  }
  aws::CallOptions callOptions(bool dryRun = false) const { return aws::CallOptions{dryRun, at}; }
};

// The Ec2Api of `region`, or the factory's error. kInternal only for a
// missing factory or one that answers with a null client.
Result<std::shared_ptr<aws::Ec2Api>> apiFor(const Ec2Factory& factory, const std::string& region);

// The error used when the action's deadline passes before an operation starts.
Error deadlineError(std::string_view what);

}  // namespace tgwark::engine
