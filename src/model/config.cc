#include "model/config.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include <nlohmann/json.hpp>

#include "common/aws_names.h"
#include "common/bounded_file.h"
#include "common/log_text.h"
#include "common/strings.h"

namespace tgwark::model {
namespace {

// Bounds that catch typos (a timeout in milliseconds, an extra zero) rather
// than policy: anything inside them is the operator's choice.
constexpr std::int64_t kMaxTimeoutS = 3600;
constexpr std::int64_t kMaxAttempts = 20;
constexpr std::int64_t kMaxApplyConcurrency = 256;

constexpr std::array<std::string_view, 10> kTopLevelKeys = {"vip",
                                                            "create_missing",
                                                            "fix_source_dest_check",
                                                            "node",
                                                            "vpc_route_tables",
                                                            "tgw_route_tables",
                                                            "regions",
                                                            "vpc",
                                                            "aws",
                                                            "scope_tag"};

std::string typeName(toml::node_type type) {
  switch (type) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

bool isValidEndpointUrl(std::string_view url) {
  std::string_view rest;
  if (url.starts_with("https://")) {
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else {
    return false;
  }
  if (rest.empty() || rest.front() == '/' || rest.front() == ':') return false;
  // user:password@ has no place in an EC2 endpoint, and would end up in logs.
  if (rest.substr(0, rest.find('/')).find('@') != std::string_view::npos) return false;
  return std::none_of(url.begin(), url.end(), [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) ||
           std::iscntrl(static_cast<unsigned char>(c));
  });
}

std::string describeBadUrl(std::string_view url) {
  if (url.find('@') != std::string_view::npos) {
    return "is not a usable endpoint URL: it must be http:// or https:// and hold no credentials "
           "(value not shown)";
  }
  return fmt::format("\"{}\" is not an http:// or https:// URL", url);
}

bool isValidRoleArn(std::string_view arn) {
  std::string_view rest;
  for (std::string_view partition : {"arn:aws:iam::", "arn:aws-cn:iam::", "arn:aws-us-gov:iam::"}) {
    if (arn.starts_with(partition)) {
      rest = arn.substr(partition.size());
      break;
    }
  }
  if (rest.size() < 12 + 6) return false;
  for (std::size_t i = 0; i < 12; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(rest[i]))) return false;
  }
  rest = rest.substr(12);
  if (!rest.starts_with(":role/")) return false;
  std::string_view name = rest.substr(6);
  if (name.empty() || name.back() == '/') return false;
  // IAM role names and paths: alphanumerics and +=,.@_- (plus / in paths).
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("+=,.@_-/", c) != nullptr;
  });
}

std::string roleArnProblem(std::string_view arn) {
  return fmt::format(
      "\"{}\" is not an IAM role ARN (arn:aws[-cn|-us-gov]:iam::<12 digits>:role/NAME)", arn);
}

struct Problem {
  std::uint32_t line = 0;  // 0: no position (a missing top-level key, or a setting)
  std::string text;
  std::string origin;  // the setting the problem is in ("parameter nodes"), if any
};

// A setting's key path as the Validator writes paths: aws.regions."us-east-1".role_arn
std::string settingPath(const std::vector<std::string>& key) {
  std::string out;
  for (const auto& part : key) {
    bool bare = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    });
    if (!out.empty()) out += '.';
    out += bare ? part : fmt::format("\"{}\"", part);
  }
  return out;
}

// True when one path lies within the other: "node[1].eni" is in "node".
bool pathsOverlap(std::string_view a, std::string_view b) {
  if (a.size() > b.size()) std::swap(a, b);
  return b.starts_with(a) && (b.size() == a.size() || b[a.size()] == '.' || b[a.size()] == '[');
}

// Walks the parsed document, turning every problem into "source:line: path: what".
// All problems are collected so one run shows the operator everything to fix.
// One problem's text, quoted values included: enough for any real mistake.
constexpr std::size_t kProblemMaxBytes = 512;

