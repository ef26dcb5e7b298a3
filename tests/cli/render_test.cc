#include "cli/render.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <stdlib.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "../plan/topology_builder.h"

namespace tgwark::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(DiscoverTomlTest, ListsManagedTablesAndRegionsBeyondTheNodes) {
  auto toml = topologyToml(test::ref3r());
  EXPECT_THAT(toml, HasSubstr("\"rtb-e1a\","));
  EXPECT_THAT(toml, HasSubstr("\"tgw-rtb-eu-1\","));
  // eu-west-1 holds no node: the pasted scope must name it or its tables are not found.
  EXPECT_THAT(toml, HasSubstr("regions = [\"eu-west-1\"]"));
  EXPECT_THAT(toml, Not(HasSubstr("\"us-east-1\"]")));
}

TEST(DiscoverTomlTest, PastedScopeHasNoKeyOrSyntaxErrors) {
  std::string config = R"(vip = "192.168.10.10"
)" + topologyToml(test::ref3r()) +
                       R"(
[[node]]
name = "node-a"
region = "us-east-1"
eni = "eni-0123456789abcdef0"
[[node]]
name = "node-b"
region = "us-west-2"
eni = "eni-0fedcba9876543210"
)";
  // The builder's ids are not AWS-shaped, so only the structure is checked:
  // every problem reported must be about an id, never about TOML syntax or keys.
  auto parsed = model::parseConfig(config, "pasted.toml");
  if (!parsed) {
    EXPECT_THAT(parsed.error().message, Not(HasSubstr("unknown key")));
    EXPECT_THAT(parsed.error().message, Not(HasSubstr("syntax")));
  }
}

}  // namespace
}  // namespace tgwark::cli

#include "cli/progress.h"

namespace tgwark::cli {
namespace {

TEST(ProgressTest, LineShowsPhaseCallsAndTime) {
  EXPECT_EQ(Progress::line("apply node-b: writing", 12, 3.25),
            "apply node-b: writing … 12 API calls, 3.2 s");
  EXPECT_EQ(Progress::line("discovering", 1, 0.0), "discovering … 1 API call, 0.0 s");
}

// Points fd 2 at `fd` for the lifetime of the object.
class StderrRedirect {
 public:
  explicit StderrRedirect(int fd) : saved_(::dup(STDERR_FILENO)) {
    std::fflush(stderr);
    ::dup2(fd, STDERR_FILENO);
  }
  ~StderrRedirect() {
    std::fflush(stderr);
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
  }
  StderrRedirect(const StderrRedirect&) = delete;
  StderrRedirect& operator=(const StderrRedirect&) = delete;

 private:
  int saved_;
};

// stderr is made a pipe here, whatever the runner's is: the indicator must
// not start, and nothing reaches the pipe (LifeKeeper logs stay clean).
TEST(ProgressTest, SilentWhenStderrIsNotATerminal) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  {
    StderrRedirect redirect(fds[1]);
    Progress progress([] { return 7; });
    EXPECT_FALSE(progress.active());
    progress.phase("x");
    std::this_thread::sleep_for(std::chrono::milliseconds(600));  // past the first tick
    progress.done();
    progress.done();
  }
  ::close(fds[1]);
  std::string written;
  char buf[256];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) {
    written.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  EXPECT_EQ(written, "");
}

// The counterpart, so the test above cannot pass by never being active.
TEST(ProgressTest, ActiveWhenStderrIsATerminal) {
  int master = ::posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) {
    GTEST_SKIP() << "no pseudo-terminal available";
  }
  int terminal = ::open(::ptsname(master), O_RDWR | O_NOCTTY);
  ASSERT_GE(terminal, 0);
  {
    StderrRedirect redirect(terminal);
    Progress progress([] { return 7; });
    EXPECT_TRUE(progress.active());
    progress.done();
  }
  ::close(terminal);
  ::close(master);
}

}  // namespace
}  // namespace tgwark::cli
