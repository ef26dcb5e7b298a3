// Credentials from the shared config and credentials files, including role
// profiles (role_arn + source_profile) assumed through STS.
#include "aws/credentials_profile.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "aws/credentials_cache.h"
#include "aws/iso8601.h"
#include "aws/sigv4.h"
#include "support/fake_clock.h"
#include "support/fake_credentials.h"
#include "support/fake_http_client.h"

namespace tgwark::aws {
namespace {

namespace fs = std::filesystem;
using tgwark::testing::envOf;
using tgwark::testing::FakeHttpClient;

TEST(SharedFiles, PathsFromEnvironmentOrHome) {
  auto home = resolveSharedFilePaths(envOf({{"HOME", "/home/ha"}}));
  EXPECT_EQ(home.configFile, "/home/ha/.aws/config");
  EXPECT_EQ(home.credentialsFile, "/home/ha/.aws/credentials");
  auto custom = resolveSharedFilePaths(envOf({{"HOME", "/home/ha"},
                                              {"AWS_CONFIG_FILE", "~/cfg"},
                                              {"AWS_SHARED_CREDENTIALS_FILE", "/etc/creds"}}));
  EXPECT_EQ(custom.configFile, "/home/ha/cfg");
  EXPECT_EQ(custom.credentialsFile, "/etc/creds");
}

// ------------------------------------------------------------------ profiles

class ProfileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("tgwark-profile-" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    files_.configFile = (dir_ / "config").string();
    files_.credentialsFile = (dir_ / "credentials").string();
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& path, std::string_view text) { std::ofstream(path) << text; }
  std::unique_ptr<ProfileCredentialsProvider> provider(std::map<std::string, std::string> env = {},
                                                       std::string profile = {}) {
    ProfileOptions o;
    o.profile = std::move(profile);
    o.files = files_;
    o.region = "us-east-1";
    return std::make_unique<ProfileCredentialsProvider>(o, envOf(std::move(env)), http_, clock_);
  }

  fs::path dir_;
  SharedFilePaths files_;
  std::shared_ptr<FakeHttpClient> http_ = std::make_shared<FakeHttpClient>();
  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
};

TEST_F(ProfileTest, DefaultProfileFromCredentialsFile) {
  write(files_.credentialsFile,
        "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = default-secret\n"
        "[other]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = other-secret\n"
        "aws_session_token = other-token\n");
  auto c = provider()->getCredentials();
  ASSERT_TRUE(c.has_value()) << c.error().describe();
  EXPECT_EQ(c->accessKeyId, "AKIDDEFAULT");
  EXPECT_EQ(c->source, "profile:default");

  auto other = provider({{"AWS_PROFILE", "other"}})->getCredentials();
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(other->accessKeyId, "AKIDOTHER");
  EXPECT_TRUE(other->sessionToken == SecretString("other-token"));  // no secret in failure output
  EXPECT_EQ(other->source, "profile:other");
}

TEST_F(ProfileTest, ExplicitProfileWinsOverAwsProfile) {
  write(files_.configFile,
        "[profile ha]\naws_access_key_id = AKIDHA\naws_secret_access_key = ha-secret\n");
  auto p = provider({{"AWS_PROFILE", "missing"}}, "ha");
  EXPECT_EQ(p->profileName(), "ha");
  auto c = p->getCredentials();
  ASSERT_TRUE(c.has_value()) << c.error().describe();
  EXPECT_EQ(c->accessKeyId, "AKIDHA");
}

TEST_F(ProfileTest, CredentialsFileWinsOverConfigFile) {
  write(files_.configFile,
        "[default]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = config-secret\n");
  write(files_.credentialsFile,
        "[default]\naws_access_key_id = AKIDCREDS\naws_secret_access_key = creds-secret\n");
  EXPECT_EQ(provider()->getCredentials()->accessKeyId, "AKIDCREDS");
}

TEST_F(ProfileTest, MissingDefaultIsNotFoundMissingExplicitIsConfigError) {
  auto implicit = provider()->getCredentials();
  ASSERT_FALSE(implicit.has_value());
  EXPECT_EQ(implicit.error().category, ErrorCategory::kNotFound);

  auto named = provider({{"AWS_PROFILE", "prod"}})->getCredentials();
  ASSERT_FALSE(named.has_value());
  EXPECT_EQ(named.error().category, ErrorCategory::kInvalidConfig);
  EXPECT_NE(named.error().message.find("'prod'"), std::string::npos);
  EXPECT_NE(named.error().message.find(files_.configFile), std::string::npos);
}

// A FIFO or a device named by AWS_SHARED_CREDENTIALS_FILE must neither hang the
// provider nor be read without bound.
TEST_F(ProfileTest, SharedFilesMustBeBoundedRegularFiles) {
  ASSERT_EQ(::mkfifo(files_.credentialsFile.c_str(), 0600), 0);
  auto fromFifo = provider()->getCredentials();
  ASSERT_FALSE(fromFifo.has_value());
  EXPECT_EQ(fromFifo.error().category, ErrorCategory::kInvalidConfig);
  EXPECT_NE(fromFifo.error().message.find("FIFO"), std::string::npos) << fromFifo.error().message;

  files_.credentialsFile = "/dev/zero";
  auto fromZero = provider()->getCredentials();
  ASSERT_FALSE(fromZero.has_value());
  EXPECT_EQ(fromZero.error().category, ErrorCategory::kInvalidConfig);

  files_.credentialsFile = (dir_ / "big").string();
  write(files_.credentialsFile,
        "[default]\naws_access_key_id = AKIDBIG\naws_secret_access_key = s\n" +
            std::string((1 << 20) + 1, '#'));
  auto fromBig = provider()->getCredentials();
  ASSERT_FALSE(fromBig.has_value());
  EXPECT_EQ(fromBig.error().category, ErrorCategory::kInvalidConfig);
}

TEST_F(ProfileTest, ProfileWithoutKeysLetsTheChainMoveOn) {
  write(files_.configFile, "[default]\nregion = us-west-2\n");
  auto r = provider()->getCredentials();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().category, ErrorCategory::kNotFound);
}