class Validator {
 public:
  // `origins`: (setting path, origin) of the values that came from settings,
  // which have no line in the source.
  Validator(std::string source, std::vector<std::pair<std::string, std::string>> origins)
      : source_(std::move(source)), origins_(std::move(origins)) {}

  void add(std::uint32_t line, const std::string& path, const std::string& what) {
    std::string origin;
    if (line == 0) {
      for (const auto& [settingAt, name] : origins_) {
        if (pathsOverlap(settingAt, path)) {
          origin = name;
          break;
        }
      }
    }
    // Values and key names quoted here come from the file: escaped and
    // bounded, as they end up in exit reasons and JSON documents as well as logs.
    problems_.push_back({line, escapeForLog(fmt::format("{}: {}", path, what), kProblemMaxBytes),
                         std::move(origin)});
  }
  void add(const toml::node& node, const std::string& path, const std::string& what) {
    add(node.source().begin.line, path, what);
  }

  // Reports keys not in `known`, with a hint when one is close.
  void checkKeys(const toml::table& table, const std::string& prefix,
                 std::initializer_list<std::string_view> known) {
    for (auto&& [key, value] : table) {
      std::string_view name = key.str();
      if (std::find(known.begin(), known.end(), name) != known.end()) continue;
      std::string hint;
      std::size_t best = std::string_view::npos;
      for (std::string_view candidate : known) {
        std::size_t distance = editDistance(name, candidate);
        bool close = distance <= std::max<std::size_t>(1, candidate.size() / 3);
        // "endpoint" for "endpoint_url", "eni_id" for "eni".
        bool truncated = std::min(name.size(), candidate.size()) >= 3 &&
                         (name.starts_with(candidate) || candidate.starts_with(name));
        if ((close || truncated) && distance < best) {
          best = distance;
          hint = fmt::format(" (did you mean \"{}\"?)", candidate);
        }
      }
      // An exact top-level key name is the likelier mistake than a near miss.
      if (!prefix.empty() &&
          std::find(kTopLevelKeys.begin(), kTopLevelKeys.end(), name) != kTopLevelKeys.end()) {
        // TOML puts every key after a [table] or [[node]] header into that
        // table: a top-level key written below one lands here.
        hint = fmt::format(
            " (\"{}\" is a top-level key: TOML puts it in the table above, so "
            "move it before the first [table] or [[array]] header)",
            name);
      }
      std::vector<std::string> names(known.begin(), known.end());
      add(key.source().begin.line ? key.source().begin.line : value.source().begin.line,
          join(prefix, name),
          fmt::format("unknown key{}; known keys here: {}", hint, fmt::join(names, ", ")));
    }
  }

  static std::string join(const std::string& prefix, std::string_view key) {
    return prefix.empty() ? std::string(key) : fmt::format("{}.{}", prefix, key);
  }

  std::optional<std::string> string(const toml::table& table, const std::string& prefix,
                                    std::string_view key, bool required, std::uint32_t parentLine) {
    const toml::node* node = table.get(key);
    std::string path = join(prefix, key);
    if (!node) {
      if (required) add(parentLine, path, "required key is missing");
      return std::nullopt;
    }
    if (!node->is_string()) {
      add(*node, path, fmt::format("expected a string, got {}", typeName(node->type())));
      return std::nullopt;
    }
    return node->as_string()->get();
  }

  std::optional<bool> boolean(const toml::table& table, const std::string& prefix,
                              std::string_view key) {
    const toml::node* node = table.get(key);
    if (!node) return std::nullopt;
    if (!node->is_boolean()) {
      add(*node, join(prefix, key),
          fmt::format("expected a boolean (true or false), got {}", typeName(node->type())));
      return std::nullopt;
    }
    return node->as_boolean()->get();
  }

