// What the AWS client saw below the engine — final errors by AWS code,
// retries, throttled calls — which the engine's per-action call counts cannot
// see. Every Context keeps one; front ends report it (metrics, --json).
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "aws/ec2_client.h"

namespace tgwark::app {

struct CallStatsSnapshot {
  std::map<std::string, int> errorsByCode;  // final failures; DryRunOperation is not an error
  int retries = 0;                          // attempts beyond the first, all calls
  int throttles = 0;                        // calls with at least one throttled attempt
  // Calls with at least one throttled attempt, by region: tells a region
  // throttled past its time from one that does not answer.
  std::map<std::string, int> throttlesByRegion;
};

class CallStats final : public aws::CallObserver {
 public:
  void onCall(const aws::CallRecord& record) override;
  CallStatsSnapshot snapshot() const;

 private:
  mutable std::mutex mu_;
  CallStatsSnapshot stats_;
};

}  // namespace tgwark::app
