#include "common/strings.h"

#include <gtest/gtest.h>

namespace tgwark {
namespace {

const std::vector<std::string> kCommands = {"restore", "remove", "quickCheck", "recover", "apply",
                                            "plan",    "status", "verify",     "validate"};

TEST(SuggestTest, IgnoresCase) {
  EXPECT_EQ(editDistance("quickcheck", "quickCheck"), 0u);
  EXPECT_EQ(closestMatch("QUICKCHECK", kCommands), "quickCheck");
}

TEST(SuggestTest, FindsTypos) {
  EXPECT_EQ(closestMatch("restroe", kCommands), "restore");
  EXPECT_EQ(closestMatch("stauts", kCommands), "status");
  EXPECT_EQ(closestMatch("--nod", {"--node", "--config", "--json"}), "--node");
}

TEST(TrimTest, WhiteSpaceOnBothEnds) {
  EXPECT_EQ(trim("  a b \t\n"), "a b");
  EXPECT_EQ(trim(" \t "), "");
  EXPECT_EQ(trim("x"), "x");
}

TEST(SuggestTest, NothingWhenNothingIsClose) {
  EXPECT_FALSE(closestMatch("foo", kCommands));
  EXPECT_FALSE(closestMatch("launch-missiles", kCommands));
}

}  // namespace
}  // namespace tgwark