  std::optional<int> integer(const toml::table& table, const std::string& prefix,
                             std::string_view key, std::int64_t min, std::int64_t max) {
    const toml::node* node = table.get(key);
    if (!node) return std::nullopt;
    std::string path = join(prefix, key);
    if (!node->is_integer()) {
      add(*node, path, fmt::format("expected an integer, got {}", typeName(node->type())));
      return std::nullopt;
    }
    std::int64_t value = node->as_integer()->get();
    if (value < min || value > max) {
      add(*node, path, fmt::format("{} is out of range ({}..{})", value, min, max));
      return std::nullopt;
    }
    return static_cast<int>(value);
  }

  // An array of strings; each element is checked by `validate`, which returns
  // an error text or "".
  template <class Check>
  std::vector<std::string> stringList(const toml::table& table, std::string_view key,
                                      Check validate) {
    std::vector<std::string> out;
    const toml::node* node = table.get(key);
    if (!node) return out;
    std::string path(key);
    const toml::array* array = node->as_array();
    if (!array) {
      add(*node, path, fmt::format("expected an array of strings, got {}", typeName(node->type())));
      return out;
    }
    std::map<std::string, std::size_t> seen;
    for (std::size_t i = 0; i < array->size(); ++i) {
      const toml::node& element = *array->get(i);
      std::string elementPath = fmt::format("{}[{}]", path, i);
      if (!element.is_string()) {
        add(element, elementPath,
            fmt::format("expected a string, got {}", typeName(element.type())));
        continue;
      }
      std::string value = element.as_string()->get();
      if (std::string why = validate(value); !why.empty()) {
        add(element, elementPath, why);
        continue;
      }
      if (auto [it, inserted] = seen.emplace(value, i); !inserted) {
        add(element, elementPath,
            fmt::format("\"{}\" is listed twice (also {}[{}])", value, path, it->second));
        continue;
      }
      out.push_back(std::move(value));
    }
    return out;
  }

  // Array-of-tables elements ([[node]], [[vpc]]).
  std::vector<const toml::table*> tables(const toml::table& root, std::string_view key) {
    std::vector<const toml::table*> out;
    const toml::node* node = root.get(key);
    if (!node) return out;
    const toml::array* array = node->as_array();
    if (!array) {
      add(*node, std::string(key),
          fmt::format("expected an array of tables ([[{}]]), got {}", key, typeName(node->type())));
      return out;
    }
    for (std::size_t i = 0; i < array->size(); ++i) {
      const toml::node& element = *array->get(i);
      if (!element.is_table()) {
        add(element, fmt::format("{}[{}]", key, i),
            fmt::format("expected a table ([[{}]]), got {}", key, typeName(element.type())));
        continue;
      }
      out.push_back(element.as_table());
    }
    return out;
  }

  bool ok() const { return problems_.empty(); }

  Error error() const {
    std::vector<Problem> sorted = problems_;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const Problem& a, const Problem& b) { return a.line < b.line; });
    std::vector<std::string> lines;
    for (const auto& problem : sorted) {
      if (!problem.origin.empty()) {
        lines.push_back(fmt::format("{}: {}", problem.origin, problem.text));
      } else if (problem.line) {
        lines.push_back(fmt::format("{}:{}: {}", source_, problem.line, problem.text));
      } else {
        lines.push_back(fmt::format("{}: {}", source_, problem.text));
      }
    }
    return Error{ErrorCategory::kInvalidConfig, fmt::format("{}", fmt::join(lines, "\n"))};
  }

 private:
  std::string source_;
  std::vector<std::pair<std::string, std::string>> origins_;
  std::vector<Problem> problems_;
};

std::string idProblem(std::string_view value, std::string_view prefix, std::string_view what) {
  if (isValidAwsId(value, prefix)) return {};
  return fmt::format("\"{}\" is not a valid {} id ({}- followed by 8 or 17 hex digits)", value,
                     what, prefix);
}

std::string regionProblem(std::string_view value) {
  if (isValidRegionName(value)) return {};
  return fmt::format("\"{}\" is not a valid AWS region name (like \"us-east-1\")", value);
}

