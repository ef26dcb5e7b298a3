// CurlHttpClient against a real loopback cpp-httplib server on an ephemeral port.
#include "aws/curl_http_client.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

namespace tgwark::aws {
namespace {

using namespace std::chrono_literals;

class LoopbackServer {
 public:
  LoopbackServer() {
    server_.new_task_queue = [] { return new httplib::ThreadPool(32); };
    server_.set_keep_alive_max_count(1000);
    // Without it Nagle + delayed ACK add ~40 ms to each keep-alive response.
    server_.set_tcp_nodelay(true);
    server_.Get("/hello", [this](const httplib::Request& req, httplib::Response& res) {
      record(req);
      res.set_header("X-Test", "yes");
      res.set_content("hello " + req.get_param_value("who"), "text/plain");
    });
    server_.Post("/echo", [this](const httplib::Request& req, httplib::Response& res) {
      record(req);
      res.set_header("X-Seen-Content-Type", req.get_header_value("Content-Type"));
      res.set_header("X-Seen-Custom", req.get_header_value("X-Custom"));
      res.set_content(req.body, "application/xml");
    });
    server_.Put("/token", [this](const httplib::Request& req, httplib::Response& res) {
      record(req);
      res.set_header("X-Has-Content-Type", req.has_header("Content-Type") ? "yes" : "no");
      res.set_content(req.get_header_value("X-aws-ec2-metadata-token-ttl-seconds"), "text/plain");
    });
    server_.Get(R"(/status/(\d+))", [this](const httplib::Request& req, httplib::Response& res) {
      record(req);
      res.status = std::stoi(req.matches[1]);
      res.set_content("<Response>status</Response>", "text/xml");
    });
    server_.Get("/stall", [this](const httplib::Request& req, httplib::Response& res) {
      record(req);
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return released_; });
      res.set_content("late", "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // httplib 0.11's stop() is a no-op until the accept loop runs (and then
    // join would hang), and it has no wait_until_ready(): wait for that state.
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~LoopbackServer() {
    release();
    server_.stop();
    thread_.join();
  }

  std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }
  void release() {
    {
      std::lock_guard lock(mu_);
      released_ = true;
    }
    cv_.notify_all();
  }
  std::set<int> remotePorts() const {
    std::lock_guard lock(mu_);
    return remotePorts_;
  }
  int requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  void record(const httplib::Request& req) {
    std::lock_guard lock(mu_);
    remotePorts_.insert(req.remote_port);
    ++requests_;
  }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
  std::set<int> remotePorts_;
  int requests_ = 0;
};

TEST(CurlHttpClientTest, GetAndPostRoundTrip) {
  LoopbackServer server;
  CurlHttpClient client;

  HttpRequest get;
  get.url = server.url("/hello?who=world");
  auto got = client.send(get);
  ASSERT_TRUE(got) << got.error().describe();
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->body, "hello world");
  EXPECT_EQ(findHeader(got->headers, "x-test"), "yes");

  HttpRequest post;
  post.method = "POST";
  post.url = server.url("/echo");
  post.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                  {"X-Custom", "v1"}};
  post.body = "Action=DescribeVpcs&Version=2016-11-15";
  auto echoed = client.send(post);
  ASSERT_TRUE(echoed) << echoed.error().describe();
  EXPECT_EQ(echoed->status, 200);
  EXPECT_EQ(echoed->body, post.body);
  EXPECT_EQ(findHeader(echoed->headers, "X-Seen-Content-Type"),
            "application/x-www-form-urlencoded; charset=utf-8");
  EXPECT_EQ(findHeader(echoed->headers, "X-Seen-Custom"), "v1");
}

TEST(CurlHttpClientTest, PutSendsOnlyTheGivenHeaders) {
  LoopbackServer server;
  CurlHttpClient client;
  HttpRequest put;
  put.method = "PUT";
  put.url = server.url("/token");
  put.headers = {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}};
  auto response = client.send(put);
  ASSERT_TRUE(response) << response.error().describe();
  EXPECT_EQ(response->body, "21600");
  EXPECT_EQ(findHeader(response->headers, "X-Has-Content-Type"), "no");
}

