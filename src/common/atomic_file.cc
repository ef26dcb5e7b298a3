#include "common/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

#include <fmt/format.h>

namespace tgwark {

namespace fs = std::filesystem;

namespace {

std::unexpected<Error> internalError(std::string_view what, const fs::path& path, int err) {
  return makeError(ErrorCategory::kInternal,
                   fmt::format("{} {}: {}", what, path.string(), std::strerror(err)));
}

}  // namespace

Result<void> writeFileAtomically(const fs::path& path, std::string_view content, fs::perms mode) {
  if (path.filename().empty()) {
    return makeError(ErrorCategory::kInternal,
                     fmt::format("cannot write {}: not a file name", path.string()));
  }
  fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return makeError(ErrorCategory::kInternal,
                     fmt::format("cannot create directory {}: {}", dir.string(), ec.message()));
  }

  // Same directory as the target: rename(2) is only atomic within one file system.
  // (fmt rather than `"." + string`: GCC 12 at -O3 reports a false -Wrestrict
  // inside libstdc++ for that concatenation.)
  std::string tmp = (dir / fmt::format(".{}.XXXXXX", path.filename().string())).string();
  int fd = ::mkstemp(tmp.data());
  if (fd < 0) return internalError("cannot create a temporary file in", dir, errno);

  auto fail = [&](std::string_view what) {
    int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return internalError(what, tmp, err);
  };
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("cannot write");
    }
    done += static_cast<std::size_t>(n);
  }
  // mkstemp makes the file 0600 and fchmod ignores the umask: the mode asked for is the mode.
  if (::fchmod(fd, static_cast<mode_t>(mode & fs::perms::mask)) != 0) return fail("cannot chmod");
  if (::fsync(fd) != 0) return fail("cannot fsync");
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return internalError("cannot close", tmp, err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return makeError(ErrorCategory::kInternal, fmt::format("cannot rename {} to {}: {}", tmp,
                                                           path.string(), std::strerror(err)));
  }
  // The rename lives in the directory: without this fsync a crash can bring the old file back.
  int dirFd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirFd < 0) return internalError("cannot open directory", dir, errno);
  int synced = ::fsync(dirFd);
  int err = errno;
  ::close(dirFd);
  if (synced != 0) return internalError("cannot fsync directory", dir, err);
  return {};
}

}  // namespace tgwark
