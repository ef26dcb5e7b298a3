// LifeKeeper's meaning of an HA action's outcome: the exit codes its gen/app
// scripts must return (0 success, 1 failure, 2 bad configuration), as one
// table over app::Action x app::Verdict.
#pragma once

#include "app/actions.h"

namespace tgwark::lifekeeper {

// quickCheck that cannot tell answers 0 (checked again next interval, no
// needless failover); remove always answers 0 (a failed remove blocks a
// switchover, and it has nothing to undo in AWS).
int exitCode(app::Action action, app::Verdict verdict);

}  // namespace tgwark::lifekeeper
