#include "aws/credentials_profile.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "aws/sts.h"

namespace tgwark::aws {
namespace {

std::string expandHome(std::string path, const EnvLookup& env) {
  if (path.starts_with("~/") || path == "~") {
    if (auto home = envValue(env, "HOME")) path = *home + path.substr(1);
  }
  return path;
}

// A profile's settings merged from both files; the credentials file wins, as
// in the AWS CLI.
struct ProfileView {
  const IniFile::Section* config = nullptr;
  const IniFile::Section* credentials = nullptr;
  std::string configPath;
  std::string credentialsPath;

  bool exists() const { return config != nullptr || credentials != nullptr; }
  struct Found {
    std::string value;
    std::string where;  // "FILE:LINE"
  };
  std::optional<Found> get(std::string_view key) const {
    if (credentials != nullptr) {
      if (auto it = credentials->entries.find(key); it != credentials->entries.end()) {
        return Found{it->second.value, fmt::format("{}:{}", credentialsPath, it->second.line)};
      }
    }
    if (config != nullptr) {
      if (auto it = config->entries.find(key); it != config->entries.end()) {
        return Found{it->second.value, fmt::format("{}:{}", configPath, it->second.line)};
      }
    }
    return std::nullopt;
  }
  std::string where() const {
    if (credentials != nullptr) return credentialsPath;
    return configPath;
  }
};

ProfileView findProfile(const IniFile& config, const IniFile& credentials,
                        const std::string& name) {
  ProfileView view;
  view.configPath = config.path;
  view.credentialsPath = credentials.path;
  if (auto it = config.sections.find("profile " + name); it != config.sections.end()) {
    view.config = &it->second;
  } else if (name == "default") {
    if (auto d = config.sections.find("default"); d != config.sections.end())
      view.config = &d->second;
  }
  if (auto it = credentials.sections.find(name); it != credentials.sections.end()) {
    view.credentials = &it->second;
  }
  return view;
}

std::string filesDescription(const IniFile& config, const IniFile& credentials) {
  return fmt::format("{} or {}", config.path.empty() ? "(no config file)" : config.path,
                     credentials.path.empty() ? "(no credentials file)" : credentials.path);
}

}  // namespace

SharedFilePaths resolveSharedFilePaths(const EnvLookup& env) {
  SharedFilePaths paths;
  std::string home = envValue(env, "HOME").value_or("");
  if (auto v = envValue(env, "AWS_CONFIG_FILE")) {
    paths.configFile = expandHome(*v, env);
  } else if (!home.empty()) {
    paths.configFile = home + "/.aws/config";
  }
  if (auto v = envValue(env, "AWS_SHARED_CREDENTIALS_FILE")) {
    paths.credentialsFile = expandHome(*v, env);
  } else if (!home.empty()) {
    paths.credentialsFile = home + "/.aws/credentials";
  }
  return paths;
}

ProfileCredentialsProvider::ProfileCredentialsProvider(ProfileOptions options, EnvLookup env,
                                                       std::shared_ptr<HttpClient> http,
                                                       std::shared_ptr<Clock> clock)
    : options_(std::move(options)),
      env_(std::move(env)),
      http_(std::move(http)),
      clock_(std::move(clock)) {
  if (options_.files.configFile.empty() && options_.files.credentialsFile.empty()) {
    options_.files = resolveSharedFilePaths(env_);
  }
  if (!options_.profile.empty()) {
    profile_ = options_.profile;
    explicitProfile_ = true;
  } else if (auto p = envValue(env_, "AWS_PROFILE")) {
    profile_ = *p;
    explicitProfile_ = true;
  } else if (auto q = envValue(env_, "AWS_DEFAULT_PROFILE")) {
    profile_ = *q;
    explicitProfile_ = true;
  } else {
    profile_ = "default";
  }
}

Result<Credentials> ProfileCredentialsProvider::getCredentials() {
  auto config = loadIniFile(options_.files.configFile);
  if (!config) return std::unexpected(config.error());
  auto credentials = loadIniFile(options_.files.credentialsFile);
  if (!credentials) return std::unexpected(credentials.error());
  std::vector<std::string> visited;
  return resolve(*config, *credentials, profile_, visited);
}

Result<Credentials> ProfileCredentialsProvider::resolve(const IniFile& config,
                                                        const IniFile& credentials,
                                                        const std::string& profile,
                                                        std::vector<std::string>& visited) {
  const bool top = visited.empty();
  visited.push_back(profile);
  ProfileView view = findProfile(config, credentials, profile);
  if (!view.exists()) {
    std::string message =
        fmt::format("profile '{}' not found in {}", profile, filesDescription(config, credentials));
    if (!top) {
      return makeError(ErrorCategory::kInvalidConfig,
                       fmt::format("source_profile '{}' of profile '{}': {}", profile,
                                   visited[visited.size() - 2], message));
    }
    return makeError(explicitProfile_ ? ErrorCategory::kInvalidConfig : ErrorCategory::kNotFound,
                     message);
  }

  auto staticCredentials = [&]() -> Result<Credentials> {
    auto id = view.get("aws_access_key_id");
    auto secret = view.get("aws_secret_access_key");
    if (!id && !secret) {
      return makeError(ErrorCategory::kNotFound,
                       fmt::format("profile '{}' ({}) has no aws_access_key_id, "
                                   "aws_secret_access_key or role_arn",
                                   profile, view.where()));
    }
    if (!id || !secret || id->value.empty() || secret->value.empty()) {
      const bool idMissing = !id || id->value.empty();
      return makeError(ErrorCategory::kInvalidConfig,
                       fmt::format("profile '{}' ({}): {} is missing or empty", profile,
                                   idMissing ? (secret ? secret->where : view.where()) : id->where,
                                   idMissing ? "aws_access_key_id" : "aws_secret_access_key"));
    }
    Credentials c;
    c.accessKeyId = id->value;
    c.secretAccessKey = SecretString(std::move(secret->value));
    if (auto token = view.get("aws_session_token"); token && !token->value.empty()) {
      c.sessionToken = SecretString(std::move(token->value));
    }
    c.source = "profile:" + profile;
    return c;
  };

  auto roleArn = view.get("role_arn");
  if (!roleArn) return staticCredentials();

  auto sourceProfile = view.get("source_profile");
  if (!sourceProfile || sourceProfile->value.empty()) {
    bool hasCredentialSource = view.get("credential_source").has_value();
    return makeError(
        ErrorCategory::kInvalidConfig,
        fmt::format("profile '{}' ({}): role_arn needs source_profile{}", profile, roleArn->where,
                    hasCredentialSource ? " (credential_source is not supported)" : ""));
  }

  Result<Credentials> source = makeError(ErrorCategory::kInternal, "unresolved");
  if (sourceProfile->value == profile) {
    // A profile may name itself as the source of the keys that assume its role.
    source = staticCredentials();
  } else if (std::find(visited.begin(), visited.end(), sourceProfile->value) != visited.end()) {
    std::string chain;
    for (const auto& p : visited) chain += p + " -> ";
    return makeError(ErrorCategory::kInvalidConfig,
                     fmt::format("profile '{}' ({}): source_profile loops: {}{}", profile,
                                 sourceProfile->where, chain, sourceProfile->value));
  } else {
    source = resolve(config, credentials, sourceProfile->value, visited);
  }
  if (!source) {
    Error e = source.error();
    if (e.category == ErrorCategory::kNotFound) e.category = ErrorCategory::kInvalidConfig;
    if (!e.message.starts_with("source_profile")) {
      e.message = fmt::format("source_profile '{}' of profile '{}' ({}): {}", sourceProfile->value,
                              profile, sourceProfile->where, e.message);
    }
    return std::unexpected(std::move(e));
  }

  AssumeRoleOptions assume;
  assume.roleArn = roleArn->value;
  if (auto name = view.get("role_session_name")) assume.roleSessionName = name->value;
  if (auto external = view.get("external_id")) assume.externalId = external->value;
  if (auto duration = view.get("duration_seconds")) {
    int seconds = 0;
    auto [ptr, ec] = std::from_chars(duration->value.data(),
                                     duration->value.data() + duration->value.size(), seconds);
    if (ec != std::errc{} || ptr != duration->value.data() + duration->value.size() ||
        seconds < 900 || seconds > 43200) {
      return makeError(ErrorCategory::kInvalidConfig,
                       fmt::format("profile '{}' ({}): duration_seconds must be a number of "
                                   "seconds from 900 to 43200, not '{}'",
                                   profile, duration->where, duration->value));
    }
    assume.durationSeconds = seconds;
  }
  if (auto region = view.get("region"); region && !region->value.empty()) {
    assume.region = region->value;
  } else if (!options_.region.empty()) {
    assume.region = options_.region;
  } else if (auto envRegion = envValue(env_, "AWS_REGION")) {
    assume.region = *envRegion;
  } else if (auto defaultRegion = envValue(env_, "AWS_DEFAULT_REGION")) {
    assume.region = *defaultRegion;
  }
  assume.endpointUrl = options_.stsEndpointUrl;
  if (!http_) return makeError(ErrorCategory::kInternal, "profile provider has no HTTP client");
  auto assumed = assumeRole(*http_, *source, assume, env_, clock_->now());
  if (!assumed) {
    Error e = assumed.error();
    e.message = fmt::format("profile '{}' ({}): {}", profile, roleArn->where, e.message);
    return std::unexpected(std::move(e));
  }
  assumed->source = fmt::format("profile:{} (assume-role:{})", profile, assume.roleArn);
  return assumed;
}

}  // namespace tgwark::aws
