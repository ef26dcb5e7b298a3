// peeringDistancesTo: the reachability over TGW peerings that discovery and
// the planner share.
#include "plan/peering.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "topology_builder.h"

namespace tgwark::plan {
namespace {

using test::TopologyBuilder;

TopologyBuilder chain() {
  TopologyBuilder b;
  b.tgw("tgw-a", "us-east-1").tgw("tgw-b", "us-west-2").tgw("tgw-c", "eu-west-1");
  b.tgw("tgw-lonely", "eu-west-1");
  b.peer("tgw-attach-ab", "tgw-a", "tgw-b", "", "");
  b.peer("tgw-attach-bc", "tgw-b", "tgw-c", "", "");
  return b;
}

TEST(PeeringDistances, CountsHopsAndLeavesOutUnreachableTgws) {
  auto d = peeringDistancesTo(chain().build(), "tgw-c");
  EXPECT_EQ(d, (std::map<std::string, int>{{"tgw-a", 2}, {"tgw-b", 1}, {"tgw-c", 0}}));
}

TEST(PeeringDistances, OnlyAvailablePeeringsCount) {
  auto topology =
      chain().peer("tgw-attach-ac", "tgw-a", "tgw-c", "", "", "pendingAcceptance").build();
  EXPECT_EQ(peeringDistancesTo(topology, "tgw-c").at("tgw-a"), 2);
  topology = chain().peer("tgw-attach-ac", "tgw-a", "tgw-c", "", "").build();
  EXPECT_EQ(peeringDistancesTo(topology, "tgw-c").at("tgw-a"), 1);
}

// The side of the TGW that would hold the route decides: with only tgw-b's
// side of b-c available, tgw-b reaches tgw-c but tgw-c does not reach tgw-b.
TEST(PeeringDistances, EachSideOfAPeeringCountsForItsOwnTgw) {
  auto topology = chain().build();
  for (auto& a : topology.attachments) {
    if (a.id == "tgw-attach-bc" && a.tgwId == "tgw-c") a.state = "deleting";
  }
  EXPECT_TRUE(peeringDistancesTo(topology, "tgw-c").contains("tgw-b"));
  EXPECT_FALSE(peeringDistancesTo(topology, "tgw-b").contains("tgw-c"));
  EXPECT_FALSE(peeringDistancesTo(topology, "tgw-a").contains("tgw-c"));
}

TEST(PeeringDistances, TheDestinationIsAlwaysAtZero) {
  auto d = peeringDistancesTo(chain().build(), "tgw-lonely");
  EXPECT_EQ(d, (std::map<std::string, int>{{"tgw-lonely", 0}}));
}

}  // namespace
}  // namespace tgwark::plan
