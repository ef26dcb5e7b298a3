// The demo topology (topologies/demo.json), compiled in so that `tgwark demo`
// and a bare `tgwark-sim` work without any file on disk.
#pragma once

#include <string_view>

namespace tgwark::sim {
std::string_view demoTopologyJson();
}  // namespace tgwark::sim
