#include "aws/query_encoding.h"

#include <string>

namespace tgwark::aws {
namespace {

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

std::string formUrlDecode(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < value.size() && hexValue(value[i + 1]) >= 0 &&
               hexValue(value[i + 2]) >= 0) {
      out += static_cast<char>(hexValue(value[i + 1]) * 16 + hexValue(value[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string formUrlEncode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (isUnreserved(c)) {
      out += c;
    } else {
      auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0f];
    }
  }
  return out;
}

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
    out += formUrlEncode(key);
    out += '=';
    out += formUrlEncode(value);
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
    if (eq == std::string_view::npos) {
      out.emplace_back(formUrlDecode(part), std::string{});
    } else {
      out.emplace_back(formUrlDecode(part.substr(0, eq)), formUrlDecode(part.substr(eq + 1)));
    }
  }
  return out;
}

}  // namespace tgwark::aws