void parseNodes(Validator& v, const toml::table& root, Config& config) {
  auto nodes = v.tables(root, "node");
  std::map<std::string, std::string> names;  // name -> path
  std::map<std::string, std::string> enis;
  std::map<std::string, std::string> instances;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const toml::table& table = *nodes[i];
    std::string prefix = fmt::format("node[{}]", i);
    std::uint32_t line = table.source().begin.line;
    v.checkKeys(table, prefix, {"name", "region", "eni", "instance_id", "vpc"});
    NodeConfig node;
    if (auto name = v.string(table, prefix, "name", true, line)) {
      const toml::node& at = *table.get("name");
      bool printable = std::all_of(name->begin(), name->end(), [](char c) {
        return std::isgraph(static_cast<unsigned char>(c));
      });
      if (name->empty() || !printable) {
        v.add(at, prefix + ".name",
              fmt::format("\"{}\" is not a valid node name (non-empty, "
                          "no spaces or control characters)",
                          *name));
      } else if (auto [it, inserted] = names.emplace(*name, prefix); !inserted) {
        v.add(at, prefix + ".name",
              fmt::format("duplicate node name \"{}\" (also {})", *name, it->second));
      } else {
        node.name = *name;
      }
    }
    if (auto region = v.string(table, prefix, "region", true, line)) {
      if (auto why = regionProblem(*region); !why.empty()) {
        v.add(*table.get("region"), prefix + ".region", why);
      } else {
        node.region = *region;
      }
    }
    if (auto eni = v.string(table, prefix, "eni", true, line)) {
      const toml::node& at = *table.get("eni");
      if (auto why = idProblem(*eni, "eni", "ENI"); !why.empty()) {
        v.add(at, prefix + ".eni", why);
      } else if (auto [it, inserted] = enis.emplace(*eni, prefix); !inserted) {
        v.add(at, prefix + ".eni",
              fmt::format("ENI \"{}\" is already used by {}: each node needs its own ENI", *eni,
                          it->second));
      } else {
        node.eni = *eni;
      }
    }
    if (auto instance = v.string(table, prefix, "instance_id", false, line)) {
      const toml::node& at = *table.get("instance_id");
      if (auto why = idProblem(*instance, "i", "instance"); !why.empty()) {
        v.add(at, prefix + ".instance_id", why);
      } else if (auto [it, inserted] = instances.emplace(*instance, prefix); !inserted) {
        v.add(at, prefix + ".instance_id",
              fmt::format("instance \"{}\" is already used by {}", *instance, it->second));
      } else {
        node.instanceId = *instance;
      }
    }
    if (auto vpc = v.string(table, prefix, "vpc", false, line)) {
      if (auto why = idProblem(*vpc, "vpc", "VPC"); !why.empty()) {
        v.add(*table.get("vpc"), prefix + ".vpc", why);
      } else {
        node.vpc = *vpc;
      }
    }
    config.nodes.push_back(std::move(node));
  }
  if (nodes.size() < 2 && root.get("node") == nullptr) {
    v.add(0, "node", "no [[node]] defined: at least two nodes are required");
  } else if (nodes.size() < 2) {
    v.add(*root.get("node"), "node",
          fmt::format("{} [[node]] defined: at least two nodes are required", nodes.size()));
  }
}

