// tgwark's configuration (TOML, docs/configuration.md), parsed and validated. Every
// error names the key and the line; a Config that parses is internally
// consistent (at least two nodes, unique names and ENIs, well-formed IDs).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/error.h"
#include "model/net.h"

namespace tgwark::model {

struct NodeConfig {
  std::string name;
  std::string region;
  std::string eni;
  std::string instanceId;  // optional
  // Extension, optional: the ENI's VPC. Lets discovery work without
  // ec2:DescribeNetworkInterfaces (the vendor kit's minimal permission set);
  // when both are available they must agree.
  std::string vpc;
};

struct VpcOverride {
  std::string id;
  std::string transitGateway;
};

struct RegionOverride {
  std::string endpointUrl;
  std::string roleArn;
};

struct AwsConfig {
  std::string endpointUrl;
  std::string profile;
  bool useFips = false;  // extension: ec2-fips endpoints
  // extension: caps attempts per call when set (AWS_MAX_ATTEMPTS overrides);
  // 0, the default, leaves the action's deadline as the only bound.
  int maxAttempts = 0;
  int restoreTimeoutS = 300;
  int quickcheckTimeoutS = 100;
  // How long an action waits for a region other than the active node's own
  // (its reads, and discovery when a stored scope can stand in): a region
  // that is down or stalled must not hold up the home region's routes.
  int remoteWaitS = 20;
  int applyConcurrency = 16;  // extension: in-flight calls per region
  // aws.role_arn: the role assumed in every region (configured or found
  // through a peering) that `regions` gives no role_arn of its own.
  std::string roleArn;
  std::map<std::string, RegionOverride> regions;
};

struct Config {
  std::string sourceName;  // file path, for messages
  std::string vipText;     // as written
  Prefix vip;              // the host prefix (/32 or /128)
  bool createMissing = true;
  // extension: let restore turn off source/dest check on the local ENI when it is on.
  bool fixSourceDestCheck = false;
  std::vector<NodeConfig> nodes;
  std::vector<std::string> vpcRouteTables;
  std::vector<std::string> tgwRouteTables;
  // The key is present, even as an empty list: that kind of table is listed,
  // not discovered (`tgw_route_tables = []`: no TGW table is managed).
  bool vpcRouteTablesListed = false;
  bool tgwRouteTablesListed = false;
  std::vector<std::string> regions;  // extra regions
  // scope_tag = "key=value" (or "key": any value): route tables carrying it
  // are managed whether or not they hold the VIP route yet.
  std::string scopeTagKey;  // empty: no tag scope
  std::optional<std::string> scopeTagValue;
  std::vector<VpcOverride> vpcs;
  AwsConfig aws;

  const NodeConfig* findNode(std::string_view name) const;
  const NodeConfig* findNodeByInstanceId(std::string_view instanceId) const;
  // "node-a, node-b": for errors about a node name, which should list the valid ones.
  std::string nodeNames() const;
  // The nodes' regions plus `regions`, de-duplicated, in first-seen order.
  std::vector<std::string> allRegions() const;
  // The VIP destination as AWS writes it: "192.168.10.10/32".
  std::string vipDestination() const { return vip.toString(); }
};

// Parses TOML text. Errors are kInvalidConfig with messages like
// "tgwark.toml:7: node[1].eni: 'eni-xyz' is not a valid ENI id (eni- followed by 8 or 17 hex
// digits)".
Result<Config> parseConfig(std::string_view text, std::string_view sourceName = "config");
// Reads and parses the file at path, which must be a regular file of at most
// 1 MiB (common/bounded_file.h): anything else is kInvalidConfig, at once.
Result<Config> loadConfigFile(const std::string& path);

// One setting given outside the file (a cluster manager's resource parameter),
// replacing the file's value for the same key. The value is what the TOML key
// would hold; a Table list is an array of tables ([[node]], [[vpc]]).
struct ConfigSetting {
  using Table = std::map<std::string, std::string>;
  using Value =
      std::variant<std::string, bool, std::int64_t, std::vector<std::string>, std::vector<Table>>;
  std::vector<std::string> key;  // {"vip"}, {"aws", "regions", "us-east-1", "role_arn"}
  Value value;
  std::string origin;  // how messages name it: "parameter nodes"
};

// The configuration of `fileText` (none: an empty file) with `settings`
// applied over it, then checked exactly as a file is. A problem in a
// setting's value reads "ORIGIN: KEY: what", one in the file
// "SOURCE:LINE: KEY: what"; a key missing from both "SOURCE: KEY: ...".
Result<Config> buildConfig(std::optional<std::string_view> fileText, std::string_view sourceName,
                           const std::vector<ConfigSetting>& settings);
// The file at `path` (read as loadConfigFile does; empty: no file, and
// `sourceName` names the settings) with `settings` over it.
Result<Config> loadConfigWith(const std::string& path, const std::vector<ConfigSetting>& settings,
                              std::string_view sourceName = "settings");
// A stable text of `settings` (key paths and values), for cache keys.
std::string settingsFingerprint(const std::vector<ConfigSetting>& settings);

// What decides the scope, and only that: the VIP, the nodes, the table lists,
// extra regions, the scope tag, the [[vpc]] overrides and where the API is
// (endpoints, profile, roles). The scope store is kept under its digest, so
// editing a timeout or a comment keeps the durable managed set.
std::string scopeFingerprint(const Config& config);

}  // namespace tgwark::model
