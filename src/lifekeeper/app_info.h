// LifeKeeper's record of a resource: the Application Info field that
// `lifekeeper install` fills with the config path, read back through
// `$LKROOT/bin/ins_list` so gen/app scripts called with only -t TAG find it.
#pragma once

#include <optional>
#include <string>

#include "app/identity.h"
#include "common/env.h"

namespace tgwark::lifekeeper {

// Runs `$LKROOT/bin/ins_list -t TAG -f:` (no shell) and returns field 6.
std::optional<std::string> applicationInfo(const std::string& tag, const EnvLookup& env);

// The config of resource `tag` as app::resolveConfigPath wants it.
std::optional<app::ConfigSource> configFromApplicationInfo(const std::string& tag,
                                                           const EnvLookup& env);

}  // namespace tgwark::lifekeeper
