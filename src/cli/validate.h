// `tgwark validate`: every prerequisite that can be checked without changing
// anything (config, credentials, endpoints, IDs, source/dest check, VIP
// placement, attachment states, TGW associations, paths, IAM permissions by
// EC2 DryRun), one OK / WARN / FAIL line each with a fix hint. Split from the
// command so tests can run it against the emulator with an explicit Session.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "cli/session.h"
#include "common/error.h"
#include "engine/call_counter.h"
#include "engine/context.h"

namespace tgwark::aws {
class CredentialsProvider;
}

namespace tgwark::cli {

enum class CheckStatus { kOk, kWarn, kFail };
std::string_view checkStatusName(CheckStatus status);  // "OK" | "WARN" | "FAIL"

struct CheckResult {
  std::string check;  // "credentials", "endpoint us-east-1", "iam ec2:CreateRoute", ...
  CheckStatus status = CheckStatus::kOk;
  std::string detail;
  std::string hint;  // how to fix it; empty for OK
};

struct ValidateReport {
  std::vector<CheckResult> checks;
  std::vector<std::string> missingActions;  // IAM actions proven denied, sorted
  engine::ApiCallCounts calls;
  int count(CheckStatus status) const;
  // docs/semantics.md: 0 everything OK (warnings allowed), 1 some check failed.
  int exitCode() const { return count(CheckStatus::kFail) > 0 ? kExitFailed : kExitOk; }
  const CheckResult* find(const std::string& check) const;
};

struct ValidateOptions {
  // The credentials to report on; default: the default chain over the
  // session's environment (the chain the EC2 clients use).
  std::shared_ptr<aws::CredentialsProvider> credentials;
};

ValidateReport runValidate(Session& session, const engine::Deadline& deadline,
                           const ValidateOptions& options = {});

// The IAM statement that grants `actions` (compact JSON, one line).
std::string policyStatement(const std::vector<std::string>& actions);

std::string validateText(const ValidateReport& report, bool colour);
// "N API calls (R reads, P DryRun probes): ..." for the summary line.
std::string probeCallsText(const engine::ApiCallCounts& calls);
nlohmann::json validateJson(const ValidateReport& report);

}  // namespace tgwark::cli
