#include "engine/call_counter.h"

#include <utility>

#include <fmt/format.h>

namespace tgwark::engine {

void ApiCallCounter::record(const std::string& action, bool mutating) {
  std::lock_guard lock(mu_);
  ++counts_.byAction[action];
  ++(mutating ? counts_.writes : counts_.reads);
}

ApiCallCounts ApiCallCounter::snapshot() const {
  std::lock_guard lock(mu_);
  return counts_;
}

namespace {

// Counts each call (when given a counter) and reports each real answer to
// an AnswerWatch (when given one): a success, or a refusal the service made
// after processing the request. Throttling, 5xx and timeouts are not
// answers: a region giving only those is silent.
class CountingEc2 final : public aws::Ec2Api {
 public:
  CountingEc2(std::shared_ptr<aws::Ec2Api> inner, std::shared_ptr<ApiCallCounter> counter,
              std::shared_ptr<AnswerWatch> watch)
      : inner_(std::move(inner)), counter_(std::move(counter)), watch_(std::move(watch)) {}

  const std::string& region() const override { return inner_->region(); }

  Result<std::vector<aws::RouteTable>> describeRouteTables(
      const aws::DescribeOptions& opts) override {
    record("DescribeRouteTables", false);
    return seen(inner_->describeRouteTables(opts));
  }
  Result<aws::WriteAck> createRoute(const std::string& rt, const std::string& dest,
                                    const aws::RouteTarget& target,
                                    const aws::CallOptions& call) override {
    record("CreateRoute", true);
    return seen(inner_->createRoute(rt, dest, target, call));
  }
  Result<aws::WriteAck> replaceRoute(const std::string& rt, const std::string& dest,
                                     const aws::RouteTarget& target,
                                     const aws::CallOptions& call) override {
    record("ReplaceRoute", true);
    return seen(inner_->replaceRoute(rt, dest, target, call));
  }
  Result<aws::WriteAck> deleteRoute(const std::string& rt, const std::string& dest,
                                    const aws::CallOptions& call) override {
    record("DeleteRoute", true);
    return seen(inner_->deleteRoute(rt, dest, call));
  }
  Result<std::vector<aws::NetworkInterface>> describeNetworkInterfaces(
      const aws::DescribeOptions& opts) override {
    record("DescribeNetworkInterfaces", false);
    return seen(inner_->describeNetworkInterfaces(opts));
  }
  Result<aws::WriteAck> modifyNetworkInterfaceSourceDestCheck(
      const std::string& eni, bool enabled, const aws::CallOptions& call) override {
    record("ModifyNetworkInterfaceAttribute", true);
    return seen(inner_->modifyNetworkInterfaceSourceDestCheck(eni, enabled, call));
  }
  Result<std::vector<aws::Vpc>> describeVpcs(const aws::DescribeOptions& opts) override {
    record("DescribeVpcs", false);
    return seen(inner_->describeVpcs(opts));
  }
  Result<std::vector<aws::TransitGateway>> describeTransitGateways(
      const aws::DescribeOptions& opts) override {
    record("DescribeTransitGateways", false);
    return seen(inner_->describeTransitGateways(opts));
  }
  Result<std::vector<aws::TransitGatewayAttachment>> describeTransitGatewayAttachments(
      const aws::DescribeOptions& opts) override {
    record("DescribeTransitGatewayAttachments", false);
    return seen(inner_->describeTransitGatewayAttachments(opts));
  }
  Result<std::vector<aws::TransitGatewayVpcAttachment>> describeTransitGatewayVpcAttachments(
      const aws::DescribeOptions& opts) override {
    record("DescribeTransitGatewayVpcAttachments", false);
    return seen(inner_->describeTransitGatewayVpcAttachments(opts));
  }
  Result<std::vector<aws::TransitGatewayPeeringAttachment>>
  describeTransitGatewayPeeringAttachments(const aws::DescribeOptions& opts) override {
    record("DescribeTransitGatewayPeeringAttachments", false);
    return seen(inner_->describeTransitGatewayPeeringAttachments(opts));
  }
  Result<std::vector<aws::TransitGatewayRouteTable>> describeTransitGatewayRouteTables(
      const aws::DescribeOptions& opts) override {
    record("DescribeTransitGatewayRouteTables", false);
    return seen(inner_->describeTransitGatewayRouteTables(opts));
  }
  Result<std::vector<aws::TransitGatewayRouteTableAssociation>>
  getTransitGatewayRouteTableAssociations(const std::string& table,
                                          const aws::DescribeOptions& opts) override {
    record("GetTransitGatewayRouteTableAssociations", false);
    return seen(inner_->getTransitGatewayRouteTableAssociations(table, opts));
  }
  Result<aws::SearchTransitGatewayRoutesResult> searchTransitGatewayRoutes(
      const std::string& table, const std::vector<aws::Filter>& filters,
      std::optional<int> maxResults, const aws::CallOptions& call) override {
    record("SearchTransitGatewayRoutes", false);
    return seen(inner_->searchTransitGatewayRoutes(table, filters, maxResults, call));
  }
  Result<aws::WriteAck> createTransitGatewayRoute(const std::string& table, const std::string& dest,
                                                  const std::string& attachmentId, bool blackhole,
                                                  const aws::CallOptions& call) override {
    record("CreateTransitGatewayRoute", true);
    return seen(inner_->createTransitGatewayRoute(table, dest, attachmentId, blackhole, call));
  }
  Result<aws::WriteAck> replaceTransitGatewayRoute(const std::string& table,
                                                   const std::string& dest,
                                                   const std::string& attachmentId, bool blackhole,
                                                   const aws::CallOptions& call) override {
    record("ReplaceTransitGatewayRoute", true);
    return seen(inner_->replaceTransitGatewayRoute(table, dest, attachmentId, blackhole, call));
  }
  Result<aws::WriteAck> deleteTransitGatewayRoute(const std::string& table, const std::string& dest,
                                                  const aws::CallOptions& call) override {
    record("DeleteTransitGatewayRoute", true);
    return seen(inner_->deleteTransitGatewayRoute(table, dest, call));
  }

