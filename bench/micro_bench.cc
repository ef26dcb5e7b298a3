// Micro-benchmarks (Google Benchmark) of the CPU hot paths of a restore and a
// quickCheck: SigV4 signing of an EC2 request, parsing a 100-table
// DescribeRouteTables page, the planner (desired routes + diff) on a
// ref-scale topology (1,000 VPC tables), loading its scope store, and config
// parsing. They report, they never gate: scripts/bench copies the numbers into
// docs/benchmarks.md.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "aws/ec2_xml.h"
#include "aws/http_client.h"
#include "aws/sigv4.h"
#include "common/clock.h"
#include "engine/aws_factory.h"
#include "engine/discovery.h"
#include "engine/state_reader.h"
#include "model/config.h"
#include "model/topology_io.h"
#include "plan/desired.h"
#include "plan/diff.h"
#include "sim/sim_server.h"

namespace {

using namespace tgwark;

constexpr const char* kVip = "192.168.10.10";

std::filesystem::path topologyFile(const char* name) {
  return std::filesystem::path(TGWARK_SOURCE_DIR) / "topologies" / name;
}

[[noreturn]] void die(const std::string& what) {
  std::cerr << "micro_bench setup: " << what << "\n";
  std::exit(1);
}

aws::HttpRequest ec2Request(const std::string& region, const std::string& body) {
  aws::HttpRequest r;
  r.method = "POST";
  r.url = fmt::format("https://ec2.{}.amazonaws.com/", region);
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  r.body = body;
  return r;
}

aws::Credentials benchCredentials() {
  aws::Credentials c;
  c.accessKeyId = "AKIDEXAMPLE";
  c.secretAccessKey = SecretString("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  c.sessionToken = SecretString("session-token-of-a-typical-instance-role-credential");
  c.source = "bench";
  return c;
}

std::string configText(const sim::SimTopology& topology, bool explicitTables) {
  std::string toml = fmt::format("vip = \"{}\"\ncreate_missing = true\n", kVip);
  if (explicitTables) {
    std::string vpc;
    std::string tgw;
    for (const auto& [name, region] : topology.regions) {
      for (const auto& [id, rt] : region.routeTables)
        vpc += (vpc.empty() ? "\"" : ", \"") + id + "\"";
      for (const auto& [id, rt] : region.tgwRouteTables)
        tgw += (tgw.empty() ? "\"" : ", \"") + id + "\"";
    }
    toml += fmt::format("vpc_route_tables = [{}]\ntgw_route_tables = [{}]\n", vpc, tgw);
  }
  for (const auto& n : topology.nodes) {
    toml += fmt::format(
        "\n[[node]]\nname = \"{}\"\nregion = \"{}\"\neni = \"{}\"\ninstance_id = \"{}\"\n", n.name,
        n.region, n.eniId, n.instanceId);
  }
  toml +=
      "\n[aws]\nendpoint_url = \"http://127.0.0.1:1\"\nrestore_timeout_s = 300\n"
      "quickcheck_timeout_s = 100\n";
  return toml;
}

// The ref-scale world as the engine sees it after discovery and one read,
// built once against an in-process emulator (no latency).
struct ScaleFixture {
  sim::SimTopology simTopology;
  model::Config config;
  model::Topology topology;
  model::ObservedState observed;

  static ScaleFixture& get() {
    static ScaleFixture f = build();
    return f;
  }

  static ScaleFixture build() {
    ScaleFixture f;
    auto topology = sim::loadTopology(topologyFile("ref-scale.json"));
    if (!topology) die(topology.error().describe());
    f.simTopology = *topology;
    auto server = sim::SimServer::create(*topology);
    if (!server || !(*server)->start()) die("cannot start the emulator");
    std::string text = configText(*topology, false);
    auto at = text.find("http://127.0.0.1:1");
    text.replace(at, std::string("http://127.0.0.1:1").size(), (*server)->url());
    auto config = model::parseConfig(text, "bench.toml");
    if (!config) die(config.error().describe());
    f.config = *config;
    std::map<std::string, std::string> envMap = {
        {"AWS_ACCESS_KEY_ID", "AKIDSIMULATOR"},
        {"AWS_SECRET_ACCESS_KEY", "simulator-secret-key"},
        {"AWS_CONFIG_FILE", "/dev/null"},
        {"AWS_SHARED_CREDENTIALS_FILE", "/dev/null"},
    };
    aws::EnvLookup env = [envMap](std::string_view name) -> std::optional<std::string> {
      auto it = envMap.find(std::string(name));
      if (it == envMap.end()) return std::nullopt;
      return it->second;
    };
    auto factory = engine::makeAwsEc2Factory(f.config, env);
    if (!factory) die(factory.error().describe());
    auto deadline = engine::Deadline::after(SystemClock::instance(), Millis(120000));
    auto discovered = engine::discover(f.config, *factory, deadline);
    if (!discovered) die(discovered.error().describe());
    f.topology = *discovered;
    auto observed = engine::readState(f.topology, f.config.vip, *factory, deadline);
    if (!observed) die(observed.error().describe());
    f.observed = *observed;
    (*server)->stop();
    return f;
  }
};

void BM_SigV4SignEc2Request(benchmark::State& state) {
  const auto credentials = benchCredentials();
  aws::sigv4::SigningParams params;
  params.region = "us-west-2";
  params.service = "ec2";
  params.time = SystemClock::instance()->now();
  const auto base = ec2Request(
      "us-west-2",
      "Action=ReplaceRoute&Version=2016-11-15&RouteTableId=rtb-01000010000000000"
      "&DestinationCidrBlock=192.168.10.10%2F32&NetworkInterfaceId=eni-01000010000000000");
  for (auto _ : state) {
    auto request = base;
    auto signedOk = aws::sigv4::sign(request, credentials, params);
    benchmark::DoNotOptimize(signedOk);
    benchmark::DoNotOptimize(request.headers.data());
  }
}
BENCHMARK(BM_SigV4SignEc2Request);

void BM_ParseDescribeRouteTables100(benchmark::State& state) {
  auto topology = sim::loadTopology(topologyFile("ref-scale.json"));
  if (!topology) die(topology.error().describe());
  sim::SimOptions options;
  options.verifySignatures = false;
  sim::SimState sim(*topology, options);
  auto request =
      ec2Request("us-east-1", "Action=DescribeRouteTables&Version=2016-11-15&MaxResults=100");
  aws::sigv4::SigningParams params;
  params.region = "us-east-1";
  params.service = "ec2";
  params.time = SystemClock::instance()->now();
  if (!aws::sigv4::sign(request, benchCredentials(), params)) die("sign");
  sim::SimRequest simRequest{"POST", "/", "", request.headers, request.body};
  auto response = sim.handle(simRequest);
  auto check = aws::parseDescribeRouteTables(response.body);
  if (response.status != 200 || !check || check->items.size() != 100) {
    die(fmt::format("DescribeRouteTables page: HTTP {}, {} bytes", response.status,
                    response.body.size()));
  }
  for (auto _ : state) {
    auto page = aws::parseDescribeRouteTables(response.body);
    benchmark::DoNotOptimize(page);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(response.body.size()));
  state.counters["tables"] = 100;
}
BENCHMARK(BM_ParseDescribeRouteTables100)->Unit(benchmark::kMicrosecond);

void BM_PlanRefScale(benchmark::State& state) {
  auto& f = ScaleFixture::get();
  std::size_t changes = 0;
  for (auto _ : state) {
    auto desired = plan::desiredRoutes(f.topology, "node-b", f.config.vip);
    if (!desired) die(desired.error().describe());
    auto p = plan::diff(*desired, f.observed, true, f.topology, "node-b");
    changes = p.changes.size();
    benchmark::DoNotOptimize(p);
  }
  state.counters["tables"] = static_cast<double>(changes);
}
BENCHMARK(BM_PlanRefScale)->Unit(benchmark::kMillisecond);

// What a restore with a stored scope pays before its first call: the scope
// store of the discovered ref-scale topology, parsed.
void BM_LoadScopeStoreRefScale(benchmark::State& state) {
  const std::string text = model::topologyToJson(ScaleFixture::get().topology, "digest");
  for (auto _ : state) {
    auto topology = model::topologyFromJson(text, "digest");
    if (!topology) die(topology.error().describe());
    benchmark::DoNotOptimize(topology);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_LoadScopeStoreRefScale)->Unit(benchmark::kMillisecond);

void BM_ParseConfig(benchmark::State& state) {
  auto topology = sim::loadTopology(topologyFile("ref-3r.json"));
  if (!topology) die(topology.error().describe());
  const std::string text = configText(*topology, false);
  for (auto _ : state) {
    auto config = model::parseConfig(text, "tgwark.toml");
    if (!config) die(config.error().describe());
    benchmark::DoNotOptimize(config);
  }
}
BENCHMARK(BM_ParseConfig)->Unit(benchmark::kMicrosecond);

void BM_ParseConfig1010Tables(benchmark::State& state) {
  const std::string text = configText(ScaleFixture::get().simTopology, true);
  for (auto _ : state) {
    auto config = model::parseConfig(text, "tgwark.toml");
    if (!config) die(config.error().describe());
    benchmark::DoNotOptimize(config);
  }
}
BENCHMARK(BM_ParseConfig1010Tables)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
