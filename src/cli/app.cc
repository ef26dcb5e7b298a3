// Command-line parsing (CLI11). Only parsing lives here; each command's work is
// in commands.cc and below. A bad command line exits 2 with usage.
#include <CLI/CLI.hpp>

#include <iostream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/session.h"
#include "common/strings.h"

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

// Subcommand help shows only the subcommand's own options; the global ones
// (accepted before or after the command) are listed in its footer.
constexpr const char* kGlobalOptionsFooter =
    "Global options (before or after the command): -c,--config FILE  -n,--node NAME  --json  "
    "-v,--verbose  -q,--quiet  --syslog  --metrics-file FILE  (tgwark --help)";

// Global options that take a value: their value is not the command word.
const std::set<std::string, std::less<>> kGlobalValueOptions = {"-c", "--config", "-n", "--node",
                                                                "--metrics-file"};

struct CommandWord {
  std::optional<std::string> word;           // the first non-option word
  std::optional<std::string> unknownOption;  // an unknown option before it
};

// The first word of the command line that is not an option or an option's
// value; an option before it that no global option matches is reported, as
// its value would otherwise be taken for the command.
CommandWord commandWord(int argc, char** argv, const std::vector<std::string>& globalOptions) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") return {};
    if (arg.starts_with("-")) {
      std::string name(arg.substr(0, arg.find('=')));
      if (std::find(globalOptions.begin(), globalOptions.end(), name) == globalOptions.end()) {
        return {std::nullopt, name};
      }
      if (arg.find('=') == std::string_view::npos && kGlobalValueOptions.contains(arg)) ++i;
      continue;
    }
    return {std::string(arg), std::nullopt};
  }
  return {};
}

std::vector<std::string> namesOf(const CLI::App& app) {
  std::vector<std::string> names;
  for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    names.push_back(sub->get_name());
    for (const auto& alias : sub->get_aliases()) names.push_back(alias);
  }
  return names;
}

std::vector<std::string> optionNamesOf(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* a = &app; a != nullptr; a = a->get_parent()) {
    for (const auto* option : a->get_options()) {
      for (const auto& n : option->get_lnames()) names.push_back("--" + n);
      for (const auto& n : option->get_snames()) names.push_back("-" + n);
    }
  }
  return names;
}

// --json anywhere before "--": a bad command line is still answered with a
// JSON document, so it is looked for before (and whatever) the parse.
bool wantsJson(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") return false;
    if (arg == "--json") return true;
  }
  return false;
}

// A clear usage error, with a suggestion when a known name is close; with
// --json also the error document (category "usage") on stdout.
int usageError(const std::string& what, const std::optional<std::string>& suggestion) {
  std::string message = what;
  if (suggestion) message += "; did you mean '" + *suggestion + "'?";
  std::cerr << "tgwark: " << message << "\nRun 'tgwark --help' for the commands.\n";
  printJsonError(Error{ErrorCategory::kInvalidConfig, message}, kUsageExit, "usage");
  return kUsageExit;
}

// CLI11 lists unexpected arguments last first ("node-b --active"): put them
// back in command-line order.
std::string extrasMessage(std::string_view what, const std::string& command) {
  auto colon = what.find(':');
  if (colon == std::string_view::npos) return std::string(what);
  std::istringstream words{std::string(what.substr(colon + 1))};
  std::vector<std::string> extras;
  for (std::string w; words >> w;) extras.insert(extras.begin(), w);
  std::string out = command.empty() ? "unexpected arguments:"
                                    : fmt::format("unexpected arguments for {}:", command);
  for (const auto& w : extras) out += fmt::format(" {}", w);
  return out;
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
  quickCheck->alias("quickcheck");
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
  demo->add_option("--topology", demoOpts.topology,
                   "emulator topology: a JSON file, or built in: demo (default), single-vpc");
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
  lkInstall->add_option("--binary", lkOpts.binary,
                        "the tgwark binary the scripts run (default: the installed one)");

  // Every command that reads the configuration accepts LifeKeeper's -t/-i, so
  // it finds the config through the resource's Application Info as the
  // LifeKeeper actions do.
  for (auto* cmd : {apply, plan, status, verify, validate, discover, graph}) {
    addLifekeeperArgs(cmd, g);
  }
  for (auto* cmd : app.get_subcommands([](const CLI::App*) { return true; })) {
    cmd->footer(kGlobalOptionsFooter);
  }

  const auto globalOptions = optionNamesOf(app);
  const auto command = commandWord(argc, argv, globalOptions);
  jsonOutput(wantsJson(argc, argv), command.word.value_or(""));
  if (command.unknownOption) {
    return usageError("unknown option '" + *command.unknownOption + "'",
                      closestMatch(*command.unknownOption, globalOptions));
  }
  if (command.word) {
    const auto names = namesOf(app);
    if (std::find(names.begin(), names.end(), *command.word) == names.end()) {
      return usageError("unknown command '" + *command.word + "'",
                        closestMatch(*command.word, names));
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ExtrasError& e) {
    // Unknown options or arguments: name the first, and the option it resembles.
    const CLI::App* where = &app;
    for (const auto* sub : app.get_subcommands()) where = sub;
    std::optional<std::string> suggestion;
    // CLI11 lists them after a colon, separated by spaces.
    std::string_view text = e.what();
    text.remove_prefix(std::min(text.size(), text.find(':') + 1));
    std::istringstream words{std::string(text)};
    for (std::string extra; words >> extra;) {
      if (!extra.starts_with("-")) continue;
      suggestion = closestMatch(extra.substr(0, extra.find('=')), optionNamesOf(*where));
      if (suggestion) break;
    }
    return usageError(extrasMessage(e.what(), where == &app ? "" : where->get_name()), suggestion);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    if (rc == 0) return 0;
    printJsonError(Error{ErrorCategory::kInvalidConfig, e.what()}, kUsageExit, "usage");
    return kUsageExit;
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
