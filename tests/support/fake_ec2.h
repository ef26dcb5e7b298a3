// In-memory EC2 for engine unit tests: one FakeCloud holds every region's
// VPCs, route tables, ENIs, TGWs, attachments (peerings visible from both
// sides) and TGW route tables; api(region) hands out an aws::Ec2Api bound to
// one region, answering the way EC2 does for the calls tgwark makes (id lists
// fail with *.NotFound, filters do not; Create on an existing route is
// RouteAlreadyExists, Replace on a missing one InvalidRoute.NotFound, both
// kStale; a DryRun write answers with a "permitted" verdict). Every call is logged and counted; an
// interceptor can fail calls or change the world between calls. Thread-safe.
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "aws/ec2_api.h"
#include "model/net.h"

namespace tgwark::testing {

struct FakeCall {
  std::string region;
  std::string action;    // EC2 action name: "ReplaceRoute"
  std::string resource;  // table / ENI id for per-resource calls, else empty
  std::string destination;
  bool dryRun = false;
  bool mutating = false;
};

inline Error fakeAwsError(ErrorCategory category, std::string code, std::string message,
                          int status = 400) {
  return Error{category, std::move(message), std::move(code), "fake-request-id", status};
}

class FakeCloud : public std::enable_shared_from_this<FakeCloud> {
 public:
  // Returns an error to fail the call with, or nullopt to let it proceed.
  // Called without the cloud's lock held, so it may modify the cloud.
  using Interceptor = std::function<std::optional<Error>(const FakeCall&)>;

