#include "common/log_text.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

namespace tgwark {
namespace {

TEST(EscapeForLog, EscapesControlCharactersSoNoLineCanBeForged) {
  EXPECT_EQ(escapeForLog("vip1\n2026-01-01 error forged"), "vip1\\n2026-01-01 error forged");
  EXPECT_EQ(escapeForLog("a\rb\tc"), "a\\rb\\tc");
  EXPECT_EQ(escapeForLog("\x1b[31mred"), "\\x1b[31mred");
  EXPECT_EQ(escapeForLog(std::string("nul\0x", 5)), "nul\\x00x");
  EXPECT_EQ(escapeForLog("del\x7f"), "del\\x7f");
}

TEST(EscapeForLog, KeepsPrintableUtf8AndEscapesInvalidBytes) {
  EXPECT_EQ(escapeForLog("r\xc3\xa9seau"), "r\xc3\xa9seau");  // "réseau"
  EXPECT_EQ(escapeForLog("bad\xff\xc3"), "bad\\xff\\xc3");
  EXPECT_EQ(escapeForLog("\xc0\xaf"), "\\xc0\\xaf");  // overlong "/"
}

TEST(EscapeForLog, EscapesC1ControlsLineSeparatorsAndBidiOverrides) {
  EXPECT_EQ(escapeForLog("\xc2\x9b"), "\\u009b");  // C1 CSI
  EXPECT_EQ(escapeForLog("a\xe2\x80\xa8"
                         "b"),
            "a\\u2028b");                              // LINE SEPARATOR
  EXPECT_EQ(escapeForLog("\xe2\x80\xae"), "\\u202e");  // RIGHT-TO-LEFT OVERRIDE
}

TEST(EscapeForLog, IsIdempotent) {
  const std::string once = escapeForLog("x\ny\x1bz\xff\\n");
  EXPECT_EQ(escapeForLog(once), once);
}

TEST(EscapeForLog, BoundsTheResultAndSaysHowLongTheOriginalWas) {
  const std::string huge(1 << 20, 'A');
  const std::string out = escapeForLog(huge, 100);
  EXPECT_EQ(out, std::string(100, 'A') + "...(1048576 bytes)");
  EXPECT_EQ(escapeForLog(std::string(256, 'B')), std::string(256, 'B'));
}

TEST(EscapeForLog, NeverCutsInsideAnEscapeOrAUtf8Sequence) {
  EXPECT_EQ(escapeForLog("abc\n", 4), "abc...(4 bytes)");
  EXPECT_EQ(escapeForLog("ab\xc3\xa9", 3), "ab...(4 bytes)");
}

TEST(BoundedExcerpt, UsesTheExcerptBound) {
  const std::string out = boundedExcerpt(std::string(1000, 'x'));
  EXPECT_EQ(out.substr(0, kLogExcerptMaxBytes), std::string(kLogExcerptMaxBytes, 'x'));
  EXPECT_EQ(out.substr(kLogExcerptMaxBytes), "...(1000 bytes)");
}

TEST(RedactSecrets, ReplacesEveryOccurrenceOfEachSecret) {
  const std::array<std::string_view, 2> secrets = {"SECRETKEY123", "TOKEN/abc+def"};
  EXPECT_EQ(redactSecrets("k=SECRETKEY123 t=TOKEN/abc+def again SECRETKEY123", secrets),
            "k=**** t=**** again ****");
}

TEST(RedactSecrets, IgnoresEmptyAndTinySecrets) {
  const std::array<std::string_view, 2> secrets = {"", "ab"};
  EXPECT_EQ(redactSecrets("abcab", secrets), "abcab");
}

TEST(RedactSecrets, HandlesASecretThatContainsTheMask) {
  const std::array<std::string_view, 1> secrets = {"x****x"};
  EXPECT_EQ(redactSecrets("x****xx****x", secrets), "********");
}

}  // namespace
}  // namespace tgwark
