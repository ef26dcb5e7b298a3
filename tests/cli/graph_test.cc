// `tgwark graph`: the DOT built from the demo topology as discovered over
// real HTTP from the emulator, route edges coloured by state, and the SVG
// rendered by graphviz when it is installed.
#include "cli/graph.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "cli/commands.h"
#include "engine/engine.h"
#include "support/sim_session.h"
#include "test_paths.h"

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

// `graph --json`: the same vertices and route edges as the DOT, every edge
// between known vertices, each route's state as in the DOT.
TEST_F(GraphTest, JsonHasTheSameRoutesAndStatesAsTheDot) {
  const std::string dot = graphDot(topology_, vip(), status_, "node-b");
  const auto j = graphJson(topology_, vip(), status_, "node-b");
  EXPECT_EQ(j["active_node"], "node-b");
  std::set<std::string> vertices;
  for (const auto& n : j["nodes"]) vertices.insert(n["id"].get<std::string>());
  for (const auto& t : j["tables"]) vertices.insert(t["id"].get<std::string>());
  EXPECT_TRUE(vertices.contains("node:node-a"));
  for (const auto& [id, vpc] : topology_.vpcs) EXPECT_TRUE(vertices.contains(id)) << id;
  std::size_t routes = 0;
  for (const auto& e : j["edges"]) {
    EXPECT_TRUE(vertices.contains(e["from"].get<std::string>())) << e.dump();
    EXPECT_TRUE(vertices.contains(e["to"].get<std::string>())) << e.dump();
    if (e["kind"] != "route") continue;
    ++routes;
    const std::string table = e["from"].get<std::string>();
    EXPECT_THAT(edgeOf(dot, table),
                HasSubstr(fmt::format("\\n{}\"", e["state"].get<std::string>())))
        << table;
    // node-a's own route is wrong for node-b.
    if (table == "rtb-00000010000000000") {
      EXPECT_EQ(e["state"], "wrong");
    }
  }
  EXPECT_EQ(routes, status_.routes.size());
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
  // Graphviz writes '-' in ids and text as "&#45;": compare against the decoded text.
  std::string text = *svg;
  for (std::size_t at = text.find("&#45;"); at != std::string::npos; at = text.find("&#45;", at)) {
    text.replace(at, 5, "-");
  }
  svg = text;
  EXPECT_THAT(*svg, HasSubstr("<svg"));
  for (const auto& [id, vpc] : topology_.vpcs) EXPECT_THAT(*svg, HasSubstr(id));
  for (const auto* t : topology_.managedVpcTables()) {
    EXPECT_THAT(*svg, HasSubstr("id=\"route-" + t->id + "\"")) << t->id;
  }
  for (const auto* t : topology_.managedTgwTables()) {
    EXPECT_THAT(*svg, HasSubstr("id=\"route-" + t->id + "\"")) << t->id;
  }
}

