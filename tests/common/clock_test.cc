#include "common/clock.h"
#include "support/fake_clock.h"

#include <gtest/gtest.h>

namespace tgwark {
namespace {

TEST(FakeClockTest, SleepAdvancesBothTimelinesWithoutBlocking) {
  FakeClock clock;
  auto wall0 = clock.now();
  auto mono0 = clock.monotonic();
  clock.sleepFor(Millis{1500});
  EXPECT_EQ(clock.now() - wall0, Millis{1500});
  EXPECT_EQ(clock.monotonic() - mono0, Millis{1500});
  EXPECT_EQ(clock.totalSlept(), Millis{1500});
}

TEST(FakeClockTest, SetWallDoesNotMoveMonotonic) {
  FakeClock clock;
  auto mono0 = clock.monotonic();
  clock.setWall(WallTime{std::chrono::seconds{0}});
  EXPECT_EQ(clock.now(), WallTime{std::chrono::seconds{0}});
  EXPECT_EQ(clock.monotonic(), mono0);
}

TEST(RandomTest, SystemRandomStaysInUnitInterval) {
  SystemRandom random;
  for (int i = 0; i < 1000; ++i) {
    double v = random.uniform01();
    ASSERT_GE(v, 0.0);
    ASSERT_LT(v, 1.0);
  }
}

}  // namespace
}  // namespace tgwark
