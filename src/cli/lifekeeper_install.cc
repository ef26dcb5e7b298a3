// `tgwark lifekeeper install`: resolves what the scripts will run (the
// installed tgwark, or --binary) and which config they will read, passes the
// global --config, --metrics-file and --syslog through to them, and prints the
// setup steps. The scripts and the steps themselves are lifekeeper/install.
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>

#include "app/context.h"
#include "cli/commands.h"
#include "cli/session.h"
#include "common/env.h"
#include "engine/preflight.h"
#include "lifekeeper/install.h"
#include "model/config.h"

namespace tgwark::cli {

int cmdLifekeeperInstall(const GlobalOptions& g, const LifekeeperInstallOptions& o) {
  namespace fs = std::filesystem;
  // --syslog and --metrics-file are for the scripts; the install itself
  // reports on stderr only.
  GlobalOptions logging = g;
  logging.syslog = false;
  startLogging(logging, "lifekeeper install");
  lifekeeper::InstallOptions options;
  options.tag = o.tag;
  options.directory = o.directory;
  options.ipResourceTag = o.ipResource;
  options.metricsFile = g.metricsFile;
  options.syslog = g.syslog;
  // Never the binary that runs this command: that may be a build directory
  // the cluster nodes do not have.
  std::error_code ec;
  options.tgwarkPath =
      o.binary.empty() ? lifekeeper::installedBinary() : fs::absolute(o.binary, ec).string();
  if (!g.config.empty()) {
    char buf[PATH_MAX] = {};
    options.configPath = ::realpath(g.config.c_str(), buf) != nullptr
                             ? std::string(buf)
                             : fs::absolute(g.config, ec).string();
  }
  // A config that exists is checked now, so a typo is found at install time,
  // not at failover; one that does not exist yet only earns a warning.
  if (std::string warning = lifekeeper::missingConfigWarning(options); !warning.empty()) {
    std::cerr << warning << "\n";
  } else {
    auto config = model::loadConfigFile(lifekeeper::configFileUsed(options));
    if (!config) return reportError(config.error(), "lifekeeper install");
    options.createMissing = config->createMissing;
    options.fixSourceDestCheck = config->fixSourceDestCheck;
    for (const auto& node : config->nodes) options.nodes.push_back(node.name);
    // Which IAM actions the scope needs only a discovery knows (one VPC
    // without a transit gateway needs none of the transit gateway ones); the
    // install makes no AWS call, but a discovery that ran on this node for
    // this config (discover, plan, status, an action) left its scope in the
    // store.
    if (auto stored = app::topologyStoreFor(*config, processEnvironment()).load(std::nullopt)) {
      options.transitGateways = !engine::singleVpcWithoutTgw(*stored);
    }
  }
  auto result = lifekeeper::installScripts(options);
  if (!result) return reportError(result.error(), "lifekeeper install");
  std::cout << lifekeeper::setupInstructions(options, *result);
  return kExitOk;
}

}  // namespace tgwark::cli
