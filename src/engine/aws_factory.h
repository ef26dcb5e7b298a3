// The production Ec2Factory: one real aws::Ec2Client per region, built lazily
// and cached, sharing one HTTP transport (curl), one credentials chain and the
// system clock. Per region: the endpoint by the precedence of docs/configuration.md
// ([aws.regions."R"] endpoint_url, AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL,
// [aws] endpoint_url, the partition default), and credentials from STS
// AssumeRole when that region has a role_arn, else the default chain. Kept
// apart from the rest of the engine so everything else is tested with fakes.
#pragma once

#include <memory>

#include "aws/endpoints.h"
#include "engine/context.h"
#include "model/config.h"

namespace tgwark::aws {
class HttpClient;
class CredentialsProvider;
class ImdsClient;
class CallObserver;
}  // namespace tgwark::aws

namespace tgwark::engine {

struct AwsFactoryOptions {
  // Every field is optional; tests inject fakes, production leaves them null.
  std::shared_ptr<aws::HttpClient> http;  // default: CurlHttpClient (AWS_CA_BUNDLE honoured)
  std::shared_ptr<aws::ImdsClient> imds;  // default: over `http`, AWS_EC2_METADATA_SERVICE_ENDPOINT
  // Source credentials; default: environment -> profile files -> IMDSv2.
  std::shared_ptr<aws::CredentialsProvider> credentials;
  std::shared_ptr<Clock> clock;    // default: SystemClock
  std::shared_ptr<Random> random;  // default: SystemRandom
  std::shared_ptr<aws::CallObserver> observer;
};

// Validates the endpoints of the config's regions up front (kInvalidConfig
// for a bad region name or endpoint URL, or a bad AWS_MAX_ATTEMPTS); regions
// found later (peerings) are resolved on first use, and a failure there
// makes the factory return that error (its category kept, e.g.
// kInvalidConfig) for the region, which engine operations report per route.
Result<Ec2Factory> makeAwsEc2Factory(const model::Config& config, aws::EnvLookup env,
                                     AwsFactoryOptions options = {});

// config.aws.maxAttempts unless AWS_MAX_ATTEMPTS (1..20) overrides it; 0
// (neither set) means no cap: each call's deadline bounds its retries.
Result<int> effectiveMaxAttempts(const model::Config& config, const aws::EnvLookup& env);

}  // namespace tgwark::engine
