// tgwark entry point.
#include "cli/commands.h"

int main(int argc, char** argv) {
  return tgwark::cli::run(argc, argv);
}
