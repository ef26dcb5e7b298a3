// Test double for aws::HttpClient: records every request and answers from a
// script (a queue of responses or errors, or a handler function). Thread-safe.
#pragma once

#include <deque>
#include <functional>
#include <mutex>
#include <utility>
#include <vector>

#include "aws/http_client.h"

namespace tgwark::testing {

class FakeHttpClient : public aws::HttpClient {
 public:
  using Handler = std::function<Result<aws::HttpResponse>(const aws::HttpRequest&)>;

  // Queue a response (or error) for the next unanswered request.
  void enqueue(int status, std::string body, aws::Headers headers = {}) {
    std::lock_guard lock(mu_);
    script_.push_back(aws::HttpResponse{status, std::move(headers), std::move(body)});
  }
  void enqueueError(Error error) {
    std::lock_guard lock(mu_);
    script_.push_back(std::unexpected(std::move(error)));
  }
  // Used when the script queue is empty.
  void setHandler(Handler handler) {
    std::lock_guard lock(mu_);
    handler_ = std::move(handler);
  }

  Result<aws::HttpResponse> send(const aws::HttpRequest& request) override {
    Handler handler;
    {
      std::lock_guard lock(mu_);
      requests_.push_back(request);
      if (!script_.empty()) {
        auto next = std::move(script_.front());
        script_.pop_front();
        return next;
      }
      handler = handler_;
    }
    if (handler) return handler(request);
    return makeError(ErrorCategory::kInternal, "FakeHttpClient: no scripted response for " +
                                                   request.method + " " + request.url);
  }

  std::vector<aws::HttpRequest> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  std::size_t requestCount() const {
    std::lock_guard lock(mu_);
    return requests_.size();
  }
  aws::HttpRequest lastRequest() const {
    std::lock_guard lock(mu_);
    return requests_.empty() ? aws::HttpRequest{} : requests_.back();
  }

 private:
  mutable std::mutex mu_;
  std::deque<Result<aws::HttpResponse>> script_;
  std::vector<aws::HttpRequest> requests_;
  Handler handler_;
};

}  // namespace tgwark::testing