  // ---- building the world ------------------------------------------------------
  void addVpc(const std::string& region, const std::string& vpcId, const std::string& cidr,
              std::vector<std::string> ipv6 = {}) {
    std::lock_guard lock(mu_);
    aws::Vpc vpc;
    vpc.vpcId = vpcId;
    vpc.state = "available";
    vpc.ownerId = "111122223333";
    vpc.cidrBlock = cidr;
    vpc.cidrBlocks = {cidr};
    vpc.ipv6CidrBlocks = std::move(ipv6);
    vpcs_[vpcId] = {region, vpc};
  }
  // Adds the table with its local route for the VPC's CIDR.
  void addRouteTable(const std::string& region, const std::string& rtbId, const std::string& vpcId,
                     bool main = false) {
    std::lock_guard lock(mu_);
    aws::RouteTable rt;
    rt.routeTableId = rtbId;
    rt.vpcId = vpcId;
    rt.ownerId = "111122223333";
    if (auto v = vpcs_.find(vpcId); v != vpcs_.end()) {
      aws::Route local;
      local.destinationCidrBlock = v->second.second.cidrBlock;
      local.gatewayId = "local";
      local.state = "active";
      local.origin = "CreateRouteTable";
      rt.routes.push_back(local);
    }
    if (main)
      rt.associations.push_back(
          aws::RouteTableAssociation{"rtbassoc-" + rtbId.substr(4), rtbId, "", "", true});
    rtbs_[rtbId] = {region, rt};
  }
  // target: "eni-...", "tgw-...", "igw-...", "local"
  void addRoute(const std::string& rtbId, const std::string& dest, const std::string& target,
                const std::string& state = "active") {
    std::lock_guard lock(mu_);
    auto& rt = rtbs_.at(rtbId).second;
    rt.routes.push_back(makeVpcRoute(dest, target, state));
  }
  void addEni(const std::string& region, const std::string& eniId, const std::string& vpcId,
              bool sourceDestCheck = false) {
    std::lock_guard lock(mu_);
    aws::NetworkInterface eni;
    eni.networkInterfaceId = eniId;
    eni.vpcId = vpcId;
    eni.subnetId = "subnet-" + eniId.substr(4);
    eni.status = "in-use";
    eni.sourceDestCheck = sourceDestCheck;
    eni.attachmentInstanceId = "i-" + eniId.substr(4);
    enis_[eniId] = {region, eni};
  }
  void addTgw(const std::string& region, const std::string& tgwId) {
    std::lock_guard lock(mu_);
    aws::TransitGateway tgw;
    tgw.transitGatewayId = tgwId;
    tgw.state = "available";
    tgw.ownerId = "111122223333";
    tgws_[tgwId] = {region, tgw};
  }
  void addTgwRouteTable(const std::string& tgwRtbId, const std::string& tgwId) {
    std::lock_guard lock(mu_);
    TgwTable t;
    t.region = tgws_.at(tgwId).first;
    t.table.transitGatewayRouteTableId = tgwRtbId;
    t.table.transitGatewayId = tgwId;
    t.table.state = "available";
    tgwRtbs_[tgwRtbId] = std::move(t);
  }
  void addVpcAttachment(const std::string& attId, const std::string& tgwId,
                        const std::string& vpcId, const std::string& state = "available") {
    std::lock_guard lock(mu_);
    aws::TransitGatewayAttachment att;
    att.transitGatewayAttachmentId = attId;
    att.transitGatewayId = tgwId;
    att.transitGatewayOwnerId = "111122223333";
    att.resourceOwnerId = "111122223333";
    att.resourceType = "vpc";
    att.resourceId = vpcId;
    att.state = state;
    attachments_.push_back({tgws_.at(tgwId).first, att});
  }
  // A peering; accepterAttId (the accepter side's own id, as EC2 gives within
  // one region) empty means both sides share attId (cross-region).
  void addPeering(const std::string& attId, const std::string& requesterTgw,
                  const std::string& accepterTgw, const std::string& state = "available",
                  const std::string& accepterAttId = {}) {
    std::lock_guard lock(mu_);
    aws::TransitGatewayPeeringAttachment p;
    p.transitGatewayAttachmentId = attId;
    p.accepterTransitGatewayAttachmentId = accepterAttId;
    p.requesterTgwInfo = {requesterTgw, "111122223333", tgws_.at(requesterTgw).first};
    p.accepterTgwInfo = {accepterTgw, "111122223333", tgws_.at(accepterTgw).first};
    p.state = state;
    peerings_[attId] = p;
    for (const auto& [mine, peer] :
         {std::pair{requesterTgw, accepterTgw}, std::pair{accepterTgw, requesterTgw}}) {
      aws::TransitGatewayAttachment att;
      att.transitGatewayAttachmentId =
          mine == accepterTgw && !accepterAttId.empty() ? accepterAttId : attId;
      att.transitGatewayId = mine;
      att.transitGatewayOwnerId = "111122223333";
      att.resourceOwnerId = "111122223333";
      att.resourceType = "peering";
      att.resourceId = peer;
      att.state = state;
      attachments_.push_back({tgws_.at(mine).first, att});
    }
  }
  // Associates the attachment's side on tgwRtb's TGW with that table.
  void associate(const std::string& attId, const std::string& tgwRtbId) {
    std::lock_guard lock(mu_);
    const auto& tgw = tgwRtbs_.at(tgwRtbId).table.transitGatewayId;
    for (auto& [region, att] : attachments_) {
      if (att.transitGatewayAttachmentId == attId && att.transitGatewayId == tgw) {
        att.association = aws::TransitGatewayAttachmentAssociation{tgwRtbId, "associated"};
      }
    }
  }
  void addTgwRoute(const std::string& tgwRtbId, const std::string& dest, const std::string& attId,
                   const std::string& state = "active", const std::string& type = "static") {
    std::lock_guard lock(mu_);
    aws::TransitGatewayRoute r;
    r.destinationCidrBlock = dest;
    r.type = type;
    r.state = state;
    if (!attId.empty()) r.transitGatewayAttachments.push_back({"", attId, ""});
    tgwRtbs_.at(tgwRtbId).routes.push_back(r);
  }
  void setRouteState(const std::string& tableId, const std::string& dest,
                     const std::string& state) {
    std::lock_guard lock(mu_);
    if (auto* r = findVpcRoute(tableId, dest)) r->state = state;
    if (auto* r = findTgwRoute(tableId, dest)) r->state = state;
  }
  // Tags a VPC or TGW route table (the tags come back in its Describe answer).
  void tagTable(const std::string& tableId, const std::string& key, const std::string& value) {
    std::lock_guard lock(mu_);
    if (auto it = rtbs_.find(tableId); it != rtbs_.end()) {
      it->second.second.tags.push_back(aws::Tag{key, value});
    } else {
      tgwRtbs_.at(tableId).table.tags.push_back(aws::Tag{key, value});
    }
  }
  // Deletes a VPC or TGW route table.
  void deleteTable(const std::string& tableId) {
    std::lock_guard lock(mu_);
    if (rtbs_.erase(tableId) == 0) tgwRtbs_.erase(tableId);
  }
  void removeRoute(const std::string& tableId, const std::string& dest) {
    std::lock_guard lock(mu_);
    if (auto it = rtbs_.find(tableId); it != rtbs_.end()) {
      auto& routes = it->second.second.routes;
      std::erase_if(routes, [&](const aws::Route& r) { return sameDest(destOf(r), dest); });
    }
    if (auto it = tgwRtbs_.find(tableId); it != tgwRtbs_.end()) {
      std::erase_if(it->second.routes, [&](const aws::TransitGatewayRoute& r) {
        return sameDest(r.destinationCidrBlock, dest);
      });
    }
  }
  // Topology changes between runs (scope check tests).
  void removeRouteTable(const std::string& rtbId) {
    std::lock_guard lock(mu_);
    rtbs_.erase(rtbId);
    tgwRtbs_.erase(rtbId);
  }
  // Removes every side of the attachment (a peering's both sides, either id),
  // with its associations.
  void removeAttachment(const std::string& attId) {
    std::lock_guard lock(mu_);
    std::set<std::string> ids{attId};
    for (auto it = peerings_.begin(); it != peerings_.end(); ++it) {
      if (it->second.transitGatewayAttachmentId == attId ||
          it->second.accepterTransitGatewayAttachmentId == attId) {
        ids.insert(it->second.transitGatewayAttachmentId);
        if (!it->second.accepterTransitGatewayAttachmentId.empty())
          ids.insert(it->second.accepterTransitGatewayAttachmentId);
        peerings_.erase(it);
        break;
      }
    }
    std::erase_if(attachments_, [&](const auto& entry) {
      return ids.contains(entry.second.transitGatewayAttachmentId);
    });
  }
  // State given to routes created or replaced from now on (default "active").
  void setWrittenState(std::string state) {
    std::lock_guard lock(mu_);
    writtenState_ = std::move(state);
  }

