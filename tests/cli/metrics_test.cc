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
#include <sstream>

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

TEST(MetricsText, EveryFamilyHasHelpTypeAndSamples) {
  std::string text = prometheusText(sampleMetrics());
  for (const char* name :
       {"tgwark_last_action_timestamp_seconds", "tgwark_action_duration_seconds",
        "tgwark_action_success", "tgwark_routes", "tgwark_api_calls_total",
        "tgwark_api_errors_total", "tgwark_api_retries_total", "tgwark_api_throttles_total"}) {
    EXPECT_THAT(text, HasSubstr(std::string("# HELP ") + name + " ")) << name;
    EXPECT_THAT(text, HasSubstr(std::string("# TYPE ") + name + " gauge\n")) << name;
  }
  EXPECT_THAT(text,
              HasSubstr("tgwark_last_action_timestamp_seconds{action=\"restore\"} 1440936960\n"));
  EXPECT_THAT(text, HasSubstr("tgwark_action_duration_seconds{action=\"restore\"} 2.5\n"));
  EXPECT_THAT(text, HasSubstr("tgwark_action_success{action=\"restore\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("tgwark_routes{state=\"correct\"} 10\n"));
  EXPECT_THAT(text, HasSubstr("tgwark_routes{state=\"wrong\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("tgwark_routes{state=\"unknown\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("tgwark_api_calls_total{action=\"ReplaceRoute\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("tgwark_api_errors_total{code=\"RequestLimitExceeded\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("tgwark_api_retries_total 4\n"));
  EXPECT_THAT(text, HasSubstr("tgwark_api_throttles_total 2\n"));
  // Every line is a comment or `name[{labels}] value`; the file ends with a newline.
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("#")) continue;
    EXPECT_TRUE(line.starts_with("tgwark_")) << line;
    EXPECT_EQ(std::count(line.begin(), line.end(), ' '), 1) << line;
  }
}

TEST(MetricsText, RoutesOmittedWhenTheActionReadNone) {
  auto m = sampleMetrics();
  m.routes.reset();
  m.success = false;
  std::string text = prometheusText(m);
  EXPECT_THAT(text, Not(HasSubstr("tgwark_routes")));
  EXPECT_THAT(text, HasSubstr("tgwark_action_success{action=\"restore\"} 0\n"));
}

TEST(MetricsText, LabelValuesAreEscaped) {
  EXPECT_EQ(escapeLabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  auto m = sampleMetrics();
  m.action = "ocf \"mon\\itor\"\n";
  std::string text = prometheusText(m);
  EXPECT_THAT(text, HasSubstr("tgwark_action_success{action=\"ocf \\\"mon\\\\itor\\\"\\n\"} 1\n"));
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
  EXPECT_THAT(slurp(g.metricsFile), HasSubstr("tgwark_action_success{action=\"status\"} 1\n"));
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
  EXPECT_THAT(text, HasSubstr("tgwark_action_duration_seconds{action=\"status\"} 1.5\n"));
  EXPECT_THAT(text, HasSubstr("tgwark_action_success{action=\"status\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("tgwark_routes{state=\"wrong\"} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("tgwark_last_action_timestamp_seconds{action=\"status\"} 1440936961.5\n"));
}

TEST(MetricsScope, AnEarlyReturnWithoutExitCountsAsFailure) {
  TempDir dir;
  GlobalOptions g;
  g.metricsFile = (dir.path() / "m.prom").string();
  { MetricsScope scope(g, "apply", std::make_shared<FakeClock>()); }
  EXPECT_THAT(slurp(g.metricsFile), HasSubstr("tgwark_action_success{action=\"apply\"} 0\n"));
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
