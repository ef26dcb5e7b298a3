// What the reports say beyond their tables: the odd routes of `status` and
// the command that fixes them, a dry run's would-writes, and the fields every
// --json document carries.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/render.h"
#include "cli/validate.h"

namespace tgwark::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

engine::RouteStatus route(std::string table, std::vector<std::string> serves,
                          std::string target = "tgw-1", std::string state = "active") {
  engine::RouteStatus r;
  r.region = "us-east-1";
  r.tableId = std::move(table);
  r.known = true;
  r.route = model::ObservedRoute{};
  r.route->target = model::RouteTargetRef{model::TargetKind::kTransitGateway, std::move(target)};
  r.route->state = std::move(state);
  r.serves = std::move(serves);
  return r;
}

engine::StatusReport drifted() {
  engine::StatusReport report;
  report.routes.push_back(route("rtb-a1", {"node-a"}));
  report.routes.push_back(route("rtb-a2", {"node-a"}));
  report.routes.push_back(route("rtb-wrong", {"node-b"}, "tgw-west"));
  engine::RouteStatus missing;
  missing.region = "us-west-2";
  missing.tableId = "rtb-missing";
  missing.known = true;
  report.routes.push_back(missing);
  engine::RouteStatus unknown;
  unknown.region = "eu-west-1";
  unknown.kind = model::TableKind::kTgw;
  unknown.tableId = "tgw-rtb-unknown";
  unknown.error = "permission: UnauthorizedOperation";
  report.routes.push_back(unknown);
  return report;
}

TEST(StatusReport, MarksEachOddRouteWithTableRegionAndTarget) {
  const auto report = drifted();
  EXPECT_EQ(majorityNode(report), "node-a");
  EXPECT_EQ(routeProblem(report.routes[0], "node-a"), "");
  EXPECT_EQ(routeProblem(report.routes[2], "node-a"), "wrong-target");
  EXPECT_EQ(routeProblem(report.routes[3], "node-a"), "missing");
  EXPECT_EQ(routeProblem(report.routes[4], "node-a"), "unknown");
  EXPECT_EQ(routeProblem(route("rtb-bh", {}, "tgw-1", "blackhole"), "node-a"), "blackhole");

  const std::string text = statusText(report, false);
  EXPECT_THAT(text, HasSubstr("routes do not all serve one node (2 of 5 serve node-a)"));
  EXPECT_THAT(text, HasSubstr("wrong-target rtb-wrong us-east-1 (vpc): points to tgw-west, "
                              "which serves node-b, not node-a"));
  EXPECT_THAT(text, HasSubstr("missing rtb-missing us-west-2 (vpc): no route for the VIP"));
  EXPECT_THAT(text, HasSubstr("unknown tgw-rtb-unknown eu-west-1 (tgw): could not be read: "
                              "permission: UnauthorizedOperation"));
  EXPECT_THAT(text, HasSubstr("fix: `tgwark apply --active node-a` (or `tgwark restore`"));
  EXPECT_THAT(text, Not(HasSubstr("rtb-a1 us-east-1")));
}

TEST(StatusReport, UnreadableTablesAloneAreNotFixedByWriting) {
  engine::StatusReport report;
  report.routes.push_back(route("rtb-a1", {"node-a"}));
  engine::RouteStatus unknown;
  unknown.tableId = "rtb-u";
  report.routes.push_back(unknown);
  EXPECT_EQ(statusFixCommand(report), "tgwark validate");
  EXPECT_THAT(statusText(report, false), Not(HasSubstr("apply --active")));
}

TEST(StatusReport, ConsistentRoutesNeedNoFix) {
  engine::StatusReport report;
  report.routes.push_back(route("rtb-a1", {"node-a"}));
  report.servedNode = "node-a";
  EXPECT_EQ(statusFixCommand(report), "");
  EXPECT_THAT(statusText(report, false), HasSubstr("every route serves node-a\n"));
  auto j = statusJson(report);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["active_node"], "node-a");
  EXPECT_EQ(j["served_node"], "node-a");  // the older name, kept
  EXPECT_EQ(j["routes"][0]["problem"], "");
}

