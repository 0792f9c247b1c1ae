// Where the Platform API is and who calls it, taken the way Genesys's own tools take it:
// GENESYSCLOUD_OAUTHCLIENT_ID, GENESYSCLOUD_OAUTHCLIENT_SECRET, GENESYSCLOUD_REGION (a
// region name) or GENESYSCLOUD_API_REGION (a base URL, which is how the local emulator is
// reached). Flags override the environment.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "tracechat/platform/platform_error.h"
#include "tracechat/platform/regions.h"
#include "tracechat/result.h"

namespace tracechat::platform {

inline constexpr std::string_view kClientIdVariable = "GENESYSCLOUD_OAUTHCLIENT_ID";
inline constexpr std::string_view kClientSecretVariable = "GENESYSCLOUD_OAUTHCLIENT_SECRET";
inline constexpr std::string_view kRegionVariable = "GENESYSCLOUD_REGION";
inline constexpr std::string_view kApiRegionVariable = "GENESYSCLOUD_API_REGION";

// An OAuth client of the client-credentials grant.
struct Credentials {
  std::string client_id;
  std::string client_secret;  // never logged, never in an error
};

struct PlatformSettings {
  PlatformHosts hosts;
  Credentials credentials;
};

// What the command line gave; empty means "not given".
struct SettingsFlags {
  std::string region;   // a region name
  std::string api_url;  // a base URL
  std::string client_id;
  std::filesystem::path credentials_file;  // JSON {"client_id": …, "client_secret": …}
};

// Reads one environment variable; the default reads the process's environment.
using Environment = std::function<std::optional<std::string>(std::string_view name)>;
Environment process_environment();

// Where the API is: --api-url, else --region, else GENESYSCLOUD_API_REGION, else
// GENESYSCLOUD_REGION. Errors say what to set.
Result<PlatformHosts, PlatformError> resolve_hosts(const SettingsFlags& flags, const Environment& env);
// The hosts and the OAuth client: the id from --client-id, the credentials file or
// GENESYSCLOUD_OAUTHCLIENT_ID; the secret from the credentials file or
// GENESYSCLOUD_OAUTHCLIENT_SECRET (never from a flag, where `ps` would show it).
Result<PlatformSettings, PlatformError> resolve_settings(const SettingsFlags& flags,
                                                         const Environment& env = process_environment());

// The file the emulator writes for its generated client (and a user may write by hand).
Result<Credentials> read_credentials_file(const std::filesystem::path& path);

}  // namespace tracechat::platform
