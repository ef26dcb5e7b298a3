// A tiny fork/join helper: runs n independent jobs on at most `workers`
// threads and joins them all before returning. The engine's regions and tables
// are independent, so this is all the concurrency it needs; no thread
// outlives the call.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <functional>
#include <thread>
#include <vector>

namespace tgwark::engine {

// fn(i) for every i in [0, n). Jobs are started in index order, so callers
// that sort by priority get the high-priority jobs started first. fn must not
// throw (engine code reports errors through Result).
inline void parallelFor(std::size_t n, std::size_t workers,
                        const std::function<void(std::size_t)>& fn) {
  if (n == 0) return;
  workers = std::clamp<std::size_t>(workers, 1, n);
  if (workers == 1) {
    for (std::size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  auto loop = [&] {
    for (std::size_t i = next++; i < n; i = next++) fn(i);
  };
  std::vector<std::jthread> threads;
  threads.reserve(workers - 1);
  for (std::size_t w = 0; w + 1 < workers; ++w) threads.emplace_back(loop);
  loop();
  // jthreads join on destruction.
}

}  // namespace tgwark::engine
