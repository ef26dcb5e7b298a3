// ISO 8601 timestamps as AWS services write them (STS and IMDS credential
// expirations): parsing with the forms AWS actually emits, and formatting
// for fakes and logs. Also the HTTP Date header (RFC 7231 IMF-fixdate),
// which is how a server tells a client with a skewed clock its time.
#pragma once

#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/error.h"

namespace tgwark::aws {

// 2015-08-30T12:36:00Z, with optional fractional seconds and "Z" or a
// +hh:mm / -hh:mm offset.
Result<WallTime> parseIso8601(std::string_view text);
// 2015-08-30T12:36:00Z (whole seconds, UTC).
std::string formatIso8601(WallTime t);

// "Sun, 06 Nov 1994 08:49:37 GMT".
Result<WallTime> parseHttpDate(std::string_view text);
std::string formatHttpDate(WallTime t);

}  // namespace tgwark::aws
