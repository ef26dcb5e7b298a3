// `tgwark lifekeeper install`: writes the four Generic Application action
// scripts for one resource tag and explains, exactly, how to create the
// LifeKeeper resource from them. The scripts are thin: all logic stays in the
// tested tgwark binary.
#pragma once

#include <string>
#include <vector>

#include "common/error.h"

namespace tgwark::lifekeeper {

inline constexpr const char* kActions[] = {"restore", "remove", "quickCheck", "recover"};

struct InstallOptions {
  std::string tag;            // LifeKeeper resource tag, e.g. "tgwark-vip"
  std::string configPath;     // baked into the scripts when set
  std::string directory;      // where the scripts go; default /opt/tgwark/lifekeeper/TAG
  std::string tgwarkPath;     // absolute path of the tgwark binary
  std::string ipResourceTag;  // the IP resource the gen/app resource depends on, if known
  bool createMissing = true;
  bool fixSourceDestCheck = false;
};

struct InstallResult {
  std::string directory;
  std::vector<std::string> scripts;  // absolute paths, in kActions order
};

// Tags are LifeKeeper resource tags: letters, digits and - _ . (no spaces, no '/').
bool isValidTag(const std::string& tag);

// The text of one action script.
std::string scriptText(const InstallOptions& options, const std::string& action);

// Writes the scripts (mode 0755, atomically: temp file + rename).
Result<InstallResult> installScripts(const InstallOptions& options);

// Step-by-step resource creation: GUI path, creapphier command, dependency on
// the IP resource, NOBCASTPING=1, and the IAM policy.
std::string setupInstructions(const InstallOptions& options, const InstallResult& result);

}  // namespace tgwark::lifekeeper