  // ---- looking at the world ------------------------------------------------------
  // The target id of the route for dest in a VPC or TGW table; nullopt when absent.
  std::optional<std::string> routeTarget(const std::string& tableId, const std::string& dest) {
    std::lock_guard lock(mu_);
    if (auto* r = findVpcRoute(tableId, dest)) return vpcTargetOf(*r);
    if (auto* r = findTgwRoute(tableId, dest)) {
      return r->transitGatewayAttachments.empty()
                 ? std::string()
                 : r->transitGatewayAttachments.front().transitGatewayAttachmentId;
    }
    return std::nullopt;
  }
  std::optional<std::string> routeState(const std::string& tableId, const std::string& dest) {
    std::lock_guard lock(mu_);
    if (auto* r = findVpcRoute(tableId, dest)) return r->state;
    if (auto* r = findTgwRoute(tableId, dest)) return r->state;
    return std::nullopt;
  }
  bool eniSourceDestCheck(const std::string& eniId) {
    std::lock_guard lock(mu_);
    return enis_.at(eniId).second.sourceDestCheck;
  }

  // ---- calls -------------------------------------------------------------------------
  std::vector<FakeCall> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  int callCount(const std::string& action, const std::string& region = {}) const {
    std::lock_guard lock(mu_);
    return static_cast<int>(std::count_if(calls_.begin(), calls_.end(), [&](const FakeCall& c) {
      return c.action == action && (region.empty() || c.region == region);
    }));
  }
  int writeCount(const std::string& region = {}) const {
    std::lock_guard lock(mu_);
    return static_cast<int>(std::count_if(calls_.begin(), calls_.end(), [&](const FakeCall& c) {
      return c.mutating && (region.empty() || c.region == region);
    }));
  }
  int totalCalls() const {
    std::lock_guard lock(mu_);
    return static_cast<int>(calls_.size());
  }
  void resetCalls() {
    std::lock_guard lock(mu_);
    calls_.clear();
  }
  void setInterceptor(Interceptor interceptor) {
    std::lock_guard lock(mu_);
    interceptor_ = std::move(interceptor);
  }
  // Fails the next `times` calls matching action (and region / resource when given).
  void failNext(std::string action, Error error, int times = 1, std::string region = {},
                std::string resource = {}) {
    std::lock_guard lock(mu_);
    scripted_.push_back(
        {std::move(action), std::move(region), std::move(resource), std::move(error), times});
  }

  std::shared_ptr<aws::Ec2Api> api(const std::string& region);
  // The same type as engine::Ec2Factory (kept free of the engine headers).
  std::function<Result<std::shared_ptr<aws::Ec2Api>>(const std::string&)> factory() {
    auto self = shared_from_this();
    return [self](const std::string& region) -> Result<std::shared_ptr<aws::Ec2Api>> {
      {
        std::lock_guard lock(self->mu_);
        if (auto it = self->factoryErrors_.find(region); it != self->factoryErrors_.end()) {
          return std::unexpected(it->second);
        }
      }
      return self->api(region);
    };
  }
  // factory() answers `error` for `region` instead of a client (an
  // unresolvable endpoint, say).
  void failFactory(const std::string& region, Error error) {
    std::lock_guard lock(mu_);
    factoryErrors_[region] = std::move(error);
  }

