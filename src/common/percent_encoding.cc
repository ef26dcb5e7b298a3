#include "common/percent_encoding.h"

namespace tgwark {
namespace {

constexpr char kHexUpper[] = "0123456789ABCDEF";

bool isUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string percentEncode(std::string_view input, bool keepSlash) {
  std::string out;
  out.reserve(input.size() * 3 / 2);
  for (char c : input) {
    if (isUnreserved(c) || (keepSlash && c == '/')) {
      out.push_back(c);
    } else {
      auto byte = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHexUpper[byte >> 4]);
      out.push_back(kHexUpper[byte & 0xF]);
    }
  }
  return out;
}

std::optional<std::string> percentDecode(std::string_view input, PercentDecodeOptions options) {
  std::string out;
  out.reserve(input.size());
  for (std::size_t i = 0; i < input.size(); ++i) {
    const char c = input[i];
    if (c == '+' && options.plusIsSpace) {
      out.push_back(' ');
      continue;
    }
    if (c == '%') {
      const int hi = i + 1 < input.size() ? hexValue(input[i + 1]) : -1;
      const int lo = i + 2 < input.size() ? hexValue(input[i + 2]) : -1;
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
      if (options.strict) return std::nullopt;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace tgwark
