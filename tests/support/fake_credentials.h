// Test doubles for the credentials layer: an environment from a map, a
// scripted CredentialsProvider that counts fetches and invalidations, and a
// scripted IMDSv2 service for FakeHttpClient.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "aws/credentials.h"
#include "aws/http_client.h"
#include "common/env.h"
#include "support/fake_http_client.h"

namespace tgwark::testing {

inline EnvLookup envOf(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

inline aws::Credentials credentialsNamed(std::string key,
                                         std::optional<WallTime> expiration = std::nullopt) {
  aws::Credentials c;
  c.accessKeyId = std::move(key);
  c.secretAccessKey = SecretString("s");
  c.expiration = expiration;
  c.source = "test";
  return c;
}

// Answers getCredentials() with `next()`; counts calls and invalidations.
class ScriptedCredentialsProvider : public aws::CredentialsProvider {
 public:
  Result<aws::Credentials> getCredentials() override {
    ++calls;
    return next();
  }
  void invalidate() override { ++invalidations; }
  std::function<Result<aws::Credentials>()> next;
  std::atomic<int> calls{0};
  std::atomic<int> invalidations{0};
};

// A scripted metadata service: answers by method + path, counts token PUTs,
// and checks that every GET carries the current token. Not thread-safe:
// tests change `pages` only between calls.
struct FakeImds {
  std::map<std::string, std::pair<int, std::string>> pages;  // path -> (status, body)
  std::string prefix;                                        // path prefix of the endpoint
  int tokenCount = 0;
  int rejectNextGetWith401 = 0;

  FakeHttpClient::Handler handler() {
    return [this](const aws::HttpRequest& r) -> Result<aws::HttpResponse> {
      std::string path = r.url.substr(r.url.find('/', r.url.find("://") + 3));
      EXPECT_TRUE(path.starts_with(prefix)) << path;
      path = path.substr(prefix.size());
      if (r.method == "PUT" && path == "/latest/api/token") {
        EXPECT_EQ(aws::findHeader(r.headers, "X-aws-ec2-metadata-token-ttl-seconds"), "21600");
        ++tokenCount;
        return aws::HttpResponse{200, {}, "token-" + std::to_string(tokenCount)};
      }
      if (r.method != "GET") return aws::HttpResponse{405, {}, ""};
      if (aws::findHeader(r.headers, "X-aws-ec2-metadata-token") !=
          "token-" + std::to_string(tokenCount)) {
        return aws::HttpResponse{401, {}, ""};
      }
      if (rejectNextGetWith401 > 0) {
        --rejectNextGetWith401;
        return aws::HttpResponse{401, {}, ""};
      }
      auto it = pages.find(path);
      if (it == pages.end()) return aws::HttpResponse{404, {}, "Not Found"};
      return aws::HttpResponse{it->second.first, {}, it->second.second};
    };
  }

  // An instance role named `role` whose credentials document has key `key`.
  void setRole(std::string_view role, std::string_view key, std::string_view expiration) {
    pages["/latest/meta-data/iam/security-credentials/"] = {200, std::string(role) + "\n"};
    pages["/latest/meta-data/iam/security-credentials/" + std::string(role)] = {
        200, credentialsJson(key, expiration)};
  }

  static std::string credentialsJson(std::string_view key, std::string_view expiration) {
    return fmt::format(R"({{
  "Code" : "Success",
  "LastUpdated" : "2015-08-30T12:00:00Z",
  "Type" : "AWS-HMAC",
  "AccessKeyId" : "{}",
  "SecretAccessKey" : "imds-secret",
  "Token" : "imds-token",
  "Expiration" : "{}"
}})",
                       key, expiration);
  }
};

// An STS AssumeRoleResponse carrying `key`.
inline std::string assumeRoleResponse(std::string_view key, std::string_view expiration) {
  return fmt::format(
      "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>{}</AccessKeyId>"
      "<SecretAccessKey>role-secret</SecretAccessKey><SessionToken>role-token</SessionToken>"
      "<Expiration>{}</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>",
      key, expiration);
}

}  // namespace tgwark::testing
