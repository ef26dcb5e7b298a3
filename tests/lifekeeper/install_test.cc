#include "lifekeeper/install.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fmt/format.h>

namespace tgwark::lifekeeper {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

class InstallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("tgwark-lk-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  // An executable stand-in for tgwark that echoes its arguments.
  fs::path fakeTgwark() {
    fs::create_directories(dir_);
    fs::path fake = dir_ / "fake-tgwark";
    {
      std::ofstream out(fake);
      out << "#!/bin/sh\necho \"$@\"\n";
    }
    fs::permissions(fake, fs::perms::owner_all);
    return fake;
  }

  // The first line a script prints when run with `args`.
  static std::string runScript(const fs::path& script, const std::string& args) {
    std::string cmd = script.string() + " " + args;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (p == nullptr) return "";
    char buf[512] = {};
    std::string line = ::fgets(buf, sizeof buf, p) != nullptr ? buf : "";
    ::pclose(p);
    return line;
  }

  fs::path dir_;
};

TEST_F(InstallTest, WritesFourExecutableScriptsThatExecTgwark) {
  const std::string binary = fakeTgwark().string();
  InstallOptions options{.tag = "vip-sap",
                         .configPath = "/etc/tgwark/sap.toml",
                         .directory = dir_.string(),
                         .tgwarkPath = binary};
  auto result = installScripts(options);
  ASSERT_TRUE(result.has_value()) << result.error().describe();
  ASSERT_EQ(result->scripts.size(), 4u);
  for (const char* action : kActions) {
    fs::path p = dir_ / action;
    struct stat st {};
    ASSERT_EQ(::stat(p.c_str(), &st), 0) << p;
    EXPECT_EQ(st.st_mode & 0777, 0755u) << p;
    std::string text = read(p);
    EXPECT_THAT(text, HasSubstr("#!/bin/sh\n"));
    EXPECT_THAT(text, HasSubstr("exec '" + binary + "' " + action +
                                " --config '/etc/tgwark/sap.toml' \"$@\"\n"));
  }
}

TEST_F(InstallTest, ScriptsRunAndPassLifeKeeperArguments) {
  // A stand-in "tgwark" that echoes its arguments proves the scripts pass -t/-i through.
  fs::path fake = fakeTgwark();
  InstallOptions options{
      .tag = "t1", .directory = (dir_ / "scripts").string(), .tgwarkPath = fake.string()};
  ASSERT_TRUE(installScripts(options).has_value());
  std::string cmd = (dir_ / "scripts" / "quickCheck").string() + " -t t1 -i 42";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[256] = {};
  ASSERT_NE(::fgets(buf, sizeof buf, p), nullptr);
  EXPECT_EQ(::pclose(p), 0);
  EXPECT_EQ(std::string(buf), "quickCheck -t t1 -i 42\n");
}

TEST_F(InstallTest, RejectsBadTagWithoutWriting) {
  InstallOptions options{
      .tag = "bad tag/x", .directory = dir_.string(), .tgwarkPath = "/usr/bin/tgwark"};
  auto result = installScripts(options);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().category, ErrorCategory::kInvalidConfig);
  EXPECT_THAT(result.error().message, HasSubstr("bad tag/x"));
  EXPECT_FALSE(fs::exists(dir_));
}

TEST_F(InstallTest, ConfigPathWithQuoteIsShellSafe) {
  InstallOptions options{
      .tag = "t", .configPath = "/etc/it's.toml", .tgwarkPath = "/usr/bin/tgwark"};
  EXPECT_THAT(scriptText(options, "restore"), HasSubstr("--config '/etc/it'\\''s.toml'"));
}

TEST_F(InstallTest, InstructionsNameCreapphierDependencyNobcastpingAndPolicy) {
  InstallOptions options{.tag = "vip1",
                         .configPath = "/etc/tgwark/t.toml",
                         .directory = "/opt/x",
                         .tgwarkPath = "/usr/bin/tgwark",
                         .ipResourceTag = "ip-192.168.10.10",
                         .createMissing = false};
  InstallResult r{.directory = "/opt/x", .scripts = {}};
  std::string text = setupInstructions(options, r);
  EXPECT_THAT(text, HasSubstr("creapphier \"$(uname -n)\""));
  EXPECT_THAT(text, HasSubstr("/opt/x/restore /opt/x/remove vip1 /etc/tgwark/t.toml intelligent"));
  EXPECT_THAT(text, HasSubstr("dep_create -p vip1 -c ip-192.168.10.10"));
  EXPECT_THAT(text, HasSubstr("NOBCASTPING=1"));
  EXPECT_THAT(text, HasSubstr("\"ec2:ReplaceTransitGatewayRoute\""));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("\"ec2:CreateRoute\"")));
}

