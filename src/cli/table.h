// Aligned text tables for the terminal, with colour only when stdout is a TTY
// (and NO_COLOR is unset), so piped output stays plain and diffable.
#pragma once

#include <string>
#include <vector>

namespace tgwark::cli {

enum class Tone { kPlain, kGood, kBad, kWarn, kDim };

struct Cell {
  std::string text;
  Tone tone = Tone::kPlain;
  Cell(std::string t, Tone tn = Tone::kPlain) : text(std::move(t)), tone(tn) {}  // NOLINT
  Cell(const char* t, Tone tn = Tone::kPlain) : text(t), tone(tn) {}             // NOLINT
};

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void addRow(std::vector<Cell> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  // Renders with two spaces between columns; colour codes do not count toward widths.
  std::string render(bool colour) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<Cell>> rows_;
};

// True when stdout is a terminal and NO_COLOR is not set.
// A terminal that is not TERM=dumb, and NO_COLOR unset: colour and
// in-place progress lines are welcome on `fd`.
bool terminalWantsColour(int fd);
bool stdoutWantsColour();
std::string paint(const std::string& text, Tone tone, bool colour);

}  // namespace tgwark::cli
