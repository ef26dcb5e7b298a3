// The OCF agent end to end in-process: parameters from an injected
// environment, the Context over the fake cloud, the exit code and the exit
// reason Pacemaker would see, what was written to the cloud and the marker.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "ocf/agent.h"
#include "support/fake_ec2.h"
#include "support/worlds.h"

namespace tgwark::ocf {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace tgwark::testing;  // NOLINT: the shared fake worlds

class AgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "tgwark-ocf-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    configPath_ = (dir_ / "tgwark.toml").string();
    std::ofstream(configPath_) << baseConfigText("create_missing = true\n");
    env_ = {{"OCF_RESKEY_config", configPath_},
            {"OCF_RESKEY_state_dir", (dir_ / "run").string()},
            {"OCF_RESOURCE_INSTANCE", "vip-routes"}};
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path marker() const { return dir_ / "run" / "vip-routes.active"; }
  void touchMarker() {
    fs::create_directories(marker().parent_path());
    std::ofstream(marker()) << "started\n";
  }

  AgentWorld world() {
    AgentWorld w;
    w.env = [this](std::string_view name) -> std::optional<std::string> {
      auto it = env_.find(std::string(name));
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
    w.loadContext = [this](app::LoadOptions load) -> Result<std::unique_ptr<app::Context>> {
      loaded_ = load;
      auto config = app::loadConfiguration(load);
      if (!config) return std::unexpected(config.error());
      app::ContextOptions options;
      options.config = std::move(*config);
      options.env = load.env;
      options.nodeFlag = load.nodeFlag;
      options.nodeLookup = load.nodeLookup;
      options.actionTimeout = load.actionTimeout;
      options.clock = clock_;
      options.ec2Factory = cloud_->factory();
      options.instanceId = []() -> Result<std::string> {
        return makeError(ErrorCategory::kNotFound, "no instance metadata in tests");
      };
      options.hostName = "";
      return app::Context::create(std::move(options));
    };
    w.clusterNodeName = [this]() -> std::optional<std::string> {
      ++crmNodeCalls_;
      return crmNode_;
    };
    w.exitReason = [this](const std::string& text) { reasons_.push_back(text); };
    w.configureLogging = false;
    return w;
  }

  // Runs `action` with `extra` added to the environment for this run only.
  int run(const std::string& action, const std::map<std::string, std::string>& extra = {}) {
    auto saved = env_;
    for (const auto& [k, v] : extra) env_[k] = v;
    reasons_.clear();
    int rc = runAction(action, AgentOptions{}, world());
    env_ = saved;
    return rc;
  }

  std::string reason() const { return reasons_.empty() ? "" : reasons_.back(); }

  // node-b restores (as the CLI would on node-b): the routes now serve node-b.
  void nodeBTakesOver() {
    ASSERT_EQ(run("start", {{"OCF_RESKEY_CRM_meta_on_node", "node-b"}}), kSuccess) << reason();
    ASSERT_EQ(cloud_->routeTarget(kRtbB1, kVip), kEniB);
    fs::remove(marker());
    cloud_->resetCalls();
  }

  fs::path dir_;
  std::string configPath_;
  std::map<std::string, std::string> env_;
  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
  std::shared_ptr<FakeCloud> cloud_ = twoRegions();  // node-a active
  std::optional<app::LoadOptions> loaded_;
  std::vector<std::string> reasons_;
  std::optional<std::string> crmNode_;
  int crmNodeCalls_ = 0;
};

const std::map<std::string, std::string> kProbeOnA = {{"OCF_RESKEY_CRM_meta_interval", "0"},
                                                      {"OCF_RESKEY_CRM_meta_on_node", "node-a"}};
const std::map<std::string, std::string> kProbeOnB = {{"OCF_RESKEY_CRM_meta_interval", "0"},
                                                      {"OCF_RESKEY_CRM_meta_on_node", "node-b"}};
const std::map<std::string, std::string> kMonitorOnA = {{"OCF_RESKEY_CRM_meta_interval", "120000"},
                                                        {"OCF_RESKEY_CRM_meta_on_node", "node-a"}};

// ---- probes --------------------------------------------------------------------

TEST_F(AgentTest, ProbeWithAStaleMarkerWhereTheRoutesServeAnotherNodeIsNotRunning) {
  touchMarker();  // left by a crash: node-b was active once, node-a is now
  EXPECT_EQ(run("monitor", kProbeOnB), kNotRunning) << reason();
  EXPECT_EQ(cloud_->writeCount(), 0);
  EXPECT_FALSE(fs::exists(marker())) << "the stale marker is dropped";
  EXPECT_TRUE(reasons_.empty()) << "a probe's 7 is not a failure: " << reason();
}

// Pacemaker 2.1 runs a probe with CRM_meta_interval unset (seen in a real
// cluster, tests/pacemaker): crm_feature_set says Pacemaker runs it.
TEST_F(AgentTest, APacemakerMonitorWithoutAnIntervalIsAProbe) {
  const std::map<std::string, std::string> pacemakerProbeOnA = {
      {"OCF_RESKEY_crm_feature_set", "3.16.1"}, {"OCF_RESKEY_CRM_meta_on_node", "node-a"}};
  ASSERT_FALSE(fs::exists(marker()));  // a reboot cleared /run
  EXPECT_EQ(run("monitor", pacemakerProbeOnA), kSuccess) << reason();
  EXPECT_TRUE(fs::exists(marker())) << "answered from the routes, not from the missing marker";
  EXPECT_EQ(cloud_->writeCount(), 0);
  // Outside Pacemaker (a manual run) no interval is still a recurring monitor.
  fs::remove(marker());
  EXPECT_EQ(run("monitor", {{"OCF_RESKEY_CRM_meta_on_node", "node-a"}}), kNotRunning);
}

TEST_F(AgentTest, ProbeWhereTheRoutesServeThisNodeIsRunningAndAdoptsIt) {
  EXPECT_EQ(run("monitor", kProbeOnA), kSuccess) << reason();
  EXPECT_TRUE(fs::exists(marker())) << "the recurring monitor and stop must find it";
  EXPECT_EQ(run("monitor", kMonitorOnA), kSuccess) << reason();
}

TEST_F(AgentTest, ProbeOnlyReadsEvenWhenARemoteRouteDrifted) {
  cloud_->setRouteState(kRtbC1, kVip, "blackhole");
  EXPECT_EQ(run("monitor", kProbeOnA), kSuccess) << reason();
  EXPECT_EQ(cloud_->writeCount(), 0);
  EXPECT_EQ(cloud_->routeState(kRtbC1, kVip), "blackhole");
}

TEST_F(AgentTest, ProbeWithBrokenHomeRoutesMeantForThisNodeFails) {
  cloud_->setRouteState(kRtbA1, kVip, "blackhole");
  EXPECT_EQ(run("monitor", kProbeOnA), kErrGeneric);
  EXPECT_THAT(reason(), HasSubstr(kRtbA1));
  EXPECT_EQ(cloud_->writeCount(), 0);
}

TEST_F(AgentTest, ProbeAfterATakeoverIsNotRunningOnTheNodeThatYielded) {
  touchMarker();
  nodeBTakesOver();
  touchMarker();
  EXPECT_EQ(run("monitor", kProbeOnA), kNotRunning) << reason();
  EXPECT_EQ(cloud_->writeCount(), 0);
}

TEST_F(AgentTest, ProbeThatCannotReadTheRoutesTrustsTheMarker) {
  cloud_->setInterceptor([](const FakeCall&) -> std::optional<Error> {
    return fakeAwsError(ErrorCategory::kRetryable, "Transport.Error", "down", 0);
  });
  EXPECT_EQ(run("monitor", kProbeOnA), kNotRunning);
  touchMarker();
  EXPECT_EQ(run("monitor", kProbeOnA), kSuccess) << reason();
}

// ---- recurring monitors ------------------------------------------------------------

TEST_F(AgentTest, RecurringMonitorWithoutMarkerIsNotRunningWithoutAws) {
  EXPECT_EQ(run("monitor", kMonitorOnA), kNotRunning);
  EXPECT_EQ(cloud_->totalCalls(), 0);
  EXPECT_EQ(run("monitor"), kNotRunning) << "no interval (ocf-tester): an ordinary monitor";
  EXPECT_EQ(cloud_->totalCalls(), 0);
}

TEST_F(AgentTest, RecurringMonitorAfterATakeoverIsNotRunningAndReclaimsNothing) {
  nodeBTakesOver();
  touchMarker();
  EXPECT_EQ(run("monitor", kMonitorOnA), kNotRunning);
  EXPECT_THAT(reason(), HasSubstr("taken over by node-b"));
  EXPECT_EQ(cloud_->writeCount(), 0);
  EXPECT_FALSE(fs::exists(marker()));
}

TEST_F(AgentTest, RecurringMonitorRepairsRemoteDrift) {
  touchMarker();
  cloud_->setRouteState(kRtbC1, kVip, "blackhole");
  EXPECT_EQ(run("monitor", kMonitorOnA), kSuccess) << reason();
  EXPECT_EQ(cloud_->routeState(kRtbC1, kVip), "active");
}

TEST_F(AgentTest, RecurringMonitorWithBrokenHomeRoutesFailsNamingTheTable) {
  touchMarker();
  cloud_->setRouteState(kRtbA1, kVip, "blackhole");
  EXPECT_EQ(run("monitor", kMonitorOnA), kErrGeneric);
  EXPECT_THAT(reason(), HasSubstr(kRtbA1));
  EXPECT_THAT(reason(), Not(HasSubstr("API calls")));
  EXPECT_LE(reason().size(), kExitReasonMax);
}

// ---- start and stop ----------------------------------------------------------------

TEST_F(AgentTest, StartMakesThisNodeActiveAndStopForgetsItWithoutAws) {
  EXPECT_EQ(run("start", {{"OCF_RESKEY_CRM_meta_on_node", "node-b"}}), kSuccess) << reason();
  EXPECT_EQ(cloud_->routeTarget(kRtbB1, kVip), kEniB);
  EXPECT_TRUE(fs::exists(marker()));
  cloud_->resetCalls();
  EXPECT_EQ(run("stop"), kSuccess);
  EXPECT_FALSE(fs::exists(marker()));
  EXPECT_EQ(run("monitor"), kNotRunning);
  EXPECT_EQ(cloud_->totalCalls(), 0);
}

// ---- which node --------------------------------------------------------------------

TEST_F(AgentTest, TheNodeIsPacemakersNodeNameAndTheNodeParameterOverridesIt) {
  ASSERT_EQ(run("validate-all", {{"OCF_RESKEY_CRM_meta_on_node", "node-b"}}), kSuccess);
  ASSERT_TRUE(loaded_);
  EXPECT_EQ(loaded_->nodeLookup.clusterNodeName, "node-b");
  EXPECT_EQ(crmNodeCalls_, 0) << "crm_node is asked only without CRM_meta_on_node";
  // The node parameter wins: start on "node-b" with node=node-a changes nothing.
  EXPECT_EQ(run("start", {{"OCF_RESKEY_node", "node-a"}}), kSuccess) << reason();
  EXPECT_EQ(cloud_->writeCount(), 0);
}

TEST_F(AgentTest, WithoutCrmMetaOnNodeTheNodeComesFromCrmNode) {
  crmNode_ = "node-b";
  EXPECT_EQ(run("start"), kSuccess) << reason();
  EXPECT_EQ(crmNodeCalls_, 1);
  EXPECT_EQ(cloud_->routeTarget(kRtbB1, kVip), kEniB);
}

TEST_F(AgentTest, AnUnidentifiableNodeFailsThisNodeOnlyWithAnOcfHint) {
  EXPECT_EQ(run("start", {{"OCF_RESKEY_CRM_meta_on_node", "db7"}}), kErrInstalled);
  EXPECT_THAT(reason(), HasSubstr("set the resource's node parameter"));
  EXPECT_THAT(reason(), Not(HasSubstr("--node")));
  EXPECT_EQ(cloud_->totalCalls(), 0);
}

// ---- configuration and parameters ------------------------------------------------

TEST_F(AgentTest, AConfigMissingOnThisNodeIsNotInstalledHere) {
  for (const char* action : {"start", "validate-all", "monitor"}) {
    EXPECT_EQ(run(action, {{"OCF_RESKEY_config", (dir_ / "absent.toml").string()},
                           {"OCF_RESKEY_CRM_meta_interval", "0"}}),
              kErrInstalled)
        << action;
    EXPECT_THAT(reason(), HasSubstr("absent.toml"));
  }
  EXPECT_EQ(cloud_->totalCalls(), 0);
}

TEST_F(AgentTest, AnInvalidConfigIsNotConfiguredEverywhere) {
  std::ofstream(configPath_) << "vipp = \"192.168.10.10\"\n\n\n# more\n";
  EXPECT_EQ(run("validate-all"), kErrConfigured);
  EXPECT_EQ(reason().find('\n'), std::string::npos);
  EXPECT_EQ(run("start"), kErrConfigured);
  EXPECT_EQ(cloud_->totalCalls(), 0);
}

TEST_F(AgentTest, MalformedParametersAreArgumentErrorsButNeverFailStop) {
  for (auto [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"OCF_RESKEY_config", "relative.toml"},
           {"OCF_RESKEY_state_dir", "run"},
           {"OCF_RESKEY_CRM_meta_timeout", "soon"},
           {"OCF_RESKEY_CRM_meta_interval", "often"}}) {
    EXPECT_EQ(run("start", {{name, value}}), kErrArgs) << name;
    EXPECT_THAT(reason(), HasSubstr(value));
    touchMarker();
    EXPECT_EQ(run("stop", {{name, value}}), kSuccess) << name;
    EXPECT_EQ(fs::exists(marker()), name == "OCF_RESKEY_state_dir")
        << name << ": stop forgets this node's marker whatever else is wrong";
  }
  EXPECT_EQ(cloud_->totalCalls(), 0);
}

