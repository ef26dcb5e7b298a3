#include "common/bounded_file.h"

#include <algorithm>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "common/log_text.h"

namespace tgwark {
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

const char* kindOf(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

}  // namespace

Result<std::string> readBoundedRegularFile(const std::string& path, std::size_t maxBytes) {
  const std::string shown = escapeForLog(path);
  // O_NONBLOCK: opening a FIFO for reading otherwise waits for a writer.
  Fd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) {
    const int err = errno;
    return makeError(err == ENOENT ? ErrorCategory::kNotFound : ErrorCategory::kInvalid,
                     fmt::format("cannot open {}: {}", shown, std::strerror(err)));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return makeError(ErrorCategory::kInvalid,
                     fmt::format("cannot stat {}: {}", shown, std::strerror(errno)));
  }
  // /dev/null is the usual way to say "no such file" (AWS_CONFIG_FILE=/dev/null):
  // empty, and it never blocks.
  if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3)) return std::string{};
  if (!S_ISREG(st.st_mode)) {
    return makeError(ErrorCategory::kInvalid,
                     fmt::format("{} is {}, not a regular file", shown, kindOf(st.st_mode)));
  }
  if (static_cast<std::size_t>(st.st_size) > maxBytes) {
    return makeError(ErrorCategory::kInvalid,
                     fmt::format("{} is {} bytes, more than the {} allowed", shown,
                                 static_cast<long long>(st.st_size), maxBytes));
  }
  // Sized for what stat() promised (plus one byte, to notice growth) and
  // grown only if the file grows: the limit may be far above the file, and
  // a buffer of the limit's size would cost that much memory.
  std::string content;
  content.resize(std::min(maxBytes + 1, static_cast<std::size_t>(st.st_size) + 1));
  std::size_t have = 0;
  while (have <= maxBytes) {
    if (have == content.size()) {
      content.resize(std::min(maxBytes + 1, std::max<std::size_t>(content.size() * 2, 4096)));
    }
    const ssize_t n = ::read(fd.get(), content.data() + have, content.size() - have);
    if (n < 0) {
      if (errno == EINTR) continue;
      return makeError(ErrorCategory::kInvalid,
                       fmt::format("cannot read {}: {}", shown, std::strerror(errno)));
    }
    if (n == 0) break;
    have += static_cast<std::size_t>(n);
  }
  if (have > maxBytes) {
    return makeError(
        ErrorCategory::kInvalid,
        fmt::format("{} grew past the {} bytes allowed while being read", shown, maxBytes));
  }
  content.resize(have);
  return content;
}

}  // namespace tgwark
