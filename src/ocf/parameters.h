// The agent's configuration parameters (configuration in the CIB): one table
// drives reading OCF_RESKEY_*, the configuration settings they become (the
// same keys, checks and messages as the TOML file, parameters over the file's
// values) and the meta-data's <parameters>, so every parameter the agent
// reads is documented. See docs/pacemaker.md, "Parameters".
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/env.h"
#include "common/error.h"
#include "model/config.h"

namespace tgwark::ocf {

struct ParameterSpec {
  std::string_view name;
  std::string_view type;          // OCF content type: string, integer or boolean
  std::string_view defaultValue;  // as meta-data shows it ("" for none)
  bool reloadable = false;        // applied by reload-agent, without a restart
  std::string_view shortdesc;
  std::string_view longdesc;
};

// Every parameter the agent reads, in meta-data order.
std::span<const ParameterSpec> parameterSpecs();

// What the configuration parameters say.
struct ConfigParameters {
  // Over the config file's values, or the whole configuration without one.
  std::vector<model::ConfigSetting> settings;
  // vip (or ip) or nodes is set: the parameters describe the cluster, and no
  // config file is read unless the config parameter names one.
  bool definesConfig = false;
  bool hasVip = false;
  bool hasNodes = false;
  bool repairRemote = true;        // repair_remote: a recurring monitor repairs remote routes
  std::vector<std::string> given;  // the configuration parameters set, by name
};

// Reads the configuration parameters from OCF_RESKEY_*. A malformed value (a
// boolean that is not one, a nodes entry without "=", vip and ip that
// disagree) is kInvalid (OCF_ERR_ARGS) naming the parameter; whether the
// values are valid (ids, ranges) is the configuration check's job
// (kInvalidConfig, OCF_ERR_CONFIGURED).
Result<ConfigParameters> readConfigParameters(const EnvLookup& env);

}  // namespace tgwark::ocf
