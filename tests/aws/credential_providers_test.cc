// Environment and shared-file providers, INI parsing, the single-flight
// cache and the provider chain.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <latch>
#include <map>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "aws/credential_providers.h"
#include "aws/imds_client.h"
#include "aws/sigv4.h"
#include "support/fake_http_client.h"

namespace tgwark::aws {
namespace {

namespace fs = std::filesystem;
using tgwark::testing::FakeHttpClient;

EnvLookup envOf(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

class ScriptedProvider : public CredentialsProvider {
 public:
  Result<Credentials> getCredentials() override {
    ++calls;
    return next();
  }
  std::function<Result<Credentials>()> next;
  std::atomic<int> calls{0};
};

Credentials credentialsNamed(std::string key, std::optional<WallTime> expiration = std::nullopt) {
  Credentials c;
  c.accessKeyId = std::move(key);
  c.secretAccessKey = SecretString("s");
  c.expiration = expiration;
  c.source = "test";
  return c;
}

// ------------------------------------------------------------------ time

TEST(Iso8601, ParsesAwsForms) {
  const WallTime t{std::chrono::seconds{1440938160}};
  EXPECT_EQ(*parseIso8601("2015-08-30T12:36:00Z"), t);
  EXPECT_EQ(*parseIso8601("2015-08-30T12:36:00.500Z"), t + std::chrono::milliseconds(500));
  EXPECT_EQ(*parseIso8601("2015-08-30T14:36:00+02:00"), t);
  EXPECT_EQ(formatIso8601(t), "2015-08-30T12:36:00Z");
  EXPECT_FALSE(parseIso8601("2015-08-30 12:36:00").has_value());
  EXPECT_FALSE(parseIso8601("2015-02-30T12:36:00Z").has_value());
  EXPECT_FALSE(parseIso8601("").has_value());
}

// ------------------------------------------------------------------ environment

TEST(EnvironmentProvider, ReadsKeysAndToken) {
  EnvironmentCredentialsProvider p(envOf({{"AWS_ACCESS_KEY_ID", "AKIDENV"},
                                          {"AWS_SECRET_ACCESS_KEY", "env-secret"},
                                          {"AWS_SESSION_TOKEN", "env-token"}}));
  auto c = p.getCredentials();
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->accessKeyId, "AKIDENV");
  EXPECT_TRUE(c->secretAccessKey == SecretString("env-secret"));  // no secret in failure output
  EXPECT_TRUE(c->sessionToken == SecretString("env-token"));      // no secret in failure output
  EXPECT_EQ(c->source, "environment");
  EXPECT_FALSE(c->expiration.has_value());
}

TEST(EnvironmentProvider, NothingSetIsNotFoundHalfSetIsConfigError) {
  EXPECT_EQ(EnvironmentCredentialsProvider(envOf({})).getCredentials().error().category,
            ErrorCategory::kNotFound);
  EXPECT_EQ(EnvironmentCredentialsProvider(envOf({{"AWS_ACCESS_KEY_ID", ""}}))
                .getCredentials()
                .error()
                .category,
            ErrorCategory::kNotFound);
  auto half = EnvironmentCredentialsProvider(envOf({{"AWS_SECRET_ACCESS_KEY", "half-secret"}}))
                  .getCredentials();
  ASSERT_FALSE(half.has_value());
  EXPECT_EQ(half.error().category, ErrorCategory::kInvalidConfig);
  EXPECT_NE(half.error().message.find("AWS_ACCESS_KEY_ID"), std::string::npos);
  EXPECT_EQ(half.error().message.find("half-secret"), std::string::npos);
}

// ------------------------------------------------------------------ INI

TEST(Ini, ParsesSectionsCommentsAndSubProperties) {
  auto ini = parseIni(
      "# comment\n"
      "; another\n"
      "[default]\r\n"
      "region = us-east-1   # inline\n"
      "Output=json\n"
      "s3 =\n"
      "  max_concurrent_requests = 20\n"
      "[profile   ha]\n"
      "role_arn = arn:aws:iam::1:role/x;not-a-comment\n"
      "source_profile = base ; inline\n",
      "cfg");
  ASSERT_TRUE(ini.has_value()) << ini.error().describe();
  const auto& def = ini->sections.at("default");
  EXPECT_EQ(def.entries.at("region").value, "us-east-1");
  EXPECT_EQ(def.entries.at("region").line, 4);
  EXPECT_EQ(def.entries.at("output").value, "json");
  EXPECT_FALSE(def.entries.contains("max_concurrent_requests"));
  const auto& ha = ini->sections.at("profile ha");
  EXPECT_EQ(ha.entries.at("role_arn").value, "arn:aws:iam::1:role/x;not-a-comment");
  EXPECT_EQ(ha.entries.at("source_profile").value, "base");
}

TEST(Ini, ErrorsNameFileAndLineButNotContent) {
  auto noEquals = parseIni("[default]\naws_secret_access_key secret-value\n", "/x/credentials");
  ASSERT_FALSE(noEquals.has_value());
  EXPECT_EQ(noEquals.error().category, ErrorCategory::kInvalidConfig);
  EXPECT_NE(noEquals.error().message.find("/x/credentials:2"), std::string::npos);
  EXPECT_EQ(noEquals.error().message.find("secret-value"), std::string::npos);
  EXPECT_FALSE(parseIni("key = v\n", "f").has_value());
  EXPECT_FALSE(parseIni("[default\n", "f").has_value());
}

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

