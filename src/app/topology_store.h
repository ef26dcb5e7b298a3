// The durable scope: the managed set (tables, their VPCs and TGWs,
// attachments, associations, peerings, and why and since when each table is
// managed), kept per configuration in the state directory. Discovery unions
// it with what it finds, so a table never leaves the scope just because its
// VIP route was deleted; a region that cannot be read is taken at its last
// known state. A young enough copy also stands in for discovery, so quickCheck
// (every two minutes, for the life of the cluster) costs only its reads.
// Keyed by a digest of the configuration: a copy written for another config is
// never used. The format is versioned (model/topology_io.h).
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

#include "common/env.h"
#include "model/topology.h"

namespace tgwark::app {

// How old a stored topology may be and still stand in for discovery
// (quickCheck); the managed set in it never expires.
inline constexpr std::chrono::seconds kTopologyCacheTtl{600};
// Far above any real scope (ref-scale stores well under 1 MiB).
inline constexpr std::size_t kMaxScopeFileBytes = 32u << 20;

struct StoredScope {
  model::Topology topology;
  // False: an older format's managed tables only (nothing else is trusted).
  bool complete = true;
  // Younger than the freshness asked for (and not from the future).
  bool fresh = false;
};

class TopologyStore {
 public:
  // `dir` holds one file per config; `key` is the config digest (non-empty).
  TopologyStore(std::filesystem::path dir, std::string key);

  // $TGWARK_STATE_DIR, default /var/lib/tgwark.
  static std::filesystem::path defaultDirectory(const EnvLookup& env);

  // What the store holds, whatever its age (`fresh` says whether it is
  // younger than `freshFor`). nullopt when there is none, or it was written
  // for another config (logged at debug), or it cannot be used: corrupt,
  // unreadable, oversized, not a regular file (one warning each call; the
  // caller rediscovers). An older format yields its managed tables only.
  std::optional<StoredScope> read(std::chrono::seconds freshFor = kTopologyCacheTtl) const;
  // The complete stored topology when younger than `maxAge` (nullopt: any age).
  std::optional<model::Topology> load(std::optional<std::chrono::seconds> maxAge) const;
  bool exists() const;
  // Best effort: a store that cannot be written is warned about (the scope
  // then lives only as long as the process) and costs a discovery next time.
  void save(const model::Topology& topology) const;
  // The stored scope was checked against AWS and found unchanged: it counts
  // as fresh again for kTopologyCacheTtl (best effort: its time is bumped).
  void markConfirmed() const;
  void remove() const;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::string key_;
};

}  // namespace tgwark::app
