#include "aws/query_encoding.h"

#include <string>

#include "common/percent_encoding.h"

namespace tgwark::aws {
QueryParams::QueryParams(std::string_view action, std::string_view version) {
  params_.emplace_back("Action", std::string(action));
  params_.emplace_back("Version", std::string(version));
}

QueryParams& QueryParams::add(std::string name, std::string value) {
  params_.emplace_back(std::move(name), std::move(value));
  return *this;
}

QueryParams& QueryParams::addBool(std::string name, bool value) {
  return add(std::move(name), value ? "true" : "false");
}

QueryParams& QueryParams::addInt(std::string name, long long value) {
  return add(std::move(name), std::to_string(value));
}

QueryParams& QueryParams::addList(std::string_view name, const std::vector<std::string>& values) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    add(std::string(name) + "." + std::to_string(i + 1), values[i]);
  }
  return *this;
}

QueryParams& QueryParams::addFilters(const std::vector<Filter>& filters) {
  for (std::size_t i = 0; i < filters.size(); ++i) {
    std::string prefix = "Filter." + std::to_string(i + 1);
    add(prefix + ".Name", filters[i].name);
    addList(prefix + ".Value", filters[i].values);
  }
  return *this;
}

std::string_view QueryParams::get(std::string_view name) const {
  for (const auto& [key, value] : params_) {
    if (key == name) return value;
  }
  return {};
}

std::string QueryParams::encode() const {
  std::string out;
  for (const auto& [key, value] : params_) {
    if (!out.empty()) out += '&';
    out += percentEncode(key);
    out += '=';
    out += percentEncode(value);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parseFormBody(std::string_view body) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!body.empty()) {
    std::size_t amp = body.find('&');
    std::string_view part = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
    if (part.empty()) continue;
    std::size_t eq = part.find('=');
    // Browsers and SDKs send '+' for space in form bodies.
    const PercentDecodeOptions form{.plusIsSpace = true};
    if (eq == std::string_view::npos) {
      out.emplace_back(*percentDecode(part, form), std::string{});
    } else {
      out.emplace_back(*percentDecode(part.substr(0, eq), form),
                       *percentDecode(part.substr(eq + 1), form));
    }
  }
  return out;
}

}  // namespace tgwark::aws