void parseVpcs(Validator& v, const toml::table& root, Config& config) {
  auto vpcs = v.tables(root, "vpc");
  std::map<std::string, std::string> seen;
  for (std::size_t i = 0; i < vpcs.size(); ++i) {
    const toml::table& table = *vpcs[i];
    std::string prefix = fmt::format("vpc[{}]", i);
    std::uint32_t line = table.source().begin.line;
    v.checkKeys(table, prefix, {"id", "transit_gateway"});
    VpcOverride vpc;
    bool good = true;
    if (auto id = v.string(table, prefix, "id", true, line)) {
      const toml::node& at = *table.get("id");
      if (auto why = idProblem(*id, "vpc", "VPC"); !why.empty()) {
        v.add(at, prefix + ".id", why);
        good = false;
      } else if (auto [it, inserted] = seen.emplace(*id, prefix); !inserted) {
        v.add(at, prefix + ".id",
              fmt::format("VPC \"{}\" is already listed as {}", *id, it->second));
        good = false;
      }
      vpc.id = *id;
    } else {
      good = false;
    }
    if (auto tgw = v.string(table, prefix, "transit_gateway", true, line)) {
      if (auto why = idProblem(*tgw, "tgw", "transit gateway"); !why.empty()) {
        v.add(*table.get("transit_gateway"), prefix + ".transit_gateway", why);
        good = false;
      }
      vpc.transitGateway = *tgw;
    } else {
      good = false;
    }
    if (good) config.vpcs.push_back(std::move(vpc));
  }
}

void parseAws(Validator& v, const toml::table& root, Config& config) {
  const toml::node* node = root.get("aws");
  if (!node) return;
  const toml::table* aws = node->as_table();
  if (!aws) {
    v.add(*node, "aws", fmt::format("expected a table ([aws]), got {}", typeName(node->type())));
    return;
  }
  const std::string prefix = "aws";
  v.checkKeys(
      *aws, prefix,
      {"endpoint_url", "profile", "restore_timeout_s", "quickcheck_timeout_s", "remote_wait_s",
       "regions", "use_fips", "max_attempts", "apply_concurrency", "role_arn"});
  AwsConfig& out = config.aws;
  std::uint32_t line = aws->source().begin.line;
  if (auto url = v.string(*aws, prefix, "endpoint_url", false, line)) {
    if (!isValidEndpointUrl(*url)) {
      v.add(*aws->get("endpoint_url"), "aws.endpoint_url", describeBadUrl(*url));
    } else {
      out.endpointUrl = *url;
    }
  }
  if (auto profile = v.string(*aws, prefix, "profile", false, line)) {
    if (profile->empty()) {
      v.add(*aws->get("profile"), "aws.profile", "must not be empty (omit the key instead)");
    }
    out.profile = *profile;
  }
  if (auto fips = v.boolean(*aws, prefix, "use_fips")) out.useFips = *fips;
  if (auto attempts = v.integer(*aws, prefix, "max_attempts", 1, kMaxAttempts)) {
    out.maxAttempts = *attempts;
  }
  if (auto t = v.integer(*aws, prefix, "restore_timeout_s", 1, kMaxTimeoutS))
    out.restoreTimeoutS = *t;
  if (auto t = v.integer(*aws, prefix, "quickcheck_timeout_s", 1, kMaxTimeoutS)) {
    out.quickcheckTimeoutS = *t;
  }
  if (auto t = v.integer(*aws, prefix, "remote_wait_s", 1, kMaxTimeoutS)) out.remoteWaitS = *t;
  if (auto n = v.integer(*aws, prefix, "apply_concurrency", 1, kMaxApplyConcurrency)) {
    out.applyConcurrency = *n;
  }
  if (auto arn = v.string(*aws, prefix, "role_arn", false, line)) {
    if (!isValidRoleArn(*arn)) {
      v.add(*aws->get("role_arn"), "aws.role_arn", roleArnProblem(*arn));
    } else {
      out.roleArn = *arn;
    }
  }

  const toml::node* regionsNode = aws->get("regions");
  if (!regionsNode) return;
  const toml::table* regions = regionsNode->as_table();
  if (!regions) {
    v.add(*regionsNode, "aws.regions",
          fmt::format("expected a table of regions ([aws.regions.\"REGION\"]), got {}",
                      typeName(regionsNode->type())));
    return;
  }
  for (auto&& [key, value] : *regions) {
    std::string region(key.str());
    std::string path = fmt::format("aws.regions.\"{}\"", region);
    std::uint32_t keyLine =
        key.source().begin.line ? key.source().begin.line : value.source().begin.line;
    if (auto why = regionProblem(region); !why.empty()) {
      v.add(keyLine, path, why);
      continue;
    }
    const toml::table* table = value.as_table();
    if (!table) {
      v.add(value, path, fmt::format("expected a table, got {}", typeName(value.type())));
      continue;
    }
    v.checkKeys(*table, path, {"endpoint_url", "role_arn"});
    RegionOverride override;
    if (auto url = v.string(*table, path, "endpoint_url", false, keyLine)) {
      if (!isValidEndpointUrl(*url)) {
        v.add(*table->get("endpoint_url"), path + ".endpoint_url", describeBadUrl(*url));
      }
      override.endpointUrl = *url;
    }
    if (auto arn = v.string(*table, path, "role_arn", false, keyLine)) {
      if (!isValidRoleArn(*arn)) {
        v.add(*table->get("role_arn"), path + ".role_arn", roleArnProblem(*arn));
      }
      override.roleArn = *arn;
    }
    out.regions.emplace(region, std::move(override));
  }
}