 private:
  friend class FakeEc2;
  struct TgwTable {
    std::string region;
    aws::TransitGatewayRouteTable table;
    std::vector<aws::TransitGatewayRoute> routes;
  };
  struct Scripted {
    std::string action, region, resource;
    Error error;
    int times = 1;
  };

  static std::string destOf(const aws::Route& r) {
    return r.destinationCidrBlock.empty() ? r.destinationIpv6CidrBlock : r.destinationCidrBlock;
  }
  static bool sameDest(const std::string& a, const std::string& b) {
    auto pa = model::parsePrefix(a, true);
    auto pb = model::parsePrefix(b, true);
    return pa && pb ? *pa == *pb : a == b;
  }
  static std::string vpcTargetOf(const aws::Route& r) {
    for (const auto* id : {&r.networkInterfaceId, &r.transitGatewayId, &r.gatewayId,
                           &r.natGatewayId, &r.vpcPeeringConnectionId}) {
      if (!id->empty()) return *id;
    }
    return {};
  }
  aws::Route makeVpcRoute(const std::string& dest, const std::string& target,
                          const std::string& state) {
    aws::Route r;
    if (dest.find(':') != std::string::npos) {
      r.destinationIpv6CidrBlock = dest;
    } else {
      r.destinationCidrBlock = dest;
    }
    if (target.starts_with("eni-")) {
      r.networkInterfaceId = target;
    } else if (target.starts_with("tgw-")) {
      r.transitGatewayId = target;
    } else if (target.starts_with("nat-")) {
      r.natGatewayId = target;
    } else {
      r.gatewayId = target;
    }
    r.state = state;
    r.origin = "CreateRoute";
    return r;
  }
  aws::Route* findVpcRoute(const std::string& tableId, const std::string& dest) {
    auto it = rtbs_.find(tableId);
    if (it == rtbs_.end()) return nullptr;
    for (auto& r : it->second.second.routes)
      if (sameDest(destOf(r), dest)) return &r;
    return nullptr;
  }
  aws::TransitGatewayRoute* findTgwRoute(const std::string& tableId, const std::string& dest) {
    auto it = tgwRtbs_.find(tableId);
    if (it == tgwRtbs_.end()) return nullptr;
    aws::TransitGatewayRoute* propagated = nullptr;  // a static route for the prefix wins
    for (auto& r : it->second.routes) {
      if (!sameDest(r.destinationCidrBlock, dest)) continue;
      if (r.type != "propagated") return &r;
      if (!propagated) propagated = &r;
    }
    return propagated;
  }

  // Records the call and runs the scripts; an error means "fail with it".
  std::optional<Error> enter(FakeCall call) {
    Interceptor interceptor;
    {
      std::lock_guard lock(mu_);
      calls_.push_back(call);
      for (auto it = scripted_.begin(); it != scripted_.end(); ++it) {
        if (it->action == call.action && (it->region.empty() || it->region == call.region) &&
            (it->resource.empty() || it->resource == call.resource)) {
          auto error = it->error;
          if (--it->times <= 0) scripted_.erase(it);
          return error;
        }
      }
      interceptor = interceptor_;
    }
    if (interceptor) return interceptor(call);
    return std::nullopt;
  }

  mutable std::mutex mu_;
  std::map<std::string, std::pair<std::string, aws::Vpc>> vpcs_;
  std::map<std::string, std::pair<std::string, aws::RouteTable>> rtbs_;
  std::map<std::string, std::pair<std::string, aws::NetworkInterface>> enis_;
  std::map<std::string, std::pair<std::string, aws::TransitGateway>> tgws_;
  std::vector<std::pair<std::string, aws::TransitGatewayAttachment>>
      attachments_;  // (region, side)
  std::map<std::string, aws::TransitGatewayPeeringAttachment> peerings_;
  std::map<std::string, TgwTable> tgwRtbs_;
  std::string writtenState_ = "active";
  std::vector<FakeCall> calls_;
  std::vector<Scripted> scripted_;
  Interceptor interceptor_;
  std::map<std::string, Error> factoryErrors_;
};

class FakeEc2 final : public aws::Ec2Api {
 public:
  FakeEc2(std::shared_ptr<FakeCloud> cloud, std::string region)
      : cloud_(std::move(cloud)), region_(std::move(region)) {}
  const std::string& region() const override { return region_; }

