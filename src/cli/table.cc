#include "cli/table.h"

#include <string_view>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

namespace tgwark::cli {

namespace {

// Display width of UTF-8 text: counts code points, which is right for the
// ASCII and arrow characters tgwark prints.
std::size_t displayWidth(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

}  // namespace

bool terminalWantsColour(int fd) {
  const char* noColour = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  return ::isatty(fd) == 1 && (noColour == nullptr || *noColour == '\0') &&
         (term == nullptr || std::string_view(term) != "dumb");
}

bool stdoutWantsColour() {
  return terminalWantsColour(STDOUT_FILENO);
}

std::string paint(const std::string& text, Tone tone, bool colour) {
  if (!colour || tone == Tone::kPlain) return text;
  const char* code = "";
  switch (tone) {
    case Tone::kGood: code = "\033[32m"; break;
    case Tone::kBad: code = "\033[31;1m"; break;
    case Tone::kWarn: code = "\033[33m"; break;
    case Tone::kDim: code = "\033[2m"; break;
    case Tone::kPlain: break;
  }
  return std::string(code) + text + "\033[0m";
}

std::string Table::render(bool colour) const {
  std::vector<std::size_t> widths(headers_.size(), 0);
  for (std::size_t i = 0; i < headers_.size(); ++i) widths[i] = displayWidth(headers_[i]);
  for (const auto& row : rows_) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], displayWidth(row[i].text));
    }
  }
  std::string out;
  auto emit = [&](const std::vector<Cell>& cells) {
    std::string line;
    for (std::size_t i = 0; i < widths.size(); ++i) {
      const Cell empty{""};
      const Cell& cell = i < cells.size() ? cells[i] : empty;
      line += paint(cell.text, cell.tone, colour);
      if (i + 1 < widths.size()) line += std::string(widths[i] - displayWidth(cell.text) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  };
  std::vector<Cell> header;
  for (const auto& h : headers_) header.emplace_back(h, Tone::kDim);
  emit(header);
  for (const auto& row : rows_) emit(row);
  return out;
}

}  // namespace tgwark::cli
