// Compiled (never linked) by the result_nodiscard ctests: as it stands it must
// be refused under -Werror=unused-result, because a dropped Result loses its
// error; with TGWARK_EXPLICIT_DISCARD (the control) it must compile, which
// proves the refusal is about the discard and not the build line.
#include "common/error.h"

namespace {
tgwark::Result<void> mayFail() {
  return tgwark::makeError(tgwark::ErrorCategory::kInternal, "lost");
}
}  // namespace

int main() {
#ifdef TGWARK_EXPLICIT_DISCARD
  static_cast<void>(mayFail());
#else
  mayFail();
#endif
  return 0;
}
