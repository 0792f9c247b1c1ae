// Deployments that restrict where Web Messaging may be opened from. A browser sends the
// page's origin in `Origin` with the upgrade request; a deployment with allowedOrigins
// refuses an upgrade whose origin is missing or not listed, with 403 before the upgrade.
// Whether the real platform checks `Origin` (rather than only its own web widget's
// domain setting) is not documented: docs/emulator.md says so.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "tracechat/emulator/config.h"

namespace tracechat::emulator {

// True when the deployment lists no origins, or `origin` (the header's value, if any)
// normalizes to one it lists.
bool origin_allowed(const EmulatorConfig& config, const std::string& deployment_id,
                    std::optional<std::string_view> origin);

}  // namespace tracechat::emulator