Result<Config> validate(const toml::table& root, std::string_view sourceName,
                        std::vector<std::pair<std::string, std::string>> origins = {}) {
  Validator v{std::string(sourceName), std::move(origins)};
  Config config;
  config.sourceName = std::string(sourceName);
  v.checkKeys(
      root, "",
      {kTopLevelKeys[0], kTopLevelKeys[1], kTopLevelKeys[2], kTopLevelKeys[3], kTopLevelKeys[4],
       kTopLevelKeys[5], kTopLevelKeys[6], kTopLevelKeys[7], kTopLevelKeys[8], kTopLevelKeys[9]});

  if (auto vip = v.string(root, "", "vip", true, 0)) {
    config.vipText = *vip;
    if (auto prefix = parseVipHostPrefix(*vip)) {
      config.vip = *prefix;
    } else {
      v.add(*root.get("vip"), "vip", prefix.error().message);
    }
  }
  if (auto b = v.boolean(root, "", "create_missing")) config.createMissing = *b;
  if (auto b = v.boolean(root, "", "fix_source_dest_check")) config.fixSourceDestCheck = *b;

  parseNodes(v, root, config);

  config.vpcRouteTables = v.stringList(root, "vpc_route_tables", [](const std::string& id) {
    return idProblem(id, "rtb", "VPC route table");
  });
  config.tgwRouteTables = v.stringList(root, "tgw_route_tables", [](const std::string& id) {
    return idProblem(id, "tgw-rtb", "transit gateway route table");
  });
  config.vpcRouteTablesListed = root.get("vpc_route_tables") != nullptr;
  config.tgwRouteTablesListed = root.get("tgw_route_tables") != nullptr;
  config.regions = v.stringList(root, "regions", regionProblem);
  if (auto tag = v.string(root, "", "scope_tag", false, 0)) {
    // "key=value" or "key" (any value); EC2 bounds keys at 128 and values at
    // 256 characters.
    const auto eq = tag->find('=');
    std::string key = tag->substr(0, eq);
    std::optional<std::string> value;
    if (eq != std::string::npos) value = tag->substr(eq + 1);
    const bool control = std::any_of(tag->begin(), tag->end(),
                                     [](char c) { return static_cast<unsigned char>(c) < 0x20; });
    if (key.empty() || key.size() > 128 || (value && value->size() > 256) || control) {
      v.add(*root.get("scope_tag"), "scope_tag",
            "expected \"key=value\" or \"key\" (a tag key of 1 to 128 characters, a value of at "
            "most 256, no control characters)");
    } else {
      config.scopeTagKey = std::move(key);
      config.scopeTagValue = std::move(value);
    }
  }
  parseVpcs(v, root, config);
  parseAws(v, root, config);

  // A per-region override for a region tgwark never talks to is almost always a
  // typo, and would silently leave the real region without its role.
  if (v.ok()) {
    auto regions = config.allRegions();
    const toml::node* regionsNode = root.at_path("aws.regions").node();
    for (const auto& [region, override] : config.aws.regions) {
      if (std::find(regions.begin(), regions.end(), region) != regions.end()) continue;
      const toml::node* at =
          regionsNode && regionsNode->as_table() ? regionsNode->as_table()->get(region) : nullptr;
      v.add(
          at ? at->source().begin.line : 0, fmt::format("aws.regions.\"{}\"", region),
          fmt::format("region \"{}\" is neither a node's region nor listed in `regions`", region));
    }
  }

  if (!v.ok()) return std::unexpected(v.error());
  return config;
}

