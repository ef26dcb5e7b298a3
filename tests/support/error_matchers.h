// gmock matchers for Result<T>: a test that expects a failure names the
// failure it expects (category, AWS code), so an unrelated error cannot make
// it pass.
//
//   EXPECT_THAT(result, ErrorIs(ErrorCategory::kInvalidConfig));
//   EXPECT_THAT(result, ErrorIs(ErrorCategory::kNotFound, "InvalidRouteTableID.NotFound"));
//   EXPECT_THAT(result, ErrorIs(ErrorCategory::kInvalidConfig, "", HasSubstr("node-z")));
#pragma once

#include <gmock/gmock.h>

#include <ostream>
#include <string>

#include "common/error.h"

namespace tgwark::testing {

// Matches a Result holding an error of `category`; when `awsCode` is not
// empty the error's awsCode must equal it, and the message must match
// `message` (anything by default).
template <class MessageMatcher = decltype(::testing::A<const std::string&>())>
class ErrorIsMatcher {
 public:
  ErrorIsMatcher(ErrorCategory category, std::string awsCode, MessageMatcher message)
      : category_(category), awsCode_(std::move(awsCode)), message_(std::move(message)) {}

  template <class T>
  operator ::testing::Matcher<const Result<T>&>() const {  // NOLINT: implicit by design
    return ::testing::Matcher<const Result<T>&>(new Impl<T>(*this));
  }

 private:
  template <class T>
  class Impl : public ::testing::MatcherInterface<const Result<T>&> {
   public:
    explicit Impl(const ErrorIsMatcher& outer)
        : outer_(outer), message_(::testing::SafeMatcherCast<const std::string&>(outer.message_)) {}

    bool MatchAndExplain(const Result<T>& result,
                         ::testing::MatchResultListener* listener) const override {
      if (result.has_value()) {
        *listener << "which succeeded";
        return false;
      }
      const Error& e = result.error();
      *listener << "which failed with " << e.describe();
      if (e.category != outer_.category_) return false;
      if (!outer_.awsCode_.empty() && e.awsCode != outer_.awsCode_) return false;
      return message_.Matches(e.message);
    }
    void DescribeTo(std::ostream* os) const override {
      *os << "is an error of category " << categoryName(outer_.category_);
      if (!outer_.awsCode_.empty()) *os << " with AWS code " << outer_.awsCode_;
      *os << " whose message ";
      message_.DescribeTo(os);
    }
    void DescribeNegationTo(std::ostream* os) const override {
      *os << "is not ";
      DescribeTo(os);
    }

   private:
    ErrorIsMatcher outer_;
    ::testing::Matcher<const std::string&> message_;
  };

  ErrorCategory category_;
  std::string awsCode_;
  MessageMatcher message_;
};

inline ErrorIsMatcher<> ErrorIs(ErrorCategory category, std::string awsCode = {}) {
  return ErrorIsMatcher<>(category, std::move(awsCode), ::testing::A<const std::string&>());
}

template <class MessageMatcher>
ErrorIsMatcher<MessageMatcher> ErrorIs(ErrorCategory category, std::string awsCode,
                                       MessageMatcher message) {
  return ErrorIsMatcher<MessageMatcher>(category, std::move(awsCode), std::move(message));
}

}  // namespace tgwark::testing
