// tgwark_bench_spawn: runs one program and reports its own resource usage,
// for tgwark_bench's process rows.
//
//   tgwark_bench_spawn REPORT_FILE PROGRAM [ARGS...]
//
// Why a helper: tgwark_bench starts processes with posix_spawn (the only safe
// way from its multi-threaded emulator process), which glibc implements with
// a vfork-style clone; at exec Linux folds the parent's high-water RSS into the
// new process's ru_maxrss, so a tgwark smaller than the bench would be
// reported at the bench's size. This helper is small and single-threaded:
// it forks (the child's high-water mark starts at this helper's ~1 MB), execs
// the program, and writes the program's wait4 figures to REPORT_FILE as one
// line: exit code, wall ns, spawn time (ns since the Unix epoch), user us,
// sys us, max RSS KiB. stdin/stdout/stderr are inherited; its exit code is the
// program's (126/127: could not run it).
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace {

long long nanos(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

long long micros(const timeval& tv) {
  return static_cast<long long>(tv.tv_sec) * 1000000LL + tv.tv_usec;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s REPORT_FILE PROGRAM [ARGS...]\n", argv[0]);
    return 126;
  }
  const long long started = nanos(CLOCK_REALTIME);
  const long long start = nanos(CLOCK_MONOTONIC);
  const pid_t pid = fork();
  if (pid < 0) {
    std::perror("fork");
    return 126;
  }
  if (pid == 0) {
    execv(argv[2], argv + 2);
    std::fprintf(stderr, "cannot run %s: %s\n", argv[2], std::strerror(errno));
    _exit(127);
  }
  int status = 0;
  rusage ru{};
  while (wait4(pid, &status, 0, &ru) < 0) {
    if (errno != EINTR) {
      std::perror("wait4");
      return 126;
    }
  }
  const long long wall = nanos(CLOCK_MONOTONIC) - start;
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::FILE* report = std::fopen(argv[1], "w");
  if (report == nullptr) {
    std::perror(argv[1]);
    return 126;
  }
  std::fprintf(report, "%d %lld %lld %lld %lld %ld\n", code, wall, started, micros(ru.ru_utime),
               micros(ru.ru_stime), ru.ru_maxrss);
  std::fclose(report);
  return code;
}
