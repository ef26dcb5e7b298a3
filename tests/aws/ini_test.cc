// The INI dialect of the AWS shared config and credentials files.
#include "aws/ini.h"

#include <gtest/gtest.h>

namespace tgwark::aws {
namespace {

TEST(Ini, ParsesSectionsCommentsAndSubProperties) {
  auto ini = parseIni(
      "# comment\n"
      "; another\n"
      "[default]\r\n"
      "region = us-east-1   # inline\n"
      "Output=json\n"
      "s3 =\n"
      "  max_concurrent_requests = 20\n"
      "[profile   ha]\n"
      "role_arn = arn:aws:iam::1:role/x;not-a-comment\n"
      "source_profile = base ; inline\n",
      "cfg");
  ASSERT_TRUE(ini.has_value()) << ini.error().describe();
  const auto& def = ini->sections.at("default");
  EXPECT_EQ(def.entries.at("region").value, "us-east-1");
  EXPECT_EQ(def.entries.at("region").line, 4);
  EXPECT_EQ(def.entries.at("output").value, "json");
  EXPECT_FALSE(def.entries.contains("max_concurrent_requests"));
  const auto& ha = ini->sections.at("profile ha");
  EXPECT_EQ(ha.entries.at("role_arn").value, "arn:aws:iam::1:role/x;not-a-comment");
  EXPECT_EQ(ha.entries.at("source_profile").value, "base");
}

TEST(Ini, ErrorsNameFileAndLineButNotContent) {
  auto noEquals = parseIni("[default]\naws_secret_access_key secret-value\n", "/x/credentials");
  ASSERT_FALSE(noEquals.has_value());
  EXPECT_EQ(noEquals.error().category, ErrorCategory::kInvalidConfig);
  EXPECT_NE(noEquals.error().message.find("/x/credentials:2"), std::string::npos);
  EXPECT_EQ(noEquals.error().message.find("secret-value"), std::string::npos);
  EXPECT_FALSE(parseIni("key = v\n", "f").has_value());
  EXPECT_FALSE(parseIni("[default\n", "f").has_value());
}

}  // namespace
}  // namespace tgwark::aws
