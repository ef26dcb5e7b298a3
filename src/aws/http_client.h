// The HTTP seam. Everything that talks to AWS (EC2, STS, instance metadata)
// goes through HttpClient, so tests substitute a fake that records requests
// and scripts responses, and production uses libcurl (curl_http_client.h).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace tgwark::aws {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Error::awsCode of transport failures (no HTTP response at all), so retries
// can charge timeouts more and metrics can count them by kind. They never come
// from AWS itself; the "Transport." prefix keeps them apart from AWS codes.
inline constexpr std::string_view kTransportTimeoutCode = "Transport.Timeout";
inline constexpr std::string_view kTransportErrorCode = "Transport.Error";
// Nothing accepted the connection (refused, no route): for the instance
// metadata address this means "not an EC2 instance", not "try again".
inline constexpr std::string_view kTransportConnectCode = "Transport.ConnectFailed";
// Error::awsCode of an HTTP answer that is not an AWS answer at all: a
// proxy's HTML page, a truncated or empty body, another XML namespace, a
// document lacking fields EC2 always sends, a redirect, a 404 without an AWS
// error body. It says nothing about the resources asked for, so it is
// transient (kRetryable): retried within the deadline, never evidence.
inline constexpr std::string_view kUnparseableAnswerCode = "Response.Unparseable";

// Case-insensitive lookup of the first header with this name; empty if absent.
std::string_view findHeader(const Headers& headers, std::string_view name);

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // absolute: scheme://host[:port]/path[?query]
  Headers headers;
  std::string body;
  // Whole-request timeout for this attempt; zero means the client's default.
  std::chrono::milliseconds timeout{0};
};

struct HttpResponse {
  int status = 0;
  Headers headers;
  std::string body;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Sends one request and waits for the whole response. Thread-safe: the
  // engine calls it from many threads at once. Transport failures (DNS,
  // connect, reset, timeout) come back as kRetryable errors; any HTTP status,
  // including 4xx/5xx, is a successful HttpResponse.
  virtual Result<HttpResponse> send(const HttpRequest& request) = 0;
};

}  // namespace tgwark::aws
