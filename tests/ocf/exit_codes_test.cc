// The OCF exit-code rules as pure functions: start's table and what monitor
// answers, probe or recurring, for every outcome a check can have.
#include <gtest/gtest.h>

#include "ocf/agent.h"

namespace tgwark::ocf {
namespace {

using app::Action;
using app::HomeRoutes;
using app::Verdict;

TEST(OcfExitCodeTest, StartTable) {
  EXPECT_EQ(exitCode(Action::kRestore, Verdict::kOk), kSuccess);
  EXPECT_EQ(exitCode(Action::kRestore, Verdict::kBadConfig), kErrConfigured);
  EXPECT_EQ(exitCode(Action::kRestore, Verdict::kFailed), kErrGeneric);
  EXPECT_EQ(exitCode(Action::kRestore, Verdict::kTakenOver), kErrGeneric);
}

app::ActionOutcome check(Verdict verdict, HomeRoutes home = HomeRoutes::kUnknown) {
  app::ActionOutcome out;
  out.action = Action::kQuickCheck;
  out.verdict = verdict;
  out.home = home;
  return out;
}

TEST(OcfMonitorExitTest, RecurringMonitor) {
  const auto k = MonitorKind::kRecurring;
  EXPECT_EQ(monitorExit(k, check(Verdict::kOk, HomeRoutes::kAllHere), true), kSuccess);
  // Asked again next interval: an API that cannot answer is not a failure.
  EXPECT_EQ(monitorExit(k, check(Verdict::kUndeterminable), true), kSuccess);
  EXPECT_EQ(monitorExit(k, check(Verdict::kFailed, HomeRoutes::kSomeHere), true), kErrGeneric);
  EXPECT_EQ(monitorExit(k, check(Verdict::kFailed, HomeRoutes::kNoneHere), true), kErrGeneric);
  EXPECT_EQ(monitorExit(k, check(Verdict::kBadConfig), true), kErrConfigured);
  // Not reclaimed by a restart in place: not running here.
  EXPECT_EQ(monitorExit(k, check(Verdict::kTakenOver, HomeRoutes::kNoneHere), true), kNotRunning);
}

TEST(OcfMonitorExitTest, ProbeAnswersFromTheRoutesWhateverTheMarkerSays) {
  const auto k = MonitorKind::kProbe;
  for (bool marker : {true, false}) {
    SCOPED_TRACE(marker ? "marker" : "no marker");
    EXPECT_EQ(monitorExit(k, check(Verdict::kOk, HomeRoutes::kAllHere), marker), kSuccess);
    EXPECT_EQ(monitorExit(k, check(Verdict::kTakenOver, HomeRoutes::kNoneHere), marker),
              kNotRunning);
    EXPECT_EQ(monitorExit(k, check(Verdict::kFailed, HomeRoutes::kNoneHere), marker), kNotRunning);
    // Evidence that the routes are meant for here and broken.
    EXPECT_EQ(monitorExit(k, check(Verdict::kFailed, HomeRoutes::kSomeHere), marker), kErrGeneric);
    EXPECT_EQ(monitorExit(k, check(Verdict::kBadConfig), marker), kErrConfigured);
  }
}

TEST(OcfMonitorExitTest, ProbeWithoutRouteEvidenceFallsBackOnTheMarker) {
  const auto k = MonitorKind::kProbe;
  EXPECT_EQ(monitorExit(k, check(Verdict::kUndeterminable), true), kSuccess);
  EXPECT_EQ(monitorExit(k, check(Verdict::kUndeterminable), false), kNotRunning);
  EXPECT_EQ(monitorExit(k, check(Verdict::kFailed, HomeRoutes::kUnknown), true), kErrGeneric);
  EXPECT_EQ(monitorExit(k, check(Verdict::kFailed, HomeRoutes::kUnknown), false), kNotRunning);
}

TEST(OcfBudgetTest, AnswersBeforePacemakersTimeout) {
  using std::chrono::milliseconds;
  EXPECT_EQ(budgetFromMetaTimeout("")->has_value(), false);
  EXPECT_EQ(**budgetFromMetaTimeout("20000"), milliseconds(18000));    // a tenth
  EXPECT_EQ(**budgetFromMetaTimeout("300000"), milliseconds(290000));  // at most 10 s
  EXPECT_EQ(**budgetFromMetaTimeout("5000"), milliseconds(4000));      // at least 1 s
  EXPECT_EQ(**budgetFromMetaTimeout("1000"), milliseconds(500));       // never all of it
  for (const char* bad : {"abc", "-5", "0", "12s"}) {
    auto r = budgetFromMetaTimeout(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().category, ErrorCategory::kInvalid);
  }
}

}  // namespace
}  // namespace tgwark::ocf
