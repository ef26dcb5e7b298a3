#include "aws/endpoints.h"

#include <cstdlib>

#include <fmt/format.h>

#include "common/aws_names.h"

namespace tgwark::aws {
namespace {

std::string lookup(const EndpointOptions& options, std::string_view name) {
  if (!options.env) return {};
  return options.env(name).value_or(std::string{});
}

Result<std::string> normalizeUrl(std::string_view url, std::string_view source) {
  std::string_view rest;
  if (url.starts_with("https://")) {
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else {
    return makeError(
        ErrorCategory::kInvalidConfig,
        fmt::format("endpoint URL from {} must start with http:// or https://: '{}'", source, url));
  }
  std::string_view host = rest.substr(0, rest.find_first_of("/?#"));
  if (host.empty() || host.find_first_of(" \t@") != std::string_view::npos) {
    return makeError(ErrorCategory::kInvalidConfig,
                     fmt::format("endpoint URL from {} has no valid host: '{}'", source, url));
  }
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return makeError(
        ErrorCategory::kInvalidConfig,
        fmt::format("endpoint URL from {} must not carry a query or fragment: '{}'", source, url));
  }
  std::string out(url);
  while (out.ends_with('/')) out.pop_back();
  return out;
}

}  // namespace

Result<Endpoint> resolveEc2Endpoint(std::string_view region, const EndpointOptions& options) {
  if (!isValidRegionName(region)) {
    return makeError(
        ErrorCategory::kInvalidConfig,
        fmt::format("'{}' is not a valid AWS region name (expected e.g. us-east-1)", region));
  }
  Endpoint endpoint;
  endpoint.signingRegion = std::string(region);

  auto useOverride = [&](std::string_view url, std::string_view source) -> Result<Endpoint> {
    TGWARK_ASSIGN_OR_RETURN(endpoint.url, normalizeUrl(url, source));
    endpoint.source = std::string(source);
    return endpoint;
  };

  if (auto it = options.regionEndpointUrls.find(region);
      it != options.regionEndpointUrls.end() && !it->second.empty()) {
    return useOverride(it->second, "region-config");
  }
  if (std::string env = lookup(options, "AWS_ENDPOINT_URL_EC2"); !env.empty()) {
    return useOverride(env, "AWS_ENDPOINT_URL_EC2");
  }
  if (std::string env = lookup(options, "AWS_ENDPOINT_URL"); !env.empty()) {
    return useOverride(env, "AWS_ENDPOINT_URL");
  }
  if (!options.configEndpointUrl.empty()) return useOverride(options.configEndpointUrl, "config");

  std::string fipsEnv = lookup(options, "AWS_USE_FIPS_ENDPOINT");
  bool fips = options.useFips || fipsEnv == "true" || fipsEnv == "TRUE" || fipsEnv == "True";
  endpoint.source = "default";
  if (region.starts_with("cn-")) {
    if (fips) {
      return makeError(
          ErrorCategory::kInvalidConfig,
          fmt::format("no FIPS EC2 endpoint exists in the China partition ({})", region));
    }
    endpoint.url = fmt::format("https://ec2.{}.amazonaws.com.cn", region);
  } else if (region.starts_with("us-gov-")) {
    // GovCloud's regular EC2 endpoints are already FIPS 140 validated; AWS
    // publishes the FIPS variant under the same host name.
    endpoint.url = fmt::format("https://ec2.{}.amazonaws.com", region);
  } else {
    endpoint.url = fmt::format("https://{}.{}.amazonaws.com", fips ? "ec2-fips" : "ec2", region);
  }
  return endpoint;
}

}  // namespace tgwark::aws
