// The topology as JSON, so a discovered scope can be cached between runs:
// quickCheck runs every two minutes for the life of the cluster and must cost
// only its reads (one DescribeRouteTables per region, one search per TGW
// table), not a full discovery each time. The format is versioned; a cache
// written by another version is ignored, never misread.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"
#include "model/topology.h"

namespace tgwark::model {

// 2: peering attachments record the far side's id (intra-region peerings have
// one id per side); a version-1 cache is rediscovered.
// 3: each managed table's provenance and first-seen time ("origins"): the
// durable scope.
inline constexpr int kTopologyFormatVersion = 3;

std::string topologyToJson(const Topology& topology, std::string_view configDigest);
// kInvalid for malformed JSON, another format version, or another config digest.
Result<Topology> topologyFromJson(std::string_view json, std::string_view configDigest);

// The format version a stored document says it has (0 when it is not a JSON
// object with an integer "format").
int topologyFormatOf(std::string_view json);

// What an older format carries over: only its managed tables (ids, regions,
// VPCs and TGWs as recorded), with provenance kCarried and no first-seen
// time, so a durable scope survives a format change. kInvalid when the
// document is not readable that far, or was written for another config.
Result<Topology> managedTablesFromJson(std::string_view json, std::string_view configDigest);

}  // namespace tgwark::model
