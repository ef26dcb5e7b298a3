// The production HttpClient, over libcurl. Thread-safe: each request borrows
// an easy handle from a pool and returns it afterwards, so sequential requests
// to the same endpoint reuse the handle's open keep-alive connection, and
// concurrent requests each get their own handle. DNS and TLS sessions are
// shared between handles through a locked CURLSH.
//
// Proxy: nothing here sets CURLOPT_PROXY, so libcurl's own environment
// handling applies: https_proxy / HTTPS_PROXY for https URLs, http_proxy
// (lower case only, as libcurl ignores HTTP_PROXY) for http URLs, and
// no_proxy / NO_PROXY exclusions. TLS peer and host verification are always
// on; there is deliberately no option to turn them off. AWS_CA_BUNDLE maps to
// CurlHttpClientOptions::caBundle (see curlOptionsFromEnvironment).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "aws/endpoints.h"
#include "aws/http_client.h"

namespace tgwark::aws {

struct CurlHttpClientOptions {
  std::chrono::milliseconds connectTimeout{3000};
  // Whole-request timeout used when HttpRequest::timeout is zero.
  std::chrono::milliseconds requestTimeout{30000};
  // CA bundle file (AWS_CA_BUNDLE); empty = the system store.
  std::string caBundle;
  // Idle handles (and so idle connections) kept for reuse.
  std::size_t maxIdleHandles = 32;
  // Responses larger than this fail rather than exhaust memory.
  std::size_t maxResponseBytes = 64u << 20;
  std::string userAgent = "tgwark/0.1";
};

// Options with caBundle taken from AWS_CA_BUNDLE.
CurlHttpClientOptions curlOptionsFromEnvironment(const EnvLookup& env);

class CurlHttpClient final : public HttpClient {
 public:
  explicit CurlHttpClient(CurlHttpClientOptions options = {});
  ~CurlHttpClient() override;
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  // Transport failures return kRetryable with awsCode kTransportTimeoutCode,
  // kTransportConnectCode or kTransportErrorCode and curl's message; request headers and bodies are
  // never logged or copied into errors (they carry signatures and tokens).
  Result<HttpResponse> send(const HttpRequest& request) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tgwark::aws
