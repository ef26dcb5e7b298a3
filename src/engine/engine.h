// The operations the CLI, LifeKeeper and OCF front ends call: plan, apply
// (restore/recover), status, verify and quickCheck, each one read of the
// current state plus the pure planner, plus (for apply) the paced writes.
// Every function takes the topology (from discover() or a cached copy), an
// Ec2Factory and a Deadline, and reports per route rather than failing whole.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/apply.h"
#include "engine/call_counter.h"
#include "engine/context.h"
#include "engine/state_reader.h"
#include "model/config.h"
#include "model/topology.h"
#include "plan/diff.h"
#include "plan/reachability.h"
#include "plan/takeover.h"

namespace tgwark::engine {

// Apply settings from the config: concurrency, create_missing.
ApplyOptions applyOptionsFrom(const model::Config& config);

struct PlanResult {
  plan::Plan plan;
  StateRead read;
  ApiCallCounts calls;
  Millis readTime{0};
};

// Reads the state and diffs it against the desired state of `activeNode`.
// Errors: kInvalidConfig for an unknown node, the planner's errors.
// `sharedVpcRead`: see ApplyOptions::sharedVpcRead.
Result<PlanResult> planFor(const model::Config& config, const model::Topology& topology,
                           const std::string& activeNode, const Ec2Factory& factory,
                           const Deadline& deadline,
                           std::shared_ptr<SharedVpcRead> sharedVpcRead = nullptr);

// Other regions are pointed at the active node only when its own routes can
// be read: when a home change of `plan` is unknown, its remote writes are
// taken out and returned as unknown results ("not written: ..."), to be added
// to the apply report. Empty when the home routes were read.
std::vector<RouteResult> holdBackRemoteWrites(plan::Plan& plan);

// Asked once, before the first write of any region (a caller's pre-flight
// check running in parallel with the reads): false writes nothing.
using WriteGate = std::function<bool()>;

// applyPlan with each region on its own: `homeRegion` has the whole
// deadline, every other region is given up after options.remoteWait without
// an answer (unset: applyPlan as it is). For callers that must read every
// region before writing (recover looks for a takeover; quickCheck's repair).
ApplyReport applyPlanPerRegion(const plan::Plan& plan, const model::Prefix& vip,
                               const Ec2Factory& factory, const Deadline& deadline,
                               const ApplyOptions& options, const std::string& homeRegion);

// Read, plan and write, each region its own pipeline: the home region's
// writes start when its own read is in (home routes first in its token
// bucket); other regions are given up after options.remoteWait without an
// answer, and write once the home read showed the home routes readable. options.dryRun gives the
// plan as a report without writing. Routes whose table could not be read carry the read error.
// Routes come back in plan order (home tables first).
Result<ApplyReport> applyFor(const model::Config& config, const model::Topology& topology,
                             const std::string& activeNode, const Ec2Factory& factory,
                             const Deadline& deadline, ApplyOptions options,
                             const WriteGate& writeGate = {});

struct RouteStatus {
  model::TableKind kind = model::TableKind::kVpc;
  std::string region;
  std::string tableId;
  bool known = false;
  std::string error;  // when !known
  std::optional<model::ObservedRoute> route;
  std::vector<std::string> serves;  // nodes this route is right for (several behind one TGW)
};

struct StatusReport {
  std::vector<RouteStatus> routes;  // VPC tables then TGW tables, by region and id
  // The node every managed route serves (active routes only); empty when none.
  std::string servedNode;
  ApiCallCounts calls;
  // `tgwark status` exit 0: every route readable, present, active, serving servedNode.
  bool consistent() const { return !servedNode.empty(); }
};

Result<StatusReport> status(const model::Config& config, const model::Topology& topology,
                            const Ec2Factory& factory, const Deadline& deadline);

struct VerifyReport {
  std::vector<plan::Trace> traces;
  std::string expectedNode;  // --active, or the node the routes serve
  ApiCallCounts calls;
  // Every managed VPC table's trace reaches expectedNode's ENI.
  bool ok = false;
};

Result<VerifyReport> verify(const model::Config& config, const model::Topology& topology,
                            const Ec2Factory& factory, const Deadline& deadline,
                            std::optional<std::string> activeNode = std::nullopt);

enum class Health {
  kHealthy,         // every home route right
  kUnhealthy,       // a home route wrong, missing, blackhole, or its table gone
  kUndeterminable,  // a home table unreadable for a transient reason: not a failure
};
std::string_view healthName(Health health);

struct QuickCheckOptions {
  // Write remote fixes best-effort (never home ones), and only when every home
  // route is right: a node whose own routes are wrong may not be the active one.
  bool repairRemote = false;
  ApplyOptions apply;  // used for the repair; its sharedVpcRead for the state read
};

struct QuickCheckReport {
  Health health = Health::kUndeterminable;
  std::vector<plan::RouteChange> homeProblems;
  std::vector<plan::RouteChange> remoteProblems;
  std::map<std::string, Error> unreadable;  // table id -> why
  std::optional<ApplyReport> repair;
  // Split-brain guard (plan/takeover.h): another node restored later and owns
  // the routes now. Set only when unhealthy; remote repair is then skipped.
  std::optional<plan::Takeover> takeover;
  ApiCallCounts calls;
  std::string summary;  // one line for the cluster manager's log
};

// docs/semantics.md quickCheck: one batched read per region plus one search per
// TGW table. Timeouts, throttling and unreachable APIs are kUndeterminable,
// never kUnhealthy; so are permission errors (failing over would not fix
// them). A home table that no longer exists is kUnhealthy.
Result<QuickCheckReport> quickCheck(const model::Config& config, const model::Topology& topology,
                                    const std::string& activeNode, const Ec2Factory& factory,
                                    const Deadline& deadline,
                                    const QuickCheckOptions& options = {});

struct SourceDestReport {
  std::string node;
  std::string eniId;
  std::string region;
  bool enabledBefore = false;  // source/dest check was on (wrong for a VIP target)
  bool fixed = false;          // we turned it off
  std::optional<Error> fixError;
  bool ok() const { return !enabledBefore || fixed; }
  std::string message;
};

// Reads the node's ENI; when its source/dest check is on and
// config.fixSourceDestCheck is set, turns it off (ModifyNetworkInterfaceAttribute),
// else only reports. Errors: unknown node, ENI unreadable.
Result<SourceDestReport> checkSourceDestCheck(const model::Config& config, const std::string& node,
                                              const Ec2Factory& factory, const Deadline& deadline);

}  // namespace tgwark::engine
