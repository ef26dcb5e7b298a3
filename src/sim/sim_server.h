// tgwark-sim as a library: an EC2 Query API + IMDSv2 + control API emulator on
// one loopback HTTP listener. `tgwark demo`, the integration tests and the
// benchmarks embed it in-process and talk to it over real HTTP with real
// SigV4 signatures. See docs/emulator.md.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "common/error.h"
#include "sim/sim_state.h"
#include "sim/sim_topology.h"

namespace tgwark::sim {

class SimServer {
 public:
  static Result<std::unique_ptr<SimServer>> create(SimTopology topology, SimOptions options = {});
  static Result<std::unique_ptr<SimServer>> create(const std::filesystem::path& topologyFile,
                                                   SimOptions options = {});
  ~SimServer();
  SimServer(const SimServer&) = delete;
  SimServer& operator=(const SimServer&) = delete;

  // Binds options.host:options.port (0 picks a free port) and serves from a
  // background thread until stop().
  Result<void> start();
  void stop();
  int port() const;
  // "http://127.0.0.1:PORT"
  std::string url() const;
  // IMDS endpoint of one node, for AWS_EC2_METADATA_SERVICE_ENDPOINT.
  std::string metadataEndpoint(const std::string& nodeName) const;
  SimState& state();

 private:
  SimServer(SimTopology topology, SimOptions options);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tgwark::sim
