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
inline constexpr int kTopologyFormatVersion = 2;

std::string topologyToJson(const Topology& topology, std::string_view configDigest);
// kInvalid for malformed JSON, another format version, or another config digest.
Result<Topology> topologyFromJson(std::string_view json, std::string_view configDigest);

}  // namespace tgwark::model
