// `tgwark validate` (placeholder until the validate work lands).
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "cli/session.h"

namespace tgwark::cli {

int cmdValidate(const GlobalOptions& g) {
  auto session = Session::open(g, "validate");
  if (!session) return reportError(session.error(), "validate");
  spdlog::error("validate: only the configuration check is implemented so far (config OK)");
  return kExitFailed;
}

}  // namespace tgwark::cli
