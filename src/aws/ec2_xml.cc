#include "aws/ec2_xml.h"

#include <optional>

#include <fmt/format.h>
#include <pugixml.hpp>

#include "aws/http_client.h"

namespace tgwark::aws {
namespace {

constexpr std::string_view kEc2NamespacePrefix = "http://ec2.amazonaws.com/doc/";

// Reads one response document; remembers the first missing required element
// so that each parse function reads like the shape it parses.
class Reader {
 public:
  explicit Reader(std::string_view action) : action_(action) {}

  // Parses and checks the root element is <ActionResponse>.
  bool load(std::string_view xml) {
    pugi::xml_parse_result parsed = doc_.load_buffer(xml.data(), xml.size());
    if (!parsed) {
      fail(fmt::format("malformed XML at offset {}: {}", parsed.offset, parsed.description()));
      return false;
    }
    root_ = doc_.document_element();
    std::string expected = fmt::format("{}Response", action_);
    if (expected != root_.name()) {
      fail(fmt::format("expected <{}> but the document element is <{}>", expected, root_.name()));
      return false;
    }
    // A same-named element of another vocabulary is not EC2's answer. (EC2
    // always declares its namespace; fixtures without one are tolerated.)
    std::string_view ns = root_.attribute("xmlns").as_string();
    if (!ns.empty() && !ns.starts_with(kEc2NamespacePrefix)) {
      fail(fmt::format("the document is in namespace '{}', not EC2's", ns.substr(0, 80)));
      return false;
    }
    return true;
  }

  pugi::xml_node root() const { return root_; }
  std::string requestId() const { return text(root_, "requestId"); }

  static std::string text(pugi::xml_node node, const char* name) {
    return node.child(name).text().as_string();
  }
  static bool flag(pugi::xml_node node, const char* name, bool fallback) {
    pugi::xml_node child = node.child(name);
    if (!child) return fallback;
    std::string_view value = child.text().as_string();
    return value == "true";
  }
  std::string required(pugi::xml_node node, const char* name, std::string_view where) {
    pugi::xml_node child = node.child(name);
    std::string value = child.text().as_string();
    if (value.empty()) fail(fmt::format("missing required element <{}> in {}", name, where));
    return value;
  }
  pugi::xml_node requiredSet(pugi::xml_node node, const char* name) {
    pugi::xml_node child = node.child(name);
    if (!child) fail(fmt::format("missing required element <{}>", name));
    return child;
  }

  std::vector<Tag> tags(pugi::xml_node node) const {
    std::vector<Tag> out;
    for (pugi::xml_node item : node.child("tagSet").children("item")) {
      out.push_back(Tag{text(item, "key"), text(item, "value")});
    }
    return out;
  }

  void fail(std::string message) {
    if (!error_) error_ = std::move(message);
  }
  bool ok() const { return !error_.has_value(); }
  // A 2xx answer tgwark cannot read says nothing about the resources: it is
  // transient (kRetryable), told apart from other transient errors by its
  // code and message.
  std::unexpected<Error> error() const {
    return makeError(
        ErrorCategory::kRetryable,
        fmt::format("unparseable {} answer (not evidence; transient): {}", action_, *error_),
        std::string(kUnparseableAnswerCode));
  }