// The policy printed is the config's: one VPC without a transit gateway
// needs no transit gateway action, in the policy or in the minimal set; a
// layout not known yet gets the policy for both and says what to drop.
TEST_F(InstallTest, PolicyHasTransitGatewayActionsOnlyWhenTheScopeMayHaveOne) {
  InstallOptions options{.tag = "vip1",
                         .configPath = "/etc/tgwark/t.toml",
                         .tgwarkPath = "/usr/bin/tgwark",
                         .createMissing = true,
                         .transitGateways = false};
  InstallResult r{.directory = "/opt/x"};
  std::string text = setupInstructions(options, r);
  EXPECT_THAT(text, Not(HasSubstr("TransitGateway")));
  EXPECT_THAT(text, Not(HasSubstr("vendor TGW kit")));
  EXPECT_THAT(text, HasSubstr("create_missing = true; one VPC, no transit gateway"));
  for (const char* action :
       {"\"ec2:DescribeRouteTables\"", "\"ec2:ReplaceRoute\"", "\"ec2:CreateRoute\"",
        "\"ec2:DescribeNetworkInterfaces\"", "\"ec2:DescribeVpcs\""}) {
    EXPECT_THAT(text, HasSubstr(action)) << action;
  }
  EXPECT_THAT(text, HasSubstr("the minimal set is enough:\n  ec2:DescribeRouteTables "
                              "ec2:ReplaceRoute\n"));
  EXPECT_THAT(text, Not(HasSubstr("No discovery has run")));

  options.transitGateways = true;
  text = setupInstructions(options, r);
  EXPECT_THAT(text, HasSubstr("\"ec2:ReplaceTransitGatewayRoute\""));
  EXPECT_THAT(text, HasSubstr("\"ec2:CreateTransitGatewayRoute\""));
  EXPECT_THAT(text, HasSubstr("the minimal set (the vendor TGW kit's own) is enough:\n"));
  EXPECT_THAT(text, HasSubstr(" ec2:SearchTransitGatewayRoutes"));
  EXPECT_THAT(text, Not(HasSubstr("No discovery has run")));

  options.transitGateways.reset();
  text = setupInstructions(options, r);
  EXPECT_THAT(text, HasSubstr("\"ec2:ReplaceTransitGatewayRoute\""));
  EXPECT_THAT(text, HasSubstr("No discovery has run on this node"));
  EXPECT_THAT(
      text,
      HasSubstr("run this command again after:\n  tgwark discover --config /etc/tgwark/t.toml\n"));
}

TEST_F(InstallTest, InstalledBinaryIsTheBuildsInstallPathNotTheRunningBinary) {
  std::string installed = installedBinary();
  ASSERT_FALSE(installed.empty());
  EXPECT_EQ(installed.front(), '/');
  EXPECT_TRUE(installed.ends_with("/tgwark")) << installed;
  char self[4096] = {};
  ASSERT_GT(::readlink("/proc/self/exe", self, sizeof self - 1), 0);
  EXPECT_NE(fs::path(installed).parent_path(), fs::path(self).parent_path());
}

TEST_F(InstallTest, RefusesABinaryThatDoesNotExistWithoutWriting) {
  InstallOptions options{.tag = "t",
                         .directory = (dir_ / "scripts").string(),
                         .tgwarkPath = (dir_ / "no-such-tgwark").string()};
  auto result = installScripts(options);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().category, ErrorCategory::kInvalidConfig);
  EXPECT_THAT(result.error().message, HasSubstr("no-such-tgwark"));
  EXPECT_THAT(result.error().message, HasSubstr("does not exist"));
  EXPECT_THAT(result.error().message, HasSubstr("--binary"));
  EXPECT_FALSE(fs::exists(dir_ / "scripts"));
}

TEST_F(InstallTest, RefusesABinaryThatIsNotExecutable) {
  fs::path fake = fakeTgwark();
  fs::permissions(fake, fs::perms::owner_read | fs::perms::owner_write);
  auto checked = checkBinary(fake.string());
  ASSERT_FALSE(checked.has_value());
  EXPECT_THAT(checked.error().message, HasSubstr("not an executable file"));
  EXPECT_FALSE(checkBinary(dir_.string()).has_value());  // a directory
  EXPECT_FALSE(checkBinary("tgwark").has_value());       // relative
}

