// The application core's context: everything an HA action or a report needs
// before it can act — the loaded configuration, the clock, the per-region EC2
// clients (counting every call), this node's identity and the topology in
// scope (discovered, or from the on-disk store). Every front end (command
// line, LifeKeeper, OCF) builds one; tests build one from fakes, so the HA
// actions are unit-tested without a process, a network or a file.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "app/call_stats.h"
#include "app/identity.h"
#include "app/topology_store.h"
#include "common/clock.h"
#include "common/env.h"
#include "common/error.h"
#include "engine/call_counter.h"
#include "engine/context.h"
#include "model/config.h"
#include "model/topology.h"

namespace tgwark::app {

// Everything a Context is made from. Only `config` and `env` are required;
// the rest defaults to the real thing.
struct ContextOptions {
  model::Config config;
  ConfigSource configSource;
  EnvLookup env;
  std::string nodeFlag;  // --node NAME (or the cluster manager's node parameter)
  NodeLookupOptions nodeLookup;
  // Bounds every HA action instead of restore_timeout_s / quickcheck_timeout_s:
  // a cluster manager that kills the action at its own timeout passes a bit less.
  std::optional<std::chrono::milliseconds> actionTimeout;
  std::shared_ptr<Clock> clock;
  // Region clients; default: real EC2 clients (endpoints, credentials, retries).
  std::optional<engine::Ec2Factory> ec2Factory;
  // This instance's id; default: instance metadata (IMDSv2).
  InstanceIdLookup instanceId;
  // This host's name; default: gethostname().
  std::optional<std::string> hostName;
  // Where the topology is kept between runs; nullopt: nowhere (each run discovers).
  std::optional<TopologyStore> store;
};

class Context {
 public:
  // kInvalidConfig for a bad endpoint or region in the config (no AWS call made).
  static Result<std::unique_ptr<Context>> create(ContextOptions options);

  const model::Config& config() const { return config_; }
  const ConfigSource& configSource() const { return configSource_; }
  const EnvLookup& env() const { return env_; }
  std::shared_ptr<Clock> clock() const { return clock_; }
  const engine::Ec2Factory& factory() const { return factory_; }
  engine::ApiCallCounts calls() const { return counter_->snapshot(); }
  std::shared_ptr<engine::ApiCallCounter> counter() const { return counter_; }
  // What the EC2 clients saw below the engine (errors by code, retries, throttles).
  std::shared_ptr<CallStats> callStats() const { return callStats_; }

  engine::Deadline deadlineAfterSeconds(int seconds) const;
  // An HA action's budget: the actionTimeout override, else the config's
  // `configSeconds`.
  std::chrono::milliseconds actionTimeout(int configSeconds) const;
  engine::Deadline actionDeadline(int configSeconds) const;

  // This node (--node, instance metadata, host name); resolved once.
  Result<NodeIdentity> localNode();
  // The topology in scope, discovered once per process (unioned with the
  // stored scope's managed set, a remote region that cannot be read taken
  // from the store; regions other than this node's, once localNode() is
  // known, bounded by remote_wait_s) and saved to the store. With
  // allowCache, a stored topology younger than kTopologyCacheTtl is used
  // instead: quickCheck then costs only its reads.
  Result<model::Topology> topology(const engine::Deadline& deadline, bool allowCache = false);
  // The store's last known scope whatever its age, when there is a complete
  // one: what restore and recover act on when discovery cannot complete.
  // Safe to call from several threads.
  std::optional<model::Topology> storedTopology() const;
  // The same, not copied (a 1,000-table scope costs a millisecond or two to
  // copy, on restore's critical path); null when there is none.
  std::shared_ptr<const model::Topology> sharedStoredTopology() const;
  // The stored scope is complete and was confirmed (discovered, or checked
  // unchanged) less than kTopologyCacheTtl ago: quickCheck then skips the
  // check of the scope and costs exactly its reads.
  bool storedTopologyFresh() const;
  // A check of the stored scope found it unchanged: it is fresh again.
  void confirmStoredTopology();
  // Forgets the in-memory topology and stops the stored one standing in for
  // discovery (a stored table may be gone); the stored managed set stays.
  void invalidateTopology();

 private:
  Context() = default;
  model::Config config_;
  ConfigSource configSource_;
  EnvLookup env_;
  std::string nodeFlag_;
  NodeLookupOptions nodeLookup_;
  std::optional<std::chrono::milliseconds> actionTimeout_;
  std::shared_ptr<Clock> clock_;
  std::shared_ptr<engine::ApiCallCounter> counter_;
  std::shared_ptr<CallStats> callStats_;
  engine::Ec2Factory factory_;
  InstanceIdLookup instanceId_;
  std::string hostName_;
  std::optional<TopologyStore> store_;
  // The store's content, read once per process (so a bad file is warned
  // about once) and replaced by what this process saves.
  std::shared_ptr<const StoredScope> storedScope() const;
  mutable std::mutex storeMu_;
  mutable bool storeRead_ = false;
  mutable std::shared_ptr<const StoredScope> stored_;
  std::optional<NodeIdentity> node_;
  std::optional<model::Topology> topology_;
};

// What a front end knows before the configuration is read.
struct LoadOptions {
  std::string configFlag;           // --config / OCF_RESKEY_config
  std::string tag;                  // the cluster manager's resource tag
  ResourceConfigLookup byResource;  // the cluster manager's record of the config, if any
  std::string nodeFlag;
  NodeLookupOptions nodeLookup;
  std::optional<std::chrono::milliseconds> actionTimeout;  // see ContextOptions
  EnvLookup env;                                           // default: the process environment
  // Settings over the file's values (a cluster manager's resource parameters).
  std::vector<model::ConfigSetting> settings;
  // No file at all: the settings are the whole configuration, and
  // `settingsSource` names them in messages.
  bool noFile = false;
  std::string settingsSource = "settings";
};

// The configuration `options` describe: the file (resolved as loadContext
// does, unless noFile) with the settings over it; where it came from in
// `source` when given. kInvalidConfig on any problem.
Result<model::Config> loadConfiguration(const LoadOptions& options, ConfigSource* source = nullptr);

// The topology store of `config`, in TopologyStore::defaultDirectory(env):
// the one loadContext's Context reads and writes.
TopologyStore topologyStoreFor(const model::Config& config, const EnvLookup& env);

// Resolves and loads the configuration (kInvalidConfig on any problem, before
// any AWS client exists) and builds the Context, with the topology store in
// TopologyStore::defaultDirectory keyed by the digest of the config file and
// the settings.
Result<std::unique_ptr<Context>> loadContext(LoadOptions options);

}  // namespace tgwark::app
