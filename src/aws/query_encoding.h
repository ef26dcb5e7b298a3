// Form encoding for the AWS Query protocol (EC2 flavour): an ordered list of
// name/value parameters, EC2's flattened list naming (RouteTableId.1,
// Filter.1.Name, Filter.1.Value.1) and the urlencoded request body.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/ec2_types.h"

namespace tgwark::aws {

class QueryParams {
 public:
  // Starts with Action=<action>&Version=<version>.
  QueryParams(std::string_view action, std::string_view version);

  QueryParams& add(std::string name, std::string value);
  QueryParams& addBool(std::string name, bool value);
  QueryParams& addInt(std::string name, long long value);
  // EC2 list: name.1=v1, name.2=v2 ... (nothing for an empty list).
  QueryParams& addList(std::string_view name, const std::vector<std::string>& values);
  // Filter.N.Name / Filter.N.Value.M
  QueryParams& addFilters(const std::vector<Filter>& filters);

  const std::vector<std::pair<std::string, std::string>>& params() const { return params_; }
  // Value of the first parameter with this name, empty if absent.
  std::string_view get(std::string_view name) const;
  // name=value&... in insertion order, both sides percent-encoded (space is
  // %20, not '+'), which is what the SigV4 canonical form expects too.
  std::string encode() const;

 private:
  std::vector<std::pair<std::string, std::string>> params_;
};

// Parses an urlencoded form body back into pairs (tests, the simulator).
std::vector<std::pair<std::string, std::string>> parseFormBody(std::string_view body);

}  // namespace tgwark::aws
