#include "cli/metrics.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "cli/commands.h"
#include "common/atomic_file.h"
#include "common/bounded_file.h"

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

std::string boundLabelValue(std::string_view value, std::size_t maxBytes) {
  if (value.size() <= maxBytes) return std::string(value);
  const std::string suffix = fmt::format("...({} bytes)", value.size());
  std::size_t keep = maxBytes > suffix.size() ? maxBytes - suffix.size() : 0;
  // Back up over UTF-8 continuation bytes: a cut character is not UTF-8.
  while (keep > 0 && (static_cast<unsigned char>(value[keep]) & 0xC0) == 0x80) --keep;
  return std::string(value.substr(0, keep)) + suffix;
}

namespace {

enum class Kind { kCounter, kGauge };

struct Family {
  std::string_view name;
  Kind kind;
  std::vector<std::string_view> labels;  // always "command" first
  std::string_view help;
};

// Every family this module writes, in file order. Counters accumulate over
// the runs of a command; `last_run` gauges describe its latest run only.
const std::vector<Family>& families() {
  static const std::vector<Family> kFamilies = {
      {"tgwark_runs_total",
       Kind::kCounter,
       {"command", "result"},
       "Runs of the tgwark command recorded in this file, by result (success: exit 0)."},
      {"tgwark_api_calls_total",
       Kind::kCounter,
       {"command", "api"},
       "EC2 API calls made by the tgwark command over its runs, by EC2 API."},
      {"tgwark_api_errors_total",
       Kind::kCounter,
       {"command", "code"},
       "EC2 API calls of the tgwark command that failed after retries, by error code."},
      {"tgwark_api_retries_total",
       Kind::kCounter,
       {"command"},
       "Retried attempts of EC2 API calls made by the tgwark command over its runs."},
      {"tgwark_api_throttles_total",
       Kind::kCounter,
       {"command"},
       "EC2 API calls of the tgwark command that were throttled at least once."},
      {"tgwark_last_run_timestamp_seconds",
       Kind::kGauge,
       {"command"},
       "Unix time at which the last run of the tgwark command finished."},
      {"tgwark_last_success_timestamp_seconds",
       Kind::kGauge,
       {"command"},
       "Unix time at which the last successful run of the tgwark command finished."},
      {"tgwark_last_run_duration_seconds",
       Kind::kGauge,
       {"command"},
       "Wall time the last run of the tgwark command took."},
      {"tgwark_last_run_success",
       Kind::kGauge,
       {"command"},
       "1 when the last run of the tgwark command exited 0, else 0."},
      {"tgwark_last_run_exit_code",
       Kind::kGauge,
       {"command"},
       "Exit code of the last run of the tgwark command."},
      {"tgwark_last_run_routes",
       Kind::kGauge,
       {"command", "state"},
       "Managed VIP routes seen by the last run of the tgwark command, by state."},
      {"tgwark_last_run_regions_left_behind",
       Kind::kGauge,
       {"command"},
       "Regions other than the node's own whose VIP routes the last run of restore, recover or "
       "quickCheck left behind (down, stalled, denied, throttled), for quickCheck to repair."},
      {"tgwark_last_run_api_calls",
       Kind::kGauge,
       {"command", "api"},
       "EC2 API calls made by the last run of the tgwark command, by EC2 API."},
      {"tgwark_last_run_api_errors",
       Kind::kGauge,
       {"command", "code"},
       "EC2 API calls of the last run that failed after retries, by error code."},
      {"tgwark_last_run_api_retries",
       Kind::kGauge,
       {"command"},
       "Retried attempts of EC2 API calls in the last run of the tgwark command."},
      {"tgwark_last_run_api_throttles",
       Kind::kGauge,
       {"command"},
       "EC2 API calls of the last run that were throttled at least once."},
  };
  return kFamilies;
}

const Family* findFamily(std::string_view name) {
  for (const auto& f : families()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string formatValue(double v) {
  return fmt::format("{}", v);
}

// One `name="value"` label of a sample line; false when malformed.
bool parseLabel(std::string_view& rest, std::string& name, std::string& value) {
  auto eq = rest.find("=\"");
  if (eq == std::string_view::npos) return false;
  name.assign(rest.substr(0, eq));
  rest.remove_prefix(eq + 2);
  value.clear();
  while (!rest.empty() && rest.front() != '"') {
    char c = rest.front();
    rest.remove_prefix(1);
    if (c == '\\') {
      if (rest.empty()) return false;
      char e = rest.front();
      rest.remove_prefix(1);
      value += e == 'n' ? '\n' : e;
    } else {
      value += c;
    }
  }
  if (rest.empty()) return false;
  rest.remove_prefix(1);  // closing quote
  return true;
}

}  // namespace

MetricSamples parseMetricSamples(std::string_view text) {
  MetricSamples out;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.empty() || line.front() == '#') continue;
    auto nameEnd = line.find_first_of("{ ");
    if (nameEnd == std::string_view::npos) continue;
    const Family* f = findFamily(line.substr(0, nameEnd));
    if (f == nullptr) continue;
    std::string_view rest = line.substr(nameEnd);
    std::vector<std::string> values;
    bool ok = true;
    if (rest.front() == '{') {
      rest.remove_prefix(1);
      std::size_t i = 0;
      while (ok && !rest.empty() && rest.front() != '}') {
        std::string name, value;
        ok = parseLabel(rest, name, value) && i < f->labels.size() && f->labels[i] == name;
        ++i;
        values.push_back(boundLabelValue(value));
        if (ok && !rest.empty() && rest.front() == ',') rest.remove_prefix(1);
      }
      if (!ok || rest.empty()) continue;
      rest.remove_prefix(1);  // '}'
    }
    if (values.size() != f->labels.size() || rest.empty() || rest.front() != ' ') continue;
    rest.remove_prefix(1);
    std::string number(rest.substr(0, rest.find(' ')));
    char* endp = nullptr;
    double v = std::strtod(number.c_str(), &endp);
    if (number.empty() || endp != number.c_str() + number.size()) continue;
    out[std::string(f->name)][values] = v;
  }
  return out;
}

