// tgwark entry point.
#include <malloc.h>

#include "cli/commands.h"

int main(int argc, char** argv) {
  // One malloc arena for the whole process. glibc gives each thread that
  // allocates its own arena (up to 8 per core), and the engine's short-lived
  // per-region and per-table threads each left one holding the pages of the
  // responses they parsed: a third of the peak RSS of a 1,000-table restore
  // (docs/benchmarks.md). The threads mostly wait on the network, so sharing
  // one arena costs no measurable time. Before any thread starts.
  mallopt(M_ARENA_MAX, 1);
  return tgwark::cli::run(argc, argv);
}
