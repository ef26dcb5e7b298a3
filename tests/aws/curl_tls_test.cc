// TLS is always verified: CurlHttpClient against a real loopback HTTPS server
// (cpp-httplib's SSLServer) with self-signed certificates made by openssl at
// test time. Trusting the certificate through the CA bundle (AWS_CA_BUNDLE)
// works; an untrusted certificate, a wrong host name or an unreadable CA
// bundle is refused.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include "aws/curl_http_client.h"

namespace tgwark::aws {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class TlsServer {
 public:
  TlsServer(const fs::path& cert, const fs::path& key) : server_(cert.c_str(), key.c_str()) {
    server_.Get("/hello", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("hello over tls", "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~TlsServer() {
    server_.stop();
    thread_.join();
  }
  bool valid() const { return server_.is_valid() && port_ > 0; }
  std::string url(const std::string& host) const {
    return "https://" + host + ":" + std::to_string(port_) + "/hello";
  }

 private:
  httplib::SSLServer server_;
  int port_ = 0;
  std::thread thread_;
};

class CurlTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tgwark-tls-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    makeCert("good", "subjectAltName=IP:127.0.0.1,DNS:localhost");
    makeCert("wronghost", "subjectAltName=DNS:wrong.invalid");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void makeCert(const std::string& name, const std::string& san) {
    std::string cmd =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=tgwark-test"
        " -addext '" +
        san + "' -keyout " + (dir_ / (name + ".key")).string() + " -out " +
        (dir_ / (name + ".pem")).string() + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  fs::path pem(const std::string& name) const { return dir_ / (name + ".pem"); }
  fs::path key(const std::string& name) const { return dir_ / (name + ".key"); }

  static Result<HttpResponse> get(const std::string& url, const std::string& caBundle) {
    CurlHttpClientOptions options;
    options.caBundle = caBundle;
    CurlHttpClient client(options);
    HttpRequest request;
    request.url = url;
    return client.send(request);
  }

  fs::path dir_;
};

TEST_F(CurlTlsTest, TrustedThroughTheCaBundleSucceeds) {
  TlsServer server(pem("good"), key("good"));
  ASSERT_TRUE(server.valid());
  auto response = get(server.url("127.0.0.1"), pem("good").string());
  ASSERT_TRUE(response) << response.error().describe();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "hello over tls");
}

TEST_F(CurlTlsTest, UntrustedCertificateIsRefused) {
  TlsServer server(pem("good"), key("good"));
  ASSERT_TRUE(server.valid());
  // The system trust store does not know our self-signed certificate.
  auto response = get(server.url("127.0.0.1"), "");
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().httpStatus, 0);
  EXPECT_THAT(response.error().message, HasSubstr("certificate"));
}

TEST_F(CurlTlsTest, CertificateForAnotherHostIsRefusedEvenWhenTrusted) {
  TlsServer server(pem("wronghost"), key("wronghost"));
  ASSERT_TRUE(server.valid());
  auto response = get(server.url("127.0.0.1"), pem("wronghost").string());
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().httpStatus, 0);
}

// A CA bundle that cannot be read must fail the handshake, not turn
// verification off: the same server succeeds once its certificate is trusted,
// so only verification can be what refuses it.
TEST_F(CurlTlsTest, MissingCaBundleFailsTlsInsteadOfSkippingVerification) {
  TlsServer server(pem("good"), key("good"));
  ASSERT_TRUE(server.valid());
  ASSERT_TRUE(get(server.url("127.0.0.1"), pem("good").string()));
  auto response = get(server.url("127.0.0.1"), (dir_ / "no-such-ca-bundle.pem").string());
  ASSERT_FALSE(response) << "got HTTP " << response->status << " without a usable CA bundle";
  EXPECT_EQ(response.error().httpStatus, 0);
  EXPECT_EQ(response.error().category, ErrorCategory::kRetryable);
}

}  // namespace
}  // namespace tgwark::aws
