// Ec2Client: the EC2 Query API of one region over an HttpClient. It encodes
// each call (POST / with Action=...&Version=2016-11-15, EC2 list naming),
// signs it with SigV4 for the client's region, retries transient failures
// (including answers it cannot parse, which are retried like a 5xx) within the
// caller's deadline under retry.h's policy and adaptive rate limiter, follows
// NextToken to the end and parses the XML into ec2_types.h structs. When EC2
// says the signing time is off and its Date header confirms a skew, the client
// signs with the server's time from then on (as the AWS SDKs do) and logs the
// skew once. Every HTTP call made is reported to an optional CallObserver
// (metrics, benchmark call counts).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "aws/credentials.h"
#include "aws/ec2_api.h"
#include "aws/endpoints.h"
#include "aws/http_client.h"
#include "aws/retry.h"
#include "common/clock.h"

namespace tgwark::aws {

class QueryParams;

// One EC2 API call (one page of a paginated Describe*), after its retries.
struct CallRecord {
  std::string_view region;
  std::string_view action;
  int attempts = 0;
  bool ok = false;
  // AWS error code of the final failure ("RequestLimitExceeded",
  // "Transport.Timeout", ...), the category name when there is no code, empty
  // on success. DryRunOperation is reported here too (ok == false).
  std::string_view errorCode;
  bool throttled = false;  // some attempt was throttled
  Millis latency{0};       // whole call including backoff, on the injected clock
};

class CallObserver {
 public:
  virtual ~CallObserver() = default;
  // Called from the calling thread; must be thread-safe.
  virtual void onCall(const CallRecord& record) = 0;
};

struct Ec2ClientOptions {
  // Timeout of one HTTP attempt (also bounded by the call's deadline); zero
  // uses the HttpClient's default.
  Millis attemptTimeout{20000};
  std::shared_ptr<CallObserver> observer;
  // Shared retry quota; by default each client (region) has its own.
  std::shared_ptr<RetryQuota> retryQuota;
  // Shared adaptive rate limiter; by default each client (region) has its own.
  std::shared_ptr<AdaptiveRateLimiter> rateLimiter;
  std::string userAgent = "tgwark/0.1";
};

class Ec2Client final : public Ec2Api {
 public:
  static constexpr std::string_view kApiVersion = "2016-11-15";

  Ec2Client(std::string region, Endpoint endpoint, std::shared_ptr<CredentialsProvider> credentials,
            std::shared_ptr<HttpClient> http, std::shared_ptr<Clock> clock,
            std::shared_ptr<Random> random, RetryOptions retry = {}, Ec2ClientOptions options = {});
  ~Ec2Client() override;

  const std::string& region() const override { return region_; }
  const Endpoint& endpoint() const { return endpoint_; }
  // How far the server's clock is ahead of the local one, as learnt from a
  // skew error's Date header; zero until then.
  Millis clockSkew() const { return Millis{skewMs_.load()}; }

  Result<std::vector<RouteTable>> describeRouteTables(const DescribeOptions& opts) override;
  Result<WriteAck> createRoute(const std::string& routeTableId, const std::string& destination,
                               const RouteTarget& target, const CallOptions& call = {}) override;
  Result<WriteAck> replaceRoute(const std::string& routeTableId, const std::string& destination,
                                const RouteTarget& target, const CallOptions& call = {}) override;
  Result<WriteAck> deleteRoute(const std::string& routeTableId, const std::string& destination,
                               const CallOptions& call = {}) override;
  Result<std::vector<NetworkInterface>> describeNetworkInterfaces(
      const DescribeOptions& opts) override;
  Result<WriteAck> modifyNetworkInterfaceSourceDestCheck(const std::string& networkInterfaceId,
                                                         bool enabled,
                                                         const CallOptions& call = {}) override;
  Result<std::vector<Vpc>> describeVpcs(const DescribeOptions& opts) override;
  Result<std::vector<TransitGateway>> describeTransitGateways(const DescribeOptions& opts) override;
  Result<std::vector<TransitGatewayAttachment>> describeTransitGatewayAttachments(
      const DescribeOptions& opts) override;
  Result<std::vector<TransitGatewayVpcAttachment>> describeTransitGatewayVpcAttachments(
      const DescribeOptions& opts) override;
  Result<std::vector<TransitGatewayPeeringAttachment>> describeTransitGatewayPeeringAttachments(
      const DescribeOptions& opts) override;
  Result<std::vector<TransitGatewayRouteTable>> describeTransitGatewayRouteTables(
      const DescribeOptions& opts) override;
  Result<std::vector<TransitGatewayRouteTableAssociation>> getTransitGatewayRouteTableAssociations(
      const std::string& transitGatewayRouteTableId, const DescribeOptions& opts) override;
  Result<SearchTransitGatewayRoutesResult> searchTransitGatewayRoutes(
      const std::string& transitGatewayRouteTableId, const std::vector<Filter>& filters,
      std::optional<int> maxResults, const CallOptions& call = {}) override;
  Result<WriteAck> createTransitGatewayRoute(const std::string& transitGatewayRouteTableId,
                                             const std::string& destination,
                                             const std::string& attachmentId, bool blackhole,
                                             const CallOptions& call = {}) override;
  Result<WriteAck> replaceTransitGatewayRoute(const std::string& transitGatewayRouteTableId,
                                              const std::string& destination,
                                              const std::string& attachmentId, bool blackhole,
                                              const CallOptions& call = {}) override;
  Result<WriteAck> deleteTransitGatewayRoute(const std::string& transitGatewayRouteTableId,
                                             const std::string& destination,
                                             const CallOptions& call = {}) override;

  // One signed, retried call; returns the body of the 2xx response. Public
  // so that callers needing an action not wrapped here can still use it.
  Result<std::string> call(const QueryParams& params, const CallOptions& options);

 private:
  // call() with `parse` applied to each 2xx body inside the retry loop, so
  // an answer that cannot be parsed is retried like any transient failure.
  template <class T>
  Result<T> callParsed(const QueryParams& params, const CallOptions& options,
                       const std::function<Result<T>(std::string_view)>& parse);
  // One signed HTTP exchange: the 2xx body or the parsed error.
  Result<std::string> sendOnce(std::string_view action, const std::string& body,
                               const AttemptContext& ctx);
  // Learns the clock skew from a skew error's Date header; true when the
  // signing clock was corrected (the request is then worth another try).
  bool correctClockSkew(const Error& error, const HttpResponse& response);
  void report(std::string_view action, MonoTime start, const RetryStats& stats,
              const Error* error) const;
  template <class T, class Parse>
  Result<std::vector<T>> describeAll(std::string_view action, std::string_view idName,
                                     const DescribeOptions& opts, Parse parse,
                                     const std::string* tableId = nullptr);
  Result<WriteAck> mutate(QueryParams& params, const CallOptions& options);
  void logFailure(std::string_view action, const Error& error) const;

  std::string region_;
  Endpoint endpoint_;
  std::shared_ptr<CredentialsProvider> credentials_;
  std::shared_ptr<HttpClient> http_;
  std::shared_ptr<Clock> clock_;
  RetryPolicy retry_;
  Ec2ClientOptions options_;
  std::atomic<Millis::rep> skewMs_{0};
};

}  // namespace tgwark::aws
