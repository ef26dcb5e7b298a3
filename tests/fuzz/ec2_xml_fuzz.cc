// Every EC2 response parser over arbitrary bytes: whatever an endpoint, a
// proxy or a truncated connection hands back must end in a value or an Error,
// never a crash, a hang or undefined behaviour. The first byte picks the
// parser so one corpus covers them all.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "aws/aws_error.h"
#include "aws/ec2_xml.h"
#include "aws/http_client.h"

using namespace tgwark::aws;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view xml(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 13) {
    case 0: (void)parseDescribeRouteTables(xml); break;
    case 1: (void)parseDescribeNetworkInterfaces(xml); break;
    case 2: (void)parseDescribeVpcs(xml); break;
    case 3: (void)parseDescribeTransitGateways(xml); break;
    case 4: (void)parseDescribeTransitGatewayAttachments(xml); break;
    case 5: (void)parseDescribeTransitGatewayVpcAttachments(xml); break;
    case 6: (void)parseDescribeTransitGatewayPeeringAttachments(xml); break;
    case 7: (void)parseDescribeTransitGatewayRouteTables(xml); break;
    case 8: (void)parseGetTransitGatewayRouteTableAssociations(xml); break;
    case 9: (void)parseSearchTransitGatewayRoutes(xml); break;
    case 10: (void)parseMutationResponse(xml, "CreateRoute"); break;
    case 11: (void)parseMutationResponse(xml, "ReplaceTransitGatewayRoute"); break;
    default: (void)parseAwsError(HttpResponse{400, {}, std::string(xml)}); break;
  }
  return 0;
}
