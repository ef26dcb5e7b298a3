// Parsing of EC2 Query API responses (XML in the EC2 namespace) into the
// typed structs of ec2_types.h. Unknown elements are ignored; malformed XML,
// another document or namespace, or a missing required element (a result
// set, an item's id, a route's state) is a kRetryable error with awsCode
// kUnparseableAnswerCode naming the action and the element, never a crash:
// such an answer says nothing about the resources.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "aws/ec2_types.h"
#include "common/error.h"

namespace tgwark::aws {

template <class T>
struct Page {
  std::vector<T> items;
  std::string nextToken;  // empty on the last page
  std::string requestId;
};

struct SearchTransitGatewayRoutesPage {
  SearchTransitGatewayRoutesResult result;
  std::string nextToken;
  std::string requestId;
};

Result<Page<RouteTable>> parseDescribeRouteTables(std::string_view xml);
Result<Page<NetworkInterface>> parseDescribeNetworkInterfaces(std::string_view xml);
Result<Page<Vpc>> parseDescribeVpcs(std::string_view xml);
Result<Page<TransitGateway>> parseDescribeTransitGateways(std::string_view xml);
Result<Page<TransitGatewayAttachment>> parseDescribeTransitGatewayAttachments(std::string_view xml);
Result<Page<TransitGatewayVpcAttachment>> parseDescribeTransitGatewayVpcAttachments(
    std::string_view xml);
Result<Page<TransitGatewayPeeringAttachment>> parseDescribeTransitGatewayPeeringAttachments(
    std::string_view xml);
Result<Page<TransitGatewayRouteTable>> parseDescribeTransitGatewayRouteTables(std::string_view xml);
Result<Page<TransitGatewayRouteTableAssociation>> parseGetTransitGatewayRouteTableAssociations(
    std::string_view xml);
Result<SearchTransitGatewayRoutesPage> parseSearchTransitGatewayRoutes(std::string_view xml);

// Responses of mutating calls (<ActionResponse><requestId/><return>true</return>
// or a <route> element): checks the document is the expected action's
// response and that <return>, when present, is not false.
Result<void> parseMutationResponse(std::string_view xml, std::string_view action);

}  // namespace tgwark::aws
