#include "model/net.h"

#include <arpa/inet.h>

#include <charconv>

#include <fmt/format.h>

namespace tgwark::model {
namespace {

bool prefixBitsMatch(const std::array<std::uint8_t, 16>& a, const std::array<std::uint8_t, 16>& b,
                     int length) {
  int fullBytes = length / 8;
  for (int i = 0; i < fullBytes; ++i) {
    if (a[static_cast<std::size_t>(i)] != b[static_cast<std::size_t>(i)]) return false;
  }
  int rest = length % 8;
  if (rest == 0) return true;
  auto mask = static_cast<std::uint8_t>(0xFF << (8 - rest));
  auto idx = static_cast<std::size_t>(fullBytes);
  return (a[idx] & mask) == (b[idx] & mask);
}

bool hasHostBits(const Prefix& p) {
  int total = p.maxLength();
  for (int bit = p.length; bit < total; ++bit) {
    auto byte = static_cast<std::size_t>(bit / 8);
    if (p.bytes[byte] & (0x80 >> (bit % 8))) return true;
  }
  return false;
}

void clearHostBits(Prefix& p) {
  int total = p.maxLength();
  for (int bit = p.length; bit < total; ++bit) {
    auto byte = static_cast<std::size_t>(bit / 8);
    p.bytes[byte] = static_cast<std::uint8_t>(p.bytes[byte] & ~(0x80 >> (bit % 8)));
  }
}

// RFC 5952: lower case, no leading zeros, the longest run (>= 2) of zero groups
// compressed (the first such run on a tie), IPv4-mapped addresses as ::ffff:a.b.c.d.
// Written by hand rather than inet_ntop because glibc prints the deprecated
// IPv4-compatible form ("::1.2.3.4") that AWS does not.
std::string formatIpv6(const std::array<std::uint8_t, 16>& b) {
  bool mapped = true;
  for (int i = 0; i < 10; ++i) mapped = mapped && b[static_cast<std::size_t>(i)] == 0;
  mapped = mapped && b[10] == 0xFF && b[11] == 0xFF;
  if (mapped) return fmt::format("::ffff:{}.{}.{}.{}", b[12], b[13], b[14], b[15]);

  std::array<unsigned, 8> groups{};
  for (std::size_t i = 0; i < 8; ++i) groups[i] = (unsigned{b[2 * i]} << 8) | b[2 * i + 1];
  int bestStart = -1;
  int bestLen = 0;
  for (int i = 0; i < 8;) {
    if (groups[static_cast<std::size_t>(i)] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && groups[static_cast<std::size_t>(j)] == 0) ++j;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestStart = -1;

  std::string out;
  for (int i = 0; i < 8; ++i) {
    if (i == bestStart) {
      out += "::";
      i += bestLen - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    out += fmt::format("{:x}", groups[static_cast<std::size_t>(i)]);
  }
  return out;
}

}  // namespace

bool Prefix::contains(const Prefix& other) const {
  if (ipv6 != other.ipv6) return false;
  if (other.length < length) return false;
  return prefixBitsMatch(bytes, other.bytes, length);
}

std::string Prefix::addressString() const {
  if (!ipv6) return fmt::format("{}.{}.{}.{}", bytes[0], bytes[1], bytes[2], bytes[3]);
  return formatIpv6(bytes);
}

std::string Prefix::toString() const {
  Prefix network = *this;
  clearHostBits(network);
  return fmt::format("{}/{}", network.addressString(), length);
}

Result<Prefix> parsePrefix(std::string_view text, bool allowHostBits) {
  auto invalid = [&](std::string_view why) {
    return makeError(ErrorCategory::kInvalidConfig,
                     fmt::format("\"{}\" is not a valid IP address or CIDR block: {}", text, why));
  };
  if (text.empty()) return invalid("empty");
  std::string_view address = text;
  std::optional<int> length;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    address = text.substr(0, slash);
    std::string_view lengthText = text.substr(slash + 1);
    int value = 0;
    auto [ptr, ec] =
        std::from_chars(lengthText.data(), lengthText.data() + lengthText.size(), value);
    if (lengthText.empty() || ec != std::errc{} || ptr != lengthText.data() + lengthText.size() ||
        (lengthText.size() > 1 && lengthText[0] == '0')) {
      return invalid("the prefix length is not a number");
    }
    length = value;
  }

  Prefix prefix;
  // inet_pton needs a NUL-terminated string; bounded so garbage cannot be huge.
  if (address.size() > 64) return invalid("too long");
  std::string addressCopy(address);
  if (addressCopy.find(':') != std::string::npos) {
    prefix.ipv6 = true;
    in6_addr raw{};
    if (inet_pton(AF_INET6, addressCopy.c_str(), &raw) != 1) return invalid("bad IPv6 address");
    for (std::size_t i = 0; i < 16; ++i) prefix.bytes[i] = raw.s6_addr[i];
  } else {
    in_addr raw{};
    // glibc's inet_pton accepts only four decimal parts without leading zeros.
    if (inet_pton(AF_INET, addressCopy.c_str(), &raw) != 1) return invalid("bad IPv4 address");
    const auto* p = reinterpret_cast<const std::uint8_t*>(&raw.s_addr);
    for (std::size_t i = 0; i < 4; ++i) prefix.bytes[i] = p[i];
  }
  prefix.length = length.value_or(prefix.maxLength());
  if (prefix.length < 0 || prefix.length > prefix.maxLength()) {
    return invalid(fmt::format("the prefix length must be 0..{}", prefix.maxLength()));
  }
  if (hasHostBits(prefix)) {
    if (!allowHostBits) {
      Prefix network = prefix;
      clearHostBits(network);
      return invalid(fmt::format("host bits are set (the network is {})", network.toString()));
    }
    clearHostBits(prefix);
  }
  return prefix;
}

Result<Prefix> parseVipHostPrefix(std::string_view text) {
  auto prefix = parsePrefix(text, /*allowHostBits=*/true);
  if (!prefix) return prefix;
  if (!prefix->isHost()) {
    return makeError(ErrorCategory::kInvalidConfig,
                     fmt::format("\"{}\" is not a host address (the VIP must be a single address, "
                                 "/32 for IPv4 or /128 for IPv6)",
                                 text));
  }
  return prefix;
}

}  // namespace tgwark::model
