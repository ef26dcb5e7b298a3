#include "sim/sim_state.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <strings.h>

#include <algorithm>
#include <charconv>
#include <ctime>

#include "aws/http_client.h"
#include "aws/iso8601.h"
#include "aws/sigv4.h"
#include "sim/sim_ec2.h"

namespace tgwark::sim {

namespace {

// The <Code> of an EC2 error answer, for the call log; empty when there is none.
std::string errorCodeOf(std::string_view body) {
  const auto open = body.find("<Code>");
  if (open == std::string_view::npos) return {};
  const auto start = open + 6;
  const auto close = body.find("</Code>", start);
  if (close == std::string_view::npos || close - start > 128) return {};
  return std::string(body.substr(start, close - start));
}

std::string_view headerValue(const SimRequest& request, std::string_view name) {
  for (const auto& [key, value] : request.headers) {
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return value;
    }
  }
  return {};
}

std::optional<WallTime> parseAmzDate(std::string_view text) {
  // 20150830T123600Z
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  auto number = [&](std::size_t pos, std::size_t len) {
    int value = -1;
    const auto [ptr, ec] = std::from_chars(text.data() + pos, text.data() + pos + len, value);
    return ec == std::errc{} && ptr == text.data() + pos + len ? value : -1;
  };
  std::tm tm{};
  tm.tm_year = number(0, 4) - 1900;
  tm.tm_mon = number(4, 2) - 1;
  tm.tm_mday = number(6, 2);
  tm.tm_hour = number(9, 2);
  tm.tm_min = number(11, 2);
  tm.tm_sec = number(13, 2);
  // Bounded so the conversion to nanoseconds cannot overflow (year 2262).
  if (tm.tm_year < 70 || tm.tm_year > 300 || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 ||
      tm.tm_mday > 31 || tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 ||
      tm.tm_sec < 0 || tm.tm_sec > 60) {
    return std::nullopt;
  }
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::string iso8601(WallTime t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

bool matchesRule(std::string_view pattern, std::string_view value) {
  return pattern == "*" || pattern == value;
}

int statusForCode(std::string_view code) {
  if (code == "InternalError" || code == "InternalFailure") return 500;
  if (code == "Unavailable" || code == "ServiceUnavailable" || code == "RequestLimitExceeded")
    return 503;
  if (code == "AuthFailure") return 401;
  if (code == "UnauthorizedOperation") return 403;
  return 400;
}

std::string faultMessage(std::string_view code) {
  if (code == "InternalError") return "An internal error has occurred";
  if (code == "Unavailable") return "The server is overloaded and can't handle the request.";
  if (code == "RequestLimitExceeded") return "Request limit exceeded.";
  return fmt::format("Injected fault {}", code);
}

// The page an intermediary (a proxy, a load balancer) answers when it refuses
// a request and echoes it for debugging: the credential headers first (what it
// refused the request for), then the request line and every other header.
// Clients must not repeat what it quotes.
std::string echoHeadersPage(const SimRequest& request) {
  std::string page = "<html><body><h1>403 Forbidden</h1><pre>\n";
  auto isCredential = [](const std::string& name) {
    return strcasecmp(name.c_str(), "Authorization") == 0 ||
           strcasecmp(name.c_str(), "X-Amz-Security-Token") == 0;
  };
  for (const auto& [name, value] : request.headers) {
    if (isCredential(name)) page += name + ": " + value + "\n";
  }
  page += request.method + " " + request.path + (request.query.empty() ? "" : "?") + request.query +
          " HTTP/1.1\n";
  for (const auto& [name, value] : request.headers) {
    if (!isCredential(name)) page += name + ": " + value + "\n";
  }
  page += "</pre></body></html>\n";
  return page;
}

}  // namespace

SimState::SimState(SimTopology topology, SimOptions options)
    : options_(std::move(options)),
      clock_(options_.clock ? options_.clock : SystemClock::instance()),
      initial_(topology),
      topology_(std::move(topology)),
      faults_(options_.faults),
      latency_(options_.latency),
      rng_(options_.seed) {
  reset();
  // reset() clears faults and latency; the options' ones are the starting configuration.
  faults_ = options_.faults;
  latency_ = options_.latency;
}

SimState::~SimState() = default;

namespace {

// An answer to a call that never reached EC2, as a proxy or captive portal
// gives it; nullopt for kinds that are not of this sort.
std::optional<SimResponse> notEc2Answer(std::string_view kind) {
  SimResponse r;
  if (kind == "html") {
    r.contentType = "text/html";
    r.body = "<html><head><title>Proxy</title></head><body>Please log in</body></html>\n";
  } else if (kind == "empty") {
    r.body.clear();
  } else if (kind == "json") {
    r.contentType = "application/json";
    r.body = "{\"message\": \"ok\", \"RouteTables\": []}\n";
  } else if (kind == "not_found_empty") {
    r.status = 404;
    r.contentType = "text/plain";
  } else if (kind == "redirect") {
    r.status = 302;
    r.contentType = "text/plain";
    r.headers.emplace_back("Location", "http://127.0.0.1:9/elsewhere");
  } else {
    return std::nullopt;
  }
  r.headers.emplace_back("X-Sim-Fault", std::string(kind));
  return r;
}

// Spoils a real answer the way a broken path or a wrong server would.
void spoil(std::string& body, std::string_view kind) {
  if (kind == "truncated") {
    body.resize(body.size() / 2);
  } else if (kind == "no_state") {
    for (auto open = body.find("<state>"); open != std::string::npos; open = body.find("<state>")) {
      const auto close = body.find("</state>", open);
      if (close == std::string::npos) break;
      body.erase(open, close + 8 - open);
    }
  } else if (kind == "wrong_namespace") {
    const auto ns = body.find("http://ec2.amazonaws.com/doc/");
    if (ns != std::string::npos) body.replace(ns, 29, "http://example.com/not-ec2/");
  }
}

}  // namespace

void SimState::reset() {
  std::lock_guard lock(mu_);
  topology_ = initial_;
  sessions_.clear();
  for (const auto& [key, secret] : options_.credentials)
    sessions_[key] = Session{SecretString(secret), {}, {}, {}, {}};
  for (const auto& [key, credential] : topology_.credentials) {
    sessions_[key] = Session{credential.secretAccessKey, {}, credential.allowedActions, {}, {}};
  }
  ++imdsTokenGeneration_;  // tokens handed out before a reset are refused
  imdsCredentials_.clear();
  buckets_.clear();
  calls_.clear();
  errors_.clear();
  callLog_.clear();
  callLogDropped_ = 0;
  faults_.clear();
  latency_.clear();
  rng_.seed(options_.seed);
  clockOffset_ = std::chrono::seconds{0};
  roleCallsLeft_.clear();
}

void SimState::expireRoleCredentialsAfter(const std::string& node, std::uint64_t calls) {
  std::lock_guard lock(mu_);
  roleCallsLeft_[node] = calls;
}

WallTime SimState::ec2Now() const {
  std::lock_guard lock(mu_);
  return clock_->now() + clockOffset_;
}

void SimState::setClockOffset(std::chrono::seconds offset) {
  std::lock_guard lock(mu_);
  clockOffset_ = offset;
}

void SimState::setThrottle(const ThrottleOptions& options) {
  std::lock_guard lock(mu_);
  options_.throttling = options;
  buckets_.clear();
}

void SimState::addLatency(const LatencyRule& rule) {
  std::lock_guard lock(mu_);
  // A rule for the same (region, action) replaces the previous one.
  std::erase_if(latency_, [&](const LatencyRule& r) {
    return r.region == rule.region && r.action == rule.action;
  });
  latency_.push_back(rule);
}

void SimState::addFault(const FaultRule& rule) {
  std::lock_guard lock(mu_);
  faults_.push_back(rule);
}

void SimState::clearFaults() {
  std::lock_guard lock(mu_);
  faults_.clear();
}

std::uint64_t SimState::callCount(std::string_view region, std::string_view action) const {
  std::lock_guard lock(mu_);
  std::uint64_t total = 0;
  for (const auto& [key, count] : calls_) {
    if (matchesRule(region, key.first) && matchesRule(action, key.second)) total += count;
  }
  return total;
}

std::uint64_t SimState::errorCount(std::string_view code) const {
  std::lock_guard lock(mu_);
  std::uint64_t total = 0;
  for (const auto& [key, byCode] : errors_) {
    for (const auto& [c, count] : byCode) {
      if (matchesRule(code, c)) total += count;
    }
  }
  return total;
}

std::uint64_t SimState::logCall(const std::string& region, const std::string& action) {
  if (callLog_.size() >= kCallLogLimit) {
    callLog_.pop_front();
    ++callLogDropped_;
  }
  CallRecord record;
  record.seq = nextCallSeq_++;
  record.region = region;
  record.action = action;
  record.received = clock_->now();
  callLog_.push_back(std::move(record));
  return callLog_.back().seq;
}

void SimState::noteAnswered(std::uint64_t seq) {
  std::lock_guard lock(mu_);
  if (callLog_.empty() || seq < callLog_.front().seq) return;
  // Entries are in seq order with no gaps: index by offset.
  const auto index = seq - callLog_.front().seq;
  if (index >= callLog_.size()) return;
  callLog_[index].answered = clock_->now();
}

std::vector<CallRecord> SimState::callLog() const {
  std::lock_guard lock(mu_);
  return {callLog_.begin(), callLog_.end()};
}

std::uint64_t SimState::callLogDropped() const {
  std::lock_guard lock(mu_);
  return callLogDropped_;
}

std::string SimState::randomHex(std::size_t digits) {
  std::string out;
  while (out.size() < digits) out += fmt::format("{:016x}", rng_());
  out.resize(digits);
  return out;
}

std::string SimState::newRequestId() {
  const std::string hex = randomHex(32);
  return fmt::format("{}-{}-{}-{}-{}", hex.substr(0, 8), hex.substr(8, 4), hex.substr(12, 4),
                     hex.substr(16, 4), hex.substr(20, 12));
}

Millis SimState::latencyFor(std::string_view region, std::string_view action) {
  const LatencyRule* best = nullptr;
  int bestScore = -1;
  for (const auto& rule : latency_) {
    if (!matchesRule(rule.region, region) || !matchesRule(rule.action, action)) continue;
    if (action == kImdsAction && rule.action != kImdsAction) continue;  // as for faults
    const int score = (rule.region != "*" ? 2 : 0) + (rule.action != "*" ? 1 : 0);
    if (score > bestScore) {
      best = &rule;
      bestScore = score;
    }
  }
  if (best == nullptr) return Millis{0};
  if (best->maxMs <= best->minMs) return Millis{best->minMs};
  std::uniform_int_distribution<int> dist(best->minMs, best->maxMs);
  return Millis{dist(rng_)};
}

bool SimState::takeToken(std::string_view region, std::string_view action) {
  const auto& t = options_.throttling;
  if (!t.enabled) return true;
  const bool mutating = isMutatingAction(action);
  const double burst = mutating ? t.mutatingBurst : t.readBurst;
  const double rate = mutating ? t.mutatingRefillPerSecond : t.readRefillPerSecond;
  auto& bucket = buckets_[{std::string(region), mutating}];
  const MonoTime now = clock_->monotonic();
  if (!bucket.initialised) {
    bucket = Bucket{burst, now, true};
  } else {
    const double elapsed = std::chrono::duration<double>(now - bucket.last).count();
    bucket.tokens = std::min(burst, bucket.tokens + elapsed * rate);
    bucket.last = now;
  }
  if (bucket.tokens < 1.0) return false;
  bucket.tokens -= 1.0;
  return true;
}

SimResponse SimState::ec2Error(int status, std::string_view code, std::string_view message,
                               const std::string& requestId, std::string_view region,
                               std::string_view action) {
  ++errors_[{std::string(region), std::string(action)}][std::string(code)];
  SimResponse response;
  response.status = status;
  response.body = ec2ErrorXml(code, message, requestId);
  return response;
}

SimResponse SimState::handle(const SimRequest& request) {
  const std::string_view path = request.path;
  if (path.starts_with("/_sim/")) return handleControl(request, path.substr(6));
  if (path.starts_with("/_node/")) {
    const auto rest = path.substr(7);
    const auto slash = rest.find('/');
    const std::string name(rest.substr(0, slash));
    const std::string_view sub =
        slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
    std::optional<SimNode> node;
    {
      std::lock_guard lock(mu_);
      for (const auto& n : topology_.nodes) {
        if (n.name == name) node = n;
      }
    }
    if (!node || !sub.starts_with("/latest/")) {
      return SimResponse{404, "text/plain", "Not Found\n", {}, Millis{0}, {}, Millis{0}, 0};
    }
    return handleImds(request, *node, sub.substr(8));
  }
  if (path.starts_with("/latest/")) {
    std::optional<SimNode> node;
    {
      std::lock_guard lock(mu_);
      if (!topology_.nodes.empty()) node = topology_.nodes.front();
    }
    if (!node)
      return SimResponse{404, "text/plain", "Not Found\n", {}, Millis{0}, {}, Millis{0}, 0};
    return handleImds(request, *node, path.substr(8));
  }
  std::uint64_t callSeq = 0;
  SimResponse response = handleEc2(request, &callSeq);
  if (callSeq != 0) {
    std::lock_guard lock(mu_);
    // The newest entry is almost always this call's: search from the back.
    for (auto it = callLog_.rbegin(); it != callLog_.rend(); ++it) {
      if (it->seq != callSeq) continue;
      it->status = response.status;
      if (response.status >= 300) it->code = errorCodeOf(response.body);
      break;
    }
    response.callSeq = callSeq;
  }
  // As EC2 does: the client's only way to learn that its clock is off.
  response.headers.emplace_back("Date", aws::formatHttpDate(ec2Now()));
  return response;
}

SimResponse SimState::handleEc2(const SimRequest& request, std::uint64_t* callSeq) {
  std::unique_lock lock(mu_);
  const std::string requestId = newRequestId();
  std::string region = "us-east-1";
  std::string action;
  auto fail = [&](int status, std::string_view code, std::string_view message) {
    auto response = ec2Error(status, code, message, requestId, region, action);
    response.delay = latencyFor(region, action);
    return response;
  };
  if (request.body.size() > options_.maxBodyBytes) {
    return fail(413, "RequestEntityTooLarge",
                fmt::format("Request body of {} bytes exceeds the limit of {} bytes",
                            request.body.size(), options_.maxBodyBytes));
  }
  if (request.method != "POST" && request.method != "GET") {
    return fail(400, "InvalidHttpRequest",
                fmt::format("The HTTP method {} is not supported", request.method));
  }

  // The region comes from the credential scope: one listener serves every region.
  const std::string_view authorization = headerValue(request, "Authorization");
  std::optional<aws::sigv4::ParsedAuthorization> auth;
  if (!authorization.empty()) {
    auto parsed = aws::sigv4::parseAuthorization(authorization);
    if (!parsed) return fail(400, "IncompleteSignature", parsed.error().message);
    auth = std::move(*parsed);
    region = auth->region;
  } else if (options_.verifySignatures) {
    return fail(403, "MissingAuthenticationToken", "Request is missing Authentication Token");
  }

  std::map<std::string, std::string> params;
  for (const std::string_view part :
       {std::string_view(request.query), std::string_view(request.body)}) {
    auto decoded = parseForm(part);
    if (!decoded)
      return fail(decoded.error().status, decoded.error().code, decoded.error().message);
    params.merge(*decoded);
  }
  if (const auto it = params.find("Action"); it != params.end()) action = it->second;
  if (action.empty())
    return fail(400, "MissingAction", "The request must contain the parameter Action");
  // STS's AssumeRole on the same listener (AWS_ENDPOINT_URL_STS=the emulator's URL).
  const bool sts = auth && auth->service == "sts" && action == "AssumeRole";
  if (!sts && !isKnownAction(action)) {
    return fail(400, "InvalidAction",
                fmt::format("The action {} is not valid for this web service.", action));
  }
  if (!params.contains("Version"))
    return fail(400, "MissingParameter", "The request must contain the parameter Version");

  std::vector<std::string> allowed;
  if (auth && auth->service != "ec2" && !sts) {
    return fail(403, "SignatureDoesNotMatch",
                "Credential should be scoped to correct service: 'ec2'. ");
  }
  if (options_.verifySignatures) {
    const auto session = sessions_.find(auth->accessKeyId);
    if (session == sessions_.end()) {
      return fail(401, "AuthFailure",
                  "AWS was not able to validate the provided access credentials");
    }
    const std::string_view token = headerValue(request, "X-Amz-Security-Token");
    if (!session->second.token.empty() && token != session->second.token.reveal()) {
      return fail(401, "AuthFailure", "The security token included in the request is invalid.");
    }
    if (const auto left = roleCallsLeft_.find(session->second.node);
        !session->second.node.empty() && left != roleCallsLeft_.end()) {
      if (left->second == 0) {
        session->second.expiration = clock_->now();
        roleCallsLeft_.erase(left);
      } else {
        --left->second;
      }
    }
    if (session->second.expiration && clock_->now() >= *session->second.expiration) {
      return fail(400, "RequestExpired", "Request has expired.");
    }
    const std::string_view dateHeader = headerValue(request, "X-Amz-Date");
    const auto date = parseAmzDate(dateHeader);
    if (!dateHeader.empty() && !date) {
      return fail(400, "IncompleteSignature", "X-Amz-Date must have the form YYYYMMDDTHHMMSSZ");
    }
    if (date) {
      const WallTime now = clock_->now() + clockOffset_;
      const auto skew = now > *date ? now - *date : *date - now;
      if (skew > options_.maxClockSkew) {
        return fail(400, "RequestExpired",
                    fmt::format("Request has expired. Timestamp date is {}",
                                headerValue(request, "X-Amz-Date")));
      }
    }
    aws::HttpRequest signedRequest;
    signedRequest.method = request.method;
    signedRequest.url = fmt::format("http://{}{}{}{}", headerValue(request, "Host"), request.path,
                                    request.query.empty() ? "" : "?", request.query);
    signedRequest.headers = request.headers;
    signedRequest.body = request.body;
    const SecretString secret = session->second.secret;
    allowed = session->second.allowedActions;
    // Verification is CPU work on request data only; it needs no lock.
    lock.unlock();
    auto verified = aws::sigv4::verify(signedRequest, secret);
    lock.lock();
    if (!verified) {
      const auto& e = verified.error();
      if (e.awsCode == "IncompleteSignature") return fail(400, "IncompleteSignature", e.message);
      if (e.awsCode == "SignatureDoesNotMatch" && e.message.starts_with("Date in Credential")) {
        return fail(403, "SignatureDoesNotMatch", e.message);
      }
      // EC2 answers a wrong secret with AuthFailure rather than SignatureDoesNotMatch.
      return fail(401, "AuthFailure",
                  "AWS was not able to validate the provided access credentials");
    }
  } else if (auth) {
    if (const auto session = sessions_.find(auth->accessKeyId); session != sessions_.end()) {
      allowed = session->second.allowedActions;
    }
  }

  ++calls_[{region, action}];
  *callSeq = logCall(region, action);
  SimResponse response;
  response.delay = latencyFor(region, action);

  std::string garble;  // a post-call fault kind: how to spoil the real answer
  if (auto injected = fireFault(region, action, {}, request, requestId, response, &garble)) {
    return std::move(*injected);
  }

  if (sts) return assumeRole(params, requestId, region, response.delay);

  if (!takeToken(region, action)) {
    auto throttled =
        ec2Error(503, "RequestLimitExceeded", "Request limit exceeded.", requestId, region, action);
    throttled.delay = response.delay;
    return throttled;
  }

  if (!actionAllowed(allowed, action)) {
    auto denied = ec2Error(
        403, "UnauthorizedOperation",
        fmt::format(
            "You are not authorized to perform this operation. User: arn:aws:iam::{}:user/{} "
            "is not authorized to perform: ec2:{}",
            topology_.accountId, auth ? auth->accessKeyId : "anonymous", action),
        requestId, region, action);
    denied.delay = response.delay;
    return denied;
  }

  const Ec2Params ec2Params(std::move(params));
  SimRegion empty;
  empty.name = region;
  auto regionIt = topology_.regions.find(region);
  SimRegion& simRegion = regionIt == topology_.regions.end() ? empty : regionIt->second;
  Ec2Call call{topology_, simRegion, ec2Params, action};
  auto result = runEc2Action(call);
  if (!result) {
    auto failed = ec2Error(result.error().status, result.error().code, result.error().message,
                           requestId, region, action);
    failed.delay = response.delay;
    failed.disposition =
        garble == "reset_after" ? SimResponse::Disposition::kReset : response.disposition;
    failed.stall = response.stall;
    return failed;
  }
  response.body = ec2SuccessXml(action, requestId, *result);
  if (garble == "reset_after") {
    // Carried out, but the answer is lost: a retried write meets its own effect.
    response.disposition = SimResponse::Disposition::kReset;
  } else if (!garble.empty()) {
    spoil(response.body, garble);
  }
  return response;
}

std::string SimState::imdsTokenMac(std::string_view node, std::string_view payload) const {
  return aws::sigv4::sha256Hex(fmt::format("tgwark-sim imds {} {} {} {}", options_.seed,
                                           imdsTokenGeneration_, node, payload))
      .substr(0, kImdsTokenMacDigits);
}

SimResponse SimState::assumeRole(const std::map<std::string, std::string>& params,
                                 const std::string& requestId, const std::string& region,
                                 Millis delay) {
  const auto arn = params.find("RoleArn");
  const auto slash = arn == params.end() ? std::string::npos : arn->second.rfind(":role/");
  const std::string name = slash == std::string::npos ? "" : arn->second.substr(slash + 6);
  const auto role = topology_.roles.find(name);
  if (role == topology_.roles.end()) {
    auto denied = ec2Error(403, "AccessDenied", "Not authorized to perform sts:AssumeRole",
                           requestId, region, "AssumeRole");
    denied.delay = delay;
    return denied;
  }
  std::chrono::seconds duration{3600};
  if (const auto d = params.find("DurationSeconds"); d != params.end()) {
    duration = std::chrono::seconds{std::strtoll(d->second.c_str(), nullptr, 10)};
  }
  const WallTime now = clock_->now();
  std::string key = "ASIA";
  for (char c : randomHex(16))
    key += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const auto expiration = now + std::chrono::duration_cast<WallTime::duration>(duration);
  // Named "role/NAME" for expireRoleCredentialsAfter.
  sessions_[key] =
      Session{SecretString(randomHex(40)), SecretString("FwoGZXIvYXdzE" + randomHex(180)),
              role->second.allowedActions, expiration, "role/" + name};
  const auto& session = sessions_.at(key);
  SimResponse response;
  response.delay = delay;
  response.contentType = "text/xml";
  response.body = fmt::format(
      R"(<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>{}</AccessKeyId>
      <SecretAccessKey>{}</SecretAccessKey>
      <SessionToken>{}</SessionToken>
      <Expiration>{}</Expiration>
    </Credentials>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::{}:assumed-role/{}/session</Arn>
      <AssumedRoleId>AROA{}:session</AssumedRoleId>
    </AssumedRoleUser>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata>
</AssumeRoleResponse>
)",
      key, session.secret.reveal(), session.token.reveal(), iso8601(expiration),
      topology_.accountId, name, randomHex(16), requestId);
  return response;
}

std::optional<SimResponse> SimState::fireFault(std::string_view region, std::string_view action,
                                               std::string_view imdsPath, const SimRequest& request,
                                               const std::string& requestId, SimResponse& response,
                                               std::string* garble) {
  const bool imds = action == kImdsAction;
  for (auto& fault : faults_) {
    // "*" stands for every EC2 action only: an EC2 outage scenario must not
    // also take away the instance metadata a node identifies itself with.
    const bool actionMatches = imds ? (fault.action == kImdsAction || fault.action == imdsPath)
                                    : matchesRule(fault.action, action);
    if (!matchesRule(fault.region, region) || !actionMatches) continue;
    bool fire = false;
    if (fault.nth > 0) {
      ++fault.seen;
      fire = fault.seen >= fault.nth && fault.fired < fault.count;
    } else {
      fire = std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < fault.probability;
    }
    if (!fire) continue;
    ++fault.fired;
    if (fault.kind == "stall") {
      // Counted, so that a test can tell the stall really happened.
      ++errors_[{std::string(region), std::string(action)}]["(stall)"];
      response.disposition = SimResponse::Disposition::kStall;
      response.stall = Millis{fault.stallMs};
      continue;
    }
    if (!imds) {
      // Answers that are not EC2's: in place of the call, or spoiling its answer.
      if (auto spoiled = notEc2Answer(fault.kind)) {
        ++errors_[{std::string(region), std::string(action)}]["(" + fault.kind + ")"];
        spoiled->delay = response.delay;
        return spoiled;
      }
      if (garble != nullptr && (fault.kind == "truncated" || fault.kind == "no_state" ||
                                fault.kind == "wrong_namespace" || fault.kind == "reset_after")) {
        ++errors_[{std::string(region), std::string(action)}]["(" + fault.kind + ")"];
        *garble = fault.kind;
        continue;
      }
    }
    SimResponse failed;
    failed.delay = response.delay;
    failed.disposition = response.disposition;
    failed.stall = response.stall;
    if (fault.kind == "reset") {
      ++errors_[{std::string(region), std::string(action)}]["(connection reset)"];
      failed.disposition = SimResponse::Disposition::kReset;
      failed.status = 500;
      failed.body = ec2ErrorXml("InternalError", "connection reset", requestId);
      return failed;
    }
    if (fault.kind == "echo-headers") {
      ++errors_[{std::string(region), std::string(action)}]["(echo-headers)"];
      failed.status = 403;
      failed.contentType = "text/html";
      failed.body = echoHeadersPage(request);
      return failed;
    }
    if (imds) {
      // IMDS answers errors as bare text, never as EC2 XML.
      ++errors_[{std::string(region), std::string(action)}][fault.kind];
      failed.status = statusForCode(fault.kind);
      failed.contentType = "text/plain";
      failed.body = fault.kind + "\n";
      return failed;
    }
    SimResponse error = ec2Error(statusForCode(fault.kind), fault.kind, faultMessage(fault.kind),
                                 requestId, region, action);
    error.delay = failed.delay;
    error.disposition = failed.disposition;
    error.stall = failed.stall;
    return error;
  }
  return std::nullopt;
}

SimResponse SimState::handleImds(const SimRequest& request, const SimNode& node,
                                 std::string_view subpath) {
  SimResponse pending;
  std::optional<SimResponse> injected;
  {
    std::lock_guard lock(mu_);
    ++calls_[{"imds", node.name}];
    pending.delay = latencyFor(node.region, kImdsAction);
    // IMDS has no request ids; a fixed one keeps the seeded RNG's sequence
    // for the faults and latencies that draw from it.
    static const std::string kNoRequestId = "00000000-0000-0000-0000-000000000000";
    injected = fireFault(node.region, kImdsAction, subpath, request, kNoRequestId, pending);
  }
  if (injected) return std::move(*injected);
  SimResponse response = serveImds(request, node, subpath);
  response.delay = pending.delay;
  if (pending.disposition == SimResponse::Disposition::kStall) {
    response.disposition = pending.disposition;
    response.stall = pending.stall;
  }
  return response;
}

SimResponse SimState::serveImds(const SimRequest& request, const SimNode& nodeRef,
                                std::string_view subpath) {
  const SimNode* node = &nodeRef;
  std::lock_guard lock(mu_);
  auto text = [](int status, std::string body) {
    SimResponse response;
    response.status = status;
    response.contentType = "text/plain";
    response.body = std::move(body);
    return response;
  };
  if (subpath == "api/token") {
    if (request.method != "PUT") return text(405, "Method Not Allowed\n");
    if (!headerValue(request, "X-Forwarded-For").empty()) return text(403, "Forbidden\n");
    const std::string_view ttlText = headerValue(request, "X-aws-ec2-metadata-token-ttl-seconds");
    int ttl = 0;
    const auto [ptr, ec] = std::from_chars(ttlText.data(), ttlText.data() + ttlText.size(), ttl);
    if (ttlText.empty() || ec != std::errc{} || ptr != ttlText.data() + ttlText.size() || ttl < 1 ||
        ttl > 21600) {
      return text(400, "Bad Request\n");
    }
    // Self-validating, as IMDS's own tokens are: nothing is stored per token,
    // so a long-running emulator does not grow with every client.
    const std::string nonce = randomHex(16);
    const std::string expiry = fmt::format(
        "{:016x}",
        static_cast<std::uint64_t>(
            (clock_->monotonic() + std::chrono::seconds(ttl)).time_since_epoch().count()));
    const std::string token = "AQAEA" + nonce + expiry + imdsTokenMac(node->name, nonce + expiry);
    auto response = text(200, token);
    response.headers.emplace_back("X-aws-ec2-metadata-token-ttl-seconds", std::to_string(ttl));
    return response;
  }
  if (request.method != "GET") return text(405, "Method Not Allowed\n");
  const std::string token(headerValue(request, "X-aws-ec2-metadata-token"));
  std::uint64_t expiry = 0;
  const bool shaped =
      token.size() == 5 + 16 + 16 + kImdsTokenMacDigits && token.starts_with("AQAEA") &&
      std::from_chars(token.data() + 21, token.data() + 37, expiry, 16).ec == std::errc{};
  if (!shaped || token.substr(37) != imdsTokenMac(node->name, token.substr(5, 32)) ||
      static_cast<std::uint64_t>(clock_->monotonic().time_since_epoch().count()) >= expiry) {
    return text(401, "Unauthorized\n");
  }

  const auto region = topology_.regions.find(node->region);
  const SimEni* eni = nullptr;
  if (region != topology_.regions.end()) {
    if (const auto it = region->second.enis.find(node->eniId); it != region->second.enis.end())
      eni = &it->second;
  }
  const std::string mac = eni ? eni->mac : "";
  const std::string macPrefix = "meta-data/network/interfaces/macs/" + mac + "/";

  if (subpath == "meta-data/" || subpath == "meta-data") {
    return text(
        200,
        "ami-id\navailability-zone\niam/\ninstance-id\nlocal-ipv4\nmac\nnetwork/\nplacement/\n");
  }
  if (subpath == "meta-data/instance-id") return text(200, node->instanceId);
  if (subpath == "meta-data/ami-id") return text(200, "ami-0123456789abcdef0");
  if (subpath == "meta-data/placement/region") return text(200, node->region);
  if (subpath == "meta-data/placement/availability-zone") return text(200, node->availabilityZone);
  if (subpath == "meta-data/placement/") return text(200, "availability-zone\nregion\n");
  if (eni != nullptr) {
    if (subpath == "meta-data/mac") return text(200, mac);
    if (subpath == "meta-data/local-ipv4") return text(200, eni->privateIp);
    if (subpath == "meta-data/network/interfaces/macs/" ||
        subpath == "meta-data/network/interfaces/macs") {
      return text(200, mac + "/");
    }
    if (subpath == macPrefix)
      return text(200, "device-number\ninterface-id\nlocal-ipv4s\nmac\nsubnet-id\nvpc-id\n");
    if (subpath == macPrefix + "interface-id") return text(200, eni->id);
    if (subpath == macPrefix + "vpc-id") return text(200, eni->vpcId);
    if (subpath == macPrefix + "subnet-id" && !eni->subnetId.empty())
      return text(200, eni->subnetId);
    if (subpath == macPrefix + "local-ipv4s") return text(200, eni->privateIp);
    if (subpath == macPrefix + "mac") return text(200, mac);
    if (subpath == macPrefix + "device-number") return text(200, "0");
  }
  if (subpath == "dynamic/instance-identity/document") {
    auto response =
        text(200, fmt::format(R"({{
  "accountId" : "{}",
  "architecture" : "x86_64",
  "availabilityZone" : "{}",
  "imageId" : "ami-0123456789abcdef0",
  "instanceId" : "{}",
  "instanceType" : "t3.micro",
  "privateIp" : "{}",
  "region" : "{}",
  "version" : "2017-09-30"
}})",
                              topology_.accountId, node->availabilityZone, node->instanceId,
                              eni ? eni->privateIp : "", node->region));
    response.contentType = "application/json";
    return response;
  }
  if (!node->role.empty()) {
    if (subpath == "meta-data/iam/") return text(200, "info\nsecurity-credentials/\n");
    if (subpath == "meta-data/iam/security-credentials/" ||
        subpath == "meta-data/iam/security-credentials") {
      return text(200, node->role);
    }
    if (subpath == "meta-data/iam/info") {
      return text(
          200,
          fmt::format(
              R"({{"Code":"Success","LastUpdated":"{}","InstanceProfileArn":"arn:aws:iam::{}:instance-profile/{}","InstanceProfileId":"AIPA{}"}})",
              iso8601(clock_->now()), topology_.accountId, node->role, randomHex(16)));
    }
    if (subpath == "meta-data/iam/security-credentials/" + node->role) {
      const WallTime now = clock_->now();
      auto& current = imdsCredentials_[node->name];
      const auto lifetime =
          std::chrono::duration_cast<WallTime::duration>(options_.roleCredentialLifetime);
      // Rotate halfway through the lifetime, like EC2; earlier keys stay valid until they expire.
      // An expired session (expireRoleCredentialsAfter) is replaced at once.
      const auto issued = sessions_.find(current.accessKeyId);
      const bool expired = issued != sessions_.end() && issued->second.expiration &&
                           now >= *issued->second.expiration;
      if (current.accessKeyId.empty() || expired || now >= current.issued + lifetime / 2) {
        std::string key = "ASIA";
        for (char c : randomHex(16))
          key += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        current = ImdsCredentials{key, now, now + lifetime};
        const auto role = topology_.roles.find(node->role);
        sessions_[key] =
            Session{SecretString(randomHex(40)), SecretString("IQoJb3JpZ2luX2VjE" + randomHex(180)),
                    role == topology_.roles.end() ? std::vector<std::string>{}
                                                  : role->second.allowedActions,
                    now + lifetime, node->name};
      }
      const auto& session = sessions_.at(current.accessKeyId);
      auto response = text(
          200, fmt::format(R"({{
  "Code" : "Success",
  "LastUpdated" : "{}",
  "Type" : "AWS-HMAC",
  "AccessKeyId" : "{}",
  "SecretAccessKey" : "{}",
  "Token" : "{}",
  "Expiration" : "{}"
}})",
                           iso8601(current.issued), current.accessKeyId, session.secret.reveal(),
                           session.token.reveal(), iso8601(current.expiration)));
      response.contentType = "application/json";
      return response;
    }
  }
  return text(404, "Not Found\n");
}

}  // namespace tgwark::sim
