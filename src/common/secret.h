// A string that holds key material (secret keys, session tokens, derived
// signing keys). It wipes its bytes on destruction and never prints itself,
// so a secret cannot end up in a log line by accident.
#pragma once

#include <string>
#include <string_view>

namespace tgwark {

// Overwrites memory in a way the optimizer may not elide.
void secureWipe(void* data, std::size_t size);

class SecretString {
 public:
  SecretString() = default;
  explicit SecretString(std::string value) : value_(std::move(value)) {}
  SecretString(const SecretString& other) : value_(other.value_) {}
  SecretString(SecretString&& other) noexcept : value_(std::move(other.value_)) { other.wipe(); }
  SecretString& operator=(const SecretString& other) {
    if (this != &other) {
      wipe();
      value_ = other.value_;
    }
    return *this;
  }
  SecretString& operator=(SecretString&& other) noexcept {
    if (this != &other) {
      wipe();
      value_ = std::move(other.value_);
      other.wipe();
    }
    return *this;
  }
  ~SecretString() { wipe(); }

  // Deliberately verbose name: every place that reads the secret is easy to audit.
  std::string_view reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  // What logs show instead of the value.
  static constexpr std::string_view kRedacted = "****";

  friend bool operator==(const SecretString& a, const SecretString& b) {
    return a.value_ == b.value_;
  }

 private:
  void wipe() noexcept {
    secureWipe(value_.data(), value_.size());
    value_.clear();
  }
  std::string value_;
};

}  // namespace tgwark
