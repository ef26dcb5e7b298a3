// tgwark entry point: parses the command line and hands over to the command.
#include <CLI/CLI.hpp>

#include <cstdio>

int main(int argc, char** argv) {
  CLI::App app{"tgwark: keep a cluster's virtual IP routed across VPCs and Transit Gateways"};
  app.set_version_flag("--version", std::string("tgwark ") + TGWARK_VERSION);
  app.require_subcommand(1);
  app.add_subcommand("demo", "run a failover on the embedded emulator");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  return 0;
}
