#include "app/identity.h"

#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace tgwark::app {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

EnvLookup envOf(std::map<std::string, std::string> vars) {
  return [vars](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

model::Config twoNodes() {
  auto config = model::parseConfig(R"(vip = "192.168.10.10"
[[node]]
name = "node-a"
region = "us-east-1"
eni = "eni-0123456789abcdef0"
instance_id = "i-0123456789abcdef0"
[[node]]
name = "node-b"
region = "us-west-2"
eni = "eni-0fedcba9876543210"
)",
                                   "t.toml");
  EXPECT_TRUE(config) << config.error().message;
  return *config;
}

TEST(ConfigPathTest, FlagThenEnvironmentThenResourceRecordThenDefault) {
  auto ins = [](const std::string& tag) -> std::optional<ConfigSource> {
    if (tag != "vip1") return std::nullopt;
    return ConfigSource{"/etc/tgwark/lk.toml", "Application Info of " + tag};
  };
  EXPECT_EQ(resolveConfigPath("/a.toml", "vip1", envOf({{"TGWARK_CONFIG", "/b.toml"}}), ins).path,
            "/a.toml");
  EXPECT_EQ(resolveConfigPath("", "vip1", envOf({{"TGWARK_CONFIG", "/b.toml"}}), ins).path,
            "/b.toml");
  auto lk = resolveConfigPath("", "vip1", envOf({}), ins);
  EXPECT_EQ(lk.path, "/etc/tgwark/lk.toml");
  EXPECT_THAT(lk.how, HasSubstr("vip1"));
  EXPECT_EQ(resolveConfigPath("", "other", envOf({}), ins).path, kDefaultConfigPath);
  EXPECT_EQ(resolveConfigPath("", "", envOf({}), ins).path, kDefaultConfigPath);
}

TEST(LocalNodeTest, FlagWinsAndMustExist) {
  auto config = twoNodes();
  auto never = []() -> Result<std::string> {
    ADD_FAILURE() << "metadata asked";
    return "x";
  };
  EXPECT_EQ(resolveLocalNode(config, "node-b", never, "host")->name, "node-b");
  auto bad = resolveLocalNode(config, "node-c", never, "host");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().category, ErrorCategory::kInvalidConfig);
  EXPECT_THAT(bad.error().message, HasSubstr("node-a, node-b"));
}

TEST(LocalNodeTest, InstanceIdThenHostName) {
  auto config = twoNodes();
  auto id = []() -> Result<std::string> { return std::string("i-0123456789abcdef0"); };
  auto byId = resolveLocalNode(config, "", id, "whatever");
  ASSERT_TRUE(byId);
  EXPECT_EQ(byId->name, "node-a");
  EXPECT_THAT(byId->how, HasSubstr("i-0123456789abcdef0"));
  auto other = []() -> Result<std::string> { return std::string("i-99999999"); };
  auto byHost = resolveLocalNode(config, "", other, "node-b.example.internal");
  ASSERT_TRUE(byHost);
  EXPECT_EQ(byHost->name, "node-b");
  EXPECT_EQ(byHost->how, "host name");
}

TEST(LocalNodeTest, UnknownNodeIsAConfigErrorButUnreachableMetadataIsRetryable) {
  auto config = twoNodes();
  auto other = []() -> Result<std::string> { return std::string("i-99999999"); };
  auto unknown = resolveLocalNode(config, "", other, "db7");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().category, ErrorCategory::kInvalidConfig);
  EXPECT_THAT(unknown.error().message, HasSubstr("i-99999999"));
  EXPECT_THAT(unknown.error().message, HasSubstr("db7"));

  auto down = []() -> Result<std::string> {
    return makeError(ErrorCategory::kRetryable, "connection refused");
  };
  auto transient = resolveLocalNode(config, "", down, "db7");
  ASSERT_FALSE(transient);
  EXPECT_EQ(transient.error().category, ErrorCategory::kRetryable);
  EXPECT_THAT(transient.error().message, HasSubstr("connection refused"));
}

TEST(LocalNodeTest, ClusterNodeNameComesBeforeMetadataWhenItIsAConfiguredNode) {
  auto config = twoNodes();
  auto never = []() -> Result<std::string> {
    ADD_FAILURE() << "metadata asked";
    return "x";
  };
  NodeLookupOptions lookup;
  lookup.clusterNodeName = "node-b";
  auto node = resolveLocalNode(config, "", never, "node-a", lookup);
  ASSERT_TRUE(node);
  EXPECT_EQ(node->name, "node-b");
  EXPECT_EQ(node->how, "cluster node name");
  // A cluster name that is not a configured node falls through to metadata.
  auto id = []() -> Result<std::string> { return std::string("i-0123456789abcdef0"); };
  lookup.clusterNodeName = "pcmk-1";
  EXPECT_EQ(resolveLocalNode(config, "", id, "", lookup)->name, "node-a");
}

