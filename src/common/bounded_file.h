// Reading small input files (the configuration, the AWS shared config and
// credentials files) without trusting what the path names: a FIFO or a device
// must not block tgwark, and /dev/zero or a huge file must not exhaust memory.
// Only regular files no bigger than a limit are read.
#pragma once

#include <cstddef>
#include <string>

#include "common/error.h"

namespace tgwark {

// Configuration-sized files: far above any real config, far below trouble.
inline constexpr std::size_t kMaxInputFileBytes = 1 << 20;

// The whole content of the regular file at `path`. Opened non-blocking (a FIFO
// with no writer, a device or a socket is refused without waiting), checked
// with fstat to be a regular file of at most maxBytes, and read with that
// bound (a file growing meanwhile is refused too). /dev/null reads as empty.
// Errors: kNotFound when
// nothing exists at path, kInvalid otherwise; the message names the path and
// the reason.
Result<std::string> readBoundedRegularFile(const std::string& path,
                                           std::size_t maxBytes = kMaxInputFileBytes);

}  // namespace tgwark
