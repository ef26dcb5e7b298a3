// The built-in topologies (topologies/demo.json, topologies/single-vpc.json),
// compiled in so that `tgwark demo` and a bare `tgwark-sim` work without any
// file on disk.
#pragma once

#include <optional>
#include <string_view>

namespace tgwark::sim {
std::string_view demoTopologyJson();
// "demo" or "single-vpc" (every node in one VPC, no transit gateway);
// nullopt for any other name.
std::optional<std::string_view> builtinTopologyJson(std::string_view name);
}  // namespace tgwark::sim
