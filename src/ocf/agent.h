// Pacemaker OCF resource agent front end (`tgwark ocf ACTION`). Parameters come
// from OCF_RESKEY_*; exit codes follow the OCF standard. The agent keeps a tiny
// local state file so monitor can tell "not running here" (7) from "running
// here but unhealthy" (1), as Pacemaker's probes require.
#pragma once

#include <string>

#include "app/actions.h"

namespace tgwark::ocf {

enum OcfExit : int {
  kSuccess = 0,
  kErrGeneric = 1,
  kErrArgs = 2,
  kErrUnimplemented = 3,
  kErrPerm = 4,
  kErrInstalled = 5,
  kErrConfigured = 6,
  kNotRunning = 7,
};

// The agent's meta-data XML (OCF 1.1).
std::string metadataXml();

// The thin agent script installed at /usr/lib/ocf/resource.d/tgwark/tgwark.
std::string agentScript(const std::string& tgwarkPath);

}  // namespace tgwark::ocf

namespace tgwark::ocf {

// What the command line may set for the agent; OCF_RESKEY_* fill what is empty.
struct AgentOptions {
  std::string config;
  std::string node;
  int verbosity = 0;  // -v: +1, -q: -1
  bool syslog = false;
};

// The verdict of an HA action as an OCF exit code (one table): a check that
// cannot tell now is success (monitor is asked again), a bad configuration is
// OCF_ERR_CONFIGURED, a failure or a takeover is OCF_ERR_GENERIC.
int exitCode(app::Action action, app::Verdict verdict);

// Runs one OCF action with parameters from the environment (OCF_RESKEY_config,
// OCF_RESKEY_node, OCF_RESKEY_state_dir, OCF_RESOURCE_INSTANCE,
// OCF_RESKEY_CRM_meta_interval) layered over the command line's options.
int runAction(const std::string& action, const AgentOptions& options);

}  // namespace tgwark::ocf
