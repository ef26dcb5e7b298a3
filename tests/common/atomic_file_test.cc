// writeFileAtomically: the one crash-safe writer every module uses.
#include "common/atomic_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace tgwark {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "tgwark-atomic-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  int entries(const fs::path& d) const {
    int n = 0;
    for (const auto& e : fs::directory_iterator(d)) {
      (void)e;
      ++n;
    }
    return n;
  }
  unsigned modeOf(const fs::path& p) const {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0);
    return st.st_mode & 07777;
  }
  fs::path dir_;
};

TEST_F(AtomicFileTest, ReplacesTheContentAndLeavesNoTemporary) {
  fs::path target = dir_ / "out.txt";
  std::ofstream(target) << "old content\n";
  ASSERT_TRUE(writeFileAtomically(target, "new content\n").has_value());
  EXPECT_EQ(slurp(target), "new content\n");
  EXPECT_EQ(entries(dir_), 1);
}

TEST_F(AtomicFileTest, DefaultModeIsReadableByOthersWhateverTheUmask) {
  fs::path target = dir_ / "out.txt";
  mode_t old = ::umask(077);
  auto written = writeFileAtomically(target, "x");
  ::umask(old);
  ASSERT_TRUE(written.has_value());
  EXPECT_EQ(modeOf(target), 0644u);
}

TEST_F(AtomicFileTest, GivenModeIsApplied) {
  fs::path script = dir_ / "script";
  ASSERT_TRUE(writeFileAtomically(script, "#!/bin/sh\n",
                                  fs::perms::owner_all | fs::perms::group_read |
                                      fs::perms::group_exec | fs::perms::others_read |
                                      fs::perms::others_exec)
                  .has_value());
  EXPECT_EQ(modeOf(script), 0755u);
  fs::path secret = dir_ / "secret";
  ASSERT_TRUE(
      writeFileAtomically(secret, "s", fs::perms::owner_read | fs::perms::owner_write).has_value());
  EXPECT_EQ(modeOf(secret), 0600u);
}

TEST_F(AtomicFileTest, CreatesMissingParentDirectories) {
  fs::path target = dir_ / "a" / "b" / "out.txt";
  ASSERT_TRUE(writeFileAtomically(target, "deep\n").has_value());
  EXPECT_EQ(slurp(target), "deep\n");
}

TEST_F(AtomicFileTest, EmptyContentMakesAnEmptyFile) {
  fs::path target = dir_ / "empty";
  std::ofstream(target) << "something";
  ASSERT_TRUE(writeFileAtomically(target, "").has_value());
  EXPECT_TRUE(fs::exists(target));
  EXPECT_EQ(fs::file_size(target), 0u);
}

// A write that fails half-way (here: the file size limit, EFBIG) must leave the
// old file whole and take its temporary with it.
TEST_F(AtomicFileTest, FailedWriteKeepsTheOldContentAndRemovesTheTemporary) {
  fs::path target = dir_ / "out.txt";
  std::ofstream(target) << "old content\n";
  struct rlimit saved {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  auto previousHandler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = saved;
  small.rlim_cur = 4;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  auto written = writeFileAtomically(target, std::string(4096, 'n'));
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, previousHandler);

  ASSERT_FALSE(written.has_value());
  EXPECT_EQ(written.error().category, ErrorCategory::kInternal);
  EXPECT_THAT(written.error().message, HasSubstr(dir_.string()));
  EXPECT_THAT(written.error().message, HasSubstr(std::strerror(EFBIG)));
  EXPECT_EQ(slurp(target), "old content\n");
  EXPECT_EQ(entries(dir_), 1);
}

TEST_F(AtomicFileTest, ParentThatIsAFileIsAnInternalErrorNamingThePath) {
  fs::path blocker = dir_ / "blocker";
  std::ofstream(blocker) << "x";
  auto written = writeFileAtomically(blocker / "out.txt", "x");
  ASSERT_FALSE(written.has_value());
  EXPECT_EQ(written.error().category, ErrorCategory::kInternal);
  EXPECT_THAT(written.error().message, HasSubstr(blocker.string()));
}

TEST_F(AtomicFileTest, TargetThatIsADirectoryFailsAndLeavesNoTemporary) {
  fs::path target = dir_ / "sub";
  fs::create_directory(target);
  std::ofstream(target / "keep") << "x";
  auto written = writeFileAtomically(target, "x");
  ASSERT_FALSE(written.has_value());
  EXPECT_EQ(written.error().category, ErrorCategory::kInternal);
  EXPECT_THAT(written.error().message, HasSubstr(target.string()));
  EXPECT_EQ(entries(dir_), 1);
  EXPECT_TRUE(fs::exists(target / "keep"));
}

}  // namespace
}  // namespace tgwark
