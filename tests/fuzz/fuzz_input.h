// Splitting one fuzzer input into several fields, so a single byte string can
// drive functions that take a request, headers and a body. Fields are
// separated by a byte that rarely matters to the parsers (0x1f, the ASCII unit
// separator); missing fields are empty.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace tgwark::fuzz {

inline std::vector<std::string_view> splitFields(const std::uint8_t* data, std::size_t size,
                                                 std::size_t count) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> fields;
  while (fields.size() + 1 < count) {
    auto at = rest.find('\x1f');
    if (at == std::string_view::npos) break;
    fields.push_back(rest.substr(0, at));
    rest.remove_prefix(at + 1);
  }
  fields.push_back(rest);
  fields.resize(count);
  return fields;
}

}  // namespace tgwark::fuzz
