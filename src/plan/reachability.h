// Traces the VIP hop by hop as AWS forwards it: from a VPC route table
// (longest prefix match) to a TGW, through the TGW route table associated with
// the ingress attachment, across peerings, into the destination VPC, to an
// ENI. Reports the path, the node reached, and why a path fails (missing
// route, blackhole, loop, unknown table).
#pragma once

#include <string>
#include <vector>

#include "model/observed.h"
#include "model/topology.h"

namespace tgwark::plan {

struct Hop {
  model::TableKind tableKind = model::TableKind::kVpc;
  std::string region;
  std::string tableId;
  std::string matched;  // "192.168.10.10/32 -> tgw-attach-..." (what the LPM picked)
};

enum class TraceOutcome {
  kReached,    // ends at a node's ENI
  kNoRoute,    // no route matches in some table
  kBlackhole,  // the matching route is blackhole
  kLoop,       // a table was visited twice
  kUnknown,    // a table on the path could not be read / is out of scope
  kLeftScope,  // the route leaves the modelled network (igw, pcx, ...)
};

std::string_view traceOutcomeName(TraceOutcome outcome);

struct Trace {
  std::string sourceVpcId;
  std::string sourceTableId;
  std::string region;
  std::vector<Hop> hops;
  TraceOutcome outcome = TraceOutcome::kUnknown;
  std::string reachedNode;  // set when kReached
  std::string reachedEni;
  std::string detail;  // human explanation of a failure
};

// One trace per managed VPC route table.
std::vector<Trace> traceAll(const model::Topology& topology, const model::ObservedState& observed,
                            const model::Prefix& vip);
Trace traceFrom(const model::Topology& topology, const model::ObservedState& observed,
                const model::Prefix& vip, const std::string& vpcRouteTableId);

}  // namespace tgwark::plan