// ---- configuration in the CIB: parameters only, and over a file ----------------

const std::map<std::string, std::string> kParamsOnly = {
    {"OCF_RESKEY_config", ""},
    {"OCF_RESKEY_ip", "192.168.10.10"},
    {"OCF_RESKEY_nodes", "node-a=eni-a0000001:us-east-1 node-b=eni-b0000001:us-west-2"}};

std::map<std::string, std::string> with(std::map<std::string, std::string> base,
                                        const std::map<std::string, std::string>& extra) {
  for (const auto& [k, v] : extra) base[k] = v;
  return base;
}

TEST_F(AgentTest, TheParametersAloneConfigureTheAgent) {
  fs::remove(configPath_);  // no file anywhere
  auto onB = with(kParamsOnly, {{"OCF_RESKEY_CRM_meta_on_node", "node-b"}});
  EXPECT_EQ(run("validate-all", onB), kSuccess) << reason();
  ASSERT_TRUE(loaded_);
  EXPECT_TRUE(loaded_->noFile);
  EXPECT_EQ(run("start", onB), kSuccess) << reason();
  EXPECT_EQ(cloud_->routeTarget(kRtbA1, kVip), kTgwE);
  EXPECT_EQ(cloud_->routeTarget(kRtbB1, kVip), kEniB);
  EXPECT_EQ(run("monitor", with(onB, {{"OCF_RESKEY_CRM_meta_interval", "120000"}})), kSuccess)
      << reason();
  EXPECT_EQ(run("reload-agent", with(onB, {{"OCF_RESKEY_remote_wait_s", "5"}})), kSuccess)
      << reason();
  EXPECT_EQ(run("stop", onB), kSuccess);
  EXPECT_FALSE(fs::exists(marker()));
}

