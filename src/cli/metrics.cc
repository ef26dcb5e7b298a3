#include "cli/metrics.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include <fmt/format.h>

#include "cli/commands.h"
#include "common/atomic_file.h"

namespace tgwark::cli {

std::string escapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void sample(std::string& out, std::string_view name, std::string_view label,
            std::string_view labelValue, double value) {
  if (label.empty()) {
    out += fmt::format("{} {}\n", name, value);
  } else {
    out += fmt::format("{}{{{}=\"{}\"}} {}\n", name, label, escapeLabelValue(labelValue), value);
  }
}

}  // namespace

std::string prometheusText(const ActionMetrics& m) {
  std::string out;
  // The file is rewritten after every action, so the per-action counts are
  // gauges of the last action rather than counters that only grow.
  family(out, "tgwark_last_action_timestamp_seconds", "gauge",
         "Unix time at which the last tgwark action finished.");
  sample(out, "tgwark_last_action_timestamp_seconds", "action", m.action, m.finishedAtSeconds);
  family(out, "tgwark_action_duration_seconds", "gauge", "Wall time the last action took.");
  sample(out, "tgwark_action_duration_seconds", "action", m.action, m.durationSeconds);
  family(out, "tgwark_action_success", "gauge", "1 when the last action exited 0, else 0.");
  sample(out, "tgwark_action_success", "action", m.action, m.success ? 1 : 0);
  if (m.routes) {
    family(out, "tgwark_routes", "gauge", "Managed VIP routes seen by the last action, by state.");
    sample(out, "tgwark_routes", "state", "correct", m.routes->correct);
    sample(out, "tgwark_routes", "state", "wrong", m.routes->wrong);
    sample(out, "tgwark_routes", "state", "unknown", m.routes->unknown);
  }
  family(out, "tgwark_api_calls_total", "gauge",
         "EC2 API calls made by the last action, by API action.");
  for (const auto& [action, n] : m.calls.byAction) {
    sample(out, "tgwark_api_calls_total", "action", action, n);
  }
  family(out, "tgwark_api_errors_total", "gauge",
         "EC2 API calls of the last action that failed after retries, by error code.");
  for (const auto& [code, n] : m.aws.errorsByCode) {
    sample(out, "tgwark_api_errors_total", "code", code, n);
  }
  family(out, "tgwark_api_retries_total", "gauge",
         "Retried attempts of EC2 API calls in the last action.");
  sample(out, "tgwark_api_retries_total", "", "", m.aws.retries);
  family(out, "tgwark_api_throttles_total", "gauge",
         "EC2 API calls of the last action that were throttled at least once.");
  sample(out, "tgwark_api_throttles_total", "", "", m.aws.throttles);
  return out;
}

RouteCounts routeCounts(const engine::StatusReport& report) {
  // "Correct" is relative to the node most routes serve: with no consistent
  // node, the minority is what is wrong.
  std::map<std::string, int> votes;
  for (const auto& r : report.routes) {
    if (r.known && r.route && r.route->state == "active") {
      for (const auto& n : r.serves) ++votes[n];
    }
  }
  std::string reference = report.servedNode;
  if (reference.empty() && !votes.empty()) {
    reference = std::max_element(votes.begin(), votes.end(), [](const auto& a, const auto& b) {
                  return a.second < b.second;
                })->first;
  }
  RouteCounts c;
  for (const auto& r : report.routes) {
    if (!r.known) {
      ++c.unknown;
    } else if (r.route && r.route->state == "active" && !reference.empty() &&
               std::find(r.serves.begin(), r.serves.end(), reference) != r.serves.end()) {
      ++c.correct;
    } else {
      ++c.wrong;
    }
  }
  return c;
}

RouteCounts routeCounts(const engine::ApplyReport& report) {
  RouteCounts c;
  for (const auto& r : report.routes) {
    switch (r.outcome) {
      case engine::RouteOutcome::kUnchanged:
      case engine::RouteOutcome::kWritten: ++c.correct; break;
      case engine::RouteOutcome::kUnknown: ++c.unknown; break;
      case engine::RouteOutcome::kSkipped:
        // Dry run: the route is as it was, i.e. not yet right.
        ++c.wrong;
        break;
      default: ++c.wrong; break;
    }
  }
  return c;
}

RouteCounts routeCounts(const plan::Plan& plan) {
  RouteCounts c;
  for (const auto& ch : plan.changes) {
    if (ch.kind == plan::ChangeKind::kNone) {
      ++c.correct;
    } else if (ch.kind == plan::ChangeKind::kUnknown) {
      ++c.unknown;
    } else {
      ++c.wrong;
    }
  }
  return c;
}

MetricsScope::MetricsScope(const GlobalOptions& global, std::string action,
                           std::shared_ptr<Clock> clock)
    : path_(global.metricsFile),
      action_(std::move(action)),
      clock_(clock ? std::move(clock) : SystemClock::instance()),
      started_(clock_->monotonic()) {}

MetricsScope::~MetricsScope() {
  if (path_.empty()) return;
  try {
    auto written = writeFileAtomically(path_, prometheusText(collect()));
    if (!written) spdlog::warn("metrics: {}", written.error().describe());
  } catch (const std::exception& e) {
    spdlog::warn("metrics: {}", e.what());
  }
}

void MetricsScope::attach(const app::Context& context) {
  counter_ = context.counter();
  stats_ = context.callStats();
}

ActionMetrics MetricsScope::collect() const {
  ActionMetrics m;
  m.action = action_;
  m.finishedAtSeconds = std::chrono::duration<double>(clock_->now().time_since_epoch()).count();
  m.durationSeconds = std::chrono::duration<double>(clock_->monotonic() - started_).count();
  m.success = exitCode_.has_value() && *exitCode_ == 0;
  m.routes = routes_;
  if (counter_) m.calls = counter_->snapshot();
  if (stats_) m.aws = stats_->snapshot();
  return m;
}

}  // namespace tgwark::cli
