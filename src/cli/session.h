// The command line's view of the application core: a command opens an
// app::Context the same way every time (logging set up for the action, the
// config found — through LifeKeeper's Application Info when -t names a
// resource — and loaded), and reports errors with the command line's exit
// codes.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "app/context.h"
#include "cli/commands.h"
#include "common/error.h"

namespace tgwark::cli {

using Session = app::Context;

// Process exit codes shared by the commands (docs/semantics.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitBadConfig = 2;

// Sets up logging for `action` (the context names the action, -t and -i) and
// logs what the command was called with. Reads nothing.
void startLogging(const GlobalOptions& global, const std::string& action);

// Sets up logging for `action`, resolves and loads the config. Config errors
// come back as kInvalidConfig (exit 2) before any AWS client exists.
Result<std::unique_ptr<Session>> openSession(const GlobalOptions& global,
                                             const std::string& action);

// Logs an error the way every command does and returns its exit code:
// kInvalidConfig -> 2, everything else -> 1. With --json (jsonOutput) it also
// prints the command's JSON error document on stdout, unless a document was
// already printed: a process prints at most one (docs/json.md).
int reportError(const Error& error, const std::string& what);

// Turns on JSON output for `command` (startLogging does it from --json): the
// error documents of reportError, and printJsonDocument.
void jsonOutput(bool on, const std::string& command);
// Prints `document` (stamped with schema_version, command and exit_code) as
// the process's one JSON document; nothing when one was already printed.
void printJsonDocument(nlohmann::json document, int exitCode);
// The error document of the command set by jsonOutput, printed the same way.
void printJsonError(const Error& error, int exitCode, std::string_view category = {});

}  // namespace tgwark::cli
