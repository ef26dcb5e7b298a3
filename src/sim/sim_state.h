// The emulator's engine behind the HTTP listener: it owns the simulated world
// (one state per region), authenticates EC2 calls, injects latency, throttling
// and faults, serves per-node IMDSv2 and the /_sim/ control API. Transport-free
// (requests in, responses out) so it is testable without sockets; sim_server.h
// puts it on a cpp-httplib listener. All methods are thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "sim/sim_topology.h"

namespace tgwark::sim {

// AWS's token-bucket model, per region and per action class.
struct ThrottleOptions {
  bool enabled = false;
  double mutatingBurst = 50;
  double mutatingRefillPerSecond = 5;
  double readBurst = 100;
  double readRefillPerSecond = 20;
};

// Latency added to EC2 and IMDS responses (IMDS: region = the node's region,
// action = "IMDS", which only a rule naming "IMDS" matches). region/action "*" match anything; the
// most specific rule wins (region+action, region, action, default). The action name latency and
// fault rules use for instance metadata calls.
inline constexpr std::string_view kImdsAction = "IMDS";

struct LatencyRule {
  std::string region = "*";
  std::string action = "*";
  int minMs = 0;
  int maxMs = 0;  // == minMs for a fixed latency; otherwise uniform in [minMs, maxMs]
};

// kind: an AWS error code answered with its usual status (InternalError 500,
// Unavailable 503, RequestLimitExceeded 503, or any other code with 400),
// "reset" (the connection is dropped mid-response), "stall" (the response is
// held for stallMs, then sent) or "echo-headers" (a proxy's 403 HTML page that
// quotes the Authorization and X-Amz-Security-Token headers, then the request
// line and every other header). Answers that are not EC2's, as a proxy or a
// broken network path produces them, for tgwark's "no evidence" rules: in
// place of the call "html" (200 with an HTML page), "empty" (200, no body),
// "json" (200 with a JSON document), "not_found_empty" (404, no body) and
// "redirect" (302 to elsewhere); after the call was carried out "truncated"
// (its answer cut in half), "no_state" (its answer without <state> elements)
// and "wrong_namespace" (its answer in another XML namespace).
// Rules match IMDS calls too: region = the node's region, action = "IMDS"
// (kImdsAction) or the path after /latest/ ("api/token",
// "meta-data/instance-id", ...) — named explicitly: action "*" means every
// EC2 action. There an error code is answered as text.
// Scripted (nth > 0): the nth matching call after the rule was added fails,
// and the count following ones too. Probabilistic (nth == 0): each matching
// call fails with the given probability.
struct FaultRule {
  std::string region = "*";
  std::string action = "*";
  std::string kind = "InternalError";
  double probability = 0;
  int nth = 0;
  int count = 1;
  int stallMs = 30000;
  // Runtime bookkeeping.
  int seen = 0;
  int fired = 0;
};

struct SimOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  bool verifySignatures = true;
  // Long-term keys accepted in addition to the topology's "credentials"; allowed every action.
  std::map<std::string, std::string> credentials = {{"AKIDSIMULATOR", "simulator-secret-key"}};
  ThrottleOptions throttling;
  std::vector<LatencyRule> latency;
  std::vector<FaultRule> faults;
  std::uint64_t seed = 1;
  // Lifetime of the instance-role credentials IMDS hands out.
  std::chrono::seconds roleCredentialLifetime{6 * 3600};
  // Requests whose X-Amz-Date is further than this from the clock: RequestExpired.
  std::chrono::seconds maxClockSkew{15 * 60};
  std::size_t maxBodyBytes = 1 << 20;
  std::shared_ptr<Clock> clock;  // null: the system clock
  // HTTP worker threads. Each stalled call holds one while it sleeps (cheap),
  // so there are enough that fault tests stalling every call for a minute
  // never starve the control API.
  int threads = 256;
};

// One EC2 call as the emulator saw it, so a benchmark can tell when a client's
// write was accepted (GET /_sim/calls). Times are on the emulator's clock.
struct CallRecord {
  std::uint64_t seq = 0;  // 1, 2, ... in arrival order; never reused, not even by reset()
  std::string region;
  std::string action;
  int status = 0;
  std::string code;  // the AWS error code of a failed call, empty otherwise
  WallTime received{};
  // When the answer was handed to the connection, after the injected latency
  // and any stall; empty while it is still held.
  std::optional<WallTime> answered;
};

struct SimRequest {
  std::string method;
  std::string path;   // without the query
  std::string query;  // raw, without '?'
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct SimResponse {
  enum class Disposition { kNormal, kReset, kStall };
  int status = 200;
  std::string contentType = "text/xml;charset=UTF-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  Millis delay{0};  // injected latency, applied by the caller outside every lock
  Disposition disposition = Disposition::kNormal;
  Millis stall{0};
  std::uint64_t callSeq = 0;  // the call log entry to mark answered (noteAnswered), 0: none
};

class SimState {
 public:
  SimState(SimTopology topology, SimOptions options);
  ~SimState();
  SimState(const SimState&) = delete;
  SimState& operator=(const SimState&) = delete;

  // Routes on the path: /_sim/..., /_node/NAME/latest/..., /latest/... (first
  // node), anything else is the EC2 Query API.
  SimResponse handle(const SimRequest& request);

