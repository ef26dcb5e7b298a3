// Where the configuration comes from and which node "this" node is (see
// docs/configuration.md). Both lookups are injectable so they are tested
// without a cluster manager, instance metadata or a particular host name.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/env.h"
#include "common/error.h"
#include "model/config.h"

namespace tgwark::app {

inline constexpr const char* kDefaultConfigPath = "/etc/tgwark/tgwark.toml";

struct ConfigSource {
  std::string path;
  std::string how;  // "--config", "TGWARK_CONFIG", "LifeKeeper Application Info of TAG", "default"
};

// A cluster manager's own record of a resource's config file (LifeKeeper's
// Application Info), looked up by resource tag; nullopt when it has none.
using ResourceConfigLookup = std::function<std::optional<ConfigSource>(const std::string& tag)>;

// --config, else $TGWARK_CONFIG, else (when `tag` is set) what `byResource`
// finds for it, else the default.
ConfigSource resolveConfigPath(const std::string& flag, const std::string& tag,
                               const EnvLookup& env, const ResourceConfigLookup& byResource);

struct NodeIdentity {
  std::string name;
  std::string how;  // "--node", "instance metadata (i-...)", "host name"
};

using InstanceIdLookup = std::function<Result<std::string>()>;

// Where tgwark keeps what it must remember across runs: $TGWARK_STATE_DIR,
// default /var/lib/tgwark.
inline constexpr const char* kDefaultStateDir = "/var/lib/tgwark";
std::string stateDirectory(const EnvLookup& env);

// `lookup` (instance metadata), remembered: each answer is kept in `path`
// together with the host name it was learnt under, and when metadata does not
// answer, the remembered id stands in — so a
// metadata outage during a failover cannot stop a node from knowing itself.
// An instance's id never changes; the host-name check keeps an image built
// from a node (which would carry the file along) from taking that node's
// identity before metadata has ever answered on the new instance. A file that
// cannot be read or holds no valid id is ignored (and rewritten on the next
// answer); failing to write it only costs the fallback, with a warning.
InstanceIdLookup rememberingInstanceId(InstanceIdLookup lookup, std::string path,
                                       std::string hostName);

// How a front end names things in identity errors, and what else it knows.
// The defaults are the command line's.
struct NodeLookupOptions {
  std::string flagName = "--node";  // how the explicit name was given
  // The cluster manager's name for this node (Pacemaker's node name), used
  // before instance metadata when it names a configured node.
  std::string clusterNodeName;
  std::string hint = "pass --node NAME";  // what the admin can do when nothing matches
};

// `flag`, else the cluster manager's node name when it is a configured node,
// else the node whose instance_id matches instance metadata, else the node
// named like the host (short or full name). Unknown: kInvalidConfig listing
// the known nodes and what was tried.
Result<NodeIdentity> resolveLocalNode(const model::Config& config, const std::string& flag,
                                      const InstanceIdLookup& instanceId,
                                      const std::string& hostName,
                                      const NodeLookupOptions& lookup = {});
std::string localHostName();

}  // namespace tgwark::app
