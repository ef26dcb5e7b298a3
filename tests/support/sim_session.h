// Test helper: an in-process tgwark-sim (demo topology unless given) and an
// app::Context (the command line's Session) talking to it over real HTTP with explicit long-term
// keys, so command logic is tested on the real code path without the user's shell.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "app/context.h"
#include "sim/demo_topology.h"
#include "sim/sim_server.h"

namespace tgwark::testing {

using Session = app::Context;

struct SimSessionOptions {
  std::string accessKeyId = "AKIDSIMULATOR";
  std::string secretAccessKey = "simulator-secret-key";
  bool createMissing = true;
  bool fixSourceDestCheck = false;
  std::string endpointOverride;  // instead of the emulator's URL
  std::string topologyJson;      // default: the demo topology
  std::string vip = "192.168.10.10";
  std::string topLevelConfig;  // more top-level keys, e.g. "vpc_route_tables = [...]\n"
};

class SimSession {
 public:
  explicit SimSession(const SimSessionOptions& o = {}) {
    auto topo = sim::parseTopology(o.topologyJson.empty() ? sim::demoTopologyJson()
                                                          : std::string_view(o.topologyJson));
    EXPECT_TRUE(topo.has_value()) << topo.error().describe();
    auto server = sim::SimServer::create(*topo);
    EXPECT_TRUE(server.has_value());
    server_ = std::move(*server);
    auto started = server_->start();
    EXPECT_TRUE(started.has_value());
    std::string url = o.endpointOverride.empty() ? server_->url() : o.endpointOverride;
    std::string toml =
        fmt::format("vip = \"{}\"\ncreate_missing = {}\nfix_source_dest_check = {}\n{}", o.vip,
                    o.createMissing, o.fixSourceDestCheck, o.topLevelConfig);
    for (const auto& n : topo->nodes) {
      toml += fmt::format("\n[[node]]\nname = \"{}\"\nregion = \"{}\"\neni = \"{}\"\n", n.name,
                          n.region, n.eniId);
    }
    toml += fmt::format("\n[aws]\nendpoint_url = \"{}\"\nmax_attempts = 1\n", url);
    auto config = model::parseConfig(toml, "test.toml");
    EXPECT_TRUE(config.has_value()) << config.error().describe();
    std::map<std::string, std::string> env = {
        {"AWS_ACCESS_KEY_ID", o.accessKeyId},  {"AWS_SECRET_ACCESS_KEY", o.secretAccessKey},
        {"AWS_CONFIG_FILE", "/dev/null"},      {"AWS_SHARED_CREDENTIALS_FILE", "/dev/null"},
        {"AWS_EC2_METADATA_DISABLED", "true"},
    };
    EnvLookup lookup = [env](std::string_view name) -> std::optional<std::string> {
      auto it = env.find(std::string(name));
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
    app::ContextOptions options;
    options.config = *config;
    options.configSource = app::ConfigSource{"test.toml", "test"};
    options.env = lookup;
    auto session = app::Context::create(std::move(options));
    EXPECT_TRUE(session.has_value()) << session.error().describe();
    session_ = std::move(*session);
  }
  ~SimSession() {
    // Close the clients' keep-alive connections first so stop() need not wait them out.
    session_.reset();
    if (server_) server_->stop();
  }
  Session& session() { return *session_; }
  sim::SimServer& server() { return *server_; }
  engine::Deadline deadline() const { return session_->deadlineAfterSeconds(60); }

 private:
  std::unique_ptr<sim::SimServer> server_;
  std::unique_ptr<Session> session_;
};

}  // namespace tgwark::testing