  // Whole state as JSON (topology format plus derived route states), stable order.
  std::string dumpState() const;
  // Same, with secrets, for --state files.
  std::string dumpStateForFile() const;
  std::string countersJson() const;
  // The latest EC2 calls, oldest first (at most kCallLogLimit; reset() clears
  // it), and how many older ones were dropped since the last reset.
  static constexpr std::size_t kCallLogLimit = 20000;
  std::vector<CallRecord> callLog() const;
  std::uint64_t callLogDropped() const;
  std::string callLogJson(std::uint64_t afterSeq = 0) const;
  // The answer of call `seq` left now (the transport calls this after the
  // injected latency and stall); unknown or already dropped: ignored.
  void noteAnswered(std::uint64_t seq);
  // Back to the loaded topology; counters, faults and issued tokens cleared.
  void reset();

  void setThrottle(const ThrottleOptions& options);
  void addLatency(const LatencyRule& rule);
  void addFault(const FaultRule& rule);
  void clearFaults();

  std::uint64_t callCount(std::string_view region, std::string_view action) const;
  std::uint64_t errorCount(std::string_view code) const;

  // Runs f with the live topology under the state lock (tests, demo, drift).
  template <class F>
  auto withTopology(F&& f) {
    std::lock_guard lock(mu_);
    return std::forward<F>(f)(topology_);
  }

  Clock& clock() { return *clock_; }
  // EC2's time, as signatures are checked against and the Date header says:
  // the clock plus an offset the control API sets, so a test can make a
  // node's clock look skewed.
  WallTime ec2Now() const;
  void setClockOffset(std::chrono::seconds offset);
  // The node's instance-role credentials (`node`: a node name), or every
  // AssumeRole session of a role (`node`: "role/NAME"), expire after `calls`
  // more EC2 calls signed with them (0: the next one is refused), as if their
  // lifetime ended mid-action; IMDS (or AssumeRole) then hands out new ones.
  void expireRoleCredentialsAfter(const std::string& node, std::uint64_t calls);

 private:
  struct Session {
    SecretString secret;
    SecretString token;  // empty for long-term keys
    std::vector<std::string> allowedActions;
    std::optional<WallTime> expiration;
    std::string node;  // the node whose instance role it was issued to (IMDS), else empty
  };
  struct Bucket {
    double tokens = 0;
    MonoTime last{};
    bool initialised = false;
  };
  struct ImdsCredentials {
    std::string accessKeyId;
    WallTime issued{};
    WallTime expiration{};
  };

  // *callSeq: the call log entry of a call that got as far as being counted.
  SimResponse handleEc2(const SimRequest& request, std::uint64_t* callSeq);
  // IMDS calls: latency and fault rules as for EC2 (region = the node's
  // region, action = kImdsAction or the path after /latest/), then serveImds.
  SimResponse handleImds(const SimRequest& request, const SimNode& node, std::string_view subpath);
  SimResponse serveImds(const SimRequest& request, const SimNode& node, std::string_view subpath);
  // The first fault rule matching (region, action) that fires, as the answer
  // to send; a "stall" is recorded on `response` instead, and a fault that
  // spoils the real answer (truncated, no_state, wrong_namespace) in *garble
  // when the caller can apply it. Called with mu_ held.
  std::optional<SimResponse> fireFault(std::string_view region, std::string_view action,
                                       std::string_view imdsPath, const SimRequest& request,
                                       const std::string& requestId, SimResponse& response,
                                       std::string* garble = nullptr);
  SimResponse handleControl(const SimRequest& request, std::string_view subpath);
  SimResponse ec2Error(int status, std::string_view code, std::string_view message,
                       const std::string& requestId, std::string_view region,
                       std::string_view action);
  Millis latencyFor(std::string_view region, std::string_view action);
  // STS AssumeRole for a topology role: temporary credentials with its policy.
  SimResponse assumeRole(const std::map<std::string, std::string>& params,
                         const std::string& requestId, const std::string& region, Millis delay);
  // The check digits of an IMDS token for `node` (nonce + expiry as payload).
  static constexpr std::size_t kImdsTokenMacDigits = 19;
  std::string imdsTokenMac(std::string_view node, std::string_view payload) const;
  bool takeToken(std::string_view region, std::string_view action);
  // Appends a call log entry received now and returns its seq. Called with mu_ held.
  std::uint64_t logCall(const std::string& region, const std::string& action);
  std::string newRequestId();
  std::string randomHex(std::size_t digits);

  mutable std::mutex mu_;
  SimOptions options_;
  std::shared_ptr<Clock> clock_;
  SimTopology initial_;
  SimTopology topology_;
  std::map<std::string, Session> sessions_;  // access key -> secret/policy
  std::uint64_t imdsTokenGeneration_ = 0;    // bumped by reset(): older tokens are refused
  std::map<std::string, ImdsCredentials> imdsCredentials_;  // node -> current role credentials
  std::map<std::pair<std::string, bool>, Bucket> buckets_;  // (region, mutating)
  std::map<std::pair<std::string, std::string>, std::uint64_t> calls_;
  std::map<std::pair<std::string, std::string>, std::map<std::string, std::uint64_t>> errors_;
  std::deque<CallRecord> callLog_;
  std::uint64_t nextCallSeq_ = 1;
  std::uint64_t callLogDropped_ = 0;
  std::vector<FaultRule> faults_;
  std::vector<LatencyRule> latency_;
  std::mt19937_64 rng_;
  std::chrono::seconds clockOffset_{0};
  std::map<std::string, std::uint64_t> roleCallsLeft_;  // node -> calls before its role keys expire
};

}  // namespace tgwark::sim
