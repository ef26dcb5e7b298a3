// Everything a command needs before it can act: logging set up for the action,
// the configuration found and loaded, the clock, the per-region EC2 clients
// (counting every call), and, on demand, this node's identity and the
// discovered topology.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "cli/identity.h"
#include "common/clock.h"
#include "common/error.h"
#include "engine/call_counter.h"
#include "engine/context.h"
#include "model/config.h"
#include "model/topology.h"

namespace tgwark::cli {

class CallStats;  // cli/metrics.h

// Process exit codes shared by the commands (INTERFACE.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitBadConfig = 2;

class Session {
 public:
  // Sets up logging for `action`, resolves and loads the config. Config errors
  // come back as kInvalidConfig (exit 2) before any AWS client exists.
  static Result<std::unique_ptr<Session>> open(const GlobalOptions& global,
                                               const std::string& action);
  // With a config already in hand and an explicit environment (the demo: the
  // embedded emulator's endpoint and metadata, nothing from the user's shell).
  // Does not touch logging.
  static Result<std::unique_ptr<Session>> create(const GlobalOptions& global, model::Config config,
                                                 ConfigSource source, aws::EnvLookup env);

  const GlobalOptions& global() const { return global_; }
  const model::Config& config() const { return config_; }
  const ConfigSource& configSource() const { return configSource_; }
  std::shared_ptr<Clock> clock() const { return clock_; }
  const engine::Ec2Factory& factory() const { return factory_; }
  engine::ApiCallCounts calls() const { return counter_->snapshot(); }
  std::shared_ptr<engine::ApiCallCounter> counter() const { return counter_; }
  // What the EC2 clients saw below the engine (errors by code, retries,
  // throttles), for --metrics-file.
  std::shared_ptr<CallStats> callStats() const { return callStats_; }
  // The environment the session resolves credentials and endpoints from
  // (validate rebuilds the credentials chain to say which provider answers).
  const aws::EnvLookup& env() const { return env_; }

  engine::Deadline deadlineAfterSeconds(int seconds) const;

  // This node (--node, instance metadata, host name); cached.
  Result<NodeIdentity> localNode();
  // Discovers (once per process) the topology in scope, and caches it on disk
  // (TGWARK_CACHE_DIR, default /var/cache/tgwark) for later runs. With
  // allowCache, a cached topology of the same config younger than
  // kTopologyCacheTtl is used instead: quickCheck then costs only its reads.
  Result<model::Topology> topology(const engine::Deadline& deadline, bool allowCache = false);
  // True when the last topology() came from the disk cache.
  bool topologyFromCache() const { return topologyFromCache_; }
  // Forgets the in-memory and on-disk topology (e.g. a cached table is gone).
  void invalidateTopology();

 private:
  Session() = default;
  GlobalOptions global_;
  aws::EnvLookup env_;
  model::Config config_;
  ConfigSource configSource_;
  std::shared_ptr<Clock> clock_;
  std::shared_ptr<engine::ApiCallCounter> counter_;
  std::shared_ptr<CallStats> callStats_;
  engine::Ec2Factory factory_;
  std::optional<NodeIdentity> node_;
  std::optional<model::Topology> topology_;
  bool topologyFromCache_ = false;
  std::string configDigest_;  // empty: no disk cache (configs not from a file)
  std::string cachePath() const;
};

inline constexpr std::chrono::seconds kTopologyCacheTtl{600};

// Logs an error the way every command does and returns its exit code:
// kInvalidConfig -> 2, everything else -> 1.
int reportError(const Error& error, const std::string& what);

}  // namespace tgwark::cli
