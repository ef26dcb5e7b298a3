// How reports look: aligned tables for people, JSON (stable schema, see
// docs/json.md) for scripts. One function per report so every command that
// shows, say, an apply report shows it the same way.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "common/error.h"
#include "engine/engine.h"
#include "model/topology.h"
#include "plan/diff.h"
#include "plan/reachability.h"

namespace tgwark::cli {

using engine::callsText;
using model::tableKindText;
using model::targetText;

// The version of every --json document's schema (docs/json.md,
// docs/schemas/): raised only by an incompatible change.
inline constexpr int kJsonSchemaVersion = 1;

// `document` with the fields every --json document has: schema_version,
// command and exit_code.
nlohmann::json stampDocument(nlohmann::json document, std::string_view command, int exitCode);
// The body of an error document: ok false and an `error` object (category,
// message, code, request_id). `category` overrides the error's own (e.g.
// "usage" for a bad command line).
nlohmann::json errorDocument(const Error& error, std::string_view category = {});

// The node most active routes serve (the consistent node when there is one);
// empty when no route serves any.
std::string majorityNode(const engine::StatusReport& report);

// What is odd about one route of `status`, judged against `reference` (the
// majority node): "" when nothing, else "unknown", "missing", "blackhole" or
// "wrong-target".
std::string routeProblem(const engine::RouteStatus& route, const std::string& reference);
// The command that makes every route serve one node again, or "" when none
// applies (every route is right).
std::string statusFixCommand(const engine::StatusReport& report);

std::string planText(const plan::Plan& plan, bool colour);
nlohmann::json planJson(const plan::Plan& plan);

std::string applyText(const engine::ApplyReport& report, bool colour);
nlohmann::json applyJson(const engine::ApplyReport& report);

// `staleRegions`: the regions discovery could not read (Topology::staleRegions),
// whose tables are their last known state or missing from the report.
std::string statusText(const engine::StatusReport& report, bool colour,
                       const std::map<std::string, std::string>& staleRegions = {});
nlohmann::json statusJson(const engine::StatusReport& report,
                          const std::map<std::string, std::string>& staleRegions = {});

std::string verifyText(const engine::VerifyReport& report, bool colour);
nlohmann::json verifyJson(const engine::VerifyReport& report);

nlohmann::json callsJson(const engine::ApiCallCounts& calls);

// `tgwark discover`: the scope as TOML that can be pasted into the config.
std::string topologyToml(const model::Topology& topology);
nlohmann::json topologyJson(const model::Topology& topology);

}  // namespace tgwark::cli
