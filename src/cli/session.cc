#include "cli/session.h"

#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "aws/curl_http_client.h"
#include "aws/imds_client.h"
#include "aws/sigv4.h"
#include "cli/metrics.h"
#include "common/log.h"
#include "engine/aws_factory.h"
#include "engine/discovery.h"
#include "model/topology_io.h"

#ifndef TGWARK_VERSION
#define TGWARK_VERSION "0.0.0"
#endif

namespace tgwark::cli {

namespace {

spdlog::level::level_enum levelFor(int verbosity) {
  if (verbosity <= -1) return spdlog::level::warn;
  if (verbosity == 1) return spdlog::level::debug;
  if (verbosity >= 2) return spdlog::level::trace;
  return spdlog::level::info;
}

// Digest of the config file's bytes and of this build: a cache written for
// another config (or another tgwark) is never used.
std::string fileDigest(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::stringstream text;
  text << in.rdbuf();
  return aws::sigv4::sha256Hex(text.str() + "\n" + TGWARK_VERSION);
}

// Best effort: a cache that cannot be written only costs a discovery next time.
void writeCache(const std::string& path, const std::string& json) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << json;
    if (!out.flush()) {
      spdlog::debug("cannot write topology cache {}", tmp);
      fs::remove(tmp, ec);
      return;
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    spdlog::debug("cannot write topology cache {}: {}", path, ec.message());
    fs::remove(tmp, ec);
  }
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
  auto session = create(global, std::move(*config), std::move(source), std::move(env));
  if (session) (*session)->configDigest_ = fileDigest((*session)->configSource_.path);
  return session;
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
  s->callStats_ = std::make_shared<CallStats>();
  engine::AwsFactoryOptions factoryOptions;
  factoryOptions.observer = s->callStats_;
  auto factory = engine::makeAwsEc2Factory(s->config_, s->env_, std::move(factoryOptions));
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

std::string Session::cachePath() const {
  if (configDigest_.empty()) return {};
  std::string dir = env_("TGWARK_CACHE_DIR").value_or("/var/cache/tgwark");
  return dir + "/topology-" + configDigest_.substr(0, 24) + ".json";
}

void Session::invalidateTopology() {
  topology_.reset();
  topologyFromCache_ = false;
  if (auto path = cachePath(); !path.empty()) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
}

Result<model::Topology> Session::topology(const engine::Deadline& deadline, bool allowCache) {
  if (topology_) return *topology_;
  const std::string path = cachePath();
  if (allowCache && !path.empty()) {
    std::error_code ec;
    auto mtime = std::filesystem::last_write_time(path, ec);
    auto age = std::filesystem::file_time_type::clock::now() - mtime;
    if (!ec && age < kTopologyCacheTtl && age > -std::chrono::seconds(60)) {
      std::ifstream in(path);
      std::stringstream text;
      text << in.rdbuf();
      auto cached = model::topologyFromJson(text.str(), configDigest_);
      if (cached) {
        spdlog::debug("topology from cache {}", path);
        topology_ = std::move(*cached);
        topologyFromCache_ = true;
        return *topology_;
      }
      spdlog::debug("ignoring topology cache {}: {}", path, cached.error().message);
    }
  }
  auto topology = engine::discover(config_, factory_, deadline);
  if (!topology) return std::unexpected(topology.error());
  topology_ = std::move(*topology);
  topologyFromCache_ = false;
  if (!path.empty()) writeCache(path, model::topologyToJson(*topology_, configDigest_));
  return *topology_;
}

}  // namespace tgwark::cli
