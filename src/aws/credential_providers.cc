#include "aws/credential_providers.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "aws/imds_client.h"
#include "aws/sts.h"

namespace tgwark::aws {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string toLower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Cuts an inline comment: '#' or ';' preceded by whitespace.
std::string_view stripInlineComment(std::string_view value) {
  for (std::size_t i = 1; i < value.size(); ++i) {
    if ((value[i] == '#' || value[i] == ';') &&
        std::isspace(static_cast<unsigned char>(value[i - 1]))) {
      return trim(value.substr(0, i));
    }
  }
  return value;
}

std::string expandHome(std::string path, const EnvLookup& env) {
  if (path.starts_with("~/") || path == "~") {
    if (auto home = envValue(env, "HOME")) path = *home + path.substr(1);
  }
  return path;
}

}  // namespace

// ---------------------------------------------------------------- environment

std::optional<std::string> envValue(const EnvLookup& env, std::string_view name) {
  if (!env) return std::nullopt;
  auto v = env(name);
  if (!v || v->empty()) return std::nullopt;
  return v;
}

Result<WallTime> parseIso8601(std::string_view text) {
  auto bad = [&] {
    return makeError(ErrorCategory::kInvalid,
                     fmt::format("'{}' is not an ISO 8601 UTC time", text.substr(0, 40)));
  };
  std::string_view s = trim(text);
  auto digits = [&](std::size_t pos, std::size_t len) -> int {
    if (pos + len > s.size()) return -1;
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(s[i]))) return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
      s[13] != ':' || s[16] != ':') {
    return bad();
  }
  int year = digits(0, 4), month = digits(5, 2), day = digits(8, 2);
  int hour = digits(11, 2), minute = digits(14, 2), second = digits(17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
      second < 0 || second > 60) {
    return bad();
  }
  std::size_t pos = 19;
  std::chrono::nanoseconds fraction{0};
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    long long scale = 100000000;
    std::size_t start = pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      fraction += std::chrono::nanoseconds{(s[pos] - '0') * scale};
      scale /= 10;
      ++pos;
    }
    if (pos == start) return bad();
  }
  std::chrono::minutes offset{0};
  std::string_view zone = s.substr(pos);
  if (zone == "Z" || zone == "z") {
    // UTC
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    int oh = digits(pos + 1, 2), om = digits(pos + 4, 2);
    if (oh < 0 || om < 0) return bad();
    offset = std::chrono::hours{oh} + std::chrono::minutes{om};
    if (zone[0] == '-') offset = -offset;
  } else {
    return bad();
  }
  using namespace std::chrono;
  year_month_day ymd{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                     std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return bad();
  auto t = sys_days{ymd} + hours{hour} + minutes{minute} + seconds{second} - offset;
  return time_point_cast<WallTime::duration>(t + fraction);
}

