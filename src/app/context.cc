#include "app/context.h"

#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include "aws/curl_http_client.h"
#include "aws/imds_client.h"
#include "aws/sigv4.h"
#include "engine/aws_factory.h"
#include "engine/discovery.h"

namespace tgwark::app {

namespace {

// The store key: a digest of what decides the scope (model::scopeFingerprint),
// so neither an upgrade nor an edit of a timeout or a comment loses the
// durable managed set; another VIP, other nodes or other lists get another
// store.
std::string storeKey(const model::Config& config) {
  return aws::sigv4::sha256Hex(model::scopeFingerprint(config));
}

InstanceIdLookup imdsInstanceId(EnvLookup env, std::shared_ptr<Clock> clock) {
  return [env = std::move(env), clock = std::move(clock)]() -> Result<std::string> {
    if (aws::imdsDisabled(env)) {
      return makeError(ErrorCategory::kNotFound, "AWS_EC2_METADATA_DISABLED is set");
    }
    aws::CurlHttpClientOptions httpOptions;
    httpOptions.connectTimeout = std::chrono::milliseconds(1000);
    auto http = std::make_shared<aws::CurlHttpClient>(httpOptions);
    aws::ImdsOptions options;
    options.endpoint = aws::resolveImdsEndpoint(env);
    aws::ImdsClient imds(http, clock, options);
    return imds.instanceId();
  };
}

}  // namespace

Result<std::unique_ptr<Context>> Context::create(ContextOptions options) {
  std::unique_ptr<Context> c(new Context());
  c->config_ = std::move(options.config);
  c->configSource_ = std::move(options.configSource);
  c->env_ = options.env ? std::move(options.env) : processEnvironment();
  c->nodeFlag_ = std::move(options.nodeFlag);
  c->nodeLookup_ = std::move(options.nodeLookup);
  c->actionTimeout_ = options.actionTimeout;
  c->clock_ = options.clock ? std::move(options.clock) : SystemClock::instance();
  c->counter_ = std::make_shared<engine::ApiCallCounter>();
  c->callStats_ = std::make_shared<CallStats>();
  c->hostName_ = options.hostName ? std::move(*options.hostName) : localHostName();
  if (options.instanceId) {
    c->instanceId_ = std::move(options.instanceId);
  } else if (aws::imdsDisabled(c->env_)) {
    // Metadata turned off on purpose: nothing to learn, nothing to stand in.
    c->instanceId_ = imdsInstanceId(c->env_, c->clock_);
  } else {
    c->instanceId_ = rememberingInstanceId(imdsInstanceId(c->env_, c->clock_),
                                           stateDirectory(c->env_) + "/instance-id", c->hostName_);
  }
  c->store_ = std::move(options.store);
  engine::Ec2Factory factory;
  if (options.ec2Factory) {
    factory = std::move(*options.ec2Factory);
  } else {
    engine::AwsFactoryOptions factoryOptions;
    factoryOptions.observer = c->callStats_;
    factoryOptions.clock = c->clock_;
    auto real = engine::makeAwsEc2Factory(c->config_, c->env_, std::move(factoryOptions));
    if (!real) return std::unexpected(real.error());
    factory = std::move(*real);
  }
  c->factory_ = engine::countingFactory(std::move(factory), c->counter_);
  return c;
}

engine::Deadline Context::deadlineAfterSeconds(int seconds) const {
  return engine::Deadline::after(clock_, std::chrono::seconds(seconds));
}

std::chrono::milliseconds Context::actionTimeout(int configSeconds) const {
  if (actionTimeout_) return *actionTimeout_;
  return std::chrono::seconds(configSeconds);
}

engine::Deadline Context::actionDeadline(int configSeconds) const {
  return engine::Deadline::after(clock_, actionTimeout(configSeconds));
}

Result<NodeIdentity> Context::localNode() {
  if (node_) return *node_;
  auto node = resolveLocalNode(config_, nodeFlag_, instanceId_, hostName_, nodeLookup_);
  if (!node) return std::unexpected(node.error());
  spdlog::debug("this node is {} (from {})", node->name, node->how);
  node_ = *node;
  return *node_;
}

std::shared_ptr<const StoredScope> Context::storedScope() const {
  std::lock_guard lock(storeMu_);
  if (!storeRead_ && store_) {
    if (auto read = store_->read()) stored_ = std::make_shared<const StoredScope>(std::move(*read));
  }
  storeRead_ = true;
  return stored_;
}

std::optional<model::Topology> Context::storedTopology() const {
  auto stored = storedScope();
  if (!stored || !stored->complete) return std::nullopt;
  return stored->topology;
}

std::shared_ptr<const model::Topology> Context::sharedStoredTopology() const {
  auto stored = storedScope();
  if (!stored || !stored->complete) return nullptr;
  return std::shared_ptr<const model::Topology>(stored, &stored->topology);
}

bool Context::storedTopologyFresh() const {
  auto stored = storedScope();
  return stored && stored->complete && stored->fresh;
}

void Context::confirmStoredTopology() {
  auto stored = storedScope();
  if (!store_ || !stored || !stored->complete) return;
  store_->markConfirmed();
  if (stored->fresh) return;
  auto confirmed = std::make_shared<StoredScope>(*stored);
  confirmed->fresh = true;
  std::lock_guard lock(storeMu_);
  stored_ = std::move(confirmed);
}

void Context::invalidateTopology() {
  topology_.reset();
  // The stored scope stays (its managed set is durable): it only stops
  // standing in for discovery.
  auto stored = storedScope();
  if (!stored || !stored->fresh) return;
  auto stale = std::make_shared<StoredScope>(*stored);
  stale->fresh = false;
  std::lock_guard lock(storeMu_);
  stored_ = std::move(stale);
}

Result<model::Topology> Context::topology(const engine::Deadline& deadline, bool allowCache) {
  if (topology_) return *topology_;
  auto stored = storedScope();
  if (allowCache && stored && stored->complete && stored->fresh) {
    spdlog::debug("topology from the scope store");
    topology_ = stored->topology;
    return *topology_;
  }
  engine::DiscoveryOptions options;
  if (stored) {
    options.stored = &stored->topology;
    options.storedComplete = stored->complete;
  }
  // The acting node's region is the only one discovery cannot do without;
  // a reporting command run with --node (`discover` on the standby during
  // an outage) is told it too, which costs no lookup.
  if (!node_ && !nodeFlag_.empty()) (void)localNode();
  if (node_) {
    if (const auto* node = config_.findNode(node_->name)) options.homeRegion = node->region;
  }
  // Per round, not for the whole discovery: a client region reached through
  // a peering after another region stalled for remote_wait_s is still read.
  options.remoteWait = std::chrono::seconds(config_.aws.remoteWaitS);
  auto topology = engine::discover(config_, factory_, deadline, options);
  if (!topology) return std::unexpected(topology.error());
  topology_ = std::move(*topology);
  // A region that could not be read is in the result as the store knew it;
  // with no complete store it is missing (and so may be a node): saving that
  // would make a later action trust a scope without it, or forget an older
  // store's table list.
  const bool partial = !topology_->staleRegions.empty() && !(stored && stored->complete);
  if (store_ && !partial) {
    store_->save(*topology_);
    auto saved = std::make_shared<const StoredScope>(StoredScope{*topology_, true, true});
    std::lock_guard lock(storeMu_);
    stored_ = std::move(saved);
  }
  return *topology_;
}

Result<model::Config> loadConfiguration(const LoadOptions& options, ConfigSource* source) {
  EnvLookup env = options.env ? options.env : processEnvironment();
  ConfigSource where{"", options.settingsSource};
  if (!options.noFile) {
    where = resolveConfigPath(options.configFlag, options.tag, env, options.byResource);
  }
  spdlog::debug("config {} (from {}){}", where.path, where.how,
                options.settings.empty()
                    ? ""
                    : fmt::format(", {} settings over it", options.settings.size()));
  auto config = model::loadConfigWith(where.path, options.settings, options.settingsSource);
  if (source) *source = std::move(where);
  return config;
}

TopologyStore topologyStoreFor(const model::Config& config, const EnvLookup& env) {
  return TopologyStore(TopologyStore::defaultDirectory(env), storeKey(config));
}

Result<std::unique_ptr<Context>> loadContext(LoadOptions options) {
  EnvLookup env = options.env ? std::move(options.env) : processEnvironment();
  options.env = env;
  ConfigSource source;
  auto config = loadConfiguration(options, &source);
  if (!config) return std::unexpected(config.error());
  ContextOptions context;
  context.config = std::move(*config);
  context.env = env;
  context.nodeFlag = std::move(options.nodeFlag);
  context.nodeLookup = std::move(options.nodeLookup);
  context.actionTimeout = options.actionTimeout;
  context.store = topologyStoreFor(context.config, env);
  context.configSource = std::move(source);
  return Context::create(std::move(context));
}

}  // namespace tgwark::app
