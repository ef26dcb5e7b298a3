// Runs every header-signing case of AWS's SigV4 test suite (aws-c-auth's
// tests/aws-signing-test-suite/v4, copied into tests/data/sigv4) through the
// signer, comparing each step byte for byte.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>
#include "test_paths.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "aws/sigv4.h"

namespace tgwark::aws::sigv4 {
namespace {

namespace fs = std::filesystem;

const fs::path kSuiteDir = fs::path(TGWARK_TEST_DATA_DIR) / "sigv4";

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Parses the suite's request.txt format (README.md): a request line whose
// target may contain spaces, "Name:value" headers, lines starting with
// whitespace continuing the previous header, then an optional blank line and body.
HttpRequest parseRequestFile(const std::string& text) {
  HttpRequest request;
  std::size_t pos = 0;
  auto nextLine = [&](std::string& line) {
    if (pos >= text.size()) return false;
    auto end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    line = text.substr(pos, end - pos);
    pos = end + 1;
    return true;
  };
  std::string line;
  nextLine(line);
  auto space = line.find(' ');
  request.method = line.substr(0, space);
  std::string target = line.substr(space + 1);
  const std::string kVersion = " HTTP/1.1";
  if (target.ends_with(kVersion)) target.resize(target.size() - kVersion.size());
  while (nextLine(line)) {
    if (line.empty()) {
      request.body = pos < text.size() ? text.substr(pos) : std::string{};
      break;
    }
    if ((line[0] == ' ' || line[0] == '\t') && !request.headers.empty()) {
      request.headers.back().second += "\n" + line;
      continue;
    }
    auto colon = line.find(':');
    request.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  request.url = "https://" + std::string(findHeader(request.headers, "host")) + target;
  return request;
}

WallTime parseTimestamp(const std::string& iso) {
  // The suite only uses "YYYY-MM-DDTHH:MM:SSZ".
  std::tm tm{};
  std::istringstream in(iso);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

struct SuiteCase {
  HttpRequest request;
  Credentials credentials;
  SigningParams params;
};

SuiteCase loadCase(const fs::path& dir) {
  SuiteCase c;
  c.request = parseRequestFile(readFile(dir / "request.txt"));
  auto context = nlohmann::json::parse(readFile(dir / "context.json"));
  c.credentials.accessKeyId = context["credentials"]["access_key_id"].get<std::string>();
  c.credentials.secretAccessKey =
      SecretString(context["credentials"]["secret_access_key"].get<std::string>());
  if (context["credentials"].contains("token")) {
    c.credentials.sessionToken = SecretString(context["credentials"]["token"].get<std::string>());
  }
  c.params.region = context["region"].get<std::string>();
  c.params.service = context["service"].get<std::string>();
  c.params.time = parseTimestamp(context["timestamp"].get<std::string>());
  c.params.normalizePath = context.value("normalize", true);
  c.params.omitSessionToken = context.value("omit_session_token", false);
  // As aws-c-auth's harness: sign_body adds and signs x-amz-content-sha256 =
  // sha256(body); otherwise the payload hash is the empty-body hash.
  if (context.value("sign_body", false)) {
    c.params.addContentSha256Header = true;
  } else {
    c.params.payloadHash = std::string(kEmptyPayloadSha256);
  }
  return c;
}

std::vector<std::string> discoverCases() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(kSuiteDir, ec)) {
    if (entry.is_directory() && fs::exists(entry.path() / "request.txt")) {
      names.push_back(entry.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

class Sigv4SuiteTest : public ::testing::TestWithParam<std::string> {};

TEST(Sigv4Suite, DiscoversEveryCase) {
  // README.md: 38 cases. Guards against the parameterized test silently running none.
  EXPECT_EQ(discoverCases().size(), 38u) << "suite directory: " << kSuiteDir;
}

TEST_P(Sigv4SuiteTest, CanonicalRequestStringToSignSignature) {
  const fs::path dir = kSuiteDir / GetParam();
  SuiteCase c = loadCase(dir);
  // The canonical request is computed from the request as sign() leaves it
  // (with X-Amz-Date etc. added), minus Authorization, so sign first.
  HttpRequest signedRequest = c.request;
  ASSERT_TRUE(sign(signedRequest, c.credentials, c.params).has_value());
  HttpRequest beforeAuth = signedRequest;
  std::erase_if(beforeAuth.headers, [](const auto& h) { return h.first == "Authorization"; });

  auto canonical = canonicalRequest(beforeAuth, c.params);
  ASSERT_TRUE(canonical.has_value()) << canonical.error().describe();
  EXPECT_EQ(canonical->text, readFile(dir / "header-canonical-request.txt"));

  std::string sts = stringToSign(canonical->text, c.params.time, c.params.region, c.params.service);
  EXPECT_EQ(sts, readFile(dir / "header-string-to-sign.txt"));

  SecretString key = signingKey(c.credentials.secretAccessKey, scopeDate(c.params.time),
                                c.params.region, c.params.service);
  EXPECT_EQ(signature(key, sts), readFile(dir / "header-signature.txt"));
}

TEST_P(Sigv4SuiteTest, SignProducesSignedRequest) {
  const fs::path dir = kSuiteDir / GetParam();
  SuiteCase c = loadCase(dir);
  ASSERT_TRUE(sign(c.request, c.credentials, c.params).has_value());
  HttpRequest expected = parseRequestFile(readFile(dir / "header-signed-request.txt"));
  EXPECT_EQ(findHeader(c.request.headers, "Authorization"),
            findHeader(expected.headers, "Authorization"));
  // Every added header, in the suite's order, and nothing else changed.
  EXPECT_EQ(c.request.headers, expected.headers);
  EXPECT_EQ(c.request.body, expected.body);
}

TEST_P(Sigv4SuiteTest, VerifyAcceptsSuiteSignature) {
  const fs::path dir = kSuiteDir / GetParam();
  SuiteCase c = loadCase(dir);
  if (c.params.addContentSha256Header == false && !c.request.body.empty()) {
    GTEST_SKIP() << "payload hash forced to the empty-body hash; a server hashes the body";
  }
  if (!c.params.normalizePath) {
    GTEST_SKIP() << "verify() always normalizes the path (non-S3 service); this case signs "
                    "the unnormalized path";
  }
  HttpRequest expected = parseRequestFile(readFile(dir / "header-signed-request.txt"));
  auto result = verify(expected, c.credentials.secretAccessKey);
  EXPECT_TRUE(result.has_value()) << result.error().describe();
}

INSTANTIATE_TEST_SUITE_P(AwsCAuthV4, Sigv4SuiteTest, ::testing::ValuesIn(discoverCases()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string name = param.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace tgwark::aws::sigv4
