// "Did you mean ...?" for mistyped commands and options: the closest known
// name by edit distance, ignoring case (so `quickcheck` finds `quickCheck`).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tgwark::cli {

// Case-insensitive Levenshtein distance.
std::size_t editDistance(std::string_view a, std::string_view b);

// The candidate closest to `word`, when it is close enough to be a typo
// (at most a third of the word's length, and at least 2 edits allowed).
std::optional<std::string> closestMatch(std::string_view word,
                                        const std::vector<std::string>& candidates);

}  // namespace tgwark::cli
