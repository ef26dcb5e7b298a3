#include "common/secret.h"

#include <gtest/gtest.h>

namespace tgwark {
namespace {

TEST(SecretStringTest, RevealReturnsValue) {
  SecretString s{"wJalrXUtnFEMI"};
  EXPECT_EQ(s.reveal(), "wJalrXUtnFEMI");
  EXPECT_FALSE(s.empty());
}

TEST(SecretStringTest, MovedFromIsEmpty) {
  SecretString a{"key"};
  SecretString b{std::move(a)};
  EXPECT_EQ(b.reveal(), "key");
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): the wipe is the point
}

TEST(SecretStringTest, SecureWipeZeroes) {
  char buf[4] = {'a', 'b', 'c', 'd'};
  secureWipe(buf, sizeof buf);
  for (char c : buf) EXPECT_EQ(c, 0);
}

}  // namespace
}  // namespace tgwark
