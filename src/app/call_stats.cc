#include "app/call_stats.h"

namespace tgwark::app {

void CallStats::onCall(const aws::CallRecord& record) {
  std::lock_guard lock(mu_);
  if (record.attempts > 1) stats_.retries += record.attempts - 1;
  if (record.throttled) {
    ++stats_.throttles;
    ++stats_.throttlesByRegion[std::string(record.region)];
  }
  // A permitted DryRun comes back as an "error"; it is the answer asked for.
  if (!record.ok && !record.errorCode.empty() && record.errorCode != "DryRunOperation") {
    ++stats_.errorsByCode[std::string(record.errorCode)];
  }
}

CallStatsSnapshot CallStats::snapshot() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace tgwark::app
