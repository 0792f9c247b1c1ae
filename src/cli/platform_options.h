// The options that name an OAuth client of the Platform API, as every command that calls
// the API takes them (`find`, `ui`): the secret never from a flag.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "tracechat/platform/settings.h"

namespace tracechat::cli {

// --client-id, --credentials FILE and --ca-file FILE.
void add_oauth_client_options(CLI::App& cmd, platform::SettingsFlags& flags, std::string& ca_file);

}  // namespace tracechat::cli