std::string formatIso8601(WallTime t) {
  using namespace std::chrono;
  auto secs = floor<seconds>(t);
  auto days = floor<std::chrono::days>(secs);
  year_month_day ymd{days};
  hh_mm_ss hms{secs - days};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

// ---------------------------------------------------------------- cache

CredentialsCache::CredentialsCache(std::shared_ptr<Clock> clock, std::chrono::seconds refreshAhead)
    : clock_(std::move(clock)), refreshAhead_(refreshAhead) {}

bool CredentialsCache::usable(WallTime now) const {
  return cached_ && (!cached_->expiration || now < *cached_->expiration);
}

bool CredentialsCache::fresh(WallTime now) const {
  return cached_ && now < refreshAt_;
}

void CredentialsCache::invalidate() {
  std::lock_guard lock(mu_);
  cached_.reset();
}

std::size_t CredentialsCache::waiting() const {
  std::lock_guard lock(mu_);
  return waiting_;
}

Result<Credentials> CredentialsCache::get(const Fetch& fetch) {
  std::unique_lock lock(mu_);
  const std::uint64_t startGeneration = generation_;
  while (true) {
    const WallTime now = clock_->now();
    if (fresh(now)) return *cached_;
    if (!refreshing_) break;
    // Someone else is fetching: use what is still valid, or wait for them.
    if (usable(now)) return *cached_;
    ++waiting_;
    cv_.wait(lock, [this] { return !refreshing_; });
    --waiting_;
    if (generation_ != startGeneration) {
      if (usable(clock_->now())) return *cached_;
      if (lastError_) return std::unexpected(*lastError_);
    }
  }

  refreshing_ = true;
  lock.unlock();
  Result<Credentials> result = makeError(ErrorCategory::kInternal, "credentials fetch failed");
  try {
    result = fetch();
  } catch (const std::exception& e) {
    result =
        makeError(ErrorCategory::kInternal, fmt::format("credentials fetch threw: {}", e.what()));
  }
  lock.lock();
  refreshing_ = false;
  ++generation_;
  const WallTime now = clock_->now();
  if (result) {
    cached_ = *result;
    lastError_.reset();
    if (!cached_->expiration) {
      refreshAt_ = WallTime::max();
    } else {
      refreshAt_ = *cached_->expiration - refreshAhead_;
      // Credentials that arrive already inside the refresh window would
      // otherwise be fetched again on every call: keep them for half of
      // their remaining life.
      if (refreshAt_ <= now) refreshAt_ = now + (*cached_->expiration - now) / 2;
    }
  } else {
    lastError_ = result.error();
  }
  cv_.notify_all();
  if (!result && usable(now)) {
    spdlog::warn("credentials refresh failed, using the cached ones until they expire: {}",
                 result.error().describe());
    return *cached_;
  }
  return result;
}

// ---------------------------------------------------------------- environment provider

EnvironmentCredentialsProvider::EnvironmentCredentialsProvider(EnvLookup env)
    : env_(std::move(env)) {}

Result<Credentials> EnvironmentCredentialsProvider::getCredentials() {
  auto id = envValue(env_, "AWS_ACCESS_KEY_ID");
  auto secret = envValue(env_, "AWS_SECRET_ACCESS_KEY");
  if (!id && !secret) {
    return makeError(ErrorCategory::kNotFound,
                     "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set");
  }
  if (!id || !secret) {
    return makeError(
        ErrorCategory::kInvalidConfig,
        fmt::format("{} is set but {} is not", id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                    id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID"));
  }
  Credentials c;
  c.accessKeyId = std::move(*id);
  c.secretAccessKey = SecretString(std::move(*secret));
  if (auto token = envValue(env_, "AWS_SESSION_TOKEN")) {
    c.sessionToken = SecretString(std::move(*token));
  }
  c.source = "environment";
  return c;
}

// ---------------------------------------------------------------- INI files

Result<IniFile> parseIni(std::string_view text, std::string path) {
  IniFile file;
  file.path = std::move(path);
  IniFile::Section* section = nullptr;
  bool lastWasProperty = false;
  int lineNo = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++lineNo;
    if (raw.ends_with('\r')) raw.remove_suffix(1);
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;

    if (line.front() == '[') {
      auto close = line.find(']');
      if (close == std::string_view::npos) {
        return makeError(ErrorCategory::kInvalidConfig,
                         fmt::format("{}:{}: section header without ']'", file.path, lineNo));
      }
      std::string_view after = trim(line.substr(close + 1));
      if (!after.empty() && after.front() != '#' && after.front() != ';') {
        return makeError(
            ErrorCategory::kInvalidConfig,
            fmt::format("{}:{}: unexpected text after section header", file.path, lineNo));
      }
      // "[profile   ha]" is the same as "[profile ha]".
      std::string name;
      for (char c : trim(line.substr(1, close - 1))) {
        if (std::isspace(static_cast<unsigned char>(c))) {
          if (!name.empty() && name.back() != ' ') name.push_back(' ');
        } else {
          name.push_back(c);
        }
      }
      if (name.empty()) {
        return makeError(ErrorCategory::kInvalidConfig,
                         fmt::format("{}:{}: empty section name", file.path, lineNo));
      }
      section = &file.sections[name];
      if (section->line == 0) section->line = lineNo;
      lastWasProperty = false;
      continue;
    }

    // Indented lines after "key =" are sub-properties (s3 = \n  max_concurrent_requests = 1),
    // which no setting tgwark reads uses.
    if (std::isspace(static_cast<unsigned char>(raw.front())) && lastWasProperty) continue;

    if (section == nullptr) {
      return makeError(ErrorCategory::kInvalidConfig,
                       fmt::format("{}:{}: setting outside of any [section]", file.path, lineNo));
    }
    auto eq = line.find('=');
    if (eq == std::string_view::npos) {
      // The line is not quoted: it could be a secret missing its '='.
      return makeError(ErrorCategory::kInvalidConfig,
                       fmt::format("{}:{}: expected 'key = value'", file.path, lineNo));
    }
    std::string key = toLower(trim(line.substr(0, eq)));
    if (key.empty()) {
      return makeError(ErrorCategory::kInvalidConfig,
                       fmt::format("{}:{}: empty key before '='", file.path, lineNo));
    }
    std::string value(stripInlineComment(trim(line.substr(eq + 1))));
    section->entries[key] = IniFile::Entry{std::move(value), lineNo};
    lastWasProperty = true;
  }
  return file;
}

Result<IniFile> loadIniFile(const std::string& path) {
  if (path.empty()) return IniFile{};
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    IniFile empty;
    empty.path = path;
    return empty;  // a missing file simply defines no profiles
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string content = text.str();
  auto parsed = parseIni(content, path);
  secureWipe(content.data(), content.size());
  return parsed;
}

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

// ---------------------------------------------------------------- profile provider

namespace {

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

ProfileCredentialsProvider::ProfileCredentialsProvider(ProfileOptions options, EnvLookup env,
                                                       std::shared_ptr<HttpClient> http,
                                                       std::shared_ptr<Clock> clock)
    : options_(std::move(options)),
      env_(std::move(env)),
      http_(std::move(http)),
      clock_(clock),
      cache_(clock) {
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
  return cache_.get([this]() -> Result<Credentials> {
    auto config = loadIniFile(options_.files.configFile);
    if (!config) return std::unexpected(config.error());
    auto credentials = loadIniFile(options_.files.credentialsFile);
    if (!credentials) return std::unexpected(credentials.error());
    std::vector<std::string> visited;
    return resolve(*config, *credentials, profile_, visited);
  });
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

// ---------------------------------------------------------------- IMDS provider

ImdsCredentialsProvider::ImdsCredentialsProvider(std::shared_ptr<ImdsClient> imds,
                                                 std::shared_ptr<Clock> clock, EnvLookup env)
    : imds_(std::move(imds)), env_(std::move(env)), cache_(std::move(clock)) {}

Result<Credentials> ImdsCredentialsProvider::getCredentials() {
  if (imdsDisabled(env_)) {
    return makeError(ErrorCategory::kNotFound,
                     "instance metadata is disabled (AWS_EC2_METADATA_DISABLED=true)");
  }
  return cache_.get([this] { return fetch(); });
}

Result<Credentials> ImdsCredentialsProvider::fetch() {
  auto roles = imds_->get("iam/security-credentials/");
  if (!roles) {
    Error e = roles.error();
    if (e.category == ErrorCategory::kNotFound) {
      e.message = "no instance role: " + e.message;
    }
    return std::unexpected(std::move(e));
  }
  std::string_view list = *roles;
  std::string role(trim(list.substr(0, list.find('\n'))));
  if (role.empty()) {
    return makeError(ErrorCategory::kNotFound,
                     "no instance role: iam/security-credentials/ is empty");
  }
  auto document = imds_->get("iam/security-credentials/" + role);
  if (!document) return std::unexpected(document.error());

  Credentials c;
  std::string expiration;
  try {
    auto json = nlohmann::json::parse(*document);
    secureWipe(document->data(), document->size());
    std::string code = json.value("Code", std::string("Success"));
    if (code != "Success") {
      return makeError(ErrorCategory::kRetryable,
                       fmt::format("instance role '{}' credentials not available: Code={}", role,
                                   code.substr(0, 64)));
    }
    c.accessKeyId = json.value("AccessKeyId", std::string());
    c.secretAccessKey = SecretString(json.value("SecretAccessKey", std::string()));
    c.sessionToken = SecretString(json.value("Token", std::string()));
    expiration = json.value("Expiration", std::string());
    // The parsed JSON holds the secret too; nlohmann gives no way to wipe it.
  } catch (const nlohmann::json::exception&) {
    // Never quote the body: it is full of secrets.
    return makeError(ErrorCategory::kInvalid,
                     fmt::format("instance role '{}' credentials are not valid JSON", role));
  }
  if (c.accessKeyId.empty() || c.secretAccessKey.empty()) {
    return makeError(ErrorCategory::kInvalid,
                     fmt::format("instance role '{}' credentials lack AccessKeyId or "
                                 "SecretAccessKey",
                                 role));
  }
  if (!expiration.empty()) {
    auto when = parseIso8601(expiration);
    if (!when) {
      return makeError(ErrorCategory::kInvalid,
                       fmt::format("instance role '{}' credentials: bad Expiration: {}", role,
                                   when.error().message));
    }
    c.expiration = *when;
  }
  c.source = "imds";
  return c;
}

// ---------------------------------------------------------------- cached + chain

CachedCredentialsProvider::CachedCredentialsProvider(std::shared_ptr<CredentialsProvider> inner,
                                                     std::shared_ptr<Clock> clock,
                                                     std::chrono::seconds refreshAhead)
    : inner_(std::move(inner)), cache_(std::move(clock), refreshAhead) {}

Result<Credentials> CachedCredentialsProvider::getCredentials() {
  return cache_.get([this] { return inner_->getCredentials(); });
}

ChainCredentialsProvider::ChainCredentialsProvider(std::vector<Link> links)
    : links_(std::move(links)) {}

Result<Credentials> ChainCredentialsProvider::getCredentials() {
  std::optional<std::size_t> remembered;
  {
    std::lock_guard lock(mu_);
    remembered = lastGood_;
  }
  std::vector<std::string> skipped;
  auto fail = [&](std::size_t i, Error e) {
    std::string context;
    for (const auto& s : skipped) context += s + "; ";
    e.message = fmt::format("credentials: {}{}: {}", context, links_[i].name, e.message);
    return std::unexpected(std::move(e));
  };
  if (remembered) {
    auto r = links_[*remembered].provider->getCredentials();
    if (r) return r;
    if (r.error().category != ErrorCategory::kNotFound) return fail(*remembered, r.error());
  }
  for (std::size_t i = 0; i < links_.size(); ++i) {
    if (remembered && *remembered == i) {
      skipped.push_back(links_[i].name + ": nothing found");
      continue;
    }
    auto r = links_[i].provider->getCredentials();
    if (r) {
      std::lock_guard lock(mu_);
      if (lastGood_ != i) spdlog::debug("using AWS credentials from {}", r->source);
      lastGood_ = i;
      return r;
    }
    if (r.error().category != ErrorCategory::kNotFound) return fail(i, r.error());
    skipped.push_back(links_[i].name + ": " + r.error().message);
  }
  std::string all;
  for (const auto& s : skipped) all += (all.empty() ? "" : "; ") + s;
  return makeError(ErrorCategory::kNotFound, "no AWS credentials found (" + all + ")");
}

std::shared_ptr<CredentialsProvider> makeDefaultCredentialsChain(const DefaultChainOptions& options,
                                                                 EnvLookup env,
                                                                 std::shared_ptr<HttpClient> http,
                                                                 std::shared_ptr<ImdsClient> imds,
                                                                 std::shared_ptr<Clock> clock) {
  if (!imds) {
    ImdsOptions imdsOptions;
    imdsOptions.endpoint = resolveImdsEndpoint(env);
    imds = std::make_shared<ImdsClient>(http, clock, imdsOptions);
  }
  ProfileOptions profileOptions;
  profileOptions.profile = options.profile;
  profileOptions.region = options.region;
  profileOptions.stsEndpointUrl = options.stsEndpointUrl;
  std::vector<ChainCredentialsProvider::Link> links;
  links.push_back({"environment", std::make_shared<EnvironmentCredentialsProvider>(env)});
  links.push_back(
      {"profile", std::make_shared<ProfileCredentialsProvider>(profileOptions, env, http, clock)});
  links.push_back({"imds", std::make_shared<ImdsCredentialsProvider>(imds, clock, env)});
  auto chain = std::make_shared<ChainCredentialsProvider>(std::move(links));
  return std::make_shared<CachedCredentialsProvider>(std::move(chain), std::move(clock));
}

}  // namespace tgwark::aws
