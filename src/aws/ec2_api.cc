#include "aws/ec2_api.h"

#include <utility>

namespace tgwark::aws {

bool isDryRunSuccess(const Error& error) {
  return error.awsCode == "DryRunOperation";
}

bool isAuthorizationDenial(const Error& error) {
  return error.category == ErrorCategory::kPermission &&
         (error.awsCode == "UnauthorizedOperation" || error.awsCode == "AccessDenied" ||
          error.awsCode == "AccessDeniedException");
}

Result<WriteAck> dryRunAnswer(Error error) {
  if (isDryRunSuccess(error)) return WriteAck{DryRunVerdict{true, {}}};
  if (isAuthorizationDenial(error)) return WriteAck{DryRunVerdict{false, std::move(error)}};
  return std::unexpected(std::move(error));
}

}  // namespace tgwark::aws
