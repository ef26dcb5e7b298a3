// The commands of `tgwark`, one function each, called by the argument parser
// (app.cc). Each returns the process exit code documented in docs/semantics.md.
#pragma once

#include <string>

namespace tgwark::cli {

struct GlobalOptions {
  std::string config;
  std::string node;
  bool json = false;
  int verbosity = 0;  // -v: +1, -q: -1
  bool syslog = false;
  std::string metricsFile;
  // LifeKeeper's -t TAG -i ID (logged; TAG also finds the Application Info).
  std::string tag;
  std::string id;
};

struct ActiveOptions {
  std::string active;  // --active NODE
  bool dryRun = false;
};

struct GraphOptions {
  std::string active;
  std::string format = "dot";
  std::string output;  // file; empty = stdout
};

struct DemoOptions {
  std::string topology;  // empty = built-in demo topology
  bool keep = false;     // keep the emulator running after the demo (prints its URL)
};

struct LifekeeperInstallOptions {
  std::string tag;
  std::string directory;
  std::string ipResource;
  std::string binary;  // the tgwark the scripts run; empty = the installed path
};

int cmdRestore(const GlobalOptions& g);
int cmdRemove(const GlobalOptions& g);
int cmdQuickCheck(const GlobalOptions& g);
int cmdRecover(const GlobalOptions& g);
int cmdApply(const GlobalOptions& g, const ActiveOptions& o);
int cmdPlan(const GlobalOptions& g, const ActiveOptions& o);
int cmdStatus(const GlobalOptions& g);
int cmdVerify(const GlobalOptions& g, const ActiveOptions& o);
int cmdValidate(const GlobalOptions& g);
int cmdDiscover(const GlobalOptions& g);
int cmdGraph(const GlobalOptions& g, const GraphOptions& o);
int cmdDemo(const GlobalOptions& g, const DemoOptions& o);
int cmdOcf(const GlobalOptions& g, const std::string& action);
int cmdLifekeeperInstall(const GlobalOptions& g, const LifekeeperInstallOptions& o);

// Parses argv and runs the chosen command.
int run(int argc, char** argv);

}  // namespace tgwark::cli
