// The emulator's request handling over arbitrary bodies: the form parser,
// then the named action against the demo topology. The emulator answers real
// AWS clients and tgwark's fault tests; a crash there would read as a tgwark
// failure. Each input runs on a fresh copy of the topology so inputs stay
// independent (and runs reproducible).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sim/demo_topology.h"
#include "sim/sim_ec2.h"
#include "sim/sim_topology.h"

using namespace tgwark::sim;

namespace {
const SimTopology& demo() {
  static const SimTopology topology = [] {
    auto t = parseTopology(demoTopologyJson());
    if (!t) std::abort();
    return *t;
  }();
  return topology;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto form = parseForm(body);
  if (!form) return 0;
  Ec2Params params(std::move(*form));
  (void)params.filters();
  (void)params.flag("DryRun");
  auto action = params.get("Action");
  if (!action || !isKnownAction(*action)) return 0;
  SimTopology topology = demo();
  std::string region = params.get("Region").value_or("us-east-1");
  auto it = topology.regions.find(region);
  if (it == topology.regions.end()) return 0;
  Ec2Call call{topology, it->second, params, *action};
  (void)runEc2Action(call);
  return 0;
}
