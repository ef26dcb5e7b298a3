#include "lifekeeper/exit_codes.h"

namespace tgwark::lifekeeper {

int exitCode(app::Action action, app::Verdict verdict) {
  using app::Action;
  using app::Verdict;
  if (action == Action::kRemove) return 0;
  switch (verdict) {
    case Verdict::kOk: return 0;
    case Verdict::kUndeterminable: return action == Action::kQuickCheck ? 0 : 1;
    case Verdict::kBadConfig: return 2;
    case Verdict::kFailed:
    case Verdict::kTakenOver: return 1;
  }
  return 1;
}

}  // namespace tgwark::lifekeeper
