#include "engine/apply.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <set>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "engine/parallel.h"
#include "engine/state_reader.h"

namespace tgwark::engine {
namespace {

using model::TableKind;
using model::TargetKind;

Millis since(const Clock& clock, MonoTime start) {
  return std::chrono::duration_cast<Millis>(clock.monotonic() - start);
}

// The route changed between our read and our write (another writer, or a
// stale read): a create met an existing route, a replace a missing one. The
// other verb is what the state now asks for.
bool isStale(const Result<aws::WriteAck>& outcome) {
  return !outcome && outcome.error().category == ErrorCategory::kStale;
}

class Applier {
 public:
  Applier(const plan::Plan& plan, const model::Prefix& vip, const Ec2Factory& factory,
          const Deadline& deadline, const ApplyOptions& opts)
      : plan_(plan), vip_(vip), deadline_(deadline), opts_(opts) {
    counter_ = opts.counter ? opts.counter : std::make_shared<ApiCallCounter>();
    factory_ = countingFactory(factory, counter_);
  }

  ApplyReport run();

 private:
  void writeRegion(const std::string& region, const std::vector<std::size_t>& indices);
  void writeOne(aws::Ec2Api& api, TokenBucket& bucket, RouteResult& result);
  Result<aws::WriteAck> send(aws::Ec2Api& api, const RouteResult& result, bool create,
                             std::string& action);
  void verifyWritten(const std::vector<std::size_t>& written);
  std::string takenOverBy(const RouteResult& result, const model::ObservedTable& table) const;