TEST_F(ProfileTest, HalfConfiguredProfileNamesFileProfileAndKey) {
  write(files_.credentialsFile, "[default]\naws_access_key_id = AKIDONLY\n");
  auto r = provider()->getCredentials();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().category, ErrorCategory::kInvalidConfig);
  EXPECT_NE(r.error().message.find("aws_secret_access_key"), std::string::npos);
  EXPECT_NE(r.error().message.find("'default'"), std::string::npos);
  EXPECT_NE(r.error().message.find(files_.credentialsFile), std::string::npos);
}

std::string assumeRoleXml(std::string_view key, WallTime expiration) {
  return fmt::format(
      "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>{}</AccessKeyId>"
      "<SecretAccessKey>role-secret</SecretAccessKey><SessionToken>role-token</SessionToken>"
      "<Expiration>{}</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>",
      key, formatIso8601(expiration));
}

TEST_F(ProfileTest, RoleArnWithSourceProfileAssumesRole) {
  write(files_.configFile,
        "[profile ha]\n"
        "role_arn = arn:aws:iam::111122223333:role/tgw-routes\n"
        "source_profile = base\n"
        "role_session_name = node-a\n"
        "external_id = ext-42\n"
        "duration_seconds = 1800\n"
        "region = eu-west-1\n");
  write(files_.credentialsFile,
        "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n");
  http_->enqueue(200, assumeRoleXml("ASIAROLE", clock_->now() + std::chrono::minutes(30)));
  auto p = provider({}, "ha");
  auto c = p->getCredentials();
  ASSERT_TRUE(c.has_value()) << c.error().describe();
  EXPECT_EQ(c->accessKeyId, "ASIAROLE");
  EXPECT_TRUE(c->sessionToken == SecretString("role-token"));  // no secret in failure output
  EXPECT_EQ(c->source, "profile:ha (assume-role:arn:aws:iam::111122223333:role/tgw-routes)");

  HttpRequest sent = http_->lastRequest();
  EXPECT_EQ(sent.url, "https://sts.eu-west-1.amazonaws.com/");
  EXPECT_EQ(sent.body,
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%"
            "3Arole%2Ftgw-routes&RoleSessionName=node-a&DurationSeconds=1800&ExternalId=ext-42");
  auto auth = sigv4::parseAuthorization(findHeader(sent.headers, "Authorization"));
  ASSERT_TRUE(auth.has_value());
  EXPECT_EQ(auth->accessKeyId, "AKIDBASE");
  EXPECT_TRUE(sigv4::verify(sent, SecretString("base-secret")).has_value());

  // The provider itself keeps nothing: every call assumes the role again.
  http_->enqueue(200, assumeRoleXml("ASIAAGAIN", clock_->now() + std::chrono::minutes(30)));
  EXPECT_EQ(p->getCredentials()->accessKeyId, "ASIAAGAIN");
  EXPECT_EQ(http_->requestCount(), 2u);
}

