// Genesys Cloud regions and the hosts a tool needs in one: the Platform API
// (`api.<domain>`), OAuth (`login.<domain>`) and the guests' WebSocket
// (`webmessaging.<domain>`). A region is named as the SDKs and CX as Code name it
// (`us-west-2`); a full base URL instead (GENESYSCLOUD_API_REGION) points all three at
// one server, which is how the local emulator is reached.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "tracechat/net/url.h"
#include "tracechat/result.h"

namespace tracechat::platform {

struct Region {
  std::string_view name;    // us-west-2
  std::string_view domain;  // usw2.pure.cloud
};

// The 17 regions of Genesys's SDKs, in the order of their region enum.
std::span<const Region> known_regions();

// Where each part of the platform is reached.
struct PlatformHosts {
  net::Url api;               // https://api.<domain>, or the base URL
  net::Url login;             // https://login.<domain>, or the base URL
  std::string web_messaging;  // wss://webmessaging.<domain>, or the base URL as ws(s)://
  std::string region;         // the region name; empty for a base URL
};

// A region name (case-insensitive). An unknown name is an error that lists the known ones.
Result<PlatformHosts> hosts_for_region(std::string_view name);
// A base URL such as http://127.0.0.1:8080 or https://api.usw2.pure.cloud: an `api.` host
// gets its `login.` and `webmessaging.` siblings (as the SDKs derive them); any other
// host serves all three.
Result<PlatformHosts> hosts_for_base_url(std::string_view url);

// `<web_messaging>/v1?deploymentId=<id>`; the id must be a UUID.
Result<std::string> web_messaging_url(const PlatformHosts& hosts, std::string_view deployment_id);

}  // namespace tracechat::platform
