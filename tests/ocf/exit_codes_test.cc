#include <gtest/gtest.h>

#include "ocf/agent.h"

namespace tgwark::ocf {
namespace {

using app::Action;
using app::Verdict;

TEST(OcfExitCodeTest, TheWholeTable) {
  for (Action action : {Action::kRestore, Action::kQuickCheck}) {
    SCOPED_TRACE(std::string(app::actionName(action)));
    EXPECT_EQ(exitCode(action, Verdict::kOk), kSuccess);
    // monitor is asked again next interval: not a failure.
    EXPECT_EQ(exitCode(action, Verdict::kUndeterminable), kSuccess);
    EXPECT_EQ(exitCode(action, Verdict::kBadConfig), kErrConfigured);
    EXPECT_EQ(exitCode(action, Verdict::kFailed), kErrGeneric);
    EXPECT_EQ(exitCode(action, Verdict::kTakenOver), kErrGeneric);
  }
}

}  // namespace
}  // namespace tgwark::ocf
