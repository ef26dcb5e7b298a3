// --metrics-file: the Prometheus text format node_exporter's textfile
// collector reads, written when the command's scope ends.
#include "cli/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string_view>

#include "cli/commands.h"
#include "support/fake_clock.h"

namespace tgwark::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "tgwark-metrics-XXXXXX").string();
    EXPECT_NE(::mkdtemp(tmpl.data()), nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

ActionMetrics sampleMetrics() {
  ActionMetrics m;
  m.action = "restore";
  m.finishedAtSeconds = 1440936960;
  m.durationSeconds = 2.5;
  m.success = true;
  m.routes = RouteCounts{10, 2, 1};
  m.calls.byAction = {{"DescribeRouteTables", 2}, {"ReplaceRoute", 3}};
  m.aws.errorsByCode = {{"RequestLimitExceeded", 1}};
  m.aws.retries = 4;
  m.aws.throttles = 2;
  return m;
}

// NAME{command="...",label="..."} NUMBER, label values with \-escapes.
// (Hand-written: std::regex trips a false -Wmaybe-uninitialized in GCC 12's
// libstdc++ under the sanitizer build.)
bool isLabelledSample(std::string_view line) {
  std::size_t i = 0;
  auto lowerOrUnderscore = [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; };
  auto name = [&] {
    std::size_t start = i;
    while (i < line.size() && lowerOrUnderscore(line[i])) ++i;
    return line.substr(start, i - start);
  };
  auto quoted = [&] {
    if (i >= line.size() || line[i] != '"') return false;
    for (++i; i < line.size(); ++i) {
      if (line[i] == '\\') {
        ++i;
      } else if (line[i] == '"') {
        ++i;
        return true;
      }
    }
    return false;
  };
  if (name().empty() || i >= line.size() || line[i++] != '{') return false;
  bool first = true;
  while (true) {
    auto label = name();
    if (first && label != "command") return false;
    if (label.empty() || i >= line.size() || line[i++] != '=' || !quoted()) return false;
    first = false;
    if (i < line.size() && line[i] == ',') {
      ++i;
      continue;
    }
    break;
  }
  if (i + 1 >= line.size() || line[i] != '}' || line[i + 1] != ' ') return false;
  std::string_view number = line.substr(i + 2);
  if (number.starts_with('-')) number.remove_prefix(1);
  return !number.empty() && number.find_first_not_of("0123456789.e+") == std::string_view::npos;
}

// The exposition rules node_exporter and promtool enforce, checked line by
// line: HELP and TYPE before a family's samples, each family once, counters
// (and only counters) named *_total, valid names, and no series twice.
void expectValidExposition(const std::string& text) {
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  std::map<std::string, std::string> types;
  std::set<std::string> helped, series;
  std::string current;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string hash, keyword, name, rest;
    if (line.starts_with("# HELP ")) {
      words >> hash >> keyword >> name;
      EXPECT_TRUE(helped.insert(name).second) << "HELP twice: " << line;
      current = name;
      continue;
    }
    if (line.starts_with("# TYPE ")) {
      words >> hash >> keyword >> name >> rest;
      EXPECT_EQ(name, current) << "TYPE without HELP: " << line;
      EXPECT_TRUE(types.emplace(name, rest).second) << "TYPE twice: " << line;
      EXPECT_EQ(name.ends_with("_total"), rest == "counter") << line;
      continue;
    }
    auto nameEnd = line.find_first_of("{ ");
    ASSERT_NE(nameEnd, std::string::npos) << line;
    EXPECT_EQ(line.substr(0, nameEnd), current) << "sample outside its family: " << line;
    EXPECT_TRUE(isLabelledSample(line))
        << "every sample has a command label and a number: " << line;
    EXPECT_TRUE(series.insert(line.substr(0, line.rfind(' '))).second) << "series twice: " << line;
  }
}

