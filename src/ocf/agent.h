// Pacemaker OCF resource agent front end (`tgwark ocf ACTION`). Parameters come
// from OCF_RESKEY_*; exit codes follow the OCF standard with the meanings
// Pacemaker gives them (docs/pacemaker.md): node-local problems are 5 (this
// node only), configuration problems 6 (every node), and "not running here" is
// 7 whenever the routes do not serve this node. A local "started here" marker
// lets monitor answer 7 after stop, which changes nothing in AWS.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "app/actions.h"
#include "app/context.h"
#include "common/env.h"
#include "common/error.h"

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

// Pacemaker cuts exit reasons at 128 characters.
inline constexpr std::size_t kExitReasonMax = 128;

// `text` as an exit reason: its first non-blank line, whitespace collapsed,
// at most kExitReasonMax bytes (cut on a UTF-8 boundary, ending in "...").
std::string exitReasonText(std::string_view text);
// An outcome's exit reason: its short reason, else its message.
std::string exitReasonFor(const app::ActionOutcome& outcome);

// The verdict of start (restore) as an OCF exit code (one table): ok is
// success, a bad configuration is OCF_ERR_CONFIGURED, anything else fails.
int exitCode(app::Action action, app::Verdict verdict);

enum class MonitorKind {
  kProbe,      // OCF_RESKEY_CRM_meta_interval=0: is the resource active here at all?
  kRecurring,  // the resource was started here: is it still healthy?
};

// What monitor answers for a check's outcome (see docs/pacemaker.md):
// - routes taken over by another node: 7 (not running here), for both kinds;
// - a probe answers from the routes: 0 when they serve this node, 7 when none
//   of this node's home routes does, 1 only when some do and some are wrong;
//   when the routes could not be read, the local marker decides (0/1 or 7);
// - a recurring monitor: healthy or undeterminable 0, a failure 1.
// A bad configuration is 6.
int monitorExit(MonitorKind kind, const app::ActionOutcome& outcome, bool markerPresent);

// An action's budget from OCF_RESKEY_CRM_meta_timeout (milliseconds): a bit
// less than it, so the agent answers before Pacemaker kills it. nullopt when
// unset; kInvalid when not a positive number.
Result<std::optional<std::chrono::milliseconds>> budgetFromMetaTimeout(std::string_view value);

// The OCF parameters that say where things are, checked for form (not for
// meaning); the configuration parameters are ocf/parameters.h's.
struct Parameters {
  std::string config;    // OCF_RESKEY_config; empty: TGWARK_CONFIG or the default
  std::string node;      // OCF_RESKEY_node
  std::string onNode;    // OCF_RESKEY_CRM_meta_on_node
  std::string stateDir;  // OCF_RESKEY_state_dir
  std::string instance;  // OCF_RESOURCE_INSTANCE
  MonitorKind monitorKind = MonitorKind::kRecurring;
  std::optional<std::chrono::milliseconds> budget;  // from OCF_RESKEY_CRM_meta_timeout
};
// kInvalid (OCF_ERR_ARGS) for a malformed parameter, naming it.
Result<Parameters> readParameters(const EnvLookup& env);

// What the command line may set for the agent; OCF_RESKEY_* fill what is empty.
struct AgentOptions {
  std::string config;
  std::string node;
  int verbosity = 0;  // -v: +1, -q: -1
  bool syslog = false;
};

// The agent's view of the world, injectable for tests; empty members default
// to the real thing.
struct AgentWorld {
  EnvLookup env;  // the process environment
  // Builds the Context (app::loadContext).
  std::function<Result<std::unique_ptr<app::Context>>(app::LoadOptions)> loadContext;
  // Pacemaker's name for this node when OCF_RESKEY_CRM_meta_on_node is unset:
  // `crm_node -n`, when installed, bounded by a timeout.
  std::function<std::optional<std::string>()> clusterNodeName;
  // Receives the exit reason (default: an `ocf-exit-reason:` line on stderr).
  std::function<void(const std::string&)> exitReason;
  bool configureLogging = true;  // syslog / HA_LOGFILE; stderr only for warnings
};

// Runs one OCF action (start, stop, monitor, status, validate-all,
// reload-agent, meta-data, methods) with parameters from OCF_RESKEY_* layered
// under the command line's. The configuration is the config file, the
// configuration parameters (ocf/parameters.h) over it, or those alone.
int runAction(const std::string& action, const AgentOptions& options, AgentWorld world = {});

}  // namespace tgwark::ocf
