// The IAM permissions tgwark uses, in one table, so `lifekeeper install`,
// `validate` (DryRun probes) and docs/iam.md all say the same thing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tgwark::app {

enum class PermissionTier {
  kMinimal,     // the vendor TGW kit's set: enough when create_missing = false
  kDiscovery,   // read-only extras for pre-flight checks and full discovery
  kCreate,      // needed when create_missing = true
  kSourceDest,  // needed when fix_source_dest_check = true
};

struct Permission {
  std::string_view action;  // "ec2:ReplaceRoute"
  PermissionTier tier;
  std::string_view why;
};

const std::vector<Permission>& allPermissions();

struct PolicyOptions {
  bool createMissing = true;
  bool fixSourceDestCheck = false;
  bool includeDiscovery = true;
  // false for the single-VPC layout (no transit gateway in scope): none of the
  // transit gateway actions is needed.
  bool transitGateways = true;
};

// The actions needed for these options, sorted.
std::vector<std::string> requiredActions(const PolicyOptions& options);
// An IAM policy document (JSON, pretty-printed) granting exactly those actions.
std::string policyDocument(const PolicyOptions& options);

}  // namespace tgwark::app
