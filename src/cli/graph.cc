// `tgwark graph` (placeholder until the graph work lands).
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "cli/session.h"

namespace tgwark::cli {

int cmdGraph(const GlobalOptions& g, const GraphOptions& o) {
  (void)o;
  auto session = Session::open(g, "graph");
  if (!session) return reportError(session.error(), "graph");
  spdlog::error("graph: not implemented yet");
  return kExitFailed;
}

}  // namespace tgwark::cli
