// The process environment behind a function type, so every module that reads
// environment variables (credentials, endpoints, state directories, OCF
// parameters) takes it as an argument and tests pass a map instead.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace tgwark {

// Looks up an environment variable; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;

// The process environment (::getenv).
EnvLookup processEnvironment();

}  // namespace tgwark
