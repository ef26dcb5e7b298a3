// The exit reason Pacemaker shows in crm_mon: one line, at most 128
// characters, naming what failed without call counts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ocf/agent.h"

namespace tgwark::ocf {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ExitReasonTextTest, KeepsTheFirstMeaningfulLine) {
  EXPECT_EQ(exitReasonText("\n  \n test.toml:3: unknown key \"vipp\"\n  did you mean vip?\n"),
            "test.toml:3: unknown key \"vipp\"");
}

TEST(ExitReasonTextTest, CollapsesWhitespace) {
  EXPECT_EQ(exitReasonText("a\t\tb   c \r"), "a b c");
}

TEST(ExitReasonTextTest, CutsAt128CharactersWithAnEllipsis) {
  std::string longText(300, 'x');
  auto out = exitReasonText(longText);
  EXPECT_EQ(out.size(), kExitReasonMax);
  EXPECT_EQ(out.substr(out.size() - 3), "...");
  EXPECT_EQ(exitReasonText(std::string(kExitReasonMax, 'y')), std::string(kExitReasonMax, 'y'));
}

TEST(ExitReasonTextTest, NeverSplitsAUtf8Character) {
  // 124 ASCII bytes then "é" (2 bytes) straddling the cut at 125.
  std::string text = std::string(124, 'a') + "\xC3\xA9" + std::string(10, 'b');
  auto out = exitReasonText(text);
  EXPECT_LE(out.size(), kExitReasonMax);
  EXPECT_EQ(out, std::string(124, 'a') + "...");
}

TEST(ExitReasonTextTest, EscapesControlCharacters) {
  // An ESC from a config value or an AWS message would reach crm_mon's terminal.
  EXPECT_EQ(exitReasonText("bad value \"\x1b[31mred\""), "bad value \"\\x1b[31mred\"");
  EXPECT_EQ(exitReasonText("a\x7f\x01"
                           "b"),
            "a\\x7f\\x01b");
}

TEST(ExitReasonTextTest, NeverSplitsAnEscape) {
  // 123 ASCII bytes then ESC, escaped to 4 bytes straddling the cut at 125.
  std::string text = std::string(123, 'a') + "\x1b" + std::string(10, 'b');
  EXPECT_EQ(exitReasonText(text), std::string(123, 'a') + "...");
}

TEST(ExitReasonForTest, PrefersTheShortReasonOverTheLogMessage) {
  app::ActionOutcome outcome;
  outcome.message = "restore failed: home routes not right: 0 written, 1 failed; 9 API calls";
  outcome.reason = "restore: home route vpc rtb-1 in us-east-1: failed (UnauthorizedOperation)";
  EXPECT_EQ(exitReasonFor(outcome), outcome.reason);
  outcome.reason.clear();
  EXPECT_EQ(exitReasonFor(outcome), outcome.message);
}

}  // namespace
}  // namespace tgwark::ocf
