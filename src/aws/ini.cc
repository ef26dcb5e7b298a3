#include "aws/ini.h"

#include "common/strings.h"

#include <cctype>

#include <fmt/format.h>

#include "common/bounded_file.h"
#include "common/secret.h"

namespace tgwark::aws {
namespace {

std::string toLower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Cuts an inline comment: '#' or ';' preceded by whitespace.
std::string_view stripInlineComment(std::string_view value) {
  for (std::size_t i = 1; i < value.size(); ++i) {
    if ((value[i] == '#' || value[i] == ';') &&
        std::isspace(static_cast<unsigned char>(value[i - 1]))) {
      return trim(value.substr(0, i));
    }
  }
  return value;
}

}  // namespace

Result<IniFile> parseIni(std::string_view text, std::string path) {
  IniFile file;
  file.path = std::move(path);
  IniFile::Section* section = nullptr;
  bool lastWasProperty = false;
  int lineNo = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++lineNo;
    if (raw.ends_with('\r')) raw.remove_suffix(1);
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;

    if (line.front() == '[') {
      auto close = line.find(']');
      if (close == std::string_view::npos) {
        return makeError(ErrorCategory::kInvalidConfig,
                         fmt::format("{}:{}: section header without ']'", file.path, lineNo));
      }
      std::string_view after = trim(line.substr(close + 1));
      if (!after.empty() && after.front() != '#' && after.front() != ';') {
        return makeError(
            ErrorCategory::kInvalidConfig,
            fmt::format("{}:{}: unexpected text after section header", file.path, lineNo));
      }
      // "[profile   ha]" is the same as "[profile ha]".
      std::string name;
      for (char c : trim(line.substr(1, close - 1))) {
        if (std::isspace(static_cast<unsigned char>(c))) {
          if (!name.empty() && name.back() != ' ') name.push_back(' ');
        } else {
          name.push_back(c);
        }
      }
      if (name.empty()) {
        return makeError(ErrorCategory::kInvalidConfig,
                         fmt::format("{}:{}: empty section name", file.path, lineNo));
      }
      section = &file.sections[name];
      if (section->line == 0) section->line = lineNo;
      lastWasProperty = false;
      continue;
    }

    // Indented lines after "key =" are sub-properties (s3 = \n  max_concurrent_requests = 1),
    // which no setting tgwark reads uses.
    if (std::isspace(static_cast<unsigned char>(raw.front())) && lastWasProperty) continue;

    if (section == nullptr) {
      return makeError(ErrorCategory::kInvalidConfig,
                       fmt::format("{}:{}: setting outside of any [section]", file.path, lineNo));
    }
    auto eq = line.find('=');
    if (eq == std::string_view::npos) {
      // The line is not quoted: it could be a secret missing its '='.
      return makeError(ErrorCategory::kInvalidConfig,
                       fmt::format("{}:{}: expected 'key = value'", file.path, lineNo));
    }
    std::string key = toLower(trim(line.substr(0, eq)));
    if (key.empty()) {
      return makeError(ErrorCategory::kInvalidConfig,
                       fmt::format("{}:{}: empty key before '='", file.path, lineNo));
    }
    std::string value(stripInlineComment(trim(line.substr(eq + 1))));
    section->entries[key] = IniFile::Entry{std::move(value), lineNo};
    lastWasProperty = true;
  }
  return file;
}

Result<IniFile> loadIniFile(const std::string& path) {
  if (path.empty()) return IniFile{};
  // Bounded and non-blocking: a FIFO or /dev/zero named by AWS_CONFIG_FILE
  // must not hang or exhaust the process.
  auto content = readBoundedRegularFile(path);
  if (!content) {
    if (content.error().category == ErrorCategory::kNotFound) {
      IniFile empty;
      empty.path = path;
      return empty;  // a missing file simply defines no profiles
    }
    return makeError(ErrorCategory::kInvalidConfig,
                     "AWS shared file unusable: " + content.error().message);
  }
  auto parsed = parseIni(*content, path);
  secureWipe(content->data(), content->size());
  return parsed;
}

}  // namespace tgwark::aws
