#include "ocf/parameters.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <optional>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "common/log_text.h"

namespace tgwark::ocf {

namespace {

using model::ConfigSetting;

// clang-format off
constexpr std::array kSpecs = {
  ParameterSpec{"config", "string", "", false, "tgwark configuration file (optional)",
    "Absolute path of a tgwark configuration file (TOML). Optional: the parameters below can hold "
    "the whole configuration. Unset: no file when vip (or ip) or nodes is set, else "
    "/etc/tgwark/tgwark.toml. With both, a parameter that is set replaces the file's value for "
    "the same key. A file missing or unreadable on a node fails that node only (5)."},
  ParameterSpec{"vip", "string", "", false, "the virtual IP",
    "The virtual IP whose host route (/32, or /128 for IPv6) follows the resource, outside every "
    "VPC CIDR. Required unless the config file sets it. TOML key: vip."},
  ParameterSpec{"ip", "string", "", false, "the virtual IP (alias of vip)",
    "Alias of vip, under aws-vpc-move-ip's name. When both are set they must agree."},
  ParameterSpec{"nodes", "string", "", false, "node name to ENI and region map",
    "The cluster nodes, separated by spaces or commas, each NAME=ENI:REGION, for example "
    "\"node-a=eni-0123456789abcdef0:us-east-1 node-b=eni-0fedcba9876543210:eu-west-1\". NAME is "
    "the Pacemaker node name, ENI the interface that receives the VIP's traffic on that node. "
    ":REGION may be left out when the region parameter is set; optional further fields "
    ":i-... (the instance id) and :vpc-... (the ENI's VPC). At least two nodes. Replaces the "
    "config file's [[node]] entries."},
  ParameterSpec{"region", "string", "", false, "default region of the nodes",
    "The region of every nodes entry that names none (a cluster in one region, like "
    "aws-vpc-move-ip's region)."},
  ParameterSpec{"routing_table", "string", "", false, "VPC route tables to manage",
    "VPC route table ids (rtb-...), separated by commas or spaces, as aws-vpc-move-ip's "
    "routing_table. Listing VPC tables replaces their discovery; the Transit Gateway route "
    "tables in scope are still discovered unless tgw_routing_table lists them (or is none). "
    "none: no VPC route table is managed (only tagged ones). TOML key: vpc_route_tables."},
  ParameterSpec{"tgw_routing_table", "string", "", false, "Transit Gateway route tables to manage",
    "Transit Gateway route table ids (tgw-rtb-...), separated by commas or spaces. Leave unset "
    "to discover them (nothing to do for a single VPC without a Transit Gateway). none: no "
    "Transit Gateway route table is managed (only tagged ones), e.g. beside routing_table for "
    "a VPC whose Transit Gateway tgwark must not touch. TOML key: tgw_route_tables (none is "
    "tgw_route_tables = [])."},
  ParameterSpec{"scope_tag", "string", "", false, "tag of route tables to manage",
    "key=value (or key alone: any value): VPC route tables (in VPCs in scope) and Transit "
    "Gateway route tables carrying this tag are managed whether or not they hold the VIP route "
    "yet. TOML key: scope_tag."},
  ParameterSpec{"regions", "string", "", false, "extra regions",
    "Regions to look in besides the nodes' (regions with client VPCs only), separated by commas "
    "or spaces. TOML key: regions."},
  ParameterSpec{"vpc_transit_gateway", "string", "", false, "TGW of a VPC attached to several",
    "Only for a VPC attached to several Transit Gateways in scope: VPC=TGW pairs "
    "(vpc-...=tgw-...), separated by spaces or commas, naming the one its route tables send the "
    "VIP to. TOML: [[vpc]] entries."},
  ParameterSpec{"create_missing", "boolean", "true", true, "create missing VIP routes",
    "true: a managed table without the VIP route gets one. false: only existing routes are "
    "replaced (the minimal IAM permission set). TOML key: create_missing."},
  ParameterSpec{"fix_source_dest_check", "boolean", "false", true,
    "turn off source/destination check on start",
    "true: start turns off the source/destination check of this node's ENI when it is on; false: "
    "start fails and says so. TOML key: fix_source_dest_check."},
  ParameterSpec{"profile", "string", "", true, "AWS shared-config profile",
    "The AWS shared-config profile for credentials (a role_arn in it is assumed). Unset: the "
    "default credential chain, on EC2 the instance role. Credentials are never parameters. TOML "
    "key: aws.profile."},
  ParameterSpec{"endpoint_url", "string", "", true, "EC2 endpoint URL",
    "One EC2 endpoint (http:// or https://) for every region: an emulator, a proxy. Unset: AWS's. "
    "TOML key: aws.endpoint_url."},
  ParameterSpec{"region_endpoint_url", "string", "", true, "EC2 endpoint URL per region",
    "REGION=URL pairs, separated by spaces, for regions reached through their own endpoint (a VPC "
    "interface endpoint). TOML: aws.regions.\"REGION\".endpoint_url."},
  ParameterSpec{"routing_table_role", "string", "", true, "IAM role for every region",
    "An IAM role ARN assumed for the route table calls of every region that region_role does "
    "not name (aws-vpc-move-ip's routing_table_role). TOML key: aws.role_arn."},
  ParameterSpec{"region_role", "string", "", true, "IAM role per region",
    "REGION=ROLE_ARN pairs, separated by spaces, for regions in other accounts. Wins over "
    "routing_table_role for its region. TOML: aws.regions.\"REGION\".role_arn."},
  ParameterSpec{"remote_wait_s", "integer", "20", true, "wait for other regions (s)",
    "How long start and monitor wait for a region other than this node's own, in seconds "
    "(1..3600): a region that is down or stalled never holds up this node's routes. TOML key: "
    "aws.remote_wait_s."},
  ParameterSpec{"restore_timeout_s", "integer", "300", true, "start deadline without Pacemaker (s)",
    "Deadline of start in seconds (1..3600) when the operation's timeout is not passed; under "
    "Pacemaker the start operation's timeout is used. TOML key: aws.restore_timeout_s."},
  ParameterSpec{"quickcheck_timeout_s", "integer", "100", true,
    "monitor deadline without Pacemaker (s)",
    "Deadline of monitor in seconds (1..3600) when the operation's timeout is not passed; under "
    "Pacemaker the monitor operation's timeout is used. TOML key: aws.quickcheck_timeout_s."},
  ParameterSpec{"max_attempts", "integer", "", true, "attempts per API call",
    "Caps the attempts per API call (1..20). Unset: transient failures are retried until the "
    "action's deadline. TOML key: aws.max_attempts."},
  ParameterSpec{"apply_concurrency", "integer", "16", true, "API calls in flight per region",
    "API calls in flight per region (1..256). TOML key: aws.apply_concurrency."},
  ParameterSpec{"use_fips", "boolean", "false", true, "FIPS endpoints",
    "true: use ec2-fips.REGION.amazonaws.com endpoints. TOML key: aws.use_fips."},
  ParameterSpec{"repair_remote", "boolean", "true", true, "monitor repairs remote routes",
    "true: a recurring monitor rewrites remote routes that drifted (never this node's own: a "
    "wrong home route fails the monitor). false: it only reports them. A probe never writes."},
  ParameterSpec{"node", "string", "", false, "this node's name in the configuration",
    "Name of this node among the nodes. Default: Pacemaker's node name when a node has that "
    "name, else the node whose instance id matches instance metadata, else the host name. A node "
    "that cannot be identified fails on that node only (5)."},
  ParameterSpec{"state_dir", "string", "/run/tgwark", false, "local state directory",
    "Absolute path of the directory for the agent's local \"started here\" marker."},
};
// clang-format on

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string shown(std::string_view value) {
  return escapeForLog(value, 64);
}

// Tokens separated by commas and white space.
std::vector<std::string> splitList(std::string_view text) {
  std::vector<std::string> out;
  std::string current;
  for (char c : text) {
    if (c == ',' || std::isspace(static_cast<unsigned char>(c))) {
      if (!current.empty()) out.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

Error malformed(std::string_view name, std::string_view value, std::string_view what) {
  // A URL with user:password@ would carry a secret into the exit reason.
  if (value.find('@') != std::string_view::npos) {
    return Error{ErrorCategory::kInvalid,
                 fmt::format("parameter {} (value not shown): {}", name, what)};
  }
  return Error{ErrorCategory::kInvalid,
               fmt::format("parameter {}={}: {}", name, shown(value), what)};
}

// OCF agents' booleans (ocf_is_true): yes/true/1/on and no/false/0/off.
Result<bool> parseBool(std::string_view name, std::string_view value) {
  std::string v = lower(value);
  if (v == "yes" || v == "true" || v == "1" || v == "on") return true;
  if (v == "no" || v == "false" || v == "0" || v == "off") return false;
  return std::unexpected(malformed(name, value, "not a boolean (true or false)"));
}

Result<std::int64_t> parseInt(std::string_view name, std::string_view value) {
  std::int64_t out = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (value.empty() || value.size() > 12 || ec != std::errc() ||
      end != value.data() + value.size()) {
    return std::unexpected(malformed(name, value, "not a whole number"));
  }
  return out;
}

// "KEY=VALUE KEY=VALUE": the pairs in order; a key twice is malformed.
Result<std::vector<std::pair<std::string, std::string>>> parsePairs(std::string_view name,
                                                                    std::string_view value,
                                                                    std::string_view form) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& token : splitList(value)) {
    auto eq = token.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == token.size()) {
      return std::unexpected(malformed(name, token, fmt::format("not of the form {}", form)));
    }
    std::string key = token.substr(0, eq);
    if (std::any_of(out.begin(), out.end(), [&](const auto& p) { return p.first == key; })) {
      return std::unexpected(malformed(name, key, "given twice"));
    }
    out.emplace_back(std::move(key), token.substr(eq + 1));
  }
  return out;
}

// NAME=ENI[:REGION][:i-...][:vpc-...], the fields after the ENI told apart
// by their form.
Result<std::vector<ConfigSetting::Table>> parseNodes(std::string_view value,
                                                     const std::string& defaultRegion) {
  constexpr std::string_view kForm = "NAME=ENI:REGION";
  auto pairs = parsePairs("nodes", value, kForm);
  if (!pairs) return std::unexpected(pairs.error());
  std::vector<ConfigSetting::Table> out;
  for (const auto& [name, rest] : *pairs) {
    ConfigSetting::Table node{{"name", name}};
    std::vector<std::string> fields;
    std::size_t start = 0;
    for (;;) {
      auto colon = rest.find(':', start);
      fields.push_back(rest.substr(start, colon - start));
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
    std::string entry = fmt::format("{}={}", name, rest);
    if (fields.front().empty()) return std::unexpected(malformed("nodes", entry, "no ENI"));
    node["eni"] = fields.front();
    for (std::size_t i = 1; i < fields.size(); ++i) {
      const std::string& field = fields[i];
      std::string key = field.starts_with("i-")     ? "instance_id"
                        : field.starts_with("vpc-") ? "vpc"
                                                    : "region";
      if (field.empty() || node.contains(key)) {
        return std::unexpected(malformed(
            "nodes", entry, fmt::format("not of the form {}[:i-INSTANCE][:vpc-VPC]", kForm)));
      }
      node[key] = field;
    }
    if (!node.contains("region")) {
      if (defaultRegion.empty()) {
        return std::unexpected(
            malformed("nodes", entry, "no region (NAME=ENI:REGION, or set the region parameter)"));
      }
      node["region"] = defaultRegion;
    }
    out.push_back(std::move(node));
  }
  return out;
}

}  // namespace

std::span<const ParameterSpec> parameterSpecs() {
  return kSpecs;
}

Result<ConfigParameters> readConfigParameters(const EnvLookup& env) {
  ConfigParameters out;
  auto get = [&](std::string_view name) -> std::string {
    auto value = envValue(env, fmt::format("OCF_RESKEY_{}", name));
    if (value) out.given.emplace_back(name);
    return value.value_or("");
  };
  auto add = [&](std::string_view name, std::vector<std::string> key, ConfigSetting::Value value) {
    out.settings.push_back(
        ConfigSetting{std::move(key), std::move(value), fmt::format("parameter {}", name)});
  };

  std::string vip = get("vip");
  std::string ip = get("ip");
  if (!vip.empty() && !ip.empty() && vip != ip) {
    return makeError(ErrorCategory::kInvalid,
                     fmt::format("parameters vip={} and ip={} disagree (ip is an alias of vip)",
                                 shown(vip), shown(ip)));
  }
  if (!vip.empty()) add("vip", {"vip"}, vip);
  if (vip.empty() && !ip.empty()) add("ip", {"vip"}, ip);
  out.hasVip = !vip.empty() || !ip.empty();

  std::string region = get("region");
  if (std::string nodes = get("nodes"); !nodes.empty()) {
    auto parsed = parseNodes(nodes, region);
    if (!parsed) return std::unexpected(parsed.error());
    add("nodes", {"node"}, std::move(*parsed));
    out.hasNodes = true;
  }
  out.definesConfig = out.hasVip || out.hasNodes;

  // A table list of `none` is the explicitly empty list (`= []` in the file):
  // that kind of table is not managed at all, rather than discovered.
  for (auto [name, key] : {std::pair{"routing_table", "vpc_route_tables"},
                           std::pair{"tgw_routing_table", "tgw_route_tables"}}) {
    std::string value = get(name);
    if (value.empty()) continue;
    auto list = splitList(value);
    const bool none = std::find(list.begin(), list.end(), "none") != list.end();
    if (none && list.size() > 1) {
      return std::unexpected(
          malformed(name, value, "none stands alone (no table of this kind is managed)"));
    }
    add(name, {key}, none ? std::vector<std::string>{} : std::move(list));
  }
  if (std::string value = get("regions"); !value.empty())
    add("regions", {"regions"}, splitList(value));
  if (std::string value = get("scope_tag"); !value.empty()) add("scope_tag", {"scope_tag"}, value);
  if (std::string value = get("vpc_transit_gateway"); !value.empty()) {
    auto pairs = parsePairs("vpc_transit_gateway", value, "VPC=TGW");
    if (!pairs) return std::unexpected(pairs.error());
    std::vector<ConfigSetting::Table> vpcs;
    for (const auto& [vpc, tgw] : *pairs) vpcs.push_back({{"id", vpc}, {"transit_gateway", tgw}});
    add("vpc_transit_gateway", {"vpc"}, std::move(vpcs));
  }

  for (auto [name, key] : {std::pair{"create_missing", "create_missing"},
                           std::pair{"fix_source_dest_check", "fix_source_dest_check"},
                           std::pair{"use_fips", "aws.use_fips"}}) {
    if (std::string value = get(name); !value.empty()) {
      auto b = parseBool(name, value);
      if (!b) return std::unexpected(b.error());
      std::string_view k(key);
      add(name,
          k.starts_with("aws.") ? std::vector<std::string>{"aws", std::string(k.substr(4))}
                                : std::vector<std::string>{std::string(k)},
          *b);
    }
  }
  if (std::string value = get("repair_remote"); !value.empty()) {
    auto b = parseBool("repair_remote", value);
    if (!b) return std::unexpected(b.error());
    out.repairRemote = *b;
  }

  for (auto [name, key] :
       {std::pair{"profile", "profile"}, std::pair{"endpoint_url", "endpoint_url"},
        std::pair{"routing_table_role", "role_arn"}}) {
    if (std::string value = get(name); !value.empty()) add(name, {"aws", key}, value);
  }
  for (auto name : {"remote_wait_s", "restore_timeout_s", "quickcheck_timeout_s", "max_attempts",
                    "apply_concurrency"}) {
    if (std::string value = get(name); !value.empty()) {
      auto n = parseInt(name, value);
      if (!n) return std::unexpected(n.error());
      add(name, {"aws", name}, *n);
    }
  }
  for (auto [name, key, form] : {std::tuple{"region_endpoint_url", "endpoint_url", "REGION=URL"},
                                 std::tuple{"region_role", "role_arn", "REGION=ROLE_ARN"}}) {
    if (std::string value = get(name); !value.empty()) {
      auto pairs = parsePairs(name, value, form);
      if (!pairs) return std::unexpected(pairs.error());
      for (const auto& [r, v] : *pairs) add(name, {"aws", "regions", r, key}, v);
    }
  }
  return out;
}

}  // namespace tgwark::ocf
