// The on-disk copy of the discovered scope, kept between runs so quickCheck
// (every two minutes, for the life of the cluster) costs only its reads.
// Keyed by a digest of the configuration and of the build: a copy written for
// another config or another tgwark is never used.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "common/env.h"
#include "model/topology.h"

namespace tgwark::app {

// How old a stored topology may be and still be used by quickCheck.
inline constexpr std::chrono::seconds kTopologyCacheTtl{600};

class TopologyStore {
 public:
  // `dir` holds one file per config; `key` is the config digest (non-empty).
  TopologyStore(std::filesystem::path dir, std::string key);

  // $TGWARK_CACHE_DIR, default /var/cache/tgwark.
  static std::filesystem::path defaultDirectory(const EnvLookup& env);

  // The stored topology when it is younger than `maxAge` (a file from the
  // future by more than a minute counts as stale; nullopt maxAge: any age);
  // nullopt when missing, stale, unreadable or written for another key
  // (logged at debug).
  std::optional<model::Topology> load(std::optional<std::chrono::seconds> maxAge) const;
  bool exists() const;
  // Best effort: a store that cannot be written costs a discovery next time.
  void save(const model::Topology& topology) const;
  void remove() const;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::string key_;
};

}  // namespace tgwark::app
