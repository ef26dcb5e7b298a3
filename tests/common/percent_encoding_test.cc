// percentEncode / percentDecode: the one implementation SigV4, the Query
// protocol and the emulator share.
#include "common/percent_encoding.h"

#include <gtest/gtest.h>

namespace tgwark {
namespace {

TEST(PercentEncode, KeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(percentEncode("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(percentEncode("a b+c=d&e/f"), "a%20b%2Bc%3Dd%26e%2Ff");
  EXPECT_EQ(percentEncode("a b/c:d=e&f~g-h_i.j+k*"), "a%20b%2Fc%3Ad%3De%26f~g-h_i.j%2Bk%2A");
  EXPECT_EQ(percentEncode("\xE1\x88\xB4"), "%E1%88%B4");
  EXPECT_EQ(percentEncode(std::string_view("\0\xff", 2)), "%00%FF");
  EXPECT_EQ(percentEncode(""), "");
}

TEST(PercentEncode, KeepSlashIsForPaths) {
  EXPECT_EQ(percentEncode("/a b/c", /*keepSlash=*/true), "/a%20b/c");
  EXPECT_EQ(percentEncode("/a%20b", true), "/a%2520b");
}

TEST(PercentDecode, DecodesEscapesInEitherCase) {
  EXPECT_EQ(percentDecode("a%20b%2fc%2F"), "a b/c/");
  EXPECT_EQ(percentDecode("%E1%88%B4"), "\xE1\x88\xB4");
  EXPECT_EQ(percentDecode("%41"), "A");  // an escape that ends the input
}

TEST(PercentDecode, PlusIsLiteralUnlessAskedForSpace) {
  EXPECT_EQ(percentDecode("a+b"), "a+b");
  EXPECT_EQ(percentDecode("a+b%2B", {.plusIsSpace = true}), "a b+");
}

TEST(PercentDecode, MalformedEscapeIsKeptWhenLenientAndRefusedWhenStrict) {
  for (const char* bad : {"%", "%4", "a%zz", "%4g", "x%"}) {
    EXPECT_EQ(percentDecode(bad), std::string(bad)) << bad;
    EXPECT_EQ(percentDecode(bad, {.strict = true}), std::nullopt) << bad;
  }
}

TEST(PercentDecode, RoundTripsEveryByte) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  EXPECT_EQ(percentDecode(percentEncode(all), {.strict = true}), all);
  EXPECT_EQ(percentDecode(percentEncode(all), {.plusIsSpace = true}), all);
}

}  // namespace
}  // namespace tgwark
