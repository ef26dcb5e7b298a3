// Crash-safe file replacement for everything tgwark writes that another
// process reads (metrics for node_exporter, generated cluster scripts, session
// state): a reader sees the old file or the new one, never half of either,
// and the new one survives a power cut once the call has returned.
#pragma once

#include <filesystem>
#include <string_view>

#include "common/error.h"

namespace tgwark {

// Writes `content` to a temporary file in the directory of `path`, fsyncs it,
// renames it over `path` and fsyncs the directory. Missing parent directories
// are created. `mode` is applied exactly (the umask does not narrow it). On
// failure `path` keeps its old content, no temporary file is left behind, and
// the error (kInternal) names the path and the errno text.
[[nodiscard]] Result<void> writeFileAtomically(
    const std::filesystem::path& path, std::string_view content,
    std::filesystem::perms mode = std::filesystem::perms::owner_read |
                                  std::filesystem::perms::owner_write |
                                  std::filesystem::perms::group_read |
                                  std::filesystem::perms::others_read);

}  // namespace tgwark