// Within one region each side of a peering has its own attachment id: the
// graph draws the peering once, labelled with both ids.
TEST(GraphPeering, AnIntraRegionPeeringIsDrawnOnce) {
  std::ifstream in(std::string(TGWARK_SOURCE_DIR) + "/topologies/intra-region.json");
  std::stringstream text;
  text << in.rdbuf();
  testing::SimSessionOptions options;
  options.topologyJson = text.str();
  testing::SimSession sim(options);
  auto topology = sim.session().topology(sim.deadline());
  ASSERT_TRUE(topology.has_value()) << topology.error().describe();
  auto status =
      engine::status(sim.session().config(), *topology, sim.session().factory(), sim.deadline());
  ASSERT_TRUE(status.has_value()) << status.error().describe();
  const std::string requester = "tgw-attach-00fff01ee00000000";
  const std::string accepter = "tgw-attach-00fff01ef00000000";

  std::string dot = graphDot(*topology, sim.session().config().vip, *status, "node-a");
  std::size_t drawn = 0;
  for (auto at = dot.find("peering " + requester); at != std::string::npos;
       at = dot.find("peering " + requester, at + 1)) {
    ++drawn;
  }
  EXPECT_EQ(drawn, 1u) << dot;
  EXPECT_THAT(dot, HasSubstr(requester + " / " + accepter));

  auto j = graphJson(*topology, sim.session().config().vip, *status, "node-a");
  std::size_t edges = 0;
  for (const auto& e : j["edges"]) {
    if (e["kind"] == "peering" && (e["id"] == requester || e["id"] == accepter)) {
      ++edges;
      EXPECT_EQ(e.value("peer_id", ""), e["id"] == requester ? accepter : requester);
    }
  }
  EXPECT_EQ(edges, 1u);
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

namespace tgwark::cli {
namespace {

// The process environment for one test (Session::open reads it), restored after.
class ScopedEnv {
 public:
  explicit ScopedEnv(std::map<std::string, std::string> vars) {
    for (const auto& [k, v] : vars) {
      const char* old = std::getenv(k.c_str());
      saved_.emplace_back(k, old ? std::optional<std::string>(old) : std::nullopt);
      ::setenv(k.c_str(), v.c_str(), 1);
    }
  }
  ~ScopedEnv() {
    for (const auto& [k, v] : saved_) {
      if (v) {
        ::setenv(k.c_str(), v->c_str(), 1);
      } else {
        ::unsetenv(k.c_str());
      }
    }
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

std::string slurpFile(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(GraphCommand, WritesTheDotFileAndTheMetricsFile) {
  testing::SimSession sim;
  namespace fs = std::filesystem;
  std::string tmpl = (fs::temp_directory_path() / "tgwark-graph-cmd-XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  fs::path dir(tmpl);
  fs::path config = dir / "tgwark.toml";
  {
    std::ofstream out(config);
    out << "vip = \"192.168.10.10\"\n"
           "[[node]]\nname = \"node-a\"\nregion = \"us-east-1\"\neni = \"eni-00000010000000000\"\n"
           "[[node]]\nname = \"node-b\"\nregion = \"us-west-2\"\neni = \"eni-01000010000000000\"\n"
           "[aws]\nendpoint_url = \""
        << sim.server().url() << "\"\n";
  }
  ScopedEnv env({{"AWS_ACCESS_KEY_ID", "AKIDSIMULATOR"},
                 {"AWS_SECRET_ACCESS_KEY", "simulator-secret-key"},
                 {"AWS_CONFIG_FILE", "/dev/null"},
                 {"AWS_SHARED_CREDENTIALS_FILE", "/dev/null"},
                 {"AWS_EC2_METADATA_DISABLED", "true"},
                 {"TGWARK_STATE_DIR", (dir / "state").string()}});
  GlobalOptions g;
  g.config = config.string();
  g.metricsFile = (dir / "tgwark.prom").string();
  g.verbosity = -1;
  GraphOptions o;
  o.output = (dir / "vip.dot").string();
  EXPECT_EQ(cmdGraph(g, o), 0);
  std::string dot = slurpFile(o.output);
  EXPECT_TRUE(dot.starts_with("digraph tgwark {"));
  EXPECT_THAT(dot, HasSubstr("id=\"route-rtb-00000010000000000\""));
  EXPECT_THAT(dot, HasSubstr("→ node-a"));  // the node the routes serve
  std::string metrics = slurpFile(g.metricsFile);
  EXPECT_THAT(metrics, HasSubstr("tgwark_last_run_success{command=\"graph\"} 1\n"));
  EXPECT_THAT(metrics,
              HasSubstr("tgwark_last_run_routes{command=\"graph\",state=\"correct\"} 9\n"));
  EXPECT_THAT(
      metrics,
      HasSubstr("tgwark_api_calls_total{command=\"graph\",api=\"SearchTransitGatewayRoutes\"}"));

  // An unknown --active is a usage problem: exit 2, and the metrics say it failed.
  o.active = "node-z";
  EXPECT_EQ(cmdGraph(g, o), 2);
  EXPECT_THAT(slurpFile(g.metricsFile),
              HasSubstr("tgwark_last_run_success{command=\"graph\"} 0\n"));
  std::error_code ec;
  fs::remove_all(dir, ec);
}

TEST(ValidateCommand, ConfigThatDoesNotLoadExits2) {
  GlobalOptions g;
  g.config = "/nonexistent/tgwark-test.toml";
  g.verbosity = -1;
  EXPECT_EQ(cmdValidate(g), 2);
}

}  // namespace
}  // namespace tgwark::cli
