// Syntax of AWS region names and resource ids, checked in one place: the
// config parser rejects what the endpoint resolver would refuse, and the other
// way round, so a name is either good everywhere or reported where it is read.
#pragma once

#include <string_view>

namespace tgwark {

// A two-letter partition prefix, one or more lower-case words and a number of
// one or two digits: us-east-1, us-gov-west-1, cn-northwest-1, us-isob-east-1.
bool isValidRegionName(std::string_view region);

// prefix + '-' + 8 or 17 lower-case hex digits: eni-0123abcd,
// tgw-rtb-0123456789abcdef0.
bool isValidAwsId(std::string_view id, std::string_view prefix);

}  // namespace tgwark
