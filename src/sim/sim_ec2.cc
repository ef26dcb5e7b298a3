#include "sim/sim_ec2.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <functional>

#include "common/aws_names.h"
#include "common/error.h"
#include "common/percent_encoding.h"
#include "sim/sim_model.h"

namespace tgwark::sim {

namespace {

using Unexpected = std::unexpected<Ec2Error>;

Unexpected err(int status, std::string code, std::string message) {
  return Unexpected(Ec2Error{status, std::move(code), std::move(message)});
}
Unexpected invalidValue(std::string message) {
  return err(400, "InvalidParameterValue", std::move(message));
}
Unexpected missing(std::string_view name) {
  return err(400, "MissingParameter",
             fmt::format("The request must contain the parameter {}", name));
}

constexpr std::array kActions = {
    "DescribeRouteTables",
    "CreateRoute",
    "ReplaceRoute",
    "DeleteRoute",
    "DescribeNetworkInterfaces",
    "ModifyNetworkInterfaceAttribute",
    "DescribeVpcs",
    "DescribeTransitGateways",
    "DescribeTransitGatewayAttachments",
    "DescribeTransitGatewayVpcAttachments",
    "DescribeTransitGatewayPeeringAttachments",
    "DescribeTransitGatewayRouteTables",
    "GetTransitGatewayRouteTableAssociations",
    "SearchTransitGatewayRoutes",
    "CreateTransitGatewayRoute",
    "ReplaceTransitGatewayRoute",
    "DeleteTransitGatewayRoute",
};

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::expected<std::string, Ec2Error> urlDecode(std::string_view in) {
  // EC2 refuses a malformed escape rather than guessing what was meant.
  auto decoded = percentDecode(in, {.plusIsSpace = true, .strict = true});
  if (!decoded) return err(400, "MalformedQueryString", "Invalid escape in request body");
  return std::move(*decoded);
}

// Shell-style wildcards, as EC2 filters accept: '*' any run, '?' one character.
bool globMatch(std::string_view pattern, std::string_view text) {
  std::size_t p = 0, t = 0, starP = std::string_view::npos, starT = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      starP = p++;
      starT = t;
    } else if (starP != std::string_view::npos) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

// A resource's values for a filter name; nullopt: the filter does not exist.
using FilterValues = std::function<std::optional<std::vector<std::string>>(const std::string&)>;

std::optional<std::vector<std::string>> tagFilter(const Tags& tags, const std::string& name) {
  if (name.starts_with("tag:")) {
    const auto it = tags.find(name.substr(4));
    if (it == tags.end()) return std::vector<std::string>{};
    return std::vector<std::string>{it->second};
  }
  if (name == "tag-key") {
    std::vector<std::string> keys;
    for (const auto& [k, v] : tags) keys.push_back(k);
    return keys;
  }
  if (name == "tag-value") {
    std::vector<std::string> values;
    for (const auto& [k, v] : tags) values.push_back(v);
    return values;
  }
  return std::nullopt;
}

// Every filter must match (AND); within a filter any value may match (OR).
std::expected<bool, Ec2Error> matches(const std::vector<Ec2Params::Filter>& filters,
                                      const FilterValues& values) {
  for (const auto& filter : filters) {
    const auto have = values(filter.name);
    if (!have) return invalidValue(fmt::format("The filter '{}' is invalid", filter.name));
    bool any = false;
    for (const auto& want : filter.values) {
      for (const auto& value : *have) {
        if (globMatch(want, value)) {
          any = true;
          break;
        }
      }
      if (any) break;
    }
    if (!any) return false;
  }
  return true;
}

std::string hexEncode(std::string_view in) {
  std::string out;
  for (unsigned char c : in) out += fmt::format("{:02x}", c);
  return out;
}

std::optional<std::string> hexDecode(std::string_view in) {
  if (in.size() % 2 != 0) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += 2) {
    const int hi = hexValue(in[i]), lo = hexValue(in[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

// Keys are opaque to clients; ours names the last id returned, so a page
// boundary stays correct even if resources are added in between.
struct Page {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::string nextToken;
};

std::expected<Page, Ec2Error> paginate(const std::vector<std::string>& ids, const Ec2Params& params,
                                       int minMax, int maxMax) {
  Page page{0, ids.size(), {}};
  if (const auto token = params.get("NextToken"); token && !token->empty()) {
    const auto decoded = hexDecode(*token);
    if (!decoded || !decoded->starts_with("sim1:")) {
      return err(400, "InvalidPaginationToken",
                 fmt::format("The pagination token '{}' is invalid.", *token));
    }
    const std::string last = decoded->substr(5);
    page.begin =
        static_cast<std::size_t>(std::upper_bound(ids.begin(), ids.end(), last) - ids.begin());
  }
  if (const auto max = params.get("MaxResults")) {
    int value = 0;
    const auto [ptr, ec] = std::from_chars(max->data(), max->data() + max->size(), value);
    if (ec != std::errc{} || ptr != max->data() + max->size()) {
      return invalidValue(fmt::format("Invalid value '{}' for MaxResults", *max));
    }
    if (value < minMax || value > maxMax) {
      return invalidValue(fmt::format(
          "Value ( {} ) for parameter maxResults is invalid. Expecting a value between {} and {}.",
          value, minMax, maxMax));
    }
    if (page.begin + static_cast<std::size_t>(value) < ids.size()) {
      page.end = page.begin + static_cast<std::size_t>(value);
      page.nextToken = hexEncode("sim1:" + ids[page.end - 1]);
    }
  }
  page.end = std::max(page.begin, page.end);
  return page;
}

class Xml {
 public:
  Xml& open(std::string_view name) {
    out_ += fmt::format("<{}>", name);
    return *this;
  }
  Xml& close(std::string_view name) {
    out_ += fmt::format("</{}>", name);
    return *this;
  }
  Xml& leaf(std::string_view name, std::string_view value) {
    out_ += fmt::format("<{0}>{1}</{0}>", name, xmlEscape(value));
    return *this;
  }
  Xml& leafIf(std::string_view name, std::string_view value) {
    if (!value.empty()) leaf(name, value);
    return *this;
  }
  Xml& boolean(std::string_view name, bool value) { return leaf(name, value ? "true" : "false"); }
  Xml& tags(const Tags& tags) {
    open("tagSet");
    for (const auto& [k, v] : tags) open("item").leaf("key", k).leaf("value", v).close("item");
    return close("tagSet");
  }
  Xml& nextToken(const std::string& token) { return leafIf("nextToken", token); }
  std::string str() && { return std::move(out_); }

 private:
  std::string out_;
};

bool wellFormedId(std::string_view id, std::string_view prefix) {
  return isValidAwsId(id, prefix);
}

std::expected<void, Ec2Error> checkId(std::string_view id, std::string_view prefix,
                                      std::string_view codeStem) {
  if (!wellFormedId(id, prefix)) {
    return err(400, fmt::format("{}.Malformed", codeStem), fmt::format("Invalid id: \"{}\"", id));
  }
  return {};
}

std::string fnvHex17(std::string_view text) {
  std::uint64_t hash = 1469598103934665603ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return fmt::format("{:017x}", hash & 0xfffffffffffffffULL);
}

std::string associationId(const std::string& tableId, const std::string& subject) {
  return "rtbassoc-" + fnvHex17(tableId + "/" + subject);
}

std::expected<bool, Ec2Error> dryRun(const Ec2Params& params) {
  return params.flag("DryRun");
}

Unexpected dryRunOk() {
  return err(412, "DryRunOperation", "Request would have succeeded, but DryRun flag is set.");
}

// The ids whose filter values (values(id, filterName)) match every filter.
template <class Values>
std::expected<std::vector<std::string>, Ec2Error> selectMatching(
    const std::vector<std::string>& ids, const std::vector<Ec2Params::Filter>& filters,
    Values values) {
  std::vector<std::string> selected;
  for (const auto& id : ids) {
    TGWARK_ASSIGN_OR_RETURN(const bool ok,
                            matches(filters, [&](const std::string& n) { return values(id, n); }));
    if (ok) selected.push_back(id);
  }
  return selected;
}

// ---- VPC route tables ----------------------------------------------------------

std::optional<std::vector<std::string>> routeTableFilter(const SimTopology& topology,
                                                         const SimRegion& region,
                                                         const SimRouteTable& table,
                                                         const std::string& name) {
  std::vector<std::string> out;
  const auto routes = effectiveVpcRoutes(region, table);
  auto collect = [&](auto field) {
    for (const auto& route : routes) {
      const std::string value = field(route);
      if (!value.empty()) out.push_back(value);
    }
    return out;
  };
  if (name == "route-table-id") return std::vector<std::string>{table.id};
  if (name == "vpc-id") return std::vector<std::string>{table.vpcId};
  if (name == "owner-id") return std::vector<std::string>{topology.accountId};
  if (name == "association.main") {
    if (table.main) out.push_back("true");
    if (!table.subnets.empty()) out.push_back("false");
    return out;
  }
  if (name == "association.route-table-id") {
    if (table.main || !table.subnets.empty()) out.push_back(table.id);
    return out;
  }
  if (name == "association.subnet-id") return table.subnets;
  if (name == "association.route-table-association-id") {
    if (table.main) out.push_back(associationId(table.id, "main"));
    for (const auto& subnet : table.subnets) out.push_back(associationId(table.id, subnet));
    return out;
  }
  if (name == "route.destination-cidr-block")
    return collect([](const SimRoute& r) { return r.ipv6 ? std::string() : r.destination; });
  if (name == "route.destination-ipv6-cidr-block")
    return collect([](const SimRoute& r) { return r.ipv6 ? r.destination : std::string(); });
  if (name == "route.network-interface-id")
    return collect([](const SimRoute& r) { return r.networkInterfaceId; });
  if (name == "route.transit-gateway-id")
    return collect([](const SimRoute& r) { return r.transitGatewayId; });
  if (name == "route.gateway-id") return collect([](const SimRoute& r) { return r.gatewayId; });
  if (name == "route.origin") return collect([](const SimRoute& r) { return r.origin; });
  if (name == "route.state")
    return collect([&](const SimRoute& r) { return vpcRouteState(region, r); });
  if (name == "route.instance-id") {
    return collect([&](const SimRoute& r) {
      const auto eni = region.enis.find(r.networkInterfaceId);
      return eni == region.enis.end() ? std::string() : eni->second.instanceId;
    });
  }
  return tagFilter(table.tags, name);
}

void writeRouteTable(Xml& x, const SimTopology& topology, const SimRegion& region,
                     const SimRouteTable& table) {
  x.open("item").leaf("routeTableId", table.id);
  x.open("associationSet");
  auto association = [&](const std::string& subject, bool main) {
    x.open("item")
        .boolean("main", main)
        .leaf("routeTableAssociationId", associationId(table.id, subject));
    x.leaf("routeTableId", table.id);
    if (!main) x.leaf("subnetId", subject);
    x.open("associationState").leaf("state", "associated").close("associationState").close("item");
  };
  if (table.main) association("main", true);
  for (const auto& subnet : table.subnets) association(subnet, false);
  x.close("associationSet");
  x.open("propagatingVgwSet").close("propagatingVgwSet");
  x.open("routeSet");
  for (const auto& route : effectiveVpcRoutes(region, table)) {
    x.open("item");
    x.leaf(route.ipv6 ? "destinationIpv6CidrBlock" : "destinationCidrBlock", route.destination);
    x.leafIf("gatewayId", route.gatewayId);
    if (!route.networkInterfaceId.empty()) {
      const auto eni = region.enis.find(route.networkInterfaceId);
      if (eni != region.enis.end() && !eni->second.instanceId.empty()) {
        x.leaf("instanceId", eni->second.instanceId).leaf("instanceOwnerId", topology.accountId);
      }
      x.leaf("networkInterfaceId", route.networkInterfaceId);
    }
    x.leafIf("transitGatewayId", route.transitGatewayId);
    x.leaf("state", vpcRouteState(region, route)).leaf("origin", route.origin);
    x.close("item");
  }
  x.close("routeSet");
  x.tags(table.tags).leaf("vpcId", table.vpcId).leaf("ownerId", topology.accountId);
  x.close("item");
}

// Resolves "Ids.N" parameters against a map; a missing id is a NotFound error.
template <class Map>
std::expected<std::vector<std::string>, Ec2Error> selectIds(
    const Map& map, const std::vector<std::string>& wanted, std::string_view prefix,
    std::string_view codeStem, const std::function<std::string(const std::string&)>& notFound,
    std::string_view notFoundCode) {
  std::vector<std::string> ids;
  if (wanted.empty()) {
    for (const auto& [id, value] : map) ids.push_back(id);
    return ids;
  }
  for (const auto& id : wanted) {
    TGWARK_RETURN_IF_ERROR(checkId(id, prefix, codeStem));
    if (!map.contains(id)) return err(400, std::string(notFoundCode), notFound(id));
  }
  ids = wanted;
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

std::string rtbNotFound(const std::string& id) {
  return fmt::format("The routeTable ID '{}' does not exist", id);
}
std::string eniNotFound(const std::string& id) {
  return fmt::format("The networkInterface ID '{}' does not exist", id);
}
std::string tgwRtbNotFound(const std::string& id) {
  return fmt::format("Transit Gateway Route Table {} was deleted or does not exist.", id);
}
std::string attachmentNotFound(const std::string& id) {
  return fmt::format("Transit Gateway Attachment {} was deleted or does not exist.", id);
}

std::expected<std::string, Ec2Error> describeRouteTables(Ec2Call& call) {
  const auto& p = call.params;
  TGWARK_ASSIGN_OR_RETURN(auto filters, p.filters());
  TGWARK_ASSIGN_OR_RETURN(
      auto ids, selectIds(call.region.routeTables, p.list("RouteTableId"), "rtb",
                          "InvalidRouteTableID", rtbNotFound, "InvalidRouteTableID.NotFound"));
  TGWARK_ASSIGN_OR_RETURN(auto dry, dryRun(p));
  if (dry) return dryRunOk();
  TGWARK_ASSIGN_OR_RETURN(
      auto selected, selectMatching(ids, filters, [&](const std::string& id, const std::string& n) {
        return routeTableFilter(call.topology, call.region, call.region.routeTables.at(id), n);
      }));
  TGWARK_ASSIGN_OR_RETURN(auto page, paginate(selected, p, 5, 100));
  Xml x;
  x.open("routeTableSet");
  for (std::size_t i = page.begin; i < page.end; ++i) {
    writeRouteTable(x, call.topology, call.region, call.region.routeTables.at(selected[i]));
  }
  x.close("routeTableSet").nextToken(page.nextToken);
  return std::move(x).str();
}

struct RouteRequest {
  SimRouteTable* table = nullptr;
  std::string destination;
  bool ipv6 = false;
  SimRoute route;  // target filled (for create/replace)
};

std::expected<RouteRequest, Ec2Error> parseRouteRequest(Ec2Call& call, bool needTarget) {
  const auto& p = call.params;
  RouteRequest request;
  const auto tableId = p.get("RouteTableId");
  if (!tableId) return missing("routeTableId");
  TGWARK_RETURN_IF_ERROR(checkId(*tableId, "rtb", "InvalidRouteTableID"));
  const auto v4 = p.get("DestinationCidrBlock");
  const auto v6 = p.get("DestinationIpv6CidrBlock");
  if (!v4 && !v6) return missing("destinationCidrBlock or destinationIpv6CidrBlock");
  if (v4 && v6) {
    return err(400, "InvalidParameterCombination",
               "The parameter destinationCidrBlock cannot be used with the parameter "
               "destinationIpv6CidrBlock");
  }
  const std::string raw = v4 ? *v4 : *v6;
  bool ipv6 = false;
  const auto canonical = canonicalCidr(raw, &ipv6);
  if (!canonical || ipv6 != static_cast<bool>(v6)) {
    return invalidValue(
        fmt::format("Value ({}) for parameter {} is invalid. This is not a valid CIDR block.", raw,
                    v4 ? "destinationCidrBlock" : "destinationIpv6CidrBlock"));
  }
  request.destination = *canonical;
  request.ipv6 = ipv6;
  if (needTarget) {
    const auto eni = p.get("NetworkInterfaceId");
    const auto tgw = p.get("TransitGatewayId");
    const auto gateway = p.get("GatewayId");
    const auto instance = p.get("InstanceId");
    const int count = static_cast<int>(eni.has_value()) + tgw.has_value() + gateway.has_value() +
                      instance.has_value();
    if (count == 0) {
      return missing(
          "gatewayId, networkInterfaceId, instanceId, transitGatewayId (exactly one target)");
    }
    if (count > 1) return err(400, "InvalidParameterCombination", "More than one target specified");
    if (eni) {
      TGWARK_RETURN_IF_ERROR(checkId(*eni, "eni", "InvalidNetworkInterfaceID"));
      request.route.networkInterfaceId = *eni;
    }
    if (instance) {
      TGWARK_RETURN_IF_ERROR(checkId(*instance, "i", "InvalidInstanceID"));
    }
    if (tgw) {
      TGWARK_RETURN_IF_ERROR(checkId(*tgw, "tgw", "InvalidTransitGatewayID"));
      request.route.transitGatewayId = *tgw;
    }
    if (gateway) request.route.gatewayId = *gateway;
  }
  TGWARK_ASSIGN_OR_RETURN(auto dry, dryRun(p));
  if (dry) return dryRunOk();
  const auto table = call.region.routeTables.find(*tableId);
  if (table == call.region.routeTables.end())
    return err(400, "InvalidRouteTableID.NotFound", rtbNotFound(*tableId));
  request.table = &table->second;
  if (needTarget) {
    if (const auto instance = p.get("InstanceId")) {
      // EC2 resolves an instance target to its primary ENI.
      for (const auto& [id, eni] : call.region.enis) {
        if (eni.instanceId == *instance) {
          request.route.networkInterfaceId = id;
          break;
        }
      }
      if (request.route.networkInterfaceId.empty()) {
        return err(400, "InvalidInstanceID.NotFound",
                   fmt::format("The instance ID '{}' does not exist", *instance));
      }
    }
    if (!request.route.networkInterfaceId.empty()) {
      const auto eni = call.region.enis.find(request.route.networkInterfaceId);
      if (eni == call.region.enis.end()) {
        return err(400, "InvalidNetworkInterfaceID.NotFound",
                   eniNotFound(request.route.networkInterfaceId));
      }
      if (eni->second.vpcId != table->second.vpcId) {
        return invalidValue(
            fmt::format("route table {} and network interface {} belong to different networks",
                        table->second.id, eni->first));
      }
    }
    if (!request.route.transitGatewayId.empty()) {
      const bool attached = std::any_of(
          call.region.vpcAttachments.begin(), call.region.vpcAttachments.end(),
          [&](const auto& entry) {
            return entry.second.transitGatewayId == request.route.transitGatewayId &&
                   entry.second.vpcId == table->second.vpcId && entry.second.state == "available";
          });
      if (!call.region.transitGateways.contains(request.route.transitGatewayId) || !attached) {
        return err(400, "InvalidTransitGatewayID.NotFound",
                   fmt::format("The transitGateway ID '{}' does not exist.",
                               request.route.transitGatewayId));
      }
    }
    if (!request.route.gatewayId.empty()) {
      if (request.route.gatewayId == "local") {
        return invalidValue(
            "The gateway 'local' cannot be the target of a route you create or replace");
      }
      // The simulated world has no internet, VPN or NAT gateways.
      return err(400, "InvalidGatewayID.NotFound",
                 fmt::format("The gateway ID '{}' does not exist", request.route.gatewayId));
    }
  }
  request.route.destination = request.destination;
  request.route.ipv6 = request.ipv6;
  return request;
}

bool isLocalDestination(const SimRegion& region, const SimRouteTable& table,
                        const std::string& destination) {
  const auto vpc = region.vpcs.find(table.vpcId);
  if (vpc == region.vpcs.end()) return false;
  const auto& v = vpc->second;
  return std::find(v.cidrs.begin(), v.cidrs.end(), destination) != v.cidrs.end() ||
         std::find(v.ipv6Cidrs.begin(), v.ipv6Cidrs.end(), destination) != v.ipv6Cidrs.end();
}

std::vector<SimRoute>::iterator findRoute(SimRouteTable& table, const std::string& destination) {
  return std::find_if(table.routes.begin(), table.routes.end(),
                      [&](const SimRoute& r) { return r.destination == destination; });
}

std::expected<std::string, Ec2Error> createRoute(Ec2Call& call) {
  TGWARK_ASSIGN_OR_RETURN(auto request, parseRouteRequest(call, true));
  auto& table = *request.table;
  if (isLocalDestination(call.region, table, request.destination) ||
      findRoute(table, request.destination) != table.routes.end()) {
    return err(400, "RouteAlreadyExists",
               fmt::format("The route identified by {} already exists.", request.destination));
  }
  table.routes.push_back(request.route);
  return std::string("<return>true</return>");
}

std::expected<std::string, Ec2Error> replaceRoute(Ec2Call& call) {
  TGWARK_ASSIGN_OR_RETURN(auto request, parseRouteRequest(call, true));
  auto& table = *request.table;
  if (isLocalDestination(call.region, table, request.destination)) {
    return invalidValue(fmt::format("Cannot replace the local route {} in route table {}",
                                    request.destination, table.id));
  }
  const auto it = findRoute(table, request.destination);
  if (it == table.routes.end()) {
    return invalidValue(fmt::format(
        "There is no route defined for '{}' in the route table. Use CreateRoute instead.",
        request.destination));
  }
  *it = request.route;
  return std::string("<return>true</return>");
}

std::expected<std::string, Ec2Error> deleteRoute(Ec2Call& call) {
  TGWARK_ASSIGN_OR_RETURN(auto request, parseRouteRequest(call, false));
  auto& table = *request.table;
  if (isLocalDestination(call.region, table, request.destination)) {
    return invalidValue(fmt::format("cannot remove local route {} in route table {}",
                                    request.destination, table.id));
  }
  const auto it = findRoute(table, request.destination);
  if (it == table.routes.end()) {
    return err(400, "InvalidRoute.NotFound",
               fmt::format("No route with destination-{}-block {} in route table {}",
                           request.ipv6 ? "ipv6-cidr" : "cidr", request.destination, table.id));
  }
  table.routes.erase(it);
  return std::string("<return>true</return>");
}

// ---- ENIs, VPCs ------------------------------------------------------------------

std::optional<std::vector<std::string>> eniFilter(const SimTopology& topology, const SimEni& eni,
                                                  const std::string& name) {
  using V = std::vector<std::string>;
  if (name == "network-interface-id") return V{eni.id};
  if (name == "vpc-id") return V{eni.vpcId};
  if (name == "subnet-id") return eni.subnetId.empty() ? V{} : V{eni.subnetId};
  if (name == "availability-zone") return V{eni.availabilityZone};
  if (name == "private-ip-address" || name == "addresses.private-ip-address")
    return V{eni.privateIp};
  if (name == "mac-address") return V{eni.mac};
  if (name == "attachment.instance-id") return eni.instanceId.empty() ? V{} : V{eni.instanceId};
  if (name == "attachment.status") return eni.instanceId.empty() ? V{} : V{"attached"};
  if (name == "status") return V{eni.instanceId.empty() ? "available" : "in-use"};
  if (name == "source-dest-check") return V{eni.sourceDestCheck ? "true" : "false"};
  if (name == "owner-id") return V{topology.accountId};
  if (name == "description") return V{eni.description};
  if (name == "interface-type") return V{"interface"};
  return tagFilter(eni.tags, name);
}

std::expected<std::string, Ec2Error> describeNetworkInterfaces(Ec2Call& call) {
  const auto& p = call.params;
  TGWARK_ASSIGN_OR_RETURN(auto filters, p.filters());
  TGWARK_ASSIGN_OR_RETURN(auto ids, selectIds(call.region.enis, p.list("NetworkInterfaceId"), "eni",
                                              "InvalidNetworkInterfaceID", eniNotFound,
                                              "InvalidNetworkInterfaceID.NotFound"));
  TGWARK_ASSIGN_OR_RETURN(auto dry, dryRun(p));
  if (dry) return dryRunOk();
  TGWARK_ASSIGN_OR_RETURN(
      auto selected, selectMatching(ids, filters, [&](const std::string& id, const std::string& n) {
        return eniFilter(call.topology, call.region.enis.at(id), n);
      }));
  TGWARK_ASSIGN_OR_RETURN(auto page, paginate(selected, p, 5, 1000));
  Xml x;
  x.open("networkInterfaceSet");
  for (std::size_t i = page.begin; i < page.end; ++i) {
    const auto& eni = call.region.enis.at(selected[i]);
    x.open("item")
        .leaf("networkInterfaceId", eni.id)
        .leafIf("subnetId", eni.subnetId)
        .leaf("vpcId", eni.vpcId);
    x.leaf("availabilityZone", eni.availabilityZone).leaf("description", eni.description);
    x.leaf("ownerId", call.topology.accountId).boolean("requesterManaged", false);
    x.leaf("status", eni.instanceId.empty() ? "available" : "in-use").leaf("macAddress", eni.mac);
    x.leaf("privateIpAddress", eni.privateIp).boolean("sourceDestCheck", eni.sourceDestCheck);
    x.leaf("interfaceType", "interface");
    x.open("groupSet").close("groupSet");
    if (!eni.instanceId.empty()) {
      x.open("attachment")
          .leaf("attachmentId", "eni-attach-" + fnvHex17(eni.id))
          .leaf("instanceId", eni.instanceId);
      x.leaf("instanceOwnerId", call.topology.accountId)
          .leaf("deviceIndex", "0")
          .leaf("status", "attached");
      x.leaf("attachTime", "2024-01-01T00:00:00.000Z")
          .boolean("deleteOnTermination", true)
          .close("attachment");
    }
    x.tags(eni.tags);
    x.open("privateIpAddressesSet")
        .open("item")
        .leaf("privateIpAddress", eni.privateIp)
        .boolean("primary", true);
    x.close("item").close("privateIpAddressesSet");
    x.open("ipv6AddressesSet").close("ipv6AddressesSet");
    x.close("item");
  }
  x.close("networkInterfaceSet").nextToken(page.nextToken);
  return std::move(x).str();
}

std::expected<std::string, Ec2Error> modifyNetworkInterfaceAttribute(Ec2Call& call) {
  const auto& p = call.params;
  const auto id = p.get("NetworkInterfaceId");
  if (!id) return missing("networkInterfaceId");
  TGWARK_RETURN_IF_ERROR(checkId(*id, "eni", "InvalidNetworkInterfaceID"));
  const auto check = p.get("SourceDestCheck.Value");
  const auto description = p.get("Description.Value");
  std::optional<bool> checkValue;
  if (check) {
    TGWARK_ASSIGN_OR_RETURN(auto value, p.flag("SourceDestCheck.Value"));
    checkValue = value;
  }
  if (!check && !description) {
    return err(400, "InvalidParameterCombination", "No attributes specified.");
  }
  TGWARK_ASSIGN_OR_RETURN(auto dry, dryRun(p));
  if (dry) return dryRunOk();
  const auto eni = call.region.enis.find(*id);
  if (eni == call.region.enis.end())
    return err(400, "InvalidNetworkInterfaceID.NotFound", eniNotFound(*id));
  if (checkValue) eni->second.sourceDestCheck = *checkValue;
  if (description) eni->second.description = *description;
  return std::string("<return>true</return>");
}

std::optional<std::vector<std::string>> vpcFilter(const SimTopology& topology, const SimVpc& vpc,
                                                  const std::string& name) {
  using V = std::vector<std::string>;
  if (name == "vpc-id") return V{vpc.id};
  if (name == "cidr" || name == "cidr-block") return V{vpc.cidrs.front()};
  if (name == "cidr-block-association.cidr-block") return vpc.cidrs;
  if (name == "ipv6-cidr-block-association.ipv6-cidr-block") return vpc.ipv6Cidrs;
  if (name == "is-default") return V{vpc.isDefault ? "true" : "false"};
  if (name == "state") return V{"available"};
  if (name == "owner-id") return V{topology.accountId};
  return tagFilter(vpc.tags, name);
}

std::expected<std::string, Ec2Error> describeVpcs(Ec2Call& call) {
  const auto& p = call.params;
  TGWARK_ASSIGN_OR_RETURN(auto filters, p.filters());
  TGWARK_ASSIGN_OR_RETURN(auto ids, selectIds(
                                        call.region.vpcs, p.list("VpcId"), "vpc", "InvalidVpcID",
                                        [](const std::string& id) {
                                          return fmt::format("The vpc ID '{}' does not exist", id);
                                        },
                                        "InvalidVpcID.NotFound"));
  TGWARK_ASSIGN_OR_RETURN(auto dry, dryRun(p));
  if (dry) return dryRunOk();
  TGWARK_ASSIGN_OR_RETURN(
      auto selected, selectMatching(ids, filters, [&](const std::string& id, const std::string& n) {
        return vpcFilter(call.topology, call.region.vpcs.at(id), n);
      }));
  TGWARK_ASSIGN_OR_RETURN(auto page, paginate(selected, p, 5, 1000));
  Xml x;
  x.open("vpcSet");
  for (std::size_t i = page.begin; i < page.end; ++i) {
    const auto& vpc = call.region.vpcs.at(selected[i]);
    x.open("item")
        .leaf("vpcId", vpc.id)
        .leaf("ownerId", call.topology.accountId)
        .leaf("state", "available");
    x.leaf("cidrBlock", vpc.cidrs.front());
    x.open("cidrBlockAssociationSet");
    for (const auto& cidr : vpc.cidrs) {
      x.open("item")
          .leaf("cidrBlock", cidr)
          .leaf("associationId", "vpc-cidr-assoc-" + fnvHex17(vpc.id + cidr));
      x.open("cidrBlockState").leaf("state", "associated").close("cidrBlockState").close("item");
    }
    x.close("cidrBlockAssociationSet");
    if (!vpc.ipv6Cidrs.empty()) {
      x.open("ipv6CidrBlockAssociationSet");
      for (const auto& cidr : vpc.ipv6Cidrs) {
        x.open("item")
            .leaf("ipv6CidrBlock", cidr)
            .leaf("associationId", "vpc-cidr-assoc-" + fnvHex17(vpc.id + cidr));
        x.open("ipv6CidrBlockState").leaf("state", "associated").close("ipv6CidrBlockState");
        x.leaf("networkBorderGroup", call.region.name).close("item");
      }
      x.close("ipv6CidrBlockAssociationSet");
    }
    x.leaf("dhcpOptionsId", "dopt-" + fnvHex17(vpc.id)).leaf("instanceTenancy", "default");
    x.boolean("isDefault", vpc.isDefault).tags(vpc.tags).close("item");
  }
  x.close("vpcSet").nextToken(page.nextToken);
  return std::move(x).str();
}

// ---- Transit gateways --------------------------------------------------------------

std::string creationTime() {
  return "2024-01-01T00:00:00.000Z";
}

std::expected<std::string, Ec2Error> describeTransitGateways(Ec2Call& call) {
  const auto& p = call.params;
  TGWARK_ASSIGN_OR_RETURN(auto filters, p.filters());
  TGWARK_ASSIGN_OR_RETURN(
      auto ids, selectIds(
                    call.region.transitGateways, p.list("TransitGatewayIds"), "tgw",
                    "InvalidTransitGatewayID",
                    [](const std::string& id) {
                      return fmt::format("Transit Gateway {} was deleted or does not exist.", id);
                    },
                    "InvalidTransitGatewayID.NotFound"));
  TGWARK_ASSIGN_OR_RETURN(auto dry, dryRun(p));
  if (dry) return dryRunOk();
  auto defaultTable = [&](const std::string& tgwId, bool association) {
    for (const auto& [id, table] : call.region.tgwRouteTables) {
      if (table.transitGatewayId == tgwId &&
          (association ? table.defaultAssociation : table.defaultPropagation))
        return id;
    }
    return std::string();
  };
  TGWARK_ASSIGN_OR_RETURN(
      auto selected,
      selectMatching(ids, filters,
                     [&](const std::string& id,
                         const std::string& n) -> std::optional<std::vector<std::string>> {
                       const auto& tgw = call.region.transitGateways.at(id);
                       using V = std::vector<std::string>;
                       if (n == "transit-gateway-id") return V{tgw.id};
                       if (n == "state") return V{tgw.state};
                       if (n == "owner-id") return V{call.topology.accountId};
                       if (n == "options.amazon-side-asn")
                         return V{std::to_string(tgw.amazonSideAsn)};
                       if (n == "options.association-default-route-table-id")
                         return V{defaultTable(tgw.id, true)};
                       if (n == "options.propagation-default-route-table-id")
                         return V{defaultTable(tgw.id, false)};
                       return tagFilter(tgw.tags, n);
                     }));
  TGWARK_ASSIGN_OR_RETURN(auto page, paginate(selected, p, 5, 1000));
  Xml x;
  x.open("transitGatewaySet");
  for (std::size_t i = page.begin; i < page.end; ++i) {
    const auto& tgw = call.region.transitGateways.at(selected[i]);
    x.open("item").leaf("transitGatewayId", tgw.id);
    x.leaf("transitGatewayArn", fmt::format("arn:aws:ec2:{}:{}:transit-gateway/{}",
                                            call.region.name, call.topology.accountId, tgw.id));
    x.leaf("state", tgw.state)
        .leaf("ownerId", call.topology.accountId)
        .leaf("description", tgw.description);
    x.leaf("creationTime", creationTime());
    const std::string assoc = defaultTable(tgw.id, true), prop = defaultTable(tgw.id, false);
    x.open("options")
        .leaf("amazonSideAsn", std::to_string(tgw.amazonSideAsn))
        .leaf("autoAcceptSharedAttachments", "disable");
    x.leaf("defaultRouteTableAssociation", assoc.empty() ? "disable" : "enable")
        .leafIf("associationDefaultRouteTableId", assoc);
    x.leaf("defaultRouteTablePropagation", prop.empty() ? "disable" : "enable")
        .leafIf("propagationDefaultRouteTableId", prop);
    x.leaf("vpnEcmpSupport", "enable")
        .leaf("dnsSupport", "enable")
        .leaf("multicastSupport", "disable")
        .close("options");
    x.tags(tgw.tags).close("item");
  }
  x.close("transitGatewaySet").nextToken(page.nextToken);
  return std::move(x).str();
}

std::expected<std::vector<AttachmentView>, Ec2Error> selectAttachments(Ec2Call& call,
                                                                       std::string_view kind) {
  std::vector<AttachmentView> all;
  for (auto& view : regionAttachments(call.topology, call.region)) {
    if (kind.empty() || view.resourceType == kind) all.push_back(std::move(view));
  }
  const auto wanted = call.params.list("TransitGatewayAttachmentIds");
  if (wanted.empty()) return all;
  std::vector<AttachmentView> out;
  for (const auto& id : wanted) {
    TGWARK_RETURN_IF_ERROR(checkId(id, "tgw-attach", "InvalidTransitGatewayAttachmentID"));
    const auto it = std::find_if(all.begin(), all.end(), [&](const auto& v) { return v.id == id; });
    if (it == all.end())
      return err(400, "InvalidTransitGatewayAttachmentID.NotFound", attachmentNotFound(id));
    if (std::none_of(out.begin(), out.end(), [&](const auto& v) { return v.id == id; }))
      out.push_back(*it);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

std::expected<std::vector<AttachmentView>, Ec2Error> filterAttachments(
    [[maybe_unused]] Ec2Call& call, std::vector<AttachmentView> views,
    const std::vector<Ec2Params::Filter>& filters,
    const std::function<std::optional<std::vector<std::string>>(const AttachmentView&,
                                                                const std::string&)>& extra) {
  std::vector<AttachmentView> out;
  for (auto& view : views) {
    TGWARK_ASSIGN_OR_RETURN(
        auto ok,
        matches(filters, [&](const std::string& n) -> std::optional<std::vector<std::string>> {
          using V = std::vector<std::string>;
          if (auto value = extra(view, n)) return value;
          if (n == "transit-gateway-attachment-id") return V{view.id};
          if (n == "transit-gateway-id") return V{view.transitGatewayId};
          if (n == "state") return V{view.state};
          return tagFilter(*view.tags, n);
        }));
    if (ok) out.push_back(std::move(view));
  }
  return out;
}

std::vector<std::string> viewIds(const std::vector<AttachmentView>& views) {
  std::vector<std::string> ids;
  for (const auto& v : views) ids.push_back(v.id);
  return ids;
}

std::expected<std::string, Ec2Error> describeTransitGatewayAttachments(Ec2Call& call) {
  const auto& p = call.params;
  TGWARK_ASSIGN_OR_RETURN(auto filters, p.filters());
  TGWARK_ASSIGN_OR_RETURN(auto views, selectAttachments(call, ""));
  TGWARK_ASSIGN_OR_RETURN(auto dry, dryRun(p));
  if (dry) return dryRunOk();
  TGWARK_ASSIGN_OR_RETURN(
      auto selected,
      filterAttachments(call, std::move(views), filters,
                        [&](const AttachmentView& v,
                            const std::string& n) -> std::optional<std::vector<std::string>> {
                          using V = std::vector<std::string>;
                          const std::string table = associatedTable(call.region, v.id);
                          if (n == "resource-type") return V{v.resourceType};
                          if (n == "resource-id") return V{v.resourceId};
                          if (n == "resource-owner-id") return V{v.resourceOwnerId};
                          if (n == "transit-gateway-owner-id") return V{call.topology.accountId};
                          if (n == "association.transit-gateway-route-table-id")
                            return table.empty() ? V{} : V{table};
                          if (n == "association.state")
                            return table.empty() ? V{} : V{"associated"};
                          return std::nullopt;
                        }));
  TGWARK_ASSIGN_OR_RETURN(auto page, paginate(viewIds(selected), p, 5, 1000));
  Xml x;
  x.open("transitGatewayAttachments");
  for (std::size_t i = page.begin; i < page.end; ++i) {
    const auto& v = selected[i];
    x.open("item")
        .leaf("transitGatewayAttachmentId", v.id)
        .leaf("transitGatewayId", v.transitGatewayId);
    x.leaf("transitGatewayOwnerId", call.topology.accountId)
        .leaf("resourceOwnerId", v.resourceOwnerId);
    x.leaf("resourceType", v.resourceType).leaf("resourceId", v.resourceId).leaf("state", v.state);
    if (const auto table = associatedTable(call.region, v.id); !table.empty()) {
      x.open("association")
          .leaf("transitGatewayRouteTableId", table)
          .leaf("state", "associated")
          .close("association");
    }
    x.leaf("creationTime", creationTime()).tags(*v.tags).close("item");
  }
  x.close("transitGatewayAttachments").nextToken(page.nextToken);
  return std::move(x).str();
}

std::expected<std::string, Ec2Error> describeTransitGatewayVpcAttachments(Ec2Call& call) {
  const auto& p = call.params;
  TGWARK_ASSIGN_OR_RETURN(auto filters, p.filters());
  TGWARK_ASSIGN_OR_RETURN(auto views, selectAttachments(call, "vpc"));
  TGWARK_ASSIGN_OR_RETURN(auto dry, dryRun(p));
  if (dry) return dryRunOk();
  TGWARK_ASSIGN_OR_RETURN(
      auto selected,
      filterAttachments(call, std::move(views), filters,
                        [&](const AttachmentView& v,
                            const std::string& n) -> std::optional<std::vector<std::string>> {
                          using V = std::vector<std::string>;
                          if (n == "vpc-id") return V{v.resourceId};
                          if (n == "vpc-owner-id") return V{v.resourceOwnerId};
                          return std::nullopt;
                        }));
  TGWARK_ASSIGN_OR_RETURN(auto page, paginate(viewIds(selected), p, 5, 1000));
  Xml x;
  x.open("transitGatewayVpcAttachments");
  for (std::size_t i = page.begin; i < page.end; ++i) {
    const auto& a = call.region.vpcAttachments.at(selected[i].id);
    x.open("item")
        .leaf("transitGatewayAttachmentId", a.id)
        .leaf("transitGatewayId", a.transitGatewayId);
    x.leaf("vpcId", a.vpcId).leaf("vpcOwnerId", call.topology.accountId).leaf("state", a.state);
    x.open("subnetIds");
    for (const auto& subnet : a.subnets) x.leaf("item", subnet);
    x.close("subnetIds").leaf("creationTime", creationTime());
    x.open("options")
        .leaf("dnsSupport", "enable")
        .leaf("ipv6Support", "disable")
        .leaf("applianceModeSupport", "disable");
    x.close("options").tags(a.tags).close("item");
  }
  x.close("transitGatewayVpcAttachments").nextToken(page.nextToken);
  return std::move(x).str();
}

// The peerings visible in the region, one entry each under the requester's
// id (an intra-region peering shows both its sides in
// DescribeTransitGatewayAttachments but is one peering here); either side's id
// selects it.
std::expected<std::vector<AttachmentView>, Ec2Error> selectPeerings(Ec2Call& call) {
  std::vector<AttachmentView> all;
  for (auto& view : regionAttachments(call.topology, call.region)) {
    if (view.resourceType != "peering") continue;
    const auto it = std::find_if(call.topology.peerings.begin(), call.topology.peerings.end(),
                                 [&](const auto& p) { return p.second.hasId(view.id); });
    if (it == call.topology.peerings.end()) continue;
    if (std::any_of(all.begin(), all.end(), [&](const auto& v) { return v.id == it->first; }))
      continue;
    view.id = it->first;
    all.push_back(std::move(view));
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  const auto wanted = call.params.list("TransitGatewayAttachmentIds");
  if (wanted.empty()) return all;
  std::vector<AttachmentView> out;
  for (const auto& id : wanted) {
    TGWARK_RETURN_IF_ERROR(checkId(id, "tgw-attach", "InvalidTransitGatewayAttachmentID"));
    const auto it = std::find_if(all.begin(), all.end(), [&](const auto& v) {
      return call.topology.peerings.at(v.id).hasId(id);
    });
    if (it == all.end())
      return err(400, "InvalidTransitGatewayAttachmentID.NotFound", attachmentNotFound(id));
    if (std::none_of(out.begin(), out.end(), [&](const auto& v) { return v.id == it->id; }))
      out.push_back(*it);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

std::expected<std::string, Ec2Error> describeTransitGatewayPeeringAttachments(Ec2Call& call) {
  const auto& p = call.params;
  TGWARK_ASSIGN_OR_RETURN(auto filters, p.filters());
  TGWARK_ASSIGN_OR_RETURN(auto views, selectPeerings(call));
  TGWARK_ASSIGN_OR_RETURN(auto dry, dryRun(p));
  if (dry) return dryRunOk();
  TGWARK_ASSIGN_OR_RETURN(
      auto selected,
      filterAttachments(call, std::move(views), filters,
                        [&](const AttachmentView& v,
                            const std::string& n) -> std::optional<std::vector<std::string>> {
                          using V = std::vector<std::string>;
                          const auto& peering = call.topology.peerings.at(v.id);
                          if (n == "transit-gateway-attachment-id")
                            return V{peering.id, peering.accepterSideId()};
                          if (n == "transit-gateway-id") return V{v.transitGatewayId, v.resourceId};
                          if (n == "local-owner-id") return V{call.topology.accountId};
                          if (n == "remote-owner-id") return V{v.resourceOwnerId};
                          return std::nullopt;
                        }));
  TGWARK_ASSIGN_OR_RETURN(auto page, paginate(viewIds(selected), p, 5, 1000));
  Xml x;
  x.open("transitGatewayPeeringAttachments");
  for (std::size_t i = page.begin; i < page.end; ++i) {
    const auto& a = call.topology.peerings.at(selected[i].id);
    auto side = [&](std::string_view name, const SimPeeringSide& s) {
      x.open(name).leaf("transitGatewayId", s.transitGatewayId);
      x.leaf("ownerId", s.ownerId.empty() ? call.topology.accountId : s.ownerId)
          .leaf("region", s.region)
          .close(name);
    };
    x.open("item").leaf("transitGatewayAttachmentId", a.id);
    if (!a.accepterAttachmentId.empty())
      x.leaf("accepterTransitGatewayAttachmentId", a.accepterAttachmentId);
    side("requesterTgwInfo", a.requester);
    side("accepterTgwInfo", a.accepter);
    x.open("options").leaf("dynamicRouting", "disable").close("options");
    x.open("status")
        .leaf("code", a.state)
        .leaf("message", a.state == "available" ? "Available" : a.state)
        .close("status");
    x.leaf("state", a.state).leaf("creationTime", creationTime()).tags(a.tags).close("item");
  }
  x.close("transitGatewayPeeringAttachments").nextToken(page.nextToken);
  return std::move(x).str();
}

std::expected<std::string, Ec2Error> describeTransitGatewayRouteTables(Ec2Call& call) {
  const auto& p = call.params;
  TGWARK_ASSIGN_OR_RETURN(auto filters, p.filters());
  TGWARK_ASSIGN_OR_RETURN(
      auto ids,
      selectIds(call.region.tgwRouteTables, p.list("TransitGatewayRouteTableIds"), "tgw-rtb",
                "InvalidRouteTableId", tgwRtbNotFound, "InvalidRouteTableId.NotFound"));
  TGWARK_ASSIGN_OR_RETURN(auto dry, dryRun(p));
  if (dry) return dryRunOk();
  TGWARK_ASSIGN_OR_RETURN(
      auto selected,
      selectMatching(ids, filters,
                     [&](const std::string& id,
                         const std::string& n) -> std::optional<std::vector<std::string>> {
                       const auto& t = call.region.tgwRouteTables.at(id);
                       using V = std::vector<std::string>;
                       if (n == "transit-gateway-route-table-id") return V{t.id};
                       if (n == "transit-gateway-id") return V{t.transitGatewayId};
                       if (n == "state") return V{"available"};
                       if (n == "default-association-route-table")
                         return V{t.defaultAssociation ? "true" : "false"};
                       if (n == "default-propagation-route-table")
                         return V{t.defaultPropagation ? "true" : "false"};
                       return tagFilter(t.tags, n);
                     }));
  TGWARK_ASSIGN_OR_RETURN(auto page, paginate(selected, p, 5, 1000));
  Xml x;
  x.open("transitGatewayRouteTables");
  for (std::size_t i = page.begin; i < page.end; ++i) {
    const auto& t = call.region.tgwRouteTables.at(selected[i]);
    x.open("item")
        .leaf("transitGatewayRouteTableId", t.id)
        .leaf("transitGatewayId", t.transitGatewayId);
    x.leaf("state", "available").boolean("defaultAssociationRouteTable", t.defaultAssociation);
    x.boolean("defaultPropagationRouteTable", t.defaultPropagation)
        .leaf("creationTime", creationTime());
    x.tags(t.tags).close("item");
  }
  x.close("transitGatewayRouteTables").nextToken(page.nextToken);
  return std::move(x).str();
}

std::expected<SimTgwRouteTable*, Ec2Error> requireTgwTable(Ec2Call& call, bool checkDry) {
  const auto id = call.params.get("TransitGatewayRouteTableId");
  if (!id) return missing("TransitGatewayRouteTableId");
  TGWARK_RETURN_IF_ERROR(checkId(*id, "tgw-rtb", "InvalidRouteTableId"));
  if (checkDry) {
    TGWARK_ASSIGN_OR_RETURN(auto dry, dryRun(call.params));
    if (dry) return dryRunOk();
  }
  const auto it = call.region.tgwRouteTables.find(*id);
  if (it == call.region.tgwRouteTables.end())
    return err(400, "InvalidRouteTableId.NotFound", tgwRtbNotFound(*id));
  return &it->second;
}

std::expected<std::string, Ec2Error> getTransitGatewayRouteTableAssociations(Ec2Call& call) {
  const auto& p = call.params;
  TGWARK_ASSIGN_OR_RETURN(auto filters, p.filters());
  TGWARK_ASSIGN_OR_RETURN(auto table, requireTgwTable(call, true));
  std::vector<AttachmentView> views;
  for (const auto& id : table->associations) {
    if (auto v = findAttachment(call.topology, call.region, id)) views.push_back(std::move(*v));
  }
  std::sort(views.begin(), views.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  std::vector<AttachmentView> selected;
  for (auto& v : views) {
    TGWARK_ASSIGN_OR_RETURN(
        auto ok,
        matches(filters, [&](const std::string& n) -> std::optional<std::vector<std::string>> {
          using V = std::vector<std::string>;
          if (n == "transit-gateway-attachment-id") return V{v.id};
          if (n == "resource-id") return V{v.resourceId};
          if (n == "resource-type") return V{v.resourceType};
          return std::nullopt;
        }));
    if (ok) selected.push_back(std::move(v));
  }
  TGWARK_ASSIGN_OR_RETURN(auto page, paginate(viewIds(selected), p, 5, 1000));
  Xml x;
  x.open("associations");
  for (std::size_t i = page.begin; i < page.end; ++i) {
    const auto& v = selected[i];
    x.open("item").leaf("transitGatewayAttachmentId", v.id).leaf("resourceId", v.resourceId);
    x.leaf("resourceType", v.resourceType).leaf("state", "associated").close("item");
  }
  x.close("associations").nextToken(page.nextToken);
  return std::move(x).str();
}

void writeTgwRoute(Xml& x, std::string_view element, const SimTopology& topology,
                   const SimRegion& region, const EffectiveTgwRoute& route) {
  x.open(element).leaf("destinationCidrBlock", route.destination);
  if (!route.attachmentId.empty()) {
    x.open("transitGatewayAttachments").open("item");
    if (const auto v = findAttachment(topology, region, route.attachmentId)) {
      x.leaf("resourceId", v->resourceId)
          .leaf("transitGatewayAttachmentId", v->id)
          .leaf("resourceType", v->resourceType);
    } else {
      x.leaf("transitGatewayAttachmentId", route.attachmentId);
    }
    x.close("item").close("transitGatewayAttachments");
  }
  x.leaf("type", route.type).leaf("state", route.state).close(element);
}

std::expected<std::string, Ec2Error> searchTransitGatewayRoutes(Ec2Call& call) {
  const auto& p = call.params;
  TGWARK_ASSIGN_OR_RETURN(auto filters, p.filters());
  if (filters.empty()) return missing("Filters");
  TGWARK_ASSIGN_OR_RETURN(auto table, requireTgwTable(call, true));
  std::size_t limit = 1000;
  if (const auto max = p.get("MaxResults")) {
    int value = 0;
    const auto [ptr, ec] = std::from_chars(max->data(), max->data() + max->size(), value);
    if (ec != std::errc{} || ptr != max->data() + max->size() || value < 5 || value > 1000) {
      return invalidValue(fmt::format(
          "Value ( {} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.",
          *max));
    }
    limit = static_cast<std::size_t>(value);
  }
  const auto routes = effectiveTgwRoutes(call.topology, call.region, *table);
  // longest-prefix-match picks one route among all that contain the address.
  std::string longest;
  for (const auto& filter : filters) {
    if (filter.name != "route-search.longest-prefix-match") continue;
    int best = -1;
    for (const auto& route : routes) {
      for (const auto& value : filter.values) {
        const auto canonical =
            canonicalCidr(value.find('/') == std::string::npos ? value + "/32" : value);
        if (canonical && cidrContains(route.destination, *canonical)) {
          const int len = std::stoi(route.destination.substr(route.destination.find('/') + 1));
          if (len > best) {
            best = len;
            longest = route.destination;
          }
        }
      }
    }
  }
  std::vector<const EffectiveTgwRoute*> selected;
  for (const auto& route : routes) {
    const auto view = route.attachmentId.empty()
                          ? std::nullopt
                          : findAttachment(call.topology, call.region, route.attachmentId);
    TGWARK_ASSIGN_OR_RETURN(
        auto ok,
        matches(filters, [&](const std::string& n) -> std::optional<std::vector<std::string>> {
          using V = std::vector<std::string>;
          if (n == "route-search.exact-match") return V{route.destination};
          // Containment filters are evaluated below; here they only need to
          // match their own values.
          auto ownValues = [&] {
            for (const auto& filter : filters) {
              if (filter.name == n) return filter.values;
            }
            return V{};
          };
          if (n == "route-search.longest-prefix-match")
            return route.destination == longest ? ownValues() : V{};
          if (n == "type") return V{route.type};
          if (n == "state") return V{route.state};
          if (n == "attachment.transit-gateway-attachment-id")
            return route.attachmentId.empty() ? V{} : V{route.attachmentId};
          if (n == "attachment.resource-id") return view ? V{view->resourceId} : V{};
          if (n == "attachment.resource-type") return view ? V{view->resourceType} : V{};
          if (n == "prefix-list-id") return V{};
          if (n == "route-search.subnet-of-match" || n == "route-search.supernet-of-match")
            return ownValues();
          return std::nullopt;
        }));
    if (!ok) continue;
    bool containment = true;
    for (const auto& filter : filters) {
      const bool subnet = filter.name == "route-search.subnet-of-match";
      const bool supernet = filter.name == "route-search.supernet-of-match";
      if (!subnet && !supernet) continue;
      bool any = false;
      for (const auto& value : filter.values) {
        const auto canonical = canonicalCidr(value);
        if (!canonical)
          return invalidValue(fmt::format("Invalid CIDR {} in filter {}", value, filter.name));
        any = any || (subnet ? cidrContains(*canonical, route.destination)
                             : cidrContains(route.destination, *canonical));
      }
      containment = containment && any;
    }
    if (containment) selected.push_back(&route);
  }
  TGWARK_ASSIGN_OR_RETURN(auto dry, dryRun(p));
  if (dry) return dryRunOk();
  Xml x;
  x.open("routeSet");
  for (std::size_t i = 0; i < selected.size() && i < limit; ++i) {
    writeTgwRoute(x, "item", call.topology, call.region, *selected[i]);
  }
  x.close("routeSet").boolean("additionalRoutesAvailable", selected.size() > limit);
  return std::move(x).str();
}

struct TgwRouteRequest {
  SimTgwRouteTable* table = nullptr;
  std::string destination;
  std::string attachmentId;
  bool blackhole = false;
};

std::expected<TgwRouteRequest, Ec2Error> parseTgwRouteRequest(Ec2Call& call, bool needTarget) {
  const auto& p = call.params;
  TgwRouteRequest request;
  const auto destination = p.get("DestinationCidrBlock");
  if (!destination) return missing("DestinationCidrBlock");
  const auto canonical = canonicalCidr(*destination);
  if (!canonical) {
    return invalidValue(fmt::format(
        "Value ({}) for parameter DestinationCidrBlock is invalid. This is not a valid CIDR block.",
        *destination));
  }
  request.destination = *canonical;
  if (needTarget) {
    TGWARK_ASSIGN_OR_RETURN(auto blackhole, p.flag("Blackhole"));
    request.blackhole = blackhole;
    const auto attachment = p.get("TransitGatewayAttachmentId");
    if (!blackhole && !attachment) return missing("TransitGatewayAttachmentId");
    if (blackhole && attachment) {
      return err(
          400, "InvalidParameterCombination",
          "The parameter TransitGatewayAttachmentId cannot be used with the parameter Blackhole");
    }
    if (attachment) {
      TGWARK_RETURN_IF_ERROR(
          checkId(*attachment, "tgw-attach", "InvalidTransitGatewayAttachmentID"));
      request.attachmentId = *attachment;
    }
  }
  TGWARK_ASSIGN_OR_RETURN(auto table, requireTgwTable(call, true));
  request.table = table;
  if (!request.attachmentId.empty()) {
    const auto view = findAttachment(call.topology, call.region, request.attachmentId);
    if (!view || view->transitGatewayId != table->transitGatewayId) {
      return err(400, "InvalidTransitGatewayAttachmentID.NotFound",
                 attachmentNotFound(request.attachmentId));
    }
  }
  return request;
}

std::expected<std::string, Ec2Error> routeResult(Ec2Call& call, const SimTgwRouteTable& table,
                                                 const std::string& destination,
                                                 std::string_view stateOverride = {}) {
  for (auto route : effectiveTgwRoutes(call.topology, call.region, table)) {
    if (route.destination == destination) {
      Xml x;
      if (!stateOverride.empty()) route.state = std::string(stateOverride);
      writeTgwRoute(x, "route", call.topology, call.region, route);
      return std::move(x).str();
    }
  }
  return err(500, "InternalError", "An internal error has occurred");
}

std::vector<SimTgwRoute>::iterator findTgwRoute(SimTgwRouteTable& table,
                                                const std::string& destination) {
  return std::find_if(table.staticRoutes.begin(), table.staticRoutes.end(),
                      [&](const SimTgwRoute& r) { return r.destination == destination; });
}

std::expected<std::string, Ec2Error> createTransitGatewayRoute(Ec2Call& call) {
  TGWARK_ASSIGN_OR_RETURN(auto request, parseTgwRouteRequest(call, true));
  auto& table = *request.table;
  if (findTgwRoute(table, request.destination) != table.staticRoutes.end()) {
    return err(400, "RouteAlreadyExists",
               fmt::format("Route {} already exists in Transit Gateway Route Table {}.",
                           request.destination, table.id));
  }
  table.staticRoutes.push_back(
      SimTgwRoute{request.destination, request.attachmentId, request.blackhole});
  return routeResult(call, table, request.destination);
}

Unexpected tgwRouteNotFound(const std::string& destination, const std::string& table) {
  return err(
      400, "InvalidRoute.NotFound",
      fmt::format("No route with destination-cidr-block {} in Transit Gateway Route Table {}",
                  destination, table));
}

std::expected<std::string, Ec2Error> replaceTransitGatewayRoute(Ec2Call& call) {
  TGWARK_ASSIGN_OR_RETURN(auto request, parseTgwRouteRequest(call, true));
  auto& table = *request.table;
  const auto it = findTgwRoute(table, request.destination);
  if (it == table.staticRoutes.end()) return tgwRouteNotFound(request.destination, table.id);
  *it = SimTgwRoute{request.destination, request.attachmentId, request.blackhole};
  return routeResult(call, table, request.destination);
}

std::expected<std::string, Ec2Error> deleteTransitGatewayRoute(Ec2Call& call) {
  TGWARK_ASSIGN_OR_RETURN(auto request, parseTgwRouteRequest(call, false));
  auto& table = *request.table;
  const auto it = findTgwRoute(table, request.destination);
  if (it == table.staticRoutes.end()) return tgwRouteNotFound(request.destination, table.id);
  TGWARK_ASSIGN_OR_RETURN(auto xml, routeResult(call, table, request.destination, "deleted"));
  table.staticRoutes.erase(it);
  return xml;
}

}  // namespace

std::optional<std::string> Ec2Params::get(std::string_view name) const {
  const auto it = values_.find(std::string(name));
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> Ec2Params::list(std::string_view prefix) const {
  std::vector<std::string> out;
  for (int i = 1;; ++i) {
    const auto value = get(fmt::format("{}.{}", prefix, i));
    if (!value) break;
    out.push_back(*value);
  }
  return out;
}

std::expected<std::vector<Ec2Params::Filter>, Ec2Error> Ec2Params::filters() const {
  std::vector<Filter> out;
  for (int i = 1;; ++i) {
    const auto name = get(fmt::format("Filter.{}.Name", i));
    if (!name) {
      if (get(fmt::format("Filter.{}.Value.1", i)))
        return missing(fmt::format("Filter.{}.Name", i));
      break;
    }
    Filter filter{*name, list(fmt::format("Filter.{}.Value", i))};
    if (filter.values.empty()) return missing(fmt::format("Filter.{}.Value.1", i));
    out.push_back(std::move(filter));
  }
  return out;
}

std::expected<bool, Ec2Error> Ec2Params::flag(std::string_view name) const {
  const auto value = get(name);
  if (!value) return false;
  std::string lower;
  for (char c : *value) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "true") return true;
  if (lower == "false") return false;
  return invalidValue(
      fmt::format("Invalid value '{}' for {}; expected true or false", *value, name));
}

std::expected<std::map<std::string, std::string>, Ec2Error> parseForm(std::string_view body) {
  std::map<std::string, std::string> out;
  std::size_t start = 0;
  while (start <= body.size()) {
    const auto end = std::min(body.find('&', start), body.size());
    const auto pair = body.substr(start, end - start);
    if (!pair.empty()) {
      const auto eq = pair.find('=');
      TGWARK_ASSIGN_OR_RETURN(auto key, urlDecode(pair.substr(0, eq)));
      TGWARK_ASSIGN_OR_RETURN(
          auto value,
          urlDecode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1)));
      if (key.empty())
        return err(400, "MalformedQueryString", "Empty parameter name in request body");
      out[std::move(key)] = std::move(value);
    }
    start = end + 1;
  }
  return out;
}

bool isKnownAction(std::string_view action) {
  return std::find(kActions.begin(), kActions.end(), action) != kActions.end();
}

bool isMutatingAction(std::string_view action) {
  return action.starts_with("Create") || action.starts_with("Replace") ||
         action.starts_with("Delete") || action.starts_with("Modify");
}

std::expected<std::string, Ec2Error> runEc2Action(Ec2Call& call) {
  using Handler = std::expected<std::string, Ec2Error> (*)(Ec2Call&);
  static const std::map<std::string_view, Handler> kHandlers = {
      {"DescribeRouteTables", describeRouteTables},
      {"CreateRoute", createRoute},
      {"ReplaceRoute", replaceRoute},
      {"DeleteRoute", deleteRoute},
      {"DescribeNetworkInterfaces", describeNetworkInterfaces},
      {"ModifyNetworkInterfaceAttribute", modifyNetworkInterfaceAttribute},
      {"DescribeVpcs", describeVpcs},
      {"DescribeTransitGateways", describeTransitGateways},
      {"DescribeTransitGatewayAttachments", describeTransitGatewayAttachments},
      {"DescribeTransitGatewayVpcAttachments", describeTransitGatewayVpcAttachments},
      {"DescribeTransitGatewayPeeringAttachments", describeTransitGatewayPeeringAttachments},
      {"DescribeTransitGatewayRouteTables", describeTransitGatewayRouteTables},
      {"GetTransitGatewayRouteTableAssociations", getTransitGatewayRouteTableAssociations},
      {"SearchTransitGatewayRoutes", searchTransitGatewayRoutes},
      {"CreateTransitGatewayRoute", createTransitGatewayRoute},
      {"ReplaceTransitGatewayRoute", replaceTransitGatewayRoute},
      {"DeleteTransitGatewayRoute", deleteTransitGatewayRoute},
  };
  const auto it = kHandlers.find(call.action);
  if (it == kHandlers.end()) {
    return err(400, "InvalidAction",
               fmt::format("The action {} is not valid for this web service.", call.action));
  }
  return it->second(call);
}

std::string xmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 cannot carry most control characters; drop them.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') break;
        out += c;
    }
  }
  return out;
}

std::string ec2SuccessXml(std::string_view action, std::string_view requestId,
                          std::string_view inner) {
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{0}Response "
      "xmlns=\"{1}\"><requestId>{2}</requestId>{3}</{0}Response>",
      action, kEc2Namespace, requestId, inner);
}

std::string ec2ErrorXml(std::string_view code, std::string_view message,
                        std::string_view requestId) {
  return fmt::format(
      "<?xml version=\"1.0\" "
      "encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{}</Code><Message>{}</Message></"
      "Error></Errors><RequestID>{}</RequestID></Response>",
      xmlEscape(code), xmlEscape(message), requestId);
}

}  // namespace tgwark::sim
