#include "lifekeeper/install.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tgwark::lifekeeper {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

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

  fs::path dir_;
};

TEST_F(InstallTest, WritesFourExecutableScriptsThatExecTgwark) {
  InstallOptions options{.tag = "vip-sap",
                         .configPath = "/etc/tgwark/sap.toml",
                         .directory = dir_.string(),
                         .tgwarkPath = "/usr/bin/tgwark"};
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
    EXPECT_THAT(text, HasSubstr(std::string("exec '/usr/bin/tgwark' ") + action +
                                " --config '/etc/tgwark/sap.toml' \"$@\"\n"));
  }
}

TEST_F(InstallTest, ScriptsRunAndPassLifeKeeperArguments) {
  // A stand-in "tgwark" that echoes its arguments proves the scripts pass -t/-i through.
  fs::create_directories(dir_);
  fs::path fake = dir_ / "fake-tgwark";
  {
    std::ofstream out(fake);
    out << "#!/bin/sh\necho \"$@\"\n";
  }
  fs::permissions(fake, fs::perms::owner_all);
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

}  // namespace
}  // namespace tgwark::lifekeeper
