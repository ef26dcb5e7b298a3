// `tgwark lifekeeper install`: writes the four Generic Application action
// scripts for one resource tag and explains, exactly, how to create the
// LifeKeeper resource from them. The scripts are thin: all logic stays in the
// tested tgwark binary — the installed one (the package's path, or one named
// with --binary), never whichever copy happened to run the install.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace tgwark::lifekeeper {

inline constexpr const char* kActions[] = {"restore", "remove", "quickCheck", "recover"};

// Where the package (or `cmake --install`) puts tgwark; fixed at build time.
std::string installedBinary();

// LifeKeeper writes what the action scripts print on stderr here.
inline constexpr const char* kLifeKeeperLog = "/var/log/lifekeeper.log";

struct InstallOptions {
  std::string tag;            // LifeKeeper resource tag, e.g. "tgwark-vip"
  std::string configPath;     // baked into the scripts when set
  std::string directory;      // where the scripts go; default /opt/tgwark/lifekeeper/TAG
  std::string tgwarkPath;     // absolute path of the tgwark binary the scripts exec
  std::string ipResourceTag;  // the IP resource the gen/app resource depends on, if known
  bool createMissing = true;
  bool fixSourceDestCheck = false;
  std::string metricsFile;         // passed to every action as --metrics-file when set
  bool syslog = false;             // every action also logs to syslog
  std::vector<std::string> nodes;  // the config's node names, for the per-node steps
  // Whether the scope has a transit gateway, as a discovery on this node
  // found it (the scope store); nullopt: not known, so the policy printed
  // covers both layouts and says what one VPC without one can leave out.
  std::optional<bool> transitGateways;
};

struct InstallResult {
  std::string directory;
  std::vector<std::string> scripts;  // absolute paths, in kActions order
};

// Tags are LifeKeeper resource tags: letters, digits and - _ . (no spaces, no '/').
bool isValidTag(const std::string& tag);

// The binary the scripts will exec must be an absolute path to an executable
// file: otherwise every restore would fail at failover time, not now.
Result<void> checkBinary(const std::string& path);

// The configuration file the scripts will read: --config when baked in,
// else the Application Info default printed in the setup steps.
std::string configFileUsed(const InstallOptions& options);

// A warning when that file does not exist (yet): the scripts would fail at
// the first restore. Empty when it exists.
std::string missingConfigWarning(const InstallOptions& options);

// The text of one action script.
std::string scriptText(const InstallOptions& options, const std::string& action);

// Checks the options (tag, binary, metrics path), then writes the scripts
// (mode 0755, atomically: temp file + rename). Nothing is written on error.
Result<InstallResult> installScripts(const InstallOptions& options);

// Step-by-step resource creation: GUI path, creapphier command, the
// dependency on the IP resource for every node, NOBCASTPING=1, where the logs
// go, and the IAM policy.
std::string setupInstructions(const InstallOptions& options, const InstallResult& result);

}  // namespace tgwark::lifekeeper
