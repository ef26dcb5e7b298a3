#include "aws/curl_http_client.h"

#include <strings.h>

#include <algorithm>
#include <array>
#include <mutex>
#include <vector>

#include <curl/curl.h>
#include <fmt/format.h>

namespace tgwark::aws {
namespace {

// curl_global_init is not thread-safe; do it once for the process.
void globalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlSlist {
  curl_slist* list = nullptr;
  ~CurlSlist() { curl_slist_free_all(list); }
  bool append(const std::string& line) {
    curl_slist* next = curl_slist_append(list, line.c_str());
    if (next == nullptr) return false;
    list = next;
    return true;
  }
};

struct ResponseSink {
  HttpResponse response;
  std::size_t limit = 0;
  bool overflow = false;
};

size_t onBody(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<ResponseSink*>(user);
  size_t bytes = size * count;
  if (sink->response.body.size() + bytes > sink->limit) {
    sink->overflow = true;
    return 0;  // makes curl fail the transfer with CURLE_WRITE_ERROR
  }
  sink->response.body.append(data, bytes);
  return bytes;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

size_t onHeader(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<ResponseSink*>(user);
  size_t bytes = size * count;
  std::string_view line(data, bytes);
  if (line.starts_with("HTTP/")) {
    // A new status line (after 100-continue or a proxy CONNECT): only the
    // final response's headers count.
    sink->response.headers.clear();
    return bytes;
  }
  std::size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    sink->response.headers.emplace_back(std::string(trim(line.substr(0, colon))),
                                        std::string(trim(line.substr(colon + 1))));
  }
  return bytes;
}

}  // namespace

CurlHttpClientOptions curlOptionsFromEnvironment(const EnvLookup& env) {
  CurlHttpClientOptions options;
  if (env) options.caBundle = env("AWS_CA_BUNDLE").value_or(std::string{});
  return options;
}

struct CurlHttpClient::Impl {
  CurlHttpClientOptions options;
  CURLSH* share = nullptr;
  // One mutex per curl_lock_data kind, as the share interface asks.
  std::array<std::mutex, CURL_LOCK_DATA_LAST> shareLocks;
  std::mutex poolMu;
  std::vector<CURL*> idle;

  static void lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<Impl*>(user)->shareLocks[data].lock();
  }
  static void unlock(CURL*, curl_lock_data data, void* user) {
    static_cast<Impl*>(user)->shareLocks[data].unlock();
  }

  CURL* borrow() {
    {
      std::lock_guard guard(poolMu);
      if (!idle.empty()) {
        // LIFO: the most recently used handle most likely has a live connection.
        CURL* handle = idle.back();
        idle.pop_back();
        return handle;
      }
    }
    return curl_easy_init();
  }

  void giveBack(CURL* handle, bool reusable) {
    if (reusable) {
      std::lock_guard guard(poolMu);
      if (idle.size() < options.maxIdleHandles) {
        idle.push_back(handle);
        return;
      }
    }
    curl_easy_cleanup(handle);
  }
};

CurlHttpClient::CurlHttpClient(CurlHttpClientOptions options) : impl_(std::make_unique<Impl>()) {
  globalInit();
  impl_->options = std::move(options);
  impl_->share = curl_share_init();
  if (impl_->share != nullptr) {
    curl_share_setopt(impl_->share, CURLSHOPT_LOCKFUNC, &Impl::lock);
    curl_share_setopt(impl_->share, CURLSHOPT_UNLOCKFUNC, &Impl::unlock);
    curl_share_setopt(impl_->share, CURLSHOPT_USERDATA, impl_.get());
    // Connections are not shared: libcurl does not support sharing its
    // connection cache between concurrent threads; the handle pool gives reuse.
    curl_share_setopt(impl_->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(impl_->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  }
}

CurlHttpClient::~CurlHttpClient() {
  for (CURL* handle : impl_->idle) curl_easy_cleanup(handle);
  impl_->idle.clear();
  if (impl_->share != nullptr) curl_share_cleanup(impl_->share);
}

Result<HttpResponse> CurlHttpClient::send(const HttpRequest& request) {
  const CurlHttpClientOptions& options = impl_->options;
  CURL* curl = impl_->borrow();
  if (curl == nullptr) {
    return makeError(ErrorCategory::kInternal, "curl_easy_init failed");
  }
  // Reset keeps the handle's connection cache; every option is set afresh.
  curl_easy_reset(curl);

  ResponseSink sink;
  sink.limit = options.maxResponseBytes;
  CurlSlist headers;
  bool hasContentType = false;
  bool hasUserAgent = false;
  for (const auto& [name, value] : request.headers) {
    // "Name;" is curl's syntax for a header with an empty value.
    headers.append(value.empty() ? name + ";" : name + ": " + value);
    if (strcasecmp(name.c_str(), "content-type") == 0) hasContentType = true;
    if (strcasecmp(name.c_str(), "user-agent") == 0) hasUserAgent = true;
  }
  // Send exactly the headers given (they may be signed): no implicit
  // form content type, no Expect: 100-continue round trip.
  if (!hasContentType) headers.append("Content-Type:");
  headers.append("Expect:");

  auto timeout = request.timeout.count() > 0 ? request.timeout : options.requestTimeout;
  auto connectTimeout = std::min(options.connectTimeout, timeout);

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connectTimeout.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options.caBundle.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options.caBundle.c_str());
  if (impl_->share != nullptr) curl_easy_setopt(curl, CURLOPT_SHARE, impl_->share);
  if (!hasUserAgent) curl_easy_setopt(curl, CURLOPT_USERAGENT, options.userAgent.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &onBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &onHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &sink);

  if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    if (request.method != "POST") {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
  }

  char errorBuffer[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errorBuffer);
  CURLcode code = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  // The handle points at stack buffers; detach them before pooling it.
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  // After a failed transfer curl has closed the broken connection itself;
  // the handle stays usable.
  impl_->giveBack(curl, true);

  if (code != CURLE_OK) {
    std::string detail = errorBuffer[0] != '\0' ? errorBuffer : curl_easy_strerror(code);
    // The URL carries no secrets (signatures go in headers); the path part
    // is dropped anyway to keep messages short.
    std::string where = request.url.substr(0, request.url.find('/', request.url.find("//") + 2));
    if (sink.overflow) {
      return makeError(ErrorCategory::kInvalid,
                       fmt::format("{} {}: response larger than {} bytes", request.method, where,
                                   options.maxResponseBytes));
    }
    bool timedOut = code == CURLE_OPERATION_TIMEDOUT;
    std::string_view awsCode = timedOut                        ? kTransportTimeoutCode
                               : code == CURLE_COULDNT_CONNECT ? kTransportConnectCode
                                                               : kTransportErrorCode;
    return makeError(ErrorCategory::kRetryable,
                     fmt::format("{} {} failed: {}{}", request.method, where, detail,
                                 timedOut ? fmt::format(" (timeout {} ms)", timeout.count()) : ""),
                     std::string(awsCode));
  }
  sink.response.status = static_cast<int>(status);
  return std::move(sink.response);
}

}  // namespace tgwark::aws
