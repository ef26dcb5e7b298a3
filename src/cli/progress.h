// A one-line progress indicator on stderr for long operations (discovery and
// apply over hundreds of tables): phase, API calls so far, elapsed time. Only
// on a terminal; silent when stderr is a pipe or a log (LifeKeeper, cron).
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace tgwark::cli {

class Progress {
 public:
  // `calls` reports the API calls made so far; read from the ticker thread.
  explicit Progress(std::function<int()> calls);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void phase(std::string label);
  // Clears the line; idempotent.
  void done();
  bool active() const { return enabled_; }

  // The text of the line, for tests.
  static std::string line(const std::string& label, int calls, double seconds);

 private:
  void run();
  std::function<int()> calls_;
  bool enabled_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string label_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace tgwark::cli
