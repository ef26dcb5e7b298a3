// IP addresses and CIDR blocks, IPv4 and IPv6, in the canonical text form AWS
// uses in API responses (IPv6 compressed, lower case). Route destinations are
// compared as parsed prefixes, never as raw strings, so "2001:DB8::1/128" and
// "2001:db8:0::1/128" are the same route.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace tgwark::model {

struct Prefix {
  bool ipv6 = false;
  std::array<std::uint8_t, 16> bytes{};  // IPv4 uses the first 4
  int length = 0;                        // 0..32 or 0..128

  int maxLength() const { return ipv6 ? 128 : 32; }
  bool isHost() const { return length == maxLength(); }
  // True when `other` (an address or prefix) lies inside this prefix.
  bool contains(const Prefix& other) const;
  // "10.0.0.0/16", "2001:db8::/32" (network bits only).
  std::string toString() const;
  // The address part only: "192.168.10.10".
  std::string addressString() const;
  friend bool operator==(const Prefix&, const Prefix&) = default;
};

// "10.1.2.3" (host) or "10.1.0.0/16". Host bits beyond the length are an error
// unless allowHostBits is set.
Result<Prefix> parsePrefix(std::string_view text, bool allowHostBits = false);
// The VIP's host prefix: "192.168.10.10" or "192.168.10.10/32" -> /32; IPv6 -> /128.
// Anything that is not a single host is kInvalidConfig.
Result<Prefix> parseVipHostPrefix(std::string_view text);

}  // namespace tgwark::model
