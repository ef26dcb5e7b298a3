// Checks a stored scope against AWS with a few Describe calls per region, so
// an action can act on the store at once (its state reads in the same round as
// this check) and pay for a full discovery only when something changed: a
// transit gateway attachment added or gone (a node VPC re-attached, a peering
// replaced), an association moved, a TGW or VPC route table added or gone, a
// client table that newly holds the VIP route. Per region, in parallel:
//   - DescribeTransitGatewayAttachments by transit-gateway-id (attachments,
//     their state and association), when the region has TGWs in scope;
//   - DescribeTransitGatewayRouteTables by transit-gateway-id and
//     DescribeRouteTables by vpc-id (discovered scope only: with explicit table
//     lists, a listed table that is gone reads as not found in the state read).
//     The latter is the state read's own call when the two share it
//     (sharedVpcReadFor): a restore reads each region's tables once.
// A region that cannot be checked (down, stalled, denied) is reported as
// unverified and never holds up the others; remote regions get their own,
// shorter deadline, like the state reads.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/context.h"
#include "engine/state_reader.h"
#include "model/config.h"
#include "model/topology.h"

namespace tgwark::engine {

struct ScopeCheckOptions {
  // Regions other than homeRegion are checked under remoteDeadline when set.
  std::string homeRegion;
  std::optional<Deadline> remoteDeadline;
  // The VPC tables come from the state read running in the same round (its
  // regions; the others, and any it closed without reading, are read here).
  std::shared_ptr<SharedVpcRead> sharedVpcRead;
};

// What the state read of an action on `stored` can share with this check:
// the VPCs of every region that has managed VPC tables to read. nullptr when
// the check reads no VPC tables (explicit table lists) or there are none.
std::shared_ptr<SharedVpcRead> sharedVpcReadFor(const model::Config& config,
                                                const model::Topology& stored);

struct ScopeCheckReport {
  // One line per difference ("us-west-2: attachment tgw-attach-1 of tgw-2 is new").
  std::vector<std::string> changes;
  // Regions whose check could not complete, with the first error.
  std::map<std::string, Error> unverified;
  int regionsChecked = 0;

  bool changed() const { return !changes.empty(); }
  bool complete() const { return unverified.empty(); }
};

// Never fails as a whole: what could not be read is in `unverified`.
ScopeCheckReport checkScope(const model::Config& config, const model::Topology& stored,
                            const Ec2Factory& factory, const Deadline& deadline,
                            const ScopeCheckOptions& options = {});

}  // namespace tgwark::engine
