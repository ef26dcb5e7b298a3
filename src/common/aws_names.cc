#include "common/aws_names.h"

#include <algorithm>
#include <vector>

namespace tgwark {
namespace {

bool isLowerWord(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

bool isLowerHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

}  // namespace

bool isValidRegionName(std::string_view region) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t dash = region.find('-', start);
    parts.push_back(region.substr(start, dash == std::string_view::npos ? dash : dash - start));
    if (dash == std::string_view::npos) break;
    start = dash + 1;
  }
  if (parts.size() < 3) return false;
  if (parts.front().size() != 2 || !isLowerWord(parts.front())) return false;
  for (std::size_t i = 1; i + 1 < parts.size(); ++i) {
    if (!isLowerWord(parts[i])) return false;
  }
  std::string_view number = parts.back();
  return !number.empty() && number.size() <= 2 &&
         std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool isValidAwsId(std::string_view id, std::string_view prefix) {
  if (prefix.empty() || id.size() <= prefix.size() + 1) return false;
  if (!id.starts_with(prefix) || id[prefix.size()] != '-') return false;
  std::string_view digits = id.substr(prefix.size() + 1);
  if (digits.size() != 8 && digits.size() != 17) return false;
  return std::all_of(digits.begin(), digits.end(), isLowerHex);
}

}  // namespace tgwark
