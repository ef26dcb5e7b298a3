#include "common/bounded_file.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace tgwark {
namespace {

std::string tempPath(const std::string& name) {
  return ::testing::TempDir() + "tgwark-bounded-" + std::to_string(::getpid()) + "-" + name;
}

TEST(ReadBoundedRegularFile, ReadsARegularFile) {
  const std::string path = tempPath("ok");
  std::ofstream(path) << "vip = \"10.9.9.9\"\n";
  auto text = readBoundedRegularFile(path);
  std::remove(path.c_str());
  ASSERT_TRUE(text) << text.error().describe();
  EXPECT_EQ(*text, "vip = \"10.9.9.9\"\n");
}

// The limit bounds what is read, not what is allocated: a small file under a
// huge limit costs the file's size (the scope store's limit is 32 MiB, and a
// buffer of that size, zero-filled, was resident in every restore).
TEST(ReadBoundedRegularFile, AHugeLimitCostsOnlyTheFile) {
  const std::string path = tempPath("small");
  std::ofstream(path) << "format = 3\n";
  auto text = readBoundedRegularFile(path, std::size_t{1} << 40);
  std::remove(path.c_str());
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_EQ(*text, "format = 3\n");
  EXPECT_LT(text->capacity(), std::size_t{1} << 20);
}

TEST(ReadBoundedRegularFile, MissingIsNotFound) {
  auto text = readBoundedRegularFile(tempPath("missing"));
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().category, ErrorCategory::kNotFound);
}

// Without O_NONBLOCK, opening a FIFO nobody writes to blocks this test forever.
TEST(ReadBoundedRegularFile, AFifoIsRefusedWithoutBlocking) {
  const std::string path = tempPath("fifo");
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  auto text = readBoundedRegularFile(path);
  std::remove(path.c_str());
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().category, ErrorCategory::kInvalid);
  EXPECT_NE(text.error().message.find("is a FIFO, not a regular file"), std::string::npos)
      << text.error().message;
}

TEST(ReadBoundedRegularFile, DevicesAndDirectoriesAreRefused) {
  auto zero = readBoundedRegularFile("/dev/zero");
  ASSERT_FALSE(zero);
  EXPECT_NE(zero.error().message.find("character device"), std::string::npos);
  auto dir = readBoundedRegularFile(::testing::TempDir());
  ASSERT_FALSE(dir);
  EXPECT_EQ(dir.error().category, ErrorCategory::kInvalid);
}

// AWS_CONFIG_FILE=/dev/null is how an operator says "no file".
TEST(ReadBoundedRegularFile, DevNullIsEmpty) {
  auto text = readBoundedRegularFile("/dev/null");
  ASSERT_TRUE(text) << text.error().describe();
  EXPECT_TRUE(text->empty());
}

TEST(ReadBoundedRegularFile, AFileOverTheLimitIsRefused) {
  const std::string path = tempPath("big");
  std::ofstream(path) << std::string(101, 'x');
  auto over = readBoundedRegularFile(path, 100);
  auto at = readBoundedRegularFile(path, 101);
  std::remove(path.c_str());
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().category, ErrorCategory::kInvalid);
  EXPECT_NE(over.error().message.find("101 bytes, more than the 100 allowed"), std::string::npos)
      << over.error().message;
  ASSERT_TRUE(at);
  EXPECT_EQ(at->size(), 101u);
}

TEST(ReadBoundedRegularFile, ThePathIsEscapedInMessages) {
  auto text = readBoundedRegularFile(tempPath("a\nb"));
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().message.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace tgwark