  Result<std::vector<aws::RouteTable>> describeRouteTables(const aws::DescribeOptions& o) override {
    if (auto e = enter("DescribeRouteTables", o.call)) return std::unexpected(*e);
    std::lock_guard lock(cloud_->mu_);
    if (auto e = checkIds(o.ids, cloud_->rtbs_, "InvalidRouteTableID.NotFound"))
      return std::unexpected(*e);
    std::vector<aws::RouteTable> out;
    for (const auto& [id, entry] : cloud_->rtbs_) {
      const auto& [region, rt] = entry;
      if (region != region_ || !idOk(o.ids, id)) continue;
      if (!filterOk(o.filters, "route-table-id", id) || !filterOk(o.filters, "vpc-id", rt.vpcId))
        continue;
      if (auto f = findFilter(o.filters, "route.destination-cidr-block")) {
        bool any = std::any_of(rt.routes.begin(), rt.routes.end(), [&](const aws::Route& r) {
          return std::find(f->values.begin(), f->values.end(), FakeCloud::destOf(r)) !=
                 f->values.end();
        });
        if (!any) continue;
      }
      out.push_back(rt);
    }
    return out;
  }
  Result<aws::WriteAck> createRoute(const std::string& rt, const std::string& dest,
                                    const aws::RouteTarget& target,
                                    const aws::CallOptions& call) override {
    return writeVpc("CreateRoute", rt, dest, target, call, true);
  }
  Result<aws::WriteAck> replaceRoute(const std::string& rt, const std::string& dest,
                                     const aws::RouteTarget& target,
                                     const aws::CallOptions& call) override {
    return writeVpc("ReplaceRoute", rt, dest, target, call, false);
  }
  Result<aws::WriteAck> deleteRoute(const std::string& rt, const std::string& dest,
                                    const aws::CallOptions& call) override {
    if (auto e = enter("DeleteRoute", call, rt, dest, true)) return std::unexpected(*e);
    return std::unexpected(
        fakeAwsError(ErrorCategory::kInternal, "FakeDeleteRoute", "tgwark never deletes routes"));
  }
  Result<std::vector<aws::NetworkInterface>> describeNetworkInterfaces(
      const aws::DescribeOptions& o) override {
    if (auto e = enter("DescribeNetworkInterfaces", o.call)) return std::unexpected(*e);
    std::lock_guard lock(cloud_->mu_);
    if (auto e = checkIds(o.ids, cloud_->enis_, "InvalidNetworkInterfaceID.NotFound"))
      return std::unexpected(*e);
    std::vector<aws::NetworkInterface> out;
    for (const auto& [id, entry] : cloud_->enis_) {
      if (entry.first != region_ || !idOk(o.ids, id)) continue;
      if (!filterOk(o.filters, "network-interface-id", id) ||
          !filterOk(o.filters, "vpc-id", entry.second.vpcId))
        continue;
      out.push_back(entry.second);
    }
    return out;
  }
  Result<aws::WriteAck> modifyNetworkInterfaceSourceDestCheck(
      const std::string& eni, bool enabled, const aws::CallOptions& call) override {
    if (auto e = enter("ModifyNetworkInterfaceAttribute", call, eni, "", true))
      return failWrite(call, *e);
    std::lock_guard lock(cloud_->mu_);
    auto it = cloud_->enis_.find(eni);
    if (it == cloud_->enis_.end() || it->second.first != region_) {
      return std::unexpected(fakeAwsError(ErrorCategory::kNotFound,
                                          "InvalidNetworkInterfaceID.NotFound",
                                          "The networkInterface ID '" + eni + "' does not exist"));
    }
    if (call.dryRun) return dryRunOk();
    it->second.second.sourceDestCheck = enabled;
    return aws::WriteAck{};
  }
  Result<std::vector<aws::Vpc>> describeVpcs(const aws::DescribeOptions& o) override {
    if (auto e = enter("DescribeVpcs", o.call)) return std::unexpected(*e);
    std::lock_guard lock(cloud_->mu_);
    if (auto e = checkIds(o.ids, cloud_->vpcs_, "InvalidVpcID.NotFound"))
      return std::unexpected(*e);
    std::vector<aws::Vpc> out;
    for (const auto& [id, entry] : cloud_->vpcs_) {
      if (entry.first != region_ || !idOk(o.ids, id) || !filterOk(o.filters, "vpc-id", id))
        continue;
      out.push_back(entry.second);
    }
    return out;
  }
  Result<std::vector<aws::TransitGateway>> describeTransitGateways(
      const aws::DescribeOptions& o) override {
    if (auto e = enter("DescribeTransitGateways", o.call)) return std::unexpected(*e);
    std::lock_guard lock(cloud_->mu_);
    std::vector<aws::TransitGateway> out;
    for (const auto& [id, entry] : cloud_->tgws_) {
      if (entry.first != region_ || !idOk(o.ids, id) ||
          !filterOk(o.filters, "transit-gateway-id", id))
        continue;
      out.push_back(entry.second);
    }
    return out;
  }
  Result<std::vector<aws::TransitGatewayAttachment>> describeTransitGatewayAttachments(
      const aws::DescribeOptions& o) override {
    if (auto e = enter("DescribeTransitGatewayAttachments", o.call)) return std::unexpected(*e);
    std::lock_guard lock(cloud_->mu_);
    std::vector<aws::TransitGatewayAttachment> out;
    for (const auto& [region, att] : cloud_->attachments_) {
      if (region != region_ || !idOk(o.ids, att.transitGatewayAttachmentId)) continue;
      if (!filterOk(o.filters, "transit-gateway-id", att.transitGatewayId) ||
          !filterOk(o.filters, "resource-id", att.resourceId) ||
          !filterOk(o.filters, "resource-type", att.resourceType) ||
          !filterOk(o.filters, "state", att.state) ||
          !filterOk(o.filters, "transit-gateway-attachment-id", att.transitGatewayAttachmentId))
        continue;
      out.push_back(att);
    }
    return out;
  }
  Result<std::vector<aws::TransitGatewayVpcAttachment>> describeTransitGatewayVpcAttachments(
      const aws::DescribeOptions& o) override {
    if (auto e = enter("DescribeTransitGatewayVpcAttachments", o.call)) return std::unexpected(*e);
    std::lock_guard lock(cloud_->mu_);
    std::vector<aws::TransitGatewayVpcAttachment> out;
    for (const auto& [region, att] : cloud_->attachments_) {
      if (region != region_ || att.resourceType != "vpc") continue;
      if (!filterOk(o.filters, "transit-gateway-id", att.transitGatewayId) ||
          !filterOk(o.filters, "vpc-id", att.resourceId))
        continue;
      aws::TransitGatewayVpcAttachment v;
      v.transitGatewayAttachmentId = att.transitGatewayAttachmentId;
      v.transitGatewayId = att.transitGatewayId;
      v.vpcId = att.resourceId;
      v.state = att.state;
      out.push_back(v);
    }
    return out;
  }
  Result<std::vector<aws::TransitGatewayPeeringAttachment>>
  describeTransitGatewayPeeringAttachments(const aws::DescribeOptions& o) override {
    if (auto e = enter("DescribeTransitGatewayPeeringAttachments", o.call))
      return std::unexpected(*e);
    std::lock_guard lock(cloud_->mu_);
    std::vector<aws::TransitGatewayPeeringAttachment> out;
    for (const auto& [id, p] : cloud_->peerings_) {
      if (p.requesterTgwInfo.region != region_ && p.accepterTgwInfo.region != region_) continue;
      // Either side's id selects the peering.
      const std::string& other =
          p.accepterTransitGatewayAttachmentId.empty() ? id : p.accepterTransitGatewayAttachmentId;
      if ((!idOk(o.ids, id) && !idOk(o.ids, other)) ||
          (!filterOk(o.filters, "transit-gateway-attachment-id", id) &&
           !filterOk(o.filters, "transit-gateway-attachment-id", other)))
        continue;
      if (!filterOk(o.filters, "transit-gateway-id", p.requesterTgwInfo.transitGatewayId) &&
          !filterOk(o.filters, "transit-gateway-id", p.accepterTgwInfo.transitGatewayId)) {
        continue;
      }
      out.push_back(p);
    }
    return out;
  }
  Result<std::vector<aws::TransitGatewayRouteTable>> describeTransitGatewayRouteTables(
      const aws::DescribeOptions& o) override {
    if (auto e = enter("DescribeTransitGatewayRouteTables", o.call)) return std::unexpected(*e);
    std::lock_guard lock(cloud_->mu_);
    std::vector<aws::TransitGatewayRouteTable> out;
    for (const auto& [id, t] : cloud_->tgwRtbs_) {
      if (t.region != region_ || !idOk(o.ids, id)) continue;
      if (!filterOk(o.filters, "transit-gateway-route-table-id", id) ||
          !filterOk(o.filters, "transit-gateway-id", t.table.transitGatewayId))
        continue;
      out.push_back(t.table);
    }
    return out;
  }
  Result<std::vector<aws::TransitGatewayRouteTableAssociation>>
  getTransitGatewayRouteTableAssociations(const std::string& table,
                                          const aws::DescribeOptions& o) override {
    if (auto e = enter("GetTransitGatewayRouteTableAssociations", o.call, table))
      return std::unexpected(*e);
    std::lock_guard lock(cloud_->mu_);
    std::vector<aws::TransitGatewayRouteTableAssociation> out;
    for (const auto& [region, att] : cloud_->attachments_) {
      if (region == region_ && att.association &&
          att.association->transitGatewayRouteTableId == table) {
        out.push_back(
            {att.transitGatewayAttachmentId, att.resourceId, att.resourceType, "associated"});
      }
    }
    return out;
  }
  Result<aws::SearchTransitGatewayRoutesResult> searchTransitGatewayRoutes(
      const std::string& table, const std::vector<aws::Filter>& filters, std::optional<int>,
      const aws::CallOptions& call) override {
    if (auto e = enter("SearchTransitGatewayRoutes", call, table)) return std::unexpected(*e);
    std::lock_guard lock(cloud_->mu_);
    auto it = cloud_->tgwRtbs_.find(table);
    if (it == cloud_->tgwRtbs_.end() || it->second.region != region_) {
      return std::unexpected(
          fakeAwsError(ErrorCategory::kNotFound, "InvalidRouteTableID.NotFound",
                       "The transit gateway route table '" + table + "' does not exist"));
    }
    aws::SearchTransitGatewayRoutesResult out;
    if (auto f = findFilter(filters, "route-search.exact-match")) {
      for (const auto& r : it->second.routes)
        for (const auto& v : f->values)
          if (FakeCloud::sameDest(r.destinationCidrBlock, v)) out.routes.push_back(r);
    } else if (auto lpm = findFilter(filters, "route-search.longest-prefix-match")) {
      auto addr = model::parsePrefix(lpm->values.at(0), true);
      const aws::TransitGatewayRoute* best = nullptr;
      int bestLen = -1;
      for (const auto& r : it->second.routes) {
        auto p = model::parsePrefix(r.destinationCidrBlock, true);
        if (p && addr && p->ipv6 == addr->ipv6 && p->contains(*addr) && p->length > bestLen) {
          best = &r;
          bestLen = p->length;
        }
      }
      if (best) out.routes.push_back(*best);
    } else {
      out.routes = it->second.routes;
    }
    return out;
  }
  Result<aws::WriteAck> createTransitGatewayRoute(const std::string& table, const std::string& dest,
                                                  const std::string& att, bool blackhole,
                                                  const aws::CallOptions& call) override {
    return writeTgw("CreateTransitGatewayRoute", table, dest, att, blackhole, call, true);
  }
  Result<aws::WriteAck> replaceTransitGatewayRoute(const std::string& table,
                                                   const std::string& dest, const std::string& att,
                                                   bool blackhole,
                                                   const aws::CallOptions& call) override {
    return writeTgw("ReplaceTransitGatewayRoute", table, dest, att, blackhole, call, false);
  }
  Result<aws::WriteAck> deleteTransitGatewayRoute(const std::string& table, const std::string& dest,
                                                  const aws::CallOptions& call) override {
    if (auto e = enter("DeleteTransitGatewayRoute", call, table, dest, true))
      return std::unexpected(*e);
    return std::unexpected(
        fakeAwsError(ErrorCategory::kInternal, "FakeDeleteRoute", "tgwark never deletes routes"));
  }

