// Credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN.
#include "aws/credentials_environment.h"

#include <gtest/gtest.h>

#include "support/fake_credentials.h"

namespace tgwark::aws {
namespace {

using tgwark::testing::envOf;

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

}  // namespace
}  // namespace tgwark::aws