TEST_F(AgentTest, ParametersOverrideTheConfigFile) {
  // The file says create_missing = true: a start recreates the VIP route that
  // rtb-a0000002 (a managed table of node-a's VPC) lost.
  cloud_->removeRoute(kRtbA2, kVip);
  auto onB = std::map<std::string, std::string>{{"OCF_RESKEY_CRM_meta_on_node", "node-b"}};
  EXPECT_EQ(run("start", with(onB, {{"OCF_RESKEY_create_missing", "false"}})), kSuccess)
      << reason();
  EXPECT_EQ(cloud_->routeTarget(kRtbA2, kVip), std::nullopt) << "the parameter wins over the file";
  EXPECT_EQ(cloud_->routeTarget(kRtbA1, kVip), kTgwE);
  EXPECT_EQ(run("start", onB), kSuccess) << reason();
  EXPECT_EQ(cloud_->routeTarget(kRtbA2, kVip), kTgwE) << "unset, the file's value holds";
}

TEST_F(AgentTest, ANamedConfigFileIsReadEvenWhenTheParametersDescribeTheCluster) {
  // vip and nodes from parameters, the rest from the named file; the file
  // missing on this node fails this node only.
  auto params = with(kParamsOnly, {{"OCF_RESKEY_config", (dir_ / "absent.toml").string()},
                                   {"OCF_RESKEY_CRM_meta_on_node", "node-b"}});
  EXPECT_EQ(run("start", params), kErrInstalled);
  EXPECT_THAT(reason(), HasSubstr("absent.toml"));
  params["OCF_RESKEY_config"] = configPath_;
  EXPECT_EQ(run("start", params), kSuccess) << reason();
  EXPECT_EQ(cloud_->routeTarget(kRtbB1, kVip), kEniB);
}

