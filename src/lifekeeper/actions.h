// The cluster-manager actions (restore, remove, quickCheck, recover) as
// SEMANTICS.md defines them, shared by the LifeKeeper gen/app front end and
// the Pacemaker OCF agent, which differ only in how they map outcomes to exit
// codes.
#pragma once

#include <string>

#include "cli/session.h"

namespace tgwark::lifekeeper {

enum class ActionStatus {
  kOk,              // done / healthy
  kFailed,          // home routes not right, preconditions failed, ...
  kBadConfig,       // configuration or identity problem (no AWS change made)
  kUndeterminable,  // quickCheck could not tell (API unreachable, throttled, timed out)
  kTakenOver,       // another node restored later: this node yields (split-brain guard)
};

struct ActionOutcome {
  ActionStatus status = ActionStatus::kFailed;
  std::string message;  // one line for the cluster manager's log / ocf-exit-reason
};

// Make this node active: pre-flight, apply, verify. kOk only when the home
// routes are right; remote failures are warnings (repaired by quickCheck).
ActionOutcome restore(cli::Session& session);
// No AWS change; never fails.
ActionOutcome remove(cli::Session& session);
// Read every managed route; home problems fail, remote ones are repaired
// best-effort; an API that cannot answer is kUndeterminable.
ActionOutcome quickCheck(cli::Session& session);
// Re-apply unless another node has taken over; kOk when home routes are right.
ActionOutcome recover(cli::Session& session);

// LifeKeeper's exit codes for an outcome of `action`.
int lifekeeperExitCode(const std::string& action, const ActionOutcome& outcome);

}  // namespace tgwark::lifekeeper
