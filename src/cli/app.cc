// Command-line parsing (CLI11). Only parsing lives here; each command's work is
// in commands.cc and below. A bad command line exits 2 with usage.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/commands.h"

#ifndef TGWARK_VERSION
#define TGWARK_VERSION "0.0.0"
#endif

namespace tgwark::cli {

namespace {

constexpr int kUsageExit = 2;

void addLifekeeperArgs(CLI::App* cmd, GlobalOptions& g) {
  cmd->add_option("-t,--tag", g.tag, "LifeKeeper resource tag (logged; finds Application Info)");
  cmd->add_option("-i,--id", g.id, "LifeKeeper resource id (logged)");
}

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{
      "tgwark: keeps a cluster's virtual IP routed to the active node across VPCs, regions and "
      "Transit Gateways"};
  app.set_version_flag("--version", std::string("tgwark ") + TGWARK_VERSION);
  app.require_subcommand(1);
  app.fallthrough();

  GlobalOptions g;
  app.add_option("-c,--config", g.config,
                 "configuration file (default: $TGWARK_CONFIG, LifeKeeper Application Info, "
                 "/etc/tgwark/tgwark.toml)");
  app.add_option("-n,--node", g.node,
                 "which node this is (default: from instance metadata, else the host name)");
  app.add_flag("--json", g.json, "machine-readable output");
  app.add_flag(
      "-v,--verbose", [&g](std::int64_t n) { g.verbosity += static_cast<int>(n); },
      "more logging (repeat for debug)");
  app.add_flag(
      "-q,--quiet", [&g](std::int64_t n) { g.verbosity -= static_cast<int>(n); }, "less logging");
  app.add_flag("--syslog", g.syslog, "also log to syslog (daemon facility)");
  app.add_option("--metrics-file", g.metricsFile,
                 "write Prometheus text-format metrics here (atomically) after the command");

  auto* restore = app.add_subcommand("restore", "make this node active (LifeKeeper restore)");
  addLifekeeperArgs(restore, g);
  auto* remove = app.add_subcommand("remove", "LifeKeeper remove: no AWS change by default");
  addLifekeeperArgs(remove, g);
  auto* quickCheck = app.add_subcommand("quickCheck", "LifeKeeper quickCheck for this node");
  addLifekeeperArgs(quickCheck, g);
  auto* recover = app.add_subcommand("recover", "LifeKeeper local recovery");
  addLifekeeperArgs(recover, g);

  ActiveOptions applyOpts;
  auto* apply = app.add_subcommand("apply", "point every VIP route at NODE (what restore does)");
  apply->add_option("--active", applyOpts.active, "the node to make active")->required();
  apply->add_flag("--dry-run", applyOpts.dryRun, "show what would change; change nothing");

  ActiveOptions planOpts;
  auto* plan = app.add_subcommand("plan", "the changes apply would make; nothing is changed");
  plan->add_option("--active", planOpts.active, "the node to plan for")->required();

  auto* status = app.add_subcommand("status", "every managed route and the node it serves");

  ActiveOptions verifyOpts;
  auto* verify = app.add_subcommand("verify", "trace the VIP hop by hop from every VPC in scope");
  verify->add_option("--active", verifyOpts.active,
                     "the node every VPC must reach (default: the node the routes serve)");

  auto* validate =
      app.add_subcommand("validate", "check config, prerequisites and IAM permissions (DryRun)");
  auto* discover = app.add_subcommand("discover", "print the discovered scope as TOML");

  GraphOptions graphOpts;
  auto* graph = app.add_subcommand("graph", "the topology and the VIP's routes as Graphviz");
  graph->add_option("--format", graphOpts.format, "dot or svg")
      ->check(CLI::IsMember({"dot", "svg"}));
  graph->add_option("--active", graphOpts.active, "colour routes against this node");
  graph->add_option("-o,--output", graphOpts.output, "write to this file instead of stdout");

  DemoOptions demoOpts;
  auto* demo = app.add_subcommand("demo", "fail over on the embedded emulator, end to end");
  demo->add_option("--topology", demoOpts.topology, "emulator topology file (default: built in)");
  demo->add_flag("--keep", demoOpts.keep, "leave the emulator running at the end");

  std::string ocfAction;
  auto* ocf = app.add_subcommand("ocf", "Pacemaker OCF agent actions (OCF_RESKEY_* parameters)");
  ocf->add_option("action", ocfAction,
                  "start | stop | monitor | validate-all | meta-data | methods")
      ->required();

  LifekeeperInstallOptions lkOpts;
  auto* lk = app.add_subcommand("lifekeeper", "LifeKeeper integration");
  lk->require_subcommand(1);
  auto* lkInstall =
      lk->add_subcommand("install", "write the gen/app scripts and print the setup steps");
  lkInstall->add_option("--tag", lkOpts.tag, "LifeKeeper resource tag")->required();
  lkInstall->add_option("--dir", lkOpts.directory,
                        "where to write the scripts (default /opt/tgwark/lifekeeper/TAG)");
  lkInstall->add_option("--ip-resource", lkOpts.ipResource,
                        "tag of the IP resource that holds the VIP");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kUsageExit;
  }

  if (restore->parsed()) return cmdRestore(g);
  if (remove->parsed()) return cmdRemove(g);
  if (quickCheck->parsed()) return cmdQuickCheck(g);
  if (recover->parsed()) return cmdRecover(g);
  if (apply->parsed()) return cmdApply(g, applyOpts);
  if (plan->parsed()) return cmdPlan(g, planOpts);
  if (status->parsed()) return cmdStatus(g);
  if (verify->parsed()) return cmdVerify(g, verifyOpts);
  if (validate->parsed()) return cmdValidate(g);
  if (discover->parsed()) return cmdDiscover(g);
  if (graph->parsed()) return cmdGraph(g, graphOpts);
  if (demo->parsed()) return cmdDemo(g, demoOpts);
  if (ocf->parsed()) return cmdOcf(g, ocfAction);
  if (lkInstall->parsed()) return cmdLifekeeperInstall(g, lkOpts);
  std::cerr << app.help();
  return kUsageExit;
}

}  // namespace tgwark::cli
