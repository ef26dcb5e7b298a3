// The HA actions — restore, remove, quickCheck, recover — and the one place
// that decides what their results mean. Each action returns an ActionOutcome
// whose Verdict says what happened (done, failed on evidence, could not tell,
// bad configuration, taken over by another node); each front end turns a
// verdict into its cluster manager's exit code with its own table
// (lifekeeper/exit_codes.h, ocf/exit_codes.h) and decides nothing itself.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/context.h"
#include "common/error.h"

namespace tgwark::app {

enum class Action { kRestore, kRemove, kQuickCheck, kRecover };
std::string_view actionName(Action action);  // "restore", "remove", "quickCheck", "recover"

enum class Verdict {
  kOk,              // done / healthy
  kFailed,          // home routes not right, a pre-flight check failed, ...
  kBadConfig,       // configuration or identity problem (no AWS change made)
  kUndeterminable,  // could not tell now (API unreachable, throttled, timed out, denied)
  kTakenOver,       // another node restored later: this node yields (split-brain guard)
};
std::string_view verdictName(Verdict verdict);

// Where this node's home routes point, as a check read them: what tells "not
// active here" from "active here but broken" when local state cannot be trusted.
enum class HomeRoutes {
  kUnknown,   // not read (an error, an unreadable home table)
  kAllHere,   // every home route right for this node
  kSomeHere,  // some serve this node, some do not: evidence of broken home routes
  kNoneHere,  // none serves this node (another node's, or a client's TGW route)
};
std::string_view homeRoutesName(HomeRoutes home);

// A region whose routes an action could not make (or check) right this time:
// its API down, stalled, denied or throttled. The home routes do not depend
// on it; quickCheck repairs it when the region answers again.
struct RegionLeftBehind {
  std::string region;
  std::string reason;  // "down", "stalled", "denied", "throttled", "failed", "held back"
  std::vector<std::string> tables;  // the tables whose VIP route was not made right
  std::string detail;               // what was not done, one line ("2 route(s) not written: ...")
};

struct ActionOutcome {
  Action action = Action::kRestore;
  Verdict verdict = Verdict::kFailed;
  std::string message;         // one line for the cluster manager's log
  std::optional<Error> error;  // the error behind a verdict that came from one
  // What failed, short and without call counts (the first wrong home route,
  // the AWS code): for a status line such as Pacemaker's exit reason.
  std::string reason;
  HomeRoutes home = HomeRoutes::kUnknown;  // set by quickCheck
  // restore, recover, quickCheck: regions other than this node's own that
  // were left behind (logged as warnings; never a failure by themselves).
  std::vector<RegionLeftBehind> regionsLeftBehind;
};

// The verdict an error met during `action` earns: kInvalidConfig is a bad
// configuration; for quickCheck, an API that cannot answer (transient,
// deadline, permission) says nothing about the routes and is undeterminable;
// anything else fails the action. remove never fails.
Verdict verdictForError(Action action, const Error& error);
ActionOutcome outcomeFromError(Action action, const Error& error, std::string_view what);

// Make this node active: pre-flight, apply, verify. kOk only when the home
// routes are right; remote failures are warnings (repaired by quickCheck).
ActionOutcome restore(Context& context);
// No AWS change; never fails. Needs no context: front ends call it without
// loading the config, so nothing remove reads can block or fail.
ActionOutcome remove();
ActionOutcome remove(Context& context);
struct CheckOptions {
  // false: reads only (a cluster manager's probe must not change anything).
  bool repairRemote = true;
};
// Read every managed route; home problems fail, remote ones are repaired
// best-effort; an API that cannot answer is kUndeterminable.
ActionOutcome quickCheck(Context& context, const CheckOptions& options = {});
// Re-apply unless another node has taken over; kOk when home routes are right.
ActionOutcome recover(Context& context);

ActionOutcome runAction(Action action, Context& context);

}  // namespace tgwark::app