  const plan::Plan& plan_;
  const model::Prefix& vip_;
  const Deadline& deadline_;
  const ApplyOptions& opts_;
  Ec2Factory factory_;
  std::shared_ptr<ApiCallCounter> counter_;
  ApplyReport report_;
  std::mutex mu_;  // guards report_.elapsed
};

Result<aws::WriteAck> Applier::send(aws::Ec2Api& api, const RouteResult& result, bool create,
                                    std::string& action) {
  const auto& want = result.change.desired;
  const auto dest = vip_.toString();
  const auto call = deadline_.callOptions(opts_.ec2DryRun);
  if (want.tableKind == TableKind::kVpc) {
    aws::RouteTarget target;
    if (want.target.kind == TargetKind::kNetworkInterface) {
      target.networkInterfaceId = want.target.id;
    } else {
      target.transitGatewayId = want.target.id;
    }
    action = create ? "CreateRoute" : "ReplaceRoute";
    return create ? api.createRoute(want.tableId, dest, target, call)
                  : api.replaceRoute(want.tableId, dest, target, call);
  }
  action = create ? "CreateTransitGatewayRoute" : "ReplaceTransitGatewayRoute";
  return create ? api.createTransitGatewayRoute(want.tableId, dest, want.target.id, false, call)
                : api.replaceTransitGatewayRoute(want.tableId, dest, want.target.id, false, call);
}

void Applier::writeOne(aws::Ec2Api& api, TokenBucket& bucket, RouteResult& result) {
  bool create = result.change.kind == plan::ChangeKind::kCreate;
  auto outcome = send(api, result, create, result.action);
  // Races with another writer (or a stale read): the route appeared or
  // vanished between our read and our write. One switch of verb, paced too.
  const bool vanished = !create && isStale(outcome);
  const bool appeared = create && isStale(outcome);
  if (vanished && !opts_.createMissing) {
    result.outcome = RouteOutcome::kMissing;
    result.error = outcome.error();
    result.detail = "the route disappeared before it could be replaced and create_missing = false";
    return;
  }
  if (vanished || appeared) {
    spdlog::info("{} {}: {} answered {}; retrying with {}", result.change.desired.region,
                 result.change.desired.tableId, result.action, outcome.error().awsCode,
                 create ? "replace" : "create");
    if (!bucket.acquire(deadline_.end())) {
      result.outcome = RouteOutcome::kUnknown;
      result.error = deadlineError("the retried write could be paced");
      result.detail = "not written: the deadline came first";
      return;
    }
    create = !create;
    outcome = send(api, result, create, result.action);
  }
  // The client already spent its SDK-style attempts (about 3 s). A failover
  // has a whole-action deadline (restore_timeout_s): a throttled or
  // transiently failing write keeps being retried, paced and backed off,
  // for as long as that deadline allows.
  std::optional<Error> lastAnswer;  // the last error that came with an HTTP answer
  for (int round = 0; !outcome && !opts_.ec2DryRun && outcome.error().retryable(); ++round) {
    if (outcome.error().httpStatus > 0) lastAnswer = outcome.error();
    const Millis base = opts_.writeRetryBase * (1LL << std::min(round, 5));
    const Millis cap = std::min(base, opts_.writeRetryCap);
    const double jitter = opts_.random ? 0.5 + 0.5 * opts_.random->uniform01() : 1.0;
    const Millis wait{static_cast<long long>(std::llround(cap.count() * jitter))};
    if (deadline_.wouldPass(wait)) break;
    spdlog::info("{} {}: {} answered {}; retrying in {} ms", result.change.desired.region,
                 result.change.desired.tableId, result.action,
                 outcome.error().awsCode.empty()
                     ? std::string(categoryName(outcome.error().category))
                     : outcome.error().awsCode,
                 wait.count());
    deadline_.clock->sleepFor(wait);
    if (!bucket.acquire(deadline_.end())) break;
    outcome = send(api, result, create, result.action);
    if (isStale(outcome) && create) {
      // A timed-out create that did land: replace is what is left to do.
      create = false;
      outcome = send(api, result, create, result.action);
    } else if (isStale(outcome) && !create && opts_.createMissing) {
      create = true;
      outcome = send(api, result, create, result.action);
    }
  }
  if (opts_.ec2DryRun) {
    if (outcome && outcome->dryRun && outcome->dryRun->permitted) {
      result.outcome = RouteOutcome::kSkipped;
      result.detail = result.action + " permitted (DryRun)";
    } else if (outcome && outcome->dryRun) {
      result.outcome = RouteOutcome::kFailed;
      result.error = outcome->dryRun->denial;
      result.detail = result.action + " refused: " + result.error->describe();
    } else if (outcome) {
      // An endpoint that ignores DryRun has really written: say so.
      result.outcome = RouteOutcome::kUnknown;
      result.detail = result.action + " with DryRun=true was accepted as a real write";
    } else {
      result.outcome = RouteOutcome::kFailed;
      result.error = outcome.error();
      result.detail = result.action + " refused: " + outcome.error().describe();
    }
    return;
  }
  if (!outcome) {
    const auto& e = outcome.error();
    result.outcome = e.category == ErrorCategory::kDeadlineExceeded ? RouteOutcome::kUnknown
                                                                    : RouteOutcome::kFailed;
    // A last retry that only met the deadline says less than the answer
    // before it (its code and request id are what an operator needs).
    const bool cutShort = e.category == ErrorCategory::kDeadlineExceeded && e.httpStatus == 0;
    result.error = cutShort && lastAnswer ? *lastAnswer : e;
    result.detail = result.action + " failed: " + result.error->describe();
    return;
  }
  // Written; confirmed by the read-back.
  result.outcome = RouteOutcome::kUnknown;
  result.detail = result.action + " sent; not yet confirmed";
}

void Applier::writeRegion(const std::string& region, const std::vector<std::size_t>& indices) {
  auto clock = deadline_.clock;
  auto api = apiFor(factory_, region);
  if (!api) {
    for (auto i : indices) {
      auto& r = report_.routes[i];
      r.outcome = RouteOutcome::kFailed;
      r.error = api.error();
      r.detail = api.error().message;
    }
    return;
  }
  TokenBucket bucket(opts_.bucket, *clock);
  std::mutex dispatchMu;
  std::size_t next = 0;
  const auto workers = static_cast<std::size_t>(std::max(1, opts_.concurrency));
  parallelFor(indices.size(), workers, [&](std::size_t) {
    std::size_t slot = 0;
    bool paced = false;
    {
      // Taking the next route and its token under one lock keeps token
      // grants in priority order (home tables first).
      std::lock_guard lock(dispatchMu);
      slot = next++;
      paced = !deadline_.expired() && bucket.acquire(deadline_.end());
    }
    auto& result = report_.routes[indices[slot]];
    if (!paced) {
      result.outcome = RouteOutcome::kUnknown;
      result.error = deadlineError("this route could be written");
      result.detail = "not written: the deadline came before the write rate limit allowed it";
      return;
    }
    writeOne(**api, bucket, result);
  });
  std::lock_guard lock(mu_);
  report_.elapsed.paced += bucket.waited();
}

// The node(s) a written route now serves instead of ours, when another
// writer replaced it (a concurrent restore on that node): empty otherwise.
// The value this apply replaced, read again, is a read that has not caught up
// yet (EC2's reads are eventually consistent), not evidence of another writer.
std::string Applier::takenOverBy(const RouteResult& result,
                                 const model::ObservedTable& table) const {
  if (!opts_.scope || !table.vipRoute || table.vipRoute->state != "active") return {};
  const auto& seen = table.vipRoute->target;
  if (seen == result.change.desired.target) return {};
  if (result.change.observed && result.change.observed->target == seen) return {};
  const auto nodes = plan::servedNodes(*opts_.scope, vip_, table);
  if (nodes.empty() || std::find(nodes.begin(), nodes.end(), plan_.activeNode) != nodes.end())
    return {};
  return fmt::format("{}", fmt::join(nodes, ","));
}

void Applier::verifyWritten(const std::vector<std::size_t>& written) {
  auto clock = deadline_.clock;
  std::vector<std::size_t> pending = written;
  Millis delay = opts_.pollInitial;
  for (int round = 0; !pending.empty() && round < opts_.maxVerifyRounds; ++round) {
    if (round > 0) {
      double jitter = opts_.random ? 0.5 + 0.5 * opts_.random->uniform01() : 1.0;
      auto wait = Millis{static_cast<long long>(std::llround(delay.count() * jitter))};
      if (deadline_.wouldPass(wait)) break;
      clock->sleepFor(wait);
      delay = std::min(opts_.pollMax, delay * 2);
    }
    if (deadline_.expired()) break;
    ReadOptions ro;
    for (auto i : pending) {
      const auto& want = report_.routes[i].change.desired;
      ro.tables.push_back(TableRef{want.tableKind, want.region, want.tableId});
    }
    ro.concurrency = opts_.concurrency;
    const model::Topology none;
    auto read = readStateDetailed(none, vip_, factory_, deadline_, ro);
    std::vector<std::size_t> still;
    for (auto i : pending) {
      auto& r = report_.routes[i];
      const auto& want = r.change.desired;
      const auto* table = read.state.find(want.tableId);
      if (table && table->known && table->vipRoute && table->vipRoute->target == want.target &&
          table->vipRoute->state == "active") {
        r.outcome = RouteOutcome::kWritten;
        r.detail = r.action + " done, route active";
        continue;
      }
      if (auto by = table && table->known ? takenOverBy(r, *table) : std::string(); !by.empty()) {
        // Polling on would only wait for the deadline: the other node's
        // restore wrote after ours.
        r.outcome = RouteOutcome::kFailed;
        r.takenOverBy = by;
        r.detail = fmt::format("{} sent; read back {}, which serves {}: taken over by {}", r.action,
                               model::targetText(table->vipRoute->target), by, by);
        r.error = Error{ErrorCategory::kConflict, r.detail, {}, {}, 0};
        spdlog::warn("{} {}: {}", want.region, want.tableId, r.detail);
        continue;
      }
      if (!table || !table->known) {
        r.detail = r.action + " sent; read-back failed: " + (table ? table->error : "no answer");
      } else if (!table->vipRoute) {
        r.detail = r.action + " sent; the route is not visible yet";
      } else {
        r.detail = fmt::format("{} sent; read back {} ({})", r.action,
                               model::targetText(table->vipRoute->target), table->vipRoute->state);
      }
      still.push_back(i);
    }
    pending = std::move(still);
  }
  for (auto i : pending) {
    auto& r = report_.routes[i];
    r.outcome = RouteOutcome::kUnknown;
    if (!r.error) r.error = deadlineError("the written route was confirmed active");
  }
}

ApplyReport Applier::run() {
  auto clock = deadline_.clock;
  report_.activeNode = plan_.activeNode;
  report_.dryRun = opts_.dryRun;
  std::map<std::string, std::vector<std::size_t>> byRegion;
  for (const auto& change : plan_.changes) {
    RouteResult r;
    r.change = change;
    switch (change.kind) {
      case plan::ChangeKind::kNone:
        r.outcome = RouteOutcome::kUnchanged;
        r.detail = "already right";
        break;
      case plan::ChangeKind::kMissing:
        r.outcome = RouteOutcome::kMissing;
        r.detail = "no route for the VIP and create_missing = false";
        break;
      case plan::ChangeKind::kUnknown:
        r.outcome = RouteOutcome::kUnknown;
        r.detail = "the table could not be read";
        break;
      default:
        if (auto why = invariantViolation(change, vip_); !why.empty()) {
          r.outcome = RouteOutcome::kFailed;
          r.error = Error{ErrorCategory::kInternal, "refused to write: " + why, {}, {}, 0};
          r.detail = r.error->message;
          spdlog::error("{} {}: {}", change.desired.region, change.desired.tableId, r.detail);
        } else if (opts_.dryRun) {
          r.outcome = RouteOutcome::kSkipped;
          r.detail = fmt::format("would {} -> {}", plan::changeKindName(change.kind),
                                 model::targetText(change.desired.target));
        } else {
          byRegion[change.desired.region].push_back(report_.routes.size());
        }
    }
    report_.routes.push_back(std::move(r));
  }
  // Home routes first within each region; otherwise plan order.
  for (auto& [region, indices] : byRegion) {
    std::stable_sort(indices.begin(), indices.end(), [&](std::size_t a, std::size_t b) {
      return report_.routes[a].change.desired.home() && !report_.routes[b].change.desired.home();
    });
  }

  const auto writeStart = clock->monotonic();
  std::vector<std::string> regions;
  for (const auto& [region, indices] : byRegion) regions.push_back(region);
  // Each region reads back its own writes as soon as they are done. A region
  // whose writes keep failing is retried until the deadline; were the
  // read-back to wait for it, the other regions' routes (the home ones among
  // them) would be left unconfirmed, with whatever time the last retry
  // happened to leave.
  parallelFor(regions.size(), regions.size(), [&](std::size_t i) {
    const auto& indices = byRegion.at(regions[i]);
    writeRegion(regions[i], indices);
    const auto written = since(*clock, writeStart);
    std::vector<std::size_t> sent;
    for (auto r : indices)
      if (!report_.routes[r].error && report_.routes[r].outcome == RouteOutcome::kUnknown)
        sent.push_back(r);
    Millis verifying{0};
    if (!opts_.ec2DryRun && !sent.empty()) {
      const auto verifyStart = clock->monotonic();
      if (opts_.verify) {
        verifyWritten(sent);
      } else {
        for (auto r : sent) report_.routes[r].outcome = RouteOutcome::kWritten;
      }
      verifying = since(*clock, verifyStart);
    }
    std::lock_guard lock(mu_);
    report_.elapsed.write = std::max(report_.elapsed.write, written);
    report_.elapsed.verify = std::max(report_.elapsed.verify, verifying);
  });
  report_.calls = counter_->snapshot();
  return std::move(report_);
}

}  // namespace

std::string_view routeOutcomeName(RouteOutcome outcome) {
  switch (outcome) {
    case RouteOutcome::kUnchanged: return "unchanged";
    case RouteOutcome::kWritten: return "written";
    case RouteOutcome::kFailed: return "failed";
    case RouteOutcome::kUnknown: return "unknown";
    case RouteOutcome::kMissing: return "missing";
    case RouteOutcome::kSkipped: return "skipped";
  }
  return "unknown";
}

int ApplyReport::count(RouteOutcome outcome) const {
  return static_cast<int>(std::count_if(
      routes.begin(), routes.end(), [&](const RouteResult& r) { return r.outcome == outcome; }));
}

bool ApplyReport::homeRight() const {
  return std::all_of(routes.begin(), routes.end(),
                     [](const RouteResult& r) { return !r.change.desired.home() || r.right(); });
}

bool ApplyReport::allRight() const {
  return std::all_of(routes.begin(), routes.end(), [](const RouteResult& r) { return r.right(); });
}

std::string invariantViolation(const plan::RouteChange& change, const model::Prefix& vip) {
  const auto& want = change.desired;
  if (!vip.isHost()) return fmt::format("the VIP {} is not a host prefix", vip.toString());
  if (!(want.destination == vip)) {
    return fmt::format("destination {} is not the VIP host prefix {}", want.destination.toString(),
                       vip.toString());
  }
  if (want.tableId.empty()) return "no table id";
  if (want.target.id.empty()) return "no target";
  if (want.tableKind == TableKind::kVpc) {
    if (want.target.kind == TargetKind::kNetworkInterface && want.target.id.starts_with("eni-"))
      return {};
    if (want.target.kind == TargetKind::kTransitGateway && want.target.id.starts_with("tgw-") &&
        !want.target.id.starts_with("tgw-attach-"))
      return {};
    return fmt::format("target {} is not an ENI or a transit gateway", want.target.id);
  }
  if (want.target.kind == TargetKind::kTgwAttachment && want.target.id.starts_with("tgw-attach-"))
    return {};
  return fmt::format("target {} is not a transit gateway attachment", want.target.id);
}

ApplyReport applyPlan(const plan::Plan& plan, const model::Prefix& vip, const Ec2Factory& factory,
                      const Deadline& deadline, const ApplyOptions& options) {
  return Applier(plan, vip, factory, deadline, options).run();
}

}  // namespace tgwark::engine
