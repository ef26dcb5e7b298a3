#include "lifekeeper/app_info.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace tgwark::lifekeeper {
namespace {

namespace fs = std::filesystem;

EnvLookup envOf(std::map<std::string, std::string> vars) {
  return [vars](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// A fake $LKROOT whose bin/ins_list prints one resource line for `tag`.
fs::path fakeLkroot(const std::string& tag, const std::string& info) {
  fs::path root = fs::temp_directory_path() / ("tgwark-lk-" + std::to_string(::getpid()));
  fs::create_directories(root / "bin");
  std::ofstream script(root / "bin/ins_list");
  script << "#!/bin/sh\n[ \"$2\" = \"" << tag << "\" ] || exit 1\n"
         << "echo 'appsuite:gen:app:" << tag << ":id:" << info << ":more'\n";
  script.close();
  fs::permissions(root / "bin/ins_list", fs::perms::owner_all);
  return root;
}

TEST(ApplicationInfoTest, NoInsListMeansNoApplicationInfo) {
  EXPECT_FALSE(applicationInfo("vip1", envOf({{"LKROOT", "/nonexistent"}})));
}

TEST(ApplicationInfoTest, ReadsFieldSixOfTheResourceLine) {
  auto root = fakeLkroot("vip1", "/etc/tgwark/vip1.toml");
  auto env = envOf({{"LKROOT", root.string()}});
  EXPECT_EQ(applicationInfo("vip1", env), "/etc/tgwark/vip1.toml");
  EXPECT_FALSE(applicationInfo("other", env));  // ins_list exits 1
  auto source = configFromApplicationInfo("vip1", env);
  ASSERT_TRUE(source);
  EXPECT_EQ(source->path, "/etc/tgwark/vip1.toml");
  EXPECT_THAT(source->how, ::testing::HasSubstr("LifeKeeper Application Info of vip1"));
  fs::remove_all(root);
}

}  // namespace
}  // namespace tgwark::lifekeeper
