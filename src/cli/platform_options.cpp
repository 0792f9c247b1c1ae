#include "platform_options.h"

namespace tracechat::cli {

void add_oauth_client_options(CLI::App& cmd, platform::SettingsFlags& flags, std::string& ca_file) {
  cmd.add_option("--client-id", flags.client_id,
                 "OAuth client id (default: $GENESYSCLOUD_OAUTHCLIENT_ID; the secret is read from\n"
                 "$GENESYSCLOUD_OAUTHCLIENT_SECRET or --credentials, never from a flag)");
  cmd.add_option("--credentials", flags.credentials_file,
                 "JSON file {\"client_id\": …, \"client_secret\": …}, such as the one the emulator writes")
      ->check(CLI::ExistingFile);
  cmd.add_option("--ca-file", ca_file, "extra trusted CA bundle (PEM) for the platform's TLS")
      ->check(CLI::ExistingFile);
}

}  // namespace tracechat::cli
