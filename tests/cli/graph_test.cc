// `tgwark graph`: the DOT built from the demo topology as discovered over
// real HTTP from the emulator, route edges coloured by state, and the SVG
// rendered by graphviz when it is installed.
#include "cli/graph.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

#include "engine/engine.h"
#include "sim_session.h"

namespace tgwark::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The attribute list of the edge drawn for `table`'s managed route.
std::string edgeOf(const std::string& dot, const std::string& table) {
  std::string key = "id=\"route-" + table + "\"";
  auto at = dot.find(key);
  if (at == std::string::npos) return {};
  auto begin = dot.rfind('\n', at);
  auto end = dot.find('\n', at);
  return dot.substr(begin + 1, end - begin - 1);
}

class GraphTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto topology = sim_.session().topology(sim_.deadline());
    ASSERT_TRUE(topology.has_value()) << topology.error().describe();
    topology_ = *topology;
    auto status = engine::status(sim_.session().config(), topology_, sim_.session().factory(),
                                 sim_.deadline());
    ASSERT_TRUE(status.has_value()) << status.error().describe();
    status_ = *status;
  }
  const model::Prefix& vip() { return sim_.session().config().vip; }

  testing::SimSession sim_;
  model::Topology topology_;
  engine::StatusReport status_;
};

TEST_F(GraphTest, DemoTopologyHasEveryRegionVpcTgwTableAndNode) {
  std::string dot = graphDot(topology_, vip(), status_, "node-a");
  EXPECT_TRUE(dot.starts_with("digraph tgwark {\n"));
  EXPECT_THAT(dot, HasSubstr("subgraph \"cluster_region_us-east-1\""));
  EXPECT_THAT(dot, HasSubstr("subgraph \"cluster_region_us-west-2\""));
  ASSERT_EQ(topology_.vpcs.size(), 6u);
  for (const auto& [id, vpc] : topology_.vpcs) {
    EXPECT_THAT(dot,
                HasSubstr("\"" + id + "\" [label=\"" + id + "\\n" + vpc.cidrs.front().toString()))
        << id;
  }
  for (const auto& [id, tgw] : topology_.tgws) EXPECT_THAT(dot, HasSubstr("\"" + id + "\" ["));
  for (const auto& [id, t] : topology_.tgwRouteTables) {
    EXPECT_THAT(dot, HasSubstr("\"" + id + "\" ["));
  }
  EXPECT_THAT(dot, HasSubstr("\"node:node-a\" [label=\"node-a\\neni-00000010000000000\""));
  EXPECT_THAT(dot, HasSubstr("\"node:node-b\" [label=\"node-b\\neni-01000010000000000\""));
  EXPECT_THAT(dot, HasSubstr("label=\"peering tgw-attach-00fff01ee00000000\""));
  // Braces balance: the clusters are closed.
  EXPECT_EQ(std::count(dot.begin(), dot.end(), '{'), std::count(dot.begin(), dot.end(), '}'));
}

TEST_F(GraphTest, RouteEdgesAreColouredByState) {
  // The demo starts with node-a's routes in place.
  std::string dot = graphDot(topology_, vip(), status_, "node-a");
  for (const auto* t : topology_.managedVpcTables()) {
    EXPECT_FALSE(edgeOf(dot, t->id).empty()) << t->id;
  }
  for (const auto* t : topology_.managedTgwTables()) {
    EXPECT_FALSE(edgeOf(dot, t->id).empty()) << t->id;
  }
  std::string own = edgeOf(dot, "rtb-00000010000000000");
  EXPECT_THAT(own, HasSubstr("\"rtb-00000010000000000\" -> \"node:node-a\""));
  EXPECT_THAT(own, HasSubstr("color=darkgreen"));
  EXPECT_THAT(own, HasSubstr("serves"));

  // node-a's TGW table sends the VIP into node-a's VPC.
  std::string home = edgeOf(dot, "tgw-rtb-00000000100000000");
  EXPECT_THAT(home, HasSubstr("-> \"vpc-00000010000000000\""));
  EXPECT_THAT(home, HasSubstr("color=darkgreen"));

  // Against node-b, node-a's own routes are wrong.
  std::string forB = graphDot(topology_, vip(), status_, "node-b");
  EXPECT_THAT(edgeOf(forB, "rtb-00000010000000000"), HasSubstr("color=red"));
  EXPECT_THAT(edgeOf(forB, "tgw-rtb-00000000100000000"), HasSubstr("wrong"));
}