 private:
  void record(const std::string& action, bool mutating) {
    if (counter_) counter_->record(action, mutating);
  }
  template <typename T>
  Result<T> seen(Result<T> result) {
    if (watch_ && (result || (result.error().httpStatus > 0 && !result.error().retryable())))
      watch_->answered();
    return result;
  }

  std::shared_ptr<aws::Ec2Api> inner_;
  std::shared_ptr<ApiCallCounter> counter_;
  std::shared_ptr<AnswerWatch> watch_;
};

Ec2Factory wrapFactory(Ec2Factory inner, std::shared_ptr<ApiCallCounter> counter,
                       std::shared_ptr<AnswerWatch> watch) {
  return [inner = std::move(inner), counter = std::move(counter), watch = std::move(watch)](
             const std::string& region) -> Result<std::shared_ptr<aws::Ec2Api>> {
    // The inner factory's error goes through as it is: its category (a bad
    // endpoint is kInvalidConfig) is what the report shows.
    TGWARK_ASSIGN_OR_RETURN(auto api, apiFor(inner, region));
    return std::make_shared<CountingEc2>(std::move(api), counter, watch);
  };
}

}  // namespace

Ec2Factory countingFactory(Ec2Factory inner, std::shared_ptr<ApiCallCounter> counter) {
  return wrapFactory(std::move(inner), std::move(counter), nullptr);
}

Ec2Factory watchedFactory(Ec2Factory inner, const Deadline& deadline) {
  if (!deadline.quiet) return inner;
  return wrapFactory(std::move(inner), nullptr, deadline.quiet);
}

Result<std::shared_ptr<aws::Ec2Api>> apiFor(const Ec2Factory& factory, const std::string& region) {
  if (!factory) {
    return makeError(ErrorCategory::kInternal, "no EC2 client for region '" + region + "'");
  }
  TGWARK_ASSIGN_OR_RETURN(auto api, factory(region));
  if (!api) {
    return makeError(ErrorCategory::kInternal, "no EC2 client for region '" + region + "'");
  }
  return api;
}

Error deadlineError(std::string_view what) {
  return Error{
      ErrorCategory::kDeadlineExceeded, "deadline exceeded before " + std::string(what), {}, {}, 0};
}

std::string callsText(const ApiCallCounts& calls) {
  std::string parts;
  for (const auto& [action, n] : calls.byAction) {
    parts += fmt::format("{}{} {}", parts.empty() ? "" : ", ", n, action);
  }
  return fmt::format("{} API calls ({} reads, {} writes){}{}", calls.total(), calls.reads,
                     calls.writes, parts.empty() ? "" : ": ", parts);
}

}  // namespace tgwark::engine