  // Cached until 5 minutes before expiry.
  EXPECT_EQ(p->getCredentials()->accessKeyId, "ASIAROLE");
  EXPECT_EQ(http_->requestCount(), 1u);
  clock_->advance(std::chrono::minutes(26));
  http_->enqueue(200, assumeRoleXml("ASIAROLE2", clock_->now() + std::chrono::hours(1)));
  EXPECT_EQ(p->getCredentials()->accessKeyId, "ASIAROLE2");
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

// ------------------------------------------------------------------ cache

TEST(CredentialsCacheTest, OneRefreshWhileManyThreadsWait) {
  auto clock = std::make_shared<FakeClock>();
  auto inner = std::make_shared<ScriptedProvider>();
  std::latch entered(1);
  std::latch release(1);
  inner->next = [&]() -> Result<Credentials> {
    entered.count_down();
    release.wait();  // hold the refresh until every other thread is queued behind it
    return credentialsNamed("AKIDONE", clock->now() + std::chrono::hours(1));
  };
  CachedCredentialsProvider cached(inner, clock);
  constexpr int kThreads = 8;
  std::vector<std::string> keys(kThreads);
  std::vector<std::thread> threads;
  threads.emplace_back([&] { keys[0] = cached.getCredentials()->accessKeyId; });
  entered.wait();
  for (int i = 1; i < kThreads; ++i) {
    threads.emplace_back([&, i] { keys[i] = cached.getCredentials()->accessKeyId; });
  }
  // Release the refresh only once every other caller is blocked behind it.
  while (cached.cache().waiting() < kThreads - 1 && inner->calls.load() == 1) {
    std::this_thread::yield();  // bounded: a broken cache calls inner again instead of waiting
  }
  release.count_down();
  for (auto& t : threads) t.join();
  EXPECT_EQ(inner->calls.load(), 1);
  for (const auto& k : keys) EXPECT_EQ(k, "AKIDONE");
}

TEST(CredentialsCacheTest, FailedRefreshIsSharedByWaiters) {
  auto clock = std::make_shared<FakeClock>();
  auto inner = std::make_shared<ScriptedProvider>();
  std::latch entered(1);
  std::latch release(1);
  inner->next = [&]() -> Result<Credentials> {
    entered.count_down();
    release.wait();
    return makeError(ErrorCategory::kRetryable, "down");
  };
  CachedCredentialsProvider cached(inner, clock);
  constexpr int kThreads = 4;
  std::vector<std::string> messages(kThreads);
  std::vector<std::thread> threads;
  threads.emplace_back([&] { messages[0] = cached.getCredentials().error().message; });
  entered.wait();
  for (int i = 1; i < kThreads; ++i) {
    threads.emplace_back([&, i] { messages[i] = cached.getCredentials().error().message; });
  }
  while (cached.cache().waiting() < kThreads - 1 && inner->calls.load() == 1) {
    std::this_thread::yield();  // bounded: a broken cache calls inner again instead of waiting
  }
  release.count_down();
  for (auto& t : threads) t.join();
  EXPECT_EQ(inner->calls.load(), 1);
  for (const auto& m : messages) EXPECT_EQ(m, "down");

  // Errors are not cached: the next call tries again.
  inner->next = [] { return Result<Credentials>(makeError(ErrorCategory::kRetryable, "again")); };
  EXPECT_EQ(cached.getCredentials().error().message, "again");
  EXPECT_EQ(inner->calls.load(), 2);
}

TEST(CredentialsCacheTest, NoExpiryCachedForeverShortLivedNotRefetchedEveryCall) {
  auto clock = std::make_shared<FakeClock>();
  auto inner = std::make_shared<ScriptedProvider>();
  inner->next = [] { return Result<Credentials>(credentialsNamed("AKIDSTATIC")); };
  CachedCredentialsProvider forever(inner, clock);
  ASSERT_TRUE(forever.getCredentials());
  clock->advance(std::chrono::hours(1000));
  ASSERT_TRUE(forever.getCredentials());
  EXPECT_EQ(inner->calls.load(), 1);

  auto shortLived = std::make_shared<ScriptedProvider>();
  shortLived->next = [&] {
    return Result<Credentials>(
        credentialsNamed("AKIDSHORT", clock->now() + std::chrono::minutes(2)));
  };
  CachedCredentialsProvider cached(shortLived, clock);
  ASSERT_TRUE(cached.getCredentials());
  ASSERT_TRUE(cached.getCredentials());
  EXPECT_EQ(shortLived->calls.load(), 1);  // inside the 5-minute window, but kept for half its life
  clock->advance(std::chrono::seconds(61));
  ASSERT_TRUE(cached.getCredentials());
  EXPECT_EQ(shortLived->calls.load(), 2);
}

TEST(CredentialsCacheTest, InvalidateForcesRefetch) {
  auto clock = std::make_shared<FakeClock>();
  auto inner = std::make_shared<ScriptedProvider>();
  inner->next = [] { return Result<Credentials>(credentialsNamed("AKID")); };
  CachedCredentialsProvider cached(inner, clock);
  ASSERT_TRUE(cached.getCredentials());
  cached.invalidate();
  ASSERT_TRUE(cached.getCredentials());
  EXPECT_EQ(inner->calls.load(), 2);
}

// ------------------------------------------------------------------ chain

TEST(Chain, TriesInOrderAndRemembersTheOneThatWorked) {
  auto first = std::make_shared<ScriptedProvider>();
  auto second = std::make_shared<ScriptedProvider>();
  first->next = [] { return Result<Credentials>(makeError(ErrorCategory::kNotFound, "unset")); };
  second->next = [] { return Result<Credentials>(credentialsNamed("AKIDSECOND")); };
  ChainCredentialsProvider chain({{"first", first}, {"second", second}});
  EXPECT_EQ(chain.getCredentials()->accessKeyId, "AKIDSECOND");
  EXPECT_EQ(chain.getCredentials()->accessKeyId, "AKIDSECOND");
  EXPECT_EQ(first->calls.load(), 1);  // remembered: asked second directly
  EXPECT_EQ(second->calls.load(), 2);

  // The remembered provider has nothing any more: start over from the top.
  second->next = [] { return Result<Credentials>(makeError(ErrorCategory::kNotFound, "gone")); };
  first->next = [] { return Result<Credentials>(credentialsNamed("AKIDFIRST")); };
  EXPECT_EQ(chain.getCredentials()->accessKeyId, "AKIDFIRST");
}

TEST(Chain, StopsAtRealErrorAndListsWhatWasTried) {
  auto first = std::make_shared<ScriptedProvider>();
  auto second = std::make_shared<ScriptedProvider>();
  auto third = std::make_shared<ScriptedProvider>();
  first->next = [] { return Result<Credentials>(makeError(ErrorCategory::kNotFound, "unset")); };
  second->next = [] {
    return Result<Credentials>(makeError(ErrorCategory::kInvalidConfig, "bad profile"));
  };
  third->next = [] { return Result<Credentials>(credentialsNamed("AKIDTHIRD")); };
  ChainCredentialsProvider chain({{"environment", first}, {"profile", second}, {"imds", third}});
  auto r = chain.getCredentials();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().category, ErrorCategory::kInvalidConfig);
  EXPECT_NE(r.error().message.find("environment: unset"), std::string::npos);
  EXPECT_NE(r.error().message.find("profile: bad profile"), std::string::npos);
  EXPECT_EQ(third->calls.load(), 0);
}

TEST(Chain, AllNotFound) {
  auto only = std::make_shared<ScriptedProvider>();
  only->next = [] { return Result<Credentials>(makeError(ErrorCategory::kNotFound, "unset")); };
  ChainCredentialsProvider chain({{"environment", only}});
  auto r = chain.getCredentials();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().category, ErrorCategory::kNotFound);
  EXPECT_NE(r.error().message.find("no AWS credentials found"), std::string::npos);
}