TEST(StatusReport, JsonNamesTheProblemsAndTheFix) {
  auto j = statusJson(drifted());
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["consistent"], false);
  EXPECT_EQ(j["majority_node"], "node-a");
  EXPECT_EQ(j["fix_command"], "tgwark apply --active node-a");
  EXPECT_EQ(j["routes"][2]["problem"], "wrong-target");
  EXPECT_EQ(j["routes"][3]["problem"], "missing");
  EXPECT_EQ(j["routes"][4]["problem"], "unknown");
}

plan::RouteChange change(plan::ChangeKind kind, std::string serves = "") {
  plan::RouteChange c;
  c.desired.region = "us-east-1";
  c.desired.tableId = "rtb-1";
  c.kind = kind;
  c.currentlyServes = std::move(serves);
  return c;
}

TEST(ApplyReport, DryRunSummaryCountsTheWouldWrites) {
  engine::ApplyReport report;
  report.activeNode = "node-b";
  report.dryRun = true;
  for (auto kind : {plan::ChangeKind::kReplace, plan::ChangeKind::kReplace,
                    plan::ChangeKind::kFixBlackhole, plan::ChangeKind::kCreate}) {
    engine::RouteResult r;
    r.change = change(kind);
    r.outcome = engine::RouteOutcome::kSkipped;
    report.routes.push_back(r);
  }
  engine::RouteResult same;
  same.change = change(plan::ChangeKind::kNone);
  same.outcome = engine::RouteOutcome::kUnchanged;
  report.routes.push_back(same);
  EXPECT_THAT(applyText(report, false),
              HasSubstr("dry run for node-b: would write 4 (3 replace, 1 create), 1 unchanged"));
  auto j = applyJson(report);
  EXPECT_EQ(j["counts"]["would_write"], 4);
  EXPECT_EQ(j["counts"]["would_replace"], 3);
  EXPECT_EQ(j["counts"]["would_create"], 1);
  EXPECT_EQ(j["counts"]["skipped"], 4);

  report.dryRun = false;
  EXPECT_THAT(applyText(report, false), Not(HasSubstr("would write")));
}

TEST(PlanReport, CurrentlyServesIsAList) {
  plan::Plan p;
  p.activeNode = "node-b";
  p.changes.push_back(change(plan::ChangeKind::kReplace, "node-a,node-c"));
  p.changes.push_back(change(plan::ChangeKind::kCreate, ""));
  auto j = planJson(p);
  EXPECT_EQ(j["routes"][0]["currently_serves"], nlohmann::json::array({"node-a", "node-c"}));
  EXPECT_EQ(j["routes"][1]["currently_serves"], nlohmann::json::array());
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["all_right"], false);
}

TEST(JsonDocument, EveryDocumentIsStamped) {
  auto j = stampDocument(nlohmann::json{{"ok", true}}, "status", 1);
  EXPECT_EQ(j["schema_version"], kJsonSchemaVersion);
  EXPECT_EQ(j["command"], "status");
  EXPECT_EQ(j["exit_code"], 1);
  EXPECT_EQ(j["ok"], true);
}

TEST(JsonDocument, ErrorDocumentNamesCategoryAndEscapesTheMessage) {
  Error e{ErrorCategory::kPermission, "denied\x1b[31m"};
  e.awsCode = "UnauthorizedOperation";
  auto j = errorDocument(e);
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["error"]["category"], "permission");
  EXPECT_EQ(j["error"]["code"], "UnauthorizedOperation");
  EXPECT_EQ(j["error"]["message"].get<std::string>().find('\x1b'), std::string::npos);
  EXPECT_EQ(errorDocument(e, "usage")["error"]["category"], "usage");
}

TEST(ValidateReport, DryRunCallsAreProbesNotWrites) {
  engine::ApiCallCounts calls;
  calls.reads = 5;
  calls.writes = 8;
  calls.byAction = {{"CreateRoute", 8}, {"DescribeRouteTables", 5}};
  const std::string text = probeCallsText(calls);
  EXPECT_THAT(text, HasSubstr("13 API calls (5 reads, 8 DryRun probes)"));
  EXPECT_THAT(text, Not(HasSubstr("writes")));
  ValidateReport report;
  report.calls = calls;
  EXPECT_THAT(validateText(report, false), HasSubstr("8 DryRun probes"));
  EXPECT_THAT(validateText(report, false), Not(HasSubstr("writes")));
  auto j = validateJson(report);
  EXPECT_EQ(j["calls"]["probes"], 8);
}

}  // namespace
}  // namespace tgwark::cli
