// Small text helpers several modules need: trimming, and the edit distance
// behind every "did you mean ...?" (config keys, commands, options).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tgwark {

// Without leading and trailing white space.
std::string_view trim(std::string_view text);

// Levenshtein distance, ignoring ASCII case.
std::size_t editDistance(std::string_view a, std::string_view b);

// The candidate closest to `word` when it is close enough to be a typo (at
// most a third of the word's length, and at least 2 edits allowed).
std::optional<std::string> closestMatch(std::string_view word,
                                        const std::vector<std::string>& candidates);

}  // namespace tgwark
