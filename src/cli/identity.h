// Where the configuration comes from and which node "this" node is, resolved
// the way INTERFACE.md fixes it. Both lookups are injectable so they are
// tested without LifeKeeper, instance metadata or a particular host name.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "aws/endpoints.h"
#include "common/error.h"
#include "model/config.h"

namespace tgwark::cli {

using aws::EnvLookup;

inline constexpr const char* kDefaultConfigPath = "/etc/tgwark/tgwark.toml";

struct ConfigSource {
  std::string path;
  std::string how;  // "--config", "TGWARK_CONFIG", "LifeKeeper Application Info of TAG", "default"
};

// --config, else $TGWARK_CONFIG, else (when `lifekeeperTag` is set and
// $LKROOT/bin/ins_list exists) the resource's Application Info, else the default.
// `insList` runs ins_list for a tag and returns the Application Info field.
using InsListLookup = std::function<std::optional<std::string>(const std::string& tag)>;
ConfigSource resolveConfigPath(const std::string& flag, const std::string& lifekeeperTag,
                               const EnvLookup& env, const InsListLookup& insList);
// Runs `$LKROOT/bin/ins_list -t TAG -f:` (no shell) and returns field 6.
std::optional<std::string> lifekeeperApplicationInfo(const std::string& tag, const EnvLookup& env);

struct NodeIdentity {
  std::string name;
  std::string how;  // "--node", "instance metadata (i-...)", "host name"
};

using InstanceIdLookup = std::function<Result<std::string>()>;
// --node, else the node whose instance_id matches instance metadata, else the
// node named like the host (short or full name). Unknown: kInvalidConfig
// listing the known nodes and what was tried.
Result<NodeIdentity> resolveLocalNode(const model::Config& config, const std::string& flag,
                                      const InstanceIdLookup& instanceId,
                                      const std::string& hostName);
std::string localHostName();

}  // namespace tgwark::cli
