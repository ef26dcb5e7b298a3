#include "aws/ec2_api.h"

namespace tgwark::aws {

bool isDryRunSuccess(const Error& error) {
  return error.awsCode == "DryRunOperation";
}

}  // namespace tgwark::aws
