#include "cli/progress.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>

#include <fmt/format.h>

#include "cli/table.h"

namespace tgwark::cli {

Progress::Progress(std::function<int()> calls)
    : calls_(std::move(calls)), enabled_(terminalWantsColour(STDERR_FILENO)) {
  if (enabled_) thread_ = std::thread([this] { run(); });
}

Progress::~Progress() {
  done();
}

void Progress::phase(std::string label) {
  std::lock_guard lock(mu_);
  label_ = std::move(label);
}

void Progress::done() {
  {
    std::lock_guard lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (enabled_) std::fputs("\r\033[K", stderr);
}

std::string Progress::line(const std::string& label, int calls, double seconds) {
  return fmt::format("{} … {} API call{}, {:.1f} s", label, calls, calls == 1 ? "" : "s", seconds);
}

void Progress::run() {
  const auto start = std::chrono::steady_clock::now();
  std::unique_lock lock(mu_);
  // The first line only after a moment: fast commands print nothing at all.
  if (cv_.wait_for(lock, std::chrono::milliseconds(300), [this] { return stop_; })) return;
  while (!stop_) {
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::string text = line(label_, calls_ ? calls_() : 0, seconds);
    std::fprintf(stderr, "\r\033[K%s", text.c_str());
    std::fflush(stderr);
    cv_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stop_; });
  }
}

}  // namespace tgwark::cli