 private:
  std::optional<Error> enter(const char* action, const aws::CallOptions& call,
                             std::string resource = {}, std::string dest = {},
                             bool mutating = false) {
    return cloud_->enter(
        FakeCall{region_, action, std::move(resource), std::move(dest), call.dryRun, mutating});
  }
  // EC2 honours DryRun only once the request is otherwise valid, as here.
  static aws::WriteAck dryRunOk() { return aws::WriteAck{aws::DryRunVerdict{true, {}}}; }
  // A failure chosen by the interceptor, answered as the client would: a
  // denial of a DryRun request is a verdict, not an error.
  static Result<aws::WriteAck> failWrite(const aws::CallOptions& call, Error error) {
    if (call.dryRun) return aws::dryRunAnswer(std::move(error));
    return std::unexpected(std::move(error));
  }
  static const aws::Filter* findFilter(const std::vector<aws::Filter>& filters,
                                       const std::string& name) {
    for (const auto& f : filters)
      if (f.name == name) return &f;
    return nullptr;
  }
  static bool filterOk(const std::vector<aws::Filter>& filters, const std::string& name,
                       const std::string& value) {
    const auto* f = findFilter(filters, name);
    return !f || std::find(f->values.begin(), f->values.end(), value) != f->values.end();
  }
  static bool idOk(const std::vector<std::string>& ids, const std::string& id) {
    return ids.empty() || std::find(ids.begin(), ids.end(), id) != ids.end();
  }
  template <class Map>
  std::optional<Error> checkIds(const std::vector<std::string>& ids, const Map& map,
                                const std::string& code) {
    for (const auto& id : ids) {
      auto it = map.find(id);
      if (it == map.end() || it->second.first != region_) {
        return fakeAwsError(ErrorCategory::kNotFound, code, "The ID '" + id + "' does not exist");
      }
    }
    return std::nullopt;
  }