TEST_F(InstallTest, MetricsFileAndSyslogReachEveryAction) {
  fs::path fake = fakeTgwark();
  InstallOptions options{.tag = "t1",
                         .configPath = "/etc/tgwark/t.toml",
                         .directory = (dir_ / "scripts").string(),
                         .tgwarkPath = fake.string(),
                         .metricsFile = "/var/lib/node_exporter/tgwark.prom",
                         .syslog = true};
  ASSERT_TRUE(installScripts(options).has_value());
  for (const char* action : kActions) {
    EXPECT_EQ(runScript(dir_ / "scripts" / action, "-t t1 -i 7"),
              std::string(action) +
                  " --config /etc/tgwark/t.toml --metrics-file "
                  "/var/lib/node_exporter/tgwark.prom --syslog -t t1 -i 7\n");
  }
  InstallOptions plain{.tag = "t1", .tgwarkPath = fake.string()};
  EXPECT_THAT(scriptText(plain, "restore"), ::testing::Not(HasSubstr("--syslog")));
  EXPECT_THAT(scriptText(plain, "restore"), ::testing::Not(HasSubstr("--metrics-file")));
}

TEST_F(InstallTest, RefusesARelativeMetricsFile) {
  InstallOptions options{.tag = "t",
                         .directory = (dir_ / "scripts").string(),
                         .tgwarkPath = fakeTgwark().string(),
                         .metricsFile = "tgwark.prom"};
  auto result = installScripts(options);
  ASSERT_FALSE(result.has_value());
  EXPECT_THAT(result.error().message, HasSubstr("absolute"));
  EXPECT_FALSE(fs::exists(dir_ / "scripts"));
}

TEST_F(InstallTest, DependencyStepsCoverEveryNode) {
  InstallOptions options{.tag = "vip1",
                         .tgwarkPath = "/usr/bin/tgwark",
                         .ipResourceTag = "ip-vip",
                         .nodes = {"node-a", "node-b", "node-c"}};
  std::string text = setupInstructions(options, InstallResult{.directory = "/opt/x"});
  // Before extending: once, on the first node; the extension copies it.
  EXPECT_THAT(text, HasSubstr("before extending"));
  EXPECT_THAT(text, HasSubstr("$LKROOT/bin/dep_create -p vip1 -c ip-vip\n"));
  // After extending: on each node by name.
  for (const char* node : {"node-a", "node-b", "node-c"}) {
    EXPECT_THAT(text, HasSubstr(fmt::format("dep_create -d '{}' -p vip1 -c ip-vip", node)));
  }
  EXPECT_THAT(text, HasSubstr("dep_list -p vip1"));
  // Without a config's nodes: a placeholder that says "each node".
  options.nodes.clear();
  text = setupInstructions(options, InstallResult{.directory = "/opt/x"});
  EXPECT_THAT(text, HasSubstr("dep_create -d <node> -p vip1 -c ip-vip   (each node)"));
}

TEST_F(InstallTest, InstructionsNameTheLogsAndTheBinary) {
  InstallOptions options{.tag = "vip1", .tgwarkPath = "/usr/sbin/tgwark"};
  std::string text = setupInstructions(options, InstallResult{.directory = "/opt/x"});
  EXPECT_THAT(text, HasSubstr("/var/log/lifekeeper.log"));
  EXPECT_THAT(text, HasSubstr("They run /usr/sbin/tgwark."));
  EXPECT_THAT(text, HasSubstr("Add --syslog"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("journalctl")));
  options.syslog = true;
  options.metricsFile = "/var/lib/m.prom";
  text = setupInstructions(options, InstallResult{.directory = "/opt/x"});
  EXPECT_THAT(text, HasSubstr("journalctl -t tgwark"));
  EXPECT_THAT(text,
              HasSubstr("They run /usr/sbin/tgwark --metrics-file '/var/lib/m.prom' --syslog."));
  EXPECT_THAT(text, HasSubstr("metrics to /var/lib/m.prom"));
}

TEST_F(InstallTest, WarnsWhenTheConfigTheScriptsReadIsMissing) {
  InstallOptions options{.tag = "t", .configPath = (dir_ / "tgwark.toml").string()};
  std::string warning = missingConfigWarning(options);
  EXPECT_THAT(warning, HasSubstr((dir_ / "tgwark.toml").string()));
  EXPECT_THAT(warning, HasSubstr("does not exist"));
  fs::create_directories(dir_);
  std::ofstream(dir_ / "tgwark.toml") << "vip = \"192.168.10.10\"\n";
  EXPECT_EQ(missingConfigWarning(options), "");
  // Without --config the scripts read the default (through Application Info).
  EXPECT_EQ(configFileUsed(InstallOptions{.tag = "t"}), "/etc/tgwark/tgwark.toml");
}

}  // namespace
}  // namespace tgwark::lifekeeper
