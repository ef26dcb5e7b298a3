// RFC 3986 percent-encoding, the one implementation behind SigV4 canonical
// requests, the EC2 Query form body, STS bodies and the emulator's parser:
// when they disagree on a byte, a signature stops matching.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tgwark {

// Encodes every byte outside A-Z a-z 0-9 - _ . ~ as %XX (upper-case hex);
// space is %20, never '+'. With keepSlash, '/' stays as is (URI paths).
std::string percentEncode(std::string_view input, bool keepSlash = false);

struct PercentDecodeOptions {
  // Form bodies and query strings written by browsers and SDKs use '+' for
  // space; SigV4 canonicalisation treats '+' as a literal plus.
  bool plusIsSpace = false;
  // A '%' not followed by two hex digits: kept literally (lenient, as
  // aws-c-auth signs it) or a failure (strict, as EC2 answers
  // MalformedQueryString).
  bool strict = false;
};

// Decodes %XX escapes. nullopt only in strict mode, for a malformed escape.
std::optional<std::string> percentDecode(std::string_view input, PercentDecodeOptions options = {});

}  // namespace tgwark