TEST(DefaultChain, EnvironmentFirstThenImds) {
  auto http = std::make_shared<FakeHttpClient>();
  auto clock = std::make_shared<FakeClock>();
  std::map<std::string, std::string> env = {{"AWS_ACCESS_KEY_ID", "AKIDENV"},
                                            {"AWS_SECRET_ACCESS_KEY", "env-secret"},
                                            {"HOME", "/nonexistent-home"}};
  auto chain = makeDefaultCredentialsChain({}, envOf(env), http, nullptr, clock);
  auto c = chain->getCredentials();
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->source, "environment");
  EXPECT_EQ(http->requestCount(), 0u);

  // No keys, no files: the instance role at the overridden endpoint.
  http->setHandler([&](const HttpRequest& r) -> Result<HttpResponse> {
    if (r.method == "PUT") return HttpResponse{200, {}, "tok"};
    if (r.url.ends_with("/iam/security-credentials/")) return HttpResponse{200, {}, "role"};
    if (r.url.ends_with("/iam/security-credentials/role")) {
      return HttpResponse{200,
                          {},
                          fmt::format(R"({{"Code":"Success","AccessKeyId":"ASIAIMDS",)"
                                      R"("SecretAccessKey":"x","Token":"t","Expiration":"{}"}})",
                                      formatIso8601(clock->now() + std::chrono::hours(6)))};
    }
    return HttpResponse{404, {}, ""};
  });
  auto imdsChain = makeDefaultCredentialsChain(
      {},
      envOf({{"HOME", "/nonexistent-home"},
             {"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9/_node/a"}}),
      http, nullptr, clock);
  auto i = imdsChain->getCredentials();
  ASSERT_TRUE(i.has_value()) << i.error().describe();
  EXPECT_EQ(i->source, "imds");
  EXPECT_EQ(i->accessKeyId, "ASIAIMDS");
  EXPECT_TRUE(http->lastRequest().url.starts_with("http://127.0.0.1:9/_node/a/latest/meta-data/"));

  auto none = makeDefaultCredentialsChain(
      {}, envOf({{"HOME", "/nonexistent-home"}, {"AWS_EC2_METADATA_DISABLED", "true"}}), http,
      nullptr, clock);
  auto n = none->getCredentials();
  ASSERT_FALSE(n.has_value());
  EXPECT_EQ(n.error().category, ErrorCategory::kNotFound);
}

}  // namespace
}  // namespace tgwark::aws