TEST(LocalNodeTest, TheFrontEndNamesTheFlagAndTheHint) {
  auto config = twoNodes();
  auto other = []() -> Result<std::string> { return std::string("i-99999999"); };
  NodeLookupOptions lookup;
  lookup.flagName = "node parameter";
  lookup.hint = "set the node parameter";
  lookup.clusterNodeName = "pcmk-1";
  auto unknown = resolveLocalNode(config, "", other, "db7", lookup);
  ASSERT_FALSE(unknown);
  EXPECT_THAT(unknown.error().message, HasSubstr("set the node parameter"));
  EXPECT_THAT(unknown.error().message, HasSubstr("pcmk-1"));
  EXPECT_THAT(unknown.error().message, Not(HasSubstr("--node")));
  auto bad = resolveLocalNode(config, "node-c", other, "db7", lookup);
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message, HasSubstr("node parameter node-c"));
  // The command line's defaults.
  EXPECT_THAT(resolveLocalNode(config, "", other, "db7").error().message,
              HasSubstr("pass --node NAME"));
}

// A metadata outage after the id was once learnt: the node still knows itself.
class RememberedInstanceIdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tgwark-identity-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    path_ = (dir_ / "state" / "instance-id").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  InstanceIdLookup metadata() {
    return [this]() -> Result<std::string> {
      if (answer_.empty()) {
        return makeError(ErrorCategory::kRetryable, "instance metadata: connection timed out");
      }
      return answer_;
    };
  }
  std::string fileText() {
    std::ifstream in(path_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::filesystem::path dir_;
  std::string path_;
  std::string answer_;
};

TEST_F(RememberedInstanceIdTest, AnAnswerIsRememberedAndStandsInWhenMetadataIsDown) {
  auto lookup = rememberingInstanceId(metadata(), path_, "ip-10-0-0-1");
  answer_ = "i-0123456789abcdef0";
  ASSERT_EQ(*lookup(), "i-0123456789abcdef0");
  EXPECT_EQ(fileText(), "i-0123456789abcdef0\nip-10-0-0-1\n");
  answer_.clear();  // metadata down
  auto id = lookup();
  ASSERT_TRUE(id.has_value()) << id.error().describe();
  EXPECT_EQ(*id, "i-0123456789abcdef0");
  // And through node resolution: the config's node with that instance id.
  auto config = twoNodes();
  auto node = resolveLocalNode(config, "", lookup, "unrelated-host");
  ASSERT_TRUE(node.has_value()) << node.error().describe();
  EXPECT_EQ(node->name, "node-a");
}

TEST_F(RememberedInstanceIdTest, NothingRememberedKeepsTheMetadataError) {
  auto lookup = rememberingInstanceId(metadata(), path_, "ip-10-0-0-1");
  auto id = lookup();
  ASSERT_FALSE(id.has_value());
  EXPECT_EQ(id.error().category, ErrorCategory::kRetryable);
}

TEST_F(RememberedInstanceIdTest, AnotherHostNamesFileIsNotTrusted) {
  // An image built from node-a carries its file: a new instance from it must
  // not take node-a's identity before metadata has answered there.
  answer_ = "i-0123456789abcdef0";
  ASSERT_TRUE(rememberingInstanceId(metadata(), path_, "ip-10-0-0-1")().has_value());
  answer_.clear();
  auto id = rememberingInstanceId(metadata(), path_, "ip-10-0-9-9")();
  ASSERT_FALSE(id.has_value());
}

TEST_F(RememberedInstanceIdTest, AFileWithoutAValidIdIsIgnored) {
  std::filesystem::create_directories(dir_ / "state");
  std::ofstream(path_) << "i-nothex\nip-10-0-0-1\n";
  auto id = rememberingInstanceId(metadata(), path_, "ip-10-0-0-1")();
  ASSERT_FALSE(id.has_value());
}

TEST(StateDirectoryTest, EnvironmentThenDefault) {
  EXPECT_EQ(stateDirectory(envOf({})), "/var/lib/tgwark");
  EXPECT_EQ(stateDirectory(envOf({{"TGWARK_STATE_DIR", "/srv/tgwark"}})), "/srv/tgwark");
}

}  // namespace
}  // namespace tgwark::app
