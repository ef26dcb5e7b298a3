#include "cli/identity.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

extern char** environ;

namespace tgwark::cli {

ConfigSource resolveConfigPath(const std::string& flag, const std::string& lifekeeperTag,
                               const EnvLookup& env, const InsListLookup& insList) {
  if (!flag.empty()) return {flag, "--config"};
  if (auto v = env("TGWARK_CONFIG"); v && !v->empty()) return {*v, "TGWARK_CONFIG"};
  if (!lifekeeperTag.empty() && insList) {
    if (auto info = insList(lifekeeperTag); info && !info->empty()) {
      return {*info, "LifeKeeper Application Info of " + lifekeeperTag};
    }
  }
  return {kDefaultConfigPath, "default"};
}

std::optional<std::string> lifekeeperApplicationInfo(const std::string& tag, const EnvLookup& env) {
  std::string root = env("LKROOT").value_or("/opt/LifeKeeper");
  std::string insList = root + "/bin/ins_list";
  if (::access(insList.c_str(), X_OK) != 0) return std::nullopt;
  int pipeFds[2];
  if (::pipe(pipeFds) != 0) return std::nullopt;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipeFds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipeFds[0]);
  std::string tagArg = tag;
  std::array<char*, 6> argv = {insList.data(), const_cast<char*>("-t"),
                               tagArg.data(),  const_cast<char*>("-f:"),
                               nullptr,        nullptr};
  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, insList.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipeFds[1]);
  if (rc != 0) {
    ::close(pipeFds[0]);
    return std::nullopt;
  }
  std::string out;
  std::array<char, 4096> buf{};
  ssize_t n = 0;
  while ((n = ::read(pipeFds[0], buf.data(), buf.size())) > 0) out.append(buf.data(), n);
  ::close(pipeFds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  // First line, field 6 of ':'-separated values.
  std::string line = out.substr(0, out.find('\n'));
  std::size_t start = 0;
  for (int field = 1; field < 6; ++field) {
    start = line.find(':', start);
    if (start == std::string::npos) return std::nullopt;
    ++start;
  }
  std::string value = line.substr(start, line.find(':', start) - start);
  if (value.empty()) return std::nullopt;
  return value;
}

std::string localHostName() {
  std::array<char, 256> buf{};
  if (::gethostname(buf.data(), buf.size() - 1) != 0) return {};
  return std::string(buf.data());
}

Result<NodeIdentity> resolveLocalNode(const model::Config& config, const std::string& flag,
                                      const InstanceIdLookup& instanceId,
                                      const std::string& hostName) {
  std::string known;
  for (const auto& n : config.nodes) known += (known.empty() ? "" : ", ") + n.name;
  if (!flag.empty()) {
    if (config.findNode(flag) == nullptr) {
      return makeError(
          ErrorCategory::kInvalidConfig,
          fmt::format("--node {}: no such node in {} (nodes: {})", flag, config.sourceName, known));
    }
    return NodeIdentity{flag, "--node"};
  }
  std::string tried;
  bool metadataTransient = false;
  bool anyInstanceIds = false;
  for (const auto& n : config.nodes) anyInstanceIds = anyInstanceIds || !n.instanceId.empty();
  if (anyInstanceIds && instanceId) {
    auto id = instanceId();
    if (id) {
      if (const auto* node = config.findNodeByInstanceId(*id)) {
        return NodeIdentity{node->name, fmt::format("instance metadata ({})", *id)};
      }
      tried += fmt::format("instance-id {} matches no node's instance_id; ", *id);
    } else {
      metadataTransient = id.error().retryable();
      tried += fmt::format("instance metadata unavailable ({}); ", id.error().message);
    }
  }
  if (!hostName.empty()) {
    std::string shortName = hostName.substr(0, hostName.find('.'));
    for (const auto& candidate : {hostName, shortName}) {
      if (config.findNode(candidate) != nullptr) return NodeIdentity{candidate, "host name"};
    }
    tried += fmt::format("host name {} matches no node", hostName);
  }
  // When instance metadata merely did not answer, the config may be fine: say
  // so with a retryable category, so quickCheck treats it as undeterminable.
  return makeError(metadataTransient ? ErrorCategory::kRetryable : ErrorCategory::kInvalidConfig,
                   fmt::format("cannot tell which node this is: {} (nodes: {}); pass --node NAME",
                               tried, known));
}

}  // namespace tgwark::cli
