// The EC2 Query API actions of the emulator: request parameters in, the XML
// body of the response out, with AWS's error codes, messages and HTTP
// statuses. Authentication, throttling and fault injection happen before
// (sim_state.cc); this file only knows the resources.
#pragma once

#include <expected>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/sim_topology.h"

namespace tgwark::sim {

inline constexpr std::string_view kEc2Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/";

struct Ec2Error {
  int status = 400;
  std::string code;
  std::string message;
};

// Decoded form parameters ("Filter.1.Value.2" -> value).
class Ec2Params {
 public:
  explicit Ec2Params(std::map<std::string, std::string> values) : values_(std::move(values)) {}
  std::optional<std::string> get(std::string_view name) const;
  // Flattened list: Name.1, Name.2, ... (stops at the first gap).
  std::vector<std::string> list(std::string_view prefix) const;
  struct Filter {
    std::string name;
    std::vector<std::string> values;
  };
  std::expected<std::vector<Filter>, Ec2Error> filters() const;
  // DryRun and other booleans: "true"/"false" (case-insensitive); malformed -> error.
  std::expected<bool, Ec2Error> flag(std::string_view name) const;
  const std::map<std::string, std::string>& all() const { return values_; }

 private:
  std::map<std::string, std::string> values_;
};

// application/x-www-form-urlencoded; a malformed escape is an error.
std::expected<std::map<std::string, std::string>, Ec2Error> parseForm(std::string_view body);

bool isKnownAction(std::string_view action);
// Mutating actions share the smaller token bucket.
bool isMutatingAction(std::string_view action);

struct Ec2Call {
  SimTopology& topology;
  SimRegion& region;
  const Ec2Params& params;
  std::string action;
};

// Runs one action; returns the elements inside <ActionResponse> after <requestId>.
std::expected<std::string, Ec2Error> runEc2Action(Ec2Call& call);

std::string xmlEscape(std::string_view text);
std::string ec2SuccessXml(std::string_view action, std::string_view requestId,
                          std::string_view inner);
std::string ec2ErrorXml(std::string_view code, std::string_view message,
                        std::string_view requestId);

}  // namespace tgwark::sim
