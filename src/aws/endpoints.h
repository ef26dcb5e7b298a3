// Where the EC2 API of a region lives: the partition's default host
// (amazonaws.com, amazonaws.com.cn for cn-*, GovCloud), the FIPS variant, and
// the user's overrides. The environment is passed in, never read globally, so
// resolution is a pure function that tests can drive.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/env.h"
#include "common/error.h"

namespace tgwark::aws {

using tgwark::EnvLookup;
using tgwark::envValue;
using tgwark::processEnvironment;

struct EndpointOptions {
  // AWS_USE_FIPS_ENDPOINT=true in the environment turns this on as well.
  bool useFips = false;
  // [aws] endpoint_url: one endpoint for every region.
  std::string configEndpointUrl;
  // [aws.regions."REGION"] endpoint_url: wins over everything else.
  std::map<std::string, std::string, std::less<>> regionEndpointUrls;
  // AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL, AWS_USE_FIPS_ENDPOINT; null = empty environment.
  EnvLookup env;
};

struct Endpoint {
  std::string url;            // scheme://host[:port][/base-path], no trailing slash
  std::string signingRegion;  // always the resource's region, whatever the host
  // Where the URL came from: "region-config", "AWS_ENDPOINT_URL_EC2",
  // "AWS_ENDPOINT_URL", "config", "default" (for logs and `tgwark validate`).
  std::string source;
};

// Precedence: per-region config override, AWS_ENDPOINT_URL_EC2,
// AWS_ENDPOINT_URL, config endpoint_url, then the partition default
// https://ec2[-fips].REGION.amazonaws.com[.cn]. kInvalidConfig for a bad
// region name or an override that is not an http(s) URL.
Result<Endpoint> resolveEc2Endpoint(std::string_view region, const EndpointOptions& options);

}  // namespace tgwark::aws