 private:
  std::string action_;
  pugi::xml_document doc_;
  pugi::xml_node root_;
  std::optional<std::string> error_;
};

// The common shape of Describe* responses: <setName><item>...</item></setName><nextToken/>.
template <class T, class ParseItem>
Result<Page<T>> parsePage(std::string_view xml, std::string_view action, const char* setName,
                          ParseItem parseItem) {
  Reader reader(action);
  if (!reader.load(xml)) return reader.error();
  Page<T> page;
  pugi::xml_node set = reader.requiredSet(reader.root(), setName);
  for (pugi::xml_node item : set.children("item")) {
    page.items.push_back(parseItem(reader, item));
  }
  if (!reader.ok()) return reader.error();
  page.nextToken = Reader::text(reader.root(), "nextToken");
  page.requestId = reader.requestId();
  return page;
}

Route parseRoute(Reader& reader, pugi::xml_node n) {
  Route r;
  r.destinationCidrBlock = Reader::text(n, "destinationCidrBlock");
  r.destinationIpv6CidrBlock = Reader::text(n, "destinationIpv6CidrBlock");
  r.destinationPrefixListId = Reader::text(n, "destinationPrefixListId");
  r.gatewayId = Reader::text(n, "gatewayId");
  r.instanceId = Reader::text(n, "instanceId");
  r.networkInterfaceId = Reader::text(n, "networkInterfaceId");
  r.transitGatewayId = Reader::text(n, "transitGatewayId");
  r.vpcPeeringConnectionId = Reader::text(n, "vpcPeeringConnectionId");
  r.natGatewayId = Reader::text(n, "natGatewayId");
  r.localGatewayId = Reader::text(n, "localGatewayId");
  r.carrierGatewayId = Reader::text(n, "carrierGatewayId");
  r.egressOnlyInternetGatewayId = Reader::text(n, "egressOnlyInternetGatewayId");
  r.coreNetworkArn = Reader::text(n, "coreNetworkArn");
  // EC2 always says whether a route is active or blackhole; a route without
  // it would read as broken and fail a healthy resource over.
  r.state = reader.required(n, "state", "a route");
  r.origin = Reader::text(n, "origin");
  return r;
}

RouteTable parseRouteTable(Reader& reader, pugi::xml_node n) {
  RouteTable t;
  t.routeTableId = reader.required(n, "routeTableId", "a route table");
  t.vpcId = Reader::text(n, "vpcId");
  t.ownerId = Reader::text(n, "ownerId");
  for (pugi::xml_node item : n.child("routeSet").children("item")) {
    t.routes.push_back(parseRoute(reader, item));
  }
  for (pugi::xml_node item : n.child("associationSet").children("item")) {
    RouteTableAssociation a;
    a.routeTableAssociationId = Reader::text(item, "routeTableAssociationId");
    a.routeTableId = Reader::text(item, "routeTableId");
    a.subnetId = Reader::text(item, "subnetId");
    a.gatewayId = Reader::text(item, "gatewayId");
    a.main = Reader::flag(item, "main", false);
    t.associations.push_back(std::move(a));
  }
  t.tags = reader.tags(n);
  return t;
}

NetworkInterface parseNetworkInterface(Reader& reader, pugi::xml_node n) {
  NetworkInterface e;
  e.networkInterfaceId = reader.required(n, "networkInterfaceId", "a network interface");
  e.vpcId = Reader::text(n, "vpcId");
  e.subnetId = Reader::text(n, "subnetId");
  e.availabilityZone = Reader::text(n, "availabilityZone");
  e.status = Reader::text(n, "status");
  e.privateIpAddress = Reader::text(n, "privateIpAddress");
  e.macAddress = Reader::text(n, "macAddress");
  e.ownerId = Reader::text(n, "ownerId");
  e.attachmentInstanceId = Reader::text(n.child("attachment"), "instanceId");
  e.sourceDestCheck = Reader::flag(n, "sourceDestCheck", true);
  e.tags = reader.tags(n);
  return e;
}

Vpc parseVpc(Reader& reader, pugi::xml_node n) {
  Vpc v;
  v.vpcId = reader.required(n, "vpcId", "a VPC");
  v.state = Reader::text(n, "state");
  v.ownerId = Reader::text(n, "ownerId");
  v.cidrBlock = Reader::text(n, "cidrBlock");
  // Only CIDRs in use route traffic; disassociated ones linger in the set.
  for (pugi::xml_node item : n.child("cidrBlockAssociationSet").children("item")) {
    std::string state = Reader::text(item.child("cidrBlockState"), "state");
    if (state.empty() || state == "associated")
      v.cidrBlocks.push_back(Reader::text(item, "cidrBlock"));
  }
  for (pugi::xml_node item : n.child("ipv6CidrBlockAssociationSet").children("item")) {
    std::string state = Reader::text(item.child("ipv6CidrBlockState"), "state");
    if (state.empty() || state == "associated") {
      v.ipv6CidrBlocks.push_back(Reader::text(item, "ipv6CidrBlock"));
    }
  }
  v.tags = reader.tags(n);
  return v;
}

TransitGateway parseTransitGateway(Reader& reader, pugi::xml_node n) {
  TransitGateway g;
  g.transitGatewayId = reader.required(n, "transitGatewayId", "a transit gateway");
  g.transitGatewayArn = Reader::text(n, "transitGatewayArn");
  g.state = Reader::text(n, "state");
  g.ownerId = Reader::text(n, "ownerId");
  pugi::xml_node options = n.child("options");
  g.associationDefaultRouteTableId = Reader::text(options, "associationDefaultRouteTableId");
  g.propagationDefaultRouteTableId = Reader::text(options, "propagationDefaultRouteTableId");
  g.tags = reader.tags(n);
  return g;
}

TransitGatewayAttachment parseAttachment(Reader& reader, pugi::xml_node n) {
  TransitGatewayAttachment a;
  a.transitGatewayAttachmentId =
      reader.required(n, "transitGatewayAttachmentId", "a transit gateway attachment");
  a.transitGatewayId = Reader::text(n, "transitGatewayId");
  a.transitGatewayOwnerId = Reader::text(n, "transitGatewayOwnerId");
  a.resourceOwnerId = Reader::text(n, "resourceOwnerId");
  a.resourceType = Reader::text(n, "resourceType");
  a.resourceId = Reader::text(n, "resourceId");
  a.state = Reader::text(n, "state");
  if (pugi::xml_node assoc = n.child("association")) {
    a.association = TransitGatewayAttachmentAssociation{
        Reader::text(assoc, "transitGatewayRouteTableId"), Reader::text(assoc, "state")};
  }
  a.tags = reader.tags(n);
  return a;
}

TransitGatewayVpcAttachment parseVpcAttachment(Reader& reader, pugi::xml_node n) {
  TransitGatewayVpcAttachment a;
  a.transitGatewayAttachmentId =
      reader.required(n, "transitGatewayAttachmentId", "a transit gateway VPC attachment");
  a.transitGatewayId = Reader::text(n, "transitGatewayId");
  a.vpcId = Reader::text(n, "vpcId");
  a.vpcOwnerId = Reader::text(n, "vpcOwnerId");
  a.state = Reader::text(n, "state");
  for (pugi::xml_node item : n.child("subnetIds").children("item")) {
    a.subnetIds.emplace_back(item.text().as_string());
  }
  a.tags = reader.tags(n);
  return a;
}

PeeringTgwInfo parseTgwInfo(pugi::xml_node n) {
  return PeeringTgwInfo{Reader::text(n, "transitGatewayId"), Reader::text(n, "ownerId"),
                        Reader::text(n, "region")};
}

TransitGatewayPeeringAttachment parsePeeringAttachment(Reader& reader, pugi::xml_node n) {
  TransitGatewayPeeringAttachment a;
  a.transitGatewayAttachmentId =
      reader.required(n, "transitGatewayAttachmentId", "a transit gateway peering attachment");
  a.accepterTransitGatewayAttachmentId = Reader::text(n, "accepterTransitGatewayAttachmentId");
  a.requesterTgwInfo = parseTgwInfo(n.child("requesterTgwInfo"));
  a.accepterTgwInfo = parseTgwInfo(n.child("accepterTgwInfo"));
  a.state = Reader::text(n, "state");
  a.tags = reader.tags(n);
  return a;
}

TransitGatewayRouteTable parseTgwRouteTable(Reader& reader, pugi::xml_node n) {
  TransitGatewayRouteTable t;
  t.transitGatewayRouteTableId =
      reader.required(n, "transitGatewayRouteTableId", "a transit gateway route table");
  t.transitGatewayId = Reader::text(n, "transitGatewayId");
  t.state = Reader::text(n, "state");
  t.defaultAssociationRouteTable = Reader::flag(n, "defaultAssociationRouteTable", false);
  t.defaultPropagationRouteTable = Reader::flag(n, "defaultPropagationRouteTable", false);
  t.tags = reader.tags(n);
  return t;
}

TransitGatewayRouteTableAssociation parseTgwAssociation(Reader& reader, pugi::xml_node n) {
  TransitGatewayRouteTableAssociation a;
  a.transitGatewayAttachmentId =
      reader.required(n, "transitGatewayAttachmentId", "a route table association");
  a.resourceId = Reader::text(n, "resourceId");
  a.resourceType = Reader::text(n, "resourceType");
  a.state = Reader::text(n, "state");
  return a;
}

TransitGatewayRoute parseTgwRoute(Reader& reader, pugi::xml_node n) {
  TransitGatewayRoute r;
  r.destinationCidrBlock = Reader::text(n, "destinationCidrBlock");
  r.prefixListId = Reader::text(n, "prefixListId");
  r.type = Reader::text(n, "type");
  r.state = reader.required(n, "state", "a transit gateway route");
  for (pugi::xml_node item : n.child("transitGatewayAttachments").children("item")) {
    r.transitGatewayAttachments.push_back(TransitGatewayRouteAttachment{
        Reader::text(item, "resourceId"), Reader::text(item, "transitGatewayAttachmentId"),
        Reader::text(item, "resourceType")});
  }
  return r;
}

}  // namespace

Result<Page<RouteTable>> parseDescribeRouteTables(std::string_view xml) {
  return parsePage<RouteTable>(xml, "DescribeRouteTables", "routeTableSet", parseRouteTable);
}
Result<Page<NetworkInterface>> parseDescribeNetworkInterfaces(std::string_view xml) {
  return parsePage<NetworkInterface>(xml, "DescribeNetworkInterfaces", "networkInterfaceSet",
                                     parseNetworkInterface);
}
Result<Page<Vpc>> parseDescribeVpcs(std::string_view xml) {
  return parsePage<Vpc>(xml, "DescribeVpcs", "vpcSet", parseVpc);
}
Result<Page<TransitGateway>> parseDescribeTransitGateways(std::string_view xml) {
  return parsePage<TransitGateway>(xml, "DescribeTransitGateways", "transitGatewaySet",
                                   parseTransitGateway);
}
Result<Page<TransitGatewayAttachment>> parseDescribeTransitGatewayAttachments(
    std::string_view xml) {
  return parsePage<TransitGatewayAttachment>(xml, "DescribeTransitGatewayAttachments",
                                             "transitGatewayAttachments", parseAttachment);
}
Result<Page<TransitGatewayVpcAttachment>> parseDescribeTransitGatewayVpcAttachments(
    std::string_view xml) {
  return parsePage<TransitGatewayVpcAttachment>(xml, "DescribeTransitGatewayVpcAttachments",
                                                "transitGatewayVpcAttachments", parseVpcAttachment);
}
Result<Page<TransitGatewayPeeringAttachment>> parseDescribeTransitGatewayPeeringAttachments(
    std::string_view xml) {
  return parsePage<TransitGatewayPeeringAttachment>(xml, "DescribeTransitGatewayPeeringAttachments",
                                                    "transitGatewayPeeringAttachments",
                                                    parsePeeringAttachment);
}
Result<Page<TransitGatewayRouteTable>> parseDescribeTransitGatewayRouteTables(
    std::string_view xml) {
  return parsePage<TransitGatewayRouteTable>(xml, "DescribeTransitGatewayRouteTables",
                                             "transitGatewayRouteTables", parseTgwRouteTable);
}
Result<Page<TransitGatewayRouteTableAssociation>> parseGetTransitGatewayRouteTableAssociations(
    std::string_view xml) {
  return parsePage<TransitGatewayRouteTableAssociation>(
      xml, "GetTransitGatewayRouteTableAssociations", "associations", parseTgwAssociation);
}

Result<SearchTransitGatewayRoutesPage> parseSearchTransitGatewayRoutes(std::string_view xml) {
  Reader reader("SearchTransitGatewayRoutes");
  if (!reader.load(xml)) return reader.error();
  SearchTransitGatewayRoutesPage out;
  pugi::xml_node set = reader.requiredSet(reader.root(), "routeSet");
  for (pugi::xml_node item : set.children("item")) {
    out.result.routes.push_back(parseTgwRoute(reader, item));
  }
  if (!reader.ok()) return reader.error();
  out.result.additionalRoutesAvailable =
      Reader::flag(reader.root(), "additionalRoutesAvailable", false);
  out.nextToken = Reader::text(reader.root(), "nextToken");
  out.requestId = reader.requestId();
  return out;
}

Result<void> parseMutationResponse(std::string_view xml, std::string_view action) {
  Reader reader(action);
  if (!reader.load(xml)) return reader.error();
  pugi::xml_node ret = reader.root().child("return");
  if (ret && std::string_view(ret.text().as_string()) != "true") {
    return makeError(ErrorCategory::kInternal,
                     fmt::format("{} returned <return>{}</return>", action, ret.text().as_string()),
                     {}, reader.requestId());
  }
  return {};
}

}  // namespace tgwark::aws
