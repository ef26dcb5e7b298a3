// Making untrusted text safe to log: values from the command line, the config,
// the environment, files and AWS answers may hold control characters (a "\n"
// that forges a log line, an ESC that drives the terminal), be huge, or echo a
// secret back. These helpers escape, bound and redact such text; the logging
// sink (common/log.h) applies the same escaping and a length bound to every
// message, so a place that forgets them still cannot forge a line.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace tgwark {

// Bound of one value quoted inside a message (a tag, a VIP, a path).
inline constexpr std::size_t kLogValueMaxBytes = 256;
// Bound of an excerpt of a foreign document (an HTTP error body).
inline constexpr std::size_t kLogExcerptMaxBytes = 200;
// Bound of a whole log message; the sink cuts anything longer.
inline constexpr std::size_t kLogMessageMaxBytes = 8192;

// Escapes what a log line must not carry raw, then bounds the result:
//  - C0 controls and DEL: \n \r \t as such, the others as \xNN (ESC -> \x1b)
//  - bytes that are not valid UTF-8: \xNN
//  - C1 controls, line/paragraph separators and bidirectional overrides
//    (U+0080..U+009F, U+2028, U+2029, U+202A..U+202E, U+2066..U+2069): \uNNNN
// Backslashes are left alone, so escaping is idempotent: text that already went
// through escapeForLog (or the sink) comes out unchanged and a message built
// from escaped values is not escaped twice. When the escaped text exceeds
// maxBytes it is cut (never inside an escape or a UTF-8 sequence) and
// "...(N bytes)" appended, N the length of the original text.
std::string escapeForLog(std::string_view text, std::size_t maxBytes = kLogValueMaxBytes);

// escapeForLog with the excerpt bound: for quoting part of a foreign document.
std::string boundedExcerpt(std::string_view text, std::size_t maxBytes = kLogExcerptMaxBytes);

// Replaces every occurrence of each non-empty secret in text by "****".
// Secrets shorter than 4 bytes are ignored (they would mangle ordinary text and
// no real key is that short).
std::string redactSecrets(std::string_view text, std::span<const std::string_view> secrets);

}  // namespace tgwark
