#include "common/log_text.h"

#include <fmt/format.h>

#include "common/secret.h"

namespace tgwark {
namespace {

// Length of the well-formed UTF-8 sequence at text[i] and its code point, or 0
// when the bytes there are not one (overlong forms and surrogates included).
std::size_t utf8Sequence(std::string_view text, std::size_t i, char32_t& codePoint) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  std::size_t length = 0;
  char32_t value = 0;
  char32_t minimum = 0;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2, value = lead & 0x1f, minimum = 0x80;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3, value = lead & 0x0f, minimum = 0x800;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4, value = lead & 0x07, minimum = 0x10000;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    value = (value << 6) | (byte(i + k) & 0x3f);
  }
  if (value < minimum || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) return 0;
  codePoint = value;
  return length;
}

// Code points that reorder or break a line on display although they are printable
// in the Unicode sense.
bool isDangerousCodePoint(char32_t c) {
  return (c >= 0x80 && c <= 0x9f) || c == 0x2028 || c == 0x2029 || (c >= 0x202a && c <= 0x202e) ||
         (c >= 0x2066 && c <= 0x2069);
}

}  // namespace

std::string escapeForLog(std::string_view text, std::size_t maxBytes) {
  std::string out;
  out.reserve(std::min(text.size(), maxBytes) + 16);
  std::size_t i = 0;
  bool cut = false;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::string piece;
    std::size_t consumed = 1;
    if (c < 0x20 || c == 0x7f) {
      switch (c) {
        case '\n': piece = "\\n"; break;
        case '\r': piece = "\\r"; break;
        case '\t': piece = "\\t"; break;
        default: piece = fmt::format("\\x{:02x}", c); break;
      }
    } else if (c < 0x80) {
      piece.assign(1, static_cast<char>(c));
    } else {
      char32_t codePoint = 0;
      consumed = utf8Sequence(text, i, codePoint);
      if (consumed == 0) {
        consumed = 1;
        piece = fmt::format("\\x{:02x}", c);
      } else if (isDangerousCodePoint(codePoint)) {
        piece = fmt::format("\\u{:04x}", static_cast<std::uint32_t>(codePoint));
      } else {
        piece.assign(text.substr(i, consumed));
      }
    }
    if (out.size() + piece.size() > maxBytes) {
      cut = true;
      break;
    }
    out += piece;
    i += consumed;
  }
  if (cut) out += fmt::format("...({} bytes)", text.size());
  return out;
}

std::string boundedExcerpt(std::string_view text, std::size_t maxBytes) {
  return escapeForLog(text, maxBytes);
}

std::string redactSecrets(std::string_view text, std::span<const std::string_view> secrets) {
  constexpr std::size_t kMinSecret = 4;
  std::string out(text);
  for (std::string_view secret : secrets) {
    if (secret.size() < kMinSecret) continue;
    for (std::size_t at = out.find(secret); at != std::string::npos;
         at = out.find(secret, at + SecretString::kRedacted.size())) {
      out.replace(at, secret.size(), SecretString::kRedacted);
    }
  }
  return out;
}

}  // namespace tgwark