std::string prometheusText(const ActionMetrics& m, const MetricSamples& previous) {
  MetricSamples samples = previous;
  const std::string cmd = boundLabelValue(m.action);
  // This command's last-run gauges describe this run only: drop the old ones.
  for (const auto& f : families()) {
    if (f.kind != Kind::kGauge || f.name == "tgwark_last_success_timestamp_seconds") continue;
    std::erase_if(samples[std::string(f.name)],
                  [&cmd](const auto& entry) { return entry.first.front() == cmd; });
  }
  auto series = [&cmd](std::vector<std::string> labels) {
    for (auto& value : labels) value = boundLabelValue(value);
    labels.insert(labels.begin(), cmd);
    return labels;
  };
  auto set = [&](std::string_view family, std::vector<std::string> labels, double v) {
    samples[std::string(family)][series(std::move(labels))] = v;
  };
  auto add = [&](std::string_view family, std::vector<std::string> labels, double v) {
    samples[std::string(family)][series(std::move(labels))] += v;
  };
  add("tgwark_runs_total", {"success"}, m.success ? 1 : 0);
  add("tgwark_runs_total", {"failure"}, m.success ? 0 : 1);
  for (const auto& [api, n] : m.calls.byAction) {
    add("tgwark_api_calls_total", {api}, n);
    set("tgwark_last_run_api_calls", {api}, n);
  }
  for (const auto& [code, n] : m.aws.errorsByCode) {
    add("tgwark_api_errors_total", {code}, n);
    set("tgwark_last_run_api_errors", {code}, n);
  }
  add("tgwark_api_retries_total", {}, m.aws.retries);
  add("tgwark_api_throttles_total", {}, m.aws.throttles);
  set("tgwark_last_run_timestamp_seconds", {}, m.finishedAtSeconds);
  if (m.success) set("tgwark_last_success_timestamp_seconds", {}, m.finishedAtSeconds);
  set("tgwark_last_run_duration_seconds", {}, m.durationSeconds);
  set("tgwark_last_run_success", {}, m.success ? 1 : 0);
  if (m.exitCode) set("tgwark_last_run_exit_code", {}, *m.exitCode);
  if (m.routes) {
    set("tgwark_last_run_routes", {"correct"}, m.routes->correct);
    set("tgwark_last_run_routes", {"wrong"}, m.routes->wrong);
    set("tgwark_last_run_routes", {"unknown"}, m.routes->unknown);
  }
  if (m.regionsLeftBehind) {
    set("tgwark_last_run_regions_left_behind", {}, *m.regionsLeftBehind);
  }
  set("tgwark_last_run_api_retries", {}, m.aws.retries);
  set("tgwark_last_run_api_throttles", {}, m.aws.throttles);

  std::string out;
  for (const auto& f : families()) {
    const auto it = samples.find(std::string(f.name));
    if (it == samples.end() || it->second.empty()) continue;
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", f.name, f.help, f.name,
                       f.kind == Kind::kCounter ? "counter" : "gauge");
    for (const auto& [values, v] : it->second) {
      std::string labels;
      for (std::size_t i = 0; i < values.size(); ++i) {
        labels +=
            fmt::format("{}{}=\"{}\"", i == 0 ? "" : ",", f.labels[i], escapeLabelValue(values[i]));
      }
      out += fmt::format("{}{{{}}} {}\n", f.name, labels, formatValue(v));
    }
  }
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

namespace {

// Serialises the read-add-rename of callers sharing one file (quickCheck
// and restore can overlap): an flock on a hidden sidecar in the same
// directory, which the collector ignores (it reads *.prom only). The file
// itself cannot be locked: each write renames a new one over it.
class FileLock {
 public:
  explicit FileLock(const std::filesystem::path& target) {
    std::error_code ec;
    std::filesystem::create_directories(target.parent_path().empty() ? "." : target.parent_path(),
                                        ec);
    auto lockPath = target.parent_path() / ("." + target.filename().string() + ".lock");
    fd_ = ::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace

MetricsScope::~MetricsScope() {
  if (path_.empty()) return;
  try {
    FileLock lock(path_);
    MetricSamples previous;
    auto old = readBoundedRegularFile(path_);
    if (old) {
      previous = parseMetricSamples(*old);
    } else if (old.error().category != ErrorCategory::kNotFound) {
      spdlog::warn("metrics: counters restart from zero: {}", old.error().describe());
    }
    auto written = writeFileAtomically(path_, prometheusText(collect(), previous));
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
  m.exitCode = exitCode_;
  m.routes = routes_;
  m.regionsLeftBehind = regionsLeftBehind_;
  if (counter_) m.calls = counter_->snapshot();
  if (stats_) m.aws = stats_->snapshot();
  return m;
}

}  // namespace tgwark::cli
