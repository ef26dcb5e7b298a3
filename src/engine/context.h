// What every engine operation needs besides the config and topology: a way to
// get the EC2 API of a region (real client or test fake), the time line it
// runs on, and the deadline of the whole action. Kept free of heavy includes
// so the CLI and tests can use it cheaply.
#pragma once

#include <atomic>
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

// When one region last answered, for a deadline that also ends once that
// region has been silent for `quiet` (Deadline::quietAfter). A region that is
// slow but answering (throttled at 50 %, say) keeps going; one that stalls
// or only throttles is given up on `quiet` after its last real answer.
class AnswerWatch {
 public:
  AnswerWatch(std::shared_ptr<Clock> clock, Millis quiet)
      : clock_(std::move(clock)), quiet_(quiet), last_(clock_->monotonic().time_since_epoch()) {}
  void answered() { last_.store(clock_->monotonic().time_since_epoch()); }
  // The moment the silence becomes too long, as of the last answer.
  MonoTime cutoff() const { return MonoTime(last_.load()) + quiet_; }

 private:
  std::shared_ptr<Clock> clock_;
  Millis quiet_;
  std::atomic<MonoTime::duration> last_;
};

// The end of an action (restore 300 s, quickCheck 100 s, ...), on the
// injected clock so tests move time explicitly: a fixed time, and for a
// deadline made by quietAfter also the silence limit of one region.
struct Deadline {
  std::shared_ptr<Clock> clock;
  std::optional<MonoTime> at;  // nullopt: unbounded
  // Set by quietAfter: the calls of the region this deadline is for report
  // their answers to it (watchedFactory), and the deadline ends early when
  // they stop.
  std::shared_ptr<AnswerWatch> quiet;

  static Deadline none(std::shared_ptr<Clock> c) { return Deadline{std::move(c), std::nullopt}; }
  static Deadline after(std::shared_ptr<Clock> c, Millis budget) {
    auto at = c->monotonic() + budget;
    return Deadline{std::move(c), at};
  }
  // The effective end now: the fixed one, or earlier when the region has
  // been silent too long.
  std::optional<MonoTime> end() const {
    if (!quiet) return at;
    const auto cut = quiet->cutoff();
    return at && *at < cut ? *at : cut;
  }
  bool expired() const {
    const auto e = end();
    return e && clock->monotonic() >= *e;
  }
  // Time left, clamped at zero; nullopt when unbounded.
  std::optional<Millis> remaining() const {
    const auto e = end();
    if (!e) return std::nullopt;
    auto left = std::chrono::duration_cast<Millis>(*e - clock->monotonic());
    return left.count() > 0 ? left : Millis{0};
  }
  // True when `wait` from now would pass the deadline.
  bool wouldPass(Millis wait) const {
    const auto e = end();
    return e && clock->monotonic() + wait > *e;
  }
  // `budget` from now, but never later than this deadline.
  Deadline within(Millis budget) const {
    auto limit = clock->monotonic() + budget;
    return Deadline{clock, at && *at < limit ? *at : limit, quiet};
  }
  // This deadline, also ended by `silence` without an answer (counted from
  // now) from the calls reported to the returned deadline's watch.
  Deadline quietAfter(Millis silence) const {
    return Deadline{clock, at, std::make_shared<AnswerWatch>(clock, silence)};
  }
  aws::CallOptions callOptions(bool dryRun = false) const {
    return aws::CallOptions{dryRun, end()};
  }
};

// The Ec2Api of `region`, or the factory's error. kInternal only for a
// missing factory or one that answers with a null client.
Result<std::shared_ptr<aws::Ec2Api>> apiFor(const Ec2Factory& factory, const std::string& region);

// The error used when the action's deadline passes before an operation starts.
Error deadlineError(std::string_view what);

}  // namespace tgwark::engine