  Result<aws::WriteAck> writeVpc(const char* action, const std::string& rt, const std::string& dest,
                                 const aws::RouteTarget& target, const aws::CallOptions& call,
                                 bool create) {
    if (auto e = enter(action, call, rt, dest, true)) return failWrite(call, *e);
    std::lock_guard lock(cloud_->mu_);
    auto it = cloud_->rtbs_.find(rt);
    if (it == cloud_->rtbs_.end() || it->second.first != region_) {
      return std::unexpected(fakeAwsError(ErrorCategory::kNotFound, "InvalidRouteTableID.NotFound",
                                          "The routeTable ID '" + rt + "' does not exist"));
    }
    const auto& targetId =
        target.networkInterfaceId.empty() ? target.transitGatewayId : target.networkInterfaceId;
    if (!target.networkInterfaceId.empty() && !cloud_->enis_.contains(target.networkInterfaceId)) {
      return std::unexpected(
          fakeAwsError(ErrorCategory::kNotFound, "InvalidNetworkInterfaceID.NotFound",
                       "The networkInterface ID '" + targetId + "' does not exist"));
    }
    auto* existing = cloud_->findVpcRoute(rt, dest);
    if (create && existing) {
      return std::unexpected(fakeAwsError(ErrorCategory::kStale, "RouteAlreadyExists",
                                          "The route identified by " + dest + " already exists."));
    }
    if (!create && !existing) {
      return std::unexpected(
          fakeAwsError(ErrorCategory::kStale, "InvalidRoute.NotFound",
                       "no route with destination-cidr-block " + dest + " in route table " + rt));
    }
    if (call.dryRun) return dryRunOk();
    auto route = cloud_->makeVpcRoute(dest, targetId, cloud_->writtenState_);
    if (existing) {
      *existing = route;
    } else {
      it->second.second.routes.push_back(route);
    }
    return aws::WriteAck{};
  }

