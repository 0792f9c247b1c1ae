// RFC 3339 timestamps in the one form the platform uses: UTC, milliseconds, "Z"
// ("2026-11-25T10:31:59.123Z"). Shared by the emulator, which writes and compares them,
// and the Platform API client, which builds intervals and reads availability dates.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tracechat::common {

// Milliseconds since the epoch. Exactly "YYYY-MM-DDTHH:MM:SS[.f]Z": fixed-width digit
// fields, a real calendar date, a fraction of 1 to 9 digits (the first three kept), UTC
// only, nothing after the "Z".
std::optional<std::int64_t> parse_rfc3339_ms(std::string_view text);
std::string format_rfc3339_ms(std::int64_t ms_since_epoch);

}  // namespace tracechat::common
