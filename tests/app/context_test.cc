// Loading the configuration for a Context: the file, settings over it (a
// cluster manager's resource parameters), or the settings alone.
#include "app/context.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tgwark::app {
namespace {

namespace fs = std::filesystem;
using ::testing::StartsWith;

std::vector<model::ConfigSetting> clusterSettings(const std::string& vip) {
  return {{{"vip"}, vip, "parameter vip"},
          {{"node"},
           std::vector<model::ConfigSetting::Table>{
               {{"name", "node-a"}, {"eni", "eni-a0000001"}, {"region", "us-east-1"}},
               {{"name", "node-b"}, {"eni", "eni-b0000001"}, {"region", "us-west-2"}}},
           "parameter nodes"}};
}

EnvLookup emptyEnv() {
  return [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
}

TEST(LoadConfigurationTest, WithoutAFileTheSettingsAreTheWholeConfiguration) {
  LoadOptions options;
  options.noFile = true;
  options.settings = clusterSettings("192.168.10.10");
  options.settingsSource = "resource parameters";
  options.configFlag = "/nonexistent/ignored.toml";
  options.env = emptyEnv();
  ConfigSource source;
  auto config = loadConfiguration(options, &source);
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->vipDestination(), "192.168.10.10/32");
  EXPECT_EQ(config->nodes.size(), 2u);
  EXPECT_EQ(source.path, "");
  EXPECT_EQ(source.how, "resource parameters");

  options.settings.pop_back();
  auto missing = loadConfiguration(options);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().category, ErrorCategory::kInvalidConfig);
  EXPECT_THAT(missing.error().message, StartsWith("resource parameters: node: no [[node]]"));
}

TEST(LoadConfigurationTest, SettingsGoOverTheResolvedFile) {
  std::string pattern = (fs::temp_directory_path() / "tgwark-ctx-XXXXXX").string();
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  fs::path dir = pattern;
  fs::path file = dir / "tgwark.toml";
  std::ofstream(file) << "vip = \"192.168.10.10\"\ncreate_missing = false\n"
                         "[[node]]\nname = \"x\"\nregion = \"us-east-1\"\neni = \"eni-a0000009\"\n"
                         "[[node]]\nname = \"y\"\nregion = \"us-east-1\"\neni = \"eni-b0000009\"\n";
  LoadOptions options;
  options.configFlag = file.string();
  options.settings = clusterSettings("192.168.10.20");
  options.env = emptyEnv();
  ConfigSource source;
  auto config = loadConfiguration(options, &source);
  fs::remove_all(dir);
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(source.path, file.string());
  EXPECT_EQ(config->vipDestination(), "192.168.10.20/32");
  EXPECT_EQ(config->nodes.front().name, "node-a");
  EXPECT_FALSE(config->createMissing) << "the file's value where no setting is given";
}

}  // namespace
}  // namespace tgwark::app
