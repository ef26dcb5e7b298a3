// The EC2 seam: one object per region exposing the typed calls tgwark makes.
// Ec2Client (ec2_client.h) implements it over the Query API; engine tests use
// fakes. Describe* calls follow NextToken to the end unless a page size is
// given and `singlePage` is set. With CallOptions::dryRun, a mutating call
// answers with a WriteAck carrying the DryRun verdict; a read answers a
// permitted DryRun with an empty result (EC2 returns no data for one) and a
// denied one with the kPermission error a real read would get.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "aws/ec2_types.h"
#include "common/clock.h"
#include "common/error.h"

namespace tgwark::aws {

struct CallOptions {
  bool dryRun = false;
  // Absolute deadline for the whole call including retries; nullopt = none.
  std::optional<MonoTime> deadline;
  // Caps this call's attempts (including the first) when > 0, below any cap
  // of the client's: for a question that wants a prompt answer (is the
  // endpoint healthy?), not the action's whole budget of retries.
  int maxAttempts = 0;
};

struct DescribeOptions {
  std::vector<std::string> ids;
  std::vector<Filter> filters;
  std::optional<int> maxResults;  // page size sent to EC2
  CallOptions call;
};

// True when an error is EC2's answer to a permitted DryRun request.
bool isDryRunSuccess(const Error& error);

// True for EC2's "this identity may not do that" (UnauthorizedOperation and
// the AccessDenied family), as opposed to credentials EC2 does not accept.
bool isAuthorizationDenial(const Error& error);

// EC2's verdict on a request sent with CallOptions::dryRun. Nothing changes
// either way and both verdicts answer the question asked (may we?), so they
// are values, not errors.
struct DryRunVerdict {
  bool permitted = false;
  Error denial;  // when !permitted: EC2's answer (code, message, request id)
};

// What a mutating call achieved.
struct WriteAck {
  // nullopt: EC2 made the change. Set when the request carried DryRun and
  // EC2 honoured it. An endpoint that ignores DryRun makes the change and
  // answers as for a real write, so callers can tell that apart.
  std::optional<DryRunVerdict> dryRun;
};

// Folds EC2's error answer to a DryRun mutating request into a WriteAck:
// DryRunOperation is "permitted", an authorization denial is "denied";
// anything else (a bad id, a throttle, bad credentials) stays an error.
Result<WriteAck> dryRunAnswer(Error error);

class Ec2Api {
 public:
  virtual ~Ec2Api() = default;
  virtual const std::string& region() const = 0;

  virtual Result<std::vector<RouteTable>> describeRouteTables(const DescribeOptions& opts) = 0;
  // destination: an IPv4 or IPv6 CIDR; the client picks DestinationCidrBlock or
  // DestinationIpv6CidrBlock from its form.
  virtual Result<WriteAck> createRoute(const std::string& routeTableId,
                                       const std::string& destination, const RouteTarget& target,
                                       const CallOptions& call = {}) = 0;
  virtual Result<WriteAck> replaceRoute(const std::string& routeTableId,
                                        const std::string& destination, const RouteTarget& target,
                                        const CallOptions& call = {}) = 0;
  virtual Result<WriteAck> deleteRoute(const std::string& routeTableId,
                                       const std::string& destination,
                                       const CallOptions& call = {}) = 0;

  virtual Result<std::vector<NetworkInterface>> describeNetworkInterfaces(
      const DescribeOptions& opts) = 0;
  virtual Result<WriteAck> modifyNetworkInterfaceSourceDestCheck(
      const std::string& networkInterfaceId, bool enabled, const CallOptions& call = {}) = 0;
  virtual Result<std::vector<Vpc>> describeVpcs(const DescribeOptions& opts) = 0;

  virtual Result<std::vector<TransitGateway>> describeTransitGateways(
      const DescribeOptions& opts) = 0;
  virtual Result<std::vector<TransitGatewayAttachment>> describeTransitGatewayAttachments(
      const DescribeOptions& opts) = 0;
  virtual Result<std::vector<TransitGatewayVpcAttachment>> describeTransitGatewayVpcAttachments(
      const DescribeOptions& opts) = 0;
  virtual Result<std::vector<TransitGatewayPeeringAttachment>>
  describeTransitGatewayPeeringAttachments(const DescribeOptions& opts) = 0;
  virtual Result<std::vector<TransitGatewayRouteTable>> describeTransitGatewayRouteTables(
      const DescribeOptions& opts) = 0;
  // opts.ids is ignored; the table is the first argument.
  virtual Result<std::vector<TransitGatewayRouteTableAssociation>>
  getTransitGatewayRouteTableAssociations(const std::string& transitGatewayRouteTableId,
                                          const DescribeOptions& opts) = 0;
  virtual Result<SearchTransitGatewayRoutesResult> searchTransitGatewayRoutes(
      const std::string& transitGatewayRouteTableId, const std::vector<Filter>& filters,
      std::optional<int> maxResults, const CallOptions& call = {}) = 0;
  // Exactly one of attachmentId / blackhole.
  virtual Result<WriteAck> createTransitGatewayRoute(const std::string& transitGatewayRouteTableId,
                                                     const std::string& destination,
                                                     const std::string& attachmentId,
                                                     bool blackhole,
                                                     const CallOptions& call = {}) = 0;
  virtual Result<WriteAck> replaceTransitGatewayRoute(const std::string& transitGatewayRouteTableId,
                                                      const std::string& destination,
                                                      const std::string& attachmentId,
                                                      bool blackhole,
                                                      const CallOptions& call = {}) = 0;
  virtual Result<WriteAck> deleteTransitGatewayRoute(const std::string& transitGatewayRouteTableId,
                                                     const std::string& destination,
                                                     const CallOptions& call = {}) = 0;
};

}  // namespace tgwark::aws
