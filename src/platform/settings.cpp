#include "tracechat/platform/settings.h"

#include <cstdlib>

#include "common/credentials_file.h"

namespace tracechat::platform {

namespace {

PlatformError configuration(std::string message) {
  return PlatformError{PlatformError::Kind::configuration, std::move(message), 0};
}

std::optional<std::string> non_empty(const Environment& env, std::string_view name) {
  auto value = env(name);
  if (value && value->empty()) value.reset();
  return value;
}

}  // namespace

Environment process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    return value == nullptr ? std::nullopt : std::optional<std::string>(value);
  };
}

Result<PlatformHosts, PlatformError> resolve_hosts(const SettingsFlags& flags, const Environment& env) {
  if (!flags.api_url.empty() && !flags.region.empty()) {
    return configuration("give --region or --api-url, not both");
  }
  const auto from = [](Result<PlatformHosts> hosts, std::string_view source) -> Result<PlatformHosts, PlatformError> {
    if (!hosts) return configuration(std::string(source) + ": " + hosts.error().message);
    return std::move(*hosts);
  };
  if (!flags.api_url.empty()) return from(hosts_for_base_url(flags.api_url), "--api-url");
  if (!flags.region.empty()) return from(hosts_for_region(flags.region), "--region");
  if (auto url = non_empty(env, kApiRegionVariable)) return from(hosts_for_base_url(*url), kApiRegionVariable);
  if (auto region = non_empty(env, kRegionVariable)) return from(hosts_for_region(*region), kRegionVariable);
  return configuration("no platform region: set " + std::string(kRegionVariable) + " (e.g. us-west-2) or " +
                       std::string(kApiRegionVariable) + " (a base URL such as http://127.0.0.1:8080 for the " +
                       "emulator), or pass --region or --api-url");
}

Result<PlatformSettings, PlatformError> resolve_settings(const SettingsFlags& flags, const Environment& env) {
  TRACECHAT_TRY(auto hosts, resolve_hosts(flags, env));
  Credentials credentials;
  if (!flags.credentials_file.empty()) {
    auto file = read_credentials_file(flags.credentials_file);
    if (!file) return configuration(file.error().message);
    credentials = std::move(*file);
  } else {
    credentials.client_id = non_empty(env, kClientIdVariable).value_or("");
    credentials.client_secret = non_empty(env, kClientSecretVariable).value_or("");
  }
  if (!flags.client_id.empty()) credentials.client_id = flags.client_id;
  if (credentials.client_id.empty() || credentials.client_secret.empty()) {
    return configuration("no OAuth client: set " + std::string(kClientIdVariable) + " and " +
                         std::string(kClientSecretVariable) +
                         " (a client-credentials OAuth client, docs/genesys-setup.md), or pass --credentials FILE");
  }
  return PlatformSettings{std::move(hosts), std::move(credentials)};
}

Result<Credentials> read_credentials_file(const std::filesystem::path& path) {
  // The emulator writes this file and reads it back through the same reader: one format,
  // and the same refusal of a file others could read or replace.
  auto file = common::read_credentials_file(path);
  if (!file) return Error{file.error().message};
  return Credentials{std::move(file->client_id), std::move(file->client_secret)};
}

}  // namespace tracechat::platform