TEST_F(GraphTest, BlackholeMissingAndUnknownRoutes) {
  engine::StatusReport status = status_;
  for (auto& r : status.routes) {
    if (r.tableId == "tgw-rtb-01000000100000000") r.route->state = "blackhole";
    if (r.tableId == "rtb-00000020000000000") r.route.reset();
    if (r.tableId == "rtb-01000020000000000") {
      r.known = false;
      r.route.reset();
      r.error = "throttled";
    }
  }
  std::string dot = graphDot(topology_, vip(), status, "node-a");
  std::string hole = edgeOf(dot, "tgw-rtb-01000000100000000");
  EXPECT_THAT(hole, HasSubstr("color=black"));
  EXPECT_THAT(hole, HasSubstr("style=dashed"));
  EXPECT_THAT(hole, HasSubstr("blackhole"));
  std::string missing = edgeOf(dot, "rtb-00000020000000000");
  EXPECT_THAT(missing, HasSubstr("-> \"tgw-00000000000000000\""));  // where it should point
  EXPECT_THAT(missing, HasSubstr("style=dotted"));
  EXPECT_THAT(missing, HasSubstr("missing"));
  std::string unknown = edgeOf(dot, "rtb-01000020000000000");
  EXPECT_THAT(unknown, HasSubstr("unknown"));
  EXPECT_THAT(unknown, HasSubstr("color=grey55"));
}

TEST_F(GraphTest, ActiveNodeDefaultsToTheNodeTheRoutesServe) {
  EXPECT_EQ(graphActiveNode(status_, "node-b"), "node-b");
  // The demo's routes serve node-a.
  EXPECT_EQ(graphActiveNode(status_, ""), "node-a");
  engine::StatusReport none;
  EXPECT_EQ(graphActiveNode(none, ""), "");
  std::string dot = graphDot(topology_, vip(), none, "");
  EXPECT_THAT(dot, HasSubstr("(no active node)"));
  EXPECT_THAT(dot, Not(HasSubstr("id=\"route-")));
}

TEST_F(GraphTest, SvgOfTheDemoContainsEveryVpcAndRoute) {
  auto svg = renderSvg(graphDot(topology_, vip(), status_, "node-a"));
  if (!svg && svg.error().category == ErrorCategory::kNotFound) {
    GTEST_SKIP() << "graphviz not installed: " << svg.error().message;
  }
  ASSERT_TRUE(svg.has_value()) << svg.error().describe();
  EXPECT_THAT(*svg, HasSubstr("<svg"));
  for (const auto& [id, vpc] : topology_.vpcs) EXPECT_THAT(*svg, HasSubstr(id));
  for (const auto* t : topology_.managedVpcTables()) {
    EXPECT_THAT(*svg, HasSubstr("id=\"route-" + t->id + "\"")) << t->id;
  }
  for (const auto* t : topology_.managedTgwTables()) {
    EXPECT_THAT(*svg, HasSubstr("id=\"route-" + t->id + "\"")) << t->id;
  }
}

TEST(RenderSvg, MissingGraphvizIsAClearError) {
  auto svg = renderSvg("digraph x {}\n", "tgwark-test-no-such-dot");
  ASSERT_FALSE(svg.has_value());
  EXPECT_EQ(svg.error().category, ErrorCategory::kNotFound);
  EXPECT_THAT(svg.error().message, HasSubstr("graphviz"));
}

TEST(RenderSvg, BadDotReportsGraphvizError) {
  auto svg = renderSvg("digraph {{{ nonsense\n");
  if (!svg && svg.error().category == ErrorCategory::kNotFound) GTEST_SKIP();
  ASSERT_FALSE(svg.has_value());
  EXPECT_THAT(svg.error().message, HasSubstr("-Tsvg failed"));
}

}  // namespace
}  // namespace tgwark::cli
