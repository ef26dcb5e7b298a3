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

// The variable's value when it is set and non-empty: AWS tools treat an empty
// variable as unset. A null `env` is an empty environment.
std::optional<std::string> envValue(const EnvLookup& env, std::string_view name);

}  // namespace tgwark