TEST(CurlHttpClientTest, StatusCodesArePassedThrough) {
  LoopbackServer server;
  CurlHttpClient client;
  for (int status : {400, 403, 404, 500, 503}) {
    HttpRequest request;
    request.url = server.url("/status/" + std::to_string(status));
    auto response = client.send(request);
    ASSERT_TRUE(response) << status;
    EXPECT_EQ(response->status, status);
    EXPECT_EQ(response->body, "<Response>status</Response>");
  }
}

TEST(CurlHttpClientTest, SequentialRequestsReuseOneConnection) {
  LoopbackServer server;
  CurlHttpClient client;
  for (int i = 0; i < 6; ++i) {
    HttpRequest request;
    request.url = server.url("/hello?who=" + std::to_string(i));
    auto response = client.send(request);
    ASSERT_TRUE(response) << response.error().describe();
    EXPECT_EQ(response->body, "hello " + std::to_string(i));
  }
  EXPECT_EQ(server.requests(), 6);
  EXPECT_EQ(server.remotePorts().size(), 1u);
}

TEST(CurlHttpClientTest, ConcurrentRequestsFromManyThreads) {
  LoopbackServer server;
  CurlHttpClient client;
  // httplib 0.11 listens with a backlog of 5: more simultaneous connects than
  // that get their SYN dropped and retried a second later (slow, not wrong).
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20;
  std::mutex mu;
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        HttpRequest request;
        request.method = "POST";
        request.url = server.url("/echo");
        request.body = "thread=" + std::to_string(t) + "&i=" + std::to_string(i);
        auto response = client.send(request);
        if (!response || response->body != request.body) {
          std::lock_guard lock(mu);
          failures.push_back(response ? "wrong body: " + response->body
                                      : response.error().describe());
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_TRUE(failures.empty()) << failures.front();
  EXPECT_EQ(server.requests(), kThreads * kPerThread);
  // Pooled handles keep their connections: far fewer than one per request.
  EXPECT_LE(server.remotePorts().size(), static_cast<std::size_t>(kThreads));
}

TEST(CurlHttpClientTest, StalledServerTimesOutAsRetryable) {
  LoopbackServer server;
  CurlHttpClient client;
  HttpRequest request;
  request.url = server.url("/stall");
  request.timeout = 200ms;
  auto response = client.send(request);
  server.release();
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().category, ErrorCategory::kRetryable);
  EXPECT_EQ(response.error().awsCode, kTransportTimeoutCode);
  EXPECT_EQ(response.error().httpStatus, 0);
}

TEST(CurlHttpClientTest, ConnectionRefusedIsRetryable) {
  // A bound but not listening socket: connecting to its port is refused, and
  // holding it keeps anyone else from taking the port meanwhile.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  int port = ntohs(addr.sin_port);

  CurlHttpClient client;
  HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(port) + "/";
  request.headers = {{"Authorization", "AWS4-HMAC-SHA256 Credential=AKID/secret-looking"}};
  auto response = client.send(request);
  ::close(fd);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().category, ErrorCategory::kRetryable);
  EXPECT_EQ(response.error().awsCode, kTransportConnectCode);
  EXPECT_NE(response.error().message.find("127.0.0.1"), std::string::npos);
  // Request headers never leak into errors.
  EXPECT_EQ(response.error().message.find("AWS4-HMAC"), std::string::npos);
}

TEST(CurlHttpClientTest, CaBundleComesFromTheEnvironment) {
  std::map<std::string, std::string> vars{{"AWS_CA_BUNDLE", "/etc/custom/ca.pem"}};
  EnvLookup env = [&](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  EXPECT_EQ(curlOptionsFromEnvironment(env).caBundle, "/etc/custom/ca.pem");
  vars.clear();
  EXPECT_TRUE(curlOptionsFromEnvironment(env).caBundle.empty());
}

}  // namespace
}  // namespace tgwark::aws