  Result<aws::WriteAck> writeTgw(const char* action, const std::string& table,
                                 const std::string& dest, const std::string& att, bool blackhole,
                                 const aws::CallOptions& call, bool create) {
    if (auto e = enter(action, call, table, dest, true)) return failWrite(call, *e);
    std::lock_guard lock(cloud_->mu_);
    auto it = cloud_->tgwRtbs_.find(table);
    if (it == cloud_->tgwRtbs_.end() || it->second.region != region_) {
      return std::unexpected(
          fakeAwsError(ErrorCategory::kNotFound, "InvalidRouteTableID.NotFound",
                       "The transit gateway route table '" + table + "' does not exist"));
    }
    auto* existing = cloud_->findTgwRoute(table, dest);
    if (existing && existing->type == "propagated") existing = nullptr;  // static beats propagated
    if (create && existing) {
      return std::unexpected(fakeAwsError(ErrorCategory::kStale, "RouteAlreadyExists",
                                          "Route " + dest + " already exists in " + table));
    }
    if (!create && !existing) {
      return std::unexpected(fakeAwsError(ErrorCategory::kStale, "InvalidRoute.NotFound",
                                          "Route " + dest + " does not exist in " + table));
    }
    // As EC2: a route may only target an attachment of the table's own TGW
    // (within one region each side of a peering has its own id).
    if (!blackhole) {
      const auto& tgw = it->second.table.transitGatewayId;
      const bool own =
          std::any_of(cloud_->attachments_.begin(), cloud_->attachments_.end(), [&](const auto& a) {
            return a.second.transitGatewayAttachmentId == att && a.second.transitGatewayId == tgw;
          });
      if (!own) {
        return std::unexpected(
            fakeAwsError(ErrorCategory::kNotFound, "InvalidTransitGatewayAttachmentID.NotFound",
                         "Transit Gateway Attachment " + att + " was deleted or does not exist."));
      }
    }
    if (call.dryRun) return dryRunOk();
    aws::TransitGatewayRoute r;
    r.destinationCidrBlock = dest;
    r.type = "static";
    r.state = blackhole ? "blackhole" : cloud_->writtenState_;
    if (!blackhole) r.transitGatewayAttachments.push_back({"", att, ""});
    if (existing) {
      *existing = r;
    } else {
      // Added beside any propagated route for the prefix, which it shadows
      // (searches list both, as EC2's do).
      it->second.routes.push_back(r);
    }
    return aws::WriteAck{};
  }

  std::shared_ptr<FakeCloud> cloud_;
  std::string region_;
};

inline std::shared_ptr<aws::Ec2Api> FakeCloud::api(const std::string& region) {
  return std::make_shared<FakeEc2>(shared_from_this(), region);
}

}  // namespace tgwark::testing
