// Error model shared by every layer: a category that tells callers what to do
// (retry, give up, report a config problem), plus the AWS code and request id
// that an operator needs to open a support case. No exception crosses a module
// boundary; fallible functions return Result<T>.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace tgwark {

enum class ErrorCategory {
  kRetryable,         // transient: 5xx, connection reset, timeouts of one attempt
  kThrottled,         // RequestLimitExceeded and friends: retry, but slow down
  kNotFound,          // the resource does not exist (Invalid*ID.NotFound)
  kPermission,        // UnauthorizedOperation, AuthFailure, AccessDenied
  kInvalid,           // the request or a response is malformed / rejected as invalid
  kConflict,          // DependencyViolation, *.Duplicate: the request clashes with the state
  kStale,             // the state changed underneath (RouteAlreadyExists, InvalidRoute.NotFound,
                      // IncorrectState): re-read and re-plan rather than repeat the request
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

// std::expected<T, Error> that the compiler refuses to let a caller drop:
// a discarded Result<void> used to compile silently and lose the error. It is
// a class (an alias cannot carry [[nodiscard]]) with expected's whole
// interface, converting both ways with a plain std::expected<T, Error>. The
// macros below are the way to chain Results (g++ 12's expected has no
// and_then, and later ones insist on a plain std::expected there).
template <class T>
class [[nodiscard]] Result : public std::expected<T, Error> {
 public:
  using Base = std::expected<T, Error>;
  using Base::Base;
  Result() = default;
  Result(const Base& other) : Base(other) {}        // NOLINT(google-explicit-constructor)
  Result(Base&& other) : Base(std::move(other)) {}  // NOLINT(google-explicit-constructor)
};

// `error` with "context: " put before its message; the category, AWS code,
// request id and HTTP status stay, so callers still decide by them.
Error withContext(Error error, std::string_view context);

namespace detail {
// What TGWARK_RETURN_IF_ERROR / TGWARK_ASSIGN_OR_RETURN return. Generic so
// they also serve results with another error type (the emulator's Ec2Error).
template <class E>
std::unexpected<std::remove_cvref_t<E>> propagateError(E&& error) {
  return std::unexpected<std::remove_cvref_t<E>>(std::forward<E>(error));
}
inline std::unexpected<Error> propagateError(Error error, std::string_view context) {
  return std::unexpected<Error>(withContext(std::move(error), context));
}
}  // namespace detail

// Shorthand for building an unexpected Error.
inline std::unexpected<Error> makeError(ErrorCategory category, std::string message,
                                        std::string awsCode = {}, std::string requestId = {},
                                        int httpStatus = 0) {
  return std::unexpected<Error>(
      Error{category, std::move(message), std::move(awsCode), std::move(requestId), httpStatus});
}

}  // namespace tgwark

// Early return of a failed result's error from a function returning a Result
// (or any std::expected with the same error type). An optional second
// argument, a string, is put before the error message:
//   TGWARK_RETURN_IF_ERROR(api.replaceRoute(...), "ReplaceRoute in " + region);
// An lvalue result is copied from, never moved from.
#define TGWARK_RETURN_IF_ERROR(expr, ...)                                                          \
  do {                                                                                             \
    auto&& tgwarkResult_ = (expr);                                                                 \
    if (!tgwarkResult_) {                                                                          \
      return ::tgwark::detail::propagateError(std::forward<decltype(tgwarkResult_)>(tgwarkResult_) \
                                                  .error() __VA_OPT__(, ) __VA_ARGS__);            \
    }                                                                                              \
  } while (false)

// Declares or assigns `lhs` from a result's value, or returns its error (with
// the optional context, as above). `lhs` is what stands left of `=`:
//   TGWARK_ASSIGN_OR_RETURN(auto tables, api.describeRouteTables(o));
//   TGWARK_ASSIGN_OR_RETURN(existing, parse(text), "reading " + path);
// lhs must not contain a top-level comma (no structured bindings).
#define TGWARK_ASSIGN_OR_RETURN(lhs, expr, ...)                              \
  TGWARK_ASSIGN_OR_RETURN_IMPL_(TGWARK_CONCAT_(tgwarkResult, __LINE__), lhs, \
                                expr __VA_OPT__(, ) __VA_ARGS__)

#define TGWARK_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr, ...)                                      \
  auto tmp = (expr);                                                                            \
  if (!tmp) {                                                                                   \
    return ::tgwark::detail::propagateError(std::move(tmp).error() __VA_OPT__(, ) __VA_ARGS__); \
  }                                                                                             \
  lhs = std::move(*tmp)

#define TGWARK_CONCAT_(a, b) TGWARK_CONCAT_INNER_(a, b)
#define TGWARK_CONCAT_INNER_(a, b) a##b
