// How reports look: aligned tables for people, JSON (stable schema, see
// docs/json.md) for scripts. One function per report so every command that
// shows, say, an apply report shows it the same way.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "engine/engine.h"
#include "model/topology.h"
#include "plan/diff.h"
#include "plan/reachability.h"

namespace tgwark::cli {

using engine::callsText;
using model::tableKindText;
using model::targetText;

std::string planText(const plan::Plan& plan, bool colour);
nlohmann::json planJson(const plan::Plan& plan);

std::string applyText(const engine::ApplyReport& report, bool colour);
nlohmann::json applyJson(const engine::ApplyReport& report);

std::string statusText(const engine::StatusReport& report, bool colour);
nlohmann::json statusJson(const engine::StatusReport& report);

std::string verifyText(const engine::VerifyReport& report, bool colour);
nlohmann::json verifyJson(const engine::VerifyReport& report);

nlohmann::json callsJson(const engine::ApiCallCounts& calls);

// `tgwark discover`: the scope as TOML that can be pasted into the config.
std::string topologyToml(const model::Topology& topology);
nlohmann::json topologyJson(const model::Topology& topology);

}  // namespace tgwark::cli