TEST(MetricsText, FollowsTheExpositionRules) {
  std::string text = prometheusText(sampleMetrics());
  expectValidExposition(text);
  for (const char* name : {"tgwark_runs_total", "tgwark_api_calls_total", "tgwark_api_errors_total",
                           "tgwark_api_retries_total", "tgwark_api_throttles_total"}) {
    EXPECT_THAT(text, HasSubstr(std::string("# TYPE ") + name + " counter\n")) << name;
  }
  for (const char* name :
       {"tgwark_last_run_timestamp_seconds", "tgwark_last_success_timestamp_seconds",
        "tgwark_last_run_duration_seconds", "tgwark_last_run_success", "tgwark_last_run_routes",
        "tgwark_last_run_api_calls", "tgwark_last_run_api_errors", "tgwark_last_run_api_retries",
        "tgwark_last_run_api_throttles"}) {
    EXPECT_THAT(text, HasSubstr(std::string("# TYPE ") + name + " gauge\n")) << name;
  }
}

TEST(MetricsText, EverySeriesNamesTheCommandAndTheApiHasItsOwnLabel) {
  std::string text = prometheusText(sampleMetrics());
  EXPECT_THAT(text,
              HasSubstr("tgwark_last_run_timestamp_seconds{command=\"restore\"} 1440936960\n"));
  EXPECT_THAT(text, HasSubstr("tgwark_last_run_duration_seconds{command=\"restore\"} 2.5\n"));
  EXPECT_THAT(text, HasSubstr("tgwark_last_run_success{command=\"restore\"} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("tgwark_last_run_routes{command=\"restore\",state=\"correct\"} 10\n"));
  EXPECT_THAT(text, HasSubstr("tgwark_last_run_routes{command=\"restore\",state=\"wrong\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("tgwark_last_run_routes{command=\"restore\",state=\"unknown\"} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("tgwark_api_calls_total{command=\"restore\",api=\"ReplaceRoute\"} 3\n"));
  EXPECT_THAT(text,
              HasSubstr("tgwark_last_run_api_calls{command=\"restore\",api=\"ReplaceRoute\"} 3\n"));
  EXPECT_THAT(
      text,
      HasSubstr("tgwark_api_errors_total{command=\"restore\",code=\"RequestLimitExceeded\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("tgwark_api_retries_total{command=\"restore\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("tgwark_api_throttles_total{command=\"restore\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("tgwark_runs_total{command=\"restore\",result=\"success\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("tgwark_runs_total{command=\"restore\",result=\"failure\"} 0\n"));
  EXPECT_THAT(text, Not(HasSubstr("action=")));
}

TEST(MetricsText, RegionsLeftBehindIsALastRunGaugeOnlyForTheActionsThatSetIt) {
  auto m = sampleMetrics();
  EXPECT_THAT(prometheusText(m), Not(HasSubstr("tgwark_last_run_regions_left_behind")));
  m.regionsLeftBehind = 1;
  std::string text = prometheusText(m);
  expectValidExposition(text);
  EXPECT_THAT(text, HasSubstr("# TYPE tgwark_last_run_regions_left_behind gauge\n"));
  EXPECT_THAT(text, HasSubstr("tgwark_last_run_regions_left_behind{command=\"restore\"} 1\n"));
  // The next run replaces it (0 once the region is repaired).
  auto next = sampleMetrics();
  next.regionsLeftBehind = 0;
  text = prometheusText(next, parseMetricSamples(text));
  EXPECT_THAT(text, HasSubstr("tgwark_last_run_regions_left_behind{command=\"restore\"} 0\n"));
}

TEST(MetricsText, CountersAccumulateAndLastRunGaugesAreReplaced) {
  auto first = sampleMetrics();
  auto second = sampleMetrics();
  second.success = false;
  second.exitCode = 1;
  second.finishedAtSeconds = 1440937000;
  second.routes.reset();
  second.calls.byAction = {{"DescribeRouteTables", 5}};
  second.aws = {};
  std::string text = prometheusText(second, parseMetricSamples(prometheusText(first)));
  expectValidExposition(text);
  EXPECT_THAT(text, HasSubstr("tgwark_runs_total{command=\"restore\",result=\"success\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("tgwark_runs_total{command=\"restore\",result=\"failure\"} 1\n"));
  EXPECT_THAT(
      text,
      HasSubstr("tgwark_api_calls_total{command=\"restore\",api=\"DescribeRouteTables\"} 7\n"));
  EXPECT_THAT(text,
              HasSubstr("tgwark_api_calls_total{command=\"restore\",api=\"ReplaceRoute\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("tgwark_api_retries_total{command=\"restore\"} 4\n"));
  // The last run made no ReplaceRoute and read no routes: no stale gauges.
  EXPECT_THAT(
      text, Not(HasSubstr("tgwark_last_run_api_calls{command=\"restore\",api=\"ReplaceRoute\"}")));
  EXPECT_THAT(
      text,
      HasSubstr("tgwark_last_run_api_calls{command=\"restore\",api=\"DescribeRouteTables\"} 5\n"));
  EXPECT_THAT(text, Not(HasSubstr("tgwark_last_run_routes")));
  EXPECT_THAT(text, HasSubstr("tgwark_last_run_success{command=\"restore\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("tgwark_last_run_exit_code{command=\"restore\"} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("tgwark_last_run_timestamp_seconds{command=\"restore\"} 1440937000\n"));
  // The last success is still the first run.
  EXPECT_THAT(text,
              HasSubstr("tgwark_last_success_timestamp_seconds{command=\"restore\"} 1440936960\n"));
}

TEST(MetricsText, OtherCommandsSeriesInASharedFileAreKept) {
  auto quick = sampleMetrics();
  quick.action = "quickCheck";
  std::string text = prometheusText(sampleMetrics(), parseMetricSamples(prometheusText(quick)));
  expectValidExposition(text);
  EXPECT_THAT(text, HasSubstr("tgwark_last_run_success{command=\"quickCheck\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("tgwark_last_run_success{command=\"restore\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("tgwark_runs_total{command=\"quickCheck\",result=\"success\"} 1\n"));
}

TEST(MetricsText, AnOldOrDamagedFileIsDroppedNotTrusted) {
  const std::string old =
      "# TYPE tgwark_api_calls_total gauge\n"
      "tgwark_api_calls_total{action=\"DescribeRouteTables\"} 3\n"
      "tgwark_api_retries_total 4\n"
      "tgwark_runs_total{command=\"restore\",result=\"success\"} x\n"
      "tgwark_runs_total{command=\"restore\",result=\"failure\"} 2\n"
      "tgwark_runs_total{command=\"restore\",result=\"fail\n"
      "unrelated_metric{command=\"restore\"} 1\n";
  auto samples = parseMetricSamples(old);
  EXPECT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples["tgwark_runs_total"].size(), 1u);
  EXPECT_EQ((samples["tgwark_runs_total"][{"restore", "failure"}]), 2);
  std::string text = prometheusText(sampleMetrics(), samples);
  expectValidExposition(text);
  EXPECT_THAT(text, HasSubstr("tgwark_runs_total{command=\"restore\",result=\"failure\"} 2\n"));
}

TEST(MetricsText, LabelValuesAreEscapedAndRoundTrip) {
  EXPECT_EQ(escapeLabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  auto m = sampleMetrics();
  m.action = "ocf \"mon\\itor\"\n";
  std::string text = prometheusText(m);
  EXPECT_THAT(text,
              HasSubstr("tgwark_last_run_success{command=\"ocf \\\"mon\\\\itor\\\"\\n\"} 1\n"));
  auto samples = parseMetricSamples(text);
  EXPECT_EQ((samples["tgwark_runs_total"][{m.action, "success"}]), 1);
}

TEST(MetricsText, LabelValuesAreBoundedOnACharacterBoundary) {
  EXPECT_EQ(boundLabelValue("restore"), "restore");
  const std::string fits(kLabelValueMaxBytes, 'x');
  EXPECT_EQ(boundLabelValue(fits), fits);
  const std::string longValue = std::string(300, 'x');
  const std::string bounded = boundLabelValue(longValue);
  EXPECT_LE(bounded.size(), kLabelValueMaxBytes);
  EXPECT_TRUE(bounded.starts_with("xxxx"));
  EXPECT_TRUE(bounded.ends_with("...(300 bytes)")) << bounded;
  EXPECT_EQ(boundLabelValue(bounded), bounded);  // idempotent: the same series when read back
  // "é" is two bytes: a cut between them would leave invalid UTF-8.
  std::string accents;
  while (accents.size() < 300) accents += "\xc3\xa9";
  const std::string cut = boundLabelValue(accents, 20);
  EXPECT_EQ(cut, "\xc3\xa9\xc3\xa9\xc3\xa9...(300 bytes)");
}

// The OCF action comes from the command line, error codes from AWS answers:
// neither may grow a series line without bound.
TEST(MetricsText, ForeignLabelValuesAreBoundedInTheFileAndWhenReadBack) {
  auto m = sampleMetrics();
  m.action = "ocf " + std::string(100000, 'a');
  m.aws.errorsByCode[std::string(5000, 'E')] = 1;
  std::string text = prometheusText(m);
  expectValidExposition(text);
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.starts_with("#")) continue;
    // name{command="...",code="..."} value: two bounded values and some change.
    EXPECT_LT(line.size(), 2 * kLabelValueMaxBytes + 80) << line.substr(0, 200);
  }
  EXPECT_THAT(text, HasSubstr("...(100004 bytes)\""));
  EXPECT_THAT(text, HasSubstr("...(5000 bytes)\""));
  // A second run of the same command adds to the same series.
  std::string again = prometheusText(m, parseMetricSamples(text));
  auto samples = parseMetricSamples(again);
  EXPECT_EQ(samples["tgwark_runs_total"].size(), 2u);
  EXPECT_EQ((samples["tgwark_runs_total"][{boundLabelValue(m.action), "success"}]), 2);
  const std::vector<std::string> longCode = {boundLabelValue(m.action),
                                             boundLabelValue(std::string(5000, 'E'))};
  EXPECT_EQ(samples["tgwark_api_errors_total"][longCode], 2);
  EXPECT_EQ(samples["tgwark_api_errors_total"].size(), m.aws.errorsByCode.size());
}

TEST(CallStats, CountsRetriesThrottlesAndErrorsButNotDryRun) {
  CallStats stats;
  aws::CallRecord throttled;
  throttled.action = "DescribeRouteTables";
  throttled.attempts = 3;
  throttled.throttled = true;
  throttled.ok = true;
  stats.onCall(throttled);
  aws::CallRecord failed;
  failed.action = "ReplaceRoute";
  failed.attempts = 1;
  failed.ok = false;
  failed.errorCode = "UnauthorizedOperation";
  stats.onCall(failed);
  aws::CallRecord dry;
  dry.action = "CreateRoute";
  dry.attempts = 1;
  dry.ok = false;
  dry.errorCode = "DryRunOperation";
  stats.onCall(dry);
  auto s = stats.snapshot();
  EXPECT_EQ(s.retries, 2);
  EXPECT_EQ(s.throttles, 1);
  EXPECT_EQ(s.errorsByCode, (std::map<std::string, int>{{"UnauthorizedOperation", 1}}));
}

// node_exporter usually runs as another user than tgwark; the textfile
// directory may not exist yet on a fresh node.
TEST(MetricsScope, FileIsReadableByOthersAndItsDirectoryIsCreated) {
  TempDir dir;
  GlobalOptions g;
  g.metricsFile = (dir.path() / "textfile" / "tgwark.prom").string();
  {
    MetricsScope scope(g, "status", std::make_shared<FakeClock>());
    scope.exit(0);
  }
  struct stat st {};
  ASSERT_EQ(::stat(g.metricsFile.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  EXPECT_THAT(slurp(g.metricsFile), HasSubstr("tgwark_last_run_success{command=\"status\"} 1\n"));
}

TEST(MetricsScope, WritesDurationAndSuccessOnScopeExit) {
  TempDir dir;
  auto clock = std::make_shared<FakeClock>();
  GlobalOptions g;
  g.metricsFile = (dir.path() / "m.prom").string();
  {
    MetricsScope scope(g, "status", clock);
    clock->advance(Millis(1500));
    scope.setRoutes(RouteCounts{3, 1, 0});
    EXPECT_EQ(scope.exit(1), 1);
  }
  std::string text = slurp(g.metricsFile);
  EXPECT_THAT(text, HasSubstr("tgwark_last_run_duration_seconds{command=\"status\"} 1.5\n"));
  EXPECT_THAT(text, HasSubstr("tgwark_last_run_success{command=\"status\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("tgwark_last_run_exit_code{command=\"status\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("tgwark_last_run_routes{command=\"status\",state=\"wrong\"} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("tgwark_last_run_timestamp_seconds{command=\"status\"} 1440936961.5\n"));
}

TEST(MetricsScope, AnEarlyReturnWithoutExitCountsAsFailure) {
  TempDir dir;
  GlobalOptions g;
  g.metricsFile = (dir.path() / "m.prom").string();
  { MetricsScope scope(g, "apply", std::make_shared<FakeClock>()); }
  EXPECT_THAT(slurp(g.metricsFile), HasSubstr("tgwark_last_run_success{command=\"apply\"} 0\n"));
}

// Counters are real counters: a second run of the same command adds to the
// file the first one left.
TEST(MetricsScope, ASecondRunAddsToTheCounters) {
  TempDir dir;
  GlobalOptions g;
  g.metricsFile = (dir.path() / "m.prom").string();
  for (int rc : {0, 1, 0}) {
    MetricsScope scope(g, "quickCheck", std::make_shared<FakeClock>());
    scope.exit(rc);
  }
  std::string text = slurp(g.metricsFile);
  EXPECT_THAT(text, HasSubstr("tgwark_runs_total{command=\"quickCheck\",result=\"success\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("tgwark_runs_total{command=\"quickCheck\",result=\"failure\"} 1\n"));
  // The lock sidecar is hidden from the collector (it reads *.prom only).
  EXPECT_TRUE(fs::exists(dir.path() / ".m.prom.lock"));
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    if (entry.path().extension() == ".prom") {
      EXPECT_EQ(entry.path().filename(), "m.prom");
    }
  }
}

// Without --metrics-file nothing is written: not a default file name in the
// working directory (the test runs in an empty one) nor in the temp directory.
TEST(MetricsScope, NoFileWithoutTheFlag) {
  TempDir cwd;
  TempDir tmp;
  fs::path previousCwd = fs::current_path();
  fs::current_path(cwd.path());
  const char* previousTmp = std::getenv("TMPDIR");
  std::string savedTmp = previousTmp ? previousTmp : "";
  ::setenv("TMPDIR", tmp.path().c_str(), 1);
  {
    GlobalOptions g;  // metricsFile empty
    MetricsScope scope(g, "status", std::make_shared<FakeClock>());
    scope.exit(0);
  }
  if (previousTmp) {
    ::setenv("TMPDIR", savedTmp.c_str(), 1);
  } else {
    ::unsetenv("TMPDIR");
  }
  fs::current_path(previousCwd);
  EXPECT_TRUE(fs::is_empty(cwd.path()));
  EXPECT_TRUE(fs::is_empty(tmp.path()));
}

TEST(RouteCounts, StatusIsJudgedAgainstTheMajorityNodeWhenInconsistent) {
  engine::StatusReport report;
  auto route = [](std::vector<std::string> serves, std::string state = "active") {
    engine::RouteStatus r;
    r.known = true;
    r.route = model::ObservedRoute{};
    r.route->state = std::move(state);
    r.serves = std::move(serves);
    return r;
  };
  report.routes.push_back(route({"node-a"}));
  report.routes.push_back(route({"node-a"}));
  report.routes.push_back(route({"node-b"}));
  report.routes.push_back(route({"node-a"}, "blackhole"));
  engine::RouteStatus unknown;
  unknown.known = false;
  report.routes.push_back(unknown);
  engine::RouteStatus missing;
  missing.known = true;
  report.routes.push_back(missing);
  EXPECT_EQ(routeCounts(report), (RouteCounts{2, 3, 1}));
}

}  // namespace
}  // namespace tgwark::cli
