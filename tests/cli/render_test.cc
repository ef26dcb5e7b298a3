#include "cli/render.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../plan/topology_builder.h"

namespace tgwark::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(DiscoverTomlTest, ListsManagedTablesAndRegionsBeyondTheNodes) {
  auto toml = topologyToml(test::ref3r());
  EXPECT_THAT(toml, HasSubstr("\"rtb-e1a\","));
  EXPECT_THAT(toml, HasSubstr("\"tgw-rtb-eu-1\","));
  // eu-west-1 holds no node: the pasted scope must name it or its tables are not found.
  EXPECT_THAT(toml, HasSubstr("regions = [\"eu-west-1\"]"));
  EXPECT_THAT(toml, Not(HasSubstr("\"us-east-1\"]")));
}

TEST(DiscoverTomlTest, PastedScopeHasNoKeyOrSyntaxErrors) {
  std::string config = R"(vip = "192.168.10.10"
)" + topologyToml(test::ref3r()) +
                       R"(
[[node]]
name = "node-a"
region = "us-east-1"
eni = "eni-0123456789abcdef0"
[[node]]
name = "node-b"
region = "us-west-2"
eni = "eni-0fedcba9876543210"
)";
  // The builder's ids are not AWS-shaped, so only the structure is checked:
  // every problem reported must be about an id, never about TOML syntax or keys.
  auto parsed = model::parseConfig(config, "pasted.toml");
  if (!parsed) {
    EXPECT_THAT(parsed.error().message, Not(HasSubstr("unknown key")));
    EXPECT_THAT(parsed.error().message, Not(HasSubstr("syntax")));
  }
}

}  // namespace
}  // namespace tgwark::cli

#include "cli/progress.h"

namespace tgwark::cli {
namespace {

TEST(ProgressTest, LineShowsPhaseCallsAndTime) {
  EXPECT_EQ(Progress::line("apply node-b: writing", 12, 3.25),
            "apply node-b: writing … 12 API calls, 3.2 s");
  EXPECT_EQ(Progress::line("discovering", 1, 0.0), "discovering … 1 API call, 0.0 s");
}

TEST(ProgressTest, SilentWhenStderrIsNotATerminal) {
  // ctest captures stderr: the indicator must not start (LifeKeeper logs stay clean).
  Progress progress([] { return 0; });
  EXPECT_FALSE(progress.active());
  progress.phase("x");
  progress.done();
  progress.done();
}

}  // namespace
}  // namespace tgwark::cli
