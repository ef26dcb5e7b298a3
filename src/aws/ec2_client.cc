#include "aws/ec2_client.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <unordered_set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "aws/aws_error.h"
#include "aws/credentials.h"
#include "aws/ec2_xml.h"
#include "aws/iso8601.h"
#include "aws/query_encoding.h"
#include "aws/sigv4.h"

namespace tgwark::aws {
namespace {

constexpr std::string_view kContentType = "application/x-www-form-urlencoded; charset=utf-8";
// A server that keeps answering with new tokens would otherwise loop forever.
constexpr int kMaxPages = 10000;

bool isIpv6(std::string_view cidr) {
  return cidr.find(':') != std::string_view::npos;
}

void addCallOptions(QueryParams& params, const CallOptions& call) {
  if (call.dryRun) params.addBool("DryRun", true);
}

Result<void> addRouteTarget(QueryParams& params, const RouteTarget& target) {
  bool eni = !target.networkInterfaceId.empty();
  bool tgw = !target.transitGatewayId.empty();
  if (eni == tgw) {
    return makeError(ErrorCategory::kInvalid,
                     "a route target needs exactly one of networkInterfaceId / transitGatewayId");
  }
  if (eni) {
    params.add("NetworkInterfaceId", target.networkInterfaceId);
  } else {
    params.add("TransitGatewayId", target.transitGatewayId);
  }
  return {};
}

}  // namespace

Ec2Client::Ec2Client(std::string region, Endpoint endpoint,
                     std::shared_ptr<CredentialsProvider> credentials,
                     std::shared_ptr<HttpClient> http, std::shared_ptr<Clock> clock,
                     std::shared_ptr<Random> random, RetryOptions retry, Ec2ClientOptions options)
    : region_(std::move(region)),
      endpoint_(std::move(endpoint)),
      credentials_(std::move(credentials)),
      http_(std::move(http)),
      clock_(clock),
      retry_(retry, std::move(clock), std::move(random), options.retryQuota),
      options_(std::move(options)) {
  // The signing region is the resource's region whatever the endpoint says.
  endpoint_.signingRegion = region_;
  if (!options_.rateLimiter) options_.rateLimiter = std::make_shared<AdaptiveRateLimiter>();
}

Ec2Client::~Ec2Client() = default;

void Ec2Client::logFailure(std::string_view action, const Error& error) const {
  // Expected outcomes (a permitted DryRun, absence) are not worth a warning.
  // Missing credentials fail every region's first call alike and the action
  // reports that error itself: a warning per region would only bury it.
  if (isDryRunSuccess(error) || error.category == ErrorCategory::kNotFound ||
      error.awsCode == kNoCredentialsCode) {
    spdlog::debug("EC2 {} {}: {}", region_, action, error.describe());
  } else {
    spdlog::warn("EC2 {} {}: {}", region_, action, error.describe());
  }
}

bool Ec2Client::correctClockSkew(const Error& error, const HttpResponse& response) {
  // Below this a skew error has another cause (EC2 tolerates minutes).
  constexpr auto kThreshold = std::chrono::minutes{4};
  if (!isClockSkewCandidate(error)) return false;
  auto serverTime = parseHttpDate(findHeader(response.headers, "Date"));
  if (!serverTime) return false;
  const WallTime signedAt = clock_->now() + Millis{skewMs_.load()};
  const auto off = std::chrono::duration_cast<Millis>(*serverTime - signedAt);
  if (std::chrono::abs(off) < kThreshold) return false;
  const auto skew = std::chrono::duration_cast<Millis>(*serverTime - clock_->now());
  skewMs_.store(skew.count());
  // One node, one clock: every region's client learns the same skew, and
  // one warning per process says it (the others go to the debug log).
  static std::atomic<bool> warned{false};
  if (!warned.exchange(true)) {
    spdlog::warn(
        "EC2 {}: this node's clock is {} s {} EC2's (answer {}, Date: {}); signing with EC2's time "
        "from now on. Fix the node's time synchronisation (chrony/NTP).",
        region_, std::abs(skew.count()) / 1000, skew.count() > 0 ? "behind" : "ahead of",
        error.awsCode, findHeader(response.headers, "Date"));
  } else {
    spdlog::debug("EC2 {}: clock skew {} ms learnt from {}", region_, skew.count(), error.awsCode);
  }
  return true;
}

Result<std::string> Ec2Client::sendOnce(std::string_view action, const std::string& body,
                                        const AttemptContext& ctx) {
  if (ctx.credentialsExpired) {
    // AWS says the credentials expired although the cache thought them
    // fresh (clock skew, revoked session): drop the cached copy.
    credentials_->invalidate();
  }
  auto credentials = credentials_->getCredentials();
  if (!credentials) {
    Error error = credentials.error();
    // No credentials at all: no request can be authorised, and retrying
    // will not find any (the chain already said which sources it tried).
    if (error.category == ErrorCategory::kNotFound) error.category = ErrorCategory::kPermission;
    return std::unexpected(std::move(error));
  }
  if (!options_.rateLimiter->acquire(*clock_, ctx.deadline)) {
    return makeError(ErrorCategory::kDeadlineExceeded,
                     fmt::format("deadline passed before {} attempt {} could be sent (client-side "
                                 "rate limit after throttling)",
                                 action, ctx.attempt));
  }
  HttpRequest request;
  request.method = "POST";
  request.url = endpoint_.url + "/";
  request.headers.emplace_back("Content-Type", std::string(kContentType));
  request.headers.emplace_back("User-Agent", options_.userAgent);
  request.body = body;
  request.timeout = options_.attemptTimeout;
  if (ctx.deadline) {
    auto remaining = std::chrono::duration_cast<Millis>(*ctx.deadline - clock_->monotonic());
    if (remaining.count() <= 0) {
      return makeError(ErrorCategory::kDeadlineExceeded,
                       fmt::format("deadline passed before {} attempt {}", action, ctx.attempt));
    }
    if (request.timeout.count() == 0 || remaining < request.timeout) request.timeout = remaining;
  }
  sigv4::SigningParams signing;
  signing.region = region_;
  signing.service = "ec2";
  signing.time = clock_->now() + Millis{skewMs_.load()};
  TGWARK_RETURN_IF_ERROR(sigv4::sign(request, *credentials, signing));
  auto response = http_->send(request);
  if (!response) {
    spdlog::debug("EC2 {} {} attempt {}: {}", region_, action, ctx.attempt,
                  response.error().describe());
    return std::unexpected(response.error());
  }
  if (response->status >= 200 && response->status < 300) {
    options_.rateLimiter->onAnswer(false, *clock_);
    return std::move(response->body);
  }
  // An answer may echo the request; whatever it quotes of these is masked.
  const std::array<std::string_view, 3> secrets = {credentials->accessKeyId,
                                                   credentials->secretAccessKey.reveal(),
                                                   credentials->sessionToken.reveal()};
  Error error = parseAwsError(*response, secrets);
  options_.rateLimiter->onAnswer(error.category == ErrorCategory::kThrottled, *clock_);
  if (correctClockSkew(error, *response)) {
    error.category = ErrorCategory::kRetryable;
    error.message = "signing clock corrected after: " + error.message;
  }
  spdlog::debug("EC2 {} {} attempt {}: {}", region_, action, ctx.attempt, error.describe());
  return std::unexpected(std::move(error));
}

void Ec2Client::report(std::string_view action, MonoTime start, const RetryStats& stats,
                       const Error* error) const {
  if (error) logFailure(action, *error);
  if (!options_.observer) return;
  std::string code;
  if (error) {
    code = error->awsCode.empty() ? std::string(categoryName(error->category)) : error->awsCode;
  }
  CallRecord record;
  record.region = region_;
  record.action = action;
  record.attempts = stats.attempts;
  record.ok = error == nullptr;
  record.errorCode = code;
  record.throttled = stats.throttled;
  record.latency = std::chrono::duration_cast<Millis>(clock_->monotonic() - start);
  options_.observer->onCall(record);
}

template <class T>
Result<T> Ec2Client::callParsed(const QueryParams& params, const CallOptions& options,
                                const std::function<Result<T>(std::string_view)>& parse) {
  std::string action(params.get("Action"));
  std::string body = params.encode();
  MonoTime start = clock_->monotonic();
  AttemptFn<T> attempt = [&](const AttemptContext& ctx) -> Result<T> {
    TGWARK_ASSIGN_OR_RETURN(const std::string text, sendOnce(action, body, ctx));
    return parse(text);
  };
  RetryStats stats;
  Result<T> result = retry_.run(options.deadline, attempt, &stats, options.maxAttempts);
  report(action, start, stats, result ? nullptr : &result.error());
  return result;
}

Result<std::string> Ec2Client::call(const QueryParams& params, const CallOptions& options) {
  return callParsed<std::string>(params, options, [](std::string_view text) -> Result<std::string> {
    return std::string(text);
  });
}

template <class T, class Parse>
Result<std::vector<T>> Ec2Client::describeAll(std::string_view action, std::string_view idName,
                                              const DescribeOptions& opts, Parse parse,
                                              const std::string* tableId) {
  std::vector<T> all;
  std::string token;
  std::unordered_set<std::string> seenTokens;
  for (int page = 0; page < kMaxPages; ++page) {
    QueryParams params(action, kApiVersion);
    if (tableId != nullptr) params.add("TransitGatewayRouteTableId", *tableId);
    if (!idName.empty()) params.addList(idName, opts.ids);
    params.addFilters(opts.filters);
    if (opts.maxResults) params.addInt("MaxResults", *opts.maxResults);
    if (!token.empty()) params.add("NextToken", token);
    addCallOptions(params, opts.call);

    auto parsed = callParsed<Page<T>>(params, opts.call, parse);
    // A permitted DryRun returns no data: an empty answer, not an error.
    if (!parsed && opts.call.dryRun && isDryRunSuccess(parsed.error())) return all;
    TGWARK_RETURN_IF_ERROR(parsed);
    std::move(parsed->items.begin(), parsed->items.end(), std::back_inserter(all));
    token = std::move(parsed->nextToken);
    if (token.empty()) return all;
    if (!seenTokens.insert(token).second) {
      return makeError(ErrorCategory::kInvalid,
                       fmt::format("{} returned the same NextToken twice; stopping", action), {},
                       parsed->requestId);
    }
  }
  return makeError(ErrorCategory::kInvalid,
                   fmt::format("{} still had more pages after {}", action, kMaxPages));
}

Result<WriteAck> Ec2Client::mutate(QueryParams& params, const CallOptions& options) {
  addCallOptions(params, options);
  const std::string action(params.get("Action"));
  auto ack = callParsed<WriteAck>(params, options, [&](std::string_view text) -> Result<WriteAck> {
    TGWARK_RETURN_IF_ERROR(parseMutationResponse(text, action));
    return WriteAck{};
  });
  // EC2 answers a DryRun request with an error response whatever its
  // verdict; the verdict is the answer the caller asked for.
  if (!ack && options.dryRun) return dryRunAnswer(std::move(ack).error());
  return ack;
}

Result<std::vector<RouteTable>> Ec2Client::describeRouteTables(const DescribeOptions& opts) {
  return describeAll<RouteTable>("DescribeRouteTables", "RouteTableId", opts,
                                 parseDescribeRouteTables);
}

Result<WriteAck> Ec2Client::createRoute(const std::string& routeTableId,
                                        const std::string& destination, const RouteTarget& target,
                                        const CallOptions& call) {
  QueryParams params("CreateRoute", kApiVersion);
  params.add("RouteTableId", routeTableId);
  params.add(isIpv6(destination) ? "DestinationIpv6CidrBlock" : "DestinationCidrBlock",
             destination);
  TGWARK_RETURN_IF_ERROR(addRouteTarget(params, target));
  return mutate(params, call);
}

Result<WriteAck> Ec2Client::replaceRoute(const std::string& routeTableId,
                                         const std::string& destination, const RouteTarget& target,
                                         const CallOptions& call) {
  QueryParams params("ReplaceRoute", kApiVersion);
  params.add("RouteTableId", routeTableId);
  params.add(isIpv6(destination) ? "DestinationIpv6CidrBlock" : "DestinationCidrBlock",
             destination);
  TGWARK_RETURN_IF_ERROR(addRouteTarget(params, target));
  return mutate(params, call);
}

Result<WriteAck> Ec2Client::deleteRoute(const std::string& routeTableId,
                                        const std::string& destination, const CallOptions& call) {
  QueryParams params("DeleteRoute", kApiVersion);
  params.add("RouteTableId", routeTableId);
  params.add(isIpv6(destination) ? "DestinationIpv6CidrBlock" : "DestinationCidrBlock",
             destination);
  return mutate(params, call);
}

Result<std::vector<NetworkInterface>> Ec2Client::describeNetworkInterfaces(
    const DescribeOptions& opts) {
  // EC2 rejects MaxResults together with NetworkInterfaceId.N; a list of
  // ids bounds the answer anyway.
  DescribeOptions effective = opts;
  if (!effective.ids.empty()) effective.maxResults.reset();
  return describeAll<NetworkInterface>("DescribeNetworkInterfaces", "NetworkInterfaceId", effective,
                                       parseDescribeNetworkInterfaces);
}

Result<WriteAck> Ec2Client::modifyNetworkInterfaceSourceDestCheck(
    const std::string& networkInterfaceId, bool enabled, const CallOptions& call) {
  QueryParams params("ModifyNetworkInterfaceAttribute", kApiVersion);
  params.add("NetworkInterfaceId", networkInterfaceId);
  params.addBool("SourceDestCheck.Value", enabled);
  return mutate(params, call);
}

Result<std::vector<Vpc>> Ec2Client::describeVpcs(const DescribeOptions& opts) {
  return describeAll<Vpc>("DescribeVpcs", "VpcId", opts, parseDescribeVpcs);
}

Result<std::vector<TransitGateway>> Ec2Client::describeTransitGateways(
    const DescribeOptions& opts) {
  return describeAll<TransitGateway>("DescribeTransitGateways", "TransitGatewayIds", opts,
                                     parseDescribeTransitGateways);
}

Result<std::vector<TransitGatewayAttachment>> Ec2Client::describeTransitGatewayAttachments(
    const DescribeOptions& opts) {
  return describeAll<TransitGatewayAttachment>("DescribeTransitGatewayAttachments",
                                               "TransitGatewayAttachmentIds", opts,
                                               parseDescribeTransitGatewayAttachments);
}

Result<std::vector<TransitGatewayVpcAttachment>> Ec2Client::describeTransitGatewayVpcAttachments(
    const DescribeOptions& opts) {
  return describeAll<TransitGatewayVpcAttachment>("DescribeTransitGatewayVpcAttachments",
                                                  "TransitGatewayAttachmentIds", opts,
                                                  parseDescribeTransitGatewayVpcAttachments);
}

Result<std::vector<TransitGatewayPeeringAttachment>>
Ec2Client::describeTransitGatewayPeeringAttachments(const DescribeOptions& opts) {
  return describeAll<TransitGatewayPeeringAttachment>(
      "DescribeTransitGatewayPeeringAttachments", "TransitGatewayAttachmentIds", opts,
      parseDescribeTransitGatewayPeeringAttachments);
}

Result<std::vector<TransitGatewayRouteTable>> Ec2Client::describeTransitGatewayRouteTables(
    const DescribeOptions& opts) {
  return describeAll<TransitGatewayRouteTable>("DescribeTransitGatewayRouteTables",
                                               "TransitGatewayRouteTableIds", opts,
                                               parseDescribeTransitGatewayRouteTables);
}

Result<std::vector<TransitGatewayRouteTableAssociation>>
Ec2Client::getTransitGatewayRouteTableAssociations(const std::string& transitGatewayRouteTableId,
                                                   const DescribeOptions& opts) {
  return describeAll<TransitGatewayRouteTableAssociation>(
      "GetTransitGatewayRouteTableAssociations", "", opts,
      parseGetTransitGatewayRouteTableAssociations, &transitGatewayRouteTableId);
}

Result<SearchTransitGatewayRoutesResult> Ec2Client::searchTransitGatewayRoutes(
    const std::string& transitGatewayRouteTableId, const std::vector<Filter>& filters,
    std::optional<int> maxResults, const CallOptions& call) {
  SearchTransitGatewayRoutesResult all;
  std::string token;
  std::unordered_set<std::string> seenTokens;
  for (int page = 0; page < kMaxPages; ++page) {
    QueryParams params("SearchTransitGatewayRoutes", kApiVersion);
    params.add("TransitGatewayRouteTableId", transitGatewayRouteTableId);
    params.addFilters(filters);
    if (maxResults) params.addInt("MaxResults", *maxResults);
    if (!token.empty()) params.add("NextToken", token);
    addCallOptions(params, call);
    auto answer =
        callParsed<SearchTransitGatewayRoutesPage>(params, call, parseSearchTransitGatewayRoutes);
    if (!answer && call.dryRun && isDryRunSuccess(answer.error())) return all;
    TGWARK_ASSIGN_OR_RETURN(auto parsed, std::move(answer));
    std::move(parsed.result.routes.begin(), parsed.result.routes.end(),
              std::back_inserter(all.routes));
    // Without a NextToken, additionalRoutesAvailable says the result was cut
    // at MaxResults and cannot be continued: the caller must narrow filters.
    all.additionalRoutesAvailable = parsed.result.additionalRoutesAvailable;
    token = std::move(parsed.nextToken);
    if (token.empty()) return all;
    if (!seenTokens.insert(token).second) {
      return makeError(ErrorCategory::kInvalid,
                       "SearchTransitGatewayRoutes returned the same NextToken twice; stopping", {},
                       parsed.requestId);
    }
  }
  return makeError(ErrorCategory::kInvalid, "SearchTransitGatewayRoutes had too many pages");
}

namespace {

Result<void> addTgwTarget(QueryParams& params, const std::string& attachmentId, bool blackhole) {
  if (blackhole == !attachmentId.empty()) {
    return makeError(ErrorCategory::kInvalid,
                     "a transit gateway route needs exactly one of an attachment or blackhole");
  }
  if (blackhole) {
    params.addBool("Blackhole", true);
  } else {
    params.add("TransitGatewayAttachmentId", attachmentId);
  }
  return {};
}

}  // namespace

Result<WriteAck> Ec2Client::createTransitGatewayRoute(const std::string& transitGatewayRouteTableId,
                                                      const std::string& destination,
                                                      const std::string& attachmentId,
                                                      bool blackhole, const CallOptions& call) {
  QueryParams params("CreateTransitGatewayRoute", kApiVersion);
  params.add("TransitGatewayRouteTableId", transitGatewayRouteTableId);
  // TGW routes name IPv4 and IPv6 prefixes alike DestinationCidrBlock.
  params.add("DestinationCidrBlock", destination);
  TGWARK_RETURN_IF_ERROR(addTgwTarget(params, attachmentId, blackhole));
  return mutate(params, call);
}

Result<WriteAck> Ec2Client::replaceTransitGatewayRoute(
    const std::string& transitGatewayRouteTableId, const std::string& destination,
    const std::string& attachmentId, bool blackhole, const CallOptions& call) {
  QueryParams params("ReplaceTransitGatewayRoute", kApiVersion);
  params.add("TransitGatewayRouteTableId", transitGatewayRouteTableId);
  params.add("DestinationCidrBlock", destination);
  TGWARK_RETURN_IF_ERROR(addTgwTarget(params, attachmentId, blackhole));
  return mutate(params, call);
}

Result<WriteAck> Ec2Client::deleteTransitGatewayRoute(const std::string& transitGatewayRouteTableId,
                                                      const std::string& destination,
                                                      const CallOptions& call) {
  QueryParams params("DeleteTransitGatewayRoute", kApiVersion);
  params.add("TransitGatewayRouteTableId", transitGatewayRouteTableId);
  params.add("DestinationCidrBlock", destination);
  return mutate(params, call);
}

}  // namespace tgwark::aws
