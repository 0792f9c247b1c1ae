// Rates as people write them in error texts: "2", "0.5", "1.25" — never "2.000000",
// which is what std::to_string makes of a double.
#pragma once

#include <string>

namespace tracechat::emulator {

// The shortest decimal form that reads back as the same double.
std::string format_rate(double rate);

}  // namespace tracechat::emulator
