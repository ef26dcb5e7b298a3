#include "aws/iso8601.h"

#include "common/strings.h"

#include <cctype>
#include <chrono>

#include <fmt/format.h>

namespace tgwark::aws {

Result<WallTime> parseIso8601(std::string_view text) {
  auto bad = [&] {
    return makeError(ErrorCategory::kInvalid,
                     fmt::format("'{}' is not an ISO 8601 UTC time", text.substr(0, 40)));
  };
  std::string_view s = trim(text);
  auto digits = [&](std::size_t pos, std::size_t len) -> int {
    if (pos + len > s.size()) return -1;
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(s[i]))) return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
      s[13] != ':' || s[16] != ':') {
    return bad();
  }
  int year = digits(0, 4), month = digits(5, 2), day = digits(8, 2);
  int hour = digits(11, 2), minute = digits(14, 2), second = digits(17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
      second < 0 || second > 60) {
    return bad();
  }
  std::size_t pos = 19;
  std::chrono::nanoseconds fraction{0};
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    long long scale = 100000000;
    std::size_t start = pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      fraction += std::chrono::nanoseconds{(s[pos] - '0') * scale};
      scale /= 10;
      ++pos;
    }
    if (pos == start) return bad();
  }
  std::chrono::minutes offset{0};
  std::string_view zone = s.substr(pos);
  if (zone == "Z" || zone == "z") {
    // UTC
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    int oh = digits(pos + 1, 2), om = digits(pos + 4, 2);
    if (oh < 0 || om < 0) return bad();
    offset = std::chrono::hours{oh} + std::chrono::minutes{om};
    if (zone[0] == '-') offset = -offset;
  } else {
    return bad();
  }
  using namespace std::chrono;
  year_month_day ymd{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                     std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return bad();
  auto t = sys_days{ymd} + hours{hour} + minutes{minute} + seconds{second} - offset;
  return time_point_cast<WallTime::duration>(t + fraction);
}

std::string formatIso8601(WallTime t) {
  using namespace std::chrono;
  auto secs = floor<seconds>(t);
  auto days = floor<std::chrono::days>(secs);
  year_month_day ymd{days};
  hh_mm_ss hms{secs - days};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

}  // namespace tgwark::aws
