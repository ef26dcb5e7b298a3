#include "app/identity.h"

#include <unistd.h>

#include <array>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/atomic_file.h"
#include "common/aws_names.h"
#include "common/bounded_file.h"
#include "common/log_text.h"
#include "common/strings.h"

namespace tgwark::app {

ConfigSource resolveConfigPath(const std::string& flag, const std::string& tag,
                               const EnvLookup& env, const ResourceConfigLookup& byResource) {
  if (!flag.empty()) return {flag, "--config"};
  if (auto v = env("TGWARK_CONFIG"); v && !v->empty()) return {*v, "TGWARK_CONFIG"};
  if (!tag.empty() && byResource) {
    if (auto found = byResource(tag); found && !found->path.empty()) return *found;
  }
  return {kDefaultConfigPath, "default"};
}

std::string stateDirectory(const EnvLookup& env) {
  if (auto v = env("TGWARK_STATE_DIR"); v && !v->empty()) return *v;
  return kDefaultStateDir;
}

InstanceIdLookup rememberingInstanceId(InstanceIdLookup lookup, std::string path,
                                       std::string hostName) {
  return [lookup = std::move(lookup), path = std::move(path),
          hostName = std::move(hostName)]() -> Result<std::string> {
    auto id = lookup();
    if (id) {
      std::string content = fmt::format("{}\n{}\n", *id, hostName);
      auto old = readBoundedRegularFile(path, 4096);
      if (!old || *old != content) {
        if (auto written = writeFileAtomically(path, content); !written) {
          spdlog::warn(
              "cannot remember this instance's id ({}): a metadata outage could leave "
              "this node unable to tell which node it is",
              written.error().message);
        }
      }
      return id;
    }
    auto text = readBoundedRegularFile(path, 4096);
    if (!text) return id;
    std::string_view rest = *text;
    auto eol = rest.find('\n');
    std::string remembered(trim(rest.substr(0, eol)));
    std::string learntOn(eol == std::string_view::npos ? "" : trim(rest.substr(eol + 1)));
    if (!isValidAwsId(remembered, "i") || learntOn != hostName) {
      spdlog::debug("remembered instance id in {} not used ({})", path,
                    learntOn != hostName ? "learnt under another host name" : "not an instance id");
      return id;
    }
    spdlog::warn(
        "instance metadata did not answer ({}); using this instance's id {} remembered "
        "in {}",
        escapeForLog(id.error().message), remembered, path);
    return remembered;
  };
}

std::string localHostName() {
  std::array<char, 256> buf{};
  if (::gethostname(buf.data(), buf.size() - 1) != 0) return {};
  return std::string(buf.data());
}

Result<NodeIdentity> resolveLocalNode(const model::Config& config, const std::string& flag,
                                      const InstanceIdLookup& instanceId,
                                      const std::string& hostName,
                                      const NodeLookupOptions& lookup) {
  const std::string known = config.nodeNames();
  if (!flag.empty()) {
    if (config.findNode(flag) == nullptr) {
      return makeError(ErrorCategory::kInvalidConfig,
                       fmt::format("{} {}: no such node in {} (nodes: {})", lookup.flagName, flag,
                                   config.sourceName, known));
    }
    return NodeIdentity{flag, lookup.flagName};
  }
  std::string tried;
  if (!lookup.clusterNodeName.empty()) {
    if (config.findNode(lookup.clusterNodeName) != nullptr) {
      return NodeIdentity{lookup.clusterNodeName, "cluster node name"};
    }
    tried += fmt::format("cluster node name {} matches no node; ", lookup.clusterNodeName);
  }
  bool metadataTransient = false;
  bool anyInstanceIds = false;
  for (const auto& n : config.nodes) anyInstanceIds = anyInstanceIds || !n.instanceId.empty();
  if (anyInstanceIds && instanceId) {
    auto id = instanceId();
    if (id) {
      if (const auto* node = config.findNodeByInstanceId(*id)) {
        return NodeIdentity{node->name, fmt::format("instance metadata ({})", *id)};
      }
      tried += fmt::format("instance-id {} matches no node's instance_id; ", *id);
    } else {
      metadataTransient = id.error().retryable();
      tried += fmt::format("instance metadata unavailable ({}); ", id.error().message);
    }
  }
  if (!hostName.empty()) {
    std::string shortName = hostName.substr(0, hostName.find('.'));
    for (const auto& candidate : {hostName, shortName}) {
      if (config.findNode(candidate) != nullptr) return NodeIdentity{candidate, "host name"};
    }
    tried += fmt::format("host name {} matches no node", hostName);
  }
  // When instance metadata merely did not answer, the config may be fine: say
  // so with a retryable category, so quickCheck treats it as undeterminable.
  return makeError(metadataTransient ? ErrorCategory::kRetryable : ErrorCategory::kInvalidConfig,
                   fmt::format("cannot tell which node this is ({}): {} (nodes: {})", lookup.hint,
                               tried, known));
}

}  // namespace tgwark::app
