#include "lifekeeper/install.h"

#include <unistd.h>

#include <filesystem>

#include <fmt/format.h>

#include "app/iam_policy.h"
#include "app/identity.h"
#include "common/atomic_file.h"

namespace tgwark::lifekeeper {

namespace fs = std::filesystem;

namespace {

// Single-quote for /bin/sh.
std::string shellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// The scripts are run by LifeKeeper as root and read by every admin.
constexpr fs::perms kScriptMode = fs::perms::owner_all | fs::perms::group_read |
                                  fs::perms::group_exec | fs::perms::others_read |
                                  fs::perms::others_exec;

// The options every action gets, in the order they appear in the script.
std::string passedOptions(const InstallOptions& options) {
  std::string out;
  if (!options.configPath.empty()) out += " --config " + shellQuote(options.configPath);
  if (!options.metricsFile.empty()) out += " --metrics-file " + shellQuote(options.metricsFile);
  if (options.syslog) out += " --syslog";
  return out;
}

// The dependency on the IP resource. LifeKeeper's command-line dep_create
// acts on one system (the local one unless -d names another): created before
// the hierarchy is extended, the extension carries it to every node; created
// after, it must be created on each node.
std::string dependencySteps(const InstallOptions& options) {
  std::string ipTag = options.ipResourceTag.empty() ? "<ip-resource-tag>" : options.ipResourceTag;
  std::string out = fmt::format(
      "  Make it depend on the IP resource that holds the VIP (the VIP route is useless\n"
      "  unless the node answers for the VIP, so the IP resource is restored first).\n"
      "  dep_create acts on one system only (the local one, or the one -d names):\n"
      "    a) before extending (recommended): on the node where you created it,\n"
      "         $LKROOT/bin/dep_create -p {tag} -c {ip}\n"
      "       then extend the hierarchy (GUI: Extend Resource Hierarchy) to every other\n"
      "       node; the extension copies the dependency;\n"
      "    b) or, if it is already extended, once for every node that has it:\n",
      fmt::arg("tag", options.tag), fmt::arg("ip", ipTag));
  if (options.nodes.empty()) {
    out += fmt::format("         $LKROOT/bin/dep_create -d <node> -p {} -c {}   (each node)\n",
                       options.tag, ipTag);
  } else {
    for (const auto& node : options.nodes) {
      out += fmt::format("         $LKROOT/bin/dep_create -d {} -p {} -c {}\n", shellQuote(node),
                         options.tag, ipTag);
    }
    out +=
        "       (-d takes LifeKeeper's system name, `uname -n` of that node; these are the\n"
        "       config's node names: replace any that differ, $LKROOT/bin/sys_list lists them).\n";
  }
  out += fmt::format("  Check on every node: $LKROOT/bin/dep_list -p {} shows {} as the child.\n",
                     options.tag, ipTag);
  return out;
}

std::string logSteps(const InstallOptions& options) {
  std::string out = fmt::format(
      "Logs: each action logs one line per event on stderr, which LifeKeeper appends to\n"
      "  {} on the node that ran it (prefixed with the action and tag).\n",
      kLifeKeeperLog);
  if (options.syslog) {
    out +=
        "  The scripts also log to syslog (facility daemon, identifier tgwark):\n"
        "    journalctl -t tgwark    (or /var/log/syslog, /var/log/messages)\n";
  } else {
    out += "  Add --syslog to the install command to also log to syslog.\n";
  }
  if (!options.metricsFile.empty()) {
    out += fmt::format("Metrics: every action writes Prometheus text-format metrics to {}.\n",
                       options.metricsFile);
  }
  return out;
}

}  // namespace

std::string installedBinary() {
#ifdef TGWARK_INSTALLED_BINARY
  return TGWARK_INSTALLED_BINARY;
#else
  return "/usr/bin/tgwark";
#endif
}

bool isValidTag(const std::string& tag) {
  if (tag.empty() || tag.size() > 256) return false;
  for (char c : tag) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

Result<void> checkBinary(const std::string& path) {
  if (path.empty() || path.front() != '/') {
    return makeError(ErrorCategory::kInvalidConfig,
                     fmt::format("the tgwark binary path must be absolute: '{}'", path));
  }
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return makeError(ErrorCategory::kInvalidConfig,
                     fmt::format("the scripts would run {}, which does not exist on this node: "
                                 "install the tgwark package here, or name the binary with "
                                 "--binary PATH",
                                 path));
  }
  if (!fs::is_regular_file(path, ec) || ::access(path.c_str(), X_OK) != 0) {
    return makeError(ErrorCategory::kInvalidConfig,
                     fmt::format("the scripts would run {}, which is not an executable file; "
                                 "name the tgwark binary with --binary PATH",
                                 path));
  }
  return {};
}

std::string configFileUsed(const InstallOptions& options) {
  return options.configPath.empty() ? std::string(app::kDefaultConfigPath) : options.configPath;
}

std::string missingConfigWarning(const InstallOptions& options) {
  std::string path = configFileUsed(options);
  std::error_code ec;
  if (fs::exists(path, ec)) return "";
  return fmt::format(
      "warning: {} does not exist: every action will fail until it does. Write it on every "
      "node (docs/configuration.md), then check it with `tgwark validate --config {}`.",
      path, path);
}

std::string scriptText(const InstallOptions& options, const std::string& action) {
  return fmt::format(
      "#!/bin/sh\n"
      "# LifeKeeper gen/app {action} action for resource {tag}.\n"
      "# Generated by `tgwark lifekeeper install`; all logic lives in tgwark itself.\n"
      "# LifeKeeper calls this as: {action} -t TAG -i ID\n"
      "exec {bin} {action}{options} \"$@\"\n",
      fmt::arg("action", action), fmt::arg("tag", options.tag),
      fmt::arg("bin", shellQuote(options.tgwarkPath)), fmt::arg("options", passedOptions(options)));
}

Result<InstallResult> installScripts(const InstallOptions& options) {
  if (!isValidTag(options.tag)) {
    return makeError(
        ErrorCategory::kInvalidConfig,
        fmt::format("--tag '{}' is not a valid LifeKeeper tag (letters, digits, - _ .)",
                    options.tag));
  }
  if (auto binary = checkBinary(options.tgwarkPath); !binary) {
    return std::unexpected(binary.error());
  }
  // LifeKeeper runs the scripts from its own working directory.
  if (!options.metricsFile.empty() && options.metricsFile.front() != '/') {
    return makeError(
        ErrorCategory::kInvalidConfig,
        fmt::format("--metrics-file must be an absolute path: '{}'", options.metricsFile));
  }
  InstallResult result;
  result.directory =
      options.directory.empty() ? "/opt/tgwark/lifekeeper/" + options.tag : options.directory;
  std::error_code ec;
  fs::create_directories(result.directory, ec);
  if (ec) {
    return makeError(ErrorCategory::kInvalidConfig,
                     fmt::format("cannot create {}: {}", result.directory, ec.message()));
  }
  for (const char* action : kActions) {
    fs::path path = fs::path(result.directory) / action;
    // The directory is the user's choice: failing to write there is a
    // configuration problem, as failing to create it is.
    if (auto written = writeFileAtomically(path, scriptText(options, action), kScriptMode);
        !written) {
      return makeError(ErrorCategory::kInvalidConfig, written.error().message);
    }
    result.scripts.push_back(fs::absolute(path).string());
  }
  return result;
}

namespace {

// `actions` as indented lines of at most about 90 characters.
std::string wrappedActions(const std::vector<std::string>& actions) {
  std::string out;
  std::string line;
  for (const auto& action : actions) {
    if (!line.empty() && line.size() + 1 + action.size() > 90) {
      out += line + "\n";
      line.clear();
    }
    line += (line.empty() ? "  " : " ") + action;
  }
  return out + line + "\n";
}

// The policy the config needs: its create_missing and fix_source_dest_check,
// and, when a discovery on this node found one VPC without a transit gateway,
// no transit gateway action (docs/iam.md).
std::string policySteps(const InstallOptions& options) {
  const bool tgws = options.transitGateways.value_or(true);
  const std::string config =
      options.configPath.empty() ? "" : fmt::format(" --config {}", options.configPath);
  app::PolicyOptions needed{.createMissing = options.createMissing,
                            .fixSourceDestCheck = options.fixSourceDestCheck,
                            .includeDiscovery = true,
                            .transitGateways = tgws};
  app::PolicyOptions minimal{.createMissing = false,
                             .fixSourceDestCheck = false,
                             .includeDiscovery = false,
                             .transitGateways = tgws};
  std::string out = fmt::format(
      "IAM policy for the nodes' instance role (create_missing = {}{}):\n",
      options.createMissing ? "true" : "false", tgws ? "" : "; one VPC, no transit gateway");
  out += app::policyDocument(needed) + "\n";
  if (!options.transitGateways) {
    out += fmt::format(
        "No discovery has run on this node for this configuration yet, so the policy covers\n"
        "transit gateways. With every node in one VPC and no transit gateway, no ec2:*Transit*\n"
        "action is needed; for the policy of the scope found, run this command again after:\n"
        "  tgwark discover{}\n",
        config);
  }
  out += fmt::format(
      "\nWith create_missing = false, the minimal set{} is enough:\n{}"
      "with each [[node]]'s vpc set (pre-flight checks that need more are then reported as\n"
      "skipped; docs/iam.md). Check it with:\n"
      "  tgwark validate{}\n",
      tgws ? " (the vendor TGW kit's own)" : "", wrappedActions(app::requiredActions(minimal)),
      config);
  return out;
}

}  // namespace

std::string setupInstructions(const InstallOptions& options, const InstallResult& result) {
  const std::string& dir = result.directory;
  std::string appInfo = configFileUsed(options);
  return fmt::format(
      R"TXT(Wrote the LifeKeeper gen/app action scripts for resource "{tag}":
  {dir}/restore
  {dir}/remove
  {dir}/quickCheck
  {dir}/recover
They run {bin}{options}.
Every node needs the same scripts at the same path: run this same command on each
node (or copy the directory), with tgwark installed at {bin} there too.

Create the resource (on the node that should be active first):

  GUI: Edit > Server > Create Resource Hierarchy > Generic Application >
       Switchback Type: intelligent > Server: <this node> >
       Restore Script: {dir}/restore > Remove Script: {dir}/remove >
       QuickCheck Script: {dir}/quickCheck > Local Recovery Script: {dir}/recover >
       Application Info: {appinfo} > Bring Resource In Service: Yes >
       Resource Tag: {tag}

  Command line (same thing):
    $LKROOT/lkadm/subsys/gen/app/bin/creapphier "$(uname -n)" \
      {dir}/restore {dir}/remove {tag} {appinfo} intelligent \
      {dir}/quickCheck {dir}/recover Yes

{deps}
  In /etc/default/LifeKeeper on every node set NOBCASTPING=1 (the VIP lives outside
  every VPC CIDR, so LifeKeeper's broadcast ping cannot verify it), and keep
  LKCHECKINTERVAL (quickCheck interval, default 120 s) above the config's
  quickcheck_timeout_s.

  The Application Info field names the configuration file; tgwark reads it with
  $LKROOT/bin/ins_list when no --config is given.

{logs}
{policy})TXT",
      fmt::arg("tag", options.tag), fmt::arg("dir", dir), fmt::arg("appinfo", appInfo),
      fmt::arg("bin", options.tgwarkPath), fmt::arg("options", passedOptions(options)),
      fmt::arg("deps", dependencySteps(options)), fmt::arg("logs", logSteps(options)),
      fmt::arg("policy", policySteps(options)));
}

}  // namespace tgwark::lifekeeper
