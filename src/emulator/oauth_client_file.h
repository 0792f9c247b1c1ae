// The generated OAuth client: with no client in the configuration, the emulator serves
// one whose credentials it keeps in a file beside the database, so that a client that
// saved them (or a script that reads the file) keeps working across restarts. The file
// holds a secret: it is created 0600 and never rewritten.
#pragma once

#include <filesystem>

#include "tracechat/emulator/config.h"
#include "tracechat/result.h"

namespace tracechat::emulator {

// platform.sqlite -> platform.oauth-client.json (the database's extension replaced).
std::filesystem::path oauth_client_file_for(const std::filesystem::path& db);

// Reads the file, or creates it with fresh credentials when there is none. The file is
// read as common::read_credentials_file reads it: one that is not exactly {"client_id":
// "…", "client_secret": "…"}, is a symbolic link, or is open to others is an error naming
// it.
Result<OAuthClientCredentials> load_or_create_oauth_client(const std::filesystem::path& file);

}  // namespace tracechat::emulator
