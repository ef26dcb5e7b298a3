// Reads what AWS currently says about the VIP's routes, with the fewest calls:
// per region, DescribeRouteTables by RouteTableId in batches of <= 100 for all
// managed VPC tables; per managed TGW table, one SearchTransitGatewayRoutes
// with route-search.exact-match = VIP. All regions and tables in parallel. A
// table that cannot be read is kept with known = false and the error, so
// reports can say right / wrong / unknown per route instead of failing whole.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
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

// A route table as the check of a stored scope needs it: which VPC it is in,
// and whether it holds the VIP route.
struct VpcTableSummary {
  std::string id;
  std::string vpcId;
  bool holdsVip = false;
};

// One DescribeRouteTables per region for both the state read and the check of
// a stored scope (engine/scope_check.h), which run in the same round: the
// state read asks for the tables of whole VPCs (by vpc-id, the check's
// question) instead of by table id, takes the managed tables it wants from
// the answer, and publishes every table it saw for the check. Each region's
// answer is read and parsed once.
class SharedVpcRead {
 public:
  using Tables = Result<std::vector<VpcTableSummary>>;

  // The VPCs whose tables are read, by region.
  explicit SharedVpcRead(std::map<std::string, std::set<std::string>> vpcsByRegion)
      : vpcsByRegion_(std::move(vpcsByRegion)) {}

  // The VPCs to read `region` by; nullptr for a region not shared.
  const std::set<std::string>* vpcs(const std::string& region) const;

  // The state read's answer for a region (or the error it met); the first
  // answer per region stands.
  void publish(const std::string& region, Tables tables);

  // Waits for `region`'s answer. nullptr when the region is not shared or
  // close() came first: the caller reads the region itself.
  const Tables* wait(const std::string& region);

  // No answer is coming for the regions not published yet (the state read is
  // over, or never started): releases their waits.
  void close();

 private:
  const std::map<std::string, std::set<std::string>> vpcsByRegion_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Tables> published_;
  bool closed_ = false;
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
  // When set, the VPC tables of each region it names are read by vpc-id (every
  // table of those VPCs, in one DescribeRouteTables per 100 VPCs) and the
  // answer is published to it; a managed table absent from the answer is
  // unknown (not found).
  std::shared_ptr<SharedVpcRead> sharedVpcRead;
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
