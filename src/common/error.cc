#include "common/error.h"

#include <fmt/format.h>

namespace tgwark {

std::string_view categoryName(ErrorCategory category) {
  switch (category) {
    case ErrorCategory::kRetryable: return "retryable";
    case ErrorCategory::kThrottled: return "throttled";
    case ErrorCategory::kNotFound: return "not-found";
    case ErrorCategory::kPermission: return "permission";
    case ErrorCategory::kInvalid: return "invalid";
    case ErrorCategory::kConflict: return "conflict";
    case ErrorCategory::kStale: return "stale";
    case ErrorCategory::kInvalidConfig: return "invalid-config";
    case ErrorCategory::kDeadlineExceeded: return "deadline-exceeded";
    case ErrorCategory::kInternal: return "internal";
  }
  return "unknown";
}

std::string Error::describe() const {
  std::string out = fmt::format("{}: {}", categoryName(category), message);
  std::string details;
  auto add = [&details](std::string_view key, std::string_view value) {
    if (value.empty()) return;
    details += details.empty() ? "" : ", ";
    details += fmt::format("{}={}", key, value);
  };
  add("code", awsCode);
  add("request-id", requestId);
  if (httpStatus != 0) add("http", std::to_string(httpStatus));
  if (!details.empty()) out += fmt::format(" ({})", details);
  return out;
}

Error withContext(Error error, std::string_view context) {
  error.message = fmt::format("{}: {}", context, error.message);
  return error;
}

}  // namespace tgwark
