#include "tracechat/platform/regions.h"

#include <algorithm>
#include <array>

#include "common/ascii.h"
#include "tracechat/protocol/uuid.h"

namespace tracechat::platform {

namespace {

// From the SDKs' region enum (../shared/reference/genesys-platform-api.md). Hosts such
// as api.euw1.pure.cloud that appear in third-party code are in no SDK and not here.
constexpr std::array<Region, 17> kRegions{{
    {"us-east-1", "mypurecloud.com"},
    {"us-east-2", "use2.us-gov-pure.cloud"},
    {"us-west-2", "usw2.pure.cloud"},
    {"ca-central-1", "cac1.pure.cloud"},
    {"sa-east-1", "sae1.pure.cloud"},
    {"mx-central-1", "mxc1.pure.cloud"},
    {"eu-west-1", "mypurecloud.ie"},
    {"eu-west-2", "euw2.pure.cloud"},
    {"eu-central-1", "mypurecloud.de"},
    {"eu-central-2", "euc2.pure.cloud"},
    {"me-central-1", "mec1.pure.cloud"},
    {"ap-south-1", "aps1.pure.cloud"},
    {"ap-northeast-1", "mypurecloud.jp"},
    {"ap-northeast-2", "apne2.pure.cloud"},
    {"ap-northeast-3", "apne3.pure.cloud"},
    {"ap-southeast-1", "apse1.pure.cloud"},
    {"ap-southeast-2", "mypurecloud.com.au"},
}};

// host[:port], the port only when it is not the scheme's default.
std::string authority(const net::Url& url) {
  const bool ipv6 = url.host.find(':') != std::string::npos;
  const std::string host = ipv6 ? "[" + url.host + "]" : url.host;
  const bool default_port = url.port == (url.tls() ? 443 : 80);
  return default_port ? host : host + ":" + std::to_string(url.port);
}

std::string known_names() {
  std::string out;
  for (const auto& r : kRegions) out += (out.empty() ? "" : ", ") + std::string(r.name);
  return out;
}

}  // namespace

std::span<const Region> known_regions() { return kRegions; }

Result<PlatformHosts> hosts_for_region(std::string_view name) {
  const std::string wanted = common::ascii_lower(name);
  const auto* region = std::ranges::find_if(kRegions, [&](const Region& r) { return r.name == wanted; });
  if (region == kRegions.end()) {
    return Error{"unknown region '" + std::string(name.substr(0, 64)) + "'; known regions: " + known_names() +
                 " (or set GENESYSCLOUD_API_REGION to a base URL)"};
  }
  const std::string domain(region->domain);
  PlatformHosts hosts{*net::Url::parse("https://api." + domain), *net::Url::parse("https://login." + domain),
                      "wss://webmessaging." + domain, std::string(region->name)};
  return hosts;
}

Result<PlatformHosts> hosts_for_base_url(std::string_view text) {
  auto url = net::Url::parse(text);
  if (!url) return Error{"API base URL '" + std::string(text.substr(0, 200)) + "': " + url.error().message};
  if (url->scheme != "http" && url->scheme != "https") {
    return Error{"API base URL '" + std::string(text.substr(0, 200)) + "': expected http:// or https://"};
  }
  if (url->target != "/") {
    return Error{"API base URL '" + std::string(text.substr(0, 200)) +
                 "': expected no path, e.g. https://api.usw2.pure.cloud"};
  }
  // Host names are case-insensitive: API.example.com is an api. host too.
  url->host = common::ascii_lower(url->host);
  const std::string ws_scheme = url->tls() ? "wss://" : "ws://";
  PlatformHosts hosts{*url, *url, ws_scheme + authority(*url), {}};
  if (url->host.starts_with("api.")) {
    const std::string sibling = authority(*url).substr(4);  // <domain>[:port]
    hosts.login = *net::Url::parse(url->scheme + "://login." + sibling);
    hosts.web_messaging = ws_scheme + "webmessaging." + sibling;
  }
  return hosts;
}

Result<std::string> web_messaging_url(const PlatformHosts& hosts, std::string_view deployment_id) {
  if (!protocol::is_uuid(deployment_id)) {
    return Error{"deployment id '" + std::string(deployment_id.substr(0, 64)) +
                 "': expected a UUID (Admin > Message > Messenger Deployments)"};
  }
  return hosts.web_messaging + "/v1?deploymentId=" + std::string(deployment_id);
}

}  // namespace tracechat::platform
