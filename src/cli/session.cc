#include "cli/session.h"

#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include "aws/curl_http_client.h"
#include "aws/imds_client.h"
#include "common/log.h"
#include "engine/aws_factory.h"
#include "engine/discovery.h"

namespace tgwark::cli {

namespace {

spdlog::level::level_enum levelFor(int verbosity) {
  if (verbosity <= -1) return spdlog::level::warn;
  if (verbosity == 1) return spdlog::level::debug;
  if (verbosity >= 2) return spdlog::level::trace;
  return spdlog::level::info;
}

}  // namespace

int reportError(const Error& error, const std::string& what) {
  spdlog::error("{}: {}", what, error.describe());
  return error.category == ErrorCategory::kInvalidConfig ? kExitBadConfig : kExitFailed;
}

Result<std::unique_ptr<Session>> Session::open(const GlobalOptions& global,
                                               const std::string& action) {
  LogOptions log;
  log.level = levelFor(global.verbosity);
  log.syslog = global.syslog;
  log.context = action;
  if (!global.tag.empty()) log.context += " tag=" + global.tag;
  if (!global.id.empty()) log.context += " id=" + global.id;
  initLogging(log);
  if (!global.tag.empty() || !global.id.empty()) {
    spdlog::info("called with -t {} -i {}", global.tag.empty() ? "-" : global.tag,
                 global.id.empty() ? "-" : global.id);
  }

  aws::EnvLookup env = aws::processEnvironment();
  ConfigSource source = resolveConfigPath(
      global.config, global.tag, env,
      [&env](const std::string& tag) { return lifekeeperApplicationInfo(tag, env); });
  spdlog::debug("config {} (from {})", source.path, source.how);
  auto config = model::loadConfigFile(source.path);
  if (!config) return std::unexpected(config.error());
  return create(global, std::move(*config), std::move(source), std::move(env));
}

Result<std::unique_ptr<Session>> Session::create(const GlobalOptions& global, model::Config config,
                                                 ConfigSource source, aws::EnvLookup env) {
  std::unique_ptr<Session> s(new Session());
  s->global_ = global;
  s->env_ = std::move(env);
  s->config_ = std::move(config);
  s->configSource_ = std::move(source);
  s->clock_ = SystemClock::instance();
  s->counter_ = std::make_shared<engine::ApiCallCounter>();
  auto factory = engine::makeAwsEc2Factory(s->config_, s->env_);
  if (!factory) return std::unexpected(factory.error());
  s->factory_ = engine::countingFactory(std::move(*factory), s->counter_);
  return s;
}

engine::Deadline Session::deadlineAfterSeconds(int seconds) const {
  return engine::Deadline::after(clock_, std::chrono::seconds(seconds));
}

Result<NodeIdentity> Session::localNode() {
  if (node_) return *node_;
  const aws::EnvLookup& env = env_;
  InstanceIdLookup instanceId = [&env, this]() -> Result<std::string> {
    if (aws::imdsDisabled(env)) {
      return makeError(ErrorCategory::kNotFound, "AWS_EC2_METADATA_DISABLED is set");
    }
    aws::CurlHttpClientOptions httpOptions;
    httpOptions.connectTimeout = std::chrono::milliseconds(1000);
    auto http = std::make_shared<aws::CurlHttpClient>(httpOptions);
    aws::ImdsOptions options;
    options.endpoint = aws::resolveImdsEndpoint(env);
    aws::ImdsClient imds(http, clock_, options);
    return imds.instanceId();
  };
  auto node = resolveLocalNode(config_, global_.node, instanceId, localHostName());
  if (!node) return std::unexpected(node.error());
  spdlog::debug("this node is {} (from {})", node->name, node->how);
  node_ = *node;
  return *node_;
}

Result<model::Topology> Session::topology(const engine::Deadline& deadline) {
  if (topology_) return *topology_;
  auto topology = engine::discover(config_, factory_, deadline);
  if (!topology) return std::unexpected(topology.error());
  topology_ = std::move(*topology);
  return *topology_;
}

}  // namespace tgwark::cli