TEST_F(AgentTest, ParameterErrorsAreArgsWhenMalformedAndConfiguredWhenInvalid) {
  for (const char* action : {"start", "validate-all", "reload-agent", "monitor"}) {
    auto probe = with(kParamsOnly, {{"OCF_RESKEY_CRM_meta_interval", "0"}});
    EXPECT_EQ(run(action, with(probe, {{"OCF_RESKEY_nodes", "node-a node-b"}})), kErrArgs)
        << action;
    EXPECT_THAT(reason(), HasSubstr("parameter nodes="));
    EXPECT_EQ(run(action, with(probe, {{"OCF_RESKEY_create_missing", "perhaps"}})), kErrArgs)
        << action;
    EXPECT_EQ(run(action, with(probe, {{"OCF_RESKEY_nodes",
                                        "node-a=eni-a0000001:us-east-1 node-b=eni-zz:us-west-2"}})),
              kErrConfigured)
        << action;
    EXPECT_THAT(reason(), HasSubstr("parameter nodes: node[1].eni"));
    EXPECT_EQ(run(action, {{"OCF_RESKEY_config", ""},
                           {"OCF_RESKEY_CRM_meta_interval", "0"},
                           {"OCF_RESKEY_nodes", kParamsOnly.at("OCF_RESKEY_nodes")}}),
              kErrConfigured)
        << action;
    EXPECT_THAT(reason(), HasSubstr("parameter vip (or ip) is required"));
    // A parameter that is wrong over a good file is just as wrong.
    EXPECT_EQ(run(action,
                  {{"OCF_RESKEY_CRM_meta_interval", "0"}, {"OCF_RESKEY_remote_wait_s", "100000"}}),
              kErrConfigured)
        << action;
    EXPECT_THAT(reason(), HasSubstr("parameter remote_wait_s"));
  }
  touchMarker();
  EXPECT_EQ(run("stop", with(kParamsOnly, {{"OCF_RESKEY_nodes", "node-a"}})), kSuccess);
  EXPECT_FALSE(fs::exists(marker()));
  EXPECT_EQ(cloud_->totalCalls(), 0);
}

