// The auth stack over real HTTP: ImdsClient + the instance-role provider and
// STS AssumeRole through CurlHttpClient against a loopback cpp-httplib server
// (port 0). The STS server checks each request with sigv4::verify, so this
// proves that what the signer puts on the wire survives curl and a real HTTP
// parser.
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include "aws/credentials_imds.h"
#include "aws/curl_http_client.h"
#include "aws/imds_client.h"
#include "aws/iso8601.h"
#include "aws/sigv4.h"
#include "aws/sts.h"

namespace tgwark::aws {
namespace {

EnvLookup noEnv() {
  return [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
}

class AuthServer {
 public:
  explicit AuthServer(std::shared_ptr<Clock> clock) : clock_(std::move(clock)) {
    const std::string prefix = "/_node/node-a";
    server_.Put(prefix + "/latest/api/token",
                [this](const httplib::Request& req, httplib::Response& res) {
                  std::lock_guard lock(mu_);
                  ttlSeen_ = req.get_header_value("X-aws-ec2-metadata-token-ttl-seconds");
                  res.set_content("live-token", "text/plain");
                });
    server_.Get(prefix + R"(/latest/meta-data/(.*))", [this](const httplib::Request& req,
                                                             httplib::Response& res) {
      if (req.get_header_value("X-aws-ec2-metadata-token") != "live-token") {
        res.status = 401;
        return;
      }
      const std::string path = req.matches[1];
      if (path == "instance-id") {
        res.set_content("i-0123456789abcdef0", "text/plain");
      } else if (path == "iam/security-credentials/") {
        res.set_content("node-role", "text/plain");
      } else if (path == "iam/security-credentials/node-role") {
        res.set_content(
            fmt::format(R"({{"Code":"Success","AccessKeyId":"ASIALIVE","SecretAccessKey":"live-)"
                        R"(secret","Token":"live-session","Expiration":"{}"}})",
                        formatIso8601(clock_->now() + std::chrono::hours(6))),
            "application/json");
      } else {
        res.status = 404;
      }
    });
    server_.Post("/", [this](const httplib::Request& req, httplib::Response& res) {
      HttpRequest received;
      received.method = req.method;
      received.url = req.target;  // raw, as on the wire
      for (const auto& [name, value] : req.headers) {
        // httplib adds these itself; they were never sent.
        if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
            name == "LOCAL_PORT") {
          continue;
        }
        received.headers.emplace_back(name, value);
      }
      received.body = req.body;
      auto verified = sigv4::verify(received, SecretString("live-secret"));
      {
        std::lock_guard lock(mu_);
        stsVerified_ = verified.has_value();
        stsBody_ = req.body;
      }
      if (!verified) {
        res.status = 403;
        res.set_content(fmt::format("<ErrorResponse><Error><Code>{}</Code><Message>{}</Message>"
                                    "</Error><RequestId>live</RequestId></ErrorResponse>",
                                    verified.error().awsCode, "signature rejected"),
                        "text/xml");
        return;
      }
      res.set_content(fmt::format("<AssumeRoleResponse><AssumeRoleResult><Credentials>"
                                  "<AccessKeyId>ASIAROLE</AccessKeyId>"
                                  "<SecretAccessKey>role-secret</SecretAccessKey>"
                                  "<SessionToken>role-token</SessionToken>"
                                  "<Expiration>{}</Expiration></Credentials></AssumeRoleResult>"
                                  "</AssumeRoleResponse>",
                                  formatIso8601(clock_->now() + std::chrono::hours(1))),
                      "text/xml");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~AuthServer() {
    server_.stop();
    thread_.join();
  }
  std::string base() const { return fmt::format("http://127.0.0.1:{}", port_); }
  std::string ttlSeen() {
    std::lock_guard lock(mu_);
    return ttlSeen_;
  }
  bool stsVerified() {
    std::lock_guard lock(mu_);
    return stsVerified_;
  }

 private:
  std::shared_ptr<Clock> clock_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::string ttlSeen_;
  bool stsVerified_ = false;
  std::string stsBody_;
};

TEST(AuthLive, ImdsOverLoopbackWithPathPrefix) {
  auto clock = SystemClock::instance();
  AuthServer server(clock);
  auto http = std::make_shared<CurlHttpClient>();
  ImdsOptions options;
  options.endpoint = server.base() + "/_node/node-a";
  auto imds = std::make_shared<ImdsClient>(http, clock, options);
  auto id = imds->instanceId();
  ASSERT_TRUE(id.has_value()) << id.error().describe();
  EXPECT_EQ(*id, "i-0123456789abcdef0");
  EXPECT_EQ(server.ttlSeen(), "21600");

  ImdsCredentialsProvider provider(imds, noEnv());
  auto creds = provider.getCredentials();
  ASSERT_TRUE(creds.has_value()) << creds.error().describe();
  EXPECT_EQ(creds->accessKeyId, "ASIALIVE");
  EXPECT_TRUE(creds->sessionToken == SecretString("live-session"));
}

TEST(AuthLive, StsRequestVerifiesServerSide) {
  auto clock = SystemClock::instance();
  AuthServer server(clock);
  auto http = std::make_shared<CurlHttpClient>();
  Credentials source;
  source.accessKeyId = "AKIDLIVE";
  source.secretAccessKey = SecretString("live-secret");
  source.sessionToken = SecretString("source-session");
  AssumeRoleOptions options;
  options.roleArn = "arn:aws:iam::111122223333:role/tgw-routes";
  options.region = "us-west-2";
  options.endpointUrl = server.base();
  auto creds = assumeRole(*http, source, options, noEnv(), clock->now());
  ASSERT_TRUE(creds.has_value()) << creds.error().describe();
  EXPECT_TRUE(server.stsVerified());
  EXPECT_EQ(creds->accessKeyId, "ASIAROLE");

  source.secretAccessKey = SecretString("wrong-secret");
  auto rejected = assumeRole(*http, source, options, noEnv(), clock->now());
  ASSERT_FALSE(rejected.has_value());
  EXPECT_EQ(rejected.error().awsCode, "SignatureDoesNotMatch");
  EXPECT_EQ(rejected.error().category, ErrorCategory::kPermission);
}

TEST(AuthLive, NoMetadataServiceFailsAsRetryable) {
  // A port nobody serves: the connection is refused, or accepted by the
  // closed probe's lingering backlog and never answered (the 1 s timeout).
  int port = 0;
  {
    httplib::Server probe;
    port = probe.bind_to_any_port("127.0.0.1");
  }
  auto http = std::make_shared<CurlHttpClient>();
  ImdsOptions options;
  options.endpoint = fmt::format("http://127.0.0.1:{}", port);
  ImdsClient imds(http, SystemClock::instance(), options);
  auto id = imds.instanceId();
  ASSERT_FALSE(id.has_value());
  EXPECT_EQ(id.error().category, ErrorCategory::kRetryable);
}

}  // namespace
}  // namespace tgwark::aws
