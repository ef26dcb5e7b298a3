// LifeKeeper's record of a resource: the Application Info field that
// `lifekeeper install` fills with the config path, read back through
// `$LKROOT/bin/ins_list` so gen/app scripts called with only -t TAG find it.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "app/identity.h"
#include "common/env.h"

namespace tgwark::lifekeeper {

// ins_list normally answers at once; a hung one must not eat the action's
// whole LifeKeeper timeout.
inline constexpr std::chrono::milliseconds kInsListTimeout{5000};

// Runs `$LKROOT/bin/ins_list -t TAG -f:` (no shell) and returns field 6.
// ins_list runs in its own process group with the AWS secrets removed from its
// environment, dies with this process (PR_SET_PDEATHSIG), and is killed (with
// its group) when it has not finished within `timeout`, which counts as no
// Application Info. Its output is read up to 64 KiB.
std::optional<std::string> applicationInfo(const std::string& tag, const EnvLookup& env,
                                           std::chrono::milliseconds timeout = kInsListTimeout);

// The config of resource `tag` as app::resolveConfigPath wants it.
std::optional<app::ConfigSource> configFromApplicationInfo(const std::string& tag,
                                                           const EnvLookup& env);

}  // namespace tgwark::lifekeeper
