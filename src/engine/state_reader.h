// Reads what AWS currently says about the VIP's routes, with the fewest calls:
// per region, DescribeRouteTables by RouteTableId in batches of <= 100 for all
// managed VPC tables; per managed TGW table, one SearchTransitGatewayRoutes
// with route-search.exact-match = VIP. All regions and tables in parallel. A
// table that cannot be read is kept with known = false and the error, so
// reports can say right / wrong / unknown per route instead of failing whole.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "aws/ec2_types.h"
#include "engine/context.h"
#include "model/observed.h"
#include "model/topology.h"

namespace tgwark::engine {

enum class ReadMode {
  kRoutes,  // only the VIP route of each table
  kTrace,   // also every route covering the VIP (VPC: from the same read; TGW: a
            // longest-prefix-match search for tables without an exact route)
};

struct StateRead {
  model::ObservedState state;
  std::map<std::string, Error> errors;  // by table id, for tables with known = false
};

struct TableRef {
  model::TableKind kind = model::TableKind::kVpc;
  std::string region;
  std::string id;
};

struct ReadOptions {
  ReadMode mode = ReadMode::kRoutes;
  // When non-empty, read exactly these tables instead of the topology's
  // managed ones; apply uses it to read back only the tables it changed.
  std::vector<TableRef> tables;
  // Parallel calls per region.
  int concurrency = 16;
  // Regions other than `homeRegion` are read under `remoteDeadline` when it
  // is set: a remote region that is down or stalled leaves its tables
  // unknown instead of holding up the home region's (the read returns when
  // every region has answered or run out of its time).
  std::string homeRegion;
  std::optional<Deadline> remoteDeadline;
};

// Reads every managed table (or exactly opts.tables). Never fails as a whole:
// unreadable tables are reported per table.
StateRead readStateDetailed(const model::Topology& topology, const model::Prefix& vip,
                            const Ec2Factory& factory, const Deadline& deadline,
                            const ReadOptions& opts = {});

Result<model::ObservedState> readState(const model::Topology& topology, const model::Prefix& vip,
                                       const Ec2Factory& factory, const Deadline& deadline,
                                       ReadMode mode = ReadMode::kRoutes);

// AWS shapes to the model's. nullopt for routes whose destination is not a
// CIDR (prefix lists) or not parseable.
std::optional<model::ObservedRoute> toObservedRoute(const aws::Route& route);
std::optional<model::ObservedRoute> toObservedRoute(const aws::TransitGatewayRoute& route);

}  // namespace tgwark::engine
