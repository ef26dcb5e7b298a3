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

class CountingEc2 final : public aws::Ec2Api {
 public:
  CountingEc2(std::shared_ptr<aws::Ec2Api> inner, std::shared_ptr<ApiCallCounter> counter)
      : inner_(std::move(inner)), counter_(std::move(counter)) {}

  const std::string& region() const override { return inner_->region(); }

  Result<std::vector<aws::RouteTable>> describeRouteTables(
      const aws::DescribeOptions& opts) override {
    counter_->record("DescribeRouteTables", false);
    return inner_->describeRouteTables(opts);
  }
  Result<aws::WriteAck> createRoute(const std::string& rt, const std::string& dest,
                                    const aws::RouteTarget& target,
                                    const aws::CallOptions& call) override {
    counter_->record("CreateRoute", true);
    return inner_->createRoute(rt, dest, target, call);
  }
  Result<aws::WriteAck> replaceRoute(const std::string& rt, const std::string& dest,
                                     const aws::RouteTarget& target,
                                     const aws::CallOptions& call) override {
    counter_->record("ReplaceRoute", true);
    return inner_->replaceRoute(rt, dest, target, call);
  }
  Result<aws::WriteAck> deleteRoute(const std::string& rt, const std::string& dest,
                                    const aws::CallOptions& call) override {
    counter_->record("DeleteRoute", true);
    return inner_->deleteRoute(rt, dest, call);
  }
  Result<std::vector<aws::NetworkInterface>> describeNetworkInterfaces(
      const aws::DescribeOptions& opts) override {
    counter_->record("DescribeNetworkInterfaces", false);
    return inner_->describeNetworkInterfaces(opts);
  }
  Result<aws::WriteAck> modifyNetworkInterfaceSourceDestCheck(
      const std::string& eni, bool enabled, const aws::CallOptions& call) override {
    counter_->record("ModifyNetworkInterfaceAttribute", true);
    return inner_->modifyNetworkInterfaceSourceDestCheck(eni, enabled, call);
  }
  Result<std::vector<aws::Vpc>> describeVpcs(const aws::DescribeOptions& opts) override {
    counter_->record("DescribeVpcs", false);
    return inner_->describeVpcs(opts);
  }
  Result<std::vector<aws::TransitGateway>> describeTransitGateways(
      const aws::DescribeOptions& opts) override {
    counter_->record("DescribeTransitGateways", false);
    return inner_->describeTransitGateways(opts);
  }
  Result<std::vector<aws::TransitGatewayAttachment>> describeTransitGatewayAttachments(
      const aws::DescribeOptions& opts) override {
    counter_->record("DescribeTransitGatewayAttachments", false);
    return inner_->describeTransitGatewayAttachments(opts);
  }
  Result<std::vector<aws::TransitGatewayVpcAttachment>> describeTransitGatewayVpcAttachments(
      const aws::DescribeOptions& opts) override {
    counter_->record("DescribeTransitGatewayVpcAttachments", false);
    return inner_->describeTransitGatewayVpcAttachments(opts);
  }
  Result<std::vector<aws::TransitGatewayPeeringAttachment>>
  describeTransitGatewayPeeringAttachments(const aws::DescribeOptions& opts) override {
    counter_->record("DescribeTransitGatewayPeeringAttachments", false);
    return inner_->describeTransitGatewayPeeringAttachments(opts);
  }
  Result<std::vector<aws::TransitGatewayRouteTable>> describeTransitGatewayRouteTables(
      const aws::DescribeOptions& opts) override {
    counter_->record("DescribeTransitGatewayRouteTables", false);
    return inner_->describeTransitGatewayRouteTables(opts);
  }
  Result<std::vector<aws::TransitGatewayRouteTableAssociation>>
  getTransitGatewayRouteTableAssociations(const std::string& table,
                                          const aws::DescribeOptions& opts) override {
    counter_->record("GetTransitGatewayRouteTableAssociations", false);
    return inner_->getTransitGatewayRouteTableAssociations(table, opts);
  }
  Result<aws::SearchTransitGatewayRoutesResult> searchTransitGatewayRoutes(
      const std::string& table, const std::vector<aws::Filter>& filters,
      std::optional<int> maxResults, const aws::CallOptions& call) override {
    counter_->record("SearchTransitGatewayRoutes", false);
    return inner_->searchTransitGatewayRoutes(table, filters, maxResults, call);
  }
  Result<aws::WriteAck> createTransitGatewayRoute(const std::string& table, const std::string& dest,
                                                  const std::string& attachmentId, bool blackhole,
                                                  const aws::CallOptions& call) override {
    counter_->record("CreateTransitGatewayRoute", true);
    return inner_->createTransitGatewayRoute(table, dest, attachmentId, blackhole, call);
  }
  Result<aws::WriteAck> replaceTransitGatewayRoute(const std::string& table,
                                                   const std::string& dest,
                                                   const std::string& attachmentId, bool blackhole,
                                                   const aws::CallOptions& call) override {
    counter_->record("ReplaceTransitGatewayRoute", true);
    return inner_->replaceTransitGatewayRoute(table, dest, attachmentId, blackhole, call);
  }
  Result<aws::WriteAck> deleteTransitGatewayRoute(const std::string& table, const std::string& dest,
                                                  const aws::CallOptions& call) override {
    counter_->record("DeleteTransitGatewayRoute", true);
    return inner_->deleteTransitGatewayRoute(table, dest, call);
  }

 private:
  std::shared_ptr<aws::Ec2Api> inner_;
  std::shared_ptr<ApiCallCounter> counter_;
};

}  // namespace

Ec2Factory countingFactory(Ec2Factory inner, std::shared_ptr<ApiCallCounter> counter) {
  return [inner = std::move(inner), counter = std::move(counter)](
             const std::string& region) -> Result<std::shared_ptr<aws::Ec2Api>> {
    // The inner factory's error goes through as it is: its category (a bad
    // endpoint is kInvalidConfig) is what the report shows.
    TGWARK_ASSIGN_OR_RETURN(auto api, apiFor(inner, region));
    return std::make_shared<CountingEc2>(std::move(api), counter);
  };
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