toml::table settingTable(const ConfigSetting::Table& entries) {
  toml::table table;
  for (const auto& [k, value] : entries) table.insert_or_assign(k, value);
  return table;
}

// Puts `setting` into `root`, replacing whatever the file had at its key;
// tables on the way are created (or replace a non-table).
void applySetting(toml::table& root, const ConfigSetting& setting) {
  if (setting.key.empty()) return;
  toml::table* at = &root;
  for (std::size_t i = 0; i + 1 < setting.key.size(); ++i) {
    toml::node* child = at->get(setting.key[i]);
    if (!child || !child->is_table()) {
      at->insert_or_assign(setting.key[i], toml::table{});
      child = at->get(setting.key[i]);
    }
    at = child->as_table();
  }
  const std::string& last = setting.key.back();
  std::visit(
      [&](const auto& value) {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          toml::array array;
          for (const auto& item : value) array.push_back(item);
          at->insert_or_assign(last, std::move(array));
        } else if constexpr (std::is_same_v<T, std::vector<ConfigSetting::Table>>) {
          toml::array array;
          for (const auto& item : value) array.push_back(settingTable(item));
          at->insert_or_assign(last, std::move(array));
        } else {
          at->insert_or_assign(last, value);
        }
      },
      setting.value);
}

Result<toml::table> parseToml(std::string_view text, std::string_view sourceName) {
#if TOML_EXCEPTIONS
  try {
    return toml::parse(text, sourceName);
  } catch (const toml::parse_error& e) {
    return makeError(
        ErrorCategory::kInvalidConfig,
        fmt::format("{}:{}:{}: TOML syntax error: {}", sourceName, e.source().begin.line,
                    e.source().begin.column, escapeForLog(e.description(), kProblemMaxBytes)));
  }
#else
  toml::parse_result result = toml::parse(text, sourceName);
  if (!result) {
    const auto& e = result.error();
    return makeError(
        ErrorCategory::kInvalidConfig,
        fmt::format("{}:{}:{}: TOML syntax error: {}", sourceName, e.source().begin.line,
                    e.source().begin.column, escapeForLog(e.description(), kProblemMaxBytes)));
  }
  return std::move(result).table();
#endif
}

}  // namespace

const NodeConfig* Config::findNode(std::string_view name) const {
  for (const auto& node : nodes) {
    if (node.name == name) return &node;
  }
  return nullptr;
}

std::string Config::nodeNames() const {
  std::string names;
  for (const auto& n : nodes) names += (names.empty() ? "" : ", ") + n.name;
  return names;
}

const NodeConfig* Config::findNodeByInstanceId(std::string_view instanceId) const {
  if (instanceId.empty()) return nullptr;
  for (const auto& node : nodes) {
    if (node.instanceId == instanceId) return &node;
  }
  return nullptr;
}

std::vector<std::string> Config::allRegions() const {
  std::vector<std::string> out;
  auto addRegion = [&](const std::string& region) {
    if (!region.empty() && std::find(out.begin(), out.end(), region) == out.end()) {
      out.push_back(region);
    }
  };
  for (const auto& node : nodes) addRegion(node.region);
  for (const auto& region : regions) addRegion(region);
  return out;
}

