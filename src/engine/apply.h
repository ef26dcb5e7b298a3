// Apply: turns a Plan into EC2 writes. Only routes that differ are written
// (Replace*Route, or Create*Route for kCreate), all regions and tables at
// once, paced per region by a client-side token bucket (home tables get the
// first tokens) with bounded in-flight calls, then the changed tables are
// read back until every written route is active with its desired target.
// Everything is bounded by the action's deadline; what could not be done in
// time is reported as unknown, never silently dropped.
//
// The safety invariant is re-checked before every single write: the
// destination must be exactly the VIP host prefix and the target of the
// table's kind. A violation is a kInternal failure and no call is made.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/call_counter.h"
#include "engine/context.h"
#include "engine/token_bucket.h"
#include "plan/diff.h"

namespace tgwark::engine {

class SharedVpcRead;

enum class RouteOutcome {
  kUnchanged,  // was already right
  kWritten,    // written and read back active with the desired target
  kFailed,     // the write was refused (error says why) or is forbidden
  kUnknown,    // not read, not written in time, or written but not confirmed
  kMissing,    // absent and create_missing = false: reported, not written
  kSkipped,    // dry run: would have been written (or EC2 DryRun answered "permitted")
};

std::string_view routeOutcomeName(RouteOutcome outcome);

struct RouteResult {
  plan::RouteChange change;
  RouteOutcome outcome = RouteOutcome::kUnknown;
  std::string action;  // the last write API used ("ReplaceRoute", ...), empty when none
  std::optional<Error> error;
  std::string detail;  // one human sentence for reports
  // Set when the read-back found the written route replaced by one that
  // serves another node (a concurrent restore there): that node's name.
  std::string takenOverBy;
  bool right() const {
    return outcome == RouteOutcome::kUnchanged || outcome == RouteOutcome::kWritten;
  }
};

struct PhaseTimes {
  Millis read{0};    // reading the current state (filled by callers that read)
  Millis write{0};   // from the first to the last write answer, pacing included
  Millis verify{0};  // read-back (each region's follows its own writes; the longest)
  Millis paced{0};   // time spent waiting for write tokens, summed over regions
};

struct ApplyOptions {
  bool dryRun = false;        // compute and report only; no call at all
  bool ec2DryRun = false;     // send every write with DryRun=true (permission check)
  bool createMissing = true;  // lets the NotFound race fall back to Create*Route
  bool verify = true;
  int concurrency = 16;   // in-flight writes per region (aws.apply_concurrency)
  BucketSettings bucket;  // per region, mutating calls
  // Whole-write retries after the client's own attempts, for throttled or
  // transient failures, until the deadline: base * 2^round, capped, jittered.
  Millis writeRetryBase{1000};
  Millis writeRetryCap{8000};
  Millis pollInitial{250};
  Millis pollMax{2000};
  int maxVerifyRounds = 40;
  // applyFor's state read shares its DescribeRouteTables with the check of
  // a stored scope (engine/state_reader.h); the read-back never does.
  std::shared_ptr<SharedVpcRead> sharedVpcRead;
  std::shared_ptr<Random> random;           // jitter of the read-back backoff; none = no jitter
  std::shared_ptr<ApiCallCounter> counter;  // shared with the caller's reads; made when null
  // applyFor: a region other than the active node's is given up once it has
  // not answered for this long (Deadline::quietAfter): reads, writes and
  // read-back alike, so a region that stalls, or only throttles, mid-write
  // cannot hold the action to its deadline, while one that is slow but
  // answering (throttled at 50 %, first-time setup) keeps the whole deadline.
  // applyOptionsFrom sets it to remote_wait_s. Unset: other regions' reads
  // get remote_wait_s from the start and their writes the whole deadline.
  std::optional<Millis> remoteWait;
  // The scope the plan was made for (not owned; applyFor sets it): lets the
  // read-back tell that a written route now serves another node, and stop
  // polling it. None: the read-back only waits for its own targets.
  const model::Topology* scope = nullptr;
};

struct ApplyReport {
  std::string activeNode;
  std::vector<RouteResult> routes;  // plan order
  ApiCallCounts calls;
  PhaseTimes elapsed;
  bool dryRun = false;

  int count(RouteOutcome outcome) const;
  // Writes actually sent (not counting DryRun or refused-by-invariant routes).
  int writes() const { return calls.writes; }
  bool homeRight() const;
  bool allRight() const;
};

ApplyReport applyPlan(const plan::Plan& plan, const model::Prefix& vip, const Ec2Factory& factory,
                      const Deadline& deadline, const ApplyOptions& options);

// The invariant, exposed for tests and for `validate`: empty when the change
// may be written, else why not.
std::string invariantViolation(const plan::RouteChange& change, const model::Prefix& vip);

}  // namespace tgwark::engine