TEST_F(ProfileTest, RoleCredentialsAreCachedByTheCacheInFrontUntilNearExpiry) {
  write(files_.configFile,
        "[profile ha]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\n"
        "[profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n");
  http_->enqueue(200, assumeRoleXml("ASIAROLE", clock_->now() + std::chrono::minutes(30)));
  CachedCredentialsProvider cached(provider({}, "ha"), clock_);
  EXPECT_EQ(cached.getCredentials()->accessKeyId, "ASIAROLE");
  EXPECT_EQ(cached.getCredentials()->accessKeyId, "ASIAROLE");
  EXPECT_EQ(http_->requestCount(), 1u);
  clock_->advance(std::chrono::minutes(26));  // 4 minutes left: refresh
  http_->enqueue(200, assumeRoleXml("ASIAROLE2", clock_->now() + std::chrono::hours(1)));
  EXPECT_EQ(cached.getCredentials()->accessKeyId, "ASIAROLE2");
  EXPECT_EQ(http_->requestCount(), 2u);
}

TEST_F(ProfileTest, RoleRegionFallsBackToEnvironment) {
  write(files_.configFile,
        "[profile ha]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\n"
        "[profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n");
  http_->enqueue(200, assumeRoleXml("ASIAROLE", clock_->now() + std::chrono::hours(1)));
  ProfileOptions o;
  o.profile = "ha";
  o.files = files_;
  ProfileCredentialsProvider p(o, envOf({{"AWS_REGION", "ap-southeast-2"}}), http_, clock_);
  ASSERT_TRUE(p.getCredentials().has_value());
  EXPECT_EQ(http_->lastRequest().url, "https://sts.ap-southeast-2.amazonaws.com/");
  auto auth = sigv4::parseAuthorization(findHeader(http_->lastRequest().headers, "Authorization"));
  ASSERT_TRUE(auth.has_value());
  EXPECT_EQ(auth->region, "ap-southeast-2");
}

TEST_F(ProfileTest, RoleProfileErrors) {
  write(files_.configFile,
        "[profile nosource]\nrole_arn = arn:aws:iam::1:role/r\n"
        "[profile badsource]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = ghost\n"
        "[profile loop1]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = loop2\n"
        "[profile loop2]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = loop1\n"
        "[profile baddur]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = baddur\n"
        "aws_access_key_id = A\naws_secret_access_key = S\nduration_seconds = soon\n");
  for (auto [profile, needle] :
       std::vector<std::pair<std::string, std::string>>{{"nosource", "source_profile"},
                                                        {"badsource", "'ghost'"},
                                                        {"loop1", "loops"},
                                                        {"baddur", "duration_seconds"}}) {
    auto r = provider({}, profile)->getCredentials();
    ASSERT_FALSE(r.has_value()) << profile;
    EXPECT_EQ(r.error().category, ErrorCategory::kInvalidConfig) << profile;
    EXPECT_NE(r.error().message.find(needle), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find(files_.configFile), std::string::npos) << r.error().message;
  }
  EXPECT_EQ(http_->requestCount(), 0u);
}

TEST_F(ProfileTest, StsFailureNamesProfile) {
  write(files_.configFile,
        "[profile ha]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\n"
        "[profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n");
  http_->enqueue(403,
                 "<ErrorResponse><Error><Code>AccessDenied</Code><Message>no</Message>"
                 "</Error><RequestId>rid</RequestId></ErrorResponse>");
  auto r = provider({}, "ha")->getCredentials();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().category, ErrorCategory::kPermission);
  EXPECT_EQ(r.error().awsCode, "AccessDenied");
  EXPECT_NE(r.error().message.find("'ha'"), std::string::npos);
  EXPECT_EQ(r.error().describe().find("base-secret"), std::string::npos);
}

}  // namespace
}  // namespace tgwark::aws