Result<Config> parseConfig(std::string_view text, std::string_view sourceName) {
  return buildConfig(text, sourceName, {});
}

Result<Config> buildConfig(std::optional<std::string_view> fileText, std::string_view sourceName,
                           const std::vector<ConfigSetting>& settings) {
  try {
    toml::table root;
    if (fileText) {
      auto parsed = parseToml(*fileText, sourceName);
      if (!parsed) return std::unexpected(parsed.error());
      root = std::move(*parsed);
    }
    std::vector<std::pair<std::string, std::string>> origins;
    for (const auto& setting : settings) {
      applySetting(root, setting);
      origins.emplace_back(settingPath(setting.key), setting.origin);
    }
    return validate(root, sourceName, std::move(origins));
  } catch (const std::exception& e) {
    return makeError(ErrorCategory::kInternal,
                     fmt::format("{}: unexpected error while reading the configuration: {}",
                                 sourceName, e.what()));
  }
}

Result<Config> loadConfigFile(const std::string& path) {
  // Not an ifstream: a FIFO would block it forever and /dev/zero fill memory.
  auto text = readBoundedRegularFile(path);
  if (!text) {
    return makeError(ErrorCategory::kInvalidConfig,
                     "cannot read configuration file: " + text.error().message);
  }
  return parseConfig(*text, path);
}

Result<Config> loadConfigWith(const std::string& path, const std::vector<ConfigSetting>& settings,
                              std::string_view sourceName) {
  if (path.empty()) return buildConfig(std::nullopt, sourceName, settings);
  auto text = readBoundedRegularFile(path);
  if (!text) {
    return makeError(ErrorCategory::kInvalidConfig,
                     "cannot read configuration file: " + text.error().message);
  }
  return buildConfig(*text, path, settings);
}

std::string settingsFingerprint(const std::vector<ConfigSetting>& settings) {
  std::string out;
  for (const auto& setting : settings) {
    out += settingPath(setting.key);
    out += '=';
    std::visit(
        [&](const auto& value) {
          using T = std::decay_t<decltype(value)>;
          if constexpr (std::is_same_v<T, std::string>) {
            out += fmt::format("{}:{}", value.size(), value);
          } else if constexpr (std::is_same_v<T, std::vector<ConfigSetting::Table>>) {
            for (const auto& table : value) {
              for (const auto& [k, v] : table) out += fmt::format("{}={}:{};", k, v.size(), v);
              out += '|';
            }
          } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
            for (const auto& item : value) out += fmt::format("{}:{},", item.size(), item);
          } else {
            out += fmt::format("{}", value);
          }
        },
        setting.value);
    out += '\n';
  }
  return out;
}

std::string scopeFingerprint(const Config& config) {
  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& n : config.nodes) {
    nodes.push_back({n.name, n.region, n.eni, n.instanceId, n.vpc});
  }
  nlohmann::json vpcs = nlohmann::json::array();
  for (const auto& v : config.vpcs) vpcs.push_back({v.id, v.transitGateway});
  nlohmann::json regions = nlohmann::json::object();
  for (const auto& [name, r] : config.aws.regions) regions[name] = {r.endpointUrl, r.roleArn};
  const nlohmann::json doc = {
      {"vip", config.vip.toString()},
      {"nodes", nodes},
      {"vpc_route_tables",
       config.vpcRouteTablesListed ? nlohmann::json(config.vpcRouteTables) : nlohmann::json()},
      {"tgw_route_tables",
       config.tgwRouteTablesListed ? nlohmann::json(config.tgwRouteTables) : nlohmann::json()},
      {"regions", config.regions},
      {"scope_tag", {config.scopeTagKey, config.scopeTagValue.value_or("\x01any")}},
      {"vpcs", vpcs},
      {"endpoint_url", config.aws.endpointUrl},
      {"profile", config.aws.profile},
      {"role_arn", config.aws.roleArn},
      {"aws_regions", regions},
  };
  return doc.dump();
}

}  // namespace tgwark::model
