#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pugixml.hpp>

#include <set>

#include "ocf/agent.h"

namespace tgwark::ocf {
namespace {

TEST(OcfMetadataTest, IsWellFormedAndDeclaresMandatoryActions) {
  std::string xml = metadataXml();
  pugi::xml_document doc;
  auto parsed = doc.load_string(xml.c_str());
  ASSERT_TRUE(parsed) << parsed.description();
  auto agent = doc.child("resource-agent");
  EXPECT_STREQ(agent.attribute("name").value(), "tgwark");
  std::set<std::string> actions;
  for (auto a : agent.child("actions").children("action"))
    actions.insert(a.attribute("name").value());
  for (const char* required : {"start", "stop", "monitor", "meta-data", "validate-all"}) {
    EXPECT_TRUE(actions.count(required)) << required;
  }
  std::set<std::string> params;
  for (auto p : agent.child("parameters").children("parameter"))
    params.insert(p.attribute("name").value());
  EXPECT_TRUE(params.count("config"));
  EXPECT_TRUE(params.count("node"));
}

TEST(OcfMetadataTest, AgentScriptExecsTgwarkOcf) {
  EXPECT_THAT(agentScript("/usr/bin/tgwark"),
              ::testing::HasSubstr("exec '/usr/bin/tgwark' ocf \"$@\""));
}

}  // namespace
}  // namespace tgwark::ocf
