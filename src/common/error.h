// Error model shared by every layer: a category that tells callers what to do
// (retry, give up, report a config problem), plus the AWS code and request id
// that an operator needs to open a support case. No exception crosses a module
// boundary; fallible functions return Result<T>.
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace tgwark {

enum class ErrorCategory {
  kRetryable,         // transient: 5xx, connection reset, timeouts of one attempt
  kThrottled,         // RequestLimitExceeded and friends: retry, but slow down
  kNotFound,          // the resource does not exist (Invalid*ID.NotFound, InvalidRoute.NotFound)
  kPermission,        // UnauthorizedOperation, AuthFailure, AccessDenied
  kInvalid,           // the request or a response is malformed / rejected as invalid
  kConflict,          // RouteAlreadyExists, IncorrectState, DependencyViolation
  kInvalidConfig,     // the user's configuration or arguments are wrong
  kDeadlineExceeded,  // the caller's deadline passed before the call could finish
  kInternal,          // a bug or an unexpected local failure
};

std::string_view categoryName(ErrorCategory category);

struct [[nodiscard]] Error {
  ErrorCategory category = ErrorCategory::kInternal;
  std::string message;
  std::string awsCode;    // e.g. "InvalidRouteTableID.NotFound"; empty when not from AWS
  std::string requestId;  // AWS request id when the service returned one
  int httpStatus = 0;     // 0 when no HTTP response was received

  // True for errors worth another attempt (retryable or throttled).
  bool retryable() const {
    return category == ErrorCategory::kRetryable || category == ErrorCategory::kThrottled;
  }
  // One line for logs: "category: message (code=X, request-id=Y, http=Z)".
  std::string describe() const;
};

template <class T>
using Result = std::expected<T, Error>;

// Shorthand for building an unexpected Error.
inline std::unexpected<Error> makeError(ErrorCategory category, std::string message,
                                        std::string awsCode = {}, std::string requestId = {},
                                        int httpStatus = 0) {
  return std::unexpected<Error>(
      Error{category, std::move(message), std::move(awsCode), std::move(requestId), httpStatus});
}

}  // namespace tgwark
