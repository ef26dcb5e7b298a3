#include "lifekeeper/exit_codes.h"

#include <gtest/gtest.h>

namespace tgwark::lifekeeper {
namespace {

using app::Action;
using app::Verdict;

TEST(LifekeeperExitCodeTest, TheWholeTable) {
  struct Row {
    Verdict verdict;
    int restore, remove, quickCheck, recover;
  };
  const Row table[] = {
      {Verdict::kOk, 0, 0, 0, 0},        {Verdict::kFailed, 1, 0, 1, 1},
      {Verdict::kBadConfig, 2, 0, 2, 2}, {Verdict::kUndeterminable, 1, 0, 0, 1},
      {Verdict::kTakenOver, 1, 0, 1, 1},
  };
  for (const auto& row : table) {
    SCOPED_TRACE(std::string(app::verdictName(row.verdict)));
    EXPECT_EQ(exitCode(Action::kRestore, row.verdict), row.restore);
    EXPECT_EQ(exitCode(Action::kRemove, row.verdict), row.remove);
    EXPECT_EQ(exitCode(Action::kQuickCheck, row.verdict), row.quickCheck);
    EXPECT_EQ(exitCode(Action::kRecover, row.verdict), row.recover);
  }
}

}  // namespace
}  // namespace tgwark::lifekeeper
