// The INI dialect of the AWS shared config and credentials files
// (~/.aws/config, ~/.aws/credentials): sections of "key = value", comments,
// indented sub-properties. Line numbers are kept so that errors can point at
// a setting without quoting it (the files hold secrets).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "common/error.h"

namespace tgwark::aws {

// One parsed file. Keys are lower-cased.
struct IniFile {
  struct Entry {
    std::string value;
    int line = 0;
  };
  struct Section {
    std::map<std::string, Entry, std::less<>> entries;
    int line = 0;
  };
  std::string path;
  // Section names as written between brackets, e.g. "profile ha", "default".
  std::map<std::string, Section, std::less<>> sections;
};

// Parses INI text: '#' / ';' comment lines and inline comments after
// whitespace, indented sub-properties (ignored), "key = value".
Result<IniFile> parseIni(std::string_view text, std::string path);
// Reads and parses a file; a missing file is an empty IniFile (not an error),
// anything but a regular file of at most 1 MiB is kInvalidConfig (without
// blocking on a FIFO: common/bounded_file.h).
Result<IniFile> loadIniFile(const std::string& path);

}  // namespace tgwark::aws