TEST_F(AgentTest, WithRepairRemoteOffAMonitorOnlyReportsRemoteDrift) {
  touchMarker();
  cloud_->setRouteState(kRtbC1, kVip, "blackhole");
  EXPECT_EQ(run("monitor", with(kMonitorOnA, {{"OCF_RESKEY_repair_remote", "false"}})), kSuccess)
      << reason();
  EXPECT_EQ(cloud_->writeCount(), 0);
  EXPECT_EQ(cloud_->routeState(kRtbC1, kVip), "blackhole");
  EXPECT_EQ(run("monitor", kMonitorOnA), kSuccess) << reason();
  EXPECT_EQ(cloud_->routeState(kRtbC1, kVip), "active");
}

// ---- deadlines ---------------------------------------------------------------------

TEST_F(AgentTest, PacemakersTimeoutBoundsTheAction) {
  EXPECT_EQ(run("start", {{"OCF_RESKEY_CRM_meta_timeout", "20000"},
                          {"OCF_RESKEY_CRM_meta_on_node", "node-a"}}),
            kSuccess)
      << reason();
  ASSERT_TRUE(loaded_);
  ASSERT_TRUE(loaded_->actionTimeout);
  EXPECT_EQ(*loaded_->actionTimeout, std::chrono::milliseconds(18000));
}

}  // namespace
}  // namespace tgwark::ocf
