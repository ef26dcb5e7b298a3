// Prometheus metrics for node_exporter's textfile collector (--metrics-file):
// after every command, the file gets that command's last run (when, how long,
// exit code, the VIP routes it saw, its EC2 calls) as gauges and its counters
// across runs (runs by result, EC2 calls by API, errors by code, retries,
// throttles), so an HA team can alert on "quickCheck has not succeeded for 10
// minutes" or rate() the throttling without parsing logs. Every series carries
// the `command` label, so the files of different callers (one per caller in
// node_exporter's directory, or one file shared by all) never hold the same
// series; docs/observability.md documents the design.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/call_stats.h"
#include "app/context.h"
#include "common/clock.h"
#include "common/error.h"
#include "engine/call_counter.h"
#include "engine/engine.h"

namespace tgwark::cli {

struct GlobalOptions;

struct RouteCounts {
  int correct = 0;
  int wrong = 0;    // present but not serving the expected node, blackhole, or missing
  int unknown = 0;  // the table could not be read
  friend bool operator==(const RouteCounts&, const RouteCounts&) = default;
};

using app::CallStats;
using app::CallStatsSnapshot;

struct ActionMetrics {
  std::string action;            // the tgwark command: the `command` label
  double finishedAtSeconds = 0;  // Unix time
  double durationSeconds = 0;
  bool success = false;
  std::optional<int> exitCode;        // absent when the command ended without one
  std::optional<RouteCounts> routes;  // omitted for actions that do not read routes
  // restore, recover, quickCheck: regions other than the node's own left behind.
  std::optional<int> regionsLeftBehind;
  engine::ApiCallCounts calls;
  CallStatsSnapshot aws;
};

// Samples of a metrics file: family name -> label values (in the family's
// label order) -> value.
using MetricSamples = std::map<std::string, std::map<std::vector<std::string>, double>>;

// The samples of a file this module wrote. Lines of families it does not know,
// or with other label names (an older format), are dropped; so is anything
// malformed: a damaged file costs the counters' history, never the write.
MetricSamples parseMetricSamples(std::string_view text);

// Prometheus text exposition format 0.0.4, with HELP and TYPE for every
// family: `previous` (the file's samples before this run) with this command's
// last-run gauges replaced and its counters increased by this run. Series of
// other commands are kept as they were.
std::string prometheusText(const ActionMetrics& metrics, const MetricSamples& previous = {});
// Label value escaping: backslash, double quote and newline.
std::string escapeLabelValue(std::string_view value);

// Bound of one label value. Some come from outside (the OCF action named on
// the command line, AWS error codes): a series name must not grow into a
// document that node_exporter reads every scrape.
inline constexpr std::size_t kLabelValueMaxBytes = 128;
// `value` when it fits in maxBytes; else its start, cut on a UTF-8 character
// boundary, with "...(N bytes)" (N its length) appended, all within maxBytes.
// Idempotent, so a value read back from the file names the same series.
std::string boundLabelValue(std::string_view value, std::size_t maxBytes = kLabelValueMaxBytes);

// Route counts of the reports the commands produce.
RouteCounts routeCounts(const engine::StatusReport& report);
RouteCounts routeCounts(const engine::ApplyReport& report);
RouteCounts routeCounts(const plan::Plan& plan);

// One per command: started first thing, records the exit code through exit(),
// and writes the metrics file (when --metrics-file was given) when it goes out
// of scope, on every return path. A return that does not pass through exit()
// counts as a failure: those are the early error returns.
class MetricsScope {
 public:
  MetricsScope(const GlobalOptions& global, std::string action,
               std::shared_ptr<Clock> clock = nullptr);
  ~MetricsScope();
  MetricsScope(const MetricsScope&) = delete;
  MetricsScope& operator=(const MetricsScope&) = delete;

  // Takes the session's API call counts and client statistics at the end.
  void attach(const app::Context& context);
  void setRoutes(RouteCounts routes) { routes_ = routes; }
  void setRegionsLeftBehind(int regions) { regionsLeftBehind_ = regions; }
  // Records the exit code and returns it: `return metrics.exit(rc);`.
  int exit(int rc) {
    exitCode_ = rc;
    return rc;
  }
  ActionMetrics collect() const;

 private:
  std::string path_;
  std::string action_;
  std::shared_ptr<Clock> clock_;
  MonoTime started_;
  std::optional<int> exitCode_;
  std::optional<RouteCounts> routes_;
  std::optional<int> regionsLeftBehind_;
  std::shared_ptr<engine::ApiCallCounter> counter_;
  std::shared_ptr<CallStats> stats_;
};

}  // namespace tgwark::cli
