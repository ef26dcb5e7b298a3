// ISO 8601 timestamps in the forms STS and IMDS write them.
#include "aws/iso8601.h"

#include <gtest/gtest.h>

namespace tgwark::aws {
namespace {

TEST(Iso8601, ParsesAwsForms) {
  const WallTime t{std::chrono::seconds{1440938160}};
  EXPECT_EQ(*parseIso8601("2015-08-30T12:36:00Z"), t);
  EXPECT_EQ(*parseIso8601("2015-08-30T12:36:00.500Z"), t + std::chrono::milliseconds(500));
  EXPECT_EQ(*parseIso8601("2015-08-30T14:36:00+02:00"), t);
  EXPECT_EQ(*parseIso8601("2015-08-30T10:36:00-02:00"), t);
  EXPECT_EQ(formatIso8601(t), "2015-08-30T12:36:00Z");
  EXPECT_FALSE(parseIso8601("2015-08-30 12:36:00").has_value());
  EXPECT_FALSE(parseIso8601("2015-02-30T12:36:00Z").has_value());
  EXPECT_FALSE(parseIso8601("2015-08-30T24:00:00Z").has_value());
  EXPECT_FALSE(parseIso8601("2015-08-30T12:36:00.Z").has_value());
  EXPECT_FALSE(parseIso8601("").has_value());
}

TEST(Iso8601, FormatRoundTripsThroughParse) {
  const WallTime t{std::chrono::seconds{951782400}};  // 2000-02-29T00:00:00Z, a leap day
  EXPECT_EQ(formatIso8601(t), "2000-02-29T00:00:00Z");
  EXPECT_EQ(*parseIso8601(formatIso8601(t)), t);
}

}  // namespace
}  // namespace tgwark::aws
